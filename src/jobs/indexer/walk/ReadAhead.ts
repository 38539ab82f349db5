import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { IndexerRules } from '../rules.js';
import { DirectoryLister, type Listing } from './listDirectory.js';

/** A directory to read: its path, its path from the root, and the inode and device its parent listed. */
export interface WalkDir {
  readonly path: Uint8Array;
  readonly rel: string;
  readonly ino?: number;
  readonly dev?: number;
}

/** @internal What the walk's worker thread starts from. */
export interface WalkStart {
  readonly port: MessagePort;
  /** Int32 [0]: entries the job has taken; [1]: 1 when the worker must stop. */
  readonly shared: SharedArrayBuffer;
  readonly stack: readonly WalkDir[];
  readonly rules: Required<IndexerRules>;
  readonly gitignores: Record<string, string>;
  readonly recursive: boolean;
  /** Entries the worker may read beyond what the job has taken. */
  readonly ahead: number;
}

/**
 * @internal Defaults of every {@link ReadAhead}, for tests: `workerUrl` points the TypeScript sources at the
 * built worker, `inlineFirst: 0` starts it at once, a small `ahead` makes it wait on the job.
 */
export const readAheadDefaults: { workerUrl?: URL; inlineFirst: number; ahead: number } = {
  inlineFirst: 4096,
  ahead: 250_000,
};

/** How a {@link ReadAhead} reads. */
export interface ReadAheadOptions {
  readonly rules: Required<IndexerRules>;
  readonly recursive: boolean;
  /** The job's .gitignore texts by relative directory (kept up to date by the caller from listings). */
  readonly gitignores: () => Record<string, string>;
  /** The job's stack of directories still to read, when the worker starts. */
  readonly stack: () => readonly WalkDir[];
  /** Entries read in the job's thread before the worker starts (small trees never start one). Default 4096. */
  readonly inlineFirst?: number;
  /** Entries the worker may read ahead of the job. Default 50,000. */
  readonly ahead?: number;
  /** The worker module; default the built `walkWorker.js` beside this file (absent: everything inline). */
  readonly workerUrl?: URL;
}

/**
 * The directory listings discovery asks for, read ahead in a worker thread: the worker walks the same stack
 * in the same order (it applies the same rules, so it pushes the same subdirectories), and the job takes
 * each listing as it pops the directory, so `readdir` and `lstat` run on a second core while the job diffs
 * and writes. Only reads happen there: every write, and every decision the checkpoint records, stays in the
 * job's thread, so what is committed, and when, is the same as reading inline. A listing read ahead and not
 * taken (pause, crash) is simply read again by the resumed job.
 *
 * Small trees are read inline (the first `inlineFirst` entries); without the built worker module (tests
 * running the TypeScript sources) everything is. Should the worker ever hand a listing for another
 * directory than the one asked for, or fail, the walk goes on inline.
 */
export class ReadAhead {
  readonly #options: ReadAheadOptions;
  #url: URL | null;
  #lister: DirectoryLister | null = null;
  #inlineLeft: number;
  #worker: Worker | null = null;
  #port: MessagePort | null = null;
  #shared: Int32Array | null = null;
  #queue: Listing[] = [];
  #head = 0;
  #taken = 0;
  #ended = false;
  #wake: (() => void) | null = null;

  constructor(options: ReadAheadOptions) {
    this.#options = options;
    const url =
      options.workerUrl ?? readAheadDefaults.workerUrl ?? new URL('./walkWorker.js', import.meta.url);
    this.#url = fs.existsSync(fileURLToPath(url)) ? url : null;
    this.#inlineLeft = this.#url
      ? (options.inlineFirst ?? readAheadDefaults.inlineFirst)
      : Number.POSITIVE_INFINITY;
  }

  /** Whether listings now come from the worker thread. */
  get threaded(): boolean {
    return this.#worker !== null;
  }

