import fs from 'node:fs';
import nodePath from 'node:path';

// Latin-1 maps every byte to one UTF-16 unit and back, so path functions can work on names that are not UTF-8.
const asText = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
const asBytes = (text: string) => Buffer.from(text, 'latin1');

/** The directory part of a path given as bytes. */
export function dirnameBytes(path: Uint8Array): Buffer {
  return asBytes(nodePath.posix.dirname(asText(path)));
}

/** The last component of a path given as bytes. */
export function basenameBytes(path: Uint8Array): Buffer {
  return asBytes(nodePath.posix.basename(asText(path)));
}

/**
 * Resolve a path (string from the command line, or exact bytes) to absolute bytes naming what the kernel would
 * open for it. `.` and repeated slashes are dropped. `..` is not taken off by text: `link/../x`, with `link` a
 * symlink to `a/b`, is `a/x` to the kernel, not `x`. So the part up to the last `..` is resolved through the file
 * system (`realpath`), and only the rest, which holds no `..`, is normalized; the last component is never
 * followed (a trailing slash is dropped, as `path.resolve` drops it). When that part does not exist the path is returned as given (absolute), for the caller to find
 * missing as the kernel would.
 */
export function resolveBytes(path: string | Uint8Array): Buffer {
  const given = typeof path === 'string' ? Buffer.from(path) : Buffer.from(path);
  let text = asText(given);
  if (!nodePath.posix.isAbsolute(text)) text = `${asText(Buffer.from(process.cwd()))}/${text}`;
  const parts = text.split('/');
  const last = parts.lastIndexOf('..');
  if (last < 0) return asBytes(normalized(text));
  const rest = parts.slice(last + 1).join('/');
  let real: Buffer;
  try {
    // The native realpath(3): fs.realpathSync itself takes `..` off by text first.
    real = fs.realpathSync.native(asBytes(parts.slice(0, last + 1).join('/') || '/'), { encoding: 'buffer' });
  } catch {
    return asBytes(text);
  }
  const joined = rest === '' ? asText(real) : `${asText(real)}/${rest}`;
  return asBytes(normalized(joined));
}

/** An absolute path without `.`, repeated slashes or a trailing slash (as `path.resolve` gives it). */
function normalized(text: string): string {
  const n = nodePath.posix.normalize(text);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** True when `inner` is `outer` or lies below it. */
export function isInside(inner: Uint8Array, outer: Uint8Array): boolean {
  const a = Buffer.from(inner);
  const b = Buffer.from(outer);
  if (a.equals(b)) return true;
  const prefix = b[b.length - 1] === 0x2f ? b : Buffer.concat([b, Buffer.from('/')]);
  return a.length > prefix.length && a.subarray(0, prefix.length).equals(prefix);
}

/** The temporary name a plan item is written under, in its destination's directory. */
export function tempPathFor(dst: Uint8Array, jobId: string, seq: number): Buffer {
  return Buffer.concat([dirnameBytes(dst), Buffer.from(`/.phasekit-${jobId.slice(0, 8)}-${seq}.part`)]);
}

/** True for a name {@link tempPathFor} makes. */
export function isTempName(name: string): boolean {
  return /^\.phasekit-[0-9a-f-]{1,8}-\d+o?\.part$/.test(name);
}

/** A Buffer view of bytes (a checkpoint restores them as plain `Uint8Array`s). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
