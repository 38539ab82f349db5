import fs from 'node:fs';
import os from 'node:os';
import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import { isInside, resolveBytes } from '../../copy/bytePaths.js';
import { displayPath, joinBytes } from '../../indexer/paths.js';
import { DeleteRefusedError } from '../DeleteRefusedError.js';
import type { DeleteDeps, DeleteInput, DeleteState, DeleteTarget } from '../types.js';

/**
 * Check the request before anything is deleted: a known mode; `confirm` for permanent and secure; every path
 * exists; none is `/`, the home directory itself, or holds the library's own files (database, WAL, shared
 * memory). Counts the files below the targets for progress (not in trash mode: a target is one rename).
 */
export const validate = phase<DeleteState, DeleteInput, DeleteDeps>({
  name: 'validate',
  async execute(ctx) {
    const { input, state } = ctx;
    const mode = input.mode ?? 'trash';
    if (!['trash', 'permanent', 'secure'].includes(mode)) {
      throw new DeleteRefusedError(
        `Unknown delete mode "${mode}": use trash, permanent or secure.`,
        'bad-input',
        '',
      );
    }
    if (mode !== 'trash' && input.confirm !== true) {
      throw new DeleteRefusedError(
        `A ${mode} delete cannot be undone: confirm it (--yes, or confirm: true), or use mode trash.`,
        'unconfirmed',
        '',
      );
    }
    const passes = input.passes ?? 3;
    if (!Number.isInteger(passes) || passes < 1)
      throw new DeleteRefusedError(`passes must be a positive integer, got ${passes}.`, 'bad-input', '');
    if (input.paths.length === 0)
      throw new DeleteRefusedError('Give at least one path to delete.', 'bad-input', '');
    const protectedPaths = [
      Buffer.from('/'),
      resolveBytes(os.homedir()),
      ...(process.env.HOME ? [resolveBytes(process.env.HOME)] : []),
    ];
    const libraryFile = ctx.deps.library?.file;
    const libraryFiles =
      libraryFile && libraryFile !== ':memory:'
        ? ['', '-wal', '-shm', '-journal'].map((s) => resolveBytes(libraryFile + s))
        : [];
    const targets: DeleteTarget[] = [];
    for (const given of input.paths) {
      const path = resolveBytes(given);
      const shown = displayPath(path);
      const real = realPath(path);
      for (const p of protectedPaths) {
        if (p.equals(path) || (real && p.equals(real))) {
          throw new DeleteRefusedError(
            `Refusing to delete ${shown}: it is ${p.length === 1 ? 'the root directory' : 'your home directory'}. Name what is inside it instead.`,
            'protected',
            shown,
          );
        }
      }
      for (const f of libraryFiles) {
        if (isInside(f, path) || (real && isInside(f, real))) {
          throw new DeleteRefusedError(
            `Refusing to delete ${shown}: it ${f.equals(path) ? 'is' : 'holds'} the library's own file ${displayPath(f)}. Use another --library, or move it out first.`,
            'protected',
            shown,
          );
        }
      }
      const st = fs.lstatSync(path, { throwIfNoEntry: false });
      if (!st)
        throw new DeleteRefusedError(
          `No such file or directory: ${shown}. Nothing was deleted.`,
          'missing',
          shown,
        );
      const kind = st.isDirectory()
        ? 'dir'
        : st.isSymbolicLink()
          ? 'symlink'
          : st.isFile()
            ? 'file'
            : 'other';
      targets.push({ path, kind });
    }
    state.targets = targets;
    state.totalFiles =
      mode === 'trash'
        ? targets.length
        : targets.reduce((n, t) => n + (t.kind === 'dir' ? countFiles(t.path) : 1), 0);
    return Continue;
  },
});

/** Non-directories below a directory, symlinks not followed. */
function countFiles(dir: Uint8Array): number {
  let n = 0;
  const stack: Buffer[] = [Buffer.from(dir)];
  while (stack.length > 0) {
    const d = stack.pop()!;
    let dirents: fs.Dirent<Buffer>[];
    try {
      dirents = fs.readdirSync(d, { withFileTypes: true, encoding: 'buffer' });
    } catch {
      continue;
    }
    for (const e of dirents) {
      if (e.isDirectory()) stack.push(joinBytes(d, e.name));
      else n++;
    }
  }
  return n;
}

function realPath(path: Buffer): Buffer | undefined {
  try {
    return fs.realpathSync(path, { encoding: 'buffer' });
  } catch {
    return undefined;
  }
}
