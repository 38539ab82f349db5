import { describe, expect, it } from 'vitest';
import {
  Continue,
  decodeEnvelope,
  defineJob,
  MemoryStore,
  phase,
  resumeJob,
  runJob,
} from '../../../src/index.js';

describe('the final checkpoint', () => {
  it('stores an ended job’s output once, and gives it back whole on resume', async () => {
    const big = 'x'.repeat(200_000);
    const job = defineJob({
      name: 'big',
      version: 1,
      initialState: () => ({ text: '' }),
      output: (s: { text: string }) => ({ text: s.text, length: s.text.length }),
      phases: [
        phase({
          name: 'make',
          async execute(ctx) {
            ctx.state.text = big;
            return Continue;
          },
        }),
      ],
    });
    const store = new MemoryStore();
    const result = await runJob(job, {}, { store, jobId: 'f1' }).result;
    expect(result.output).toEqual({ text: big, length: big.length });
    const stored = await store.load('f1');
    // The state holds the text once and the output once: not a third time in the machine's own output.
    expect(stored!.bytes.byteLength).toBeLessThan(2 * big.length + 10_000);
    const envelope = decodeEnvelope(stored!.bytes, { name: 'big', version: 1 });
    expect((envelope.machine as { output: { output: unknown } }).output.output).toEqual({
      text: big,
      length: big.length,
    });
    const again = await resumeJob(job, 'f1', { store });
    expect((await again.result).output).toEqual({ text: big, length: big.length });
  });
});
