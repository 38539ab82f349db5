import fc from 'fast-check';
import { Continue, defineJob, group, phase } from '../../src/index.js';
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { jobEvents, scriptedMachine } from '../../src/testing/index.js';
import { jobPaths, runPath } from '../../src/testing/index.js';
import { pathFromEvents } from '../../src/testing/index.js';
// test/backup.paths.test.ts

const backup = defineJob({
  name: 'backup',
  version: 1,
  initialState: () => ({ copied: 0 }),
  phases: [
    phase({ name: 'plan', skipsTo: ['report'], async execute() { return Continue; } }),
    phase({ name: 'thumbnails', when: (input: { thumbnails: boolean }) => input.thumbnails,
      async execute() { return Continue; } }),
    group('transfer', [
      phase({ name: 'upload', recovery: { strategy: 'retry-from-checkpoint', maxAttempts: 3 },
        async execute() { return Continue; }, async onFailure() {} }),
      phase({ name: 'verify', recovery: { strategy: 'skip-phase' }, async execute() { return Continue; } }),
    ]),
    phase({ name: 'report', async execute() { return Continue; }, async onSuccess() {} }),
  ],
});

describe('backup: every path', () => {
  for (const thumbnails of [false, true]) {
    const paths = jobPaths(backup, {
      input: { thumbnails },
      // Each phase may go on, skip, fail or record an error; the app may pause, resume and cancel while
      // files upload. That is 888 paths without thumbnails and 1774 with.
      outcomes: ['continue', 'skipTo', 'fatal', 'nonFatal'],
      controls: (phase) => (phase === 'upload' ? ['PAUSE', 'RESUME', 'CANCEL'] : []),
      hookErrors: false,
    });

    it(`has a manageable number of paths (thumbnails=${thumbnails})`, () => {
      expect(paths.length).toBeGreaterThan(0);
      expect(paths.length).toBeLessThan(5000);
    });

    for (const path of paths) {
      it(path.description, () => {
        const { context, invocations } = runPath(backup, path);
        expect(context.status).toBe(path.final);
        const upload = context.history.find((h) => h.phase === 'upload')!;
        expect(upload.attempts).toBeLessThanOrEqual(3);
        // A skipped phase never ran.
        for (const h of context.history.filter((h) => h.status === 'skipped')) {
          expect(invocations.some((i) => i.actor === 'runPhase' && i.input.phase === h.phase)).toBe(false);
        }
        if (path.final === 'completed') expect(context.failure).toBeNull();
        if (path.final === 'cancelled') expect(context.failure?.kind).toBe('cancelled');
      });
    }
  }
});


const path = pathFromEvents(backup, [
  { type: 'xstate.done.actor.execute-plan', output: { kind: 'continue' } },
  { type: 'xstate.error.actor.execute-upload', error: { kind: 'fatal', name: 'FatalError', message: 'disk full' } },
  { type: 'PAUSE' },
  { type: 'RESUME' },
], { input: { thumbnails: false } });
const { context } = runPath(backup, path);


const machine = scriptedMachine(backup);

fc.assert(
  fc.property(fc.array(fc.nat()), (picks) => {
    const actor = createActor(machine, { input: { jobId: 'p', input: { thumbnails: true } } }).start();
    for (const pick of picks) {
      const events = jobEvents(backup, actor.getSnapshot(), { controls: ['PAUSE', 'RESUME'] });
      if (events.length === 0) break; // done
      actor.send(events[pick % events.length]);
    }
    const history = actor.getSnapshot().context.history;
    return history.every((h) => h.phase !== 'upload' || h.attempts <= 3);
  }),
);
