/**
 * The sets `complete` packed into the job's final state, kept in this process by the very bytes, so the job's
 * `output` (run right after, at the job's end) takes them as they are instead of unpacking 20,000 files
 * again. Any other bytes (a checkpoint loaded, a copy) are unpacked.
 */
import { unpackGroups } from './packFiles.js';
import type { CandidateGroup } from './types.js';

const kept = new WeakMap<Uint8Array, readonly CandidateGroup[]>();

/** Remember that `bytes` are `packGroups(groups)`; neither may change afterwards. */
export function keepFinalSets(bytes: Uint8Array, groups: readonly CandidateGroup[]): void {
  kept.set(bytes, groups);
}

/** The groups packed in `bytes`: the ones kept for them, else unpacked. Read them, do not change them. */
export function finalSets(bytes: Uint8Array): readonly CandidateGroup[] {
  return kept.get(bytes) ?? unpackGroups(bytes);
}
