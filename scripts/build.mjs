/**
 * `npm run build`: tsc emits `dist/` (modules and declarations), then rolldown bundles the entry points into
 * `dist/bundle/` (rolldown.config.mjs). The bundles are made even when tsc reports type errors — tsc still
 * emits, and bundles older than the modules they come from would be worse than either — and the build then
 * fails with tsc's status.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bin = (name) => path.join(root, 'node_modules/.bin', name);
const run = (command, args, stdout = 'inherit') =>
  spawnSync(command, args, { cwd: root, stdio: ['inherit', stdout, 'inherit'] }).status ?? 1;

const typed = run(bin('tsc'), ['-p', 'tsconfig.build.json']);
// Chunks are named by hash: clear the old ones, which nothing imports any more.
fs.rmSync(path.join(root, 'dist/bundle'), { recursive: true, force: true });
// Its table of chunk sizes is not news; warnings and errors go to stderr.
const bundled = run(bin('rolldown'), ['-c', 'rolldown.config.mjs', '--logLevel', 'warn'], 'ignore');
process.exit(typed || bundled);
