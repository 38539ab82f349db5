import { Encoder } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { encodeBody } from '../../../src/persistence/encodeBody.js';
import { stateCodec } from '../../../src/persistence/stateCodec.js';

/** phasekit/1 bodies before the cache: one encoder over the whole body. */
const reference = new Encoder({ ignoreUndefined: true, extensionCodec: stateCodec, maxDepth: 1000 });
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * Frozen is not for ever when a property is a getter: a frozen object's accessor may answer differently at the
 * next checkpoint. Its bytes must be those of now, as one encoder (which reads the getter) writes them.
 */
describe('a frozen value with a getter', () => {
  it('is encoded as it reads now, in the state and in a history list, checkpoint after checkpoint', () => {
    let count = 1;
    const live = Object.freeze({
      get count() {
        return count;
      },
    });
    const body = { jobId: 'getter', machine: { context: { history: [live], errors: [] } }, state: live };
    expect(hex(encodeBody(body))).toBe(hex(reference.encode(body)));
    count = 2;
    expect(hex(encodeBody(body))).toBe(hex(reference.encode(body)));
  });

  it('is encoded as it reads now when the getter is an array index, deep in frozen data', () => {
    let cursor = 'a';
    const list: unknown[] = [];
    Object.defineProperty(list, 0, { get: () => cursor, enumerable: true });
    const entry = Object.freeze({ phase: 'p', details: Object.freeze({ list: Object.freeze(list) }) });
    const body = { jobId: 'index-getter', machine: { context: { history: [entry] } }, state: entry };
    expect(hex(encodeBody(body))).toBe(hex(reference.encode(body)));
    cursor = 'b';
    expect(hex(encodeBody(body))).toBe(hex(reference.encode(body)));
  });
});
