import { PostgresConnectError } from './PostgresConnectError.js';

/** Where a connection goes, for messages: `user@host:port/database`, never the password. */
export interface ConnectTarget {
  readonly user?: string;
  readonly host?: string;
  readonly port?: number;
  readonly database?: string;
}

/** `user@host:port/database` of a target. */
export function describeTarget(target: ConnectTarget): string {
  return `${target.user ?? '(default user)'}@${target.host ?? 'localhost'}:${target.port ?? 5432}/${target.database ?? '(default database)'}`;
}

/**
 * Turn what `pg` throws while opening a store into a {@link PostgresConnectError} with one line saying what
 * went wrong and what to do. Errors that are not about connecting or rights are returned unchanged.
 */
export function connectErrorOf(error: unknown, target: ConnectTarget, schema: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const where = describeTarget(target);
  const make = (text: string) =>
    new PostgresConnectError(`${text}`, where, {
      ...(typeof code === 'string' ? { code } : {}),
      cause: error,
    });
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return make(
        `Cannot reach PostgreSQL at ${where} (${code}): check that the server runs and the host and port in the URL.`,
      );
    case '28P01':
    case '28000':
      return make(
        `PostgreSQL at ${where} refused the login (${code === '28P01' ? 'wrong password' : 'not allowed'}): check the user and password in the URL.`,
      );
    case '3D000':
      return make(`PostgreSQL at ${where}: the database does not exist; create it or fix the URL.`);
    case '42501':
      return make(
        `PostgreSQL at ${where}: the user may not create or use schema "${schema}"; grant it CREATE on the database (or create the schema for it), or pick another schema.`,
      );
    default:
      if (error instanceof Error && /timeout|terminated|Connection terminated/i.test(error.message)) {
        return make(`Cannot reach PostgreSQL at ${where} (${error.message}): check that the server runs.`);
      }
      return error;
  }
}
