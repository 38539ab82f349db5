import * as nodePath from 'node:path';

/**
 * The stored form of a location path: absolute, normalized, without a trailing separator. Bytes go through
 * latin1, which maps each byte to one code unit and back, so a non-UTF-8 path survives normalization.
 */
export function locationPath(path: Uint8Array | string): Buffer {
  const [text, encoding] =
    typeof path === 'string'
      ? [path, 'utf8' as const]
      : [Buffer.from(path.buffer, path.byteOffset, path.byteLength).toString('latin1'), 'latin1' as const];
  if (!nodePath.isAbsolute(text)) {
    throw new TypeError(`A location path must be absolute, got "${text}": resolve it first (path.resolve).`);
  }
  return Buffer.from(nodePath.resolve(text), encoding);
}
