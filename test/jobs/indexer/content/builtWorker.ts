import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The built content id worker (`npm run build`): the TypeScript sources hash inline, so tests of the threads
 * point the pool at `dist/`. Missing, the tests fail saying so rather than pass inline.
 */
export const BUILT_WORKER = new URL(
  '../../../../dist/jobs/indexer/content/contentIdWorker.js',
  import.meta.url,
);

export function builtWorker(): URL {
  if (!fs.existsSync(fileURLToPath(BUILT_WORKER))) {
    throw new Error(`${fileURLToPath(BUILT_WORKER)} is missing: run \`npm run build\` first.`);
  }
  return BUILT_WORKER;
}
