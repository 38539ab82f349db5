import { type AnyMachineSnapshot, initialTransition, transition } from 'xstate';
import type { JobMachine } from '../machines/compileJob.js';
import { snapshotPosition } from '../machines/snapshotPosition.js';
import type { JobMachineContext } from '../machines/types.js';
import type { JobDefinition } from '../phases/defineJob.js';
import type { JobPathEvent } from './JobPathEvent.js';

/** A path as found: the state before each event, and the end state. */
export type RawPath = {
  steps: { state: AnyMachineSnapshot; event: JobPathEvent }[];
  state: AnyMachineSnapshot;
};

/** Limits and model of {@link transitionPaths}. */
export interface TransitionPathsSettings {
  readonly jobId: string;
  readonly input: unknown;
  readonly events: (snapshot: AnyMachineSnapshot) => JobPathEvent[];
  /** `final`: paths end in a final state; `any`: a path ends right after the transition it was made for. */
  readonly to: 'final' | 'any';
  readonly maxSteps: number;
  readonly maxPaths: number;
  readonly maxTransitions: number;
  /** Thrown (built) when a limit is passed. */
  readonly limitError: (limit: 'maxPaths' | 'maxTransitions', value: number) => Error;
}

type Edge = { readonly event: JobPathEvent; readonly to: string };
type Node = {
  readonly state: AnyMachineSnapshot;
  readonly edges: Edge[];
  /** The edge that first reached this node (breadth first: a shortest way in). */
  readonly parent: { readonly from: string; readonly edge: number } | null;
};

/**
 * Paths that together take every transition of the job's machine at least once. A transition is an event
 * taken in a state, where states are told apart by what decides what happens next — the state value, the
 * pending interrupt, the next phase, the failure's kind, the reset, and the current phase's attempts and
 * scripted non-fatal errors — and not by the history of phases already done (which only says how the job got
 * there). So the graph, and the number of paths, grow with the phases times what one phase can do, instead of
 * multiplying phase by phase as simple paths do.
 *
 * Each path is the shortest way to a transition not yet taken, that transition, then on through transitions
 * not yet taken while the step budget allows, and the shortest way to a final state. The paths are replayed
 * on the real machine (XState's pure `transition`), so every step is a real one.
 */
export function transitionPaths(
  definition: JobDefinition,
  machine: JobMachine,
  settings: TransitionPathsSettings,
): RawPath[] {
  const [initial] = initialTransition(machine, { jobId: settings.jobId, input: settings.input });
  const keyOf = (s: AnyMachineSnapshot) => decisionKey(definition, s);
  const nodes = new Map<string, Node>();
  const order: string[] = [];
  const start = keyOf(initial);
  nodes.set(start, { state: initial, edges: [], parent: null });
  order.push(start);
  let transitions = 0;
  for (let i = 0; i < order.length; i++) {
    const key = order[i];
    const node = nodes.get(key)!;
    for (const event of settings.events(node.state)) {
      if (++transitions > settings.maxTransitions) {
        throw settings.limitError('maxTransitions', settings.maxTransitions);
      }
      const [next] = transition(machine, node.state, event as never);
      const to = keyOf(next);
      if (!nodes.has(to)) {
        nodes.set(to, { state: next, edges: [], parent: { from: key, edge: node.edges.length } });
        order.push(to);
      }
      node.edges.push({ event, to });
    }
  }

  const isEnd = (key: string) => settings.to === 'any' || nodes.get(key)!.state.status === 'done';
  const distance = distancesToEnd(nodes, isEnd);
  const covered = new Set<string>();
  const paths: RawPath[] = [];
  for (const key of order) {
    const node = nodes.get(key)!;
    node.edges.forEach((edge, index) => {
      if (covered.has(`${key}#${index}`) || !distance.has(edge.to)) return;
      const way = prefix(nodes, key);
      const route = [...way, { from: key, edge: index }];
      if (settings.to === 'final') {
        let at = edge.to;
        while (distance.get(at)! > 0) {
          const edges = nodes.get(at)!.edges;
          const budget = settings.maxSteps - route.length - 1;
          let pick = edges.findIndex(
            (e, i) => !covered.has(`${at}#${i}`) && distance.has(e.to) && distance.get(e.to)! < budget,
          );
          if (pick < 0) pick = edges.findIndex((e) => distance.get(e.to) === distance.get(at)! - 1);
          route.push({ from: at, edge: pick });
          covered.add(`${at}#${pick}`);
          at = edges[pick].to;
        }
      }
      for (const step of route) covered.add(`${step.from}#${step.edge}`);
      if (paths.length >= settings.maxPaths) throw settings.limitError('maxPaths', settings.maxPaths);
      paths.push(replay(machine, nodes, route, way.length, keyOf));
    });
  }
  return paths;
}

