import { Encoder, encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { crc32 } from '../../src/persistence/crc32.js';
import { ENVELOPE_FORMAT } from '../../src/persistence/Envelope.js';
import { encodeBody } from '../../src/persistence/encodeBody.js';
import { encodeEnvelope } from '../../src/persistence/encodeEnvelope.js';
import { markShared } from '../../src/persistence/sharedValues.js';
import { stateCodec } from '../../src/persistence/stateCodec.js';
import { makeEnvelope } from './makeEnvelope.js';

/** How phasekit/1 bodies were written before the cache: one encoder over the whole body. */
const reference = new Encoder({ ignoreUndefined: true, extensionCodec: stateCodec, maxDepth: 1000 });
const referenceBody = (body: unknown) => reference.encode(body);

const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
};

const entry = fc.record({
  phase: fc.string(),
  status: fc.constantFrom('pending', 'running', 'completed'),
  startedAt: fc.option(fc.integer({ min: 0, max: 2 ** 42 })),
  completedAt: fc.option(fc.double()),
  attempts: fc.nat(),
  error: fc.option(
    fc.record(
      {
        kind: fc.constant('nonFatal'),
        message: fc.string(),
        at: fc.integer(),
        details: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.constant(undefined))),
      },
      { requiredKeys: ['kind', 'message', 'at'] },
    ),
  ),
});

/** A body shaped like a checkpoint's: machine.context holding lists, some of them frozen, some not. */
const body = fc
  .record({
    state: fc.oneof(
      fc.jsonValue(),
      // What the codec keeps beyond JSON, strings of any code units (lone surrogates too), any numbers.
      fc.anything({
        withDate: true,
        withMap: true,
        withSet: true,
        withBigInt: true,
        withTypedArray: true,
        withSparseArray: true,
        withNullPrototype: true,
        stringUnit: 'binary',
        values: [
          fc.double(),
          fc.integer(),
          fc.maxSafeInteger(),
          fc.string({ unit: 'binary' }),
          // ASCII strings of every header size, at the edges.
          fc.string({ unit: 'binary-ascii', maxLength: 300 }),
          fc.constantFrom(31, 32, 255, 256, 65535, 65536).map((n) => 'a'.repeat(n)),
          // Around the one-byte limit of UTF-8, and a lone surrogate, in strings of every header size.
          fc.string({
            unit: fc.constantFrom(
              'a',
              '\u007f',
              '\u0080',
              '\u00e9',
              '\u00ff',
              '\u0100',
              '\u20ac',
              '\ud800',
              '\u{1f600}',
            ),
            maxLength: 300,
          }),
        ],
      }),
    ),
    input: fc.jsonValue(),
    history: fc.array(fc.tuple(entry, fc.boolean()), { maxLength: 40 }),
    errors: fc.array(fc.tuple(entry, fc.boolean()), { maxLength: 20 }),
    extra: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 20 }),
    date: fc.boolean(),
  })
  .map(({ state, input, history, errors, extra, date }) => ({
    format: ENVELOPE_FORMAT,
    job: deepFreeze({ name: 'j', version: 1, phases: history.map(([e]) => e.phase) }),
    jobId: 'id',
    input,
    machine: {
      status: 'active',
      value: { p: 'running' },
      context: {
        ...extra,
        history: history.map(([e, frozen]) => (frozen ? deepFreeze(e) : e)),
        errors: errors.map(([e, frozen]) => (frozen ? deepFreeze(e) : e)),
        maybe: undefined,
        ...(date ? { when: Object.freeze(new Date(5)) } : {}),
      },
    },
    state,
    history: undefined,
    createdAt: 7,
  }));

/** Where two byte strings first differ (-1: they are equal): short failures, not a diff of every byte. */
const firstDifference = (a: Uint8Array, b: Uint8Array) => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
};
const expectSame = (actual: Uint8Array, expected: Uint8Array) =>
  expect({ at: firstDifference(actual, expected), length: actual.length }).toEqual({
    at: -1,
    length: expected.length,
  });

