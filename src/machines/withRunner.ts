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
  const m = machine as PersistedMachine | null | undefined;
  if (!m || typeof m !== 'object' || m.status !== 'active') return machine;
  const children = m.children ?? {};
  const ids = Object.keys(children);
  if (children.runner && !ids.some((id) => id.startsWith('execute-'))) return machine;
  const kept: Record<string, PersistedChild> = { runner: children.runner ?? RUNNER };
  for (const id of ids) if (id !== 'runner' && !id.startsWith('execute-')) kept[id] = children[id];
  return { ...m, children: kept } as T;
}
