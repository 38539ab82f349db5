import { CliError } from './CliError.js';

/**
 * The lease options of the jobs this CLI runs: `PHASEKIT_LEASE_MS` sets how long a job's lease lasts without
 * renewal (default 30 000 ms, the runtime's). A job renews it every third of that, which is also how soon it
 * sees a `phasekit pause`/`cancel` from another process.
 */
export function leaseOptions(env: NodeJS.ProcessEnv = process.env): { leaseMs?: number } {
  const text = env.PHASEKIT_LEASE_MS;
  if (text === undefined || text === '') return {};
  const leaseMs = Number(text);
  if (!Number.isInteger(leaseMs) || leaseMs < 100)
    throw new CliError(
      `PHASEKIT_LEASE_MS must be a whole number of milliseconds, at least 100 (got "${text}").`,
    );
  return { leaseMs };
}
