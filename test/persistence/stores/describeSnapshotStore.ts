import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../../src/persistence/decodeEnvelope.js';
import { encodeEnvelope } from '../../../src/persistence/encodeEnvelope.js';
import { JobNotFoundError } from '../../../src/persistence/JobNotFoundError.js';
import type { SnapshotStore } from '../../../src/persistence/types.js';
import { makeEnvelope, makeMeta } from '../makeEnvelope.js';

/** A store under test and how to dispose of it. */
export interface StoreFixture {
  readonly store: SnapshotStore;
  cleanup(): Promise<void> | void;
}

const bytesOf = (...values: number[]) => Uint8Array.from(values);

/** What a store does beyond the common contract. */
export interface StoreCapabilities {
  /** `atomicWith` may be async (PostgreSQL: its queries run in the checkpoint's transaction, awaited). */
  readonly asyncAtomicWith?: boolean;
}

/**
 * The behaviour every `SnapshotStore` promises, run against one implementation. Each test gets a fresh store
 * from `open` (a fresh temp directory or database for the persistent ones).
 */
export function describeSnapshotStore(
  label: string,
  open: () => Promise<StoreFixture> | StoreFixture,
  capabilities: StoreCapabilities = {},
): void {
  describe(`${label}: SnapshotStore contract`, () => {
    let fixture: StoreFixture;
    let store: SnapshotStore;
    beforeEach(async () => {
      fixture = await open();
      store = fixture.store;
    });
    afterEach(async () => {
      await store.close?.();
      await fixture.cleanup();
    });

    it('loads nothing for an unknown job', async () => {
      expect(await store.load('nope')).toBeUndefined();
      expect(await store.list()).toEqual([]);
    });

    it('saves and loads the bytes and a normalized record', async () => {
      await store.save('job-1', bytesOf(1, 2, 3), makeMeta({ updatedAt: 1000 }));
      const stored = await store.load('job-1');
      expect(stored?.id).toBe('job-1');
      expect(stored?.bytes).toBeInstanceOf(Uint8Array);
      expect(Array.from(stored!.bytes)).toEqual([1, 2, 3]);
      expect(stored?.record).toStrictEqual({
        id: 'job-1',
        name: 'indexer',
        version: 1,
        status: 'running',
        phase: 'hash',
        percent: 40,
        errorsCount: 0,
        error: null,
        createdAt: 1000,
        updatedAt: 1000,
      });
    });

    it('keeps input and error, and normalizes a missing phase to null', async () => {
      const input = { root: '/photos', tags: ['a', 'b'], depth: 2, raw: bytesOf(9, 8) };
      await store.save(
        'job-1',
        bytesOf(1),
        makeMeta({ input, phase: null, status: 'failed', error: 'disk full' }),
      );
      const { record } = (await store.load('job-1'))!;
      expect(record).toMatchObject({ input, phase: null, status: 'failed', error: 'disk full' });
      expect((await store.list())[0]).toMatchObject({ input, error: 'disk full' });
    });

    it('overwrites the checkpoint and record, keeping createdAt from the first save', async () => {
      await store.save('job-1', bytesOf(1), makeMeta({ updatedAt: 1000, percent: 10 }));
      await store.save(
        'job-1',
        bytesOf(2, 2),
        makeMeta({ updatedAt: 5000, percent: 90, status: 'completed', version: 2 }),
      );
      const stored = (await store.load('job-1'))!;
      expect(Array.from(stored.bytes)).toEqual([2, 2]);
      expect(stored.record).toMatchObject({
        createdAt: 1000,
        updatedAt: 5000,
        percent: 90,
        status: 'completed',
        version: 2,
      });
      expect(await store.list()).toHaveLength(1);
    });

    it('round-trips a real checkpoint, including a ~1 MB one', async () => {
      const state = Array.from({ length: 20_000 }, (_, i) => ({ i, path: `/photos/${i}.jpg`, size: i * 31 }));
      const envelope = makeEnvelope({ state });
      await store.save('job-1', encodeEnvelope(envelope), makeMeta());
      const stored = (await store.load('job-1'))!;
      expect(decodeEnvelope(stored.bytes, { name: 'indexer', version: 1, jobId: 'job-1' })).toEqual(envelope);
    });

    it('is not changed through the caller’s byte arrays', async () => {
      const bytes = bytesOf(1, 2, 3);
      await store.save('job-1', bytes, makeMeta());
      bytes[0] = 99;
      const loaded = (await store.load('job-1'))!;
      expect(loaded.bytes[0]).toBe(1);
      loaded.bytes[1] = 99;
      expect((await store.load('job-1'))!.bytes[1]).toBe(2);
    });

    it('lists newest first, then by id, and filters by status and name', async () => {
      await store.save('b', bytesOf(1), makeMeta({ updatedAt: 2000, status: 'completed' }));
      await store.save('a', bytesOf(1), makeMeta({ updatedAt: 2000, status: 'running' }));
      await store.save('c', bytesOf(1), makeMeta({ updatedAt: 3000, status: 'failed', name: 'thumbs' }));
      await store.save('d', bytesOf(1), makeMeta({ updatedAt: 1000, status: 'paused' }));
      const ids = async (filter?: Parameters<SnapshotStore['list']>[0]) =>
        (await store.list(filter)).map((r) => r.id);
      expect(await ids()).toEqual(['c', 'a', 'b', 'd']);
      expect(await ids({ status: 'running' })).toEqual(['a']);
      expect(await ids({ status: ['paused', 'completed'] })).toEqual(['b', 'd']);
      expect(await ids({ status: [] })).toEqual([]);
      expect(await ids({ name: 'indexer' })).toEqual(['a', 'b', 'd']);
      expect(await ids({ name: 'thumbs', status: 'failed' })).toEqual(['c']);
      expect(await ids({ name: 'thumbs', status: 'running' })).toEqual([]);
      expect((await store.list())[0]).toMatchObject({ id: 'c', name: 'thumbs', createdAt: 3000 });
    });

    it('sets the status alone, keeping the checkpoint and updatedAt', async () => {
      await store.save('job-1', bytesOf(7), makeMeta({ updatedAt: 1000, status: 'running' }));
      await store.setStatus?.('job-1', 'paused');
      const stored = (await store.load('job-1'))!;
      expect(stored.record).toMatchObject({ status: 'paused', updatedAt: 1000, percent: 40 });
      expect(Array.from(stored.bytes)).toEqual([7]);
      await expect(store.setStatus?.('nope', 'cancelled')).rejects.toThrow(JobNotFoundError);
    });

    it('deletes a job, and deleting an unknown job does nothing', async () => {
      await store.save('job-1', bytesOf(1), makeMeta());
      await store.save('job-2', bytesOf(2), makeMeta());
      await store.delete?.('job-1');
      expect(await store.load('job-1')).toBeUndefined();
      expect((await store.list()).map((r) => r.id)).toEqual(['job-2']);
      await expect(store.delete?.('job-1')).resolves.toBeUndefined();
    });

    it('runs atomicWith with the save, and saves nothing when it throws', async () => {
      const calls: string[] = [];
      await store.save('job-1', bytesOf(1), makeMeta({ updatedAt: 1 }), {
        atomicWith: () => calls.push('batch-1'),
      });
      expect(calls).toEqual(['batch-1']);
      const boom = new Error('batch failed');
      await expect(
        store.save('job-1', bytesOf(2), makeMeta({ updatedAt: 2 }), {
          atomicWith: () => {
            throw boom;
          },
        }),
      ).rejects.toBe(boom);
      await expect(
        store.save('job-2', bytesOf(2), makeMeta(), {
          atomicWith: () => {
            throw boom;
          },
        }),
      ).rejects.toBe(boom);
      const stored = (await store.load('job-1'))!;
      expect(Array.from(stored.bytes)).toEqual([1]);
      expect(stored.record.updatedAt).toBe(1);
      expect(await store.load('job-2')).toBeUndefined();
    });

    it.skipIf(capabilities.asyncAtomicWith)(
      'refuses an async atomicWith, whose writes would land after the checkpoint',
      async () => {
        const attempt = store.save('job-1', bytesOf(1), makeMeta(), {
          atomicWith: (async () => {}) as () => void,
        });
        await expect(attempt).rejects.toThrow(/atomicWith returned a promise: it must be synchronous/);
        expect(await store.load('job-1')).toBeUndefined();
      },
    );

    it('closes idempotently', async () => {
      await store.close?.();
      await store.close?.();
    });
  });
}
