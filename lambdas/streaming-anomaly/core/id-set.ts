/**
 * Distinct track ids as 32-bit FNV-1a hashes in an open-addressing hash set over a `Uint32Array`: adding an id
 * allocates nothing (no string, no boxed number), which is most of the aggregation core's speed.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a of the UTF-16 code units `text[start..end)`, unsigned. */
export function fnv1a(text: string, start = 0, end = text.length): number {
  let hash = FNV_OFFSET;
  for (let i = start; i < end; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/**
 * {@link fnv1a} of the decimal form of a non-negative safe integer (`String(n)`), without building the string.
 */
export function fnv1aOfInteger(n: number): number {
  // Digits right to left into a scratch buffer, then hashed left to right.
  let length = 0;
  let rest = n;
  do {
    const next = rest < 2147483648 ? (rest / 10) | 0 : Math.floor(rest / 10);
    DIGITS[length] = rest - next * 10;
    length += 1;
    rest = next;
  } while (rest > 0);
  let hash = FNV_OFFSET;
  for (let i = length - 1; i >= 0; i -= 1) {
    hash ^= 0x30 + DIGITS[i]!;
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

const DIGITS = new Uint8Array(16);

/**
 * 32-bit FNV-1a of a track id, in base 36 (at most 7 characters): the form the window state stores, so every
 * distinct id costs the same few bytes however long the camera's ids are. Two ids of one camera, measure and window
 * collide with probability about n²/2³³ (about one id lost among 100,000).
 */
export function hashTrackId(id: string): string {
  return fnv1a(id).toString(36);
}

/** Characters of a hash in base 36 (what it costs in the serialized state). */
export function base36Length(hash: number): number {
  let length = 1;
  for (let rest = Math.floor(hash / 36); rest > 0; rest = Math.floor(rest / 36)) length += 1;
  return length;
}

/**
 * A set of 32-bit hashes (open addressing, linear probing, load factor ≤ 1/2; 0 is kept aside as a flag). It also
 * keeps insertion order, and remembers the base-36 text of a prefix of it (what the state was restored from), so
 * writing the state back costs only the hashes added since.
 */
export class HashSet32 {
  private table: Uint32Array;
  private count = 0;
  private hasZero = false;
  private order: Uint32Array;
  private length = 0;
  private text = '';
  private textCount = 0;

  /** @param capacity hashes expected (the table starts large enough for them) */
  constructor(capacity = 4) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.table = new Uint32Array(size);
    this.order = new Uint32Array(Math.max(4, capacity));
  }

  /**
   * A set from the state's form: base-36 hashes joined by commas (decoded in place: no split, no substrings).
   * @throws Error naming the bad part when a hash is not 1–7 base-36 digits below 2^32.
   */
  public static fromJoined(joined: string): HashSet32 {
    if (joined === '') return new HashSet32();
    let commas = 0;
    for (let i = joined.indexOf(','); i >= 0; i = joined.indexOf(',', i + 1)) commas += 1;
    const set = new HashSet32(commas + 1);
    let value = 0;
    let digits = 0;
    for (let i = 0; i <= joined.length; i += 1) {
      const c = i < joined.length ? joined.charCodeAt(i) : 0x2c;
      if (c === 0x2c) {
        if (digits === 0) throw new Error(`bad hash list ${joined.slice(0, 40)}`);
        set.add(value);
        value = 0;
        digits = 0;
        continue;
      }
      const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x7a ? c - 0x57 : -1;
      value = value * 36 + digit;
      digits += 1;
      if (digit < 0 || digits > 7 || value > 0xffffffff)
        throw new Error(`bad hash in ${joined.slice(Math.max(0, i - 10), i + 10)}`);
    }
    if (set.length === commas + 1) {
      set.text = joined;
      set.textCount = set.length;
    }
    return set;
  }

  /** Number of hashes held. */
  public get size(): number {
    return this.length;
  }

  /** Add a hash (unsigned 32-bit); true when it was not there yet. */
  public add(hash: number): boolean {
    if (hash === 0) {
      if (this.hasZero) return false;
      this.hasZero = true;
    } else {
      const table = this.table;
      const mask = table.length - 1;
      let slot = (Math.imul(hash, 0x9e3779b1) >>> 0) & mask;
      for (;;) {
        const held = table[slot]!;
        if (held === hash) return false;
        if (held === 0) break;
        slot = (slot + 1) & mask;
      }
      table[slot] = hash;
      this.count += 1;
      if (this.count * 2 > table.length) this.grow();
    }
    if (this.length === this.order.length) {
      const order = new Uint32Array(this.order.length * 2);
      order.set(this.order);
      this.order = order;
    }
    this.order[this.length] = hash;
    this.length += 1;
    return true;
  }

  /** True when the hash is held. */
  public has(hash: number): boolean {
    if (hash === 0) return this.hasZero;
    const table = this.table;
    const mask = table.length - 1;
    for (let slot = (Math.imul(hash, 0x9e3779b1) >>> 0) & mask; ; slot = (slot + 1) & mask) {
      const held = table[slot]!;
      if (held === hash) return true;
      if (held === 0) return false;
    }
  }

  /** Every hash held, in insertion order. */
  public values(): Uint32Array {
    return this.order.subarray(0, this.length);
  }

  /** The state's form: base-36 hashes in insertion order, joined by commas. */
  public joined(): string {
    if (this.textCount === this.length) return this.text;
    const parts: string[] = this.textCount > 0 ? [this.text] : [];
    for (let i = this.textCount; i < this.length; i += 1) parts.push(this.order[i]!.toString(36));
    this.text = parts.join(',');
    this.textCount = this.length;
    return this.text;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Uint32Array(old.length * 2);
    const mask = this.table.length - 1;
    for (const held of old) {
      if (held === 0) continue;
      let slot = (Math.imul(held, 0x9e3779b1) >>> 0) & mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & mask;
      this.table[slot] = held;
    }
  }
}
