/**
 * The first reads of analysis (partial hashes), started by collect while it walks: as soon as the walk finds a
 * second file of a size, both (and every later file of that size) are posted to the worker threads, which read
 * them while the job's thread walks on, then groups, packs and writes the groups (with its checkpoint). Reads
 * only: the results stay in memory, on the very `CandidateFile` objects collect made (their `ahead`, never
 * packed), and enter the job's state only when analysis compares their batch, exactly as if read then. They
 * reach analysis only in the same run: the lists handed over in memory (`handOver`) carry the same objects,
 * and the read-ahead is found by the run's signal. A resume (in this process or another) unpacks new objects,
 * finds nothing here, and reads as before.
 */
import { availableParallelism } from 'node:os';
import type { FirstPass } from '../content/fileBytes.js';
import { HashPool } from '../content/hashPool.js';
import type { CandidateFile, DuplicatesInput } from './types.js';

/** Files sent to a worker at once (one message each way; a message costs about 0.1 ms to post). */
const CHUNK = 256;

/** How long threads that finished reading ahead wait for analysis before they stop. */
const KEEP_MS = 30_000;

/** The read-ahead of each run whose analysis has not taken it yet, by the run's signal. */
const started = new WeakMap<AbortSignal, ReadAhead>();

/** The worker threads duplicate detection reads with, by its input. */
export function hashPoolFor(input: DuplicatesInput): HashPool {
  return new HashPool(input.threads ?? Math.min(4, availableParallelism()));
}

/**
 * Partial hashes being read ahead of analysis. Collect {@link add}s the files whose size another file has, as
 * its walk finds them, and calls {@link finish}; analysis {@link take}s it. Not taken (the run paused or failed before analysis), its
 * threads hold no process open once their reads are answered, and stop after {@link KEEP_MS}.
 */
export class ReadAhead {
  readonly #chunks: Promise<void>[] = [];
  #batch: CandidateFile[] = [];
  #pool: HashPool | null;
  #taken = false;
  #settled: Promise<void> | null = null;

  constructor(pool: HashPool) {
    this.#pool = pool;
  }

  /**
   * A file whose size another file has: its partial hash is read. (A hard link that group-by-size folds into
   * another path of its inode is read too, and its result never used: links are rare.)
   */
  add(file: CandidateFile): void {
    this.#batch.push(file);
    if (this.#batch.length >= CHUNK) this.#flush();
  }

  #flush(): void {
    if (this.#batch.length === 0 || this.#pool === null) return;
    const files = this.#batch;
    this.#batch = [];
    this.#chunks.push(
      this.#pool.run<FirstPass>('first', files, CHUNK).then((results) => {
        // On the file objects themselves: analysis goes over tens of thousands of them, and a map keyed by
        // them cost it a cache miss or two more per file (about 0.6 µs each here).
        for (let i = 0; i < files.length; i++) {
          const r = results[i];
          files[i].ahead = r;
          // The first 7 hex digits: 28 bits, a small integer.
          files[i].aheadKey =
            r instanceof Error || r.full !== null ? -1 : Number.parseInt(r.partial.slice(0, 7), 16);
        }
      }),
    );
  }

  /** Every file is added: send what is left. */
  finish(): void {
    this.#flush();
    // A pool that failed or was closed leaves its files unread: analysis reads them itself.
    this.#settled = Promise.all(this.#chunks).then(
      () => undefined,
      () => undefined,
    );
    void this.#settled.then(() => {
      if (this.#taken || this.#pool === null) return;
      this.#pool.unref();
      setTimeout(() => {
        if (!this.#taken) this.close();
      }, KEEP_MS).unref();
    });
  }

  /** Stop the threads now; reads not answered yet are left to analysis. */
  close(): void {
    const pool = this.#pool;
    this.#pool = null;
    void pool?.close();
  }

  /**
   * Analysis takes the read-ahead: its pool, while its threads run (analysis closes it then), and a promise
   * that resolves once every read sent is answered, each result then in its file's `ahead`. Analysis clears
   * what it uses.
   */
  take(): { pool: HashPool | null; settled: Promise<void> } {
    this.#taken = true;
    this.#pool?.ref();
    return { pool: this.#pool, settled: this.#settled ?? Promise.resolve() };
  }

  /** Keep it for the analysis of the run this signal belongs to; closed if the run is aborted. */
  register(signal: AbortSignal): void {
    started.get(signal)?.close(); // a collect run again in the same run (a retry) replaces its read-ahead
    started.set(signal, this);
    signal.addEventListener('abort', () => this.close(), { once: true });
  }
}

/** The read-ahead the collect of this run (by its signal) started, once: a second call finds nothing. */
export function takeReadAhead(signal: AbortSignal): ReturnType<ReadAhead['take']> | undefined {
  const ahead = started.get(signal);
  if (ahead === undefined) return undefined;
  started.delete(signal);
  return ahead.take();
}
