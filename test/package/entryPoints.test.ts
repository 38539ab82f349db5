import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

/** Import `specifier` in a fresh Node process (through the package's own `exports`) and report what loaded. */
function load(specifier: string): { natives: string[]; names: string[] } {
  const script = `
    const m = await import(${JSON.stringify(specifier)});
    const natives = process.report.getReport().sharedObjects.filter((f) => f.endsWith('.node'));
    console.log(JSON.stringify({ natives, names: Object.keys(m) }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

describe('entry points', () => {
  it('phasekit (the core) loads no native module, and holds no file job or SQLite store', () => {
    const core = load('phasekit');
    expect(core.natives).toEqual([]);
    expect(core.names).toEqual(
      expect.arrayContaining(['runJob', 'resumeJob', 'MemoryStore', 'FileStore', 'createJobManager']),
    );
    expect(core.names).not.toContain('SqliteStore');
    expect(core.names).not.toContain('copyJob');
  });

  it('phasekit/sqlite and phasekit/jobs hold the store and the jobs', () => {
    const sqlite = load('phasekit/sqlite');
    expect(sqlite.names).toEqual(['SqliteStore']);
    const jobs = load('phasekit/jobs');
    expect(jobs.names).toEqual(
      expect.arrayContaining([
        'indexerJob',
        'copyJob',
        'deleteJob',
        'duplicatesJob',
        'validationJob',
        'thumbnailsJob',
        'openLibrary',
        'Library',
        'contentIdOfFile',
      ]),
    );
  });

  it('phasekit/testing loads without a native module too', () => {
    expect(load('phasekit/testing').natives).toEqual([]);
  });

  it('phasekit loads its own code as a few bundled modules, and msgpack inside them', () => {
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      await import('phasekit');
      const cjs = Object.keys(require.cache).map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(f)?.[1] ?? f);
      console.log(JSON.stringify({ cjs: [...new Set(cjs)].sort(), resolved: import.meta.resolve('phasekit') }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    const { cjs, resolved } = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(resolved).toMatch(/\/dist\/bundle\/index\.js$/);
    // Only xstate and rxjs, whose classes are the users' own, load as CommonJS packages.
    expect(cjs).toEqual(['rxjs', 'xstate']);
  });

  it('the entry points share their classes: a lease refused by phasekit/sqlite is the JobLockedError of phasekit', () => {
    const script = `
      const { JobLockedError, LeaseLostError } = await import('phasekit');
      const { SqliteStore } = await import('phasekit/sqlite');
      const store = new SqliteStore(':memory:');
      const owner = (workerId) => ({ workerId, pid: process.pid, host: 'here' });
      await store.acquire('job-1', owner('a'), { leaseMs: 60000 });
      const refused = await store.acquire('job-1', owner('b'), { leaseMs: 60000 }).catch((e) => e);
      console.log(JSON.stringify({ locked: refused instanceof JobLockedError, name: refused?.name, other: refused instanceof LeaseLostError }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({
      locked: true,
      name: 'JobLockedError',
      other: false,
    });
  });
});
