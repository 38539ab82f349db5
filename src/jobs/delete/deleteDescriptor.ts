import { defineJobDescriptor } from '../descriptor/defineJobDescriptor.js';
import type { DescriptorContext } from '../descriptor/JobDescriptor.js';
import { trashEnvironment } from '../trash/freedesktopTrash.js';
import { deleteJob } from './deleteJob.js';
import type { DeleteInput, DeleteMode } from './types.js';

interface DeleteArgs {
  paths: string[];
}

interface DeleteOptions {
  mode: string;
  yes?: boolean;
  passes: string;
  preserveRoot: boolean;
}

/** `phasekit delete <path>...`: the delete job as a command. */
export const deleteDescriptor = defineJobDescriptor({
  command: 'delete',
  summary:
    'Delete files and directories: to the trash (default), permanently, or securely (overwritten first).',
  definition: deleteJob,
  arguments: [{ name: 'paths', description: 'files and directories to delete', variadic: true }],
  options: [
    { flags: '--mode <mode>', key: 'mode', description: 'trash | permanent | secure', default: 'trash' },
    { flags: '--yes', key: 'yes', description: 'confirm a permanent or secure delete (it cannot be undone)' },
    { flags: '--passes <n>', key: 'passes', description: 'overwrite passes of --mode secure', default: '3' },
    {
      flags: '--no-preserve-root',
      key: 'preserveRoot',
      description: 'allow /, top-level system directories and folders holding your home or current directory',
    },
  ],
  commonHelp: { library: 'library file (its entries of deleted paths are removed)' },
  help: `
Examples:
  phasekit delete ~/Downloads/old.iso             to the trash (restore it from your file manager)
  phasekit delete build/ --mode permanent --yes
  phasekit delete secrets.txt --mode secure --yes --passes 1

/, top-level system directories (/usr, /etc, /home…), and your home and current directories and every
folder above them are refused unless --no-preserve-root; the library's own files and folders always are.
A delete that could not delete some paths goes on with the rest, lists them, and exits 1.
`,
  input(args: DeleteArgs, options: DeleteOptions, ctx: DescriptorContext): DeleteInput {
    if (!['trash', 'permanent', 'secure'].includes(options.mode)) {
      ctx.fail(`Unknown --mode "${options.mode}": use trash, permanent or secure.`);
    }
    if (options.mode !== 'trash' && options.yes !== true) {
      ctx.fail(`A ${options.mode} delete cannot be undone: add --yes to confirm, or use --mode trash.`);
    }
    const passes = Number(options.passes);
    if (!Number.isInteger(passes) || passes < 1) ctx.fail('--passes must be a positive integer.');
    return {
      paths: args.paths,
      mode: options.mode as DeleteMode,
      confirm: options.yes === true,
      passes,
      preserveRoot: options.preserveRoot !== false,
    };
  },
  deps: ({ library }) => ({ library, trash: trashEnvironment() }),
  // What it could not delete is said apart (`failures`): never "Done", exit 1.
  summarize: (o) =>
    o.mode === 'trash'
      ? `${o.trashed.length} moved to the trash${o.alreadyGone ? `, ${o.alreadyGone} already gone` : ''}: ${o.trashed.join(', ')}`
      : `${o.mode === 'secure' ? 'securely ' : ''}deleted ${o.files} file(s) and ${o.dirs} dir(s) of ${o.targets} path(s)` +
        (o.overwritten ? `, ${o.overwritten} bytes overwritten` : '') +
        (o.alreadyGone ? `, ${o.alreadyGone} already gone` : ''),
  // Paths it could not delete: exit 1 and list them, as `rm` does (also when resumed).
  failures: (o, result) =>
    o?.failed
      ? {
          count: o.failed,
          label: 'path(s) could not be deleted and are still there',
          lines: result.errors.filter((e) => e.name === 'PathNotDeletedError').map((e) => e.message),
          stderr: `${o.failed} path(s) could not be deleted and are still there (the errors above say why).`,
        }
      : undefined,
});
