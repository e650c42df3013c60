import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../lib/shared/paths';

/** Folder of the Custom Labels assist fixtures (written from the documented formats). */
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'custom-labels-assist');

/** A fixture file's path. */
export const fixturePath = (name: string) => join(FIXTURES, name);

/** A fixture file's bytes. */
export const fixtureBytes = (name: string) => readFileSync(fixturePath(name));
