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
// The native modules (native/*.c; never fails the build: without a compiler the walks read through fs).
run(process.execPath, [path.join(root, 'scripts/buildNative.mjs')]);
// tsc writes new files without the executable bit; the package's bins need it, in a checkout and in the
// packed tarball (npm pack keeps the mode it finds), or a shell says "phasekit: Permission denied".
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
for (const file of Object.values(pkg.bin ?? {})) {
  const target = path.join(root, file);
  if (fs.existsSync(target)) fs.chmodSync(target, 0o755);
}
// `phasekit --help` answered from a file (src/cli/answerAtOnce.ts): the program's own help, saved now, after
// the modules it is made from (so it is not older than they are).
const help = spawnSync(process.execPath, [path.join(root, 'dist/cli/program.js'), '--help'], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, COLUMNS: '' },
});
if (help.status === 0 && help.stdout) {
  const file = path.join(root, 'dist/cli/help.txt');
  fs.writeFileSync(`${file}.next`, help.stdout);
  fs.renameSync(`${file}.next`, file);
} else {
  fs.rmSync(path.join(root, 'dist/cli/help.txt'), { force: true });
}
// Into a fresh directory, then swapped in: chunks are named by hash (the old ones go), and a test run
// importing 'phasekit' meanwhile finds the old bundles or the new ones, never a half-written directory.
const next = path.join(root, 'dist/.bundle-next');
const old = path.join(root, 'dist/.bundle-old');
for (const dir of [next, old]) fs.rmSync(dir, { recursive: true, force: true });
// Its table of chunk sizes is not news; warnings and errors go to stderr.
const bundled = run(
  bin('rolldown'),
  ['-c', 'rolldown.config.mjs', '--logLevel', 'warn', '-d', next],
  'ignore',
);
if (bundled === 0) {
  const bundle = path.join(root, 'dist/bundle');
  if (fs.existsSync(bundle)) fs.renameSync(bundle, old);
  fs.renameSync(next, bundle);
  fs.rmSync(old, { recursive: true, force: true });
}
process.exit(typed || bundled);
