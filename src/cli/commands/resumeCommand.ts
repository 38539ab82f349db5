import { cliInvocation } from '../invocation.js';
import { shellQuote } from '../shellQuote.js';

/**
 * The exact command that resumes a job, as the user can type it: `phasekit resume <id>` (or
 * `npx phasekit resume <id>` when `phasekit` is not on their PATH), with `--library` when one was given, and
 * `--store` / `--schema` when the job lives in a shared store.
 */
export function resumeCommandFor(
  jobId: string,
  library?: string,
  shared?: { readonly store?: string; readonly schema?: string },
): string {
  const store = shared?.store
    ? ` --store ${shellQuote(shared.store)}${shared.schema && shared.schema !== 'phasekit' ? ` --schema ${shellQuote(shared.schema)}` : ''}`
    : '';
  return `${cliInvocation()} resume ${jobId}${library ? ` --library ${shellQuote(library)}` : ''}${store}`;
}
