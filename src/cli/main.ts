#!/usr/bin/env node
import fs from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CliError } from './CliError.js';
import { cancelCommand } from './commands/cancelCommand.js';
import { copyCommand } from './commands/copyCommand.js';
import { deleteCommand } from './commands/deleteCommand.js';
import { duplicatesCommand } from './commands/duplicatesCommand.js';
import { graphCommand } from './commands/graphCommand.js';
import { indexCommand } from './commands/indexCommand.js';
import { jobsCommand } from './commands/jobsCommand.js';
import { pauseCommand } from './commands/pauseCommand.js';
import { resumeCommands } from './commands/resumeJobCommand.js';
import { thumbnailsCommand } from './commands/thumbnailsCommand.js';
import { validateCommand } from './commands/validateCommand.js';
import { errorLine } from './errorLine.js';
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

indexCommand(program);
copyCommand(program);
deleteCommand(program);
jobsCommand(program);
resumeCommands(program);
pauseCommand(program);
cancelCommand(program);
graphCommand(program);
duplicatesCommand(program);
validateCommand(program);
thumbnailsCommand(program);
(await import('./commands/workerCommand.js')).workerCommand(program);

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
