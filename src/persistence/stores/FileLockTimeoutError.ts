/**
 * A FileStore operation waited too long for a job's lock file: another live process kept it past the
 * timeout (a lock is normally held for a few file operations), or it belongs to a process on another host,
 * whose liveness this host cannot check.
 *
 * What to do: retry; if the process named in the message is gone, delete the lock file the message names.
 */
export class FileLockTimeoutError extends Error {
  override readonly name = 'FileLockTimeoutError';
  /** The lock file that stayed taken. */
  readonly lockPath: string;
  /** What the lock file says about its holder, when it could be read. */
  readonly holder: { readonly pid: number; readonly host: string; readonly at: number } | undefined;

  constructor(lockPath: string, timeoutMs: number, holder: FileLockTimeoutError['holder']) {
    super(
      `Timed out after ${timeoutMs} ms waiting for the lock file ${lockPath}` +
        (holder === undefined
          ? ''
          : `, held by process ${holder.pid} on ${holder.host} since ${new Date(holder.at).toISOString()}`) +
        '. Retry; if that process is gone, delete the lock file.',
    );
    this.lockPath = lockPath;
    this.holder = holder;
  }
}
