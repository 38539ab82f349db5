import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { compileDir, docBlocks, programDir } from './types/docBlocks.js';

// test/docs.test.ts compiles and runs the README's example; this checks it is typed end to end: written with no
// type argument, and a typo in the state, the input or the job's input is a compile error.
const example = docBlocks('README.md')[0].code;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const mutants: Record<string, { from: string; to: string; error: string }> = {
  state: {
    from: 'ctx.state.next < files.length',
    to: 'ctx.state.nxet < files.length',
    error: "error TS2339: Property 'nxet' does not exist on type '{ next: number; }'.",
  },
  input: {
    from: 'const { files, to } = ctx.input;',
    to: 'const { files, to, mode } = ctx.input;',
    error:
      "error TS2339: Property 'mode' does not exist on type 'Readonly<{ files: string[]; to: string; }>'.",
  },
  jobInput: {
    from: "to: '/tmp' }",
    to: "dest: '/tmp' }",
    error: 'error TS2353: Object literal may only specify known properties',
  },
};

it("the README's example gives no type argument: its types come from initialState", () => {
  expect(example).toContain('phases: (phase) =>');
  expect(example).not.toMatch(/\b(defineJob|phase|runJob|resumeJob|jobPhases|depsType)\s*</);
  expect(example).not.toMatch(/\bas\s+(any|unknown)\b|: any\b/);
});

it("a typo in the README's example is a compile error, and the example as written compiles", async () => {
  const dir = programDir('readme');
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'asWritten.mts'), example);
  for (const [name, { from, to }] of Object.entries(mutants)) {
    expect(example, `the README no longer holds ${from}`).toContain(from);
    fs.writeFileSync(path.join(dir, `${name}.mts`), example.replace(from, to));
  }
  const diagnostics = await compileDir(dir);
  const of = (file: string) => diagnostics.filter((d) => d.file === file).map((d) => d.text);
  expect(of('asWritten.mts')).toEqual([]);
  for (const [name, { error }] of Object.entries(mutants)) {
    const found = of(`${name}.mts`);
    expect(found, name).toHaveLength(1);
    expect(found[0], name).toContain(error);
  }
  expect(diagnostics.filter((d) => !d.file).map((d) => d.text)).toEqual([]);
});
