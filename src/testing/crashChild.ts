/**
 * The child processes of `runCrashPoints`' child-process mode: `node crashChild.js MODULE MODE WRITE MOMENT
 * JOBID OPTIONS`. Each imports MODULE (exporting `job`, `input` and `reopen()`: the trial's world opened on the
 * data the parent prepared).
 *
 * - `crash`: runs the job through a `CrashingStore` that crashes at write WRITE, moment MOMENT, and at that
 *   instant kills itself with SIGKILL: a real death, the data left as the kernel has it. It tells the parent
 *   (IPC) how many bytes it wrote before. A run that ends first exits 0 saying so.
 * - `resume`: the restarted process. Resumes the job from the data (or starts it, when the crash came before
 *   its first write), and sends the parent how it ended (`CrashOutcome`, its `effects()` read here) and the
 *   bytes it wrote.
 */
import { pathToFileURL } from 'node:url';
import { resumeJob } from '../machines/resumeJob.js';
import { runJob } from '../machines/runJob.js';
import type { CrashMoment } from './CrashPoint.js';
import { CrashingStore } from './CrashingStore.js';
import type { CrashChildModule } from './CrashTrial.js';
import { outcomeOf } from './outcomeOf.js';
import { processWrites } from './processWrites.js';

async function main(): Promise<void> {
  const [modulePath, mode, write, moment, jobId, optionsJson] = process.argv.slice(2);
  const mod = (await import(pathToFileURL(modulePath).href)) as CrashChildModule;
  const trial = await mod.reopen();
  if (mode === 'resume') {
    const options = {
      minCheckpointIntervalMs: 0,
      ...(JSON.parse(optionsJson ?? '{}') as object),
      store: trial.store,
      ...(trial.deps !== undefined ? { deps: trial.deps } : {}),
      jobId,
    };
    const before = processWrites();
    const run = (await trial.store.load(jobId))
      ? await resumeJob(mod.job, jobId, options)
      : runJob(mod.job, mod.input, options);
    const result = await run.result;
    const outcome = await outcomeOf(run, result, trial);
    const writes = before === undefined ? undefined : processWrites()! - before;
    await trial.close?.();
    process.send?.({ type: 'outcome', outcome, writes }, () => process.exit(0));
    return;
  }
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
