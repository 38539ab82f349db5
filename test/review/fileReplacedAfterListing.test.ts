import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../machines/helpers.js';

const dist = (p: string) => pathToFileURL(path.resolve(import.meta.dirname, '../../dist', p)).href;

/**
 * Files listed as regular files by discovery, then replaced before the content (or deep) phase reads them:
 * one by a FIFO (opened blocking, it would hang the reading thread until some writer came, and read what a
 * writer sent), one by a symlink to a file outside the location (read through, its bytes would be hashed as
 * the entry's). Each is refused with a non-fatal error and the job completes. Run in a child process (the
 * built modules, hash threads included) so that a hang fails the test instead of blocking the runner.
 */
describe('review: a file replaced by a FIFO or a symlink after discovery listed it', () => {
  for (const mode of ['content', 'deep'] as const) {
    it(`${mode}: is not opened through (no hang, no outside bytes), a non-fatal error, the job completes`, () => {
      const dir = tempDir();
      const root = path.join(dir, 'tree');
      fs.mkdirSync(root);
      for (const name of ['fifo.txt', 'link.txt', 'kept.txt']) fs.writeFileSync(path.join(root, name), name);
      fs.writeFileSync(path.join(dir, 'secret.txt'), 'secret bytes');
      const script = `
        import { execFileSync } from 'node:child_process';
        import fs from 'node:fs';
        import { indexerJob } from ${JSON.stringify(dist('jobs/indexer/indexerJob.js'))};
        import { openLibrary } from ${JSON.stringify(dist('jobs/library/openLibrary.js'))};
        import { runJob } from ${JSON.stringify(dist('machines/runJob.js'))};
        import { SqliteStore } from ${JSON.stringify(dist('persistence/stores/SqliteStore.js'))};
        const root = ${JSON.stringify(root)};
        const library = openLibrary(${JSON.stringify(path.join(dir, 'library.db'))});
        const run = runJob(indexerJob, { path: root, mode: ${JSON.stringify(mode)} },
          { store: new SqliteStore(library.db), deps: { library } });
        run.events$.subscribe((e) => {
          if (e.type === 'phaseCompleted' && e.phase === 'discovery') {
            fs.rmSync(root + '/fifo.txt');
            execFileSync('mkfifo', [root + '/fifo.txt']);
            fs.rmSync(root + '/link.txt');
            fs.symlinkSync(${JSON.stringify(path.join(dir, 'secret.txt'))}, root + '/link.txt');
          }
        });
        const r = await run.result;
        const ids = library.db.prepare("SELECT name_text, content_id FROM entries WHERE kind = 'file' ORDER BY name_text").all();
        console.log(JSON.stringify({ status: r.status, errors: r.errors.map((e) => e.details?.path ?? e.message), ids }));
        library.close();
      `;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(child.signal, `the job hung\n${child.stderr}`).toBeNull();
      expect(child.status, child.stderr).toBe(0);
      const out = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {
        status: string;
        errors: string[];
        ids: { name_text: string; content_id: string | null }[];
      };
      expect(out.status).toBe('completed');
      expect(out.errors.some((e) => e.endsWith('fifo.txt'))).toBe(true);
      expect(out.errors.some((e) => e.endsWith('link.txt'))).toBe(true);
      const byName = Object.fromEntries(out.ids.map((r) => [r.name_text, r.content_id]));
      expect(byName['kept.txt']).not.toBeNull();
      expect(byName['link.txt']).toBeNull();
      expect(byName['fifo.txt']).toBeNull();
    });
  }
});
