import type { PhaseGroup, PhaseNode } from './types.js';

/**
 * Nest phases under a name: they become a compound state in the job's machine, shown as one box in the
 * inspector and in `toMermaid`. A group has no behaviour of its own; its phases run in order.
 *
 * @example
 * defineJob({ name: 'backup', version: 1, phases: [plan, group('transfer', [upload, verify]), report], ... })
 */
export function group<S = any, I = any, D = any>(
  name: string,
  phases: readonly PhaseNode<S, I, D>[],
): PhaseGroup<S, I, D> {
  return Object.freeze({ kind: 'group' as const, name, phases: Object.freeze([...phases]) });
}

/** True for a group node. */
export function isGroup<S, I, D>(node: PhaseNode<S, I, D>): node is PhaseGroup<S, I, D> {
  return (node as PhaseGroup).kind === 'group';
}
