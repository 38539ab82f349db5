/**
 * Builds phasekit's native modules (each `native/<name>.c`: the walk's directory reader `listdir`, duplicate detection's reader of small files `readfile`) into
 * `dist/native/<name>-<platform>-<arch>.node` with the C compiler (`$CC`, default `cc`) and Node's own
 * headers (`node_api.h`): plain N-API modules, no node-gyp, no download. `npm run build` calls it; the
 * packed tarball ships the result, which loads on the same platform and architecture under any Node with
 * N-API 8 (the ABI is stable across versions).
 *
 * It never fails the build: without a compiler or headers (or on a platform other than Linux) it says so in
 * one line and removes any old binary, and the code reads through `fs` as before
 * (`src/jobs/fs/nativeListDir.ts`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const outDir = path.join(root, 'dist/native');
const names = fs
  .readdirSync(path.join(root, 'native'))
  .filter((f) => f.endsWith('.c'))
  .map((f) => f.slice(0, -2));
const outOf = (name) => path.join(outDir, `${name}-${process.platform}-${process.arch}.node`);

/** Where Node's headers may be: npm's nodedir setting, then beside this Node's binary. */
function headerDir() {
  const candidates = [
    process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include/node'),
    path.join(path.dirname(process.execPath), '../include/node'),
    process.config?.variables?.node_prefix && path.join(process.config.variables.node_prefix, 'include/node'),
  ].filter(Boolean);
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'node_api.h'))) ?? null;
}

function skip(why, which = names) {
  for (const name of which) fs.rmSync(outOf(name), { force: true });
  console.error(
    `phasekit: native ${which.join(', ')} not built (${why}); that code reads through fs instead.`,
  );
}

build();

function build() {
  if (process.platform !== 'linux') return skip(`${process.platform} is not Linux`);
  const include = headerDir();
  if (include === null) return skip("no node_api.h: set npm's nodedir to a Node source or headers directory");
  fs.mkdirSync(outDir, { recursive: true });
  const cc = process.env.CC || 'cc';
  for (const name of names) {
    const out = outOf(name);
    const next = `${out}.next`;
    const flags = [
      '-O2',
      '-Wall',
      '-Wextra',
      '-Werror',
      '-std=c11',
      '-shared',
      '-fPIC',
      '-fvisibility=hidden',
    ];
    const built = spawnSync(
      cc,
      [...flags, `-I${include}`, '-DNAPI_VERSION=8', path.join(root, 'native', `${name}.c`), '-o', next],
      { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    if (built.error || built.status !== 0) {
      fs.rmSync(next, { force: true });
      skip(built.error ? `${cc}: ${built.error.message}` : `${cc} exited with ${built.status}`, [name]);
      continue;
    }
    // Renamed into place: a process that has the old one loaded keeps its mapping, a new one maps the new file.
    fs.renameSync(next, out);
  }
}
