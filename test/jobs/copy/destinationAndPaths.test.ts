import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { formatBytes, formatCount } from '../../../src/cli/format.js';
import { copyFailures, copySummary } from '../../../src/jobs/copy/copyDescriptor.js';
import type { CopyOutput } from '../../../src/jobs/copy/types.js';
import { tempDir } from '../../machines/helpers.js';
import { start, workspace } from './copyWorkspace.js';

describe('destination', () => {
  it('several sources into a directory that does not exist: it is made (as cp -t users expect) and everything copied', async () => {
    const ws = workspace();
    const base = tempDir();
    fs.writeFileSync(path.join(base, 'a.txt'), 'a');
    fs.writeFileSync(path.join(base, 'b.txt'), 'b');
    const out = path.join(base, 'newdir');
    const result = await start(ws, { sources: [`${base}/a.txt`, `${base}/b.txt`], destination: out }).result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(result.errorCount).toBe(0);
    expect(result.output).toMatchObject({ files: 2, failed: 0 });
    expect(fs.readFileSync(`${out}/a.txt`, 'utf8')).toBe('a');
    expect(fs.readFileSync(`${out}/b.txt`, 'utf8')).toBe('b');
  });

  it('a destination whose own directory does not exist is refused before anything is written', async () => {
    const ws = workspace();
    const base = tempDir();
    fs.writeFileSync(path.join(base, 'a.txt'), 'a');
    fs.writeFileSync(path.join(base, 'b.txt'), 'b');
    for (const sources of [[`${base}/a.txt`], [`${base}/a.txt`, `${base}/b.txt`]]) {
      const result = await start(ws, { sources, destination: `${base}/no/such/dir` }).result;
      expect(result.status).toBe('failed');
      expect(result.failure?.message).toMatch(/no\/such does not exist\. Create it first/);
    }
    expect(fs.existsSync(`${base}/no`)).toBe(false);
  });
});

describe('paths the job cannot handle are reported one by one, never fatal', () => {
  it('a tree deeper than PATH_MAX: everything within reach is copied, each path past it is a non-fatal error, and failed says how many', async () => {
    const ws = workspace();
    // Not in tempDir(): its cleanup (Node's rmSync) cannot remove paths past PATH_MAX; rm -rf can.
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'phasekit-deep-'));
    onTestFinished(() => void spawnSync('rm', ['-rf', src]));
    fs.writeFileSync(path.join(src, 'shallow.txt'), 'ok');
    // 20 levels of 250-byte names: 5,000+ bytes, past PATH_MAX (4096). Built relative to each level, in a
    // child process (a test worker cannot chdir).
    const script = `const fs=require('fs');process.chdir(${JSON.stringify(src)});const n='d'.repeat(250);
      for(let i=0;i<20;i++){fs.mkdirSync(n);process.chdir(n)}fs.writeFileSync('deep.txt','deep')`;
    expect(spawnSync(process.execPath, ['-e', script]).status).toBe(0);
    const out = path.join(tempDir(), 'out');
    const result = await start(ws, { sources: [src], destination: out }).result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(fs.readFileSync(`${out}/shallow.txt`, 'utf8')).toBe('ok');
    const output = result.output as CopyOutput;
    expect(output.failed).toBeGreaterThan(0);
    expect(output.failed).toBe(result.errorCount);
    expect(result.errors.every((e) => e.kind === 'nonFatal' && typeof e.details?.path === 'string')).toBe(
      true,
    );
    expect(result.errors.some((e) => /ENAMETOOLONG/.test(e.message))).toBe(true);
    // The CLI lists them and exits 1 (its descriptor's failures).
    const failures = copyFailures(output, result)!;
    expect(failures.count).toBe(output.failed);
    expect(failures.lines.length).toBe(result.errorCount);
    expect(copySummary(result.output as CopyOutput, { bytes: formatBytes, count: formatCount })).toMatch(
      /, \d+ failed/,
    );
  });

  it('a completed copy with nothing failed has no failures for the CLI', async () => {
    const ws = workspace();
    const base = tempDir();
    fs.writeFileSync(path.join(base, 'a'), 'a');
    const result = await start(ws, { sources: [`${base}/a`], destination: `${base}/b` }).result;
    expect(copyFailures(result.output as CopyOutput, result)).toBeUndefined();
    expect(copySummary(result.output as CopyOutput, { bytes: formatBytes, count: formatCount })).toBe(
      'copied 1/1 files (1 B), 0 dirs, 0 links',
    );
  });
});
