#!/usr/bin/env node
/**
 * The `phasekit` bin. `phasekit --version` and `phasekit --help` are answered from files at once (see
 * {@link answerAtOnce}); everything else loads the program — commander and the command the arguments name.
 *
 * The program comes from the build's bundle (`dist/bundle/cli.js`, made with the package's entry points in one
 * rolldown build, so its classes are the ones `import 'phasekit'` gives a `worker --module`): a one-file
 * `index` opens 49 of our files instead of 156 (strace), each command still in chunks of its own, loaded when
 * it runs. Without the bundle
 * (a `tsc`-only build) it is the tsc module beside this file.
 */
import fs from 'node:fs';
import { answerAtOnce } from './answerAtOnce.js';

if (!answerAtOnce(process.argv.slice(2), process.stdout)) {
  const bundled = new URL('../bundle/cli.js', import.meta.url);
  await import(fs.existsSync(bundled) ? bundled.href : './program.js');
}
