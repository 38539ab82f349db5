import path from 'node:path';
import { afterEach } from 'vitest';
import type { Library } from '../../src/jobs/library/Library.js';
import { openLibrary } from '../../src/jobs/library/openLibrary.js';
import { SqliteStore } from '../../src/sqlite.js';
import { tempDir } from '../machines/helpers.js';

/**
 * For a test file: a maker of workspaces, each a fresh library file in a temp directory and a job store on its
 * connection (as the CLI opens them), closed after each test.
 */
export function libraryWorkspaces(): () => { library: Library; store: SqliteStore } {
  const open: Library[] = [];
  afterEach(() => {
    for (const library of open.splice(0)) library.close();
  });
  return () => {
    const library = openLibrary(path.join(tempDir(), 'library.db'));
    open.push(library);
    return { library, store: new SqliteStore(library.db) };
  };
}
