import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import { deleteJob } from '../../../src/jobs/delete/deleteJob.js';
import type { DeleteDeps, DeleteInput } from '../../../src/jobs/delete/types.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { runJob } from '../../../src/index.js';
import { SqliteStore } from '../../../src/sqlite.js';
import { tempDir } from '../../machines/helpers.js';

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) library.close();
});

/** A library, its store and a home trash in a fresh temp dir (closed after the test). */
export function workspace(libraryDir = tempDir()) {
  const library = openLibrary(path.join(libraryDir, 'library.db'));
  const store = new SqliteStore(library.db);
  open.push(library);
  const dataHome = path.join(libraryDir, 'xdg-data');
  return { library, store, dir: libraryDir, trash: { dataHome, uid: process.getuid!() } };
}

/** Run the delete job to its end. */
export async function del(
  ws: ReturnType<typeof workspace>,
  input: DeleteInput,
  deps: Partial<DeleteDeps> = {},
) {
  const run = runJob(deleteJob, input, {
    store: ws.store,
    deps: { library: ws.library, trash: ws.trash, ...deps },
  });
  return { run, result: await run.result };
}

/** Every file, directory and symlink under `root` with its kind and a hash of its bytes or target. */
export function fingerprint(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const rel = path.relative(root, p);
      const st = fs.lstatSync(p);
      if (st.isDirectory()) {
        out[rel] = `dir ${st.ino}`;
        walk(p);
      } else if (st.isSymbolicLink()) out[rel] = `link ${fs.readlinkSync(p)}`;
      else
        out[rel] = `file ${st.ino} ${crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`;
    }
  };
  walk(root);
  return out;
}
