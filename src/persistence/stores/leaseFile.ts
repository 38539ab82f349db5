/**
 * The layout of a FileStore lease file, `<jobId>.lease`: the job's {@link LeaseState} as JSON,
 * `{ "format": "phasekit-lease/1", "fence": 3, "holder": { workerId, pid, host, fence, acquiredAt,
 * expiresAt } | null, "request": "pause" | "cancel" | null }`. Written whole (temp file, fsync, rename), so a
 * reader sees the old or the new state. Layout versions are only ever appended.
 */
import { readFile } from 'node:fs/promises';
import { SnapshotCorruptError } from '../SnapshotCorruptError.js';
import type { LeaseState } from './leaseRules.js';

/** The format tag this code writes and reads. */
export const LEASE_FILE_FORMAT = 'phasekit-lease/1';

/** Lay out `state` as a lease file. */
export function packLeaseFile(state: LeaseState): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify({ format: LEASE_FILE_FORMAT, ...state })}\n`);
}

/**
 * Read the lease file at `file`, or `undefined` when there is none.
 * @throws {SnapshotCorruptError} when it is damaged: the job's fence is then unknown, so nothing may run it.
 */
export async function readLeaseFile(file: string, jobId: string): Promise<LeaseState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let value: Partial<LeaseState & { format: string }> | null = null;
  try {
    value = JSON.parse(text);
  } catch {}
  if (
    value === null ||
    value.format !== LEASE_FILE_FORMAT ||
    !Number.isSafeInteger(value.fence) ||
    typeof value.holder !== 'object' ||
    (value.request !== null && value.request !== 'pause' && value.request !== 'cancel')
  ) {
    throw new SnapshotCorruptError(
      `Lease file ${file} is damaged or of an unknown format (this code reads ${LEASE_FILE_FORMAT}). ` +
        `Make sure no process runs job ${jobId}, then delete the file.`,
      { jobId },
    );
  }
  return { fence: value.fence!, holder: value.holder ?? null, request: value.request ?? null };
}
