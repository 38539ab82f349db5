import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runInForeground } from '../../src/cli/runInForeground.js';
import { Continue, defineJob, MemoryStore, phase, runJob } from '../../src/index.js';
import { deferred } from '../machines/helpers.js';

describe('runInForeground when the reader of its output goes away', () => {
  it('an EPIPE pauses the job at its next interrupt check, writes nothing more, and exits 130', async () => {
    const started = deferred();
    const gate = deferred();
    const job = defineJob({
      name: 'gated',
      version: 1,
      initialState: () => ({ step: 0 }),
      phases: [
        phase({
          name: 'work',
          async execute(ctx) {
            for (; ctx.state.step < 3; ctx.state.step++) {
              if (ctx.state.step === 1) {
                started.resolve();
                await gate.promise;
              }
              ctx.checkInterrupt();
            }
            return Continue;
          },
        }),
      ],
    });
    const store = new MemoryStore();
    const run = runJob(job, {}, { store });
    const out = new PassThrough() as unknown as NodeJS.WriteStream;
    let written = '';
    (out as unknown as PassThrough).on('data', (d) => (written += d));
    const code = runInForeground(run, {
      json: true,
      resumeCommand: 'phasekit resume x',
      summary: () => '',
      out,
    });
    await started.promise;
    const before = written.length;
    out.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    gate.resolve();
    expect(await code).toBe(130);
    expect(written.length).toBe(before);
    const [record] = await store.list();
    expect(record).toMatchObject({ id: run.id, status: 'paused' });
  });
});
