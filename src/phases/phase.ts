import type { ChainablePhase, Phase, PhaseChain, PhaseNode } from './types.js';

export type { ChainablePhase, PhaseChain } from './types.js';

/**
 * Define one phase of a job. Written inside a job (`defineJob({ …, phases: (phase) => [phase({ … })] })`) the
 * phase's `ctx` is typed from the job; standing alone, give the types (`phase<State, Input, Deps>({ … })`) or
 * `ctx` is `any`. The SkipTo targets a phase may return are those of its `skipsTo`.
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
export function phase<S = any, I = any, D = any, const K extends string = string>(
  definition: Phase<S, I, D, K>,
): ChainablePhase<S, I, D, K> {
  const result = { ...definition } as ChainablePhase<S, I, D, K>;
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
