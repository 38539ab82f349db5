import type { AnyStateMachine } from 'xstate';
import type { JobDefinition } from '../phases/defineJob.js';
import { compileJob } from './compileJob.js';

/** Options of {@link toMermaid}. */
export interface MermaidOptions {
  /**
   * `phases` (default): one node per phase, groups as boxes, edges for the outcomes that leave a phase.
   * `states`: every state of the machine, the steps inside each phase included.
   */
  readonly detail?: 'phases' | 'states';
}

interface Node {
  id: string;
  key: string;
  type: string;
  parent?: Node;
  states: Record<string, Node>;
  transitions: Map<string, Edge[]>;
  always?: Edge[];
  initial?: { target: Node[] };
}
interface Edge {
  eventType: string;
  target?: Node[];
  guard?: { type: string; params?: Record<string, unknown> } | unknown;
}

const PHASE_STEPS = new Set(['entering', 'running', 'paused', 'retrying', 'succeeding', 'failing']);

/**
 * A Mermaid `stateDiagram-v2` of a job's machine, read from the compiled machine itself (so it shows what
 * runs, not what was meant). Paste it into any Mermaid renderer, e.g. a Markdown file on GitHub.
 *
 * @example
 * console.log(toMermaid(indexerJob)); // stateDiagram-v2 ... discovery --> processing : continue ...
 */
export function toMermaid(job: JobDefinition | AnyStateMachine, options: MermaidOptions = {}): string {
  const machine = ('root' in job ? job : compileJob(job)) as unknown as { root: Node };
  return options.detail === 'states' ? statesDiagram(machine.root) : phasesDiagram(machine.root);
}

function isPhase(node: Node): boolean {
  return Object.keys(node.states).some((k) => PHASE_STEPS.has(k)) && 'running' in node.states;
}

function safe(id: string): string {
  // The root id is `job:<name>`: drawn as the job's name, as before the namespace.
  return id.replace(/^job:/, '').replace(/[^A-Za-z0-9_]/g, '_');
}

function guardLabel(guard: Edge['guard']): string {
  if (!guard) return '';
  if (typeof guard === 'string') return guard;
  if (typeof guard !== 'object') return 'guard';
  const { type, params } = guard as { type: string; params?: Record<string, any> };
  switch (type) {
    case 'outputIs':
      return String(params?.kind);
    case 'skipDeclared':
      return `skipTo(${(params?.targets ?? []).join('|')})`;
    case 'errorIs':
      return String(params?.kind);
    case 'canRetry':
      return `attempts < ${params?.maxAttempts}`;
    case 'phaseDisabled':
      return 'when = false';
    case 'nextIs':
      return params?.target === null ? 'next = complete' : `next = ${params?.target}`;
    case 'pauseRequested':
      return 'pause asked';
    case 'cancelRequested':
      return 'cancel asked';
    case 'failureIsCancel':
      return 'cancelled';
    default:
      return type;
  }
}

function eventLabel(eventType: string): string {
  const match = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
  if (match) return `${match[1] === 'done' ? 'done' : 'error'}(${match[2]})`;
  return eventType;
}

/**
 * A phase that continues may go straight into the next phase's `running` (compileJob's one-step shortcut);
 * that edge is the same move as the drawn `continue` through `succeeding`, so it is not drawn twice.
 */
function isShortcut(edge: Edge): boolean {
  const guard = edge.guard as { type?: unknown } | string | undefined;
  return (typeof guard === 'string' ? guard : guard?.type) === 'goesStraightOn';
}

function edgesOf(node: Node): { edge: Edge; label: string }[] {
  const out: { edge: Edge; label: string }[] = [];
  for (const [eventType, list] of node.transitions) {
    for (const edge of list) {
      if (isShortcut(edge)) continue;
      const g = guardLabel(edge.guard);
      out.push({ edge, label: g ? `${eventLabel(eventType)} [${g}]` : eventLabel(eventType) });
    }
  }
  for (const edge of node.always ?? []) {
    const g = guardLabel(edge.guard);
    out.push({ edge, label: g ? `[${g}]` : '' });
  }
  return out;
}

