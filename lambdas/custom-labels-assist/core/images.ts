import { imageSize } from 'image-size';
import { IMAGE_EXTENSIONS, MAX_IMAGE_BYTES, MAX_IMAGE_SIDE, MIN_IMAGE_SIDE } from '../contract';

/**
 * Which objects of a folder are images this workflow can use, and their real size. Custom Labels reads PNG and JPEG
 * images of at most 15 MB with sides of 64–4096 pixels (guidelines and quotas); everything else is skipped with a
 * reason the run's report keeps.
 */

/** Why an object is skipped before its bytes are read, or undefined when it may be an image. */
export function skipReasonOf(key: string, bytes: number): string | undefined {
  if (key.endsWith('/')) return 'a folder marker';
  const dot = key.lastIndexOf('.');
  const extension = dot < 0 ? '' : key.slice(dot).toLowerCase();
  if (!(IMAGE_EXTENSIONS as readonly string[]).includes(extension)) {
    return `not a .jpg, .jpeg or .png name${extension ? ` (${extension})` : ''}`;
  }
  if (bytes === 0) return 'empty object';
  if (bytes > MAX_IMAGE_BYTES)
    return `${bytes} bytes is more than the 15 MB (${MAX_IMAGE_BYTES} bytes) Custom Labels reads`;
  return undefined;
}

/** Bytes read from the start of an image to find its size (a JPEG's size marker follows its EXIF block, ≤ 64 KiB). */
export const HEADER_BYTES = 128 * 1024;

/** An image's real size, or why it cannot be used. */
export type ImageHeader =
  | { readonly ok: true; readonly width: number; readonly height: number; readonly type: 'png' | 'jpg' }
  | { readonly ok: false; readonly reason: string };

/**
 * The size of an image as displayed, read from its header with `image-size`: JPEG EXIF orientations 5–8 (a quarter
 * turn) swap width and height, as browsers and Rekognition apply the orientation before drawing or detecting.
 * `complete` says whether `bytes` is the whole object (a header that does not fit in the first bytes needs more).
 */
export function readImageHeader(bytes: Uint8Array, complete: boolean): ImageHeader | 'need-more' {
  let size: ReturnType<typeof imageSize>;
  try {
    size = imageSize(bytes);
  } catch (error) {
    if (!complete) return 'need-more';
    const message = error instanceof Error ? error.message : String(error);
    // image-size says "unsupported file type: undefined" when no format's signature matches.
    const why = /^unsupported file type/.test(message) ? 'no PNG or JPEG header' : message;
    return { ok: false, reason: `not a readable image (${why})` };
  }
  if (size.type !== 'png' && size.type !== 'jpg') {
    return { ok: false, reason: `a ${size.type ?? 'unknown'} image; Custom Labels reads PNG and JPEG` };
  }
  const quarterTurn = size.orientation !== undefined && size.orientation >= 5 && size.orientation <= 8;
  const width = quarterTurn ? size.height : size.width;
  const height = quarterTurn ? size.width : size.height;
  if (width < MIN_IMAGE_SIDE || height < MIN_IMAGE_SIDE || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    return {
      ok: false,
      reason: `${width} × ${height} pixels; Custom Labels reads images of ${MIN_IMAGE_SIDE}–${MAX_IMAGE_SIDE} pixels a side`,
    };
  }
  return { ok: true, width, height, type: size.type };
}
