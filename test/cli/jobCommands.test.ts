import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addJobCommand } from '../../src/cli/jobCommand.js';
import { JOB_COMMANDS } from '../../src/cli/jobCommands.js';

describe('the registry of job commands', () => {
  it('every registered job command takes --inspect, --json and --library, and its line matches its descriptor', async () => {
    expect(JOB_COMMANDS.map((e) => e.command)).toEqual([
      'index',
      'copy',
      'delete',
      'duplicates',
      'validate',
      'thumbnails',
    ]);
    for (const entry of JOB_COMMANDS) {
      const descriptor = await entry.load();
      expect(descriptor.command, entry.command).toBe(entry.command);
      expect(descriptor.definition.name, entry.command).toBe(entry.job);
      expect(descriptor.summary, entry.command).toBe(entry.summary);

      const command = addJobCommand(new Command(), descriptor);
      const flags = command.options.map((o) => o.long);
      for (const common of ['--inspect', '--json', '--library'])
        expect(flags, `${entry.command} ${common}`).toContain(common);
      // Each declared option fills the key the descriptor reads.
      for (const spec of descriptor.options) {
        const option = command.options.find((o) => o.flags === spec.flags);
        expect(option?.attributeName(), `${entry.command} ${spec.flags}`).toBe(spec.key);
      }
      expect(command.registeredArguments.map((a) => a.name())).toEqual(
        descriptor.arguments.map((a) => a.name),
      );
    }
  });

  it('parses each common option into what the descriptor gets', async () => {
    for (const entry of JOB_COMMANDS) {
      const descriptor = await entry.load();
      const seen: Record<string, unknown>[] = [];
      const program = new Command().exitOverride();
      const command = addJobCommand(program, descriptor);
      // Stop before anything runs: only the parsed options matter here.
      command.action((...values: unknown[]) => {
        seen.push(values[descriptor.arguments.length] as Record<string, unknown>);
      });
      const args = descriptor.arguments.filter((a) => !a.optional).map(() => 'x');
      await program.parseAsync([entry.command, ...args, '--inspect', '--json', '--library', 'l.db'], {
        from: 'user',
      });
      expect(seen[0], entry.command).toMatchObject({ inspect: true, json: true, library: 'l.db' });
    }
  });
});
