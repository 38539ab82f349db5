import { contentIdOfFileSync } from '../../content/contentId.js';
import { WorkerPool } from '../../content/WorkerPool.js';
import { ContentIdWorkerDiedError } from './ContentIdWorkerDiedError.js';
import {
  answer,
  type ContentIdReply,
  type ContentIdRequest,
  type ContentIdResult,
  unpackReply,
} from './contentIdMessages.js';

/** @internal Defaults of every {@link ContentIdPool}, for tests: `workerUrl` points the sources at the built worker. */
export const contentIdPoolDefaults: { workerUrl?: URL } = {};

/** What a file costs a worker, roughly: its open, fstat and close, and the bytes its id reads (≤ 100 KiB). */
const costOf = (size: number) => 1 + Math.min(size, 100 * 1024) / 32_768;

/**
 * Worker threads that compute content ids ({@link contentIdOfFileSync}: the same function, so the same ids)
 * with synchronous reads, so hashing runs on every core while the job's thread queries and writes the
 * library. A chunk goes to the worker with the least unanswered work; each worker answers in the order it
 * was sent, so chunks posted earlier tend to finish earlier, and every chunk's promise gives its files'
 * results in input order.
 *
 * A worker that dies (crashed, terminated) is replaced and the chunks it had not answered are sent once more
 * to its replacement (they only read, so doing them again is harmless); a chunk whose second worker dies too
 * rejects with {@link ContentIdWorkerDiedError}. No file is ever left without a result.
 *
 * With `threads: 0`, or without the built worker module (the TypeScript sources under test), it hashes in the
 * calling thread, one chunk per call.
 */
export class ContentIdPool {
  readonly #workers: WorkerPool<ContentIdRequest, ContentIdReply>;
  #next = 0;

  /** Workers start with the first chunk posted (a phase with nothing to hash starts none). */
  constructor(threads: number, workerUrl?: URL) {
    const url =
      workerUrl ?? contentIdPoolDefaults.workerUrl ?? new URL('./contentIdWorker.js', import.meta.url);
    this.#workers = new WorkerPool(url, threads, (code, cause) => new ContentIdWorkerDiedError(code, cause));
  }

  /** Whether chunks are hashed in worker threads. */
  get threaded(): boolean {
    return this.#workers.threaded;
  }

  /**
   * The content ids of `paths` (files of `sizes` bytes from their stat), in order: each an id, `null` for an
   * empty file, or the error of its read. Threaded, the chunk is posted before this returns; the promise
   * rejects only when two workers died on it, or the pool was closed first.
   */
  hash(paths: readonly Uint8Array[], sizes: readonly number[]): Promise<ContentIdResult[]> {
    let length = 0;
    const ends = paths.map((p) => (length += p.length));
    const bytes = new Uint8Array(length);
    for (let i = 0; i < paths.length; i++) bytes.set(paths[i], ends[i] - paths[i].length);
    const request: ContentIdRequest = { id: this.#next++, paths: bytes, ends, sizes: [...sizes] };
    if (!this.threaded)
      return Promise.resolve(unpackReply(answer(request, contentIdOfFileSync), paths.length));
    let cost = 0;
    for (const size of sizes) cost += costOf(size);
    return this.#workers.post(request, cost).then((reply) => unpackReply(reply, paths.length));
  }

  /** Stop the workers; chunks not answered yet reject. */
  close(): Promise<void> {
    return this.#workers.close();
  }
}
