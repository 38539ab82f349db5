import fs from 'node:fs';
import path from 'node:path';
import { SqliteStore } from '../persistence/stores/SqliteStore.js';
import type { Library } from '../jobs/library/Library.js';
import { openLibrary } from '../jobs/library/openLibrary.js';
import { CliError } from './CliError.js';

/** The library and the job store, sharing one SQLite file so a batch and its checkpoint commit together. */
export interface Workspace {
  readonly file: string;
  readonly library: Library;
  readonly store: SqliteStore;
  close(): void;
}

/** Open (creating if needed) the library file and the job store in it. */
export function openWorkspace(file: string, { create = true } = {}): Workspace {
  const dir = path.dirname(file);
  if (!fs.existsSync(file)) {
    if (!create)
      throw new CliError(
        `No library at ${file}. Index a directory first (phasekit index DIR), or pass --library FILE.`,
      );
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.accessSync(dir, fs.constants.W_OK);
    } catch (error) {
      throw new CliError(
        `Cannot create the library at ${file}: ${(error as Error).message}. Pass --library with a writable path.`,
      );
    }
  } else if (fs.statSync(file).isDirectory()) {
    throw new CliError(
      `The library path ${file} is a directory. Pass --library with a file path, e.g. ${path.join(file, 'library.db')}.`,
    );
  }
  let library: Library;
  try {
    library = openLibrary(file);
  } catch (error) {
    throw new CliError(`${(error as Error).message}`);
  }
  let store: SqliteStore;
  try {
    store = new SqliteStore(library.db);
  } catch (error) {
    library.close();
    throw new CliError(`${(error as Error).message}`);
  }
  return {
    file,
    library,
    store,
    close() {
      library.close();
    },
  };
}
