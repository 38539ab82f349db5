import fs from 'node:fs';

/** The help text `npm run build` saves from the program's own `--help` (non-TTY, 80 columns). */
export const HELP_FILE = 'help.txt';

/** The modules the top-level help is made from: a saved help older than any of them is not used. */
const HELP_SOURCES = ['program.js', 'commandTable.js', 'jobCommands.js'] as const;

/** Where {@link answerAtOnce} writes: `process.stdout`, or a test's stand-in. */
export interface AnswerOutput {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

/**
 * Answer `--version` / `-V` and the top-level `--help` / `-h` without loading commander or any command (the
 * CLI's start-up is then about bare node's). The version comes from package.json; the help is the text the
 * build saved from the program itself (`scripts/build.mjs`), used only when it is at least as new as the
 * modules it is made from and the output is not a terminal narrower than the 80 columns it is wrapped at.
 * Returns false when the arguments ask for anything else, or the saved help cannot be used: the caller then
 * runs the program, which answers the same.
 *
 * @param dir - the folder of the CLI's modules (a URL or path); the default is this module's.
 */
export function answerAtOnce(
  args: readonly string[],
  out: AnswerOutput,
  dir: URL = new URL('.', import.meta.url),
): boolean {
  if (args.length !== 1) return false;
  const [arg] = args;
  if (arg === '--version' || arg === '-V') {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', dir), 'utf8')) as {
      version: string;
    };
    out.write(`${pkg.version}\n`);
    return true;
  }
  if (arg !== '--help' && arg !== '-h') return false;
  if (out.isTTY && (out.columns ?? 80) < 80) return false;
  const help = savedHelp(dir);
  if (help === undefined) return false;
  out.write(help);
  return true;
}

function savedHelp(dir: URL): string | undefined {
  const saved = fs.statSync(new URL(HELP_FILE, dir), { throwIfNoEntry: false });
  if (!saved) return undefined;
  for (const source of HELP_SOURCES) {
    const stat = fs.statSync(new URL(source, dir), { throwIfNoEntry: false });
    if (!stat || stat.mtimeMs > saved.mtimeMs) return undefined;
  }
  return fs.readFileSync(new URL(HELP_FILE, dir), 'utf8');
}
