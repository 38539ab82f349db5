/**
 * The `n`-th alternative of a file name for `--on-conflict rename`: `name (n).ext`, the extension kept
 * (`photo.jpg` → `photo (1).jpg`; `.bashrc` and `archive` → `.bashrc (1)`, `archive (1)`). Bytes in, bytes
 * out, so names that are not UTF-8 keep their bytes.
 */
export function conflictName(name: Uint8Array, n: number): Buffer {
  const bytes = Buffer.from(name);
  const dot = bytes.lastIndexOf(0x2e);
  const suffix = Buffer.from(` (${n})`);
  if (dot <= 0) return Buffer.concat([bytes, suffix]);
  return Buffer.concat([bytes.subarray(0, dot), suffix, bytes.subarray(dot)]);
}
