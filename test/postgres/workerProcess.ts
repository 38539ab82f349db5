import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** A line a worker process printed. */
export type Line = { readonly type: string; readonly [key: string]: unknown };

/** A worker (or control) process of the tests, with the JSON lines it printed so far. */
export interface TestProcess {
  readonly child: ChildProcess;
  readonly lines: Line[];
  readonly stderr: () => string;
  /** Resolves with the first line (from the start) that `test` accepts. */
  until(test: (line: Line) => boolean): Promise<Line>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Every line printed by any test process, for waits that span processes. */
const listeners = new Set<() => void>();

/** Start `fixtures/<script>` with `args`. */
export function startFixture(script: string, args: readonly string[]): TestProcess {
  const child = spawn(process.execPath, [path.join(fixtures, script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Line[] = [];
  let buffer = '';
  let err = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffer += chunk;
    let end = buffer.indexOf('\n');
    while (end >= 0) {
      lines.push(JSON.parse(buffer.slice(0, end)) as Line);
      buffer = buffer.slice(end + 1);
      end = buffer.indexOf('\n');
    }
    for (const listener of [...listeners]) listener();
  });
  child.stderr!.on('data', (chunk) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      for (const listener of [...listeners]) listener();
      resolve({ code, signal });
    }),
  );
  return {
    child,
    lines,
    stderr: () => err,
    exited,
    until: (test) => waitFor(() => lines.find(test)),
  };
}

/** Resolves with `probe()`'s first defined value, checked after every line any test process prints. */
export function waitFor<T>(probe: () => T | undefined): Promise<T> {
  return new Promise((resolve) => {
    const check = () => {
      const value = probe();
      if (value === undefined) return;
      listeners.delete(check);
      resolve(value);
    };
    listeners.add(check);
    check();
  });
}

/** True when the process is stopped (SIGSTOP): state `T` in /proc/PID/stat. */
export function isStopped(pid: number): boolean {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'T';
}

/** Fail fast when dist/ is older than the sources the worker processes run. */
export function assertBuilt(): void {
  const built = path.join(root, 'dist/postgres.js');
  const newest = (dir: string): number => {
    let latest = 0;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts'))
        latest = Math.max(latest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
    }
    return latest;
  };
  const latest = Math.max(
    ...['manager', 'machines', 'persistence', 'phases', 'adapters'].map((d) =>
      newest(path.join(root, 'src', d)),
    ),
  );
  if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < latest) {
    throw new Error('dist/ is missing or older than src/: run `npm run build` before this test.');
  }
}
