import type { JobDescriptor } from './JobDescriptor.js';

/**
 * Declare a job's descriptor (see {@link JobDescriptor}), inferring its types from `input`'s parameters.
 *
 * @example
 * ```ts
 * export const copyDescriptor = defineJobDescriptor({
 *   command: 'copy', summary: 'Copy files…', definition: copyJob,
 *   arguments: [{ name: 'paths', description: 'sources, then the destination', variadic: true }],
 *   options: [{ flags: '--verify', key: 'verify', description: 'compare BLAKE3 of every copy' }],
 *   help: '', input: (args: { paths: string[] }, options: { verify?: boolean }) => ({ … }),
 *   deps: ({ library }) => ({ library }), summarize: (o) => `${o.files} files`,
 * });
 * ```
 */
export function defineJobDescriptor<I, O, D, A, P>(
  descriptor: JobDescriptor<I, O, D, A, P>,
): JobDescriptor<I, O, D, A, P> {
  return descriptor;
}
