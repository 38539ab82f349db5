import os from 'node:os';
import path from 'node:path';

/**
 * Where the library lives: `--library FILE`, else `$PHASEKIT_HOME/library.db`, else
 * `$XDG_DATA_HOME/phasekit/library.db`, else `~/.local/share/phasekit/library.db`.
 */
export function libraryPath(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (option) return path.resolve(option);
  if (env.PHASEKIT_HOME) return path.resolve(env.PHASEKIT_HOME, 'library.db');
  const data = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.resolve(data, 'phasekit', 'library.db');
}
