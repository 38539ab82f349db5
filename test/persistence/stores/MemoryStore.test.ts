import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/persistence/stores/MemoryStore.js';
import { makeMeta } from '../makeEnvelope.js';
import { describeLeaseStore, manualClock } from './describeLeaseStore.js';
import { describeSnapshotStore } from './describeSnapshotStore.js';

describeSnapshotStore('MemoryStore', () => ({ store: new MemoryStore(), cleanup() {} }));

describeLeaseStore('MemoryStore', () => {
  const clock = manualClock();
  return { store: new MemoryStore({ now: clock.now }), advance: clock.advance, cleanup() {} };
});

describe('MemoryStore', () => {
  it('is not atomic: atomicWith runs just before the write', async () => {
    const store = new MemoryStore();
    expect(store.atomic).toBe(false);
    let duringBatch: Promise<unknown> | undefined;
    await store.save('job-1', new Uint8Array([1]), makeMeta(), {
      atomicWith: () => {
        duringBatch = store.load('job-1');
      },
    });
    expect(await duringBatch).toBeUndefined();
    expect(await store.load('job-1')).toBeDefined();
  });

  it('does not share the record’s input with the caller', async () => {
    const store = new MemoryStore();
    const input = { tags: ['a'] };
    await store.save('job-1', new Uint8Array([1]), makeMeta({ input }));
    input.tags.push('b');
    const { record } = (await store.load('job-1'))!;
    expect(record.input).toEqual({ tags: ['a'] });
    (record.input as { tags: string[] }).tags.push('c');
    expect((await store.load('job-1'))!.record.input).toEqual({ tags: ['a'] });
  });
});
