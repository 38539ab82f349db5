import fs from 'node:fs';
import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import { displayPath, joinBytes } from '../../fs/paths.js';
import { basenameBytes, dirnameBytes, isInside, resolveBytes } from '../../fs/bytePaths.js';
import { CopyRefusedError } from '../CopyRefusedError.js';
import type { CopyDeps, CopyInput, CopyRoot, CopyState } from '../types.js';

/**
 * Validate the request and resolve where each source goes: every source exists; the destination is not a
 * source nor inside one (a copy or move into itself is refused), and no source's target is a source or holds
 * one (the copy would write over files it has not read yet); several sources need a directory (made for
 * them when it does not exist, as users of `cp -t` expect; its parent must exist). Writes nothing. (The room check needs the estimate: it ends the next phase, still before anything is written.)
 */
export const init = phase<CopyState, CopyInput, CopyDeps>({
  name: 'init',
  async execute(ctx) {
    const { input, state } = ctx;
    if (input.sources.length === 0)
      throw new CopyRefusedError('Give at least one source to copy.', 'missing-source', '');
    const destination = resolveBytes(input.destination);
    const destStat = fs.statSync(destination, { throwIfNoEntry: false });
    const intoDirectory = destStat?.isDirectory() === true || input.sources.length > 1;
    if (input.sources.length > 1 && destStat && !destStat.isDirectory()) {
      throw new CopyRefusedError(
        `Cannot copy ${input.sources.length} sources to ${displayPath(destination)}: it is not a directory. Give a directory.`,
        'not-a-directory',
        displayPath(destination),
      );
    }
    // The destination's own directory must exist (as for `cp`); a missing destination for several sources is
    // the directory to make for them (`cp -t` style), made by copying before anything is written into it.
    const parent = dirnameBytes(destination);
    if (!destStat && !fs.statSync(parent, { throwIfNoEntry: false })?.isDirectory()) {
      throw new CopyRefusedError(
        `The destination's directory ${displayPath(parent)} does not exist. Create it first, or choose another destination.`,
        'not-a-directory',
        displayPath(parent),
      );
    }
    state.makeDestination = intoDirectory && !destStat ? destination : null;
    // The device of the deepest existing directory on the destination's path.
    const destDir = intoDirectory ? destination : dirnameBytes(destination);
    const existing = existingAncestor(destDir);
    const destDevice = fs.statSync(existing).dev;
    const realExisting = fs.realpathSync(existing, { encoding: 'buffer' });
    const roots: CopyRoot[] = [];
    for (const source of input.sources) {
      const src = resolveBytes(source);
      const st = fs.lstatSync(src, { throwIfNoEntry: false });
      if (!st) {
        throw new CopyRefusedError(
          `No such file or directory: ${displayPath(src)}. Check the source path.`,
          'missing-source',
          displayPath(src),
        );
      }
      const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : null;
      if (kind === null) {
        throw new CopyRefusedError(
          `${displayPath(src)} is not a file, directory or symlink (a socket, FIFO or device): leave it out.`,
          'missing-source',
          displayPath(src),
        );
      }
      const dst = intoDirectory
        ? Buffer.concat([destination, Buffer.from('/'), basenameBytes(src)])
        : destination;
      if (kind === 'dir') {
        const realSrc = fs.realpathSync(src, { encoding: 'buffer' });
        // Compare real paths too: a symlinked destination can lead into the source.
        const realDst = Buffer.concat([realExisting, destDir.subarray(existing.length), Buffer.from('/x')]);
        if (isInside(dst, src) || isInside(realDst, realSrc)) {
          throw new CopyRefusedError(
            `Cannot ${input.move ? 'move' : 'copy'} ${displayPath(src)} into itself (${displayPath(dst)}). Choose a destination outside it.`,
            'into-itself',
            displayPath(src),
          );
        }
      }
      if (Buffer.from(dst).equals(src)) {
        throw new CopyRefusedError(
          `${displayPath(src)} and its destination are the same path. Choose another destination.`,
          'into-itself',
          displayPath(src),
        );
      }
      roots.push({ src, dst, kind, sameDevice: st.dev === destDevice });
    }
    refuseTargetHoldingASource(roots, existing, realExisting, destDir, input.move === true);
    state.roots = roots;
    return Continue;
  },
});

/**
 * Refuse a copy or move whose target (where a source goes: `destination/basename(source)` when copying into a
 * directory, else the destination) is a source or holds one — say `x/d/d` copied into `x`, which merges with
 * `x/d`: the copy would write into the tree it reads, overwriting a source's files before they are read (or a
 * move would remove what it just wrote). Compared by path and by real path (a symlinked destination, or a
 * source reached through a symlinked directory). The target's own last component is not resolved: the plan
 * never follows a symlink there (it is a conflict).
 */
function refuseTargetHoldingASource(
  roots: readonly CopyRoot[],
  existing: Buffer,
  realExisting: Buffer,
  destDir: Buffer,
  move: boolean,
): void {
  const realDestDir = Buffer.concat([realExisting, destDir.subarray(existing.length)]);
  // A source as an entry: its directory's real path and its own name (a symlink source is copied as a link).
  const realSources = roots.map((r) => {
    const src = Buffer.from(r.src);
    const dir = dirnameBytes(src);
    return joinBytes(fs.realpathSync(dir, { encoding: 'buffer' }), basenameBytes(src));
  });
  for (const root of roots) {
    const target = Buffer.from(root.dst);
    const realTarget = joinBytes(realDestDir, basenameBytes(target));
    for (const [i, other] of roots.entries()) {
      if (!isInside(other.src, target) && !isInside(realSources[i], realTarget)) continue;
      const verb = move ? 'move' : 'copy';
      throw new CopyRefusedError(
        `Cannot ${verb} ${displayPath(root.src)} to ${displayPath(target)}: that path holds the source ${displayPath(other.src)}, ` +
          `so the ${verb} would write over files it has not read yet. Nothing was written. Choose a destination outside the sources ` +
          `(or ${verb} the parent directory instead).`,
        'onto-a-source',
        displayPath(other.src),
      );
    }
  }
}

/** The path itself if it exists, else its nearest existing ancestor. */
export function existingAncestor(path: Buffer): Buffer {
  let p = path;
  while (!fs.existsSync(p)) {
    const up = dirnameBytes(p);
    if (up.equals(p)) break;
    p = up;
  }
  return p;
}
