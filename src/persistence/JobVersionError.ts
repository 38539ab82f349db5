/** What a {@link JobVersionError} is built from. */
export interface JobVersionErrorOptions {
  readonly jobName: string;
  /** Job version that wrote the checkpoint. */
  readonly storedVersion: number;
  /** Job version of the running code. */
  readonly codeVersion: number;
  /** The version no migration upgrades from, when the checkpoint is older than the code. */
  readonly missingFrom?: number;
  readonly jobId?: string;
  /** The phase list changed between the checkpoint and the code, with no migration to say what that means. */
  readonly phaseChange?: PhaseChange;
  /** A migration ran, but left the job in a phase this code does not have. */
  readonly lostPosition?: string;
  /** The phase list is the same, but the groups around the phase the job stands in changed. */
  readonly groupChange?: GroupChange;
}

/** Where a checkpoint's job stands and where the code places that phase, when its groups changed. */
export interface GroupChange {
  /** The phase the job stands in. */
  readonly phase: string;
  /** Its path in the checkpoint, groups first, e.g. `g1.b`. */
  readonly stored: string;
  /** Its path in the code, e.g. `g2.b` or `b`. */
  readonly current: string;
}

/** How the phase list of a checkpoint differs from the job definition's. */
export interface PhaseChange {
  /** Phases the code has and the checkpoint does not. */
  readonly added: readonly string[];
  /** Phases the checkpoint has and the code does not. */
  readonly removed: readonly string[];
  /** Removed and added at the same place: most likely renamed, `[from, to]`. */
  readonly renamed: readonly (readonly [string, string])[];
  /** Same phases, another order. */
  readonly reordered: boolean;
}

/**
 * A checkpoint was written by a different version of the job than the code now running, and it cannot be
 * brought to the code's version: either a migration step is missing, or the checkpoint is newer than the
 * code.
 */
export class JobVersionError extends Error {
  override readonly name = 'JobVersionError';
  readonly jobName: string;
  readonly storedVersion: number;
  readonly codeVersion: number;
  /** The version no migration upgrades from (`undefined` when the checkpoint is newer than the code). */
  readonly missingFrom: number | undefined;
  readonly jobId: string | undefined;
  /** Set when the refusal is about the phase list. */
  readonly phaseChange: PhaseChange | undefined;
  /** Set when the refusal is about the groups around the phase the job stands in. */
  readonly groupChange: GroupChange | undefined;

  constructor(options: JobVersionErrorOptions) {
    super(describe(options));
    this.jobName = options.jobName;
    this.storedVersion = options.storedVersion;
    this.codeVersion = options.codeVersion;
    this.missingFrom = options.missingFrom;
    this.jobId = options.jobId;
    this.phaseChange = options.phaseChange;
    this.groupChange = options.groupChange;
  }
}

function describe(o: JobVersionErrorOptions): string {
  const subject = `Checkpoint of job "${o.jobName}"${o.jobId === undefined ? '' : ` (id ${o.jobId})`}`;
  if (o.lostPosition !== undefined) {
    return (
      `${subject} stands in phase "${o.lostPosition}", which version ${o.codeVersion} of the job does not have. ` +
      `Return a position from the migration of version ${o.codeVersion - 1}: ` +
      `(c) => ({ ...c, position: { phase: "<a phase of version ${o.codeVersion}>" } }), or use renamePhase(c, from, to).`
    );
  }
  if (o.groupChange) {
    const g = o.groupChange;
    return (
      `${subject} stands in phase "${g.phase}" at "${g.stored}", but this code (version ${o.codeVersion}) places ` +
      `it at "${g.current}": the groups changed. Bump the job's version and register a migration, e.g. ` +
      `migrations: { ${o.storedVersion}: (c) => c }: the job is then placed, paused, in "${g.phase}" at its new place.`
    );
  }
  if (o.phaseChange) {
    const c = o.phaseChange;
    const parts = [
      ...c.renamed.map(([a, b]) => `renamed "${a}" → "${b}"?`),
      ...(c.added.length ? [`added ${c.added.map((p) => `"${p}"`).join(', ')}`] : []),
      ...(c.removed.length ? [`removed ${c.removed.map((p) => `"${p}"`).join(', ')}`] : []),
      ...(c.reordered ? ['the phases are in another order'] : []),
    ];
    return (
      `${subject} was written with other phases than this code's (version ${o.codeVersion}): ${parts.join('; ')}. ` +
      `Bump the job's version and register a migration that says what the change means, e.g. ` +
      `migrations: { ${o.storedVersion}: (c) => c } when phases were only added, or renamePhase(c, from, to).`
    );
  }
  if (o.storedVersion > o.codeVersion) {
    return (
      `${subject} was written by version ${o.storedVersion}, ` +
      `newer than this code's version ${o.codeVersion}. ` +
      `A checkpoint newer than the code cannot be read: upgrade phasekit and the "${o.jobName}" job ` +
      `definition to version ${o.storedVersion} or later before resuming it.`
    );
  }
  const from = o.missingFrom ?? o.storedVersion;
  return (
    `${subject} was written by version ${o.storedVersion}, ` +
    `but this code is version ${o.codeVersion} and no ` +
    `migration upgrades version ${from} to ${from + 1}. Register one in defineJob({ name: "${o.jobName}", ` +
    `migrations: { ${from}: (checkpoint) => ({ ...checkpoint, state: /* version ${from + 1} state */ }) } }).`
  );
}
