import type { Phase, PhaseNode } from './types.js';

/** A phase with `andThen` for building an ordered list fluently. */
export type ChainablePhase<S, I, D> = Phase<S, I, D> & {
  /**
   * The ordered list `[this, next]`. Named `andThen`, not `then`: an object with a `then` method is a
   * thenable, and `await`ing or returning it from an async function would call it.
   */
  andThen(next: PhaseNode<S, I, D>): PhaseChain<S, I, D>;
};

/** An ordered list of phases that can be extended with `andThen`. */
export type PhaseChain<S, I, D> = readonly PhaseNode<S, I, D>[] & {
  andThen(next: PhaseNode<S, I, D>): PhaseChain<S, I, D>;
};

/**
 * Define one phase of a job.
 *
 * @example
 * const scan = phase<ScanState, ScanInput>({
 *   name: 'scan',
 *   async execute(ctx) {
 *     for (; ctx.state.cursor < ctx.input.items.length; ctx.state.cursor++) {
 *       ctx.checkInterrupt();
 *       await work(ctx.input.items[ctx.state.cursor]);
 *       ctx.atomicOperationComplete(ctx.state.cursor + 1, ctx.input.items.length);
 *     }
 *     return Continue;
 *   },
 * });
 */
export function phase<S = any, I = any, D = any>(definition: Phase<S, I, D>): ChainablePhase<S, I, D> {
  const result = { ...definition } as ChainablePhase<S, I, D>;
  Object.defineProperty(result, 'andThen', {
    enumerable: false,
    value: (next: PhaseNode<S, I, D>) => chain<S, I, D>(result, next),
  });
  return Object.freeze(result);
}

/**
 * An ordered list of phases and groups: `chain(discover, process, report)`.
 */
export function chain<S = any, I = any, D = any>(...nodes: PhaseNode<S, I, D>[]): PhaseChain<S, I, D> {
  const list = [...nodes] as PhaseNode<S, I, D>[] & { andThen?: unknown };
  Object.defineProperty(list, 'andThen', {
    enumerable: false,
    value: (next: PhaseNode<S, I, D>) => chain<S, I, D>(...nodes, next),
  });
  return Object.freeze(list) as unknown as PhaseChain<S, I, D>;
}
