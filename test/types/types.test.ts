import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const run = promisify(execFile);

/** Compile with tsc; resolves with its diagnostics (empty when clean). */
async function compile(project: string): Promise<string> {
  try {
    await run(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '-p', project], { cwd: root });
    return '';
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    if (!stdout && !stderr) throw error;
    return `${stdout ?? ''}${stderr ?? ''}`.trim();
  }
}

// What a user sees in the editor for two typos; each snippet is compiled as a file of its own.
const snippets = {
  'stateTypo.ts': `import { Continue, defineJob } from '../../src/index.js';
export const job = defineJob({
  name: 'backup',
  version: 1,
  initialState: (input: { files: string[] }) => ({ cursor: 0 }),
  phases: (phase) => [
    phase({
      name: 'copy',
      async execute(ctx) {
        ctx.state.cursr++;
        return Continue;
      },
    }),
  ],
});
`,
  'badSkipTo.ts': `import { Continue, defineJob, skipTo } from '../../src/index.js';
export const job = defineJob({
  name: 'backup',
  version: 1,
  initialState: () => ({ empty: true }),
  phases: (phase) => [
    phase({
      name: 'scan',
      skipsTo: ['report'],
      async execute(ctx) {
        return ctx.state.empty ? skipTo('reprot') : Continue;
      },
    }),
    phase({ name: 'report', async execute() { return Continue; } }),
  ],
});
`,
};

it('the type tests in test/types compile under strict with the libraries checked, and each @ts-expect-error is needed', async () => {
  // One program: the type tests, plus the two snippets that must fail with the messages quoted below.
  const dir = path.join(root, '.tmp', `types-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  try {
    for (const [name, text] of Object.entries(snippets)) fs.writeFileSync(path.join(dir, name), text);
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: path.join(root, 'test/types/tsconfig.json'),
        include: [path.join(root, 'test/types/*.ts'), path.join(dir, '*.ts')],
        exclude: [path.join(root, 'test/types/*.test.ts')],
      }),
    );
    const out = await compile(path.join(dir, 'tsconfig.json'));
    const lines = out.split('\n').filter((l) => l.length > 0);
    const mine = (file: string) =>
      lines
        .filter((l) => l.startsWith(path.relative(root, path.join(dir, file))))
        .map((l) => l.replace(/^[^(]*/, ''));
    // Every other diagnostic is a failed type test.
    const others = lines.filter((l) => !l.startsWith(path.relative(root, dir)) && !l.startsWith(' '));
    expect(others, out).toEqual([]);
    expect(mine('stateTypo.ts')).toEqual([
      "(10,19): error TS2551: Property 'cursr' does not exist on type '{ cursor: number; }'. Did you mean 'cursor'?",
    ]);
    expect(mine('badSkipTo.ts')).toEqual([
      `(11,41): error TS2345: Argument of type '"reprot"' is not assignable to parameter of type '"report"'.`,
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
