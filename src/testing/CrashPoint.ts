/**
 * Where, around one store write, a crash lands:
 *
 * - `before-write`: the write never starts (the process died while the job computed it);
 * - `before-caller-writes`: inside the store's transaction, before the caller's `atomicWith` writes;
 * - `after-caller-writes`: inside the store's transaction, once the caller's `atomicWith` writes are done:
 *   from that instant nothing more reaches the data (a store that commits them apart from the checkpoint
 *   loses here);
 * - `after-write`: the write returned; the job never learnt it did.
 */
export type CrashMoment = 'before-write' | 'before-caller-writes' | 'after-caller-writes' | 'after-write';

/**
 * What asked for the write: `boundary` — the runtime, at a phase start or end, a pause or the job's end;
 * `checkpoint` — the phase's own `ctx.checkpoint()`.
 */
export type CrashWriteSource = 'boundary' | 'checkpoint';

/**
 * One place a crash can land, found by running the job for real (`crashPoints`). `write` numbers the
 * store writes of the run from 1; the same job on the same input makes the same writes, so a point is
 * found again by its `write` and `moment`.
 */
export interface CrashPoint {
  /** 1-based number of the store write, in the order the run made them. */
  readonly write: number;
  readonly moment: CrashMoment;
  readonly source: CrashWriteSource;
  /** The phase the checkpoint was taken in, or `null` at the job's end. */
  readonly phase: string | null;
  /** The machine's step then: `running`, `paused`, `succeeding`, `completed`, … */
  readonly step: string;
  /** Whether the write carried the caller's `atomicWith` writes. */
  readonly atomic: boolean;
  /** A short label, e.g. `#7 checkpoint in processing, after-caller-writes`. */
  readonly label: string;
}

/** How one write looked: what `CrashingStore` records for every write it passes on. */
export interface CrashWrite {
  readonly write: number;
  readonly source: CrashWriteSource;
  readonly phase: string | null;
  readonly step: string;
  readonly atomic: boolean;
}

/** The crash points of one write, in time order. */
export function pointsOfWrite(w: CrashWrite): CrashPoint[] {
  const moments: CrashMoment[] = w.atomic
    ? ['before-write', 'before-caller-writes', 'after-caller-writes', 'after-write']
    : ['before-write', 'after-write'];
  return moments.map((moment) => ({
    ...w,
    moment,
    label: `#${w.write} ${w.source}${w.phase ? ` in ${w.phase}` : ''} (${w.step}), ${moment}`,
  }));
}