describe('encodeBody', () => {
  it('writes exactly the bytes of one encoder over the whole body, cached parts included (property)', () => {
    fc.assert(
      fc.property(body, (b) => {
        let expected: Uint8Array;
        try {
          expected = referenceBody(b);
        } catch {
          // What one encoder refuses (an own __proto__ key in a record) is refused here too.
          expect(() => encodeBody(b)).toThrow();
          return;
        }
        expectSame(encodeBody(b), expected);
        // Again, now that frozen entries come from the cache.
        expectSame(encodeBody(b), expected);
      }),
      { numRuns: 300 },
    );
  });

  it('writes a whole envelope exactly as phasekit/1 was written (property over states)', () => {
    const history = [
      deepFreeze({
        phase: 'scan',
        status: 'completed' as const,
        startedAt: 1,
        completedAt: 2,
        attempts: 1,
        error: null,
      }),
      {
        phase: 'hash',
        status: 'running' as const,
        startedAt: 2,
        completedAt: null,
        attempts: 1,
        error: null,
      },
    ];
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (state, createdAt) => {
        const errors: never[] = [];
        const envelope = makeEnvelope({
          state,
          createdAt,
          history,
          machine: { status: 'active', value: { hash: 'running' }, context: { history, errors } },
          errors,
        });
        let oldBytes: Uint8Array;
        try {
          const oldBody = referenceBody({ ...envelope, history: undefined, errors: undefined });
          oldBytes = encode({ format: ENVELOPE_FORMAT, crc32: crc32(oldBody), body: oldBody });
        } catch {
          // A state the old encoder refuses (an own `__proto__` key) must be refused by the new one too.
          expect(() => encodeEnvelope(envelope)).toThrow();
          return;
        }
        expectSame(encodeEnvelope(envelope), oldBytes);
      }),
      { numRuns: 200 },
    );
  });

  it('writes large bodies (16- and 32-bit lengths) exactly as before', () => {
    const history = Array.from({ length: 70_000 }, (_, i) =>
      deepFreeze({
        phase: `p${i}`,
        status: 'pending' as const,
        startedAt: null,
        completedAt: null,
        attempts: 0,
        error: null,
      }),
    );
    const errors: never[] = [];
    const envelope = makeEnvelope({
      machine: { status: 'active', value: {}, context: { history, errors } },
      history,
      errors,
    });
    const oldBody = referenceBody({ ...envelope, history: undefined, errors: undefined });
    const oldBytes = encode({ format: ENVELOPE_FORMAT, crc32: crc32(oldBody), body: oldBody });
    expectSame(encodeEnvelope(envelope), oldBytes);
  });

  it('writes a list that changes from checkpoint to checkpoint exactly as one encoder would (property)', () => {
    type Op = { at: number; kind: 'frozen' | 'loose' | 'mutate' | 'push' | 'pop' | 'same'; n: number };
    const op: fc.Arbitrary<Op> = fc.record({
      at: fc.nat(),
      kind: fc.constantFrom('frozen', 'loose', 'mutate', 'push', 'pop', 'same'),
      n: fc.integer({ min: -3, max: 300 }),
    });
    const item = (i: number, n: number) => ({ phase: `p${i}`, status: 'running', attempts: n, error: null });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.array(op, { maxLength: 30 }), (size, ops) => {
        // One job id for the whole sequence: each encode may reuse the bytes of the one before.
        const jobId = `job-${size}-${ops.length}`;
        let list: Record<string, unknown>[] = Array.from({ length: size }, (_, i) => deepFreeze(item(i, 0)));
        for (const { at, kind, n } of ops) {
          const i = list.length === 0 ? 0 : at % list.length;
          list = list.slice();
          if (kind === 'frozen' && list.length) list[i] = deepFreeze(item(i, n));
          if (kind === 'loose' && list.length) list[i] = item(i, n);
          if (kind === 'mutate' && list.length && !Object.isFrozen(list[i])) list[i].attempts = n;
          if (kind === 'push') list.push(n % 2 ? deepFreeze(item(list.length, n)) : item(list.length, n));
          if (kind === 'pop') list.pop();
          const b = { jobId, machine: { status: 'active', context: { history: list, errors: list } } };
          expectSame(encodeBody(b), referenceBody(b));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("writes shared items from the cache in another job's list, and only those", () => {
    const entries = (tag: string) =>
      Array.from({ length: 6 }, (_, i) =>
        deepFreeze({ phase: `${tag}${i}`, status: 'pending', startedAt: null, attempts: 0, error: null }),
      );
    // The pending entries every run of a job starts with are the same frozen objects, marked shared (compileJob).
    const pending = entries('p');
    markShared(pending);
    const fresh = entries('f');
    const first = (jobId: string, list: object[]) => ({
      jobId,
      machine: { context: { history: list.slice() } },
    });
    encodeBody(first('shared-a', pending));
    encodeBody(first('shared-a2', fresh));
    // Cached bytes are written as they are: the entries are not looked at again (isFrozenData reads each
    // property's descriptor).
    const looked = vi.spyOn(Object, 'getOwnPropertyDescriptor');
    try {
      const bytes = encodeBody(first('shared-b', pending));
      expect(looked).not.toHaveBeenCalled();
      expectSame(bytes, referenceBody(first('shared-b', pending)));
      // Items not marked keep their bytes in their own job's memo only: another job looks at them again.
      expectSame(encodeBody(first('shared-b2', fresh)), referenceBody(first('shared-b2', fresh)));
      expect(looked).toHaveBeenCalled();
    } finally {
      looked.mockRestore();
    }
  });

  it('never serves stale bytes: an unfrozen entry is encoded as it is now', () => {
    const e = { phase: 'scan', status: 'running', attempts: 1 };
    const b = { machine: { context: { history: [e] } } };
    encodeBody(b);
    e.status = 'completed';
    expectSame(encodeBody(b), referenceBody(b));
  });

  it('leaves out keys an object inherits, as the encoder does (an enumerable key on Object.prototype)', () => {
    const b = {
      machine: { status: 'active', context: { history: [{ phase: 'p' }], extra: { a: 1 } } },
      state: { n: 1, deep: { list: [{ x: 1 }] } },
    };
    const expected = referenceBody(b);
    (Object.prototype as any).polluted = 'yes';
    try {
      expectSame(encodeBody(b), expected);
    } finally {
      delete (Object.prototype as any).polluted;
    }
  });

  it('refuses what the single encoder refuses, at the same depth', () => {
    let nested: unknown = 1;
    for (let i = 0; i < 996; i++) nested = [nested];
    // An item of machine.context.history sits at level 5: 996 arrays deep, its leaf is at level 1001.
    expect(() => referenceBody({ machine: { context: { history: [nested] } } })).toThrow(/Too deep/);
    expect(() => encodeBody({ machine: { context: { history: [nested] } } })).toThrow(/Too deep/);
    const shallower = (nested as unknown[])[0];
    expectSame(
      encodeBody({ machine: { context: { history: [shallower] } } }),
      referenceBody({ machine: { context: { history: [shallower] } } }),
    );
    expect(() => encodeBody({ machine: { context: { history: [() => 1] } } })).toThrow();
  });
});
