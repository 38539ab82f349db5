import fs from 'node:fs';

/** Whether the system names open descriptors as `/proc/self/fd/N` (Linux). */
const PROC_FD = fs.existsSync('/proc/self/fd');

/**
 * The path of an open descriptor's file, where the system has one (`/proc/self/fd/N` on Linux): opening it
 * opens the very file the descriptor holds, whatever took its name since — for code that takes only paths
 * (`fs.copyFile`, sharp/libvips). `undefined` where there is no such path.
 */
export function descriptorPath(fd: number): string | undefined {
  return PROC_FD ? `/proc/self/fd/${fd}` : undefined;
}
