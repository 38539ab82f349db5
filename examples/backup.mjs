// The README's example, as a file: node examples/backup.mjs (after npm install).
import fs from 'node:fs/promises';
import { Continue, SqliteStore, defineJob, phase, runJob } from 'phasekit';

const copyAll = phase({
  name: 'copy',
  async execute(ctx) {
    const { files, to } = ctx.input;
    for (; ctx.state.next < files.length; ctx.state.next++) {
      ctx.checkInterrupt(); // honours pause and cancel
      await fs.copyFile(files[ctx.state.next], `${to}/${ctx.state.next}.bak`);
      ctx.atomicOperationComplete(ctx.state.next + 1, files.length);
      await ctx.checkpoint(); // throttled; a resumed job starts from here
    }
    return Continue;
  },
});
const backup = defineJob({
  name: 'backup',
  version: 1,
  phases: [copyAll],
  initialState: () => ({ next: 0 }),
});

const run = runJob(
  backup,
  { files: ['package.json', 'README.md'], to: '/tmp' },
  { store: new SqliteStore('/tmp/jobs.db') },
);
run.progress$.subscribe((p) => console.log(p.phase, `${p.overallPercent.toFixed(0)}%`));
console.log(await run.result); // { status: 'completed', output, history, errors }
