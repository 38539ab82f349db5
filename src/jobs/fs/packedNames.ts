/**
 * Names packed end to end in one byte array with where each ends, as the walk's listings carry them (a
 * directory's names cross threads as one transfer, not an array of buffers).
 */
export interface PackedNames {
  readonly names: Uint8Array;
  /** Name `i` is `names[ends[i - 1] ?? 0, ends[i])`. */
  readonly ends: Uint32Array;
}

/** Name `i`, as a Buffer view (no copy). */
export function nameAt(packed: PackedNames, i: number): Buffer {
  const start = i === 0 ? 0 : packed.ends[i - 1];
  return Buffer.from(packed.names.buffer, packed.names.byteOffset + start, packed.ends[i] - start);
}

/**
 * `dir/name` for name `i`, as `joinBytes(dir, nameAt(packed, i))` gives it, in one new Buffer (no view of the
 * name nor of `dir` on the way): a walk makes one per file it keeps.
 */
export function joinNameAt(dir: Uint8Array, packed: PackedNames, i: number): Buffer {
  const { names, ends } = packed;
  const start = i === 0 ? 0 : ends[i - 1];
  const end = ends[i];
  const d = dir.length;
  const slash = d > 0 && dir[d - 1] === 0x2f ? 0 : 1;
  const out = Buffer.allocUnsafe(d + slash + end - start);
  out.set(dir);
  let pos = d;
  if (slash === 1) out[pos++] = 0x2f;
  for (let k = start; k < end; k++) out[pos++] = names[k];
  return out;
}

/** Whether one of the names is `name`. */
export function hasName(packed: PackedNames, name: Uint8Array): boolean {
  const { names, ends } = packed;
  for (let i = 0, start = 0; i < ends.length; start = ends[i], i++) {
    if (ends[i] - start !== name.length) continue;
    let same = true;
    for (let k = 0; k < name.length && same; k++) same = names[start + k] === name[k];
    if (same) return true;
  }
  return false;
}
