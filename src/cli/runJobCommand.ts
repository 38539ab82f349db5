import { MemoryStore } from '../persistence/stores/MemoryStore.js';
import type { DescriptorContext, JobDescriptor } from '../jobs/descriptor/JobDescriptor.js';
import { CliError } from './CliError.js';
import { type AttachedInspector, attachInspector } from './inspect.js';
import { JOB_COMMANDS, type JobCommandEntry } from './jobCommands.js';
import { libraryPath } from './libraryPath.js';
import { openWorkspace, type Workspace } from './openWorkspace.js';
import { resumeCommandFor } from './commands/resumeCommand.js';
import { descriptorOfCommand } from './registry.js';
import { runThroughManager } from './runThroughManager.js';

/** The options every job command has, whatever its descriptor declares. */
interface CommonOptions {
  readonly library?: string;
  readonly json?: boolean;
  readonly inspect?: boolean;
}

/**
 * `phasekit <job> …`: build the job's input from the parsed command line (its descriptor refuses bad input in
 * one line), open the library (unless the input runs in memory), start the inspector with `--inspect`, and
 * run the job through the job manager in the foreground; then its follow-on job, if it names one and this one
 * exited 0. Resolves with the exit code.
 */
export async function runJobCommand(
  descriptor: JobDescriptor,
  args: Record<string, unknown>,
  options: Record<string, unknown> & CommonOptions,
  entries: readonly JobCommandEntry[] = JOB_COMMANDS,
): Promise<number> {
  const file = libraryPath(options.library);
  let ws: Workspace | undefined;
  const open = (create: boolean) => {
    ws ??= openWorkspace(file, { create });
    return ws;
  };
  const ctx: DescriptorContext = {
    libraryFile: file,
    library: () => open(descriptor.library !== 'existing').library,
    fail: (message) => {
      throw new CliError(message);
    },
  };
  let inspector: AttachedInspector | undefined;
  try {
    const input = await descriptor.input(args, options, ctx);
    const ephemeral = descriptor.ephemeral?.(input) === true;
    const workspace = ephemeral ? undefined : open(descriptor.library !== 'existing');
    inspector = await attachInspector(options);
    const json = options.json === true;
    let completed = false;
    let code = await runThroughManager(
      descriptor,
      { kind: 'dispatch', input },
      {
        store: workspace?.store ?? new MemoryStore(),
        deps: workspace ? descriptor.deps(workspace) : undefined,
        inspect: inspector.inspect,
        json,
        resumeCommand: (id) =>
          workspace
            ? resumeCommandFor(id, options.library)
            : `(an ephemeral ${descriptor.command} cannot be resumed)`,
        reported: (result) => {
          completed = result.status === 'completed';
        },
      },
    );
    // The follow-on job runs after a completed one, also when some of its items failed (an unreadable
    // directory the index skipped still leaves the rest to make thumbnails of); the exit code is the worse.
    const next = completed && workspace ? descriptor.next?.(input, options) : undefined;
    if (next) {
      const then = await descriptorOfCommand(next.command, entries);
      if (!then) throw new Error(`${descriptor.command} names an unknown follow-on job "${next.command}".`);
      const first = code;
      code = await runThroughManager(
        then,
        { kind: 'dispatch', input: next.input },
        {
          store: workspace!.store,
          deps: then.deps(workspace!),
          inspect: inspector.inspect,
          json,
          resumeCommand: (id) => resumeCommandFor(id, options.library),
        },
      );
      code = Math.max(first, code);
    }
    return code;
  } finally {
    await inspector?.stop();
    await (ws as Workspace | undefined)?.close();
  }
}
