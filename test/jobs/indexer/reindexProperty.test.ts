import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { indexerJob } from '../../../src/jobs/indexer/indexerJob.js';
import type { Library } from '../../../src/jobs/library/Library.js';
import { openLibrary } from '../../../src/jobs/library/openLibrary.js';
import { runJob } from '../../../src/machines/runJob.js';
import { SqliteStore } from '../../../src/persistence/stores/SqliteStore.js';
import { tempDir } from '../../machines/helpers.js';
import { entriesByPath } from './entriesByPath.js';
import { prng } from '../../../bench/lib/prng.js';

/**
 * The project's rule, over random cases: after any change of a tree, a re-index leaves the library equal to a
 * clean index of it (every column but ids: kind, size, inode, device, mode, parent, name, mtime and ctime, aggregates), and one more
 * re-index changes nothing. Seeded small trees over a few names (so that names collide), changed a few times
 * by moves of files and directories, a file replaced by a directory of its name and back, names swapped, hard
 * links made and removed (one beside its file in a directory just moved), files written, edited and removed,
 * modes changed;
 * each re-index with a random batch size.
 * `PHASEKIT_PROPERTY_TREES` and `PHASEKIT_PROPERTY_SEED` run more or other cases.
 */

const TREES = Number(process.env.PHASEKIT_PROPERTY_TREES ?? 150);
const SEED = Number(process.env.PHASEKIT_PROPERTY_SEED ?? 20261204);
const ROUNDS = 3;
const NAMES = ['A', 'B', 'C', 'x', 'yy'];

const open: Library[] = [];
afterEach(() => {
  for (const library of open.splice(0)) if (library.db.open) library.close();
});

