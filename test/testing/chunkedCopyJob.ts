import fs from 'node:fs';
import { Continue, defineJob, phase } from '../../src/index.js';

/**
 * A copy of one large file in chunks, its offset checkpointed after each. `restartsFromZero: true` is the
 * mutation crash points must catch: after a resume it writes the file again from byte 0 — the result is the
 * same file, and the job still claims it rewrote nothing (`rewritten` is the job's own figure).
 */
export function chunkedCopyJob(restartsFromZero: boolean) {
  return defineJob<
    { offset: number; rewritten: number },
    { src: string; dst: string; chunk: number },
    unknown,
    { rewritten: number }
  >({
    name: 'chunked-copy',
    version: 1,
    initialState: () => ({ offset: 0, rewritten: 0 }),
    phases: [
      phase({
        name: 'copy',
        async execute(ctx) {
          const { src, dst, chunk } = ctx.input;
          const size = fs.statSync(src).size;
          const from = restartsFromZero ? 0 : ctx.state.offset;
          const input = fs.openSync(src, 'r');
          const output = fs.openSync(dst, from === 0 ? 'w' : 'r+');
          try {
            const buffer = Buffer.alloc(chunk);
            for (let offset = from; offset < size; ) {
              const n = fs.readSync(input, buffer, 0, Math.min(chunk, size - offset), offset);
              fs.writeSync(output, buffer, 0, n, offset);
              offset += n;
              ctx.state.offset = offset;
              await ctx.checkpoint();
            }
          } finally {
            fs.closeSync(input);
            fs.closeSync(output);
          }
          return Continue;
        },
      }),
    ],
    output: (state) => ({ rewritten: state.rewritten }),
  });
}
