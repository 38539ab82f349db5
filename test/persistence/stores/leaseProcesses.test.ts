/**
 * One owner per job between real processes: children (test/fixtures/lease-child.mjs) hold leases on the
 * same SQLite file or FileStore directory as this process. Every step waits for the child's reply over IPC;
 * a killed child is waited for until it has exited (and been reaped), never for a time.
 */
import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JobLockedError } from '../../../src/persistence/JobLockedError.js';
import { FileLockTimeoutError } from '../../../src/persistence/stores/FileLockTimeoutError.js';
import { FileStore, type FileStoreOptions } from '../../../src/persistence/stores/FileStore.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import type { Lease, SnapshotStore } from '../../../src/persistence/types.js';
import { makeMeta } from '../makeEnvelope.js';
import { makeTempDir } from './tempDir.js';
import { transpilePersistence } from './transpilePersistence.js';

const CHILD = path.resolve(import.meta.dirname, '../../fixtures/lease-child.mjs');
const me = { workerId: 'parent', pid: process.pid, host: hostname() };
const LONG = { leaseMs: 3_600_000 };

interface Reply {
  value?: unknown;
  error?: {
    name: string;
    message: string;
    fence?: number;
    currentFence?: number;
    holder?: Lease;
    code?: string;
  };
}

/** A child process holding a store on the same data, driven by request/reply messages. */
class Child {
  readonly pid: number;
  readonly #process: ChildProcess;
  readonly #exited: Promise<unknown>;
  #next = 0;

  private constructor(child: ChildProcess, pid: number, exited: Promise<unknown>) {
    this.#process = child;
    this.pid = pid;
    this.#exited = exited;
  }

  static start(libDir: string, kind: Kind, dataPath: string): Promise<Child> {
    const child = fork(CHILD, [path.join(libDir, 'lib'), kind, dataPath], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`lease child exited early with ${code}`)));
      child.once('message', (m: { ready: number }) => resolve(new Child(child, m.ready, exited)));
    });
  }

  call(op: string, args: Record<string, unknown> = {}): Promise<Reply> {
    const id = ++this.#next;
    return new Promise((resolve) => {
      const onMessage = (m: Reply & { id: number }) => {
        if (m.id !== id) return;
        this.#process.off('message', onMessage);
        resolve(m);
      };
      this.#process.on('message', onMessage);
      this.#process.send({ id, op, ...args });
    });
  }

  async value<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const reply = await this.call(op, args);
    if (reply.error) throw new Error(`child ${op} failed: ${reply.error.name}: ${reply.error.message}`);
    return reply.value as T;
  }

  /** SIGKILL, and resolve once the child has exited and been reaped (its pid no longer exists). */
  async kill(): Promise<void> {
    this.#process.kill('SIGKILL');
    await this.#exited;
  }
}

type Kind = 'sqlite' | 'file';
let libDir: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  libDir = makeTempDir();
  transpilePersistence(libDir.dir);
});
afterAll(() => libDir.cleanup());

const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

