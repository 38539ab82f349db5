import { type GroupChange, JobVersionError, type PhaseChange } from '../persistence/JobVersionError.js';
import type { Envelope } from '../persistence/Envelope.js';
import type { JobDefinition } from '../phases/defineJob.js';
import { snapshotPosition } from '../phases/snapshotPosition.js';
import type { PhaseExecution } from '../phases/types.js';
import { initialHistory } from './historyUpdates.js';

/** How the phase list `stored` differs from `current`, or `null` when it does not. */
export function phaseChange(stored: readonly string[], current: readonly string[]): PhaseChange | null {
  if (stored.length === current.length && stored.every((name, i) => name === current[i])) return null;
  const added = current.filter((p) => !stored.includes(p));
  const removed = stored.filter((p) => !current.includes(p));
  const renamed: [string, string][] = [];
  for (const gone of removed) {
    const at = stored.indexOf(gone);
    const candidate = current[at];
    if (candidate !== undefined && added.includes(candidate)) renamed.push([gone, candidate]);
  }
  const reordered = added.length === 0 && removed.length === 0;
  return {
    added: added.filter((a) => !renamed.some(([, to]) => to === a)),
    removed: removed.filter((r) => !renamed.some(([from]) => from === r)),
    renamed,
    reordered,
  };
}

/**
 * The leaf phases can be the same while the groups around them changed (a group renamed, added or flattened): the
 * machine's state value, whose path holds the groups, would then name states the machine does not have. `null`
 * when the phase the job stands in sits where the definition puts it (or the job stands in no phase).
 */
function groupChange(
  machine: PersistedMachine | null | undefined,
  phase: string | null,
  definition: JobDefinition,
): GroupChange | null {
  if (!machine || machine.status === 'done' || phase === null) return null;
  const info = definition.byName.get(phase);
  if (!info) return null;
  const stored: string[] = [];
  let node = machine.value;
  while (node && typeof node === 'object') {
    const key = Object.keys(node)[0];
    if (key === undefined) break;
    stored.push(key);
    node = (node as Record<string, unknown>)[key];
  }
  // The path down to the phase: the groups, then the phase (its step below it is not part of the path).
  const storedPath = stored.slice(0, stored.lastIndexOf(phase) + 1).join('.');
  const currentPath = [...info.groups, phase].join('.');
  return storedPath === currentPath ? null : { phase, stored: storedPath, current: currentPath };
}

type PersistedMachine = {
  value?: unknown;
  status?: string;
  children?: Record<string, unknown>;
  context?: Record<string, unknown> & { history?: PhaseExecution[] };
};

/**
 * Fit a decoded checkpoint to the job definition that resumes it. When its phase list is the definition's, it is
 * returned as is. When the list changed, a migration must have run (`migrated`), else `JobVersionError` names the
 * phases added, removed or renamed. After a migration, history is rebuilt in the definition's order (entries kept
 * by name, new phases pending) and the job is placed, paused, in its position's phase — resuming restarts that
 * phase from the checkpointed state, as after a pause. The same holds when only the groups around the phase the
 * job stands in changed: refused without a migration, placed anew after one. Pure: nothing runs before this has
 * passed.
 *
 * @throws {JobVersionError} for a phase change without a migration, or a position this definition lacks.
 */
export function reconcilePhases(envelope: Envelope, definition: JobDefinition, migrated: boolean): Envelope {
  const current = definition.phases.map((p) => p.phase.name);
  const change = phaseChange(envelope.job.phases, current);
  const machine = envelope.machine as PersistedMachine | null | undefined;
  const stood = snapshotPosition(machine?.value);
  const moved = envelope.position !== undefined && envelope.position.phase !== stood.phase;
  const regrouped = change === null && !moved ? groupChange(machine, stood.phase, definition) : null;
  if (change === null && !moved && regrouped === null) return envelope;
  if (!migrated && change !== null) {
    throw new JobVersionError({
      jobName: definition.name,
      storedVersion: envelope.job.version,
      codeVersion: definition.version,
      jobId: envelope.jobId,
      phaseChange: change,
    });
  }
  if (!migrated && regrouped !== null) {
    throw new JobVersionError({
      jobName: definition.name,
      storedVersion: envelope.job.version,
      codeVersion: definition.version,
      jobId: envelope.jobId,
      groupChange: regrouped,
    });
  }
  const byName = new Map(envelope.history.map((entry) => [entry.phase, entry]));
  const history = initialHistory(current).map((fresh) => byName.get(fresh.phase) ?? fresh);
  const target = envelope.position?.phase ?? stood.phase;
  if (!machine || machine.status === 'done' || target === null) {
    // Not started, or past the last phase: only the history needs the new names.
    return {
      ...envelope,
      job: { ...envelope.job, phases: current },
      history,
      ...(machine ? { machine: { ...machine, context: { ...machine.context, history } } } : {}),
    };
  }
  const info = definition.byName.get(target);
  if (!info) {
    throw new JobVersionError({
      jobName: definition.name,
      storedVersion: envelope.job.version,
      codeVersion: definition.version,
      jobId: envelope.jobId,
      lostPosition: target,
    });
  }
  const placed = history.map((entry) =>
    entry.phase === target ? { ...entry, status: 'paused' as const } : entry,
  );
  let value: unknown = { [target]: 'paused' };
  for (const group of [...info.groups].reverse()) value = { [group]: value };
  return {
    ...envelope,
    job: { ...envelope.job, phases: current },
    history: placed,
    machine: {
      ...machine,
      value,
      children: {},
      context: { ...machine.context, history: placed, interrupt: null, next: null, reset: null },
    },
  };
}
