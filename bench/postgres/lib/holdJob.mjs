import { Continue, defineJob, phase } from '../../../dist/index.js';

/** A job whose one phase checkpoints, then waits until its signal aborts (its run stopped or lost). */
export const holdJob = defineJob({
  name: 'hold',
  version: 1,
  initialState: () => ({}),
  output: () => null,
  phases: [
    phase({
      name: 'hold',
      async execute(ctx) {
        await ctx.checkpoint({ force: true });
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
        return Continue;
      },
    }),
  ],
});
