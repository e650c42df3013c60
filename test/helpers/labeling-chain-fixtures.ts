import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type JsonLineBatches, openLocalFile, readJsonLineBatches } from '../../lambdas/shared/jsonl';

/** Folder of the labeling-chain fixtures. */
export const FIXTURES = join(__dirname, '../fixtures/labeling-chain');

/** Path of a fixture. */
export function fixturePath(name: string): string {
  return join(FIXTURES, name);
}

/** A fixture streamed as JSON lines. */
export function fixtureLines(name: string): JsonLineBatches {
  return readJsonLineBatches(openLocalFile(fixturePath(name)));
}

/** A fixture's text. */
export function fixtureText(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

/** A fixture parsed as JSON. */
export function fixtureJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

/** Text streamed as JSON lines. */
export function textLines(text: string): JsonLineBatches {
  return readJsonLineBatches(Readable.from([Buffer.from(text)]));
}
