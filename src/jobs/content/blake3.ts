/**
 * BLAKE3, behind one small interface, so the implementation can change without touching its callers.
 *
 * The implementation is `@napi-rs/blake-hash` (the Rust `blake3` crate, native, with runtime SIMD dispatch).
 * Measured with `node bench/content/blake3.bench.mjs` on a 1 GiB file in the page cache, one thread, it runs at
 * the speed of `b3sum --num-threads 1` (about 5 GB/s here), 6–7× `hash-wasm` and more than 100× `@noble/hashes`.
 * Two details of that binding shape this file:
 *
 * - Every `Buffer` it returns (a one-shot digest, `digestBuffer()`) and every hasher it creates costs 2–7 µs,
 *   more than hashing a few KiB. {@link blake3Hex} therefore reuses one hasher and asks for a hex digest,
 *   which comes back as a string without that cost.
 * - BLAKE3 hashes 1 KiB chunks in parallel (SIMD) only when an update starts on a chunk boundary; a stream of
 *   updates that starts off a boundary (an 8-byte prefix, say) hashes one chunk at a time, about 1 GB/s. Hash
 *   such data as one contiguous buffer with {@link blake3Hex} (what the content id does), and feed
 *   {@link createHasher} large chunks from offset 0.
 */
import { createRequire } from 'node:module';
import type { Blake3Hasher as NativeHasher } from '@napi-rs/blake-hash';

/**
 * The native binding, loaded at the first hash: loading it (and its check for musl, a full process report)
 * costs 13–16 ms, which commands that never hash (a shallow index, `jobs`, `pause`) should not pay.
 */
let Native: typeof NativeHasher | undefined;
function nativeHasher(): NativeHasher {
  Native ??= (createRequire(import.meta.url)('@napi-rs/blake-hash') as { Blake3Hasher: typeof NativeHasher })
    .Blake3Hasher;
  return new Native();
}

/** An incremental BLAKE3 hasher: feed it bytes in order, then take the 32-byte digest once. */
export interface Blake3Hasher {
  /** Add `bytes` to the hashed input. The bytes are read before `update` returns; the buffer may be reused. */
  update(bytes: Uint8Array): void;
  /** The 32-byte BLAKE3 digest of everything passed to `update`. Call it once, as the last call. */
  digest(): Uint8Array;
}

/**
 * A new incremental BLAKE3 hasher (default, unkeyed mode, 32-byte output).
 *
 * @example
 * ```ts
 * const hasher = createHasher();
 * hasher.update(chunk1);
 * hasher.update(chunk2);
 * const hex = Buffer.from(hasher.digest()).toString('hex');
 * ```
 */
export function createHasher(): Blake3Hasher {
  const native = nativeHasher();
  return {
    update(bytes) {
      native.update(asBuffer(bytes));
    },
    digest() {
      return native.digestBuffer();
    },
  };
}

// One hasher shared by every call of blake3Hex: hashing is synchronous, so calls never interleave.
let shared: NativeHasher | undefined;

/**
 * The BLAKE3 digest of `bytes` as 64 lowercase hex characters.
 *
 * @example
 * ```ts
 * blake3Hex(new TextEncoder().encode('abc'));
 * // '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85'
 * ```
 */
export function blake3Hex(bytes: Uint8Array): string {
  shared ??= nativeHasher();
  shared.reset();
  shared.update(asBuffer(bytes));
  return shared.digest('hex');
}

/** A Buffer view of the same memory (no copy): the binding's types take Buffers. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
