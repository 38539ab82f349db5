/**
 * A registered snapshot migration threw, or returned something that is not a checkpoint. The stored
 * checkpoint is untouched.
 *
 * What to do: fix `migrations[fromVersion]` in the job's `defineJob`; `cause` is what it threw.
 */
export class SnapshotMigrationError extends Error {
  override readonly name = 'SnapshotMigrationError';
  readonly jobName: string;
  /** The version the failing migration upgrades from (to `fromVersion + 1`). */
  readonly fromVersion: number;
  readonly jobId: string | undefined;

  constructor(
    jobName: string,
    fromVersion: number,
    options: { jobId?: string; cause?: unknown; problem?: string },
  ) {
    super(
      `Migration ${fromVersion} → ${fromVersion + 1} of job "${jobName}"${
        options.jobId === undefined ? '' : ` (id ${options.jobId})`
      } failed: ${options.problem ?? describeCause(options.cause)}. ` +
        `Fix migrations[${fromVersion}] in defineJob.`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.jobName = jobName;
    this.fromVersion = fromVersion;
    this.jobId = options.jobId;
  }
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
