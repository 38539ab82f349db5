import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import { CliError } from './CliError.js';

/**
 * Refuse an argument that is not valid UTF-8. Node decodes `process.argv` as UTF-8 and puts U+FFFD for every
 * byte that is not, so `phasekit delete $'bad\xff'` would name another path — the one spelled with U+FFFD,
 * which may exist. Where an argument holds U+FFFD, its bytes are read back from `/proc/self/cmdline`: a file
 * really named with U+FFFD passes, anything else (or no way to tell) is refused. `args` are
 * `process.argv.slice(2)`, the last entries of the command line.
 *
 * @throws {CliError} naming the argument, with what to do instead.
 */
export function refuseNonUtf8Arguments(
  args: readonly string[],
  readCmdline: () => Buffer = () => fs.readFileSync('/proc/self/cmdline'),
): void {
  const suspects = args.flatMap((a, i) => (a.includes('\uFFFD') ? [i] : []));
  if (suspects.length === 0) return;
  let raw: Buffer[] | undefined;
  try {
    const bytes = readCmdline();
    const parts: Buffer[] = [];
    for (let start = 0; start < bytes.length; ) {
      const end = bytes.indexOf(0, start);
      parts.push(bytes.subarray(start, end < 0 ? bytes.length : end));
      start = end < 0 ? bytes.length : end + 1;
    }
    if (parts.length >= args.length) raw = parts.slice(parts.length - args.length);
  } catch {
    raw = undefined;
  }
  for (const i of suspects) {
    const bytes = raw?.[i];
    // The entry must be this very argument (same text once decoded), and valid UTF-8.
    if (bytes && bytes.toString('utf8') === args[i] && isUtf8(bytes)) continue;
    throw new CliError(
      `argument ${JSON.stringify(args[i])} is not valid UTF-8 (each \uFFFD stands for a byte that is not), and ` +
        'the command line cannot pass such a name through: name a directory above it instead (names inside a ' +
        'tree are read byte for byte), or rename it first.',
    );
  }
}
