/**
 * Bounds-checked reads of integers and signatures from untrusted bytes, for the header parsers of `sniff.ts`
 * and `imageInfo.ts`. None of them throws: a read that does not fit in `bytes` gives `-1` (or `false`), which
 * every caller checks. `DataView` would throw a `RangeError` instead, and `bytes[i]` would give `undefined`
 * and turn arithmetic into `NaN`.
 */

/** The byte at `at`, or -1 when `at` is outside `bytes`. */
export function u8(bytes: Uint8Array, at: number): number {
  return at >= 0 && at < bytes.length ? bytes[at] : -1;
}

/** The unsigned 16-bit integer at `at`, big-endian unless `le`, or -1 when it does not fit. */
export function u16(bytes: Uint8Array, at: number, le = false): number {
  if (!fits(bytes, at, 2)) return -1;
  return le ? bytes[at] | (bytes[at + 1] << 8) : (bytes[at] << 8) | bytes[at + 1];
}

/** The unsigned 24-bit little-endian integer at `at` (WebP's canvas size), or -1 when it does not fit. */
export function u24le(bytes: Uint8Array, at: number): number {
  if (!fits(bytes, at, 3)) return -1;
  return bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
}

/** The unsigned 32-bit integer at `at`, big-endian unless `le`, or -1 when it does not fit. */
export function u32(bytes: Uint8Array, at: number, le = false): number {
  if (!fits(bytes, at, 4)) return -1;
  const [a, b, c, d] = le
    ? [bytes[at + 3], bytes[at + 2], bytes[at + 1], bytes[at]]
    : [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
  // Multiplying rather than shifting keeps values of 2^31 and more positive.
  return a * 0x1000000 + ((b << 16) | (c << 8) | d);
}

/**
 * Whether `bytes` holds `signature` at `at`. A string signature is compared as Latin-1, one byte per
 * character, so `'\x89PNG'` means the bytes 0x89 0x50 0x4e 0x47.
 */
export function hasAt(bytes: Uint8Array, at: number, signature: string | readonly number[]): boolean {
  if (!fits(bytes, at, signature.length)) return false;
  for (let i = 0; i < signature.length; i++) {
    const expected = typeof signature === 'string' ? signature.charCodeAt(i) : signature[i];
    if (bytes[at + i] !== expected) return false;
  }
  return true;
}

/** `length` bytes at `at` as a Latin-1 string (for four-character codes and brands), `''` if they do not fit. */
export function latin1(bytes: Uint8Array, at: number, length: number): string {
  if (!fits(bytes, at, length)) return '';
  let text = '';
  for (let i = at; i < at + length; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

/** The first index at or after `from` where `needle` starts, or -1. */
export function indexOf(bytes: Uint8Array, needle: string, from = 0, to = bytes.length): number {
  const first = needle.charCodeAt(0);
  const last = Math.min(to, bytes.length) - needle.length;
  for (let i = Math.max(0, from); i <= last; i++) {
    if (bytes[i] === first && hasAt(bytes, i, needle)) return i;
  }
  return -1;
}

function fits(bytes: Uint8Array, at: number, length: number): boolean {
  return Number.isInteger(at) && at >= 0 && at + length <= bytes.length;
}
