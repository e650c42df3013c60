import { crc32, inflateRawSync } from 'node:zlib';

/** One file of a zip archive. */
export interface ZipEntry {
  /** Path inside the archive, `/`-separated, never absolute, never with `..`. */
  readonly path: string;
  /** The file's bytes. */
  readonly data: Buffer;
  /** Unix permission bits when the archive was made on Unix (e.g. `0o755`), else undefined. */
  readonly mode?: number;
}

/** The archive is not a zip file this reader can read; the message says why. */
export class ZipFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipFormatError';
  }
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

/**
 * Read every file of a zip archive held in memory (the CDK CLI zips directory assets with deflate; `zip -r` and
 * most tools write the same format). Entries are located through the central directory, so archives written in
 * streaming mode (data descriptors, sizes zero in local headers) are read correctly. Each file's CRC-32 is checked.
 * Directories are skipped. Encrypted entries, ZIP64 archives and methods other than stored/deflate are rejected.
 *
 * @throws ZipFormatError
 */
export function readZip(archive: Buffer): ZipEntry[] {
  const eocd = findEndOfCentralDirectory(archive);
  const count = archive.readUInt16LE(eocd + 10);
  const size = archive.readUInt32LE(eocd + 12);
  const offset = archive.readUInt32LE(eocd + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    throw new ZipFormatError('ZIP64 archives are not supported (the seed archive is expected to be small)');
  }
  if (offset + size > eocd) throw new ZipFormatError('central directory lies outside the archive');
  const entries: ZipEntry[] = [];
  let cursor = offset;
  for (let i = 0; i < count; i += 1) {
    if (cursor + 46 > archive.length || archive.readUInt32LE(cursor) !== CENTRAL_SIGNATURE) {
      throw new ZipFormatError(`central directory entry ${i} is damaged`);
    }
    const madeBy = archive.readUInt16LE(cursor + 4);
    const flags = archive.readUInt16LE(cursor + 8);
    const method = archive.readUInt16LE(cursor + 10);
    const crc = archive.readUInt32LE(cursor + 16);
    const compressedSize = archive.readUInt32LE(cursor + 20);
    const size = archive.readUInt32LE(cursor + 24);
    const nameLength = archive.readUInt16LE(cursor + 28);
    const extraLength = archive.readUInt16LE(cursor + 30);
    const commentLength = archive.readUInt16LE(cursor + 32);
    const externalAttributes = archive.readUInt32LE(cursor + 38);
    const localOffset = archive.readUInt32LE(cursor + 42);
    const name = archive.toString('utf8', cursor + 46, cursor + 46 + nameLength).replace(/\\/g, '/');
    cursor += 46 + nameLength + extraLength + commentLength;

    if (name.endsWith('/')) continue;
    const path = safePath(name);
    if ((flags & 0x1) !== 0) throw new ZipFormatError(`${path} is encrypted`);
    const data = readData(archive, localOffset, compressedSize, method, size, path);
    if (data.length !== size) throw new ZipFormatError(`${path}: expected ${size} bytes, got ${data.length}`);
    if (crc32(data) >>> 0 !== crc) throw new ZipFormatError(`${path}: CRC-32 mismatch (the archive is corrupt)`);
    const unix = madeBy >> 8 === 3;
    const mode = unix ? (externalAttributes >>> 16) & 0o777 : undefined;
    entries.push(mode === undefined ? { path, data } : { path, data, mode });
  }
  return entries;
}

function findEndOfCentralDirectory(archive: Buffer): number {
  const lowest = Math.max(0, archive.length - EOCD_SIZE - MAX_COMMENT);
  for (let at = archive.length - EOCD_SIZE; at >= lowest; at -= 1) {
    if (archive.readUInt32LE(at) === EOCD_SIGNATURE) return at;
  }
  throw new ZipFormatError('not a zip archive (no end-of-central-directory record)');
}

function readData(
  archive: Buffer,
  localOffset: number,
  compressedSize: number,
  method: number,
  size: number,
  path: string,
): Buffer {
  if (localOffset + 30 > archive.length || archive.readUInt32LE(localOffset) !== LOCAL_SIGNATURE) {
    throw new ZipFormatError(`${path}: local header is damaged`);
  }
  const start = localOffset + 30 + archive.readUInt16LE(localOffset + 26) + archive.readUInt16LE(localOffset + 28);
  const end = start + compressedSize;
  if (end > archive.length) throw new ZipFormatError(`${path}: data runs past the end of the archive`);
  const raw = archive.subarray(start, end);
  if (method === 0) return Buffer.from(raw);
  if (method === 8) {
    try {
      return inflateRawSync(raw, { maxOutputLength: Math.max(size, 1) });
    } catch (error) {
      throw new ZipFormatError(`${path}: cannot inflate (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  throw new ZipFormatError(`${path}: compression method ${method} is not supported (only stored and deflate)`);
}

function safePath(name: string): string {
  const parts = name.split('/');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || parts.some((p) => p === '..')) {
    throw new ZipFormatError(`unsafe path in archive: ${name}`);
  }
  return parts.filter((p) => p !== '' && p !== '.').join('/');
}
