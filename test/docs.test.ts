import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toMermaid } from '../src/index.js';
import { conceptsJob } from './fixtures/conceptsJob.js';
import {
  compileDir,
  type DocBlock,
  type Diagnostic,
  docBlocks,
  docFiles,
  programDir,
  root,
} from './types/docBlocks.js';

const exec = promisify(execFile);

it('docs/concepts.md shows the diagram toMermaid draws of the compiled job', () => {
  const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../docs/concepts.md'), 'utf8');
  const block = /<!-- toMermaid:conceptsJob -->\n```mermaid\n([\s\S]*?)```\n<!-- \/toMermaid -->/.exec(doc);
  expect(block, 'the marked mermaid block is missing').not.toBeNull();
  expect(block![1]).toBe(toMermaid(conceptsJob));
});

/**
 * How each block is tested. A block with no plan is compiled and run as it stands. A fragment that names
 * things it does not define gets a `prelude` declaring them (`declare const …` when it is only compiled);
 * `run: false` for one that needs a browser, a server or a database, with the reason.
 */
interface Plan {
  /** The block's first line, so a block moved or inserted in its file is noticed (plans go by position). */
  readonly starts: string;
  /** Prepended to the block (names prefixed `__` so they clash with nothing the block imports). */
  readonly prelude?: string;
  /** Appended to the block. */
  readonly epilogue?: string;
  /** Text replacements applied to the block before it is compiled (e.g. paths into the temp dir). */
  readonly replace?: readonly (readonly [string, string | ((dir: string) => string)])[];
  /** Why it is compiled only; absent: it is run too. */
  readonly compileOnly?: string;
  /** Compile it with the DOM library (browser code). */
  readonly dom?: boolean;
  /** Run from the repository root instead of the temp dir. */
  readonly cwdRoot?: boolean;
  /** Other files the block imports, by name. */
  readonly files?: Readonly<Record<string, string>>;
  /** Checks on what the block printed, and on the files it wrote (`dir`: its temp dir). */
  readonly check?: (stdout: string, dir: string, block: DocBlock) => void;
  /**
   * A block that is wrong in a doc another engineer owns: the test asserts each of these messages is still
   * reported (so the entry goes when the doc is fixed). A visible TODO, not a silent skip.
   */
  readonly knownBroken?: { readonly todo: string; readonly messages: readonly string[] };
  /** Not code at all: neither compiled nor run. */
  readonly notCode?: string;
}

const BACKUP_FOR_TESTING = `import { Continue as __Continue, defineJob as __defineJob, group as __group, phase as __phase } from 'phasekit';
const backup = __defineJob({
  name: 'backup',
  version: 1,
  initialState: () => ({ copied: 0 }),
  phases: [
    __phase({ name: 'plan', skipsTo: ['report'], async execute() { return __Continue; } }),
    __phase({ name: 'thumbnails', when: (input: { thumbnails: boolean }) => input.thumbnails,
      async execute() { return __Continue; } }),
    __group('transfer', [
      __phase({ name: 'upload', recovery: { strategy: 'retry-from-checkpoint', maxAttempts: 3 },
        async execute() { return __Continue; }, async onFailure() {} }),
      __phase({ name: 'verify', recovery: { strategy: 'skip-phase' }, async execute() { return __Continue; } }),
    ]),
    __phase({ name: 'report', async execute() { return __Continue; }, async onSuccess() {} }),
  ],
});
`;

