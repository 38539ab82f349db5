import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JobLockedError } from '../../../src/persistence/JobLockedError.js';
import { LeaseLostError } from '../../../src/persistence/LeaseLostError.js';
import type { LeaseOwner, SnapshotStore } from '../../../src/persistence/types.js';
import { makeMeta } from '../makeEnvelope.js';

/** A lease-capable store under test, a way to move its clock, and how to dispose of it. */
export interface LeaseStoreFixture {
  readonly store: SnapshotStore;
  /** Move the store's clock forward by `ms` (a manual clock, or a real wait for a server clock). */
  advance(ms: number): Promise<void> | void;
  /** A second store on the same data, as a restarted process would open it (persistent stores only). */
  reopen?(): Promise<SnapshotStore> | SnapshotStore;
  cleanup(): Promise<void> | void;
}

/** A clock for {@link LeaseStoreFixture.advance}: starts at a fixed epoch ms, moves only when told. */
export function manualClock(start = 1_700_000_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

/** A pid that existed a moment ago on this host and no longer does: a dead owner. */
export function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  if (pid === undefined) throw new Error('could not start a process to get a dead pid');
  return pid;
}

const LEASE_MS = 1000;
const opts = { leaseMs: LEASE_MS };
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

/**
 * The one-owner lease every store that implements `acquire` promises (SQLite, file, memory; PostgreSQL runs
 * it too). Owners here use this process's pid, so they are alive: only expiry or release frees them unless a
 * test says otherwise.
 */
