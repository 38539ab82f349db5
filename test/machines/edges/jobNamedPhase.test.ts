import { describe, expect, it } from 'vitest';
import { Continue, compileJob, defineJob, group, phase, runJob, toMermaid } from '../../../src/index.js';

describe('state ids', () => {
  it('let a phase and a group bear their job’s name', async () => {
    const job = defineJob({
      name: 'delete',
      version: 1,
      initialState: () => ({ ran: [] as string[] }),
      phases: [
        phase({
          name: 'validate',
          async execute(ctx) {
            ctx.state.ran.push('validate');
            return Continue;
          },
        }),
        phase({
          name: 'delete',
          async execute(ctx) {
            ctx.state.ran.push('delete');
            return Continue;
          },
        }),
      ],
    });
    expect(() => compileJob(job)).not.toThrow();
    const result = await runJob(job, {}).result;
    expect(result.status).toBe('completed');
    expect(result.output).toEqual({ ran: ['validate', 'delete'] });
    expect(toMermaid(job)).toContain('delete');

    const grouped = defineJob({
      name: 'sync',
      version: 1,
      initialState: () => ({}),
      phases: [group('sync', [phase({ name: 'completedish', execute: async () => Continue })])],
    });
    expect((await runJob(grouped, {}).result).status).toBe('completed');
  });
});
