import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { JobFailures } from '../../src/cli/registry.js';
import { runInForeground } from '../../src/cli/runInForeground.js';
import { Continue, defineJob, MemoryStore, phase, runJob } from '../../src/index.js';

/** A job that "handles" `items`, recording a non-fatal error for each of `bad`. */
const itemsJob = defineJob({
  name: 'items',
  version: 1,
  initialState: (_input: { items: string[]; bad: string[] }) => ({
    done: [] as string[],
    failed: [] as string[],
  }),
  output: (state) => ({ done: state.done.length, failed: state.failed }),
  phases: [
    phase({
      name: 'work',
      async execute(ctx) {
        for (const item of ctx.input.items) {
          if (ctx.input.bad.includes(item)) {
            ctx.state.failed.push(item);
            ctx.addNonFatalError(new Error(`${item}: EACCES: permission denied`));
          } else ctx.state.done.push(item);
        }
        return Continue;
      },
    }),
  ],
});

const failures = (o: { failed: string[] }): JobFailures | undefined =>
  o.failed.length
    ? { count: o.failed.length, label: 'files could not be copied', lines: o.failed }
    : undefined;

/** A stream the CLI takes for a terminal (TTY) or a pipe, keeping what was written. */
function output(tty: boolean) {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  if (tty) {
    stream.isTTY = true;
    stream.columns = 100;
  }
  let text = '';
  stream.on('data', (d) => (text += d));
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

function start(bad: string[]) {
  return runJob(itemsJob, { items: ['a', 'b', 'c', 'd'], bad }, { store: new MemoryStore() });
}

describe('runInForeground: exit codes and summaries', () => {
  it('a completed job whose items failed never says Done: it says what failed and exits 1', async () => {
    const out = output(true);
    const code = await runInForeground(start(['b', 'd']), {
      json: false,
      resumeCommand: 'phasekit resume x',
      summary: (o: any) => `${o.done} copied`,
      failures,
      out: out.stream,
    });
    expect(code).toBe(1);
    const text = out.text();
    expect(text).not.toMatch(/Done|completed/);
    expect(text).toMatch(/Finished in \d\d:\d\d, but 2 files could not be copied\. 2 copied\n/);
    expect(text).toContain('2 files could not be copied:\n  b\n  d\n');
  });

  it('with --json the result carries the failures and the exit code', async () => {
    const out = output(false);
    const code = await runInForeground(start(['c']), {
      json: true,
      resumeCommand: 'phasekit resume x',
      summary: () => '',
      failures,
      out: out.stream,
    });
    expect(code).toBe(1);
    const result = JSON.parse(out.text().trim().split('\n').at(-1)!);
    expect(result).toMatchObject({
      type: 'result',
      status: 'completed',
      exitCode: 1,
      failures: { count: 1, label: 'files could not be copied', lines: ['c'] },
    });
  });

  it("a job's own exit code for its failures is used (validation's 2)", async () => {
    const code = await runInForeground(start(['a']), {
      json: true,
      resumeCommand: 'phasekit resume x',
      summary: () => '',
      failures: (o: { failed: string[] }) => ({ count: o.failed.length, lines: [], exitCode: 2 }),
      out: output(false).stream,
    });
    expect(code).toBe(2);
  });

  it('a job with non-fatal errors never says Done: it says how many, lists them and exits 1', async () => {
    const out = output(true);
    const code = await runInForeground(start(['a', 'c']), {
      json: false,
      resumeCommand: 'phasekit resume x',
      summary: (o: any) => `${o.done} indexed`,
      out: out.stream,
    });
    expect(code).toBe(1);
    expect(out.text()).not.toMatch(/Done/);
    expect(out.text()).toMatch(
      /Finished in \d\d:\d\d, but 2 non-fatal errors \(what they name was skipped\)\. 2 indexed\n2 non-fatal errors \(what they name was skipped\):\n {2}a: EACCES/,
    );
  });

  it('a job with non-fatal errors gives exitCode 1 and its failures in the JSON result line', async () => {
    const out = output(false);
    const code = await runInForeground(start(['a', 'c']), {
      json: true,
      resumeCommand: 'phasekit resume x',
      summary: (o: any) => `${o.done} indexed`,
      out: out.stream,
    });
    expect(code).toBe(1);
    const result = out
      .text()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((l) => l.type === 'result');
    expect(result).toMatchObject({ status: 'completed', exitCode: 1, failures: { count: 2 } });
  });
});
