import { phase } from '../../../phases/phase.js';
import { CopyRun } from '../CopyRun.js';
import { cleanUpJob } from '../cleanUpJob.js';
import type { CopyDeps, CopyInput, CopyState } from '../types.js';

/**
 * Carry out the plan from the cursor ({@link CopyRun}). Small files go a batch at a time (up to `batchSize`
 * files and `chunkSize` bytes): each is written under its temporary name, one filesystem flush makes the
 * batch's data durable, each copy takes its final name with a no-clobber link (a path that appeared since the
 * plan is a conflict for the policy, never "already copied"), the directories are flushed, a move removes the
 * sources whose own copies are in place, and the cursor is checkpointed; then the temporary names (the
 * witnesses that let a resumed run recognise its own copies) are removed. A large file goes in chunks, its
 * offset checkpointed after each. A full destination (ENOSPC, EDQUOT) pauses the job at the item that did not
 * fit. Pause is honoured only at checkpoints, where what is on disk is what the checkpoint says; a cancel (or a
 * failure that ends the job) removes the temporary files and the plan, and gives the directories it made their
 * sources' modes and times ({@link cleanUpJob}).
 */
export const copying = phase<CopyState, CopyInput, CopyDeps>({
  name: 'copying',
  weight: 20,
  async execute(ctx) {
    return new CopyRun(ctx).run();
  },
  async onFailure(ctx) {
    cleanUpJob(ctx);
  },
});
