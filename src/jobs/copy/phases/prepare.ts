import fs from 'node:fs';
import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import type { PhaseContext } from '../../../phases/types.js';
import { displayPath, joinBytes } from '../../fs/paths.js';
import { asBuffer, basenameBytes, dirnameBytes } from '../../fs/bytePaths.js';
import { conflictName } from '../conflictName.js';
import { CopyRefusedError } from '../CopyRefusedError.js';
import { recordFailure } from '../recordFailure.js';
import { cleanUpJob } from '../cleanUpJob.js';
import { forgetStats, takeStat } from '../statCache.js';
import type { CopyDeps, CopyInput, CopyState, PlanItem } from '../types.js';
import { deletePlan, insertPlanItems } from '../jobPlans.js';

type Ctx = PhaseContext<CopyState, CopyInput, CopyDeps>;
type Kind = 'file' | 'dir' | 'symlink';

/**
 * Plan the copy: walk the sources (symlinks never followed), decide each destination path once — conflicts
 * settled here by the policy, so a resumed job never mistakes its own earlier output for a conflict — and
 * store the plan in the library with the checkpoint that records it made, in one transaction. Under
 * `onConflict: 'abort'` any existing destination stops the job here, before anything is written.
 */
export const prepare = phase<CopyState, CopyInput, CopyDeps>({
  name: 'prepare',
  async execute(ctx) {
    const { state, input } = ctx;
    if (state.planned) return Continue;
    const planner = new Planner(ctx);
    for (const root of state.roots) {
      const st = fs.lstatSync(asBuffer(root.src), { throwIfNoEntry: false });
      if (!st) {
        throw new CopyRefusedError(
          `The source ${displayPath(root.src)} disappeared before the copy began.`,
          'missing-source',
          displayPath(root.src),
        );
      }
      if (input.move && root.sameDevice) {
        const target = planner.resolve(asBuffer(root.dst), root.kind, false);
        if (target === null) continue;
        if (!(target.merge || (target.action === 'overwrite' && root.kind === 'dir'))) {
          planner.add('rename', target.action, root.src, target.dst, st);
          continue;
        }
      }
      planner.walk(root.src, asBuffer(root.dst), root.kind, st);
    }
    forgetStats(ctx.jobId);
    planner.throwConflicts();
    const items = planner.items;
    state.totals = { items: items.length, files: planner.files, bytes: planner.bytes };
    state.planned = true;
    state.cursor = 0;
    state.offset = 0;
    const library = ctx.deps.library;
    await ctx.checkpoint({
      force: true,
      atomicWith: () => {
        deletePlan(library, ctx.jobId);
        insertPlanItems(library, ctx.jobId, items);
      },
    });
    await ctx.deps.hooks?.afterPlan?.();
    ctx.reportProgress({
      message: `${planner.files} files, ${planner.bytes} bytes planned`,
      completed: 1,
      total: 1,
    });
    return Continue;
  },
  async onFailure(ctx) {
    cleanUpJob(ctx);
  },
});

/** Builds the plan: items in walk order (every directory before what it holds). */
class Planner {
  readonly items: PlanItem[] = [];
  files = 0;
  bytes = 0;
  readonly #conflicts: string[] = [];
  /** Destination paths taken by this plan, so two renamed items never pick the same name. */
  readonly #taken = new Set<string>();
  constructor(readonly ctx: Ctx) {}

  add(
    kind: PlanItem['kind'],
    action: PlanItem['action'],
    src: Buffer | Uint8Array,
    dst: Buffer,
    st: fs.Stats,
  ): void {
    const size = kind === 'file' ? st.size : 0;
    this.items.push({
      seq: this.items.length + 1,
      kind,
      action,
      src,
      dst,
      size,
      mode: st.mode & 0o7777,
      atimeMs: st.atimeMs,
      mtimeMs: st.mtimeMs,
    });
    this.#taken.add(dst.toString('latin1'));
    if (kind === 'file') {
      this.files++;
      this.bytes += size;
    }
  }

