import fs from 'node:fs';
import path from 'node:path';

/**
 * How the user can run phasekit again from their shell, for hints such as the resume command: `phasekit` when
 * that name on their `PATH` is this very CLI, else `npx phasekit` (started through `npx phasekit` or an npm
 * script, or installed locally and not on `PATH`).
 */
export function cliInvocation(
  env: NodeJS.ProcessEnv = process.env,
  script: string | undefined = process.argv[1],
): 'phasekit' | 'npx phasekit' {
  // `npx phasekit …` and an npm script `phasekit …` run us as npm's lifecycle script; npm put its own
  // node_modules/.bin on PATH for that run only.
  if (/^\s*'?phasekit'?(\s|$)/.test(env.npm_lifecycle_script ?? '')) return 'npx phasekit';
  if (script && onPath('phasekit', script, env)) return 'phasekit';
  return 'npx phasekit';
}

/** Whether `name` resolves on `PATH` to the same file as `script` (leaving out the bins npm adds for a run). */
function onPath(name: string, script: string, env: NodeJS.ProcessEnv): boolean {
  const target = realpath(script);
  if (!target) return false;
  const underNpm = env.npm_execpath !== undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    if (underNpm && dir.split(path.sep).includes('node_modules')) continue;
    const candidate = realpath(path.join(dir, name));
    if (candidate) return candidate === target;
  }
  return false;
}

function realpath(file: string): string | undefined {
  try {
    return fs.realpathSync(file);
  } catch {
    return undefined;
  }
}
