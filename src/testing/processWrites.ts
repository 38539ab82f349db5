import { readFileSync } from 'node:fs';

/**
 * Bytes this process has handed to `write`-like system calls so far (`wchar` of `/proc/self/io`, all
 * threads, so libuv's file writes count), or `undefined` where there is no `/proc` (not Linux). Measured
 * from outside the job: what a job says it wrote is not evidence of what it wrote.
 *
 * @example
 * const before = processWrites();
 * await copyFile(a, b);
 * const written = processWrites()! - before!;
 */
export function processWrites(): number | undefined {
  try {
    const match = /^wchar:\s*(\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
