import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import { DEFAULT_LIMITS } from '../../../src/jobs/validation/checkEntry.js';
import type { ValidationInput, ValidationOutput } from '../../../src/jobs/validation/types.js';
import { validationJob } from '../../../src/jobs/validation/validationJob.js';
import { resumeJob, runJob } from '../../../src/index.js';
import { tempDir } from '../../machines/helpers.js';
import { libraryWorkspaces } from '../libraryWorkspaces.js';
import { bytes } from '../duplicates/tree.js';
import { getValidationRun } from '../../../src/jobs/validation/validationRuns.js';

const workspace = libraryWorkspaces();
type Ws = ReturnType<typeof workspace>;

async function index(ws: Ws, root: string) {
  const result = await runJob(
    indexerJob,
    { path: root, mode: 'content' },
    { store: ws.store, deps: { library: ws.library } },
  ).result;
  expect(result.status).toBe('completed');
}

async function validate(ws: Ws, input: ValidationInput) {
  const result = await runJob(validationJob, input, { store: ws.store, deps: { library: ws.library } })
    .result;
  expect(result.status, JSON.stringify(result.failure)).toBe('completed');
  return result.output as ValidationOutput;
}

function write(root: string, rel: string, content: string | Buffer) {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** Change bytes of a file and put its mtime back to the nanosecond (as `touch -r` does). */
function corruptKeepingMtime(file: string, at: number) {
  const ref = `${file}.mtime-ref`;
  execFileSync('touch', ['-r', file, ref]);
  const content = fs.readFileSync(file);
  content[at] ^= 0xff;
  fs.writeFileSync(file, content);
  execFileSync('touch', ['-r', ref, file]);
  fs.rmSync(ref);
}

function makeTree(root: string) {
  write(root, 'docs/readme.md', '# hello\n'.repeat(100));
  write(root, 'docs/notes.txt', 'plain text\n');
  for (let i = 0; i < 20; i++) write(root, `data/${i}.bin`, bytes(`data${i}`, 1000 + i * 7000));
  write(root, 'big/large.bin', bytes('large', 300_000));
}

/** The issues as `kind path` lines, paths relative to the root, sorted. */
const found = (root: string, o: ValidationOutput) =>
  o.issues.map((i) => `${i.kind} ${i.severity} ${path.relative(root, i.path)}`).sort();

describe('validation', () => {
  it('reports nothing on an untouched tree, in every mode, and records full hashes on the first integrity run', async () => {
    const root = path.join(tempDir(), 'tree');
    makeTree(root);
    const ws = workspace();
    await index(ws, root);
    for (const mode of ['basic', 'integrity', 'complete'] as const) {
      const out = await validate(ws, { location: root, mode });
      expect(out.issues, mode).toEqual([]);
      expect(out).toMatchObject({ worst: null, failed: false, checked: 26 });
    }
    const first = ws.library.db.prepare('SELECT count(*) FROM file_hashes').pluck().get();
    expect(first).toBe(23);
    const again = await validate(ws, { location: root, mode: 'integrity' });
    expect(again.recorded).toBe(0);
    expect(again.hashedBytes).toBeGreaterThan(300_000);
  });

  it('finds every fault planted after indexing: deleted, truncated, silently corrupted, chmod, each name rule', async () => {
    const root = path.join(tempDir(), 'tree');
    makeTree(root);
    const ws = workspace();
    await index(ws, root);
    expect((await validate(ws, { location: root, mode: 'complete' })).issues).toEqual([]);
    // Names and contents other systems refuse, recorded by a new index.
    write(root, 'names/what?.txt', 'q');
    write(root, 'names/a<b>.txt', 'q');
    write(root, 'names/pipe|colon:.txt', 'q');
    write(root, 'names/trailing.', 'q');
    write(root, 'names/trailing ', 'q');
    write(root, `names/${'n'.repeat(100)}`, 'long');
    write(root, `${Array.from({ length: 32 }, (_, i) => `d${i}`).join('/')}/deep.txt`, 'deep');
    write(root, 'names/ctrl.txt', 'text with a \x01 control byte');
    write(root, 'names/empty.txt', '');
    write(root, 'names/huge.bin', Buffer.alloc(2_000_001, 1));
    await index(ws, root);
    // Faults on disk after the index.
    fs.rmSync(path.join(root, 'data/0.bin'));
    fs.truncateSync(path.join(root, 'data/1.bin'), 10);
    const corrupt = path.join(root, 'data/2.bin');
    const before = fs.statSync(corrupt);
    corruptKeepingMtime(corrupt, 500);
    // Between the content id's samples: only the full hash recorded by the first integrity run sees it.
    corruptKeepingMtime(path.join(root, 'big/large.bin'), 150_000);
    fs.chmodSync(path.join(root, 'docs/notes.txt'), 0o600);
    const untouchedMtime = fs.statSync(path.join(root, 'docs/readme.md')).mtime;
    const out = await validate(ws, {
      location: root,
      mode: 'complete',
      limits: { maxNameBytes: 64, hugeFileBytes: 2_000_000 },
    });
    expect(found(root, out)).toEqual(
      [
        'missing error data/0.bin',
        'truncated error data/1.bin',
        'silent-corruption critical data/2.bin',
        'silent-corruption critical big/large.bin',
        'permissions-changed warning docs/notes.txt',
        'unportable-name warning names/what?.txt',
        'unportable-name warning names/a<b>.txt',
        'unportable-name warning names/pipe|colon:.txt',
        'unportable-name warning names/trailing.',
        'unportable-name warning names/trailing ',
        `long-name warning names/${'n'.repeat(100)}`,
        `deep-path warning ${Array.from({ length: 32 }, (_, i) => `d${i}`).join('/')}/deep.txt`,
        'control-bytes warning names/ctrl.txt',
        'empty-file info names/empty.txt',
        'huge-file info names/huge.bin',
      ].sort(),
    );
    expect(out).toMatchObject({
      worst: 'critical',
      failed: true,
      bySeverity: { critical: 2, error: 2, warning: 9, info: 2 },
    });
    expect(out.issues.find((i) => i.kind === 'truncated')!.message).toMatch(/Is 10 bytes, was 8000/);
    // The run and its issues are in the library; validation changed no file.
    const run = getValidationRun(ws.library, out.runId)!;
    expect(run).toMatchObject({ mode: 'complete', issueCount: 15, checked: out.checked });
    expect(run.finishedAt).toBeGreaterThanOrEqual(run.startedAt);
    expect(run.issues.map((i) => i.kind).sort()).toEqual(out.issues.map((i) => i.kind).sort());
    expect(fs.statSync(path.join(root, 'docs/readme.md')).mtime).toEqual(untouchedMtime);
    expect(fs.statSync(corrupt).mtimeMs).toBe(before.mtimeMs);

    // Basic mode sees only what stat shows; failOn decides `failed`.
    const basic = await validate(ws, { location: root, mode: 'basic', failOn: 'critical' });
    expect(found(root, basic)).toEqual(['missing error data/0.bin', 'truncated error data/1.bin']);
    expect(basic).toMatchObject({ failed: false, hashedBytes: 0 });
    // The defaults.
    expect(DEFAULT_LIMITS).toEqual({ maxNameBytes: 255, maxDepth: 32, hugeFileBytes: 100e9 });
  });

  it('finds silent corruption on the very first integrity run through the content id the index recorded', async () => {
    const root = path.join(tempDir(), 'tree');
    makeTree(root);
    const ws = workspace();
    await index(ws, root);
    corruptKeepingMtime(path.join(root, 'data/3.bin'), 0);
    const out = await validate(ws, { location: root, mode: 'integrity' });
    expect(found(root, out)).toEqual(['silent-corruption critical data/3.bin']);
    // Its (wrong) hash is not recorded: the next run still reports it.
    expect((await validate(ws, { location: root, mode: 'integrity' })).issueCount).toBe(1);
  });

  it('a modified file is a warning (index again), not corruption; an unknown location fails with what to do', async () => {
    const root = path.join(tempDir(), 'tree');
    makeTree(root);
    const ws = workspace();
    await index(ws, root);
    await validate(ws, { location: root, mode: 'integrity' });
    const file = path.join(root, 'data/4.bin');
    fs.writeFileSync(file, bytes('new', fs.statSync(file).size + 5));
    const out = await validate(ws, { location: root, mode: 'integrity' });
    expect(found(root, out)).toEqual(['modified warning data/4.bin']);
    expect(out.failed).toBe(false);
    const bad = await runJob(
      validationJob,
      { location: '/not/indexed' },
      { store: ws.store, deps: { library: ws.library } },
    ).result;
    expect(bad.status).toBe('failed');
    expect(bad.failure?.message).toMatch(/No indexed location .*Index it first/);
  });

  it('a paused validation resumes after its last batch: same issues, none recorded twice', async () => {
    const root = path.join(tempDir(), 'tree');
    for (let i = 0; i < 600; i++) write(root, `many/${i % 10}/${i}.txt`, `file ${i}\n`);
    const ws = workspace();
    await index(ws, root);
    for (let i = 0; i < 600; i += 37) fs.rmSync(path.join(root, `many/${i % 10}/${i}.txt`));
    const reference = await validate(ws, { location: root, mode: 'integrity', batchSize: 20 });
    const run = runJob(
      validationJob,
      { location: root, mode: 'integrity', batchSize: 20 },
      { store: ws.store, deps: { library: ws.library } },
    );
    await new Promise<void>((resolve) => {
      const sub = run.events$.subscribe((e) => {
        if (e.type === 'checkpointed' && (run.state as { checked: number }).checked > 200) {
          sub.unsubscribe();
          resolve();
        }
      });
    });
    await run.pause();
    expect(run.position.step).toBe('paused');
    run.stop();
    const resumed = await resumeJob(validationJob, run.id, {
      store: ws.store,
      deps: { library: ws.library },
    });
    const result = await resumed.result;
    expect(result.status).toBe('completed');
    const out = result.output as ValidationOutput;
    expect(found(root, out)).toEqual(found(root, reference));
    expect(out.issueCount).toBe(17);
    expect(getValidationRun(ws.library, out.runId)).toMatchObject({ issueCount: 17, checked: out.checked });
    expect(getValidationRun(ws.library, out.runId)!.issues).toHaveLength(17);
  });
});
