import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deleteJob } from '../../../src/jobs/delete/deleteJob.js';
import { resolveBytes } from '../../../src/jobs/fs/bytePaths.js';
import { MemoryStore, runJob } from '../../../src/index.js';
import { tempDir } from '../../machines/helpers.js';

/** `current` → `releases/v2`, and an `old` both at the top and under `releases/`. */
function releases() {
  const root = fs.realpathSync(tempDir());
  fs.mkdirSync(path.join(root, 'releases/v2'), { recursive: true });
  fs.mkdirSync(path.join(root, 'releases/old'));
  fs.writeFileSync(path.join(root, 'releases/old/f'), 'stale');
  fs.writeFileSync(path.join(root, 'old'), 'keep me');
  fs.symlinkSync('releases/v2', path.join(root, 'current'));
  return root;
}

describe('resolveBytes names what the kernel opens', () => {
  it('resolves `..` after a symlink through the file system, as the kernel does, not by text', () => {
    const root = releases();
    expect(resolveBytes(`${root}/current/../old`).toString()).toBe(`${root}/releases/old`);
    expect(resolveBytes(Buffer.from(`${root}/current/../old/./f`)).toString()).toBe(`${root}/releases/old/f`);
    expect(resolveBytes(`${root}/current/..`).toString()).toBe(`${root}/releases`);
    // The kernel agrees.
    expect(fs.readFileSync(`${root}/current/../old/f`, 'utf8')).toBe('stale');
  });

  it('never follows the last component, and normalizes only what the kernel would (`.`, `//`)', () => {
    const root = releases();
    expect(resolveBytes(`${root}//./current`).toString()).toBe(`${root}/current`);
    expect(resolveBytes(`${root}/releases/../current`).toString()).toBe(`${root}/current`);
  });

  it('relative paths go from the working directory; a prefix that does not exist is kept as given', () => {
    const root = releases();
    const cwd = process.cwd();
    try {
      process.chdir(root);
      expect(resolveBytes('current/../old').toString()).toBe(`${root}/releases/old`);
    } finally {
      process.chdir(cwd);
    }
    expect(resolveBytes(`${root}/missing/../old`).toString()).toBe(`${root}/missing/../old`);
    expect(fs.existsSync(`${root}/missing/../old`)).toBe(false);
  });

  it('a delete of `current/../old` removes releases/old, as rm would, and leaves the top-level old alone', async () => {
    const root = releases();
    const run = runJob(
      deleteJob,
      { paths: [`${root}/current/../old`], mode: 'permanent', confirm: true },
      { store: new MemoryStore(), deps: {} },
    );
    const result = await run.result;
    expect(result.status, JSON.stringify(result.failure)).toBe('completed');
    expect(fs.existsSync(path.join(root, 'releases/old'))).toBe(false);
    expect(fs.readFileSync(path.join(root, 'old'), 'utf8')).toBe('keep me');
  });
});
