import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

const root = path.resolve(import.meta.dirname, '../..');

/** The built CLI the end-to-end tests run. */
export const cli = path.join(root, 'dist/cli/main.js');

/**
 * A directory holding `phasekit` (a link to the built CLI), put first on this process's PATH so every CLI the
 * tests start finds itself there, as after `npm install -g`: its hints then say `phasekit …`, not `npx phasekit …`.
 */
export const binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'phasekit-bin-'));
fs.symlinkSync(cli, path.join(binDir, 'phasekit'));
// npm makes a package's bin executable when it installs it; tsc does not.
if (fs.existsSync(cli)) fs.chmodSync(cli, 0o755);
process.env.PATH = `${binDir}${path.delimiter}${process.env.PATH ?? ''}`;

/** Fail early, with what to do, when the CLI has not been built. */
export function requireBuiltCli(): void {
  if (!fs.existsSync(cli))
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test.');
}

/** Run the CLI to its end. `uid` runs it as another user (the tests run as root). */
export function phasekit(args: string[], options: { uid?: number; env?: NodeJS.ProcessEnv } = {}) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    maxBuffer: 256 * 1024 * 1024,
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A CLI process being watched: its output so far, a wait for a text in it, and its exit. */
export interface PhasekitChild {
  readonly child: ChildProcessWithoutNullStreams;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves once stdout + stderr contain `text` (or match it). */
  waitFor(text: string | RegExp): Promise<void>;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start the CLI without waiting for it. */
export function startPhasekit(args: string[], options: { env?: NodeJS.ProcessEnv } = {}): PhasekitChild {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: { test: (s: string) => boolean; resolve: () => void }[] = [];
  const seen = (d: Buffer) => {
    out += d;
    for (const w of waiters.splice(0)) {
      if (w.test(out)) w.resolve();
      else waiters.push(w);
    }
  };
  child.stdout.on('data', seen);
  child.stderr.on('data', seen);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => out,
    exited,
    waitFor(text) {
      const test = (s: string) => (typeof text === 'string' ? s.includes(text) : text.test(s));
      if (test(out)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiters.push({ test, resolve });
        exited.then(() => {
          if (!test(out)) reject(new Error(`phasekit exited before printing ${String(text)}:\n${out}`));
        });
      });
    },
  };
}

/**
 * Start the CLI and SIGKILL it `ms` after its output first contains `trigger` (by default its first progress
 * line), unless it ends first.
 */
export function killAfter(args: string[], ms: number, trigger = '"type":"progress"') {
  return new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (d) => {
      out += d;
      if (!timer && out.includes(trigger)) timer = setTimeout(() => child.kill('SIGKILL'), ms);
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

/**
 * Run the CLI to its end and time it from the first line containing `trigger` to its exit: how long a job
 * runs once it reports (for kill moments that land while it runs however fast this build and machine are).
 */
export function runTimed(args: string[], trigger = '"type":"progress"') {
  return new Promise<{ code: number | null; out: string; afterTriggerMs: number }>((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let seen: number | null = null;
    child.stdout.on('data', (d) => {
      out += d;
      if (seen === null && out.includes(trigger)) seen = performance.now();
    });
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) =>
      resolve({ code, out, afterTriggerMs: performance.now() - (seen ?? performance.now()) }),
    );
  });
}

/** The scheduler state of process `pid` (`R`, `S`, `T` stopped, …), from /proc. */
function processState(pid: number): string {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
}

/**
 * SIGSTOP `child` at a moment it holds no write transaction on `library` (so other processes can still write
 * it): stop it, check the write lock is free, and if not let it go on a little and stop it again. Undo with
 * `child.kill('SIGCONT')`.
 */
export async function holdStill(child: ChildProcess, library: string): Promise<void> {
  const db = new Database(library, { timeout: 0 });
  try {
    for (;;) {
      child.kill('SIGSTOP');
      while (processState(child.pid!) !== 'T') await new Promise((resolve) => setImmediate(resolve));
      try {
        db.exec('BEGIN IMMEDIATE');
        db.exec('ROLLBACK');
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
      }
      child.kill('SIGCONT');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    db.close();
  }
}

/**
 * The last JSON line of a run's output as an object (a job command's result with `--json`). Output that holds
 * stderr too (`killAfter`'s) may end with a summary line after it: a job with failed items prints one.
 */
export function lastJson(output: string): any {
  const lines = output.trim().split('\n');
  return JSON.parse(lines.filter((l) => l.startsWith('{')).at(-1) ?? lines.at(-1)!);
}

process.on('exit', () => fs.rmSync(binDir, { recursive: true, force: true }));
