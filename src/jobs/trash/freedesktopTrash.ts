/**
 * The freedesktop.org Trash specification (1.0), as far as putting things in the trash goes: which trash
 * directory a path belongs in, unique names there, and the `.trashinfo` file that lets a file manager show
 * and restore it. https://specifications.freedesktop.org/trash-spec/latest/
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import { asBuffer, basenameBytes, dirnameBytes } from '../fs/bytePaths.js';

/** Where the user's home trash is and who the user is; defaults from the process. */
export interface TrashEnvironment {
  /** `$XDG_DATA_HOME`, else `$HOME/.local/share`. */
  readonly dataHome: string;
  readonly uid: number;
}

/** The environment of this process. */
export function trashEnvironment(env: NodeJS.ProcessEnv = process.env): TrashEnvironment {
  const home = env.HOME ?? '/';
  const dataHome =
    env.XDG_DATA_HOME && nodePath.isAbsolute(env.XDG_DATA_HOME)
      ? env.XDG_DATA_HOME
      : nodePath.join(home, '.local/share');
  return { dataHome, uid: process.getuid?.() ?? 0 };
}

/** A trash directory: `files/` and `info/` under `dir`, and how `.trashinfo` paths are written in it. */
export interface TrashDir {
  readonly dir: Buffer;
  /** For a trash at the top of another mount, paths are written relative to that top directory. */
  readonly topdir: Buffer | null;
}

/**
 * The trash a path goes to: the home trash (`$XDG_DATA_HOME/Trash`) when the path is on the same device,
 * else the mount's `$topdir/.Trash/$uid` when that is a real sticky directory, else `$topdir/.Trash-$uid`.
 * Creates the trash's directories (mode 0700) if needed.
 */
export function trashDirFor(path: Uint8Array, env: TrashEnvironment): TrashDir {
  const device = fs.lstatSync(asBuffer(path)).dev;
  const home = Buffer.from(nodePath.join(env.dataHome, 'Trash'));
  if (deviceOf(home) === device) return ensure({ dir: home, topdir: null });
  const topdir = mountTop(dirnameBytes(path), device);
  const shared = Buffer.concat([topdir, Buffer.from('/.Trash')]);
  const st = fs.lstatSync(shared, { throwIfNoEntry: false });
  if (st?.isDirectory() && (st.mode & 0o1000) !== 0) {
    return ensure({ dir: Buffer.concat([shared, Buffer.from(`/${env.uid}`)]), topdir });
  }
  return ensure({
    dir: Buffer.concat([
      topdir,
      Buffer.from(topdir.length === 1 ? '' : '/'),
      Buffer.from(`.Trash-${env.uid}`),
    ]),
    topdir,
  });
}

function ensure(trash: TrashDir): TrashDir {
  for (const sub of ['files', 'info'])
    fs.mkdirSync(Buffer.concat([trash.dir, Buffer.from(`/${sub}`)]), { recursive: true, mode: 0o700 });
  return trash;
}

/** The device of a path, or of its nearest existing ancestor. */
function deviceOf(path: Buffer): number {
  let p = path;
  for (;;) {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (st) return st.dev;
    const up = dirnameBytes(p);
    if (up.equals(p)) return -1;
    p = up;
  }
}

/** The top directory of the mount holding `dir` (on `device`): the highest ancestor on that device. */
function mountTop(dir: Buffer, device: number): Buffer {
  let top = dir;
  for (;;) {
    const up = dirnameBytes(top);
    if (up.equals(top) || fs.statSync(up).dev !== device) return top;
    top = up;
  }
}

/**
 * A name for `path` in the trash that neither `files/` nor `info/` holds: the file's own name, else
 * `name.2`, `name.3`…
 */
export function uniqueTrashName(trash: TrashDir, path: Uint8Array): Buffer {
  const base = basenameBytes(path);
  for (let n = 1; ; n++) {
    const suffix = Buffer.from(n === 1 ? '' : `.${n}`);
    const name = Buffer.concat([shortened(base, MAX_TRASH_NAME - suffix.length), suffix]);
    if (
      !fs.existsSync(trashedPath(trash, name)) &&
      !fs.existsSync(infoPath(trash, name)) &&
      !isLink(trashedPath(trash, name))
    )
      return name;
  }
}

/**
 * Longest name in a trash: `info/<name>.trashinfo` must fit the usual 255-byte limit of a file name. A longer
 * name is shortened in the trash (the spec only asks that it be related to the original); its `.trashinfo`
 * keeps the full original path, so restoring puts it back under its own name.
 */
export const MAX_TRASH_NAME = 255 - '.trashinfo'.length;

