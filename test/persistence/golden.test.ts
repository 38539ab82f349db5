import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, MemoryStore, resumeJob } from '../../src/index.js';
import { TestClock } from '../../src/testing/index.js';
import { goldenJob, hooks } from '../fixtures/goldenJob.js';

/** Golden phasekit/1 checkpoints: a format change that cannot read them breaks stored jobs. */
const golden = (name: string) =>
  new Uint8Array(fs.readFileSync(new URL(`../fixtures/golden/${name}.ckpt`, import.meta.url)));

async function restore(name: string, clock = new TestClock(1_780_000_100_000)) {
  const bytes = golden(name);
  const envelope = decodeEnvelope<import('../fixtures/goldenJob.js').GoldenState>(bytes, {
    name: 'golden',
    version: 1,
  });
  const store = new MemoryStore();
  await store.save(envelope.jobId, bytes, {
    name: 'golden',
    version: 1,
    status: 'running',
    phase: null,
    percent: 0,
    errorsCount: 0,
    updatedAt: 0,
  });
  hooks.onItem = undefined;
  hooks.failed = true;
  return { envelope, run: await resumeJob(goldenJob, envelope.jobId, { store, clock }), clock };
}

describe('golden phasekit/1 checkpoints restore', () => {
  it('paused in the middle of a phase: resumes at the saved cursor', async () => {
    const { envelope, run } = await restore('paused-mid-phase');
    expect(envelope.format).toBe('phasekit/1');
    expect(envelope.state).toMatchObject({ cursor: 4, items: ['item-0', 'item-1', 'item-2', 'item-3'] });
    expect(envelope.state.blob).toBeInstanceOf(Uint8Array);
    const result = await run.result;
    expect(result.status).toBe('completed');
    expect(result.output).toEqual({ items: 5, notes: { flaky: 1, total: 5 }, blob: [1, 2, 3] });
    expect(result.history.map((h) => [h.phase, h.status, h.attempts])).toEqual([
      ['collect', 'completed', 1],
      ['flaky', 'completed', 1],
      ['summarize', 'completed', 1],
    ]);
  });

  it('waiting for a retry: keeps the absolute deadline', async () => {
    const { run, clock, envelope } = await restore('retrying', new TestClock(1_780_000_030_000));
    expect(run.position).toEqual({ phase: 'flaky', step: 'retrying' });
    expect(run.context.retryAt).toBe((envelope.history[1].completedAt ?? envelope.createdAt) + 60_000);
    await clock.advance(60_000);
    const result = await run.result;
    expect(result.status).toBe('completed');
    expect(result.history[1]).toMatchObject({ status: 'completed', attempts: 2 });
  });

  it('completed: gives the result back without running anything', async () => {
    const { run } = await restore('completed');
    const result = await run.result;
    expect(result.status).toBe('completed');
    expect(result.output).toMatchObject({ items: 2 });
  });
});
