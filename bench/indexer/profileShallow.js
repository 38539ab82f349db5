#!/usr/bin/env node
/**
 * One index of the bench tree into a fresh library, for profiling (not a bench module: run.js skips it).
 *
 *   npm run build
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/indexer/profileShallow.js [shallow|content|reindex] [DIR]
 *   node bench/indexer/summarizeProfile.js /tmp/prof/CPU.*.cpuprofile
 *
 * `reindex` indexes once unprofiled-ish (it is in the profile too: look at the second half) then again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexOnce } from './indexTools.js';
import { DEFAULT_DIR, makeTree } from './makeTree.js';

const mode = process.argv[2] ?? 'shallow';
const { root } = makeTree(process.argv[3] ?? DEFAULT_DIR);
const dir = mkdtempSync(join(tmpdir(), 'phasekit-prof-'));
try {
  const db = join(dir, 'library.db');
  if (mode === 'reindex') await indexOnce(root, db);
  const r = await indexOnce(root, db, { mode: mode === 'content' ? 'content' : 'shallow' });
  const phases = Object.entries(r.phases)
    .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
    .join(', ');
  console.log(
    `${mode}: ${r.ms.toFixed(0)} ms, ${r.output.files} files (${phases}); ` +
      `${r.checkpoints} checkpoints, ${r.checkpointBytes} bytes`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
