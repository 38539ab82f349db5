import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../machines/helpers.js';
import { lastJson, requireBuiltCli } from '../e2e/phasekitProcess.js';

const root = path.resolve(import.meta.dirname, '../..');

beforeAll(requireBuiltCli);

/** A job folder, as built JavaScript: a job that greets each name, one checkpoint per name. */
const GREET_JOB = `
import { defineJob } from '../../phases/defineJob.js';
import { phase } from '../../phases/phase.js';
import { Continue } from '../../phases/outcomes.js';
export const greetJob = defineJob({
  name: 'greet',
  version: 1,
  initialState: () => ({ cursor: 0, greeted: [], refused: [] }),
  output: (s) => ({ greeted: s.greeted, refused: s.refused }),
  phases: [
    phase({
      name: 'greeting',
      async execute(ctx) {
        while (ctx.state.cursor < ctx.input.names.length) {
          ctx.checkInterrupt();
          const name = ctx.input.names[ctx.state.cursor];
          if (name.startsWith('~')) ctx.state.refused.push(name.slice(1));
          else ctx.state.greeted.push(ctx.input.shout ? name.toUpperCase() : name);
          ctx.state.cursor++;
          await ctx.checkpoint({ force: true });
          if (process.env.GREET_KILL_AFTER === name) process.kill(process.pid, 'SIGKILL');
        }
        return Continue;
      },
    }),
  ],
});
`;

const GREET_DESCRIPTOR = `
import { greetJob } from './greetJob.js';
export const greetDescriptor = {
  command: 'greet',
  summary: 'Greet people, resumably.',
  definition: greetJob,
  arguments: [{ name: 'names', description: 'who to greet (~name: refuse)', variadic: true }],
  options: [{ flags: '--shout', key: 'shout', description: 'in capitals' }],
  help: '\\nExamples:\\n  phasekit greet ada grace --shout\\n',
  input(args, options, ctx) {
    if (args.names.includes('nobody')) ctx.fail('Nobody cannot be greeted: give a name.');
    return { names: args.names, shout: options.shout === true };
  },
  deps: () => ({}),
  summarize: (o) => 'greeted ' + o.greeted.join(', '),
  failures: (o) => (o.refused.length ? { count: o.refused.length, label: 'refused', lines: o.refused, exitCode: 3 } : undefined),
};
`;

/** The one line that registers the job (appended to the list in dist/cli/jobCommands.js). */
const REGISTRY_LINE =
  "{ command: 'greet', job: 'greet', summary: 'Greet people, resumably.', load: async () => (await import('../jobs/greet/greetDescriptor.js')).greetDescriptor },";

/**
 * A copy of the built package with one job folder added and one registry line: nothing else changes. Returns
 * a function running its CLI.
 */
function packageWithGreetJob() {
  const copy = tempDir();
  fs.cpSync(path.join(root, 'dist'), path.join(copy, 'dist'), {
    recursive: true,
    filter: (f) => !f.endsWith('.map') && !f.endsWith('.d.ts'),
  });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(copy, 'package.json'));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'));
  // The job's folder…
  fs.mkdirSync(path.join(copy, 'dist/jobs/greet'));
  fs.writeFileSync(path.join(copy, 'dist/jobs/greet/greetJob.js'), GREET_JOB);
  fs.writeFileSync(path.join(copy, 'dist/jobs/greet/greetDescriptor.js'), GREET_DESCRIPTOR);
  // …and its line in the registry.
  const registry = path.join(copy, 'dist/cli/jobCommands.js');
  const text = fs.readFileSync(registry, 'utf8');
  const end = text.lastIndexOf('];');
  expect(end).toBeGreaterThan(0);
  fs.writeFileSync(registry, `${text.slice(0, end)}${REGISTRY_LINE}\n${text.slice(end)}`);
  // The bin runs the bundled program when the build made one; this copy's registry line is in the tsc modules
  // (a real job folder is added in src/ and bundled by `npm run build`), so run those.
  fs.rmSync(path.join(copy, 'dist/bundle/cli.js'));

  const main = path.join(copy, 'dist/cli/main.js');
  return (args: string[], env: NodeJS.ProcessEnv = {}, { terminal = false } = {}) => {
    const argv = [main, ...args];
    const options = { encoding: 'utf8' as const, env: { ...process.env, ...env } };
    // On a terminal (util-linux `script`), as a user sees it: the live line, then the summary.
    const quoted = [process.execPath, ...argv].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const r = terminal
      ? spawnSync('script', ['-qec', quoted, '/dev/null'], options)
      : spawnSync(process.execPath, argv, options);
    const stdout = terminal ? r.stdout.replaceAll('\r\x1b[2K', '\n').replaceAll('\r', '') : r.stdout;
    return { code: r.status, signal: r.signal, stdout, stderr: r.stderr };
  };
}

