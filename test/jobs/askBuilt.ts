import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * What `expression` gives, printed, for the built module `dist/<file>` imported as `m`, in a Node process of
 * its own with `env` added to this one's: for what a module decides once, when it loads (its environment).
 */
export function askBuilt(file: string, expression: string, env: NodeJS.ProcessEnv): string {
  const module = JSON.stringify(path.join(root, 'dist', file));
  return spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `import(${module}).then((m) => console.log(${expression}))`],
    { env: { ...process.env, ...env }, encoding: 'utf8' },
  ).stdout.trim();
}
