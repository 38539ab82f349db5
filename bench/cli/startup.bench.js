/**
 * Whole-process start-up of the CLI: `phasekit --version`, `phasekit --help` and `import('phasekit')` (the core
 * entry), each against bare `node -e 0` in the same rounds. Targets (issue 11): --version and --help within
 * 1.5× bare node; the core import well under 100 ms more than bare node. The last row compares the bundled
 * core (`dist/bundle/index.js`, what `exports` names) with the same code as tsc's one module per file.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const main = join(root, 'dist/cli/main.js');
const node = (args) => () => {
  execFileSync(process.execPath, args, { cwd: root, stdio: 'ignore' });
};

export async function run(ctx) {
  const m = await ctx.measure(
    {
      bare: { fn: node(['-e', '0']), ops: 1 },
      version: { fn: node([main, '--version']), ops: 1 },
      help: { fn: node([main, '--help']), ops: 1 },
      core: { fn: node(['--input-type=module', '-e', "await import('phasekit')"]), ops: 1 },
      unbundled: { fn: node(['--input-type=module', '-e', "await import('./dist/index.js')"]), ops: 1 },
    },
    { rounds: ctx.quick ? 5 : 15, warmupRounds: 2, minSampleMs: 0 },
  );
  ctx.reportVs(m, {
    name: 'cli: phasekit --version, whole process',
    subject: 'version',
    anchor: 'bare',
    anchorLabel: 'node -e 0',
    unit: 'ms/op',
    note: 'target: ratio ≤ 1.5 (commands load only when they run)',
  });
  ctx.reportVs(m, {
    name: 'cli: phasekit --help, whole process',
    subject: 'help',
    anchor: 'bare',
    anchorLabel: 'node -e 0',
    unit: 'ms/op',
  });
  ctx.reportVs(m, {
    name: "core: import('phasekit'), whole process",
    subject: 'core',
    anchor: 'bare',
    anchorLabel: 'node -e 0',
    unit: 'ms/op',
  });
  ctx.reportVs(m, {
    name: "core: import('phasekit') bundled vs one module per file, whole process",
    subject: 'core',
    anchor: 'unbundled',
    anchorLabel: 'dist/index.js (tsc output)',
    unit: 'ms/op',
  });
}