export function describeLeaseStore(
  label: string,
  open: () => Promise<LeaseStoreFixture> | LeaseStoreFixture,
): void {
  describe(`${label}: lease contract`, () => {
    let fixture: LeaseStoreFixture;
    let store: Required<
      Pick<SnapshotStore, 'acquire' | 'renew' | 'release' | 'requestControl' | 'clearRequest'>
    > &
      SnapshotStore;
    let dead: number;
    const host = hostname();
    const owner = (workerId: string, pid = process.pid, on = host): LeaseOwner => ({
      workerId,
      pid,
      host: on,
    });
    const A = owner('worker-a');
    const B = owner('worker-b');

    beforeAll(() => {
      dead = deadPid();
    });
    beforeEach(async () => {
      fixture = await open();
      store = fixture.store as typeof store;
    });
    afterEach(async () => {
      await store.close?.();
      await fixture.cleanup();
    });

    const lockedBy = async (attempt: Promise<unknown>): Promise<JobLockedError> => {
      const error = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(JobLockedError);
      return error as JobLockedError;
    };
    const lost = async (attempt: Promise<unknown>): Promise<LeaseLostError> => {
      const error = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LeaseLostError);
      return error as LeaseLostError;
    };

    it('acquires a job not saved yet: fence 1, the owner, and times from the store’s clock', async () => {
      const lease = await store.acquire('job-1', A, opts);
      expect(lease).toStrictEqual({
        jobId: 'job-1',
        workerId: 'worker-a',
        pid: process.pid,
        host,
        fence: 1,
        acquiredAt: lease.acquiredAt,
        expiresAt: lease.acquiredAt + LEASE_MS,
      });
      expect(await store.load('job-1')).toBeUndefined();
    });

    it('refuses another owner while the holder lives, naming its pid, host and since when', async () => {
      const held = await store.acquire('job-1', A, opts);
      const error = await lockedBy(store.acquire('job-1', B, opts));
      expect(error.jobId).toBe('job-1');
      expect(error.holder).toStrictEqual(held);
      expect(error.message).toContain(`process ${process.pid} on ${host}`);
      expect(error.message).toContain(`since ${new Date(held.acquiredAt).toISOString()}`);
    });

    it('refuses the same worker too: one process must not run a job twice', async () => {
      const held = await store.acquire('job-1', A, opts);
      expect((await lockedBy(store.acquire('job-1', A, opts))).holder).toStrictEqual(held);
      // The refusal changed nothing: the first lease still renews and writes.
      await store.renew(held, opts);
      await store.save('job-1', bytes('a'), makeMeta(), { fence: held.fence });
    });

    it('fences strictly increase: across release, expiry and dead-owner takeovers', async () => {
      const fences: number[] = [];
      const a1 = await store.acquire('job-1', A, opts);
      fences.push(a1.fence);
      await store.release(a1);
      const b = await store.acquire('job-1', B, opts);
      fences.push(b.fence);
      await fixture.advance(LEASE_MS + 1);
      const a2 = await store.acquire('job-1', A, opts);
      fences.push(a2.fence);
      await store.release(a2);
      const d = await store.acquire('job-1', owner('worker-dead', dead), opts);
      fences.push(d.fence);
      const c = await store.acquire('job-1', owner('worker-c'), opts);
      fences.push(c.fence);
      expect(fences).toEqual([1, 2, 3, 4, 5]);
    });

    it('writes a save carrying the current fence, and a save without a fence', async () => {
      const lease = await store.acquire('job-1', A, opts);
      await store.save('job-1', bytes('fenced'), makeMeta({ updatedAt: 1 }), { fence: lease.fence });
      expect(text((await store.load('job-1'))?.bytes)).toBe('fenced');
      // Queue bookkeeping (no fence) is allowed while someone holds the job.
      await store.save('job-1', bytes('unfenced'), makeMeta({ updatedAt: 2 }));
      expect(text((await store.load('job-1'))?.bytes)).toBe('unfenced');
    });

    it('refuses a stale fence after a takeover, and writes nothing of it', async () => {
      const a = await store.acquire('job-1', A, opts);
      await store.save('job-1', bytes('a'), makeMeta({ updatedAt: 1, percent: 10 }), { fence: a.fence });
      await fixture.advance(LEASE_MS + 1);
      const b = await store.acquire('job-1', B, opts);
      let batchRan = false;
      const error = await lost(
        store.save('job-1', bytes('late'), makeMeta({ updatedAt: 2, percent: 99 }), {
          fence: a.fence,
          atomicWith: () => {
            batchRan = true;
          },
        }),
      );
      expect(error).toMatchObject({ jobId: 'job-1', fence: a.fence, currentFence: b.fence });
      expect(batchRan).toBe(false);
      const stored = await store.load('job-1');
      expect(text(stored?.bytes)).toBe('a');
      expect(stored?.record).toMatchObject({ updatedAt: 1, percent: 10 });
      // A fence from the future is no better.
      await lost(store.save('job-1', bytes('x'), makeMeta(), { fence: b.fence + 1 }));
      // The new holder writes.
      await store.save('job-1', bytes('b'), makeMeta({ updatedAt: 3 }), { fence: b.fence });
      expect(text((await store.load('job-1'))?.bytes)).toBe('b');
    });

    it('refuses a fenced save after release, and one for a job never leased', async () => {
      const a = await store.acquire('job-1', A, opts);
      await store.release(a);
      expect(await lost(store.save('job-1', bytes('x'), makeMeta(), { fence: a.fence }))).toMatchObject({
        fence: a.fence,
        currentFence: a.fence,
      });
      await lost(store.save('job-2', bytes('x'), makeMeta(), { fence: 1 }));
      expect(await store.load('job-1')).toBeUndefined();
      expect(await store.load('job-2')).toBeUndefined();
    });

    it('releases, lets another owner in, and ignores a second or late release', async () => {
      const a = await store.acquire('job-1', A, opts);
      await store.release(a);
      await store.release(a);
      const b = await store.acquire('job-1', B, opts);
      expect(b.fence).toBe(a.fence + 1);
      await store.release(a); // a late release of a lost lease must not free b's
      expect((await lockedBy(store.acquire('job-1', A, opts))).holder).toStrictEqual(b);
    });

    it('holds a lease until expiresAt and lets it be taken over just after', async () => {
      const a = await store.acquire('job-1', A, opts);
      await fixture.advance(LEASE_MS);
      await lockedBy(store.acquire('job-1', B, opts));
      await fixture.advance(1);
      const b = await store.acquire('job-1', B, opts);
      expect(b.fence).toBe(a.fence + 1);
      expect(b.acquiredAt).toBe(a.acquiredAt + LEASE_MS + 1);
    });

    it('renews from now, keeping fence and acquiredAt, so the holder outlives its first expiry', async () => {
      const a = await store.acquire('job-1', A, opts);
      await fixture.advance(LEASE_MS - 100);
      const renewal = await store.renew(a, { leaseMs: 5000 });
      expect(renewal).toStrictEqual({
        lease: { ...a, expiresAt: a.acquiredAt + LEASE_MS - 100 + 5000 },
        request: null,
      });
      await fixture.advance(1000);
      await lockedBy(store.acquire('job-1', B, opts));
      await store.save('job-1', bytes('a'), makeMeta(), { fence: a.fence });
    });

    it('renews a lapsed lease nobody took over', async () => {
      const a = await store.acquire('job-1', A, opts);
      await fixture.advance(LEASE_MS * 3);
      const { lease } = await store.renew(a, opts);
      expect(lease.fence).toBe(a.fence);
      await lockedBy(store.acquire('job-1', B, opts));
    });

    it('refuses renew after a takeover or a release with LeaseLostError', async () => {
      const a = await store.acquire('job-1', A, opts);
      await fixture.advance(LEASE_MS + 1);
      const b = await store.acquire('job-1', B, opts);
      expect(await lost(store.renew(a, opts))).toMatchObject({ fence: a.fence, currentFence: b.fence });
      await store.release(b);
      expect(await lost(store.renew(b, opts))).toMatchObject({ fence: b.fence, currentFence: b.fence });
    });

    it('tells who holds a job, read only: no fence moves, and nobody once released, lapsed or dead', async () => {
      expect(await store.holder?.('job-1')).toBeUndefined();
      const a = await store.acquire('job-1', A, opts);
      expect(await store.holder!('job-1')).toStrictEqual(a);
      expect(await store.holder!('job-1')).toStrictEqual(a);
      // Asking moved nothing: the holder still writes under its fence, and the next owner gets fence 2.
      await store.save('job-1', bytes('a'), makeMeta(), { fence: a.fence });
      await store.release(a);
      expect(await store.holder!('job-1')).toBeUndefined();
      expect((await store.acquire('job-1', B, opts)).fence).toBe(2);
      await store.acquire('job-2', owner('worker-dead', dead), { leaseMs: 3_600_000 });
      expect(await store.holder!('job-2')).toBeUndefined();
      await store.acquire('job-3', A, opts);
      await fixture.advance(LEASE_MS + 1);
      expect(await store.holder!('job-3')).toBeUndefined();
    });

    it('takes over at once a holder on this host whose pid is gone', async () => {
      const d = await store.acquire('job-1', owner('worker-dead', dead), { leaseMs: 3_600_000 });
      const a = await store.acquire('job-1', A, opts);
      expect(a.fence).toBe(d.fence + 1);
      expect(await lost(store.renew(d, opts))).toMatchObject({ currentFence: a.fence });
    });

    it('judges a holder on another host by its expiry alone', async () => {
      const remote = owner('worker-remote', dead, `${host}-elsewhere`);
      await store.acquire('job-1', remote, opts);
      expect((await lockedBy(store.acquire('job-1', A, opts))).holder).toMatchObject({ pid: dead });
      await fixture.advance(LEASE_MS + 1);
      await store.acquire('job-1', A, opts);
    });

    it('passes control requests to the holder through renew until cleared', async () => {
      await store.requestControl('job-1', 'pause'); // before anyone runs it
      const a = await store.acquire('job-1', A, opts);
      expect(a.fence).toBe(1);
      expect((await store.renew(a, opts)).request).toBe('pause');
      expect((await store.renew(a, opts)).request).toBe('pause'); // stays until cleared
      await store.requestControl('job-1', 'cancel');
      expect((await store.renew(a, opts)).request).toBe('cancel');
      await store.clearRequest('job-1');
      expect((await store.renew(a, opts)).request).toBeNull();
      await store.clearRequest('job-1');
      await store.clearRequest('never-seen');
    });

    it('keeps a pending request across a takeover: the new owner honours it', async () => {
      const a = await store.acquire('job-1', A, opts);
      await store.requestControl('job-1', 'cancel');
      await fixture.advance(LEASE_MS + 1);
      const b = await store.acquire('job-1', B, opts);
      expect((await store.renew(b, opts)).request).toBe('cancel');
      await store.release(b);
      await lost(store.renew(a, opts));
    });

    it('keeps leases of different jobs apart', async () => {
      const one = await store.acquire('job-1', A, opts);
      const two = await store.acquire('job-2', B, opts);
      expect([one.fence, two.fence]).toEqual([1, 1]);
      await store.requestControl('job-2', 'pause');
      expect((await store.renew(one, opts)).request).toBeNull();
      await lost(store.save('job-1', bytes('x'), makeMeta(), { fence: two.fence + 1 }));
      await store.save('job-2', bytes('y'), makeMeta(), { fence: two.fence });
    });

    it('refuses a bad leaseMs, owner or request', async () => {
      for (const leaseMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(store.acquire('job-1', A, { leaseMs })).rejects.toThrow(TypeError);
      }
      await expect(store.acquire('job-1', owner('w', 0), opts)).rejects.toThrow(/pid must be a positive/);
      await expect(store.acquire('job-1', owner(''), opts)).rejects.toThrow(/workerId/);
      await expect(store.requestControl('job-1', 'stop' as 'pause')).rejects.toThrow(/Unknown control/);
      expect((await store.acquire('job-1', A, opts)).fence).toBe(1);
    });

    it('keeps fences, holders and requests when the store is opened again', async (context) => {
      if (fixture.reopen === undefined) return context.skip();
      const a = await store.acquire('job-1', A, opts);
      await store.release(a);
      const b = await store.acquire('job-1', B, opts);
      await store.requestControl('job-1', 'pause');
      const again = (await fixture.reopen()) as typeof store;
      try {
        expect((await lockedBy(again.acquire('job-1', A, opts))).holder).toStrictEqual(b);
        expect((await again.renew(b, opts)).request).toBe('pause');
        await again.release(b);
        expect((await again.acquire('job-1', A, opts)).fence).toBe(b.fence + 1);
      } finally {
        await again.close?.();
      }
    });
  });
}