/** `name` cut to at most `max` bytes, never inside a UTF-8 sequence. */
function shortened(name: Buffer, max: number): Buffer {
  if (name.length <= max) return name;
  let end = max;
  while (end > 0 && (name[end] & 0xc0) === 0x80) end--;
  return name.subarray(0, end);
}

/** `files/<name>` of a trash. */
export function trashedPath(trash: TrashDir, name: Uint8Array): Buffer {
  return Buffer.concat([trash.dir, Buffer.from('/files/'), name]);
}

/** `info/<name>.trashinfo` of a trash. */
export function infoPath(trash: TrashDir, name: Uint8Array): Buffer {
  return Buffer.concat([trash.dir, Buffer.from('/info/'), name, Buffer.from('.trashinfo')]);
}

/**
 * The `.trashinfo` text: `Path` percent-encoded byte by byte (RFC 2396 unreserved characters and `/` kept),
 * absolute for the home trash and relative to the top directory for a mount's trash; `DeletionDate` in local
 * time, `YYYY-MM-DDThh:mm:ss`. With `owner`, a last comment line (`# owner`, which readers of the format skip)
 * that lets the job that wrote it know the file for its own after a kill.
 */
export function trashInfo(trash: TrashDir, original: Uint8Array, deletedAt: Date, owner?: string): string {
  let path = asBuffer(original);
  if (trash.topdir) {
    const prefix = trash.topdir.length === 1 ? trash.topdir : Buffer.concat([trash.topdir, Buffer.from('/')]);
    path = path.subarray(prefix.length);
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  const d = deletedAt;
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return `[Trash Info]\nPath=${percentEncode(path)}\nDeletionDate=${date}\n${owner === undefined ? '' : `# ${owner}\n`}`;
}

function percentEncode(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.!~*'()/]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Put `path` in the trash under `name`, as the spec asks: the info file first, created only if no file of that
 * name exists (`O_EXCL`: a name another program, or another job, reserved at the same moment is never taken
 * over), written and fsync'ed, then the rename. An info file already there is taken as this job's own only when
 * it is one (`owner` and `Path` both this job's and this path's: a run killed before its rename). Returns
 * `'taken'`, having changed nothing, when the name is someone else's — the info file is theirs, or `files/<name>`
 * appeared — so the caller chooses another name.
 */
export function moveToTrash(
  trash: TrashDir,
  path: Uint8Array,
  name: Uint8Array,
  deletedAt: Date,
  owner: string,
): 'trashed' | 'taken' {
  const info = infoPath(trash, name);
  const text = trashInfo(trash, path, deletedAt, owner);
  let fd: number;
  try {
    fd = fs.openSync(info, 'wx', 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENAMETOOLONG') throw new TrashNameTooLongError(Buffer.from(path).toString(), error);
    if (code !== 'EEXIST' || !isOwnInfo(info, trash, path, owner)) {
      if (code === 'EEXIST') return 'taken';
      throw error;
    }
    fd = fs.openSync(info, fs.constants.O_WRONLY | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW);
  }
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  const trashed = trashedPath(trash, name);
  // The info file reserves the name for programs that follow the spec; one that does not may still have put a
  // file there: never rename over it.
  if (isLink(trashed)) {
    fs.rmSync(info, { force: true });
    return 'taken';
  }
  try {
    fs.renameSync(asBuffer(path), trashed);
  } catch (error) {
    fs.rmSync(info, { force: true });
    throw error;
  }
  return 'trashed';
}

/**
 * Whether the info file at `info` is the one this job (`owner`) wrote for `path`: its owner comment and its
 * `Path` line are both this job's. Anything else — another program's, another job's, unreadable — is not.
 */
export function isOwnInfo(info: Buffer, trash: TrashDir, path: Uint8Array, owner: string): boolean {
  let text: string;
  try {
    const fd = fs.openSync(info, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      text = fs.readFileSync(fd, 'latin1');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
  const lines = text.split('\n');
  const pathLine = trashInfo(trash, path, new Date(0)).split('\n')[1];
  return lines.includes(`# ${owner}`) && lines.includes(pathLine);
}

function isLink(path: Buffer): boolean {
  return fs.lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}

/** The file system refuses even a shortened name for the info file (a limit below 255 bytes). */
export class TrashNameTooLongError extends Error {
  override readonly name = 'TrashNameTooLongError';
  readonly code = 'ENAMETOOLONG';
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(
      `Could not trash ${path}: the trash's file system refuses its info file name as too long. Rename it shorter, or delete it with --mode permanent.`,
      { cause },
    );
  }
}
