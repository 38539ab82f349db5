/**
 * The package as `npm install` gives it: `npm pack` into a temp dir, unpacked as `node_modules/phasekit` of
 * a temp project outside the repository, whose other `node_modules` are links to the repository's
 * *runtime* packages only (package-lock entries not marked dev: a module that needs a devDependency at run
 * time fails here). Against it: every `exports` entry loads and has its declarations; the TypeScript job
 * examples of README.md and docs/workers.md, and every ts/js block of docs/jobs/*.md, compile (strict,
 * skipLibCheck false, one tsc program) against the packed declarations and run — each docs/jobs block on a
 * tree made for it, with a check on what it printed and left on disk (`jobPlans`; a block without a plan
 * fails); every `phasekit` command of docs/jobs/*.md runs, as written, through the packed `bin`, on a small
 * tree in a temp home. A `files` entry dropped or an export missing fails a test.
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
import { compileDir, type Diagnostic, type DocBlock, docBlocks, root } from '../types/docBlocks.js';

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

/** The blocks of docs/jobs/*.md (ts and js), in file order. */
const jobBlocks = fs
  .readdirSync(path.join(root, 'docs/jobs'))
  .filter((name) => name.endsWith('.md'))
  .sort()
  .flatMap((name) => docBlocks(`docs/jobs/${name}`));
const keyOf = (b: DocBlock) => `${b.file}#${b.index}`;
const nameOf = (b: DocBlock) =>
  `${b.file.replace(/[/.]/g, '_')}_${b.index}${b.lang === 'ts' ? '.mts' : '.mjs'}`;

/** A block's `/home/me` and `/mnt/` paths, in its temp home. */
function homed(code: string, home: string): string {
  return code.replaceAll('/home/me', home).replaceAll("'/mnt/", `'${home}/mnt/`);
}

/** The temp home of a docs/jobs block: what its `/home/me` becomes. */
const homeOf = (b: DocBlock) => path.join(tmp, 'docjobs', nameOf(b).replace(/\.m[tj]s$/, ''), 'home');

let compiled: Promise<Diagnostic[]> | undefined;

/**
 * Write the README and docs/workers.md examples and every docs/jobs block into the project's `examples/`, and
 * compile them once, as one tsc program, emitting `examples/out/` (each test awaits the same compile).
 */
function compileExamples(): Promise<Diagnostic[]> {
  compiled ??= (async () => {
    const dir = path.join(project, 'examples');
    fs.mkdirSync(dir);
    const block = (file: string, starts: string): DocBlock => {
      const found = docBlocks(file).find((b) => b.code.startsWith(starts));
      if (found === undefined) throw new Error(`${file}: no block starts ${starts}: update this test`);
      return found;
    };
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
    for (const b of jobBlocks) fs.writeFileSync(path.join(dir, nameOf(b)), homed(b.code, homeOf(b)));
    return compileDir(dir, { emit: true });
  })();
  return compiled;
}

/** The packed bin, run with `args` in `home` (its library is `~/.local/share/phasekit/library.db` there). */
type Cli = (...args: string[]) => Promise<void>;

/**
 * How a block of docs/jobs/*.md is run, by position (`docs/jobs/<job>.md#<n>`, n-th ts/js block): its `/home/me`
 * is a temp home and `/mnt/` is `~/mnt/` in it. Every block must have one, and a plan whose block is gone fails.
 */
interface JobBlockPlan {
  /** A line the block holds, so that a block moved or replaced is noticed. */
  readonly holds: string;
  /** Make the tree the block works on, in `home`; `cli` runs the packed bin there (e.g. to index first). */
  readonly setup: (home: string, cli: Cli) => Promise<void>;
  /** Check what the block printed and what it left in `home`. */
  readonly check: (stdout: string, home: string) => void;
}

/** Write `data` at `home/rel`, making its directories. */
function put(home: string, rel: string, data: string | Uint8Array = `${rel}\n`): void {
  const at = path.join(home, rel);
  fs.mkdirSync(path.dirname(at), { recursive: true });
  fs.writeFileSync(at, data);
}

