import { unencodableReason } from './stateCodec.js';

/** Where in a value something cannot be checkpointed, and why. */
export interface UnencodablePlace {
  /** A path readable as code, e.g. `state.cache.get("x").items[3]`. */
  readonly path: string;
  readonly reason: string;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Find the first place in `value` that a checkpoint cannot keep: a function, a symbol, a class instance, a
 * cycle, or nesting past `maxDepth`. `undefined` when there is none. Used to name the path in the error when
 * encoding fails, so it costs nothing on the happy path.
 */
export function findUnencodable(value: unknown, root: string, maxDepth = 900): UnencodablePlace | undefined {
  const ancestors = new Set<object>();
  const visit = (v: unknown, path: string, depth: number): UnencodablePlace | undefined => {
    const reason = unencodableReason(v);
    if (reason !== undefined) return { path, reason };
    if (typeof v !== 'object' || v === null || v instanceof Date || ArrayBuffer.isView(v)) return undefined;
    if (ancestors.has(v)) return { path, reason: 'a reference back to a value that contains it (a cycle)' };
    if (depth > maxDepth) return { path, reason: `nested deeper than ${maxDepth} levels` };
    ancestors.add(v);
    try {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const found = visit(v[i], `${path}[${i}]`, depth + 1);
          if (found) return found;
        }
      } else if (v instanceof Map) {
        let i = 0;
        for (const [key, entry] of v) {
          const keyFound = visit(key, `${path}.keys()[${i}]`, depth + 1);
          if (keyFound) return keyFound;
          const found = visit(entry, `${path}.get(${describeKey(key, i)})`, depth + 1);
          if (found) return found;
          i++;
        }
      } else if (v instanceof Set) {
        let i = 0;
        for (const member of v) {
          const found = visit(member, `${path}.values()[${i}]`, depth + 1);
          if (found) return found;
          i++;
        }
      } else {
        for (const key of Object.keys(v)) {
          const child = (v as Record<string, unknown>)[key];
          if (child === undefined) continue;
          const found = visit(
            child,
            IDENT.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`,
            depth + 1,
          );
          if (found) return found;
        }
      }
    } finally {
      ancestors.delete(v);
    }
    return undefined;
  };
  return visit(value, root, 0);
}

function describeKey(key: unknown, index: number): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'number' || typeof key === 'boolean' || key === null) return String(key);
  if (typeof key === 'bigint') return `${key}n`;
  return `/* key #${index} */`;
}
