import fs from 'node:fs';
import { Continue } from '../../../phases/outcomes.js';
import { phase } from '../../../phases/phase.js';
import { resolveBytes } from '../../fs/bytePaths.js';
import { fileIdentity } from '../../fs/fileIdentity.js';
import { displayPath } from '../../fs/paths.js';
import { countFiles } from '../countFiles.js';
import { DeleteRefusedError } from '../DeleteRefusedError.js';
import { TargetGuard } from '../targetGuard.js';
import type { DeleteDeps, DeleteInput, DeleteState, DeleteTarget } from '../types.js';

/**
 * Check the request before anything is deleted: a known mode; `confirm` for permanent and secure; every path
 * exists; none is, or holds, the library's own files (by real path and by device+inode); and unless
 * `preserveRoot` is false, none is `/`, a top-level system directory, or the home or working directory or a
 * folder above them. Records each target's device and inode (a target replaced later is left alone) and
 * counts the files below the targets for progress (not in trash mode: a target is one rename).
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
    const guard = new TargetGuard({
      libraryFile: ctx.deps.library?.file,
      preserveRoot: input.preserveRoot !== false,
    });
    const targets: DeleteTarget[] = [];
    for (const given of input.paths) {
      const path = resolveBytes(given);
      const shown = displayPath(path);
      const refusal = guard.refusal(path);
      if (refusal) throw new DeleteRefusedError(refusal, 'protected', shown);
      const st = fs.lstatSync(path, { bigint: true, throwIfNoEntry: false });
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
      targets.push({ path, kind, id: fileIdentity(st) });
    }
    state.targets = targets;
    state.totalFiles =
      mode === 'trash'
        ? targets.length
        : targets.reduce((n, t) => n + (t.kind === 'dir' ? countFiles(t.path) : 1), 0);
    return Continue;
  },
});
