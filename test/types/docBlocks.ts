/**
 * The code blocks of the docs, and a way to compile them as an app developer would: strict, the libraries'
 * declarations checked, `phasekit` resolved as the package (its `exports`, so the built `dist/`).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

export const root = path.resolve(import.meta.dirname, '../..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const exec = promisify(execFile);

/** One fenced ```ts / ```js block of a markdown file. */
export interface DocBlock {
  /** Path from the repository root, e.g. `docs/embedding.md`. */
  readonly file: string;
  /** 1-based among the file's ts/js blocks. */
  readonly index: number;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: 'ts' | 'js';
  readonly code: string;
}

/** `README.md` and every `docs/**\/*.md`, in a stable order. */
export function docFiles(): string[] {
  const found: string[] = ['README.md'];
  const walk = (dir: string) => {
    for (const entry of fs
      .readdirSync(path.join(root, dir), { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.md')) found.push(rel);
    }
  };
  walk('docs');
  return found;
}

/** The ts/js blocks of one markdown file. */
export function docBlocks(file: string): DocBlock[] {
  const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript|js|javascript)\s*$/.exec(lines[i]);
    if (!open) {
      // Skip other fenced blocks whole, so a ``` inside them is not taken for an opening.
      if (/^```/.test(lines[i])) while (++i < lines.length && !/^```\s*$/.test(lines[i]));
      continue;
    }
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && !/^```\s*$/.test(lines[i])) body.push(lines[i]);
    blocks.push({
      file,
      index: blocks.length + 1,
      line: start + 1,
      lang: open[1].startsWith('t') ? 'ts' : 'js',
      code: `${body.join('\n')}\n`,
    });
  }
  return blocks;
}

/** One tsc diagnostic: the file (relative to the program's directory), position and message. */
export interface Diagnostic {
  readonly file: string;
  readonly text: string;
}

export interface CompileOptions {
  /** Emit JavaScript into `dir/out` (to run the blocks). Default false. */
  readonly emit?: boolean;
  /** Add the DOM library (blocks meant for a browser). */
  readonly dom?: boolean;
}

/**
 * Compile every `.mts`/`.mjs` file in `dir` as one program (JavaScript is type-checked too) and return the
 * diagnostics, each with the file it is about. `dir` must lie inside the repository so that `phasekit`
 * resolves to the package itself (a self-reference through package.json `exports`).
 */
export async function compileDir(dir: string, options: CompileOptions = {}): Promise<Diagnostic[]> {
  const config = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: options.dom ? ['ES2023', 'DOM', 'DOM.Iterable'] : ['ES2023'],
      types: ['node'],
      strict: true,
      skipLibCheck: false,
      allowJs: true,
      checkJs: true,
      noEmit: !options.emit,
      ...(options.emit ? { outDir: 'out', rootDir: '.' } : {}),
      isolatedModules: true,
      // The blocks are snippets: an unused import or a value used once is not a mistake in a doc.
      noUnusedLocals: false,
    },
    include: ['*.mts', '*.mjs'],
  };
  const project = path.join(dir, options.dom ? 'tsconfig.dom.json' : 'tsconfig.json');
  fs.writeFileSync(project, JSON.stringify(config, null, 2));
  let out = '';
  try {
    await exec(process.execPath, [tsc, '--pretty', 'false', '-p', project], { cwd: dir, maxBuffer: 1 << 24 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    if (stdout === undefined && stderr === undefined) throw error;
    out = `${stdout ?? ''}${stderr ?? ''}`;
  }
  const diagnostics: Diagnostic[] = [];
  for (const line of out.split('\n')) {
    if (line.trim() === '') continue;
    const at = /^(.+?)\(\d+,\d+\): /.exec(line);
    if (at) diagnostics.push({ file: path.relative(dir, path.resolve(dir, at[1])), text: line });
    else if (diagnostics.length > 0 && line.startsWith(' ')) {
      const last = diagnostics.pop()!;
      diagnostics.push({ ...last, text: `${last.text}\n${line}` });
    } else diagnostics.push({ file: '', text: line });
  }
  return diagnostics;
}

/** A fresh directory for a program, inside the repository (ignored by git: `.tmp/`). */
export function programDir(name: string): string {
  const dir = path.join(root, '.tmp', `${name}-${process.pid}-${Date.now()}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
