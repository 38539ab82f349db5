import { describe, expect, it, vi } from 'vitest';
import { Continue, defineJob, MemoryStore, phase, runJob } from '../../src/index.js';
import { encodeBody } from '../../src/persistence/encodeBody.js';

describe('an ended job', () => {
  it("leaves no list memo behind: its last checkpoint's list is not what the next write of its id starts from", async () => {
    const def = defineJob({
      name: 'forget-lists',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({ name: 'a', execute: async () => Continue }),
        phase({ name: 'b', execute: async () => Continue }),
      ],
    });
    const run = runJob(def, {}, { store: new MemoryStore() });
    const result = await run.result;
    expect(result.status).toBe('completed');
    // The history the last checkpoint wrote. With the job's memo kept, its entries (frozen, not shared) would be
    // copied from it; with the memo gone, each is looked at again (isFrozenData reads its descriptors).
    const history = run.context.history;
    const looked = vi.spyOn(Object, 'getOwnPropertyDescriptor');
    try {
      encodeBody({ jobId: run.id, machine: { context: { history, errors: run.context.errors } } });
      expect(looked).toHaveBeenCalled();
    } finally {
      looked.mockRestore();
    }
  });
});
