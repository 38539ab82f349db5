import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countFiles } from '../../../src/jobs/delete/countFiles.js';
import { MAX_TRASH_NAME } from '../../../src/jobs/trash/freedesktopTrash.js';
import { tempDir } from '../../machines/helpers.js';
import { del, workspace } from './workspace.js';

const LEVELS = 25;
const NAME = 'd'.repeat(200);

/** base/deep/<200 chars>/<200 chars>/… 25 levels (> 5,000 bytes, past PATH_MAX), a file at each level. */
function deepTree(base: string): void {
  const script = `cd "$1" && mkdir deep && cd deep && for i in $(seq ${LEVELS}); do echo x > f; mkdir ${NAME}; cd ${NAME}; done; echo bottom > last`;
  const made = spawnSync('bash', ['-c', script, 'bash', base], { encoding: 'utf8' });
  expect(made.status, made.stderr).toBe(0);
}

describe('delete: paths longer than PATH_MAX', () => {
  for (const mode of ['permanent', 'secure'] as const) {
    it(`${mode}: a tree deeper than 4,096 bytes of path is removed whole and counted exactly`, async () => {
      const ws = workspace();
      const base = tempDir();
      deepTree(base);
      expect(base.length + LEVELS * (NAME.length + 1)).toBeGreaterThan(4096);
      expect(countFiles(Buffer.from(path.join(base, 'deep')))).toBe(LEVELS + 1);
      const { result } = await del(ws, { paths: [path.join(base, 'deep')], mode, confirm: true, passes: 1 });
      expect(result.status).toBe('completed');
      expect(result.errors).toEqual([]);
      expect(result.output).toMatchObject({ files: LEVELS + 1, dirs: LEVELS + 1, failed: 0 });
      expect(fs.readdirSync(base)).toEqual([]);
    });
  }
});

describe('delete: trash of a name too long for its .trashinfo', () => {
  it('a 250-byte name goes to the trash under a shortened name; its info keeps the full path', async () => {
    const ws = workspace();
    const base = tempDir();
    const long = `${'é'.repeat(100)}${'n'.repeat(50)}`; // 250 bytes, a UTF-8 sequence across byte 245
    expect(Buffer.byteLength(long)).toBe(250);
    fs.writeFileSync(path.join(base, long), 'long');
    fs.writeFileSync(path.join(base, `${long.slice(0, -1)}x`), 'second'); // same shortened name
    const { result } = await del(ws, {
      paths: [path.join(base, long), path.join(base, `${long.slice(0, -1)}x`)],
    });
    expect(result.status).toBe('completed');
    expect(result.errors).toEqual([]);
    expect(result.output).toMatchObject({ targets: 2, failed: 0 });
    expect(fs.readdirSync(base)).toEqual([]);
    const trash = path.join(ws.trash.dataHome, 'Trash');
    const names = fs.readdirSync(path.join(trash, 'files')).sort();
    expect(names).toHaveLength(2);
    for (const name of names) {
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_TRASH_NAME);
      expect(name.startsWith('é'.repeat(100))).toBe(true); // cut on a character boundary
      const info = fs.readFileSync(path.join(trash, 'info', `${name}.trashinfo`), 'utf8');
      const original = decodeURIComponent(/Path=(.+)/.exec(info)![1]);
      expect(fs.readFileSync(path.join(trash, 'files', name), 'utf8')).toBe(
        original === path.join(base, long) ? 'long' : 'second',
      );
    }
  });
});
