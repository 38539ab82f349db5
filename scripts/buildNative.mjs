/**
 * Builds phasekit's directory reader (`native/listdir.c`) into `dist/native/listdir-<platform>-<arch>.node`
 * with the C compiler (`$CC`, default `cc`) and Node's own headers (`node_api.h`): a plain N-API module, no
 * node-gyp, no download. `npm run build` calls it; the packed tarball ships the result, which loads on the
 * same platform and architecture under any Node with N-API 8 (the ABI is stable across versions).
 *
 * It never fails the build: without a compiler or headers (or on a platform other than Linux) it says so in
 * one line and removes any old binary, and the indexer's walk reads directories through `fs` as before
 * (`src/jobs/fs/nativeListDir.ts`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const source = path.join(root, 'native/listdir.c');
const outDir = path.join(root, 'dist/native');
const out = path.join(outDir, `listdir-${process.platform}-${process.arch}.node`);

/** Where Node's headers may be: npm's nodedir setting, then beside this Node's binary. */
function headerDir() {
  const candidates = [
    process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include/node'),
    path.join(path.dirname(process.execPath), '../include/node'),
    process.config?.variables?.node_prefix && path.join(process.config.variables.node_prefix, 'include/node'),
  ].filter(Boolean);
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'node_api.h'))) ?? null;
}

function skip(why) {
  fs.rmSync(out, { force: true });
  console.error(`phasekit: the native directory reader was not built (${why}); the indexer reads directories through fs.`);
  process.exit(0);
}

if (process.platform !== 'linux') skip(`${process.platform} is not Linux`);
const include = headerDir();
if (include === null) skip("no node_api.h: set npm's nodedir to a Node source or headers directory");
fs.mkdirSync(outDir, { recursive: true });
const next = `${out}.next`;
const cc = process.env.CC || 'cc';
const built = spawnSync(
  cc,
  ['-O2', '-Wall', '-Wextra', '-Werror', '-std=c11', '-shared', '-fPIC', '-fvisibility=hidden', `-I${include}`, '-DNAPI_VERSION=8', source, '-o', next],
  { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
);
if (built.error || built.status !== 0) {
  fs.rmSync(next, { force: true });
  skip(built.error ? `${cc}: ${built.error.message}` : `${cc} exited with ${built.status}`);
}
// Renamed into place: a process that has the old one loaded keeps its mapping, a new one maps the new file.
fs.renameSync(next, out);
