import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { basenameBytes, dirnameBytes } from '../fs/bytePaths.js';
import { DirectoryChangedError, DirHandle } from '../fs/DirHandle.js';
import { type FileIdentity, fileIdentity } from '../fs/fileIdentity.js';
import { displayPath, joinBytes } from '../fs/paths.js';
import { PathNotDeletedError } from './PathNotDeletedError.js';
import type { DeleteCounts, RemovalJournal } from './types.js';

const ERASE_BUFFER = 1024 * 1024;
/** Files removed at once in one directory. */
const PARALLEL = 32;
/** Names of one directory counted (and journalled) per checkpoint. */
const CHUNK = 2048;
const OPEN_FILE_NOFOLLOW = fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW;

/** What {@link removeTarget} works with: counts and journal it keeps true, and what it asks of the job. */
export interface RemoveContext {
  /** Overwrite regular files before unlinking them (secure mode): passes of random data; 0 for permanent. */
  readonly erasePasses: number;
  /** Counted as work is done — before it is done, with the journal saying so, then corrected on failure. */
  readonly counts: DeleteCounts;
  readonly journal: RemovalJournal;
  /** Save counts and journal (a forced checkpoint): called before anything counted in advance is removed. */
  persist(): Promise<void>;
  /** Called before each directory is entered, when nothing is in flight: may throw to pause. */
  between(): void;
  /** One path was left in place (the job goes on). */
  fail(error: PathNotDeletedError): void;
  /** The library's own files (identity → path) and folder: never overwritten, never entered. */
  readonly guard: {
    readonly libraryFiles: ReadonlyMap<FileIdentity, string>;
    readonly libraryDir?: FileIdentity;
  };
  /** Test hook: called with a directory's path just before it is opened (to swap it at that moment). */
  readonly beforeOpenDir?: (path: Buffer) => void;
}

/** How a target ended. */
export type RemoveOutcome = 'removed' | 'gone' | 'failed';

interface Item {
  readonly name: Buffer;
  readonly regular: boolean;
  /** Secure mode: the identity and size seen when the item was listed. */
  id?: FileIdentity;
  size?: number;
}

/**
 * Remove a file, symlink or whole directory tree, never following a symlink and never leaving the tree: each
 * directory is opened with `O_NOFOLLOW` through its parent's descriptor and checked against the device and
 * inode seen when it was listed, its children are addressed through its descriptor (so paths stay short at
 * any depth), and it is removed only after its identity is checked again. A path that cannot be removed is
 * reported through `fail` and the rest goes on; the folders above it stay.
 *
 * Counting is exact across kills: before anything is removed, what is about to be removed is counted and
 * journalled (`persist`); a resumed run recognises journalled directories by identity and does not count
 * their journalled names again. Idempotent: what is already gone is skipped.
 *
 * @param expected identity the target had when the job was planned (a replaced target is left alone).
 */
