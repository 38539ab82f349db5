/**
 * @internal The messages between a {@link ContentIdPool} and its worker threads, and how the replies are
 * packed: structured cloning an object per file costs more than hashing a small file, so a chunk's ids
 * travel as one string and its paths as one byte array.
 */

/** Characters of a content id. */
export const ID_CHARS = 16;
/** The slot of a file that has no id in a reply's `ids` (an empty file, or one whose read failed). */
export const NO_ID = ' '.repeat(ID_CHARS);

/** @internal A chunk of files to hash: their paths end to end, where each ends, their sizes. */
export interface ContentIdRequest {
  readonly id: number;
  /** The paths, end to end in one fresh array (a view into a larger buffer would be cloned whole). */
  readonly paths: Uint8Array;
  readonly ends: readonly number[];
  readonly sizes: readonly number[];
}

/** @internal A file's error as a worker posts it back: enough to rebuild the same error record. */
export interface ContentIdError {
  readonly index: number;
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

/** @internal A worker's answer: per file {@link ID_CHARS} characters (its id, or {@link NO_ID}), and the errors. */
export interface ContentIdReply {
  readonly id: number;
  readonly ids: string;
  readonly errors: readonly ContentIdError[];
}

/** What one file came to: its content id, `null` (an empty file), or the error that stopped its read. */
export type ContentIdResult = string | null | Error;

/** The error a worker posted, rebuilt: same name, message and code (what an error record keeps). */
export function rebuiltError(e: ContentIdError): Error {
  const error = new Error(e.message);
  error.name = e.name;
  if (e.code !== undefined) (error as NodeJS.ErrnoException).code = e.code;
  return error;
}

/** Hash every file of `request` with `hash`, packing the answer (the worker's loop, and the inline one). */
export function answer(
  request: ContentIdRequest,
  hash: (path: Buffer, size: number) => string | null,
): ContentIdReply {
  const { paths, ends, sizes } = request;
  const whole = Buffer.from(paths.buffer, paths.byteOffset, paths.byteLength);
  const errors: ContentIdError[] = [];
  let ids = '';
  for (let i = 0; i < ends.length; i++) {
    try {
      ids += hash(whole.subarray(i === 0 ? 0 : ends[i - 1], ends[i]), sizes[i]) ?? NO_ID;
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      errors.push({
        index: i,
        name: typeof e?.name === 'string' ? e.name : 'Error',
        message: typeof e?.message === 'string' ? e.message : String(error),
        ...(typeof e?.code === 'string' ? { code: e.code } : {}),
      });
      ids += NO_ID;
    }
  }
  return { id: request.id, ids, errors };
}

/** The results of a reply, in file order. */
export function unpackReply(reply: ContentIdReply, count: number): ContentIdResult[] {
  const out = new Array<ContentIdResult>(count);
  for (let i = 0; i < count; i++) {
    const id = reply.ids.slice(i * ID_CHARS, (i + 1) * ID_CHARS);
    out[i] = id === NO_ID ? null : id;
  }
  for (const e of reply.errors) out[e.index] = rebuiltError(e);
  return out;
}