  /** The listing of `dir`, the directory the job just popped from its stack. */
  take(dir: WalkDir): Listing | Promise<Listing> {
    if (this.#worker === null) {
      if (this.#inlineLeft <= 0 && this.#url !== null) this.#start(dir);
      else return this.#inline(dir);
    }
    const ready = this.#next();
    if (ready !== undefined) return this.#check(ready, dir);
    return this.#wait(dir);
  }

  /** Stop the worker (reads ahead are dropped). */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    if (worker === null) return;
    Atomics.store(this.#shared!, 1, 1);
    Atomics.notify(this.#shared!, 0);
    this.#port?.close();
    this.#port = null;
    await worker.terminate();
  }

  #inline(dir: WalkDir): Listing {
    this.#lister ??= new DirectoryLister({
      rules: this.#options.rules,
      gitignores: this.#options.gitignores(),
    });
    const listing = this.#lister.list(dir.path, dir.rel, dir);
    this.#inlineLeft -= listing.codes.length + 1;
    return listing;
  }

  /** Start the worker from the job's stack with `dir` (just popped) back on top. */
  #start(dir: WalkDir): void {
    const { port1, port2 } = new MessageChannel();
    const shared = new SharedArrayBuffer(8);
    const start: WalkStart = {
      port: port2,
      shared,
      stack: [...this.#options.stack(), dir].map((d) => ({
        path: new Uint8Array(d.path),
        rel: d.rel,
        ...(d.ino !== undefined ? { ino: d.ino, dev: d.dev } : {}),
      })),
      rules: this.#options.rules,
      gitignores: { ...this.#options.gitignores() },
      recursive: this.#options.recursive,
      ahead: this.#options.ahead ?? readAheadDefaults.ahead,
    };
    const worker = new Worker(this.#url!, { workerData: start, transferList: [port2] });
    port1.on('message', (chunk: Listing[]) => {
      for (const listing of chunk) this.#queue.push(listing);
      this.#wakeUp();
    });
    port1.on('close', () => {
      this.#ended = true;
      this.#wakeUp();
    });
    worker.on('error', () => {
      this.#ended = true;
      this.#wakeUp();
    });
    worker.on('exit', () => {
      this.#ended = true;
      this.#wakeUp();
    });
    this.#worker = worker;
    this.#port = port1;
    this.#shared = new Int32Array(shared);
    this.#lister = null;
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #next(): Listing | undefined {
    if (this.#head >= this.#queue.length && this.#port !== null) {
      // Messages the event loop has not delivered yet: take them now, in order.
      for (let m = receiveMessageOnPort(this.#port); m; m = receiveMessageOnPort(this.#port)) {
        for (const listing of m.message as Listing[]) this.#queue.push(listing);
      }
    }
    if (this.#head >= this.#queue.length) return undefined;
    const listing = this.#queue[this.#head++];
    if (this.#head > 1024) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return listing;
  }

  async #wait(dir: WalkDir): Promise<Listing> {
    for (;;) {
      const ready = this.#next();
      if (ready !== undefined) return this.#check(ready, dir);
      if (this.#ended) return this.#fallBack(dir);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #check(listing: Listing, dir: WalkDir): Listing | Promise<Listing> {
    if (
      !Buffer.from(listing.path.buffer, listing.path.byteOffset, listing.path.byteLength).equals(dir.path)
    ) {
      return this.#fallBack(dir);
    }
    this.#taken += listing.codes.length + 1;
    Atomics.store(this.#shared!, 0, this.#taken);
    Atomics.notify(this.#shared!, 0);
    return listing;
  }

  /** The worker is gone or out of step: read inline from here on. */
  async #fallBack(dir: WalkDir): Promise<Listing> {
    await this.close();
    this.#queue = [];
    this.#head = 0;
    this.#url = null;
    this.#inlineLeft = Number.POSITIVE_INFINITY;
    return this.#inline(dir);
  }
}
