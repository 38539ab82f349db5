import { hashFile } from './hashFile.js';
import { HashPoolClosedError } from './HashPoolClosedError.js';
import { EDGE_BYTES, type FirstPass, firstPass, fullHashSync } from './fileBytes.js';
import { WorkerPool } from './WorkerPool.js';

/** What a pool can compute for a file: a partial hash, a full hash, or a full hash with the content id. */
export type HashOp = 'first' | 'full' | 'file';

/** @internal A chunk of work sent to a worker. */
export interface HashRequest {
  readonly id: number;
  readonly op: HashOp;
  /** The paths, end to end in one fresh buffer: a view into a larger buffer would be cloned whole. */
  readonly paths: Uint8Array;
  /** Where each path ends in `paths`. Typed arrays, as every field: cloned as one copy, not value by value. */
  readonly ends: Uint32Array;
  readonly sizes: Float64Array;
  /** 1 when the item's `flag` is set. */
  readonly flags: Uint8Array;
}

/** @internal A file's error as a worker posts it back (rebuilt as an `Error` with its `code`). */
export interface HashError {
  readonly index: number;
  readonly message: string;
  readonly code?: string;
  readonly name?: string;
}

/**
 * @internal A worker's answer to a {@link HashRequest}. Structured cloning an object per file costs more than
 * hashing a small file, so the values of `first` and `full` travel as one string: per file, the 64 hex
 * characters of its hash, and for `first` one character more, `1` when the file was read whole (its partial
 * hash is then its full hash) and `0` when not. Errors travel apart; an errored file's slot is blank.
 */
export interface HashReply {
  readonly id: number;
  /** `first` and `full`: the packed hashes. */
  readonly text?: string;
  /** `file`: the values, one per file (`null` for an errored file). */
  readonly values?: unknown[];
  readonly errors: HashError[];
}

/** Characters per file in a reply's `text`. */
const SLOT: Record<HashOp, number> = { first: 65, full: 64, file: 0 };

/** @internal Pack a worker's results (`undefined` for an errored file) into a {@link HashReply}. */
export function packReply(id: number, op: HashOp, values: unknown[], errors: HashError[]): HashReply {
  if (op === 'file') return { id, values, errors };
  const blank = ' '.repeat(SLOT[op]);
  let text = '';
  for (const v of values) {
    if (v === undefined) text += blank;
    else if (op === 'full') text += v as string;
    else text += (v as FirstPass).partial + ((v as FirstPass).full !== null ? '1' : '0');
  }
  return { id, text, errors };
}

/** The value of file `i` of a reply; `size` gives the bytes a `first` read. */
function replyValue(op: HashOp, reply: HashReply, i: number, size: number): unknown {
  if (op === 'file') return reply.values![i];
  const at = i * SLOT[op];
  const hash = reply.text!.slice(at, at + 64);
  if (op === 'full') return hash;
  const whole = reply.text!.charCodeAt(at + 64) === 0x31;
  return { partial: hash, full: whole ? hash : null, bytesRead: whole ? size : 2 * EDGE_BYTES };
}

/** One file to hash. */
export interface HashItem {
  readonly path: Uint8Array;
  readonly size: number;
  /** For `file`: also compute the content id. */
  readonly flag?: boolean;
}

/** What a chunk costs a worker, roughly: a file's open and close, and its bytes (a full hash reads all). */
function chunkCost(op: HashOp, items: readonly HashItem[]): number {
  let cost = 0;
  for (const i of items) cost += 1 + (op === 'first' ? 0 : i.size / 65536);
  return cost;
}

/**
 * Worker threads that read and hash files with synchronous reads, so several files are read at once (a cold
 * disk serves several requests in parallel) and hashing runs on every core, while each read stays a plain
 * `pread` (cheaper than a thread-pool round trip on cached files). Results come back in input order.
 *
 * Work is posted at once, in chunks, to the worker with the least unanswered work: {@link run} queues
 * everything before it returns (a caller may go on with synchronous work, a walk say, while the workers
 * read), and each worker answers its chunks in the order they were posted, so work queued by a later call
 * comes after an earlier call's.
 *
 * Without the built worker module (tests running the TypeScript sources), or with `threads: 0`, it hashes in
 * the calling thread: the same functions, one file at a time.
 */
