/**
 * The layout of one FileStore file, `<jobId>.ckpt`: the job's record and its checkpoint in one file, so that
 * one rename replaces both and they can never disagree.
 *
 * ```text
 * offset 0   4 bytes  magic "PKJF"
 *        4   1 byte   layout version (1); a reader refuses a version it does not know
 *        5   4 bytes  record length L, unsigned big-endian
 *        9   4 bytes  CRC-32 of the record bytes
 *       13   L bytes  MessagePack of the JobRecord
 *   13 + L   rest     checkpoint bytes (a phasekit envelope, checked by decodeEnvelope)
 * ```
 *
 * Layout versions are only ever appended: version 1 files stay readable by every later phasekit.
 */
import { open } from 'node:fs/promises';
import { decode, encode } from '@msgpack/msgpack';
import { crc32 } from '../crc32.js';
import { SnapshotCorruptError } from '../SnapshotCorruptError.js';
import type { JobRecord } from '../types.js';

const MAGIC = [0x50, 0x4b, 0x4a, 0x46]; // "PKJF"
/** The layout version this code writes. */
export const JOB_FILE_LAYOUT = 1;
const HEADER_BYTES = 13;

/** The two parts of a job file. */
export interface JobFileContents {
  readonly record: JobRecord;
  readonly bytes: Uint8Array;
}

/** Lay out `record` and checkpoint `bytes` as one job file. */
export function packJobFile(record: JobRecord, bytes: Uint8Array): Uint8Array {
  const recordBytes = encode(record, { ignoreUndefined: true });
  const out = new Uint8Array(HEADER_BYTES + recordBytes.length + bytes.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = JOB_FILE_LAYOUT;
  view.setUint32(5, recordBytes.length);
  view.setUint32(9, crc32(recordBytes));
  out.set(recordBytes, HEADER_BYTES);
  out.set(bytes, HEADER_BYTES + recordBytes.length);
  return out;
}

/**
 * Split a whole job file read from `file` into its record and checkpoint.
 * @throws {SnapshotCorruptError} when the file is not an intact job file.
 */
export function unpackJobFile(data: Uint8Array, file: string, jobId: string): JobFileContents {
  const length = readHeader(data, file, jobId);
  const record = readRecord(data.subarray(HEADER_BYTES, HEADER_BYTES + length), data, file, jobId);
  return { record, bytes: data.subarray(HEADER_BYTES + length) };
}

/**
 * Read only the record of the job file at `file`, not its checkpoint: what `list()` needs.
 * Returns `undefined` when the file does not exist (deleted since the directory was read).
 * @throws {SnapshotCorruptError} when the file is not an intact job file.
 */
export async function readJobFileRecord(file: string, jobId: string): Promise<JobRecord | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const header = new Uint8Array(HEADER_BYTES);
    const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
    const length = readHeader(header.subarray(0, bytesRead), file, jobId, false);
    const recordBytes = new Uint8Array(length);
    const read = await handle.read(recordBytes, 0, length, HEADER_BYTES);
    if (read.bytesRead !== length) throw corrupt(file, jobId, 'truncated record');
    return readRecord(recordBytes, header, file, jobId);
  } finally {
    await handle.close();
  }
}

function readHeader(data: Uint8Array, file: string, jobId: string, whole = true): number {
  if (data.length < HEADER_BYTES || MAGIC.some((b, i) => data[i] !== b)) {
    throw corrupt(file, jobId, 'not a phasekit job file (bad header)');
  }
  if (data[4] !== JOB_FILE_LAYOUT) {
    throw corrupt(
      file,
      jobId,
      `unknown layout version ${data[4]} (this code reads ${JOB_FILE_LAYOUT}); upgrade phasekit`,
    );
  }
  const length = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(5);
  if (whole && HEADER_BYTES + length > data.length) throw corrupt(file, jobId, 'truncated record');
  return length;
}

function readRecord(recordBytes: Uint8Array, header: Uint8Array, file: string, jobId: string): JobRecord {
  const stored = new DataView(header.buffer, header.byteOffset, header.byteLength).getUint32(9);
  if (crc32(recordBytes) !== stored) throw corrupt(file, jobId, 'record checksum mismatch');
  let record: unknown;
  try {
    record = decode(recordBytes);
  } catch (error) {
    throw corrupt(file, jobId, 'record does not decode', error);
  }
  const r = record as Partial<JobRecord> | null;
  if (
    typeof r !== 'object' ||
    r === null ||
    typeof r.name !== 'string' ||
    typeof r.status !== 'string' ||
    typeof r.createdAt !== 'number' ||
    typeof r.updatedAt !== 'number'
  ) {
    throw corrupt(file, jobId, 'malformed record');
  }
  return { ...(r as JobRecord), id: jobId };
}

function corrupt(file: string, jobId: string, problem: string, cause?: unknown): SnapshotCorruptError {
  return new SnapshotCorruptError(
    `Job file ${file} is damaged (${problem}). Move or delete it; job ${jobId} cannot resume from it.`,
    { jobId, cause },
  );
}
