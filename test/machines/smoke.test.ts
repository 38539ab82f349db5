import { describe, expect, it } from 'vitest';
import { Continue, defineJob, phase, runJob, resumeJob, skipTo, Complete, NonFatalError } from '../../src/index.js';
import { MemoryStore } from '../../src/persistence/stores/MemoryStore.js';

describe('smoke', () => {
  it('runs three phases', async () => {
    const seen: string[] = [];
    const job = defineJob({
      name: 'smoke',
      version: 1,
      initialState: () => ({ n: 0 }),
      phases: [
        phase({ name: 'a', async execute(ctx) { seen.push('a'); ctx.state.n++; return Continue; } }),
        phase({ name: 'b', skipsTo: ['d'], async execute(ctx) { seen.push('b'); ctx.state.n++; return skipTo('d'); } }),
        phase({ name: 'c', async execute() { seen.push('c'); return Continue; } }),
        phase({ name: 'd', async execute(ctx) { seen.push('d'); throw new NonFatalError('meh'); } }),
      ],
      output: (s: { n: number }) => s.n,
    });
    const store = new MemoryStore();
    const run = runJob(job, {}, { store });
    const events: string[] = [];
    run.events$.subscribe((e) => events.push(e.type + (('phase' in e && e.phase) ? ':' + e.phase : '')));
    const result = await run.result;
    expect(seen).toEqual(['a', 'b', 'd']);
    expect(result.status).toBe('completed');
    expect(result.output).toBe(2);
    expect(result.history.map((h) => h.status)).toEqual(['completed', 'completed', 'skipped', 'completed']);
    expect(result.errors).toHaveLength(1);
    console.log(events);
    const again = await resumeJob(job, run.id, { store });
    expect((await again.result).status).toBe('completed');
  });
});