class World {
  readonly #rand: () => number;
  readonly root: string;
  readonly log: string[] = [];
  #n = 0;
  constructor(root: string, seed: number) {
    this.root = root;
    this.#rand = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.#rand() * n);
  }
  pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[this.int(items.length)];
  }
  name(): string {
    return this.pick(NAMES)!;
  }
  content(): string {
    this.#n++;
    return `${this.#n}`.padEnd(this.int(12), '.');
  }
  /** Every path under the root (relative), not following links, with its kind. */
  entries(): { rel: string; kind: 'file' | 'dir' | 'symlink' }[] {
    const out: { rel: string; kind: 'file' | 'dir' | 'symlink' }[] = [];
    const visit = (rel: string) => {
      for (const name of fs.readdirSync(path.join(this.root, rel)).sort()) {
        const child = rel === '' ? name : `${rel}/${name}`;
        const st = fs.lstatSync(path.join(this.root, child));
        const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'file';
        out.push({ rel: child, kind });
        if (kind === 'dir') visit(child);
      }
    };
    visit('');
    return out;
  }
  dirs(): string[] {
    return ['', ...this.entries().flatMap((e) => (e.kind === 'dir' ? [e.rel] : []))];
  }
  files(): string[] {
    return this.entries().flatMap((e) => (e.kind === 'file' ? [e.rel] : []));
  }
  abs(rel: string): string {
    return path.join(this.root, rel);
  }
  /** A path not taken yet, under a random directory (or under `dir`). */
  freePath(dir = this.pick(this.dirs())!): string | undefined {
    for (let tries = 0; tries < 4; tries++) {
      const rel = dir === '' ? this.name() : `${dir}/${this.name()}`;
      if (!fs.existsSync(this.abs(rel)) && !isLink(this.abs(rel))) return rel;
    }
    return undefined;
  }

  build(): void {
    fs.mkdirSync(this.root, { recursive: true });
    const fill = (rel: string, depth: number) => {
      const n = this.int(depth === 0 ? 5 : 4);
      for (let i = 0; i < n; i++) {
        const child = this.freePath(rel);
        if (child === undefined) continue;
        const r = this.int(10);
        if (r < 3 && depth < 3) {
          fs.mkdirSync(this.abs(child));
          fill(child, depth + 1);
        } else if (r < 4) {
          const target = this.pick(this.files());
          if (target !== undefined) fs.linkSync(this.abs(target), this.abs(child));
        } else if (r < 5) fs.symlinkSync(this.name(), this.abs(child));
        else fs.writeFileSync(this.abs(child), this.content());
      }
    };
    fill('', 0);
  }

  /** One random change of the tree, logged. */
  change(): void {
    const all = this.entries();
    const op = this.int(12);
    const any = this.pick(all);
    const file = this.pick(this.files());
    if (op === 0 || op === 1) {
      // a file, a link or a directory moved (renamed in place, or into another directory)
      if (!any) return;
      const dirs = this.dirs().filter((d) => d !== any.rel && !d.startsWith(`${any.rel}/`));
      const to = this.freePath(this.pick(dirs));
      if (to === undefined) return;
      fs.renameSync(this.abs(any.rel), this.abs(to));
      this.log.push(`mv ${any.rel} ${to}`);
    } else if (op === 2) {
      // a file renamed and a directory made at its old name (or a file replaced by a directory outright)
      if (!file) return;
      const to = this.int(2) === 0 ? this.freePath(path.dirname(file).replace(/^\.$/, '')) : undefined;
      if (to !== undefined) fs.renameSync(this.abs(file), this.abs(to));
      else fs.rmSync(this.abs(file));
      fs.mkdirSync(this.abs(file));
      this.log.push(to !== undefined ? `mv ${file} ${to}; mkdir ${file}` : `rm ${file}; mkdir ${file}`);
      const moveIn = this.pick(this.files().filter((f) => f !== to));
      if (moveIn !== undefined && this.int(2) === 0) {
        const into = this.freePath(file);
        if (into !== undefined) {
          fs.renameSync(this.abs(moveIn), this.abs(into));
          this.log.push(`mv ${moveIn} ${into}`);
        }
      }
    } else if (op === 3) {
      // a directory replaced by a file: moved away (children and all) or removed, a file written in its place
      const dir = this.pick(this.dirs().filter((d) => d !== ''));
      if (dir === undefined) return;
      const others = this.dirs().filter((d) => d !== dir && !d.startsWith(`${dir}/`));
      const to = this.int(2) === 0 ? this.freePath(this.pick(others)) : undefined;
      if (to !== undefined) fs.renameSync(this.abs(dir), this.abs(to));
      else {
        // its files go elsewhere first, so that their inodes live on
        for (const f of this.files().filter((f) => f.startsWith(`${dir}/`))) {
          const out = this.freePath(this.pick(others));
          if (out !== undefined && this.int(2) === 0) {
            fs.renameSync(this.abs(f), this.abs(out));
            this.log.push(`mv ${f} ${out}`);
          }
        }
        fs.rmSync(this.abs(dir), { recursive: true });
      }
      fs.writeFileSync(this.abs(dir), this.content());
      this.log.push(to !== undefined ? `mv ${dir} ${to}; echo > ${dir}` : `rm -r ${dir}; echo > ${dir}`);
    } else if (op === 4) {
      // two entries swap names (neither inside the other)
      const a = any;
      const b = this.pick(all);
      if (!a || !b || a.rel === b.rel || b.rel.startsWith(`${a.rel}/`) || a.rel.startsWith(`${b.rel}/`))
        return;
      const tmp = this.abs('.swap');
      fs.renameSync(this.abs(a.rel), tmp);
      fs.renameSync(this.abs(b.rel), this.abs(a.rel));
      fs.renameSync(tmp, this.abs(b.rel));
      this.log.push(`swap ${a.rel} ${b.rel}`);
    } else if (op === 5) {
      // a hard link made, and sometimes the old name removed
      if (!file) return;
      const to = this.freePath();
      if (to === undefined) return;
      fs.linkSync(this.abs(file), this.abs(to));
      const rm = this.int(2) === 0;
      if (rm) fs.rmSync(this.abs(file));
      this.log.push(`ln ${file} ${to}${rm ? `; rm ${file}` : ''}`);
    } else if (op === 10) {
      // a directory moved, and a file in it hard-linked beside it (the move is not written when it is read)
      const dir = this.pick(this.dirs().filter((d) => d !== ''));
      if (dir === undefined) return;
      const dirs = this.dirs().filter((d) => d !== dir && !d.startsWith(`${dir}/`));
      const to = this.freePath(this.pick(dirs));
      if (to === undefined) return;
      fs.renameSync(this.abs(dir), this.abs(to));
      this.log.push(`mv ${dir} ${to}`);
      const inside = this.pick(this.files().filter((f) => f.startsWith(`${to}/`)));
      const link = inside === undefined ? undefined : this.freePath(path.dirname(inside));
      if (inside === undefined || link === undefined) return;
      fs.linkSync(this.abs(inside), this.abs(link));
      this.log.push(`ln ${inside} ${link}`);
    } else if (op === 11) {
      // a file or directory's mode changed (its size, mtime and inode stay: only the ctime and mode move)
      const target = this.pick(all.filter((e) => e.kind !== 'symlink'));
      if (!target) return;
      const modes = target.kind === 'dir' ? [0o700, 0o755, 0o750] : [0o600, 0o644, 0o755, 0o444];
      const mode = this.pick(modes)!;
      fs.chmodSync(this.abs(target.rel), mode);
      this.log.push(`chmod ${mode.toString(8)} ${target.rel}`);
    } else if (op === 6) {
      if (!any) return;
      fs.rmSync(this.abs(any.rel), { recursive: true });
      this.log.push(`rm -r ${any.rel}`);
    } else if (op === 7) {
      const to = this.freePath();
      if (to === undefined) return;
      fs.writeFileSync(this.abs(to), this.content());
      this.log.push(`echo > ${to}`);
    } else if (op === 8) {
      if (!file) return;
      fs.writeFileSync(this.abs(file), this.content());
      this.log.push(`edit ${file}`);
    } else {
      // a directory made, a link made
      const to = this.freePath();
      if (to === undefined) return;
      if (this.int(2) === 0) fs.mkdirSync(this.abs(to));
      else fs.symlinkSync(this.name(), this.abs(to));
      this.log.push(`mkdir/ln -s ${to}`);
    }
  }
}