const plans: Record<string, Plan> = {
  'README.md#1': {
    starts: "import fs from 'node:fs/promises';",
    cwdRoot: true,
    replace: [
      ["'/tmp/jobs.db'", (dir) => JSON.stringify(path.join(dir, 'jobs.db'))],
      ["'/tmp'", (dir) => JSON.stringify(dir)],
    ],
    check: (stdout, dir) => {
      expect(stdout).toContain("status: 'completed'");
      expect(fs.readFileSync(path.join(dir, '0.bak'), 'utf8')).toBe(
        fs.readFileSync(path.join(root, 'package.json'), 'utf8'),
      );
      expect(fs.existsSync(path.join(dir, '1.bak'))).toBe(true);
    },
  },
  'docs/concepts.md#1': {
    starts: "import { Continue, defineJob, depsType, runJob, skipTo } from 'phasekit';",
    check: (stdout) => expect(stdout).toContain("completed { added: 2 } [ 'a', 'b' ]"),
  },
  'docs/embedding.md#1': {
    starts: "import { provideRuntime } from 'phasekit';",
    prelude: `import type { JobDefinition as __JD } from 'phasekit';
declare const backupJob: __JD<{ cursor: number }, { paths: string[] }>;
`,
    compileOnly: 'a fragment: `backupJob` is any job of yours',
  },
  'docs/embedding.md#2': {
    starts: "import { assign, createActor, sendTo, setup, waitFor } from 'xstate';",
    // And the embedded job's history has real times (it once said `startedAt: null`).
    epilogue: 'console.log(JSON.stringify(history.map((h) => [h.startedAt, h.completedAt])));\n',
    check: (stdout, _dir, block) => {
      const [printed, times] = stdout.trim().split('\n');
      // The block ends with what it prints, as a comment: it must be true.
      const promised = /\n\/\/ (completed .*)\n$/.exec(block.code)![1];
      expect(printed.replace(/\s+/g, ' ').trim()).toBe(promised);
      for (const [startedAt, completedAt] of JSON.parse(times) as [unknown, unknown][]) {
        expect(startedAt).toBeTypeOf('number');
        expect(completedAt).toBeTypeOf('number');
      }
    },
  },
  'docs/inspector.md#1': {
    starts: "import { createWebSocketInspector } from '@statelyai/inspect';",
    prelude: `import type { JobDefinition as __JD, SnapshotStore as __Store } from 'phasekit';
declare const backup: __JD<{ cursor: number }, { paths: string[] }>;
declare const input: { paths: string[] };
declare const store: __Store;
`,
    compileOnly: 'it starts an inspector server on port 8080 and opens a browser',
  },
  'docs/inspector.md#2': {
    starts: "import { createBrowserInspector } from '@statelyai/inspect';",
    prelude: `import type { JobDefinition as __JD, JobProgress as __Progress } from 'phasekit';
declare const importPhotos: __JD<{ cursor: number }, { files: string[] }>;
declare const files: string[];
declare function render(progress: __Progress): void;
`,
    dom: true,
    compileOnly: 'browser code: it opens the Stately inspector in a new window',
  },
  'docs/manager.md#1': {
    starts: "import { createJobManager } from 'phasekit';",
    prelude: `import type { JobDefinition as __JD, JobProgress as __Progress } from 'phasekit';
declare const indexer: __JD<{ cursor: number }, { path: string }, { library: unknown }>;
declare const thumbnails: __JD<{ cursor: number }, { path: string }, { library: unknown }>;
declare const library: unknown;
declare function log(jobId: string, type: string): void;
declare function render(progress: __Progress): void;
`,
    compileOnly: 'a fragment: `indexer`, `thumbnails` and `library` are your jobs and database',
  },
  'docs/persistence.md#1': {
    starts: 'defineJob({',
    prelude: `import { defineJob, type PhaseNode as __PhaseNode } from 'phasekit';
interface V1 { seen: number }
interface V2 { seen: number; cursor: number }
declare function renameField(state: V2): unknown;
declare const phases: readonly __PhaseNode[];
declare const initialState: (input: unknown) => unknown;
`,
    compileOnly: 'a fragment: the phases and state of a job',
  },
  'docs/persistence.md#2': {
    starts: "import { defineJob, renamePhase } from 'phasekit';",
    prelude: `import type { Phase as __Phase } from 'phasekit';
declare const discover: __Phase;
declare const copy: __Phase;
declare const verify: __Phase;
declare const initialState: (input: unknown) => unknown;
`,
    compileOnly: 'a fragment: the phases of a job',
  },
  'docs/testing.md#1': {
    starts: 'interface JobPath {',
    prelude: `import type { JobPathEvent } from 'phasekit/testing';
import type { StateValue } from 'xstate';
`,
    compileOnly: 'a type, shown for reference',
  },
  'docs/testing.md#2': {
    starts: '// test/backup.paths.test.ts',
    // A vitest file: run it with describe/it that run at once, and count the paths jobPaths makes, in the
    // block's model and in the same model with `kind: 'simple'`, to check the counts its comment quotes.
    replace: [
      [
        "import { describe, expect, it } from 'vitest';",
        `import { expect } from 'vitest';
const describe = (_name: string, body: () => void) => body();
const it = (_name: string, body: () => void) => body();`,
      ],
      [
        "import { jobPaths, runPath } from 'phasekit/testing';",
        "import { jobPaths as __jobPaths, runPath } from 'phasekit/testing';",
      ],
    ],
    prelude: `const __counts: { transitions: number[]; simple: number[] } = { transitions: [], simple: [] };
const jobPaths: typeof __jobPaths = (job, options) => {
  const paths = __jobPaths(job, options);
  __counts.transitions.push(paths.length);
  __counts.simple.push(__jobPaths(job, { ...options, kind: 'simple' }).length);
  return paths;
};
`,
    epilogue: 'console.log(JSON.stringify(__counts));\n',
    check: (stdout, _dir, block) => {
      const quoted =
        /in (\d+) paths\s*\/\/ without thumbnails and (\d+) with \(simple paths: (\d+) and (\d+)\)/.exec(
          block.code.replace(/\n\s*/g, ' '),
        );
      expect(quoted, 'the path counts the comment quotes').not.toBeNull();
      const [, t0, t1, s0, s1] = quoted!.map(Number);
      expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
        transitions: [t0, t1],
        simple: [s0, s1],
      });
    },
  },
  'docs/testing.md#3': {
    starts: "import { crashPoints, runCrashPoints } from 'phasekit/testing';",
    prelude: `import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
declare const dir: string;
declare const tree: string;
`,
    compileOnly: 'needs a directory tree to index',
  },
  'docs/testing.md#4': {
    starts: "import { pathFromEvents, runPath } from 'phasekit/testing';",
    prelude: BACKUP_FOR_TESTING,
    epilogue:
      'console.log(context.status, context.history.map((h) => h.phase + ":" + h.status).join(" "));\n',
    check: (stdout) => expect(stdout).toMatch(/^\S+ plan:completed/),
  },
  'docs/testing.md#5': {
    starts: "import fc from 'fast-check';",
    prelude: BACKUP_FOR_TESTING,
  },
  'docs/workers.md#1': {
    starts: "import { thumbnailsJob } from './thumbnailsJob.js';",
    files: { 'thumbnailsJob.mjs': "export { thumbnailsJob } from 'phasekit/jobs';\n" },
    replace: [["'./thumbnailsJob.js'", "'./thumbnailsJob.mjs'"]],
  },
  'docs/workers.md#2': {
    starts: "import { enqueue, PostgresStore } from 'phasekit/postgres';",
    prelude: "import { thumbnailsJob } from 'phasekit/jobs';\n",
    compileOnly: 'needs a PostgreSQL server',
  },
  'docs/workers.md#3': {
    starts: "import { createWorker, PostgresStore } from 'phasekit/postgres';",
    prelude:
      "import { thumbnailsJob } from 'phasekit/jobs';\nconst url = 'postgres://localhost/phasekit';\nconst deps = {};\n",
    compileOnly: 'needs a PostgreSQL server',
  },
};

