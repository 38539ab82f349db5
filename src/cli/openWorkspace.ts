import fs from 'node:fs';
import path from 'node:path';
import { SqliteStore } from '../persistence/stores/SqliteStore.js';
import type { Library } from '../jobs/library/Library.js';
import { openLibrary } from '../jobs/library/openLibrary.js';
import type { SnapshotStore } from '../persistence/types.js';
import { CliError } from './CliError.js';

/** The library and the job store, sharing one SQLite file so a batch and its checkpoint commit together. */
export interface Workspace {
  readonly file: string;
  readonly library: Library;
  /** The library's own SqliteStore, or the shared store `--store` named (PostgreSQL). */
  readonly store: SnapshotStore;
  close(): void | Promise<void>;
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

/** Options every command that reads jobs takes: the local library, and optionally a shared store. */
export interface StoreOption {
  readonly library?: string;
  /** `postgres://…`: jobs live in this shared store instead of the library's file (see docs/workers.md). */
  readonly store?: string;
  readonly schema?: string;
}

/**
 * The workspace for `jobs`, `pause`, `resume` and `cancel`: the library (the file jobs' deps) and, with `--store
 * postgres://…`, the shared PostgreSQL store in place of the library's own (loaded only then). Close it with
 * `await ws.close()`.
 */
export async function openWorkspaceFor(
  file: string,
  options: StoreOption,
  { create = false } = {},
): Promise<Workspace> {
  if (options.store === undefined) return openWorkspace(file, { create });
  if (!/^postgres(ql)?:\/\//.test(options.store)) {
    throw new CliError(`--store must be a postgres:// URL, got "${options.store}".`);
  }
  const { PostgresStore } = await import('../persistence/stores/PostgresStore.js');
  let shared: Awaited<ReturnType<typeof PostgresStore.open>>;
  try {
    shared = await PostgresStore.open({
      connectionString: options.store,
      schema: options.schema ?? 'phasekit',
    });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  // The library holds the local deps of the file jobs (their entries); created on first use as `index` does.
  let local: Workspace;
  try {
    local = openWorkspace(file, { create: true });
  } catch (error) {
    await shared.close();
    throw error;
  }
  return {
    file: local.file,
    library: local.library,
    store: shared,
    async close() {
      await local.close();
      await shared.close();
    },
  };
}