const isLink = (p: string) => {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};

async function index(library: Library, root: string, batchSize: number) {
  return runJob(
    indexerJob,
    { path: root, batchSize },
    { store: new SqliteStore(library.db), deps: { library } },
  ).result;
}

it(`${TREES} random trees, each changed at random ${ROUNDS} times: each re-index equals a clean index of the tree`, async () => {
  const dir = tempDir();
  const started = Date.now();
  // One library for every tree (a location each), its writes not synced: a case costs its jobs, not fsyncs.
  const library = openLibrary(path.join(dir, 'library.db'));
  open.push(library);
  library.db.pragma('synchronous = OFF');
  let cases = 0;
  for (let t = 0; t < TREES; t++) {
    const seed = SEED + t;
    const world = new World(path.join(dir, `t${t}`), seed);
    world.build();
    const batchSize = () => world.pick([1, 2, 1000, 1000])!;
    const first = await index(library, world.root, batchSize());
    expect(first.status).toBe('completed');
    const locationId = first.output!.locationId!;
    for (let round = 0; round < ROUNDS; round++) {
      const steps = 1 + world.int(4);
      world.log.push(`| round ${round}:`);
      for (let s = 0; s < steps; s++) world.change();
      const what = `seed ${seed}: ${world.log.join('; ')}`;
      const again = await index(library, world.root, batchSize());
      expect(again.status, `${what}\n${JSON.stringify(again.failure)}`).toBe('completed');
      const clean = openLibrary(':memory:');
      open.push(clean);
      const fresh = await index(clean, world.root, 1000);
      expect(fresh.status).toBe('completed');
      expect(entriesByPath(library, locationId), what).toEqual(
        entriesByPath(clean, fresh.output!.locationId!),
      );
      clean.close();
      cases++;
    }
    // Converged: one more index finds nothing to do.
    const last = await index(library, world.root, 1000);
    expect(last.output, world.log.join('; ')).toMatchObject({ new: 0, modified: 0, moved: 0, deleted: 0 });
    fs.rmSync(world.root, { recursive: true });
  }
  console.info(`${cases} re-indexes of ${TREES} trees in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 120_000);
