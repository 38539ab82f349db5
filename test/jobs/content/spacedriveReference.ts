import { blake3 } from '@noble/hashes/blake3.js';

const KIB = 1024;

/**
 * Spacedrive's `generate_cas_id`, transcribed independently of `src/`: its seek-and-read loop over a whole
 * in-memory file, fed as separate updates to `@noble/hashes` (a pure-JS BLAKE3, not the native one `src/`
 * uses). Returns the sampled bytes (after the size prefix) too, so tests can compare ranges.
 */
export function spacedriveReference(file: Uint8Array): { id: string | null; sampled: Uint8Array[] } {
  const size = file.length;
  if (size === 0) return { id: null, sampled: [] };
  const hasher = blake3.create();
  const sizeBytes = new Uint8Array(8);
  new DataView(sizeBytes.buffer).setBigUint64(0, BigInt(size), true);
  hasher.update(sizeBytes);
  const sampled: Uint8Array[] = [];
  const take = (from: number, length: number) => {
    const piece = file.slice(from, from + length);
    if (piece.length !== length) throw new Error('short read');
    sampled.push(piece);
    hasher.update(piece);
  };
  if (size <= 100 * KIB) {
    take(0, size);
  } else {
    take(0, 8 * KIB);
    let position = 8 * KIB;
    const seekJump = Math.trunc((size - 16 * KIB) / 4);
    for (;;) {
      take(position, 10 * KIB);
      if (position >= 8 * KIB + seekJump * 3) break;
      position += seekJump;
    }
    take(size - 8 * KIB, 8 * KIB);
  }
  const hex = Buffer.from(hasher.digest()).toString('hex');
  return { id: hex.slice(0, 16), sampled };
}
