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

  constructor(options: JobVersionErrorOptions) {
    super(describe(options));
    this.jobName = options.jobName;
    this.storedVersion = options.storedVersion;
    this.codeVersion = options.codeVersion;
    this.missingFrom = options.missingFrom;
    this.jobId = options.jobId;
  }
}

function describe(o: JobVersionErrorOptions): string {
  const subject = `Checkpoint of job "${o.jobName}"${o.jobId === undefined ? '' : ` (id ${o.jobId})`}`;
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
