import { cliInvocation } from '../invocation.js';
import { shellQuote } from '../shellQuote.js';

/**
 * The exact command that resumes a job, as the user can type it: `phasekit resume <id>` (or
 * `npx phasekit resume <id>` when `phasekit` is not on their PATH), with `--library` when one was given.
 */
export function resumeCommandFor(jobId: string, library?: string): string {
  return `${cliInvocation()} resume ${jobId}${library ? ` --library ${shellQuote(library)}` : ''}`;
}
