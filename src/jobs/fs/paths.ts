const SLASH = Buffer.from('/');

/** `dir/name` as bytes, without doubling the separator after `/`. */
export function joinBytes(dir: Uint8Array, name: Uint8Array): Buffer {
  const d = Buffer.from(dir.buffer, dir.byteOffset, dir.byteLength);
  return d.length > 0 && d[d.length - 1] === 0x2f
    ? Buffer.concat([d, name])
    : Buffer.concat([d, SLASH, name]);
}

/** Lowercase extension of a file name without the dot, or null (dotfiles like `.bashrc` have none). */
export function extensionOf(name: string): string | null {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return null;
  const ext = name.slice(dot + 1).toLowerCase();
  return ext.length <= 16 ? ext : null;
}

/** Bytes shown to a human: UTF-8, with invalid sequences replaced (for display only, never for lookups). */
export function displayPath(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
