import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { tempDir } from './machines/helpers.js';

const root = path.resolve(import.meta.dirname, '..');

it("the README's example runs as written and completes", () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const code = /```js\n([\s\S]*?)```/.exec(readme)![1];
  const dir = tempDir();
  // The example writes to /tmp; run it against a temp dir instead, otherwise unchanged.
  const script = code
    .replaceAll("'/tmp'", JSON.stringify(dir))
    .replaceAll("'/tmp/jobs.db'", JSON.stringify(path.join(dir, 'jobs.db')));
  const file = path.join(root, '.tmp-readme-example.mjs');
  fs.writeFileSync(file, script);
  try {
    const out = execFileSync(process.execPath, [file], { cwd: root, encoding: 'utf8' });
    expect(out).toContain("status: 'completed'");
    expect(fs.readFileSync(path.join(dir, '0.bak'), 'utf8')).toBe(
      fs.readFileSync(path.join(root, 'package.json'), 'utf8'),
    );
    expect(fs.existsSync(path.join(dir, '1.bak'))).toBe(true);
  } finally {
    fs.rmSync(file, { force: true });
  }
});
