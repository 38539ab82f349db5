import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

/** Newest modification time of any file under `dir` (0 when there is none). */
export function newestMtime(dir: string, filter: (file: string) => boolean = () => true): number {
  let newest = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (filter(file)) newest = Math.max(newest, fs.statSync(file).mtimeMs);
  }
  return newest;
}

/** True when `dist/` is missing or some file in `src/` changed since it was built. */
export function distIsStale(base = root): boolean {
  const built = newestMtime(path.join(base, 'dist'), (f) => f.endsWith('.js'));
  return built === 0 || newestMtime(path.join(base, 'src')) > built;
}

/**
 * Build `base/dist` with `build()` when it is stale. Several test runs may start at once: a lock file in
 * `dist/` lets one build while the others wait for it, then find it fresh.
 */
export function buildIfStale(base: string, build: () => void): boolean {
  if (!distIsStale(base)) return false;
  const dist = path.join(base, 'dist');
  const lock = path.join(dist, '.build.lock');
  fs.mkdirSync(dist, { recursive: true });
  const deadline = Date.now() + 180_000;
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = fs.openSync(lock, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than the longest build is one a killed run left behind.
      const since = fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - since > 180_000) fs.rmSync(lock, { force: true });
      if (Date.now() > deadline) throw new Error(`Waited 3 minutes for another build; remove ${lock}.`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (!distIsStale(base)) return false; // another run built it while this one waited
    build();
    return true;
  } finally {
    fs.closeSync(fd);
    fs.rmSync(lock, { force: true });
  }
}

/**
 * Vitest global setup: the end-to-end tests run the built CLI (`dist/`), so build it first when any file in
 * `src/` is newer than it — tests then always run against the current source. A build with type errors still
 * emits JavaScript (tsc's default): the errors are printed and the tests go on; a build that cannot run at
 * all fails the run.
 */
export default function setup(): void {
  buildIfStale(root, () => {
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, encoding: 'utf8' });
    if (build.error) throw new Error(`Could not run npm run build: ${build.error.message}`);
    if (build.status !== 0) {
      process.stderr.write(
        `globalSetup: npm run build reported errors (dist/ was still emitted):\n${build.stdout}${build.stderr}\n`,
      );
    }
  });
}
