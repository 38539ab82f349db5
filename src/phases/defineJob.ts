import { isGroup } from './group.js';
import { JobDefinitionError } from './JobDefinitionError.js';
import { phase as phaseFactory } from './phase.js';
import type { DepsType, JobConfig, JobPhaseFactory, Phase, PhaseNode, SnapshotMigration } from './types.js';

/** A phase with its place in the job. */
export interface PhaseInfo<S = any, I = any, D = any> {
  readonly phase: Phase<S, I, D>;
  /** Position in run order, 0-based. */
  readonly index: number;
  /** Names of the groups that contain it, outermost first. */
  readonly groups: readonly string[];
}

/**
 * A job defined with `deps: depsType<D>()`: its phases need `deps`, so `runJob`, `resumeJob` and `provideRuntime`
 * do not compile without them.
 */
export interface JobDefinitionWithDeps<S = any, I = any, D = any, O = any> extends JobDefinition<S, I, D, O> {
  readonly depsRequired: true;
}

/** A checked job definition: what `defineJob` returns and every runner takes. */
export interface JobDefinition<S = any, I = any, D = any, O = any> {
  readonly name: string;
  readonly version: number;
  /** The phases and groups as written. */
  readonly tree: readonly PhaseNode<S, I, D>[];
  /** Every phase in run order. */
  readonly phases: readonly PhaseInfo<S, I, D>[];
  /** Lookup by phase name. */
  readonly byName: ReadonlyMap<string, PhaseInfo<S, I, D>>;
  readonly initialState: (input: I) => S;
  readonly output: (state: S, input: I) => O;
  readonly migrations: Readonly<Record<number, SnapshotMigration>>;
}

const NAME = /^[a-z][a-zA-Z0-9_-]*$/;
/** Names of the job's final states; a phase cannot take them. */
const RESERVED = new Set(['completed', 'failed', 'cancelled', 'finishing']);

/**
 * Check a job and return its definition. Every mistake that can be seen before running is reported here,
 * naming the job and the phase: bad or duplicate names, SkipTo targets that do not exist or lie behind the
 * phase, empty jobs and groups, bad recovery policies.
 *
 * Written with `phases` as a function of the job's `phase`, the types flow from the job to every phase with no
 * annotation: the state from `initialState`'s result, the input from its parameter, the deps from `deps`.
 *
 * @example
 * export const backup = defineJob({
 *   name: 'backup', version: 1,
 *   initialState: (input: { paths: string[] }) => ({ cursor: 0, copied: 0 }),
 *   phases: (phase) => [
 *     phase({ name: 'copy', skipsTo: ['report'], async execute(ctx) { ctx.state.copied++; return skipTo('report'); } }),
 *     phase({ name: 'report', async execute(ctx) { ctx.log(`${ctx.state.copied} copied`); return Continue; } }),
 *   ],
 *   output: (state) => ({ copied: state.copied }),
 * });
 */
