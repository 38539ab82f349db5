/**
 * The child process of `runCrashPoints`' child-process mode: `node crashChild.js MODULE WRITE MOMENT JOBID
 * OPTIONS`. It imports MODULE (exporting `job`, `input` and `reopen()`: the trial's world opened on the data
 * the parent prepared), runs the job through a `CrashingStore` that crashes at write WRITE, moment MOMENT, and
 * at that instant kills itself with SIGKILL: a real death, the data left as the kernel has it. It tells the
 * parent (IPC) how many bytes it wrote before. A run that ends first exits 0 saying so.
 */
import { pathToFileURL } from 'node:url';
import { runJob } from '../machines/runJob.js';
import type { CrashMoment } from './CrashPoint.js';
import { CrashingStore } from './CrashingStore.js';
import type { CrashChildModule } from './CrashTrial.js';
import { processWrites } from './processWrites.js';

async function main(): Promise<void> {
  const [modulePath, write, moment, jobId, optionsJson] = process.argv.slice(2);
  const mod = (await import(pathToFileURL(modulePath).href)) as CrashChildModule;
  const trial = await mod.reopen();
  const store = new CrashingStore(trial.store, {
    crashAt: { write: Number(write), moment: moment as CrashMoment },
    ...(trial.freeze ? { freeze: () => trial.freeze!() } : {}),
  });
  const before = processWrites();
  const run = runJob(mod.job, mod.input, {
    minCheckpointIntervalMs: 0,
    ...(JSON.parse(optionsJson ?? '{}') as object),
    store,
    ...(trial.deps !== undefined ? { deps: trial.deps } : {}),
    jobId,
  });
  const crashed = await Promise.race([store.crashed.then(() => true), run.result.then(() => false)]);
  const writes = before === undefined ? undefined : processWrites()! - before;
  if (!crashed) {
    process.send?.({ type: 'ended', writes });
    process.exit(0);
  }
  // Synchronous IPC is not available: wait for the message to be flushed, then die at once.
  process.send?.({ type: 'crashing', writes }, () => process.kill(process.pid, 'SIGKILL'));
  if (!process.send) process.kill(process.pid, 'SIGKILL');
}

main().catch((error) => {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(2);
});
