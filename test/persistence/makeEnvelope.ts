import { ENVELOPE_FORMAT, type Envelope } from '../../src/persistence/Envelope.js';
import type { JobMeta } from '../../src/persistence/types.js';

/** A complete, valid envelope for tests; `overrides` replace top-level fields. */
export function makeEnvelope<S = unknown>(overrides: Partial<Envelope<S>> = {}): Envelope<S> {
  return {
    format: ENVELOPE_FORMAT,
    job: { name: 'indexer', version: 1, phases: ['scan', 'hash', 'store'] },
    jobId: 'job-1',
    input: { root: '/photos', dryRun: false },
    machine: { status: 'active', value: { hash: 'running' }, context: { attempt: 1 } },
    state: { files: ['a.jpg', 'b.jpg'], done: 1 } as S,
    history: [
      { phase: 'scan', status: 'completed', startedAt: 1000, completedAt: 2000, attempts: 1, error: null },
      { phase: 'hash', status: 'running', startedAt: 2000, completedAt: null, attempts: 1, error: null },
    ],
    errors: [
      {
        kind: 'nonFatal',
        name: 'NonFatalError',
        message: 'unreadable',
        phase: 'hash',
        at: 2500,
        details: { path: 'c.jpg', code: 'EACCES' },
      },
    ],
    progress: {
      phase: 'hash',
      phasePercent: 50,
      overallPercent: 40,
      completed: 1,
      total: 2,
      message: 'hashing',
      elapsedMs: 1500,
    },
    createdAt: 1000,
    ...overrides,
  };
}

/** A record-side description of a save, for store tests. */
export function makeMeta(overrides: Partial<JobMeta> = {}): JobMeta {
  return {
    name: 'indexer',
    version: 1,
    status: 'running',
    phase: 'hash',
    percent: 40,
    errorsCount: 0,
    updatedAt: 1000,
    ...overrides,
  };
}
