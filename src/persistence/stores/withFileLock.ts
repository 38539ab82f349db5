import { randomBytes } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { FileLockTimeoutError } from './FileLockTimeoutError.js';
import { pidExists } from './leaseRules.js';

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** How long to wait for a live holder before giving up with {@link FileLockTimeoutError}. Default 10 000. */
  readonly timeoutMs?: number;
  /** Called each time the lock is found taken by a live holder and the caller starts waiting (a test hook). */
  readonly onWait?: () => void;
}

/** What a lock file holds: who took it. */
interface LockContent {
  readonly pid: number;
  readonly host: string;
  readonly at: number;
  readonly token: string;
}

/** A lock file that could not be parsed is stale once it is this old (its creator died between open and write). */
const UNWRITTEN_LOCK_STALE_MS = 2000;

/**
 * Run `task` holding the cross-process mutex `lockPath`, an exclusive-create lock file (`open(…, 'wx')`)
 * holding `{ pid, host, at, token }`, removed when `task` settles.
 *
 * A lock file whose holder is on this host and whose pid no longer exists is stale: it is removed and the
 * lock taken at once, so a process killed while holding it blocks nobody. Removing a stale lock is itself
 * done under `<lockPath>.break` (another exclusive-create file), and only after re-reading the lock file and
 * finding the same stale file: two processes breaking the same stale lock can never remove a fresh one.
 * (The one window left: a process killed inside those few calls leaves a stale `.break` file, which is
 * removed by the same pid rule.) A lock of another host is waited for; its liveness cannot be checked here.
 *
 * The lock is not reentrant: a task must not take the same lock again.
 */
export async function withFileLock<T>(
  lockPath: string,
  task: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const content: LockContent = {
    pid: process.pid,
    host: hostname(),
    at: Date.now(),
    token: randomBytes(8).toString('hex'),
  };
  const deadline = Date.now() + timeoutMs;
  let pause = 2;
  for (;;) {
    if (await tryCreate(lockPath, content)) break;
    if (await breakIfStale(lockPath)) continue;
    if (Date.now() > deadline) {
      const held = await readLock(lockPath);
      throw new FileLockTimeoutError(lockPath, timeoutMs, held?.content);
    }
    options.onWait?.();
    await delay(pause);
    pause = Math.min(pause * 2, 50);
  }
  try {
    return await task();
  } finally {
    await unlink(lockPath).catch(() => {});
  }
}

async function tryCreate(path: string, content: LockContent): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify(content));
  } finally {
    await handle.close();
  }
  return true;
}

/** A lock file as read: its raw text and inode identify it; `content` is undefined when it does not parse. */
interface ReadLock {
  readonly raw: string;
  readonly ino: number;
  readonly mtimeMs: number;
  readonly content: LockContent | undefined;
}

async function readLock(path: string): Promise<ReadLock | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const [raw, stat] = await Promise.all([handle.readFile('utf8'), handle.stat()]);
    return { raw, ino: stat.ino, mtimeMs: stat.mtimeMs, content: parse(raw) };
  } finally {
    await handle.close();
  }
}

function parse(raw: string): LockContent | undefined {
  try {
    const value = JSON.parse(raw) as Partial<LockContent> | null;
    if (typeof value?.pid === 'number' && typeof value.host === 'string' && typeof value.at === 'number') {
      return value as LockContent;
    }
  } catch {}
  return undefined;
}

function isStale(lock: ReadLock): boolean {
  if (lock.content === undefined) return Date.now() - lock.mtimeMs > UNWRITTEN_LOCK_STALE_MS;
  return lock.content.host === hostname() && !pidExists(lock.content.pid);
}

/** True when the lock file is gone or was stale and is now removed: try to create it again at once. */
async function breakIfStale(lockPath: string): Promise<boolean> {
  const seen = await readLock(lockPath);
  if (seen === undefined) return true;
  if (!isStale(seen)) return false;
  const breakPath = `${lockPath}.break`;
  const breaker: LockContent = { pid: process.pid, host: hostname(), at: Date.now(), token: '' };
  if (!(await tryCreate(breakPath, breaker))) {
    const other = await readLock(breakPath);
    if (other !== undefined && isStale(other)) await unlink(breakPath).catch(() => {});
    return false;
  }
  try {
    const again = await readLock(lockPath);
    if (again === undefined) return true;
    if (again.ino !== seen.ino || again.raw !== seen.raw) return false;
    await unlink(lockPath).catch(() => {});
    return true;
  } finally {
    await unlink(breakPath).catch(() => {});
  }
}
