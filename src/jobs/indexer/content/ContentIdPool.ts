import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { contentIdOfFileSync } from '../../content/contentId.js';
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

/** A chunk posted to a worker and not answered yet. */
interface Pending {
  readonly request: ContentIdRequest;
  readonly cost: number;
  readonly resolve: (reply: ContentIdReply) => void;
  readonly reject: (error: Error) => void;
  /** Posted again after the worker it was first sent to died: a second death rejects it. */
  readonly resent: boolean;
}

/** A worker and the chunks sent to it that it has not answered yet. */
interface Slot {
  readonly worker: Worker;
  load: number;
  readonly pending: Map<number, Pending>;
  dead: boolean;
}

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
  readonly #threads: number;
  readonly #url: URL;
  readonly #slots: Slot[] = [];
  #next = 0;
  #closed = false;

  /** Workers start with the first chunk posted (a phase with nothing to hash starts none). */
  constructor(threads: number, workerUrl?: URL) {
    this.#url =
      workerUrl ?? contentIdPoolDefaults.workerUrl ?? new URL('./contentIdWorker.js', import.meta.url);
    this.#threads = threads > 0 && fs.existsSync(fileURLToPath(this.#url)) ? threads : 0;
  }

  /** Whether chunks are hashed in worker threads. */
  get threaded(): boolean {
    return this.#threads > 0;
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
    if (this.#closed) return Promise.reject(new ContentIdWorkerDiedError(null));
    if (this.#slots.length === 0) for (let i = 0; i < this.#threads; i++) this.#slots.push(this.#spawn());
    // A worker that died with nothing to redo is replaced when there is work again (not at once: a worker
    // that cannot even start would otherwise be replaced for ever).
    for (let i = 0; i < this.#slots.length; i++) if (this.#slots[i].dead) this.#slots[i] = this.#spawn();
    let cost = 0;
    for (const size of sizes) cost += costOf(size);
    let slot = this.#slots[0];
    for (const s of this.#slots) if (s.load < slot.load) slot = s;
    return new Promise<ContentIdReply>((resolve, reject) => {
      this.#post(slot, { request, cost, resolve, reject, resent: false });
    }).then((reply) => unpackReply(reply, paths.length));
  }

  /** Stop the workers; chunks not answered yet reject. */
  async close(): Promise<void> {
    this.#closed = true;
    const slots = this.#slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #post(slot: Slot, p: Pending): void {
    slot.pending.set(p.request.id, p);
    slot.load += p.cost;
    slot.worker.postMessage(p.request);
  }

  #spawn(): Slot {
    const slot: Slot = { worker: new Worker(this.#url), load: 0, pending: new Map(), dead: false };
    const fail = (code: number | null, cause?: unknown) => {
      if (slot.dead) return;
      slot.dead = true;
      const pending = [...slot.pending.values()];
      slot.pending.clear();
      const at = this.#slots.indexOf(slot);
      if (this.#closed || at < 0) {
        for (const p of pending) p.reject(new ContentIdWorkerDiedError(code, cause));
        return;
      }
      const again = pending.filter((p) => !p.resent);
      for (const p of pending) if (p.resent) p.reject(new ContentIdWorkerDiedError(code, cause));
      if (again.length === 0) return;
      const next = this.#spawn();
      this.#slots[at] = next;
      for (const p of again) this.#post(next, { ...p, resent: true });
    };
    slot.worker.on('message', (reply: ContentIdReply) => {
      const p = slot.pending.get(reply.id);
      if (p === undefined) return;
      slot.pending.delete(reply.id);
      slot.load -= p.cost;
      p.resolve(reply);
    });
    slot.worker.on('error', (error) => fail(null, error));
    slot.worker.on('exit', (code) => fail(code));
    return slot;
  }
}
