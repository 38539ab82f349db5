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

/** Resolve a path (string from the command line, or exact bytes) to absolute bytes. */
export function resolveBytes(path: string | Uint8Array): Buffer {
  if (typeof path === 'string') return Buffer.from(nodePath.resolve(path));
  const text = asText(path);
  return asBytes(
    nodePath.posix.isAbsolute(text) ? nodePath.posix.normalize(text) : nodePath.posix.resolve(text),
  );
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
