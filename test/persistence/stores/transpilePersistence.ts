/**
 * Child processes cannot import TypeScript (Node 20 has no type stripping, and `dist/` may be mid-build by
 * someone else), so tests that run stores in real child processes transpile `src/persistence` into a temp
 * directory, `<dir>/lib/...`, with `node_modules` linked next to it and `"type": "module"`.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const SOURCE = path.resolve(import.meta.dirname, '../../../src/persistence');

/** Transpile `src/persistence/**` to `<dir>/lib/**` (ES modules) and make `dir` importable. */
export function transpilePersistence(dir: string): void {
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }');
  fs.symlinkSync(path.resolve(SOURCE, '../../node_modules'), path.join(dir, 'node_modules'), 'dir');
  for (const entry of fs.readdirSync(SOURCE, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.ts')) continue;
    const { outputText } = ts.transpileModule(fs.readFileSync(path.join(SOURCE, entry), 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    const out = path.join(dir, 'lib', entry.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, outputText);
  }
}
