/**
 * Child processes cannot import TypeScript (Node 20 has no type stripping, and `dist/` may be mid-build by
 * someone else), so tests that run stores in real child processes transpile `src/` into a temp directory,
 * `<dir>/src/...`, with `<dir>/lib` a link to `<dir>/src/persistence`, `node_modules` linked next to it and
 * `"type": "module"`: every file of `src/persistence` and the modules of `src/` they import.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const SOURCE = path.resolve(import.meta.dirname, '../../../src');

/** Transpile `src/**` to `<dir>/src/**` (ES modules), link `<dir>/lib` to its persistence folder. */
export function transpilePersistence(dir: string): void {
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }');
  fs.symlinkSync(path.resolve(SOURCE, '../node_modules'), path.join(dir, 'node_modules'), 'dir');
  for (const file of persistenceClosure()) {
    const { outputText } = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    const out = path.join(dir, 'src', path.relative(SOURCE, file).replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, outputText);
  }
  fs.symlinkSync(path.join(dir, 'src', 'persistence'), path.join(dir, 'lib'), 'dir');
}

/** The `.ts` files of `src/persistence` and, transitively, every file of `src/` they import. */
function persistenceClosure(): string[] {
  const start = fs
    .readdirSync(path.join(SOURCE, 'persistence'), { recursive: true, encoding: 'utf8' })
    .filter((entry) => entry.endsWith('.ts'))
    .map((entry) => path.join(SOURCE, 'persistence', entry));
  const seen = new Set<string>(start);
  const queue = [...start];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    for (const [, specifier] of fs.readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) {
      const target = path.resolve(path.dirname(file), `${specifier}.ts`);
      if (!seen.has(target) && fs.existsSync(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return [...seen];
}