export async function removeTarget(
  path: Buffer,
  expected: FileIdentity | undefined,
  rc: RemoveContext,
): Promise<RemoveOutcome> {
  const shown = displayPath(path);
  const name = basenameBytes(path);
  let parent: DirHandle;
  try {
    parent = DirHandle.open(dirnameBytes(path), { noFollow: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return started(rc) ? 'removed' : 'gone';
    rc.fail(PathNotDeletedError.from(shown, error));
    return 'failed';
  }
  try {
    const st = parent.lstatChild(name);
    if (!st) return started(rc) ? 'removed' : 'gone';
    const id = fileIdentity(st);
    if (expected !== undefined && id !== expected) {
      rc.fail(PathNotDeletedError.from(shown, new DirectoryChangedError(shown, 'another file is there now')));
      return 'failed';
    }
    if (st.isDirectory()) return (await removeDir(parent, name, id, path, rc)) ? 'removed' : 'failed';
    const item: Item = { name, regular: st.isFile(), id, size: Number(st.size) };
    const counted = rc.journal.self === id;
    if (!counted) {
      rc.journal.self = id;
      count(rc, [item], +1);
      await rc.persist();
    }
    return (await removeItem(parent, item, path, rc)) ? 'removed' : 'failed';
  } finally {
    parent.close();
  }
}

/** True when the journal shows this target's removal under way (so a target found gone was removed by us). */
function started(rc: RemoveContext): boolean {
  return rc.journal.self !== null || rc.journal.dirs.length > 0;
}

/** Count items as removed (+1) or take them back (-1). */
function count(rc: RemoveContext, items: readonly Item[], sign: 1 | -1): void {
  for (const item of items) {
    rc.counts.files += sign;
    if (rc.erasePasses && item.regular) rc.counts.overwritten += sign * (item.size ?? 0) * rc.erasePasses;
  }
}

/** Remove directory `name` of `parent` (identity `expected`) and all it holds; true when it is gone. */
async function removeDir(
  parent: DirHandle,
  name: Buffer,
  expected: FileIdentity,
  path: Buffer,
  rc: RemoveContext,
): Promise<boolean> {
  const shown = displayPath(path);
  rc.between();
  rc.beforeOpenDir?.(path);
  let dir: DirHandle;
  try {
    dir = parent.openChild(name, expected, shown);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    rc.fail(PathNotDeletedError.from(shown, error));
    return false;
  }
  try {
    if (dir.identity === rc.guard.libraryDir) {
      rc.fail(
        new PathNotDeletedError(
          shown,
          'ELIBRARY',
          `Left ${shown} alone: it is the library's folder (mounted or linked here). Use another --library, or move it out first.`,
        ),
      );
      return false;
    }
    let entry = rc.journal.dirs.find((e) => e.id === dir.identity);
    let dirty = false;
    if (!entry) {
      entry = { id: dir.identity, names: [], sizes: [] };
      rc.journal.dirs.push(entry);
      rc.counts.dirs++;
      dirty = true;
    }
    const done = entry;
    const drop = () => rc.journal.dirs.splice(rc.journal.dirs.indexOf(done), 1);
    let dirents: fs.Dirent<Buffer>[];
    try {
      dirents = await fsp.readdir(dir.path, { withFileTypes: true, encoding: 'buffer' });
    } catch (error) {
      rc.counts.dirs--;
      drop();
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
      rc.fail(PathNotDeletedError.from(shown, error));
      return false;
    }
    // Plan from one look: the identity of every subdirectory, taken now, is what it must still be when entered.
    const subdirs: { name: Buffer; id: FileIdentity }[] = [];
    const carried = new Set(done.names.map((n) => Buffer.from(n).toString('latin1')));
    const again: Item[] = [];
    const fresh: Item[] = [];
    let ok = true;
    for (const d of dirents) {
      if (d.isDirectory()) {
        let st: fs.BigIntStats | undefined;
        try {
          st = dir.lstatChild(d.name);
        } catch (error) {
          rc.fail(PathNotDeletedError.from(displayPath(joinBytes(path, d.name)), error));
          ok = false;
          continue;
        }
        if (st?.isDirectory()) subdirs.push({ name: d.name, id: fileIdentity(st) });
        else if (st) fresh.push({ name: d.name, regular: st.isFile() });
        continue;
      }
      (carried.has(d.name.toString('latin1')) ? again : fresh).push({ name: d.name, regular: d.isFile() });
    }
    // Names a killed run had counted: remove them without counting them again.
    if (again.length > 0) {
      if (rc.erasePasses) describe(dir, again, done.names, done.sizes);
      if (dirty) await rc.persist();
      dirty = false;
      ok = (await removeItems(dir, again, path, rc)) && ok;
    }
    for (let i = 0; i < fresh.length; i += CHUNK) {
      const chunk = fresh.slice(i, i + CHUNK);
      if (rc.erasePasses) describe(dir, chunk);
      done.names = chunk.map((item) => item.name);
      done.sizes = chunk.map((item) => item.size ?? 0);
      count(rc, chunk, +1);
      await rc.persist();
      dirty = false;
      ok = (await removeItems(dir, chunk, path, rc)) && ok;
    }
    done.names = [];
    done.sizes = [];
    for (const sub of subdirs)
      ok = (await removeDir(dir, sub.name, sub.id, joinBytes(path, sub.name), rc)) && ok;
    if (!ok) {
      // What could not be removed below is reported already; the folders above it simply stay.
      rc.counts.dirs--;
      drop();
      return false;
    }
    if (dirty) await rc.persist();
    const now = parent.lstatChild(name);
    if (!now || fileIdentity(now) !== dir.identity) {
      rc.counts.dirs--;
      drop();
      if (!now) return true;
      rc.fail(PathNotDeletedError.from(shown, new DirectoryChangedError(shown, 'another file is there now')));
      return false;
    }
    try {
      fs.rmdirSync(parent.child(name));
    } catch (error) {
      rc.counts.dirs--;
      drop();
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
      rc.fail(PathNotDeletedError.from(shown, error));
      return false;
    }
    drop();
    return true;
  } finally {
    dir.close();
  }
}

/**
 * Secure mode: identity and size of each item (through the directory), for the overwrite's identity check
 * and the count of bytes. For names carried from a killed run, the size it counted is used.
 */
function describe(dir: DirHandle, items: Item[], names?: Uint8Array[], sizes?: number[]): void {
  const counted = new Map(names?.map((n, i) => [Buffer.from(n).toString('latin1'), sizes?.[i] ?? 0]));
  for (const item of items) {
    let st: fs.BigIntStats | undefined;
    try {
      st = dir.lstatChild(item.name);
    } catch {
      // Unreadable (EACCES): the overwrite's open fails and reports it.
    }
    item.id = st && fileIdentity(st);
    item.size = counted.get(item.name.toString('latin1')) ?? Number(st?.size ?? 0);
  }
}

/** Remove counted items of one directory, several at a time; an item that fails is taken back from the counts. */
async function removeItems(dir: DirHandle, items: Item[], path: Buffer, rc: RemoveContext): Promise<boolean> {
  let ok = true;
  for (let i = 0; i < items.length; i += PARALLEL) {
    const results = await Promise.all(
      items.slice(i, i + PARALLEL).map((item) => removeItem(dir, item, joinBytes(path, item.name), rc)),
    );
    if (results.includes(false)) ok = false;
  }
  return ok;
}

/** Remove one counted non-directory; on failure (or when someone else removed it) take it back from the counts. */
async function removeItem(dir: DirHandle, item: Item, path: Buffer, rc: RemoveContext): Promise<boolean> {
  const target = dir.child(item.name);
  try {
    if (item.regular && rc.erasePasses) {
      const own = item.id && rc.guard.libraryFiles.get(item.id);
      if (own) {
        const shown = displayPath(path);
        throw new PathNotDeletedError(
          shown,
          'ELIBRARY',
          `Left ${shown} alone: it is a hard link to the library's own file ${own}, which a secure delete would destroy. Remove that link with a permanent delete or rm if you mean to.`,
        );
      }
      await eraseFile(target, rc.erasePasses, item.id);
      const now = dir.lstatChild(item.name);
      if (now && fileIdentity(now) !== item.id)
        throw new DirectoryChangedError(displayPath(path), 'another file is there now');
    }
    await fsp.unlink(target);
    return true;
  } catch (error) {
    count(rc, [item], -1);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    rc.fail(PathNotDeletedError.from(displayPath(path), error));
    return false;
  }
}

/**
 * Overwrite a file's bytes in place with random data, `passes` times, fsync after each pass, so its old
 * contents are not in the file when it is unlinked. Opened with `O_NOFOLLOW` (a symlink put in its place is
 * not written through) and, given `expected`, checked to be that file by device and inode. Returns the bytes
 * written. (On copy-on-write or journaling-data filesystems and SSDs old blocks may survive elsewhere: this
 * clears the file, not the disk.)
 */
export async function eraseFile(path: Buffer, passes: number, expected?: FileIdentity): Promise<number> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(path, OPEN_FILE_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP')
      throw new DirectoryChangedError(displayPath(path), 'a symlink now');
    throw error;
  }
  let written = 0;
  try {
    const st = await fh.stat({ bigint: true });
    if (expected !== undefined && fileIdentity(st) !== expected)
      throw new DirectoryChangedError(displayPath(path), 'another file is there now');
    if (!st.isFile()) throw new DirectoryChangedError(displayPath(path), 'not a regular file now');
    const size = Number(st.size);
    const buffer = Buffer.allocUnsafe(Math.min(ERASE_BUFFER, Math.max(size, 1)));
    for (let pass = 0; pass < passes; pass++) {
      for (let at = 0; at < size; ) {
        const n = Math.min(buffer.length, size - at);
        crypto.randomFillSync(buffer, 0, n);
        const { bytesWritten } = await fh.write(buffer, 0, n, at);
        at += bytesWritten;
        written += bytesWritten;
      }
      await fh.sync();
    }
  } finally {
    await fh.close();
  }
  return written;
}
