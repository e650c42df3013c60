import { mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, crc32 } from 'node:zlib';
import fc from 'fast-check';
import { ZipFormatError, readZip } from '../../../../lambdas/gitlab-mlops/core/zip';
import { zipFolder } from '../../../helpers/zip-fixture';

function folderWith(files: Record<string, Buffer | string>, modes: Record<string, number> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlw-zip-src-'));
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), data);
    if (modes[path] !== undefined) chmodSync(join(dir, path), modes[path]);
  }
  return dir;
}

/** A minimal one-entry archive written by hand (stored or deflated), for the error cases. */
function handMade(name: string, data: Buffer, method: 0 | 8, tamper?: (b: Buffer) => void): Buffer {
  const body = method === 8 ? deflateRawSync(data) : data;
  const nameBytes = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(method, 8);
  local.writeUInt32LE(crc32(data) >>> 0, 14);
  local.writeUInt32LE(body.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(method, 10);
  central.writeUInt32LE(crc32(data) >>> 0, 16);
  central.writeUInt32LE(body.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  central.writeUInt32LE(0, 42);
  const centralOffset = local.length + nameBytes.length + body.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(central.length + nameBytes.length, 12);
  eocd.writeUInt32LE(centralOffset, 16);
  const archive = Buffer.concat([local, nameBytes, body, central, nameBytes, eocd]);
  tamper?.(archive);
  return archive;
}

describe('readZip', () => {
  it('reads an Info-ZIP archive: text, binary, nested paths, modes; skips directories', () => {
    const binary = Buffer.from([0, 1, 2, 255, 254, 0, 128]);
    const dir = folderWith(
      { 'a.txt': 'hello\n', 'sub/dir/b.bin': binary, 'run.sh': '#!/bin/sh\necho hi\n', 'empty.txt': '' },
      { 'run.sh': 0o755 },
    );
    try {
      const entries = readZip(zipFolder(dir));
      const byPath = new Map(entries.map((e) => [e.path, e]));
      expect([...byPath.keys()].sort()).toEqual(['a.txt', 'empty.txt', 'run.sh', 'sub/dir/b.bin']);
      expect(byPath.get('a.txt')?.data.toString()).toBe('hello\n');
      expect(byPath.get('sub/dir/b.bin')?.data.equals(binary)).toBe(true);
      expect(byPath.get('empty.txt')?.data.length).toBe(0);
      expect(byPath.get('run.sh')?.mode).toBe(0o755);
      expect(byPath.get('a.txt')?.mode).toBe(0o644);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('round-trips any bytes through zip (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        const dir = folderWith({ 'f.bin': Buffer.from(bytes) });
        try {
          const [entry] = readZip(zipFolder(dir));
          return entry !== undefined && entry.path === 'f.bin' && entry.data.equals(Buffer.from(bytes));
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 25 },
    );
  });

  it('reads stored and deflated entries', () => {
    const data = Buffer.from('stored or deflated, same bytes');
    expect(readZip(handMade('x.txt', data, 0))[0]?.data.equals(data)).toBe(true);
    expect(readZip(handMade('x.txt', data, 8))[0]?.data.equals(data)).toBe(true);
  });

  it('rejects what is not a zip archive', () => {
    expect(() => readZip(Buffer.from('plain text, no zip here'))).toThrow(ZipFormatError);
    expect(() => readZip(Buffer.alloc(0))).toThrow('not a zip archive');
  });

  it('rejects a corrupt entry (CRC-32 mismatch)', () => {
    const data = Buffer.from('some content that will be damaged');
    const archive = handMade('x.txt', data, 0, (b) => {
      b.writeUInt8(b.readUInt8(35) ^ 0xff, 35);
    });
    expect(() => readZip(archive)).toThrow('x.txt: CRC-32 mismatch');
  });

  it('rejects unsafe paths, encrypted entries and unknown methods', () => {
    expect(() => readZip(handMade('../evil.sh', Buffer.from('x'), 0))).toThrow('unsafe path in archive: ../evil.sh');
    expect(() => readZip(handMade('/etc/passwd', Buffer.from('x'), 0))).toThrow('unsafe path');
    const encrypted = handMade('x.txt', Buffer.from('x'), 0, (b) => {
      const central = b.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      b.writeUInt16LE(1, central + 8);
    });
    expect(() => readZip(encrypted)).toThrow('x.txt is encrypted');
    const bzip = handMade('x.txt', Buffer.from('x'), 0, (b) => {
      const central = b.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      b.writeUInt16LE(12, central + 10);
    });
    expect(() => readZip(bzip)).toThrow('compression method 12 is not supported');
  });
});
