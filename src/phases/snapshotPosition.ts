/** Where a job machine snapshot stands: the phase (if any) and the state inside it. */
export interface SnapshotPosition {
  /** The phase state the job is in, or `null` in `finishing` or a final state. */
  readonly phase: string | null;
  /** `entering | running | paused | retrying | succeeding | failing`, or the job-level state name. */
  readonly step: string;
}

/** Read the position out of a snapshot `value` such as `{ transfer: { upload: 'running' } }`. */
export function snapshotPosition(value: unknown): SnapshotPosition {
  const path: string[] = [];
  let node = value;
  while (node && typeof node === 'object') {
    const key = Object.keys(node)[0];
    if (key === undefined) break;
    path.push(key);
    node = (node as Record<string, unknown>)[key];
  }
  if (typeof node === 'string') path.push(node);
  if (path.length < 2) return { phase: null, step: path[0] ?? 'unknown' };
  return { phase: path[path.length - 2], step: path[path.length - 1] };
}