// The blocks of docs/jobs/*.md run against the packed package, each on a tree made for it, with a check on
// what it did: test/package/tarball.test.ts, which fails on a block there without a plan.
const blocks = docFiles()
  .filter((file) => !file.startsWith('docs/jobs/'))
  .flatMap(docBlocks);
const keyOf = (b: DocBlock) => `${b.file}#${b.index}`;
const planOf = (b: DocBlock): Plan => plans[keyOf(b)] ?? { starts: b.code.split('\n')[0] };
const nameOf = (b: DocBlock) =>
  `${b.file.replace(/[/.]/g, '_')}_${b.index}${b.lang === 'ts' ? '.mts' : '.mjs'}`;

let dir = '';
const diagnostics = new Map<string, Diagnostic[]>();
let other: Diagnostic[] = [];

beforeAll(async () => {
  dir = programDir('docs');
  const domDir = path.join(dir, 'dom');
  fs.mkdirSync(domDir);
  for (const block of blocks) {
    const plan = planOf(block);
    if (plan.notCode) continue;
    let code = block.code;
    for (const [from, to] of plan.replace ?? []) {
      if (!code.includes(from))
        throw new Error(`${keyOf(block)}: the plan replaces ${from}, which the block no longer holds`);
      code = code.replaceAll(from, typeof to === 'string' ? to : to(path.join(dir, 'run', nameOf(block))));
    }
    const at = plan.dom ? domDir : dir;
    fs.writeFileSync(path.join(at, nameOf(block)), `${plan.prelude ?? ''}${code}${plan.epilogue ?? ''}`);
    for (const [name, text] of Object.entries(plan.files ?? {})) fs.writeFileSync(path.join(at, name), text);
  }
  // Two programs at once: Node code against ES2023 alone (what a server app has), browser code with the DOM.
  const [node, dom] = await Promise.all([compileDir(dir, { emit: true }), compileDir(domDir, { dom: true })]);
  for (const d of [...node, ...dom.map((x) => ({ ...x, file: x.file && path.join('dom', x.file) }))]) {
    if (!d.file) {
      other.push(d);
      continue;
    }
    diagnostics.set(d.file, [...(diagnostics.get(d.file) ?? []), d]);
  }
  other = other.filter((d) => d.text.trim() !== '');
}, 120_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('every ts/js block of README.md and docs/**/*.md compiles against the package, and runs', () => {
  it('finds the blocks, and has a plan for no block that is gone', () => {
    expect(blocks.length).toBeGreaterThan(15);
    const keys = new Set(blocks.map(keyOf));
    expect(Object.keys(plans).filter((k) => !keys.has(k))).toEqual([]);
    expect(other.map((d) => d.text)).toEqual([]);
  });

  for (const block of blocks) {
    const plan = planOf(block);
    const where = `${block.file} block ${block.index} (line ${block.line})`;
    if (plan.notCode) {
      it.skip(`${where}: not code — ${plan.notCode}`, () => {});
      continue;
    }
    it(`${where} is the block its plan is for`, () => {
      expect(block.code.split('\n')[0], `the blocks of ${block.file} moved: update the plans`).toBe(
        plan.starts,
      );
    });
    if (plan.knownBroken) {
      it(`${where} — ${plan.knownBroken.todo}`, () => {
        const found = (diagnostics.get(nameOf(block)) ?? []).map((d) => d.text).join('\n');
        for (const message of plan.knownBroken!.messages) {
          expect(
            found,
            `fixed? then remove the knownBroken entry of ${keyOf(block)} in test/docs.test.ts`,
          ).toContain(message);
        }
      });
      continue;
    }
    it(`${where} compiles (strict, skipLibCheck false)`, () => {
      const file = plan.dom ? path.join('dom', nameOf(block)) : nameOf(block);
      const found = diagnostics.get(file) ?? [];
      expect(found.map((d) => d.text).join('\n')).toBe('');
    });
    if (plan.compileOnly) continue;
    it(`${where} runs`, async () => {
      const cwd = path.join(dir, 'run', nameOf(block));
      fs.mkdirSync(cwd, { recursive: true });
      const script = path.join(dir, 'out', nameOf(block).replace(/\.mts$/, '.mjs'));
      for (const name of Object.keys(plan.files ?? {})) {
        const emitted = path.join(dir, 'out', name);
        if (!fs.existsSync(emitted)) fs.copyFileSync(path.join(dir, name), emitted);
      }
      const { stdout } = await exec(process.execPath, [script], {
        cwd: plan.cwdRoot ? root : cwd,
        timeout: 30_000,
        env: { ...process.env, NODE_NO_WARNINGS: '1' },
      });
      plan.check?.(stdout, cwd, block);
    });
  }
});
