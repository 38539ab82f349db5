#!/usr/bin/env node
/**
 * The `phasekit` bin. `phasekit --version` and `phasekit --help` are answered from files at once (see
 * {@link answerAtOnce}); everything else loads the program — commander and the command the arguments name.
 */
import { answerAtOnce } from './answerAtOnce.js';

if (!answerAtOnce(process.argv.slice(2), process.stdout)) await import('./program.js');