export class HashPool {
  readonly #workers: WorkerPool<HashRequest, HashReply>;
  #next = 0;

  /**
   * @param threads How many worker threads; they start with the first call that has work for them (a run
   *   that reads nothing starts none). 0: hash in the calling thread.
   */
  constructor(threads: number) {
    this.#workers = new WorkerPool(new URL('./hashWorker.js', import.meta.url), threads, (code, cause) =>
      cause instanceof Error ? cause : new HashPoolClosedError(code),
    );
  }

  /** Whether work runs in worker threads. */
  get threaded(): boolean {
    return this.#workers.threaded;
  }

  /**
   * Let the process exit while the threads wait for work (they still answer what is sent). {@link ref}
   * undoes it; a caller that awaits results must hold them referenced, or the process may end first.
   */
  unref(): void {
    this.#workers.unref();
  }

  /** Hold the process open while the threads run again (the default). */
  ref(): void {
    this.#workers.ref();
  }

  /**
   * Hash `items` with `op`; each result is its value or an `Error`. With threads, every chunk is posted
   * before this returns; the promise settles when all are answered (it rejects only when a chunk's workers
   * died twice, or the pool was closed). A worker that dies is replaced and its chunks answered by the new
   * one (see {@link WorkerPool}).
   */
  run<T>(op: HashOp, items: readonly HashItem[], chunk = 64): Promise<(T | Error)[]> {
    const out = new Array<T | Error>(items.length);
    if (!this.threaded) {
      const fn = INLINE[op];
      for (let i = 0; i < items.length; i++) {
        try {
          out[i] = fn(items[i].path, items[i].size, items[i].flag === true) as T;
        } catch (error) {
          out[i] = error instanceof Error ? error : new Error(String(error));
        }
      }
      return Promise.resolve(out);
    }
    if (items.length === 0) return Promise.resolve(out);
    if (this.#workers.closed) return Promise.reject(new HashPoolClosedError(null));
    const jobs: Promise<void>[] = [];
    for (let start = 0; start < items.length; start += chunk) {
      const slice = items.slice(start, start + chunk);
      jobs.push(
        this.#workers.post(this.#request(op, slice), chunkCost(op, slice)).then((reply) => {
          let e = 0;
          for (let i = 0; i < slice.length; i++) {
            const error = reply.errors[e];
            if (error?.index === i) {
              out[start + i] = Object.assign(new Error(error.message), { code: error.code });
              e++;
            } else {
              out[start + i] = replyValue(op, reply, i, slice[i].size) as T;
            }
          }
        }),
      );
    }
    return Promise.all(jobs).then(() => out);
  }

  /** Stop the workers; work not answered yet rejects. */
  close(): Promise<void> {
    return this.#workers.close();
  }

  #request(op: HashOp, items: readonly HashItem[]): HashRequest {
    const n = items.length;
    const ends = new Uint32Array(n);
    const sizes = new Float64Array(n);
    const flags = new Uint8Array(n);
    let length = 0;
    for (let i = 0; i < n; i++) {
      const item = items[i];
      length += item.path.length;
      ends[i] = length;
      sizes[i] = item.size;
      if (item.flag === true) flags[i] = 1;
    }
    const paths = new Uint8Array(length);
    for (let i = 0; i < n; i++) paths.set(items[i].path, ends[i] - items[i].path.length);
    return { id: this.#next++, op, paths, ends, sizes, flags };
  }
}

const INLINE: Record<HashOp, (path: Uint8Array, size: number, flag: boolean) => unknown> = {
  first: (path, size) => firstPass(path, size),
  full: (path, size) => fullHashSync(path, size),
  file: (path, size, withContentId) => hashFile(path, size, withContentId),
};
