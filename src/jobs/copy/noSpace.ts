/** Codes of a full destination: no blocks or inodes left (`ENOSPC`), or the user's quota reached (`EDQUOT`). */
const FULL = new Set(['ENOSPC', 'EDQUOT']);

/** True when `error` says the destination filesystem is full (or the quota is reached). */
export function isNoSpace(error: unknown): boolean {
  return FULL.has((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}
