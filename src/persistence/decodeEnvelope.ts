import type { ErrorRecord, PhaseExecution, SnapshotMigration } from '../phases/types.js';
import type { Envelope } from './Envelope.js';
import { JobMismatchError } from './JobMismatchError.js';
import { JobVersionError } from './JobVersionError.js';
import { SnapshotMigrationError } from './SnapshotMigrationError.js';
import { snapshotPosition } from '../phases/snapshotPosition.js';
import { unpackEnvelope } from './unpackEnvelope.js';

/** What the code resuming a checkpoint expects of it. */
export interface DecodeExpectation {
  /** Name of the job definition resuming the checkpoint. */
  readonly name: string;
  /** Version of that job definition. */
  readonly version: number;
  /** The definition's migrations, keyed by the version each upgrades from (`migrations[v]`: v → v + 1). */
  readonly migrations?: Readonly<Record<number, SnapshotMigration>>;
  /** Id the checkpoint was stored under: named in errors, and checked against the envelope's own id. */
  readonly jobId?: string;
}

/**
 * Decode and check checkpoint bytes written by {@link encodeEnvelope}, upgrading an older job version to
 * `expect.version` one migration step at a time.
 *
 * A migration sees `state`, `machine`, `history` and `errors`; `phaseStartState`, when present, is passed
 * through the same migration as `state` so both keep one shape. The result says `job.version:
 * expect.version`.
 *
 * @throws {SnapshotCorruptError} when the bytes are not an intact phasekit checkpoint (any bytes at all
 *   yield this or one of the errors below, never another error).
 * @throws {JobMismatchError} when the checkpoint was written by another job, or holds another job id.
 * @throws {JobVersionError} when the checkpoint is newer than the code, or a migration step is missing.
 * @throws {SnapshotMigrationError} when a registered migration throws or returns something malformed.
 *
 * @example
 * ```ts
 * const envelope = decodeEnvelope(stored.bytes, { name: 'indexer', version: 3, migrations, jobId: id });
 * ```
 */
export function decodeEnvelope<S = unknown>(bytes: Uint8Array, expect: DecodeExpectation): Envelope<S> {
  const envelope = unpackEnvelope(bytes, expect.jobId);
  const { name, version } = envelope.job;
  if (name !== expect.name) throw new JobMismatchError('name', expect.name, name, expect.jobId);
  if (expect.jobId !== undefined && envelope.jobId !== expect.jobId) {
    throw new JobMismatchError('jobId', expect.jobId, envelope.jobId, expect.jobId);
  }
  if (version === expect.version) return envelope as Envelope<S>;

  const versionError = (missingFrom?: number) =>
    new JobVersionError({
      jobName: name,
      storedVersion: version,
      codeVersion: expect.version,
      missingFrom,
      jobId: envelope.jobId,
    });
  if (version > expect.version) throw versionError();
  const steps: SnapshotMigration[] = [];
  for (let from = version; from < expect.version; from++) {
    const step = expect.migrations?.[from];
    if (typeof step !== 'function') throw versionError(from);
    steps.push(step);
  }

  let current: Envelope = envelope;
  steps.forEach((step, i) => {
    current = migrateOnce(current, step, version + i);
  });
  return current as Envelope<S>;
}

/**
 * The migrated machine, holding the history and errors the migration returned when it changed them: the job
 * goes on from the machine's context, so lists changed only beside it would be dropped on resume. Lists
 * returned unchanged leave the machine as the migration made it (it may have edited its context itself).
 * `errorCount` (errors that happened, kept or not) grows to at least the number of records kept.
 */
function withListsOf(
  out: ReturnType<SnapshotMigration>,
  history: readonly PhaseExecution[],
  errors: readonly ErrorRecord[],
): unknown {
  const machine = out.machine as { context?: Record<string, unknown> } | null | undefined;
  const context = machine?.context;
  if (typeof context !== 'object' || context === null) return out.machine;
  const historyChanged = changed(out.history, history);
  const errorsChanged = changed(out.errors, errors);
  if (!historyChanged && !errorsChanged) return out.machine;
  const errorCount = typeof context.errorCount === 'number' ? context.errorCount : 0;
  return {
    ...machine,
    context: {
      ...context,
      ...(historyChanged ? { history: out.history } : {}),
      ...(errorsChanged ? { errors: out.errors, errorCount: Math.max(errorCount, out.errors.length) } : {}),
    },
  };
}

/** True unless `after` holds the very items of `before`, in order. */
function changed(after: readonly unknown[], before: readonly unknown[]): boolean {
  return after.length !== before.length || after.some((item, i) => item !== before[i]);
}

function migrateOnce(envelope: Envelope, step: SnapshotMigration, from: number): Envelope {
  const position =
    envelope.position ??
    (({ phase, step }) => ({ phase, step }))(
      snapshotPosition((envelope.machine as { value?: unknown } | null)?.value),
    );
  const history = [...envelope.history] as PhaseExecution[];
  const errors = [...envelope.errors] as ErrorRecord[];
  const run = (state: unknown) => {
    let out: ReturnType<SnapshotMigration>;
    try {
      out = step({
        state,
        machine: envelope.machine,
        history: [...history],
        errors: [...errors],
        phases: envelope.job.phases,
        position: { ...position },
      });
    } catch (cause) {
      throw new SnapshotMigrationError(envelope.job.name, from, { jobId: envelope.jobId, cause });
    }
    if (
      typeof out !== 'object' ||
      out === null ||
      !Array.isArray(out.history) ||
      !Array.isArray(out.errors)
    ) {
      throw new SnapshotMigrationError(envelope.job.name, from, {
        jobId: envelope.jobId,
        problem: 'it must return { state, machine, history: [...], errors: [...] }',
      });
    }
    return out;
  };
  const main = run(envelope.state);
  const migrated: Envelope = {
    ...envelope,
    job: { ...envelope.job, version: from + 1 },
    state: main.state,
    machine: withListsOf(main, history, errors),
    history: main.history,
    errors: main.errors,
    position: main.position ?? position,
  };
  if (envelope.phaseStartState === undefined) return migrated;
  return { ...migrated, phaseStartState: run(envelope.phaseStartState).state };
}
