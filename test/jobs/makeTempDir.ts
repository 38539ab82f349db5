import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temp directory for one test, and its removal. */
export function makeTempDir(): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phasekit-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