/** What decides the machine's next steps in `snapshot`: its value and the context that guards read. */
function decisionKey(definition: JobDefinition, snapshot: AnyMachineSnapshot): string {
  const context = snapshot.context as JobMachineContext;
  const { phase } = snapshotPosition(snapshot.value);
  const entry = phase === null ? undefined : context.history[definition.byName.get(phase)?.index ?? -1];
  return JSON.stringify([
    snapshot.status,
    snapshot.value,
    context.interrupt,
    context.next,
    context.reset,
    context.status,
    context.failure ? [context.failure.kind, context.failure.phase ?? null] : null,
    entry ? [entry.status, entry.attempts] : null,
    phase === null ? 0 : context.errors.filter((e) => e.phase === phase).length,
  ]);
}

/** Breadth first from the end states backwards: how many steps each state is from its nearest end. */
function distancesToEnd(nodes: Map<string, Node>, isEnd: (key: string) => boolean): Map<string, number> {
  const incoming = new Map<string, string[]>();
  for (const [key, node] of nodes) {
    for (const edge of node.edges) {
      const list = incoming.get(edge.to);
      if (list) list.push(key);
      else incoming.set(edge.to, [key]);
    }
  }
  const distance = new Map<string, number>();
  const queue: string[] = [];
  for (const key of nodes.keys()) {
    if (isEnd(key)) {
      distance.set(key, 0);
      queue.push(key);
    }
  }
  for (let i = 0; i < queue.length; i++) {
    const key = queue[i];
    for (const from of incoming.get(key) ?? []) {
      if (distance.has(from)) continue;
      distance.set(from, distance.get(key)! + 1);
      queue.push(from);
    }
  }
  return distance;
}

/** The breadth-first way from the start to `key`. */
function prefix(nodes: Map<string, Node>, key: string): { from: string; edge: number }[] {
  const route: { from: string; edge: number }[] = [];
  for (let parent = nodes.get(key)!.parent; parent; parent = nodes.get(parent.from)!.parent) {
    route.unshift(parent);
  }
  return route;
}

/**
 * The route as steps on the real machine. The breadth-first prefix needs no work: each node's state is the
 * one its first way in reached. From the transition the path was made for on, the events are taken with
 * XState's `transition`, checking that each lands where the graph says.
 */
function replay(
  machine: JobMachine,
  nodes: Map<string, Node>,
  route: readonly { from: string; edge: number }[],
  prefixLength: number,
  keyOf: (s: AnyMachineSnapshot) => string,
): RawPath {
  const steps: RawPath['steps'] = [];
  let state = nodes.get(route[0].from)!.state;
  route.forEach(({ from, edge }, i) => {
    if (i >= prefixLength && keyOf(state) !== from) {
      throw new Error(
        `phasekit jobPaths: replaying a transition-coverage path reached ${keyOf(state)} where the graph ` +
          `has ${from}. Please report this with the job definition; use kind: "simple" meanwhile.`,
      );
    }
    const { event, to } = nodes.get(from)!.edges[edge];
    steps.push({ state, event });
    // A prefix edge is the one that first reached its target: that node's state is this very step's result.
    state = i < prefixLength ? nodes.get(to)!.state : transition(machine, state, event as never)[0];
  });
  return { steps, state };
}
