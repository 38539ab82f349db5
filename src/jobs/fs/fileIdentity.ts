import type fs from 'node:fs';

/**
 * What a file *is*, as opposed to where it is: `"<device>:<inode>"`. Two paths with one identity name the same
 * file (a hard link, a bind mount, a symlinked folder); a path whose identity changed between two looks was
 * replaced meanwhile. A string, so it survives a checkpoint as is.
 */
export type FileIdentity = string;

/** The identity of a file from its stats (`fs.lstatSync(p, { bigint: true })` or `fstat`). */
export function fileIdentity(st: fs.BigIntStats | fs.Stats): FileIdentity {
  return `${st.dev}:${st.ino}`;
}