function statesDiagram(root: Node): string {
  const lines = ['stateDiagram-v2'];
  const all: Node[] = [];
  const collect = (node: Node) => {
    for (const child of Object.values(node.states)) {
      all.push(child);
      collect(child);
    }
  };
  collect(root);
  const leaves = all.filter((n) => Object.keys(n.states).length === 0);
  for (const leaf of leaves) lines.push(`  state "${leaf.id.replace(/^[^.]*\./, '')}" as ${safe(leaf.id)}`);
  const entry = (node: Node): Node => (node.initial?.target?.length ? entry(node.initial.target[0]) : node);
  lines.push(`  [*] --> ${safe(entry(root).id)}`);
  for (const node of all) {
    for (const { edge, label } of edgesOf(node)) {
      for (const target of edge.target ?? []) {
        const from = Object.keys(node.states).length ? leavesOf(node) : [node];
        for (const f of from)
          lines.push(`  ${safe(f.id)} --> ${safe(entry(target).id)}${label ? ` : ${label}` : ''}`);
      }
    }
    if (node.type === 'final') lines.push(`  ${safe(node.id)} --> [*]`);
  }
  return `${[...new Set(lines)].join('\n')}\n`;
}

function leavesOf(node: Node): Node[] {
  const children = Object.values(node.states);
  return children.length === 0 ? [node] : children.flatMap(leavesOf);
}

function phasesDiagram(root: Node): string {
  const lines = ['stateDiagram-v2'];
  const phaseOf = (node: Node): Node | undefined => {
    for (let n: Node | undefined = node; n; n = n.parent) if (isPhase(n)) return n;
    return undefined;
  };
  const declare = (node: Node, indent: string) => {
    for (const child of Object.values(node.states)) {
      if (isPhase(child) || Object.keys(child.states).length === 0) {
        lines.push(`${indent}state "${child.key}" as ${safe(child.id)}`);
      } else {
        lines.push(`${indent}state "${child.key}" as ${safe(child.id)} {`);
        declare(child, `${indent}  `);
        lines.push(`${indent}}`);
      }
    }
  };
  declare(root, '  ');
  const entryPhase = (node: Node): Node => {
    if (isPhase(node) || !node.initial?.target?.length) return node;
    return entryPhase(node.initial.target[0]);
  };
  lines.push(`  [*] --> ${safe(entryPhase(root).id)}`);
  const seen = new Set<string>();
  const visit = (node: Node) => {
    for (const child of Object.values(node.states)) {
      const phase = isPhase(child) ? child : undefined;
      const nodes = phase ? Object.values(phase.states) : [child];
      for (const step of nodes) {
        for (const { edge, label } of edgesOf(step)) {
          for (const target of edge.target ?? []) {
            const fromPhase = phaseOf(step);
            const to = phaseOf(target) ?? entryPhase(target);
            if (fromPhase && to === fromPhase) {
              // Inside one phase: show only retries, as a loop.
              if (step.key === 'running' && target.key === 'retrying') {
                const text = `  ${safe(fromPhase.id)} --> ${safe(fromPhase.id)} : retry`;
                if (!seen.has(text)) lines.push(text);
                seen.add(text);
              }
              continue;
            }
            const from = fromPhase ?? step;
            const short = phaseEdgeLabel(step.key, edge, label);
            const text = `  ${safe(from.id)} --> ${safe(to.id)}${short ? ` : ${short}` : ''}`;
            if (!seen.has(text)) lines.push(text);
            seen.add(text);
          }
        }
      }
      if (!phase && Object.keys(child.states).length) visit(child);
      if (child.type === 'final') lines.push(`  ${safe(child.id)} --> [*]`);
    }
  };
  visit(root);
  return `${lines.join('\n')}\n`;
}

/** The label of an edge leaving a phase, in the phase-level diagram. */
function phaseEdgeLabel(step: string, edge: Edge, label: string): string {
  const guard = (typeof edge.guard === 'string' ? { type: edge.guard } : (edge.guard ?? {})) as {
    type?: string;
    params?: Record<string, any>;
  };
  if (guard.type === 'nextIs') return String(guard.params?.via ?? label);
  if (guard.type === 'phaseDisabled') return 'skipped (when = false)';
  if (guard.type === 'cancelRequested') return 'cancel';
  if (guard.type === 'failureIsCancel') return 'cancelled';
  if (step === 'failing') return 'fatal';
  if (step === 'running' && edge.eventType.startsWith('xstate.error.actor.')) return 'fatal [skip-phase]';
  if (edge.eventType === 'xstate.done.actor.output') return 'output';
  if (edge.eventType === 'xstate.error.actor.output') return 'error';
  return label;
}