  /** Walk a source, pre-order, adding items. */
  walk(rootSrc: Uint8Array, rootDst: Buffer, rootKind: Kind, rootStat: fs.Stats): void {
    const stack: { src: Buffer; dst: Buffer; kind: Kind; st: fs.Stats; fresh: boolean }[] = [
      { src: Buffer.from(rootSrc), dst: rootDst, kind: rootKind, st: rootStat, fresh: false },
    ];
    while (stack.length > 0) {
      const { src, dst, kind, st, fresh } = stack.pop()!;
      const target = this.resolve(dst, kind, fresh);
      if (target === null) continue;
      this.add(kind, target.action, src, target.dst, st);
      if (kind !== 'dir') continue;
      let dirents: fs.Dirent<Buffer>[];
      try {
        dirents = fs.readdirSync(src, { withFileTypes: true, encoding: 'buffer' });
      } catch (error) {
        recordFailure(this.ctx, error, displayPath(src), 'readdir');
        continue;
      }
      // Reversed, so the stack pops them in directory order.
      for (let i = dirents.length - 1; i >= 0; i--) {
        const name = dirents[i].name;
        const childSrc = joinBytes(src, name);
        let childStat: fs.Stats;
        try {
          childStat = takeStat(this.ctx.jobId, childSrc) ?? fs.lstatSync(childSrc);
        } catch (error) {
          recordFailure(this.ctx, error, displayPath(childSrc), 'lstat');
          continue;
        }
        const childKind: Kind | null = childStat.isDirectory()
          ? 'dir'
          : childStat.isSymbolicLink()
            ? 'symlink'
            : childStat.isFile()
              ? 'file'
              : null;
        if (childKind === null) {
          recordFailure(
            this.ctx,
            new Error(`Not copied: ${displayPath(childSrc)} is a socket, FIFO or device.`),
            displayPath(childSrc),
            'plan',
          );
          continue;
        }
        stack.push({
          src: childSrc,
          dst: joinBytes(target.dst, name),
          kind: childKind,
          st: childStat,
          fresh: target.fresh,
        });
      }
    }
  }

  /**
   * Where an item goes, settling a conflict by the policy; `null` to leave it out. `fresh` (the parent is
   * new) means nothing can be there yet. `merge`: a directory onto a directory.
   */
  resolve(
    dst: Buffer,
    kind: Kind,
    fresh: boolean,
  ): { dst: Buffer; action: PlanItem['action']; fresh: boolean; merge: boolean } | null {
    const counts = this.ctx.state.counts;
    if (fresh) return { dst, action: 'copy', fresh: true, merge: false };
    const there = fs.lstatSync(dst, { throwIfNoEntry: false });
    if (!there && !this.#taken.has(dst.toString('latin1')))
      return { dst, action: 'copy', fresh: true, merge: false };
    if (there?.isDirectory() && kind === 'dir') return { dst, action: 'copy', fresh: false, merge: true };
    const policy = this.ctx.input.onConflict ?? 'abort';
    switch (policy) {
      case 'abort':
        this.#conflicts.push(displayPath(dst));
        return null;
      case 'skip':
        counts.skipped++;
        return null;
      case 'rename': {
        const dir = dirnameBytes(dst);
        const name = basenameBytes(dst);
        for (let n = 1; ; n++) {
          const candidate = joinBytes(dir, conflictName(name, n));
          if (
            !this.#taken.has(candidate.toString('latin1')) &&
            !fs.existsSync(candidate) &&
            !isLink(candidate)
          ) {
            counts.conflictsRenamed++;
            return { dst: candidate, action: 'copy', fresh: true, merge: false };
          }
        }
      }
      case 'overwrite':
        if (there?.isDirectory()) {
          recordFailure(
            this.ctx,
            new Error(`Not overwritten: ${displayPath(dst)} is a directory and the source is not.`),
            displayPath(dst),
            'overwrite',
          );
          return null;
        }
        counts.overwritten++;
        return { dst, action: 'overwrite', fresh: true, merge: false };
    }
  }

  throwConflicts(): void {
    const c = this.#conflicts;
    if (c.length === 0) return;
    throw new CopyRefusedError(
      `${c.length} destination path(s) exist already, e.g. ${c[0]}. Nothing was copied. Choose --on-conflict overwrite, rename or skip.`,
      'conflict',
      c[0],
    );
  }
}

function isLink(path: Buffer): boolean {
  return fs.lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}
