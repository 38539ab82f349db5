/**
 * The package as `npm install` gives it: `npm pack` into a temp dir, unpacked as `node_modules/phasekit` of
 * a temp project outside the repository, whose other `node_modules` are links to the repository's
 * *runtime* packages only (package-lock entries not marked dev: a module that needs a devDependency at run
 * time fails here). Against it: every `exports` entry loads and has its declarations; the TypeScript job
 * examples of README.md and docs/workers.md compile (strict, skipLibCheck false) against the packed
 * declarations and run; every `phasekit` command of docs/jobs/*.md runs, as written, through the packed
 * `bin`, on a small tree in a temp home. A `files` entry dropped or an export missing fails a test.
 *
 * Needs `dist/` (`npm run build`; `npm test` builds first).
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileDir, type DocBlock, docBlocks, root } from '../types/docBlocks.js';

const exec = promisify(execFile);

let tmp = '';
let project = '';
let packed: { main: string; exports: Record<string, unknown>; bin: Record<string, string> };

/** Link `node_modules/<name>` of the repository into the project, scoped names included. */
function link(name: string) {
  const to = path.join(project, 'node_modules', name);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  if (!fs.existsSync(to)) fs.symlinkSync(path.join(root, 'node_modules', name), to, 'dir');
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'phasekit-tarball-'));
  // No scripts: `prepare` would build again; the test runs against the dist/ that `npm test` built.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], {
    cwd: root,
    encoding: 'utf8',
  });
  const [{ filename }] = JSON.parse(out) as { filename: string }[];
  project = path.join(tmp, 'project');
  const pkg = path.join(project, 'node_modules/phasekit');
  fs.mkdirSync(pkg, { recursive: true });
  execFileSync('tar', ['-xzf', path.join(tmp, filename), '-C', pkg, '--strip-components=1']);
  fs.writeFileSync(path.join(project, 'package.json'), '{ "private": true, "type": "module" }\n');
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    const name = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(key)?.[1];
    if (name !== undefined && !entry.dev) link(name);
  }
  // What a TypeScript consumer has of its own to compile the examples.
  link('@types/node');
  packed = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8'));
  // The bin, as npm links it.
  const bin = path.join(project, 'node_modules/.bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.symlinkSync(path.join(pkg, packed.bin.phasekit), path.join(bin, 'phasekit'));
}, 60_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// Concurrent: the compile (tsc) and the commands (processes) overlap; each test has its own directories.
describe.concurrent('the packed package', () => {
  it('holds the module and the declarations of every export, and each loads', async () => {
    const entries = Object.entries(packed.exports).filter(([key]) => key !== './package.json');
    expect(entries.map(([key]) => key)).toEqual(
      expect.arrayContaining(['.', './sqlite', './jobs', './testing', './postgres']),
    );
    const pkg = path.join(project, 'node_modules/phasekit');
    for (const [key, value] of entries) {
      const { types, import: file } = value as { types: string; import: string };
      expect(fs.existsSync(path.join(pkg, file)), `${key}: ${file}`).toBe(true);
      expect(fs.existsSync(path.join(pkg, types)), `${key}: ${types}`).toBe(true);
    }
    const specifiers = entries.map(([key]) => `phasekit${key.slice(1)}`);
    const script = `for (const s of ${JSON.stringify(specifiers)}) console.log(s, Object.keys(await import(s)).length);`;
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], { cwd: project });
    for (const s of specifiers) expect(stdout).toMatch(new RegExp(`^${s} [1-9]`, 'm'));
  });

  it('runs the TypeScript job examples of README.md and docs/workers.md, compiled against its declarations', async () => {
    const block = (file: string, starts: string): DocBlock => {
      const found = docBlocks(file).find((b) => b.code.startsWith(starts));
      if (found === undefined) throw new Error(`${file}: no block starts ${starts}: update this test`);
      return found;
    };
    const dir = path.join(project, 'examples');
    fs.mkdirSync(dir);
    const readme = block('README.md', "import fs from 'node:fs/promises';")
      .code.replaceAll("'/tmp/jobs.db'", JSON.stringify(path.join(dir, 'jobs.db')))
      .replaceAll("'/tmp'", JSON.stringify(dir));
    fs.writeFileSync(path.join(dir, 'readme.mts'), readme);
    const workers = block('docs/workers.md', "import { thumbnailsJob } from './thumbnailsJob.js';");
    fs.writeFileSync(
      path.join(dir, 'workers.mts'),
      workers.code.replace("'./thumbnailsJob.js'", "'./thumbnailsJob.mjs'"),
    );
    fs.writeFileSync(path.join(dir, 'thumbnailsJob.mjs'), "export { thumbnailsJob } from 'phasekit/jobs';\n");
    const diagnostics = await compileDir(dir, { emit: true });
    expect(diagnostics.map((d) => d.text)).toEqual([]);
    // README: copies package.json and README.md of the directory it runs in (here, the project's).
    fs.writeFileSync(path.join(project, 'README.md'), '# a project\n');
    const run = (file: string) =>
      exec(process.execPath, [path.join(dir, 'out', file)], {
        cwd: project,
        env: { ...process.env, NODE_NO_WARNINGS: '1' },
      });
    const { stdout } = await run('readme.mjs');
    expect(stdout).toContain("status: 'completed'");
    expect(fs.readFileSync(path.join(dir, '0.bak'), 'utf8')).toBe(
      fs.readFileSync(path.join(project, 'package.json'), 'utf8'),
    );
    await run('workers.mjs');
  }, 60_000);

  it('runs the file jobs from phasekit/jobs: deep index, duplicates on its hash worker threads', async () => {
    const dir = path.join(tmp, 'jobs');
    fs.mkdirSync(path.join(dir, 'tree'), { recursive: true });
    const image = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#468' } })
      .png()
      .toBuffer();
    for (const name of ['a.png', 'b.png']) fs.writeFileSync(path.join(dir, 'tree', name), image);
    fs.writeFileSync(path.join(dir, 'tree/c.txt'), 'hello\n');
    const script = `import { runJob } from 'phasekit';
      import { duplicatesJob, indexerJob, openLibrary } from 'phasekit/jobs';
      const library = openLibrary(${JSON.stringify(path.join(dir, 'library.db'))});
      const tree = ${JSON.stringify(path.join(dir, 'tree'))};
      const indexed = await runJob(indexerJob, { path: tree, mode: 'deep' }, { deps: { library } }).result;
      const rows = library.db.prepare("SELECT name_text, mime, width, height FROM entries WHERE kind = 'file' ORDER BY 1").all();
      const found = await runJob(duplicatesJob, { paths: [tree], threads: 2 }, { deps: {} }).result;
      library.close();
      console.log(JSON.stringify({ indexed: indexed.status, rows, found: found.status, groups: found.output?.summary.groups }));`;
    fs.writeFileSync(path.join(project, 'jobs.mjs'), script);
    const { stdout } = await exec(process.execPath, ['jobs.mjs'], { cwd: project });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
      indexed: 'completed',
      rows: [
        { name_text: 'a.png', mime: 'image/png', width: 8, height: 6 },
        { name_text: 'b.png', mime: 'image/png', width: 8, height: 6 },
        { name_text: 'c.txt', mime: 'text/plain', width: null, height: null },
      ],
      found: 'completed',
      groups: 1,
    });
    // The files the bundles start by URL relative to themselves (workers, the crash-point child).
    const pkg = path.join(project, 'node_modules/phasekit');
    const bundled = path.dirname(path.join(pkg, (packed.exports['./jobs'] as { import: string }).import));
    for (const name of ['hashWorker.js', 'walkWorker.js', 'crashChild.js']) {
      expect(fs.existsSync(path.join(bundled, name)), name).toBe(true);
    }
  }, 60_000);

  it('runs every phasekit command of docs/jobs/*.md, as written, through its bin', async () => {
    const home = path.join(tmp, 'home');
    const file = (name: string, data: string | Uint8Array = `${name}\n`) => {
      const at = path.join(home, name);
      fs.mkdirSync(path.dirname(at), { recursive: true });
      fs.writeFileSync(at, data);
    };
    const jpeg = (r: number) =>
      sharp({ create: { width: 40, height: 30, channels: 3, background: { r, g: 90, b: 30 } } })
        .jpeg()
        .toBuffer();
    for (let i = 0; i < 4; i++) {
      file(`Photos/img${i}.jpg`, await jpeg(40 * i));
      file(`Backup/Photos/img${i}.jpg`, await jpeg(40 * i));
    }
    file('Music/a.mp3', 'ID3 not really music');
    file('Music/b.flac', 'ID3 not really music');
    file('Downloads/old.iso', 'an image');
    file('Downloads/old/a.txt');
    file('big.iso', 'a big image');
    file('a.txt');
    file('b.txt');
    file('build/out.js');
    file('secrets.txt', 'hunter2');
    for (const dir of ['docs', 'mnt/backup', 'mnt/archive', 'mnt/usb'])
      fs.mkdirSync(path.join(home, dir), { recursive: true });
    // Commands in the order of the docs, with ~ and /mnt/ in the temp home.
    const commands = fs
      .readdirSync(path.join(root, 'docs/jobs'))
      .sort()
      .flatMap((name) => {
        const text = fs.readFileSync(path.join(root, 'docs/jobs', name), 'utf8');
        return [...text.matchAll(/^```sh\n([\s\S]*?)^```/gm)].flatMap((m) => m[1].split('\n'));
      })
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter((line) => line.startsWith('phasekit '))
      .map((line) => line.replaceAll('~', home).replaceAll('/mnt/', `${home}/mnt/`));
    expect(commands.length).toBeGreaterThan(12);
    const env = {
      ...process.env,
      HOME: home,
      PHASEKIT_HOME: path.join(home, '.phasekit'),
      XDG_DATA_HOME: path.join(home, '.local/share'),
      PATH: `${path.join(project, 'node_modules/.bin')}${path.delimiter}${process.env.PATH}`,
      NODE_NO_WARNINGS: '1',
    };
    const failed: string[] = [];
    // Two locations first, so that the docs' `thumbnails 3` finds ~/Photos (indexed third, by duplicates.md).
    for (const command of [`phasekit index ${home}/Music`, `phasekit index ${home}/Backup`, ...commands]) {
      try {
        await exec('sh', ['-c', command], { cwd: home, env, timeout: 30_000 });
      } catch (error) {
        const { code, stderr } = error as { code?: number; stderr?: string };
        failed.push(`${command.replaceAll(home, '~')}: exit ${code}: ${stderr?.trim().split('\n').at(-1)}`);
      }
    }
    expect(failed).toEqual([]);
    expect(fs.existsSync(path.join(home, 'mnt/backup/Photos/img0.jpg'))).toBe(true);
  }, 120_000);
});