describe('adding a job is one folder and one registry line', () => {
  it('the new job gets a command with help, --json, --library, --inspect, its exit codes, resume, check and graph', () => {
    const phasekit = packageWithGreetJob();
    const library = path.join(tempDir(), 'lib.db');

    // Listed in --help, with its own help built from the descriptor and the options every job command has.
    expect(phasekit(['--help']).stdout).toMatch(/greet\s+Greet people, resumably\./);
    const help = phasekit(['greet', '--help']);
    expect(help.code).toBe(0);
    for (const text of [
      '<names...>',
      '--shout',
      '--library <file>',
      '--json',
      '--inspect',
      'phasekit greet ada',
    ])
      expect(help.stdout).toContain(text);

    // Runs through the job manager into the library, with the JSON result and the summary for humans.
    const done = phasekit(['greet', 'ada', 'grace', '--shout', '--json', '--library', library]);
    expect(done.code, done.stderr).toBe(0);
    expect(lastJson(done.stdout)).toMatchObject({
      type: 'result',
      status: 'completed',
      output: { greeted: ['ADA', 'GRACE'] },
      exitCode: 0,
    });
    const human = phasekit(['greet', 'ada', '--library', library], {}, { terminal: true });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Done in \d\d:\d\d\. greeted ada/m);

    // Its input refusals are one line; its failures rule sets the exit code.
    const refused = phasekit(['greet', 'nobody', '--library', library]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('phasekit: Nobody cannot be greeted: give a name.\n');
    const failed = phasekit(['greet', 'ada', '~x', '--json', '--library', library]);
    expect(failed.code).toBe(3);
    expect(lastJson(failed.stdout)).toMatchObject({ failures: { count: 1, label: 'refused', lines: ['x'] } });

    // Killed mid-job, `phasekit resume` finds its descriptor in the same registry and finishes it.
    const killed = phasekit(['greet', 'ada', 'bob', 'cy', '--json', '--library', library], {
      GREET_KILL_AFTER: 'bob',
    });
    expect(killed.signal).toBe('SIGKILL');
    const listed = JSON.parse(phasekit(['jobs', '--json', '--library', library]).stdout) as {
      id: string;
      name: string;
    }[];
    expect(listed.map((j) => j.name)).toEqual(['greet']);
    const id = listed[0].id;
    const check = phasekit(['jobs', '--check', '--json', '--library', library]);
    expect(JSON.parse(check.stdout)).toEqual([expect.objectContaining({ id, name: 'greet', ok: true })]);
    const resumed = phasekit(['resume', id, '--json', '--library', library]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(lastJson(resumed.stdout)).toMatchObject({
      status: 'completed',
      output: { greeted: ['ada', 'bob', 'cy'] },
    });

    // The inspector and the graph know it too.
    const inspected = phasekit(['greet', 'ada', '--inspect', '--json', '--library', library]);
    expect(inspected.code, inspected.stderr).toBe(0);
    expect(inspected.stderr).toMatch(/^Inspector: http:\/\//m);
    const graph = phasekit(['graph', 'greet']);
    expect(graph.code, graph.stderr).toBe(0);
    expect(graph.stdout).toContain('greeting');
  });
});
