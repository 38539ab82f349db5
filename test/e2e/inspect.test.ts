import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createWebSocketInspector,
  createWebSocketReceiver,
  type StatelyActorEvent,
  type StatelyInspectionEvent,
  type StatelySnapshotEvent,
} from '@statelyai/inspect';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalInspector, startInspector } from '../../src/cli/startInspector.js';
import { Continue, defineJob, phase, runJob } from '../../src/index.js';
import { deferred, tempDir } from '../machines/helpers.js';

const root = path.resolve(import.meta.dirname, '../..');

// `ws` ships no types; a raw client is only needed to check what the package's receiver cannot show.
interface RawSocket {
  on(event: 'open', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'unexpected-response', listener: (req: unknown, res: { statusCode: number }) => void): unknown;
  on(event: 'close', listener: (code: number) => void): unknown;
  close(): void;
}
const { WebSocket } = createRequire(import.meta.url)('ws') as {
  WebSocket: new (url: string, options?: { origin?: string }) => RawSocket;
};

/** Everything a `createWebSocketReceiver` gets, and a way to wait for a message without sleeping. */
function receive(server: string) {
  const seen: StatelyInspectionEvent[] = [];
  const waiters = new Set<() => void>();
  createWebSocketReceiver({ server }).subscribe((event) => {
    seen.push(event);
    for (const check of waiters) check();
  });
  return {
    seen,
    next<T extends StatelyInspectionEvent>(matches: (event: StatelyInspectionEvent) => boolean): Promise<T> {
      return new Promise((resolve) => {
        const check = () => {
          const found = seen.find(matches);
          if (found) {
            waiters.delete(check);
            resolve(found as T);
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Open a raw WebSocket; resolves with how it went. */
function connect(url: string, origin?: string) {
  return new Promise<{ opened: true; socket: RawSocket } | { opened: false; status: number | null }>(
    (resolve) => {
      const socket = new WebSocket(url, origin ? { origin } : {});
      socket.on('open', () => resolve({ opened: true, socket }));
      socket.on('unexpected-response', (_req, res) => resolve({ opened: false, status: res.statusCode }));
      socket.on('error', () => resolve({ opened: false, status: null }));
    },
  );
}

const started: LocalInspector[] = [];
afterEach(async () => {
  for (const inspector of started.splice(0)) await inspector.stop();
});
async function start(): Promise<LocalInspector> {
  const inspector = await startInspector();
  started.push(inspector);
  return inspector;
}

describe('startInspector', { timeout: 10_000 }, () => {
  it("streams a real job's actor to a WebSocket receiver: registration, live snapshots, events, the end", async () => {
    const inspector = await start();
    expect(inspector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(inspector.wsUrl).toBe(inspector.url.replace('http:', 'ws:'));

    const receiver = receive(inspector.wsUrl);
    const gate = deferred();
    const job = defineJob({
      name: 'inspected',
      version: 1,
      initialState: () => ({ seen: 0 }),
      phases: [
        phase({
          name: 'scan',
          async execute() {
            await gate.promise;
            return Continue;
          },
        }),
        phase({
          name: 'report',
          async execute() {
            return Continue;
          },
        }),
      ],
    });
    const run = runJob(job, { root: '/photos' }, { inspect: inspector.inspect });

    const actor = await receiver.next<StatelyActorEvent>(
      (e) => e.type === '@xstate.actor' && e.name === run.id && e.parentId === undefined,
    );
    const jobSession = actor.sessionId;
    expect(actor.rootId).toBe(jobSession);
    expect(JSON.parse(actor.definition!)).toMatchObject({
      id: 'job:inspected',
      states: { scan: { states: { running: {} } }, report: {}, completed: { type: 'final' } },
    });

    // Live: the job is held inside `scan` until the receiver has seen it running there.
    const running = await receiver.next<StatelySnapshotEvent>(
      (e) =>
        e.type === '@xstate.snapshot' &&
        e.sessionId === jobSession &&
        (e.snapshot as any).value?.scan === 'running',
    );
    expect(running.snapshot).toMatchObject({
      status: 'active',
      context: { jobId: run.id, input: { root: '/photos' }, status: 'active' },
    });
    expect(
      receiver.seen.some((e) => e.type === '@xstate.snapshot' && (e.snapshot as any).value === 'completed'),
    ).toBe(false);
    // The job's runner, one actor for the whole run that runs each phase, is registered as the job's child.
    await receiver.next(
      (e) => e.type === '@xstate.actor' && e.parentId === jobSession && e.name === 'runner',
    );

    gate.resolve();
    expect((await run.result).status).toBe('completed');

    const done = await receiver.next<StatelySnapshotEvent>(
      (e) =>
        e.type === '@xstate.snapshot' && e.sessionId === jobSession && (e.snapshot as any).status === 'done',
    );
    expect(done.snapshot).toMatchObject({ value: 'completed', context: { status: 'completed' } });
    await receiver.next(
      (e) =>
        e.type === '@xstate.event' &&
        e.sessionId === jobSession &&
        (e.event as any).type === 'xstate.done.actor.execute-report',
    );
    // No actor per phase: the phases' outcomes come from the runner.
    expect(
      receiver.seen
        .filter((e): e is StatelyActorEvent => e.type === '@xstate.actor' && e.parentId === jobSession)
        .map((e) => e.name),
    ).toEqual(['runner', 'output']);
    // What the job went through, in order, as the inspector draws it.
    const values = receiver.seen
      .filter((e): e is StatelySnapshotEvent => e.type === '@xstate.snapshot' && e.sessionId === jobSession)
      .map((e) => JSON.stringify((e.snapshot as any).value));
    expect(values.indexOf('{"scan":"running"}')).toBeLessThan(values.indexOf('{"report":"running"}'));
    expect(values.at(-1)).toBe('"completed"');
  });

  it('stop() right after the job ends still delivers its last events to the open viewers', async () => {
    const inspector = await start();
    const viewer = receive(inspector.wsUrl);
    const gate = deferred();
    const job = defineJob({
      name: 'last',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({
          name: 'only',
          async execute() {
            await gate.promise;
            return Continue;
          },
        }),
      ],
    });
    const run = runJob(job, {}, { inspect: inspector.inspect });
    await viewer.next((e) => e.type === '@xstate.snapshot' && (e.snapshot as any).value?.only === 'running');
    gate.resolve();
    await run.result;
    await inspector.stop();
    // The close handshake is done, so everything sent before it has been received.
    expect(
      viewer.seen.some((e) => e.type === '@xstate.snapshot' && (e.snapshot as any).value === 'completed'),
    ).toBe(true);
  });

  it('replays the registration and recent events to a viewer that connects after the job', async () => {
    const inspector = await start();
    const job = defineJob({
      name: 'early',
      version: 1,
      initialState: () => ({}),
      phases: [
        phase({
          name: 'only',
          async execute() {
            return Continue;
          },
        }),
      ],
    });
    const run = runJob(job, {}, { inspect: inspector.inspect });
    await run.result;
    const late = receive(inspector.wsUrl);
    await late.next((e) => e.type === '@xstate.actor' && e.name === run.id);
    await late.next((e) => e.type === '@xstate.snapshot' && (e.snapshot as any).value === 'completed');
  });

  it("relays another process's createWebSocketInspector to the viewers, as the package's server does", async () => {
    const inspector = await start();
    const viewer = receive(inspector.wsUrl);
    const other = createWebSocketInspector({ url: inspector.wsUrl });
    try {
      other.actor('elsewhere', { status: 'active', context: { n: 0 } });
      other.event('elsewhere', { type: 'INC' });
      other.snapshot('elsewhere', { status: 'active', context: { n: 1 } });
      const snapshot = await viewer.next<StatelySnapshotEvent>(
        (e) => e.type === '@xstate.snapshot' && e.sessionId === 'elsewhere',
      );
      expect(snapshot.snapshot).toMatchObject({ context: { n: 1 } });
      expect(viewer.seen.filter((e) => e.sessionId === 'elsewhere').map((e) => e.type)).toEqual([
        '@xstate.actor',
        '@xstate.event',
        '@xstate.snapshot',
      ]);
    } finally {
      other.stop();
    }
  });

  it('serves the page that embeds the Stately inspector, and refuses WebSockets from other web origins', async () => {
    const inspector = await start();
    const page = await fetch(inspector.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('src="https://stately.ai/inspect"');
    expect(html).toContain("new WebSocket('ws://' + location.host + '/')");
    expect((await fetch(new URL('/elsewhere', inspector.url))).status).toBe(404);

    const own = await connect(inspector.wsUrl, inspector.url.slice(0, -1));
    expect(own.opened).toBe(true);
    if (own.opened) own.socket.close();
    const foreign = await connect(inspector.wsUrl, 'https://evil.example');
    expect(foreign).toEqual({ opened: false, status: 403 });
  });

  it('stop() closes the open viewers and the port', async () => {
    const inspector = await startInspector();
    const viewer = await connect(inspector.wsUrl);
    if (!viewer.opened) throw new Error('no connection');
    const closed = new Promise<number>((resolve) => viewer.socket.on('close', resolve));
    await inspector.stop();
    expect(await closed).toBe(1001);
    expect(await connect(inspector.wsUrl)).toEqual({ opened: false, status: null });
    await inspector.stop(); // again: nothing to do
  });
});

/** Start a Node process; resolves with the first match of `pattern` in its output (or null if it ends first). */
function spawnNode(args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { out: '', err: '' };
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const found = new Promise<string | null>((resolve) => {
    const look = () => {
      const match = pattern.exec(output.out + output.err);
      if (match) resolve(match[1]);
    };
    child.stdout.on('data', (d) => {
      output.out += d;
      look();
    });
    child.stderr.on('data', (d) => {
      output.err += d;
      look();
    });
    exit.then(() => resolve(null));
  });
  return { output, exit, found };
}

const built = fs.existsSync(path.join(root, 'dist/cli/startInspector.js'));

describe.skipIf(!built)('in a real process (the built dist/)', { timeout: 30_000 }, () => {
  it('phasekit index --inspect prints the URL and still exits when the job ends, with a viewer connected', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'tree/sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tree/a.txt'), 'a');
    fs.writeFileSync(path.join(dir, 'tree/sub/b.txt'), 'bb');
    const cli = path.join(root, 'dist/cli/main.js');
    const { output, exit, found } = spawnNode(
      [cli, 'index', path.join(dir, 'tree'), '--ephemeral', '--json', '--inspect'],
      /Inspector: (\S+)\n/,
      { ...process.env, PHASEKIT_HOME: dir },
    );
    const url = await found;
    expect(url, output.err).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await connect(url!.replace('http:', 'ws:'));
    expect(await exit, output.err).toBe(0);
    expect(JSON.parse(output.out.trim().split('\n').at(-1)!)).toMatchObject({
      type: 'result',
      status: 'completed',
    });
  });

  it('the server never keeps a process alive, even with a viewer connected and no stop()', async () => {
    const module = pathToFileURL(path.join(root, 'dist/cli/startInspector.js')).href;
    const script = `
      const { startInspector } = await import(${JSON.stringify(module)});
      const inspector = await startInspector();
      console.log('ws ' + inspector.wsUrl);
      setTimeout(() => console.log('job done'), 1000);
    `;
    const { output, exit, found } = spawnNode(['--input-type=module', '-e', script], /ws (\S+)\n/);
    const wsUrl = await found;
    expect(wsUrl, output.err).toMatch(/^ws:/);
    const viewer = await connect(wsUrl!);
    expect(viewer.opened).toBe(true);
    expect(await exit, output.err).toBe(0);
    expect(output.out).toContain('job done');
  });
});
