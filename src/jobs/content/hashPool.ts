import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { hashFile } from './hashFile.js';
import { EDGE_BYTES, type FirstPass, firstPass, fullHashSync } from './fileBytes.js';

/** What a pool can compute for a file: a partial hash, a full hash, or a full hash with the content id. */
export type HashOp = 'first' | 'full' | 'file';

/** @internal A chunk of work sent to a worker. */
export interface HashRequest {
  readonly id: number;
  readonly op: HashOp;
  /** The paths, end to end in one fresh buffer: a view into a larger buffer would be cloned whole. */
  readonly paths: Uint8Array;
  /** Where each path ends in `paths`. */
  readonly ends: number[];
  readonly sizes: number[];
  readonly flags: boolean[];
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

/**
 * Worker threads that read and hash files with synchronous reads, so several files are read at once (a cold
 * disk serves several requests in parallel) and hashing runs on every core, while each read stays a plain
 * `pread` (cheaper than a thread-pool round trip on cached files). Results come back in input order.
 *
 * Without the built worker module (tests running the TypeScript sources), or with `threads: 0`, it hashes in
 * the calling thread: the same functions, one file at a time.
 */
export class HashPool {
  readonly #workers: Worker[] = [];
  readonly #idle: Worker[] = [];
  readonly #waiting: (() => void)[] = [];
  #next = 0;

  readonly #threads: number;
  readonly #url = new URL('./hashWorker.js', import.meta.url);

  /** Workers start with the first call that has work for them (a run that reads nothing starts none). */
  constructor(threads: number) {
    this.#threads = threads > 0 && fs.existsSync(fileURLToPath(this.#url)) ? threads : 0;
  }

  /** Whether work runs in worker threads. */
  get threaded(): boolean {
    return this.#threads > 0;
  }

  #start(): void {
    if (this.#workers.length > 0) return;
    for (let i = 0; i < this.#threads; i++) {
      const worker = new Worker(this.#url);
      this.#workers.push(worker);
      this.#idle.push(worker);
    }
  }

  /** Hash `items` with `op`; each result is its value or an `Error`. */
  async run<T>(op: HashOp, items: readonly HashItem[], chunk = 64): Promise<(T | Error)[]> {
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
      return out;
    }
    if (items.length === 0) return out;
    this.#start();
    const jobs: Promise<void>[] = [];
    for (let start = 0; start < items.length; start += chunk) {
      const slice = items.slice(start, start + chunk);
      jobs.push(
        this.#send(op, slice).then((reply) => {
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
    await Promise.all(jobs);
    return out;
  }

  /** Stop the workers. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
    this.#workers.length = 0;
    this.#idle.length = 0;
  }

  async #send(op: HashOp, items: readonly HashItem[]): Promise<HashReply> {
    while (this.#idle.length === 0) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    const worker = this.#idle.pop()!;
    const id = this.#next++;
    try {
      return await new Promise<HashReply>((resolve, reject) => {
        const onMessage = (m: HashReply) => {
          if (m.id !== id) return;
          worker.off('message', onMessage);
          worker.off('error', reject);
          resolve(m);
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
        let length = 0;
        const ends = items.map((i) => (length += i.path.length));
        const paths = new Uint8Array(length);
        for (let i = 0; i < items.length; i++) paths.set(items[i].path, ends[i] - items[i].path.length);
        const request: HashRequest = {
          id,
          op,
          paths,
          ends,
          sizes: items.map((i) => i.size),
          flags: items.map((i) => i.flag === true),
        };
        worker.postMessage(request);
      });
    } finally {
      this.#idle.push(worker);
      this.#waiting.shift()?.();
    }
  }
}

const INLINE: Record<HashOp, (path: Uint8Array, size: number, flag: boolean) => unknown> = {
  first: (path, size) => firstPass(path, size),
  full: (path, size) => fullHashSync(path, size),
  file: (path, size, withContentId) => hashFile(path, size, withContentId),
};
