import { type createActor, sendTo, setup } from 'xstate';
import type { JobMachineOutput, provideRuntime } from '../../../src/index.js';

/** What a batch job's parent keeps: the job machine's output. */
export type BatchOut = JobMachineOutput<{ next: number }>;
type AnyActor = ReturnType<typeof createActor>;

/**
 * An app that runs a batch job as its child `job` (id `jobId`, input `input`), forwards `PAUSE_JOB` and
 * `RESUME_JOB` to it, and keeps its result: the parent of the embedding tests.
 */
export function batchParent(
  machine: ReturnType<typeof provideRuntime>['machine'],
  jobId: string,
  input: unknown,
) {
  return setup({
    types: {} as {
      context: { result: BatchOut | null };
      events: { type: 'PAUSE_JOB' } | { type: 'RESUME_JOB' };
    },
    actors: { job: machine },
  }).createMachine({
    id: 'app',
    initial: 'working',
    context: { result: null },
    states: {
      working: {
        invoke: {
          id: 'job',
          src: 'job',
          input: { jobId, input },
          onDone: {
            target: 'finished',
            actions: ({ context, event }) => {
              context.result = event.output as BatchOut;
            },
          },
        },
        on: {
          PAUSE_JOB: { actions: sendTo('job', { type: 'PAUSE' }) },
          RESUME_JOB: { actions: sendTo('job', { type: 'RESUME' }) },
        },
      },
      finished: { type: 'final' },
    },
  });
}

/** The parent's job actor. */
export const jobOf = (app: AnyActor) =>
  app.getSnapshot().children.job as { getSnapshot(): { value: unknown; status: string; children: object } };

/** Resolves once `test()` holds, checked once per turn of the event loop. */
export async function until(test: () => boolean): Promise<void> {
  while (!test()) await new Promise((resolve) => setImmediate(resolve));
}

/** The parent's result, once it is done. */
export async function resultOf(app: AnyActor): Promise<BatchOut> {
  await until(() => app.getSnapshot().status === 'done');
  return (app.getSnapshot().context as { result: BatchOut }).result;
}