/** Every file under `dir`, relative, sorted. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort();
}

const jpeg = (r: number) =>
  sharp({ create: { width: 40, height: 30, channels: 3, background: { r, g: 90, b: 30 } } })
    .jpeg()
    .toBuffer();

/** Lines the block printed after its progress lines (`<phase> <n>%` or `<phase>: <done>/<total>`). */
function printed(stdout: string): string[] {
  const lines = stdout.trim().split('\n');
  const progress = lines.filter((l) => /^\w[\w-]*(?: \d+%|: \d+\/\d+)$/.test(l));
  expect(progress.length, 'the block subscribed to progress$: it printed no report').toBeGreaterThan(0);
  return lines.filter((l) => !progress.includes(l));
}

const PHOTOS = [
  'Photos/a.jpg',
  'Photos/2024/b.jpg',
  'Photos/2024/c.jpg',
  'Photos/2025/d.png',
  'Photos/notes.txt',
];

const jobPlans: Record<string, JobBlockPlan> = {
  'docs/jobs/copy.md#1': {
    holds: "  { sources: ['/home/me/Photos'], destination: '/mnt/backup', verify: true },",
    async setup(home) {
      for (const [i, rel] of PHOTOS.entries()) put(home, rel, i < 3 ? await jpeg(60 * i) : `${rel}\n`);
      fs.mkdirSync(path.join(home, 'mnt/backup'), { recursive: true });
    },
    check(stdout, home) {
      expect(printed(stdout)).toEqual([`5 files copied into ${home}/mnt/backup, 5 verified`]);
      const copied = path.join(home, 'mnt/backup/Photos');
      expect(filesUnder(copied)).toEqual(filesUnder(path.join(home, 'Photos')));
      for (const rel of PHOTOS)
        expect(
          fs.readFileSync(path.join(home, 'mnt/backup', rel)).equals(fs.readFileSync(path.join(home, rel))),
          rel,
        ).toBe(true);
    },
  },
  'docs/jobs/delete.md#1': {
    holds: 'const run = runJob(deleteJob, { paths }, { store, deps: { library } });',
    async setup(home) {
      put(home, 'Downloads/old.iso', 'an image');
      put(home, 'Downloads/old/a.txt');
      put(home, 'Downloads/keep.txt');
    },
    check(stdout, home) {
      const trash = path.join(home, '.local/share/Trash');
      expect(printed(stdout)).toEqual([
        `in the trash: ${trash}/files/old.iso`,
        `in the trash: ${trash}/files/old`,
      ]);
      expect(fs.readdirSync(path.join(home, 'Downloads'))).toEqual(['keep.txt']);
      expect(fs.readFileSync(path.join(trash, 'files/old.iso'), 'utf8')).toBe('an image');
      expect(fs.readFileSync(path.join(trash, 'files/old/a.txt'), 'utf8')).toBe('Downloads/old/a.txt\n');
      expect(fs.readdirSync(path.join(trash, 'info')).sort()).toEqual(['old.iso.trashinfo', 'old.trashinfo']);
    },
  },
  'docs/jobs/duplicates.md#1': {
    holds: 'const run = runJob(duplicatesJob, input, { store, deps: { library } });',
    async setup(home) {
      const [a, b, c] = [await jpeg(10), await jpeg(130), await jpeg(250)];
      put(home, 'Photos/a.jpg', a);
      put(home, 'Backup/Photos/a.jpg', a);
      put(home, 'Photos/b.jpg', b);
      put(home, 'Backup/Photos/b.jpg', b);
      put(home, 'Backup/Photos/b copy.jpg', b);
      put(home, 'Photos/c.jpg', c);
      // Same size as a.jpg, other bytes: not a duplicate.
      const other = Buffer.from(a);
      other[other.length >> 1] ^= 0xff;
      put(home, 'Photos/a-edited.jpg', other);
    },
    check(stdout, home) {
      const lines = printed(stdout);
      const groups = lines.slice(0, -1).map((l) => {
        const [, size, files] = /^(\d+) bytes: (.*)$/.exec(l)!;
        return {
          size: Number(size),
          files: files
            .split(' = ')
            .map((f) => path.relative(home, f))
            .sort(),
        };
      });
      const size = (rel: string) => fs.statSync(path.join(home, rel)).size;
      const expected = [
        {
          size: size('Photos/b.jpg'),
          files: ['Backup/Photos/b copy.jpg', 'Backup/Photos/b.jpg', 'Photos/b.jpg'],
        },
        { size: size('Photos/a.jpg'), files: ['Backup/Photos/a.jpg', 'Photos/a.jpg'] },
      ];
      expect(new Set(groups.map((g) => JSON.stringify(g)))).toEqual(
        new Set(expected.map((g) => JSON.stringify(g))),
      );
      expect(lines.at(-1)).toBe(`2 groups, ${2 * size('Photos/b.jpg') + size('Photos/a.jpg')} bytes to free`);
    },
  },
  'docs/jobs/indexer.md#1': {
    holds:
      "const run = runJob(indexerJob, { path: '/home/me/Photos', mode: 'content' }, { store, deps: { library } });",
    async setup(home) {
      for (const [i, rel] of PHOTOS.entries()) put(home, rel, i < 3 ? await jpeg(60 * i) : `${rel}\n`);
    },
    check(stdout, home) {
      expect(printed(stdout)).toEqual([
        // Entries: the 5 files and the 2 directories under the location's root.
        '5 files, 2 dirs; entries 7 new, 0 modified',
        `the library holds 5 files of ${home}/Photos`,
      ]);
      expect(fs.existsSync(path.join(home, '.local/share/phasekit/library.db'))).toBe(true);
    },
  },
  'docs/jobs/thumbnails.md#1': {
    holds: 'const run = runJob(thumbnailsJob, input, { store, deps: { library } });',
    async setup(home, cli) {
      put(home, 'Photos/a.jpg', await jpeg(20));
      put(home, 'Photos/2024/b.jpg', await jpeg(200));
      put(home, 'Photos/notes.txt');
      await cli('index', `${home}/Photos`, '--mode', 'deep');
    },
    check(stdout, home) {
      const directory = path.join(home, '.local/share/phasekit/thumbnails');
      const lines = printed(stdout);
      expect(lines[0]).toBe(`4 thumbnails of 2 images in ${directory}`);
      expect(lines.slice(1).sort()).toEqual([
        'a.jpg detail@1x 40x30',
        'a.jpg grid@1x 40x30',
        'b.jpg detail@1x 40x30',
        'b.jpg grid@1x 40x30',
      ]);
      const made = filesUnder(directory);
      expect(made.filter((f) => f.endsWith('.webp'))).toHaveLength(4);
    },
  },
  'docs/jobs/validation.md#1': {
    holds:
      "const run = runJob(validationJob, { location: '/home/me/Photos', mode: 'basic' }, { store, deps: { library } });",
    async setup(home, cli) {
      for (const rel of PHOTOS) put(home, rel);
      await cli('index', `${home}/Photos`);
      // After the index: one file grows, one goes.
      fs.appendFileSync(path.join(home, 'Photos/2024/b.jpg'), 'more bytes');
      fs.rmSync(path.join(home, 'Photos/2025/d.png'));
    },
    check(stdout, home) {
      const lines = printed(stdout);
      expect(lines[0]).toMatch(/^\d+ checked, 2 issues, worst: error$/);
      expect(lines.slice(1).sort()).toEqual([
        `error missing ${home}/Photos/2025/d.png`,
        expect.stringMatching(new RegExp(`^\\w+ (modified|truncated) ${home}/Photos/2024/b\\.jpg$`)),
      ]);
    },
  },
};

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
    const dir = path.join(project, 'examples');
    const diagnostics = (await compileExamples()).filter((d) => !d.file.startsWith('docs_jobs_'));
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
      // And on this thread (a module only worker threads loaded is unmapped when they exit).
      const inline = await runJob(duplicatesJob, { paths: [tree], threads: 0 }, { deps: {} }).result;
      library.close();
      // The walk read through the package's native directory reader, and the hashes through its reader of
      // small files: both are mapped into this process.
      const { readFileSync } = await import('node:fs');
      const native = readFileSync('/proc/self/maps', 'utf8').split(String.fromCharCode(10)).filter((l) => l.endsWith('.node') && l.includes('/phasekit/dist/native/')).map((l) => l.split('/').at(-1));
      console.log(JSON.stringify({ indexed: indexed.status, rows, found: found.status, groups: found.output?.summary.groups, inline: inline.output?.summary.groups, native: [...new Set(native)].sort() }));`;
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
      inline: 1,
      native: [
        `listdir-${process.platform}-${process.arch}.node`,
        `readfile-${process.platform}-${process.arch}.node`,
      ],
    });
    // The files the bundles start by URL relative to themselves (workers, the crash-point child).
    const pkg = path.join(project, 'node_modules/phasekit');
    const bundled = path.dirname(path.join(pkg, (packed.exports['./jobs'] as { import: string }).import));
    for (const name of ['hashWorker.js', 'walkWorker.js', 'crashChild.js']) {
      expect(fs.existsSync(path.join(bundled, name)), name).toBe(true);
    }
  }, 60_000);

  it('packs its bin executable (tsc writes files without the x bit; the build sets it)', () => {
    const file = path.join(project, 'node_modules/phasekit', packed.bin.phasekit);
    expect((fs.statSync(file).mode & 0o111).toString(8)).toBe('111');
  });

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
  it('has a plan for every ts/js block of docs/jobs/*.md, and each compiles against its declarations', async () => {
    expect(jobBlocks.length).toBeGreaterThanOrEqual(6);
    const keys = jobBlocks.map(keyOf);
    expect
      .soft(
        keys.filter((k) => !(k in jobPlans)),
        'blocks without a plan in jobPlans',
      )
      .toEqual([]);
    expect
      .soft(
        Object.keys(jobPlans).filter((k) => !keys.includes(k)),
        'plans whose block is gone',
      )
      .toEqual([]);
    for (const b of jobBlocks) {
      expect
        .soft(b.code.split('\n'), `${keyOf(b)}: the blocks moved? update jobPlans`)
        .toContain(jobPlans[keyOf(b)]?.holds);
      // Every path it works on is in its temp home.
      expect.soft(b.code, `${keyOf(b)} names no /home/me path`).toContain("'/home/me/");
    }
    const diagnostics = (await compileExamples()).filter((d) => d.file.startsWith('docs_jobs_'));
    expect(diagnostics.map((d) => d.text)).toEqual([]);
  }, 60_000);

  for (const b of jobBlocks) {
    const plan = jobPlans[keyOf(b)];
    if (plan === undefined) continue; // reported by the test above
    it(`runs ${b.file} block ${b.index} (line ${b.line}) as written, on a tree made for it`, async () => {
      await compileExamples();
      const home = homeOf(b);
      fs.mkdirSync(path.join(home, '.local/share/phasekit'), { recursive: true });
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        HOME: home,
        XDG_DATA_HOME: path.join(home, '.local/share'),
        NODE_NO_WARNINGS: '1',
      };
      delete env.PHASEKIT_HOME;
      const bin = path.join(project, 'node_modules/.bin/phasekit');
      await plan.setup(home, async (...args) => {
        await exec(bin, args, { cwd: home, env, timeout: 30_000 });
      });
      const script = path.join(project, 'examples/out', nameOf(b).replace(/\.mts$/, '.mjs'));
      const { stdout } = await exec(process.execPath, [script], { cwd: home, env, timeout: 30_000 });
      plan.check(stdout, home);
    }, 90_000);
  }
});
