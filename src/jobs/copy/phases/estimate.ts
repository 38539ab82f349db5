import fs from 'node:fs';
import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import { displayPath, joinBytes } from '../../fs/paths.js';
import { asBuffer, dirnameBytes } from '../../fs/bytePaths.js';
import { CopyRefusedError } from '../CopyRefusedError.js';
import { entryAtPath } from '../../library/entryAtPath.js';
import type { CopyDeps, CopyInput, CopyState } from '../types.js';
import { rememberStat } from '../statCache.js';
import { existingAncestor } from './init.js';
import { getLocation } from '../../library/locations.js';

/**
 * How much the sources hold: from the library when a source directory is indexed and unchanged since (its
 * recorded mtime and the directory's agree, and the location was indexed), else by walking it. Then the room
 * check: the destination's filesystem must have the bytes and the inodes free (`statfs`), or the job stops
 * here, before anything is written. A move within one device needs no room. A path that cannot be read is
 * left out of the sums (prepare reports it): it never stops the job.
 */
export const estimate = phase<CopyState, CopyInput, CopyDeps>({
  name: 'estimate',
  async execute(ctx) {
    const { state, input } = ctx;
    const library = ctx.deps.library;
    let files = 0;
    let bytes = 0;
    let fromLibrary = true;
    let needed = 0;
    let neededInodes = 0;
    for (const root of state.roots) {
      const st = fs.lstatSync(asBuffer(root.src));
      let rootBytes = 0;
      let rootInodes = 1;
      if (root.kind !== 'dir') {
        files += root.kind === 'file' ? 1 : 0;
        rootBytes = root.kind === 'file' ? st.size : 0;
      } else {
        const place = entryAtPath(library, root.src);
        const known = place?.entry;
        const location = place ? getLocation(library, place.locationId) : undefined;
        if (known && known.kind === 'dir' && known.mtimeMs === st.mtimeMs && location?.lastIndexedAt) {
          files += known.fileCount;
          rootBytes = known.aggregateSize;
          // The library counts files, not directories and links: a floor of the inodes needed.
          rootInodes += known.fileCount;
        } else {
          fromLibrary = false;
          const walked = walkSizes(ctx.jobId, root.src);
          files += walked.files;
          rootBytes = walked.bytes;
          rootInodes += walked.inodes;
        }
      }
      bytes += rootBytes;
      if (!(input.move && root.sameDevice)) {
        needed += rootBytes;
        neededInodes += rootInodes;
      }
    }
    state.estimate = { files, bytes, fromLibrary };
    const where = existingAncestor(dirnameBytes(state.roots[0].dst));
    const fsStat = fs.statfsSync(where);
    const free = Number(fsStat.bavail) * Number(fsStat.bsize);
    if (needed > free) {
      throw new CopyRefusedError(
        `Not enough room: the copy needs ${needed} bytes and ${displayPath(where)} has ${free} free. Free some space or choose another destination.`,
        'no-room',
        displayPath(where),
      );
    }
    // Every file, directory and link takes an inode (a filesystem that reports no inode count has no limit).
    const freeInodes = Number(fsStat.ffree);
    if (Number(fsStat.files) > 0 && neededInodes > freeInodes) {
      throw new CopyRefusedError(
        `Not enough inodes: the copy needs ${neededInodes} files and directories and ${displayPath(where)} has room for ${freeInodes} more. Free some or choose another destination.`,
        'no-room',
        displayPath(where),
      );
    }
    await ctx.deps.hooks?.afterRoomCheck?.();
    ctx.reportProgress({ message: `${files} files, ${bytes} bytes`, completed: 1, total: 1 });
    return Continue;
  },
});

/**
 * Files, bytes and inodes below a directory, symlinks not followed; the stats are kept for prepare. A path
 * that cannot be read (no `x` on its directory, a name past PATH_MAX) is left out here: prepare reports each.
 */
function walkSizes(jobId: string, dir: Uint8Array): { files: number; bytes: number; inodes: number } {
  let files = 0;
  let bytes = 0;
  let inodes = 0;
  const stack: Buffer[] = [Buffer.from(dir)];
  while (stack.length > 0) {
    const d = stack.pop()!;
    let dirents: fs.Dirent<Buffer>[];
    try {
      dirents = fs.readdirSync(d, { withFileTypes: true, encoding: 'buffer' });
    } catch {
      continue; // prepare reports it
    }
    for (const e of dirents) {
      const full = joinBytes(d, e.name);
      let st: fs.Stats | undefined;
      try {
        st = fs.lstatSync(full, { throwIfNoEntry: false });
      } catch {
        continue; // prepare reports it
      }
      if (!st) continue;
      rememberStat(jobId, full, st);
      inodes++;
      if (st.isDirectory()) stack.push(full);
      else if (st.isFile()) {
        files++;
        bytes += st.size;
      }
    }
  }
  return { files, bytes, inodes };
}
