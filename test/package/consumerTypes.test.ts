import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phasekit-consumer-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the published types', () => {
  it('compile for a consumer with strict and skipLibCheck: false, through every entry point', () => {
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(root, path.join(dir, 'node_modules', 'phasekit'));
    fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          skipLibCheck: false,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          noEmit: true,
          types: [],
        },
        files: ['consumer.ts'],
      }),
    );
    fs.writeFileSync(
      path.join(dir, 'consumer.ts'),
      `import { Continue, defineJob, MemoryStore, phase, runJob } from 'phasekit';
import { SqliteStore } from 'phasekit/sqlite';
import { indexerJob, openLibrary } from 'phasekit/jobs';
import { jobPaths } from 'phasekit/testing';
import { PostgresStore } from 'phasekit/postgres';
const job = defineJob({ name: 'x', version: 1, initialState: () => ({ n: 0 }), phases: [phase({ name: 'a', execute: async () => Continue })] });
export const run = runJob(job, {}, { store: new MemoryStore() });
export const used = [SqliteStore, indexerJob, openLibrary, jobPaths, PostgresStore];
`,
    );
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    let out = '';
    try {
      out = execFileSync(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json')], {
        encoding: 'utf8',
      });
    } catch (error) {
      out = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(out).toBe('');
  });
});
