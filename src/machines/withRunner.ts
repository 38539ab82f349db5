/** A persisted child of a job machine, as XState writes it. */
interface PersistedChild {
  readonly snapshot: unknown;
  readonly src: unknown;
  readonly systemId?: string;
  readonly syncSnapshot?: boolean;
}

type PersistedMachine = { status?: string; children?: Record<string, PersistedChild> };

/** The runner's persisted snapshot, as XState writes a callback actor's. */
const RUNNER: PersistedChild = {
  snapshot: { status: 'active', output: undefined, error: undefined, input: undefined },
  src: 'runner',
  syncSnapshot: false,
};

/**
 * A persisted job machine ready to restore with this code: an active job gets its `runner` (checkpoints written
 * before the runner held a running phase as an invoked `execute-<phase>` actor and no runner; a job placed
 * elsewhere by a migration has no children at all). The invoked `execute-<phase>` of such a checkpoint is
 * dropped: the runner runs that phase again, with the attempt and reset its history and context hold — what the
 * invoked actor's input held. Anything else is returned as it is.
 */
export function withRunner<T>(machine: T): T {
  const found = machine as PersistedMachine | null | undefined;
  if (!found || typeof found !== 'object') return machine;
  // Written by phasekit before a run stopped with its actor: a phase whose embedding parent had stopped the job's
  // actor went on and checkpointed the stopped machine. Its value and state are the phase's as checkpointed;
  // restored `stopped`, the actor would never run, so it goes on as the active job it was.
  const m: PersistedMachine = found.status === 'stopped' ? { ...found, status: 'active' } : found;
  if (m.status !== 'active') return machine;
  const children = m.children ?? {};
  const ids = Object.keys(children);
  if (children.runner && !ids.some((id) => id.startsWith('execute-'))) return m as T;
  const kept: Record<string, PersistedChild> = { runner: children.runner ?? RUNNER };
  for (const id of ids) if (id !== 'runner' && !id.startsWith('execute-')) kept[id] = children[id];
  return { ...m, children: kept } as T;
}
