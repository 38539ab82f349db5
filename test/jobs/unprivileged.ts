import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
/** `nobody` on Debian. */
const NOBODY = 65534;

/**
 * Run an ES module script as a user without privileges — `nobody` when the suite runs as root (who would pass
 * every permission check), else the current user — and return what it printed. The script imports the built
 * package through `dist(...)`: `import { x } from ${dist('jobs/index.js')}`.
 */
export function runUnprivileged(script: (dist: (file: string) => string) => string): string {
  const dist = (file: string) => JSON.stringify(path.join(root, 'dist', file));
  const asRoot = process.getuid?.() === 0;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script(dist)], {
    encoding: 'utf8',
    ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  if (child.status !== 0) throw new Error(`unprivileged script failed: ${child.stderr}`);
  return child.stdout.trim();
}
