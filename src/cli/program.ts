import fs from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CliError } from './CliError.js';
import { COMMANDS } from './commandTable.js';
import { errorLine } from './errorLine.js';
import { refuseNonUtf8Arguments } from './nonUtf8Argument.js';
import { watchOutput } from './outputClosed.js';

const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command()
  .name('phasekit')
  .description('Resumable, phased file jobs: index, and more. Ctrl-C pauses; `phasekit resume <id>` goes on.')
  .version(pkg.version)
  .showHelpAfterError()
  .exitOverride();

/** The command the arguments name (`phasekit help <name>` too), if any. */
function commandNamed(args: readonly string[]): (typeof COMMANDS)[number] | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return COMMANDS.find((c) => c.name === name);
}

const wanted = commandNamed(process.argv.slice(2));
if (wanted) (await wanted.load())(program);
// Without one (--help, --version, a typo), only the names and summaries are needed.
else for (const c of COMMANDS) program.command(c.name).description(c.summary);

program.addHelpText(
  'after',
  `
Examples:
  phasekit index ~/Photos               index a directory into the library
  phasekit jobs                         list unfinished jobs
  phasekit resume <id>                  go on with a paused or interrupted job
  phasekit pause <id>                   pause a job running in another process
  phasekit graph indexer                print the indexer's state machine (Mermaid)
`,
);

// `phasekit … | head -1`: stop quietly when the reader goes away (a running job pauses first).
watchOutput(process.stdout);

try {
  refuseNonUtf8Arguments(process.argv.slice(2));
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else if (error instanceof CliError) {
    process.stderr.write(`phasekit: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    // One line, never a stack trace (PHASEKIT_DEBUG=1 adds it, to report a bug).
    process.stderr.write(`phasekit: ${errorLine(error)}\n`);
    if (process.env.PHASEKIT_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