for (const kind of ['sqlite', 'file'] as const) {
  describe(`${kind === 'sqlite' ? 'SqliteStore' : 'FileStore'}: leases between processes`, () => {
    let temp: ReturnType<typeof makeTempDir>;
    let dataPath: string;
    const children: Child[] = [];
    const stores: SnapshotStore[] = [];
    beforeEach(() => {
      temp = makeTempDir();
      dataPath = path.join(temp.dir, kind === 'sqlite' ? 'jobs.db' : 'jobs');
    });
    afterEach(async () => {
      await Promise.all(children.splice(0).map((c) => c.kill()));
      for (const store of stores.splice(0)) await store.close?.();
      temp.cleanup();
    });
    const child = async () => {
      const started = await Child.start(libDir.dir, kind, dataPath);
      children.push(started);
      return started;
    };
    /** This process's store on the same data; `aheadMs` moves its clock past the children's. */
    const parentStore = (aheadMs = 0): SnapshotStore & Required<Pick<SnapshotStore, 'acquire' | 'renew'>> => {
      const now = () => Date.now() + aheadMs;
      const store = kind === 'sqlite' ? new SqliteStore(dataPath, { now }) : new FileStore(dataPath, { now });
      stores.push(store);
      return store as ReturnType<typeof parentStore>;
    };
    const refusal = (attempt: Promise<unknown>) =>
      attempt.then(
        () => {
          throw new Error('expected the acquire to be refused');
        },
        (e: unknown) => e as JobLockedError,
      );

    it('refuses the parent while a live child holds the job, naming the child’s pid', async () => {
      const holder = await child();
      const lease = await holder.value<Lease>('acquire', { jobId: 'job-1', workerId: 'child', ...LONG });
      const error = await refusal(parentStore().acquire('job-1', me, LONG));
      expect(error).toBeInstanceOf(JobLockedError);
      expect(error.holder).toStrictEqual(lease);
      expect(error.holder.pid).toBe(holder.pid);
      expect(error.message).toContain(`process ${holder.pid} on ${hostname()}`);
    });

    it('takes the job over at once after the child is SIGKILLed, with a higher fence', async () => {
      const holder = await child();
      const lease = await holder.value<Lease>('acquire', { jobId: 'job-1', workerId: 'child', ...LONG });
      await holder.value('save', { jobId: 'job-1', fence: lease.fence, text: 'child' });
      await holder.kill();
      const store = parentStore(); // same clock: the child's hour-long lease has not lapsed
      const mine = await store.acquire('job-1', me, LONG);
      expect(mine.fence).toBeGreaterThan(lease.fence);
      await store.save('job-1', new TextEncoder().encode('parent'), makeMeta(), { fence: mine.fence });
      expect(text((await store.load('job-1'))?.bytes)).toBe('parent');
    });

    it('refuses a child that writes with its old fence after a takeover; nothing of it lands', async () => {
      const holder = await child();
      const lease = await holder.value<Lease>('acquire', {
        jobId: 'job-1',
        workerId: 'child',
        leaseMs: 1000,
      });
      await holder.value('save', { jobId: 'job-1', fence: lease.fence, text: 'child-1', items: ['a'] });
      const store = parentStore(60_000); // for this process the child's lease has lapsed
      const mine = await store.acquire('job-1', me, LONG);
      expect(mine.fence).toBe(lease.fence + 1);
      await store.save('job-1', new TextEncoder().encode('parent'), makeMeta(), { fence: mine.fence });

      const late = await holder.call('save', {
        jobId: 'job-1',
        fence: lease.fence,
        text: 'late',
        items: ['b', 'c'],
      });
      expect(late.error).toMatchObject({
        name: 'LeaseLostError',
        fence: lease.fence,
        currentFence: mine.fence,
      });
      const renew = await holder.call('renew', { lease, leaseMs: 1000 });
      expect(renew.error).toMatchObject({ name: 'LeaseLostError', currentFence: mine.fence });
      await holder.value('release', { lease }); // a late release leaves the new owner alone
      expect(text((await store.load('job-1'))?.bytes)).toBe('parent');
      await store.renew(mine, LONG);
      if (kind === 'sqlite') {
        const db = new Database(dataPath, { readonly: true });
        try {
          expect(db.prepare('SELECT item FROM effects ORDER BY item').pluck().all()).toEqual(['a']);
        } finally {
          db.close();
        }
      }
    });

    it('lets exactly one of three processes racing for a job win, round after round', async () => {
      const racers = await Promise.all([child(), child(), child()]);
      let lastFence = 0;
      for (let round = 0; round < 3; round++) {
        const replies = await Promise.all(
          racers.map((r, i) => r.call('acquire', { jobId: 'job-1', workerId: `racer-${i}`, ...LONG })),
        );
        const winners = replies.filter((r) => r.error === undefined);
        expect(winners).toHaveLength(1);
        expect(replies.filter((r) => r.error?.name === 'JobLockedError')).toHaveLength(2);
        const won = winners[0].value as Lease;
        expect(won.fence).toBe(lastFence + 1);
        lastFence = won.fence;
        await racers[replies.indexOf(winners[0])].value('release', { lease: won });
      }
    });
  });
}

describe('FileStore: the job’s lock file between processes', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let dir: string;
  let holder: Child;
  beforeEach(async () => {
    temp = makeTempDir();
    dir = path.join(temp.dir, 'jobs');
    fs.mkdirSync(dir);
    holder = await Child.start(libDir.dir, 'file', dir);
    await holder.value('lock', { jobId: 'job-1' });
  });
  afterEach(async () => {
    await holder.kill();
    temp.cleanup();
  });
  const store = (options: FileStoreOptions = {}) => new FileStore(dir, options);

  it('makes a write wait for a live holder, then see what the holder wrote', async () => {
    let waited!: () => void;
    const waiting = new Promise<void>((resolve) => {
      waited = resolve;
    });
    const attempt = store({ onLockWait: () => waited() }).acquire('job-1', me, LONG);
    const first = await Promise.race([
      waiting.then(() => 'waited'),
      attempt.then(
        () => 'acquired',
        () => 'refused',
      ),
    ]);
    expect(first).toBe('waited');
    await holder.value('writeLeaseAndUnlock', { jobId: 'job-1', fence: 7 });
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(JobLockedError);
    expect((error as JobLockedError).holder).toMatchObject({ pid: holder.pid, fence: 7 });
  });

  it('takes over at once a lock file left by a SIGKILLed process', async () => {
    expect(fs.existsSync(path.join(dir, 'job-1.lock'))).toBe(true);
    await holder.kill();
    const lease = await store({ lockTimeoutMs: 3000 }).acquire('job-1', me, LONG);
    expect(lease.fence).toBe(1);
    expect(fs.readdirSync(dir).sort()).toEqual(['job-1.lease']);
  });

  it('gives up on a live holder after lockTimeoutMs, naming it', async () => {
    const error = await store({ lockTimeoutMs: 100 })
      .save('job-1', new Uint8Array([1]), makeMeta())
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(FileLockTimeoutError);
    expect(error).toMatchObject({ holder: { pid: holder.pid, host: hostname() } });
    expect((error as Error).message).toContain(`held by process ${holder.pid} on ${hostname()}`);
    expect(fs.existsSync(path.join(dir, 'job-1.ckpt'))).toBe(false);
  });
});
