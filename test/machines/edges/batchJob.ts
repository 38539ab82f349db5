import { Continue, defineJob, phase } from '../../../src/index.js';

/** Rows a batch job commits with its checkpoints: the effect a test counts from outside the job. */
export interface Effects {
  readonly rows: number[];
  /** Called before each batch; a test resolves it to let the batch go, or acts at that moment. */
  gate?: (batch: number) => Promise<void> | void;
  /** Called right after a batch's checkpoint landed, before the next `checkInterrupt()`. */
  afterCheckpoint?: (batch: number) => Promise<void> | void;
  /** Signals the phase saw, for assertions. */
  readonly signals: AbortSignal[];
}

export interface BatchState {
  next: number;
}

/** A job of one batch phase over `items` numbers, `size` a batch, each batch committed with its checkpoint. */
export function batchJob(
  opts: { name?: string; version?: number; phases?: 'plain' | 'with-report'; checks?: boolean } = {},
) {
  const checks = opts.checks ?? true;
  const process = phase<BatchState, { items: number; size: number }, Effects>({
    name: 'process',
    async execute(ctx) {
      ctx.deps.signals.push(ctx.signal);
      while (ctx.state.next < ctx.input.items) {
        const batch = ctx.state.next / ctx.input.size;
        await ctx.deps.gate?.(batch);
        const from = ctx.state.next;
        const to = Math.min(ctx.input.items, from + ctx.input.size);
        ctx.state.next = to;
        await ctx.checkpoint({
          atomicWith: () => {
            for (let i = from; i < to; i++) ctx.deps.rows.push(i);
          },
        });
        ctx.atomicOperationComplete(to, ctx.input.items);
        await ctx.deps.afterCheckpoint?.(batch);
        if (checks) ctx.checkInterrupt();
      }
      return Continue;
    },
  });
  const report = phase<BatchState, { items: number; size: number }, Effects>({
    name: 'report',
    async execute() {
      return Continue;
    },
  });
  return defineJob<BatchState, { items: number; size: number }, Effects, { next: number }>({
    name: opts.name ?? 'batch',
    version: opts.version ?? 1,
    initialState: () => ({ next: 0 }),
    output: (s) => ({ next: s.next }),
    phases: opts.phases === 'plain' ? [process] : [process, report],
  });
}

/** Fresh effects. */
export function effects(): Effects {
  return { rows: [], signals: [] };
}

/** Every number in 0..n-1 exactly once. */
export function exactlyOnce(rows: readonly number[], n: number): boolean {
  if (rows.length !== n) return false;
  const seen = new Set(rows);
  return seen.size === n && [...seen].every((r) => r >= 0 && r < n);
}
