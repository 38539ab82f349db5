/**
 * The package's modules as shipped: `tsc -p tsconfig.build.json` emits `dist/` (one module per source file,
 * and the declarations `exports` names), then this bundles each entry point into `dist/bundle/`: the
 * entries of `exports`, and the files the code starts by URL relative to itself (the hash, walk and content id workers,
 * the crash-point child). One build with shared chunks, so that every entry has the same classes (an error
 * thrown by `phasekit/sqlite` is `instanceof` the class `phasekit` exports); one flat directory, so that
 * `new URL('./hashWorker.js', import.meta.url)` finds the worker from any chunk. Packages stay external
 * (users' `xstate` and `rxjs` are phasekit's). `import('phasekit')` then loads 1 module of ours, not ~90.
 * The CLI's program (`cli`, from `dist/cli/program.js`) is one more entry: `dist/cli/main.js` (tsc output, so
 * `--help` and `--version` stay a file read) imports it. Its commands' dynamic imports become chunks of their own,
 * so it still loads a command's modules only when that command runs.
 */
import fs from 'node:fs';

const pkg = JSON.parse(fs.readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
// `@msgpack/msgpack` is bundled in: users never see its objects, and its CommonJS build is 16 files to load.
const inlined = new Set(['@msgpack/msgpack']);
const packages = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies ?? {})].filter(
  (name) => !inlined.has(name),
);

export default {
  input: {
    index: 'dist/index.js',
    sqlite: 'dist/sqlite.js',
    jobs: 'dist/jobs/index.js',
    testing: 'dist/testing/index.js',
    postgres: 'dist/postgres.js',
    hashWorker: 'dist/jobs/content/hashWorker.js',
    walkWorker: 'dist/jobs/indexer/walk/walkWorker.js',
    contentIdWorker: 'dist/jobs/indexer/content/contentIdWorker.js',
    crashChild: 'dist/testing/crashChild.js',
    cli: 'dist/cli/program.js',
  },
  platform: 'node',
  external: (id) =>
    id.startsWith('node:') || packages.some((name) => id === name || id.startsWith(`${name}/`)),
  treeshake: true,
  output: {
    dir: 'dist/bundle',
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    sourcemap: true,
  },
};
