import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** What every message to and from a pool's workers carries: the number that pairs a reply with its request. */
export interface PoolMessage {
  readonly id: number;
}

/** A request posted to a worker and not answered yet. */
interface Pending<Req, Reply> {
  readonly request: Req;
  readonly cost: number;
  readonly resolve: (reply: Reply) => void;
  readonly reject: (error: Error) => void;
  /** Posted again after the worker it was first sent to died: a second death rejects it. */
  readonly resent: boolean;
}

/** A worker and the requests sent to it that it has not answered yet. */
interface Slot<Req, Reply> {
  readonly worker: Worker;
  /** The summed cost of its unanswered requests. */
  load: number;
  readonly pending: Map<number, Pending<Req, Reply>>;
  dead: boolean;
}

/**
 * Worker threads of one module that answer requests which only read (hashing files, computing content ids),
 * shared by the pools built on it (`HashPool`, the indexer's `ContentIdPool`). A request goes to the worker
 * with the least unanswered cost; a worker answers its requests in the order they were posted, so work
 * posted earlier tends to finish earlier.
 *
 * A worker that dies (crashed, terminated) while it owes answers is replaced at once and what it owed is
 * posted once more to its replacement (reads only: doing them again is harmless); a request whose second
 * worker dies too rejects with `died(code, cause)`. A worker that dies with nothing owed is replaced when the
 * next request comes, not at once: a module that cannot even start is never restarted for nothing (each
 * request then costs two attempts, and rejects).
 */
export class WorkerPool<Req extends PoolMessage, Reply extends PoolMessage> {
  readonly #url: URL;
  readonly #threads: number;
  readonly #died: (code: number | null, cause?: unknown) => Error;
  readonly #slots: Slot<Req, Reply>[] = [];
  #closed = false;
  #unref = false;

  /**
   * @param url The worker module. Without it on disk (the TypeScript sources under test), `threaded` is false.
   * @param threads How many workers, started with the first request. 0: none (`threaded` is false).
   * @param died The error a request rejects with when its workers died (`code` null when the pool closed).
   */
  constructor(url: URL, threads: number, died: (code: number | null, cause?: unknown) => Error) {
    this.#url = url;
    this.#threads = threads > 0 && fs.existsSync(fileURLToPath(url)) ? threads : 0;
    this.#died = died;
  }

  /** Whether requests run in worker threads (else the caller answers them in its own thread). */
  get threaded(): boolean {
    return this.#threads > 0;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Post `request` (its `cost`, a rough estimate of the work, balances the workers) and resolve with its
   * worker's reply. It is posted before this returns. Rejects when two workers died on it, or the pool is
   * closed.
   */
  post(request: Req, cost: number): Promise<Reply> {
    if (!this.threaded || this.#closed) return Promise.reject(this.#died(null));
    if (this.#slots.length === 0) for (let i = 0; i < this.#threads; i++) this.#slots.push(this.#spawn());
    for (let i = 0; i < this.#slots.length; i++) if (this.#slots[i].dead) this.#slots[i] = this.#spawn();
    let slot = this.#slots[0];
    for (const s of this.#slots) if (s.load < slot.load) slot = s;
    return new Promise<Reply>((resolve, reject) => {
      this.#send(slot, { request, cost, resolve, reject, resent: false });
    });
  }

  /**
   * Let the process exit while the threads wait for work (they still answer what is sent). {@link ref}
   * undoes it; a caller that awaits replies must hold them referenced, or the process may end first.
   */
  unref(): void {
    this.#unref = true;
    for (const s of this.#slots) s.worker.unref();
  }

  /** Hold the process open while the threads run again (the default). */
  ref(): void {
    this.#unref = false;
    for (const s of this.#slots) s.worker.ref();
  }

  /** Stop the workers; requests not answered yet reject, and later ones too. */
  async close(): Promise<void> {
    this.#closed = true;
    const slots = this.#slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #send(slot: Slot<Req, Reply>, p: Pending<Req, Reply>): void {
    slot.pending.set(p.request.id, p);
    slot.load += p.cost;
    slot.worker.postMessage(p.request);
  }

  #spawn(): Slot<Req, Reply> {
    const slot: Slot<Req, Reply> = {
      worker: new Worker(this.#url),
      load: 0,
      pending: new Map(),
      dead: false,
    };
    const fail = (code: number | null, cause?: unknown) => {
      if (slot.dead) return;
      slot.dead = true;
      const pending = [...slot.pending.values()];
      slot.pending.clear();
      slot.load = 0;
      const at = this.#slots.indexOf(slot);
      const error = this.#died(this.#closed ? null : code, cause);
      const again = this.#closed || at < 0 ? [] : pending.filter((p) => !p.resent);
      for (const p of pending) if (!again.includes(p)) p.reject(error);
      if (again.length === 0) return;
      const next = this.#spawn();
      this.#slots[at] = next;
      for (const p of again) this.#send(next, { ...p, resent: true });
    };
    slot.worker.on('message', (reply: Reply) => {
      const p = slot.pending.get(reply.id);
      if (p === undefined) return;
      slot.pending.delete(reply.id);
      slot.load -= p.cost;
      p.resolve(reply);
    });
    slot.worker.on('error', (error) => fail(null, error));
    slot.worker.on('exit', (code) => fail(code));
    if (this.#unref) slot.worker.unref();
    return slot;
  }
}