export function defineJob<S, I = unknown, D = unknown, O = unknown>(
  config: JobConfig<S, I, D, O> & { readonly deps: DepsType<D> },
): JobDefinitionWithDeps<S, I, D, O>;
export function defineJob<S, I = unknown, D = unknown, O = unknown>(
  config: JobConfig<S, I, D, O>,
): JobDefinition<S, I, D, O>;
export function defineJob<S, I, D, O>(config: JobConfig<S, I, D, O>): JobDefinition<S, I, D, O> {
  const job = config.name;
  if (typeof job !== 'string' || !NAME.test(job)) {
    throw new JobDefinitionError(
      String(job),
      undefined,
      `the job name must match ${NAME} (it becomes the machine id).`,
    );
  }
  if (!Number.isInteger(config.version) || config.version < 1) {
    throw new JobDefinitionError(
      job,
      undefined,
      `version must be a positive integer, got ${String(config.version)}.`,
    );
  }
  if (typeof config.initialState !== 'function') {
    throw new JobDefinitionError(job, undefined, 'initialState(input) is required.');
  }
  const phases: PhaseInfo<S, I, D>[] = [];
  // A phase or group may bear the job's name: the machine's root id is namespaced (`job:<name>`).
  const names = new Set<string>();
  const checkName = (name: unknown, what: string) => {
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new JobDefinitionError(
        job,
        String(name),
        `${what} names must match ${NAME}: a lowercase letter, then letters, digits, "_" or "-" (they become state ids, so no dots).`,
      );
    }
    if (RESERVED.has(name)) {
      throw new JobDefinitionError(
        job,
        name,
        `"${name}" is reserved for the job's own states; pick another name.`,
      );
    }
    if (names.has(name)) {
      throw new JobDefinitionError(
        job,
        name,
        'the name is used twice; phase and group names must be unique in a job.',
      );
    }
    names.add(name);
  };
  const walk = (nodes: readonly PhaseNode<S, I, D>[], groups: string[]) => {
    for (const node of nodes) {
      if (isGroup(node)) {
        checkName(node.name, 'group');
        if (node.phases.length === 0)
          throw new JobDefinitionError(job, node.name, 'the group has no phases.');
        walk(node.phases, [...groups, node.name]);
      } else {
        checkName(node.name, 'phase');
        if (typeof node.execute !== 'function') {
          throw new JobDefinitionError(job, node.name, 'execute(ctx) is required.');
        }
        checkPhase(job, node);
        phases.push({ phase: node, index: phases.length, groups });
      }
    }
  };
  const tree =
    typeof config.phases === 'function'
      ? config.phases(phaseFactory as JobPhaseFactory<S, I, D>)
      : config.phases;
  if (!Array.isArray(tree) || tree.length === 0) {
    throw new JobDefinitionError(job, undefined, 'the job has no phases; give it at least one.');
  }
  walk(tree, []);
  const byName = new Map(phases.map((info) => [info.phase.name, info]));
  for (const info of phases) {
    for (const target of info.phase.skipsTo ?? []) {
      const found = byName.get(target);
      if (!found) {
        throw new JobDefinitionError(
          job,
          info.phase.name,
          `skipsTo names "${target}", which is not a phase of this job (phases: ${phases.map((p) => p.phase.name).join(', ')}).`,
        );
      }
      if (found.index <= info.index) {
        throw new JobDefinitionError(
          job,
          info.phase.name,
          `skipsTo "${target}" points backwards; SkipTo only jumps forward.`,
        );
      }
    }
  }
  return Object.freeze({
    name: job,
    version: config.version,
    tree: Object.freeze([...tree]),
    phases: Object.freeze(phases),
    byName,
    initialState: config.initialState,
    output: config.output ?? ((state: S) => state as unknown as O),
    migrations: Object.freeze({ ...(config.migrations ?? {}) }),
    ...(config.deps ? { depsRequired: true as const } : {}),
  });
}

function checkPhase(job: string, phase: Phase): void {
  if (phase.weight !== undefined && !(phase.weight >= 0 && Number.isFinite(phase.weight))) {
    throw new JobDefinitionError(
      job,
      phase.name,
      `weight must be a finite number >= 0, got ${String(phase.weight)}.`,
    );
  }
  const recovery = phase.recovery;
  if (!recovery) return;
  if (recovery.strategy === 'restart-phase' || recovery.strategy === 'retry-from-checkpoint') {
    if (!Number.isInteger(recovery.maxAttempts) || recovery.maxAttempts < 1) {
      throw new JobDefinitionError(
        job,
        phase.name,
        `recovery.maxAttempts must be an integer >= 1, got ${String(recovery.maxAttempts)}.`,
      );
    }
  } else if (recovery.strategy !== 'abort' && recovery.strategy !== 'skip-phase') {
    throw new JobDefinitionError(
      job,
      phase.name,
      `unknown recovery strategy "${String((recovery as { strategy: unknown }).strategy)}"; use abort, restart-phase, retry-from-checkpoint or skip-phase.`,
    );
  }
}
