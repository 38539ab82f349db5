// The compiled machine is a short named type with typed input, output and events: embedding needs no cast.
import { expectTypeOf } from 'vitest';
import { assign, createActor, type EventFrom, type InputFrom, type OutputFrom, sendTo, setup } from 'xstate';
import {
  Continue,
  compileJob,
  defineJob,
  type JobControlEvent,
  type JobMachine,
  type JobMachineEvent,
  type JobMachineInput,
  type JobMachineOutput,
  MemoryStore,
  provideRuntime,
} from '../../src/index.js';

const job = defineJob({
  name: 'embedded',
  version: 1,
  initialState: (_input: { items: string[] }) => ({ cursor: 0, done: [] as string[] }),
  phases: (phase) => [
    phase({
      name: 'process',
      async execute() {
        return Continue;
      },
    }),
  ],
  output: (state) => ({ processed: state.done }),
});
type Output = { processed: string[] };

const compiled = compileJob(job);
expectTypeOf(compiled).toEqualTypeOf<JobMachine<{ items: string[] }, Output>>();
expectTypeOf<EventFrom<typeof compiled>>().toEqualTypeOf<JobMachineEvent>();
expectTypeOf<JobControlEvent['type']>().toEqualTypeOf<'PAUSE' | 'RESUME' | 'CANCEL'>();
expectTypeOf<InputFrom<typeof compiled>>().toEqualTypeOf<JobMachineInput<{ items: string[] }>>();
expectTypeOf<OutputFrom<typeof compiled>>().toEqualTypeOf<JobMachineOutput<Output>>();

const input = { items: ['a'] };
const { machine } = provideRuntime(job, { jobId: 'e1', input, store: new MemoryStore() });
expectTypeOf(machine).toEqualTypeOf<JobMachine<{ items: string[] }, Output>>();

const actor = createActor(machine, { input: { jobId: 'e1', input } });
actor.send({ type: 'PAUSE' });
actor.send({ type: 'CANCEL', at: 1 });
// @ts-expect-error not an event of a job machine
actor.send({ type: 'STOP' });
// @ts-expect-error the input is the job's
createActor(machine, { input: { jobId: 'e1', input: { item: [] } } });

const app = setup({
  types: {} as {
    context: { result: JobMachineOutput<Output> | null };
    events: { type: 'PAUSE_JOB' } | { type: 'CANCEL_JOB' };
  },
  actors: { job: machine },
}).createMachine({
  context: { result: null },
  invoke: {
    id: 'job',
    src: 'job',
    input: { jobId: 'e1', input },
    onDone: {
      // No cast: the output is the job's.
      actions: assign({ result: ({ event }) => event.output }),
    },
  },
  on: {
    PAUSE_JOB: { actions: sendTo('job', { type: 'PAUSE' }) },
    CANCEL_JOB: { actions: sendTo('job', { type: 'CANCEL' }) },
  },
});
export const appActor = createActor(app);

// XState does not check an event sent to a child by id; `satisfies JobControlEvent` does.
sendTo('job', { type: 'PAUSE' } satisfies JobControlEvent);
// @ts-expect-error not a control event
sendTo('job', { type: 'PAUS' } satisfies JobControlEvent);
// The child's own ref is typed: its send takes the job's events only.
export function pauseChild(snapshot: ReturnType<typeof appActor.getSnapshot>) {
  const child = snapshot.children.job;
  child?.send({ type: 'PAUSE' });
  // @ts-expect-error not an event of a job machine
  child?.send({ type: 'PAUS' });
}
