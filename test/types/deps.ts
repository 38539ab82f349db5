// A job that declares deps cannot be run without them; one that declares none needs no options.
import {
  Continue,
  defineJob,
  depsType,
  MemoryStore,
  provideRuntime,
  resumeJob,
  runJob,
} from '../../src/index.js';

interface Library {
  put(path: string): void;
}
const library: Library = { put() {} };
const store = new MemoryStore();

const needsDeps = defineJob({
  name: 'needs',
  version: 1,
  deps: depsType<{ library: Library }>(),
  initialState: (_input: { path: string }) => ({ done: false }),
  phases: (phase) => [
    phase({
      name: 'put',
      async execute(ctx) {
        ctx.deps.library.put(ctx.input.path);
        return Continue;
      },
    }),
  ],
});

runJob(needsDeps, { path: '/a' }, { deps: { library } });
runJob(needsDeps, { path: '/a' }, { store, deps: { library } });
// @ts-expect-error no options: deps are missing
runJob(needsDeps, { path: '/a' });
// @ts-expect-error options without deps
runJob(needsDeps, { path: '/a' }, { store });
// @ts-expect-error deps of the wrong shape
runJob(needsDeps, { path: '/a' }, { deps: { library: {} } });
// @ts-expect-error the input is checked too
runJob(needsDeps, { pth: '/a' }, { deps: { library } });

export async function resume(id: string) {
  await resumeJob(needsDeps, id, { store, deps: { library } });
  // @ts-expect-error resuming needs the deps as well
  await resumeJob(needsDeps, id, { store });
}

provideRuntime(needsDeps, { jobId: 'j', input: { path: '/a' }, deps: { library } });
// @ts-expect-error embedding needs them too
provideRuntime(needsDeps, { jobId: 'j', input: { path: '/a' } });

const noDeps = defineJob({
  name: 'free',
  version: 1,
  initialState: () => ({}),
  phases: (phase) => [
    phase({
      name: 'only',
      async execute() {
        return Continue;
      },
    }),
  ],
});
runJob(noDeps, undefined);
runJob(noDeps, undefined, { store });
