/** The exact command that resumes a job, with `--library` when one was given. */
export function resumeCommandFor(jobId: string, library?: string): string {
  return `phasekit resume ${jobId}${library ? ` --library ${JSON.stringify(library)}` : ''}`;
}
