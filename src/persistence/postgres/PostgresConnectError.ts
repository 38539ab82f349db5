/**
 * `PostgresStore` could not open its database: the server is unreachable, refused the credentials, has no
 * such database, or the user may not create the store's schema. The message is one line that says which and
 * what to do; the driver's error is the `cause`. The password never appears in it.
 */
export class PostgresConnectError extends Error {
  override readonly name = 'PostgresConnectError';
  /** `user@host:port/database` of the connection that failed. */
  readonly target: string;
  /** PostgreSQL's SQLSTATE or Node's error code (`ECONNREFUSED`), when there was one. */
  readonly code: string | undefined;

  constructor(message: string, target: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.target = target;
    this.code = options.code;
  }
}
