import { Decoder, Encoder } from '@msgpack/msgpack';
import fc from 'fast-check';
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

  it('keeps the input as a MessagePack round trip gives it back (property)', async () => {
    const roundTrip = (v: unknown) => new Decoder().decode(new Encoder({ ignoreUndefined: true }).encode(v));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          // Beyond plain data: dates, maps, typed arrays, lone surrogates, undefined in arrays and objects.
          fc.anything({
            withDate: true,
            withMap: true,
            withSet: true,
            withTypedArray: true,
            withBigInt: true,
            stringUnit: 'binary',
            maxDepth: 4,
          }),
        ),
        async (input) => {
          let expected: unknown;
          try {
            expected = roundTrip(input);
          } catch {
            return; // what the codec refuses, the store refuses too (its own test)
          }
          const store = new MemoryStore();
          await store.save('job-1', new Uint8Array([1]), makeMeta({ input }));
          const [record] = await store.list();
          // An undefined input is no input: the record leaves it out.
          expect(record.input).toStrictEqual(input === undefined ? undefined : expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps lone surrogates and drops undefined values exactly as the codec does', async () => {
    const roundTrip = (v: unknown) => new Decoder().decode(new Encoder({ ignoreUndefined: true }).encode(v));
    const store = new MemoryStore();
    // The codec keeps a lone surrogate in a short string and writes U+FFFD for it in a long one.
    const input = { s: 'a\ud800b', long: `${'x'.repeat(300)}\udc00`, u: undefined, l: [1, 2] };
    await store.save('job-1', new Uint8Array([1]), makeMeta({ input }));
    const kept = (await store.load('job-1'))!.record.input;
    expect(kept).toStrictEqual(roundTrip(input));
    expect(kept).not.toHaveProperty('u');
    // Plain data but for an undefined item: the item becomes null.
    await store.save('job-2', new Uint8Array([1]), makeMeta({ input: { l: [1, undefined], z: -0 } }));
    expect((await store.load('job-2'))!.record.input).toStrictEqual({ l: [1, null], z: 0 });
  });

  it('keeps each checkpoint exactly, shorter or longer than the last, apart from copies handed out before', async () => {
    const store = new MemoryStore();
    const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
    await store.save('job-1', bytes(1000, 1), makeMeta());
    const first = (await store.load('job-1'))!.bytes;
    await store.save('job-1', bytes(10, 2), makeMeta());
    expect((await store.load('job-1'))!.bytes).toStrictEqual(bytes(10, 2));
    await store.save('job-1', bytes(1100, 3), makeMeta());
    expect((await store.load('job-1'))!.bytes).toStrictEqual(bytes(1100, 3));
    // A save the caller changes afterwards, and a load changed by its caller, leave the store's alone.
    const mine = bytes(900, 4);
    await store.save('job-1', mine, makeMeta());
    mine.fill(9);
    (await store.load('job-1'))!.bytes.fill(8);
    expect((await store.load('job-1'))!.bytes).toStrictEqual(bytes(900, 4));
    expect(first).toStrictEqual(bytes(1000, 1));
    // A save refused by its atomicWith leaves the last checkpoint as it was.
    await expect(
      store.save('job-1', bytes(900, 5), makeMeta(), {
        atomicWith: () => {
          throw new Error('no');
        },
      }),
    ).rejects.toThrow('no');
    expect((await store.load('job-1'))!.bytes).toStrictEqual(bytes(900, 4));
  });
});
