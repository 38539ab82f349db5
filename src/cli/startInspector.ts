import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import type { InspectionEvent } from 'xstate';

/** The Stately inspector UI. The page this server serves embeds it and feeds it the job's events. */
export const STATELY_INSPECTOR_UI = 'https://stately.ai/inspect';

export interface StartInspectorOptions {
  /** Port to listen on. Default 0: any free port. */
  readonly port?: number;
  /** Address to bind. Default 127.0.0.1, so the job's snapshots (paths included) stay on this machine. */
  readonly host?: string;
}

export interface LocalInspector {
  /** The page to open in a browser: it shows the Stately inspector, fed live from this server. */
  readonly url: string;
  /** The WebSocket relay itself, for `createWebSocketReceiver({ server })` or `createWebSocketInspector({ url })`. */
  readonly wsUrl: string;
  /** Give this to `createActor` (phasekit: `runJob(..., { inspect })`). */
  readonly inspect: (event: InspectionEvent) => void;
  /** Deliver the events still in flight, close every viewer's connection and the server. Idempotent. */
  stop(): Promise<void>;
}

/** Events replayed to a viewer that connects late, besides every actor registration. */
const REPLAY_EVENTS = 200;
/** ...and at most this much of them: snapshots carry the job's context, kept errors included. */
const REPLAY_CHARS = 16 * 1024 * 1024;
/** Actor registrations kept for late viewers (the inspector draws nothing for an actor it never saw). */
const REPLAY_ACTORS = 1000;
/** How long `stop()` waits for viewers to answer the close handshake before cutting them off. */
const CLOSE_GRACE_MS = 1000;
const OPEN = 1;

/**
 * Start the local inspector server of `@statelyai/inspect`'s design (`createInspectorServer` in
 * `@statelyai/inspect/server`): an HTTP page that embeds the Stately inspector and a WebSocket relay behind
 * it. The job's actor is inspected in process with the package's `createInspector`, each event goes to every
 * connected viewer as one JSON text message (what `createWebSocketInspector` sends and `createWebSocketReceiver`
 * reads), the last events are replayed to viewers that connect late, and messages from other WebSocket clients
 * (another process's `createWebSocketInspector`) are relayed to the viewers too.
 *
 * Unlike the package's server it binds to 127.0.0.1 on a free port and reports it, refuses WebSocket
 * connections from other web origins, closes its connections on `stop()`, and never keeps the process alive:
 * a CLI exits when its job ends, whether or not a browser is still watching.
 *
 * @example
 * const inspector = await startInspector();
 * console.error(`Inspector: ${inspector.url}`);
 * const run = runJob(job, input, { inspect: inspector.inspect });
 * await run.result;
 * await inspector.stop();
 */
export async function startInspector(options: StartInspectorOptions = {}): Promise<LocalInspector> {
  const host = options.host ?? '127.0.0.1';
  const { WebSocketServer } = loadWs();
  const wss = new WebSocketServer({ noServer: true, clientTracking: true });
  const sockets = new Set<Socket>();
  const replay = new ReplayBuffer();
  let port = 0;
  let stopped = false;

  const page = bridgePage(STATELY_INSPECTOR_UI);
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (url !== '/' && !url.startsWith('/?')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found. Open / for the inspector.\n');
    } else {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        .end(page);
    }
  });
  server.on('connection', (socket: Socket) => {
    // Open connections (a browser tab, an idle keep-alive) must not keep the process alive.
    socket.unref();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (stopped || !originAllowed(req.headers.origin, host, port)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (client) => {
      client.on('error', () => client.terminate());
      for (const message of replay.messages()) client.send(message);
      client.on('message', (data, isBinary) => {
        if (isBinary || stopped) return;
        const message = textOf(data);
        replay.add(message, typeOf(message));
        broadcast(message, client);
      });
    });
  });

  function broadcast(message: string, from?: WsClient): void {
    for (const client of wss.clients) if (client !== from && client.readyState === OPEN) client.send(message);
  }

  // The package's own conversion of XState inspection events into the inspector's format.
  const inspector = createInspector({
    send(event: StatelyInspectionEvent) {
      if (stopped) return;
      const message = toJson(event);
      replay.add(message, event.type);
      broadcast(message);
    },
  });

  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error) =>
      reject(new Error(`Cannot start the inspector on ${host}:${options.port ?? 0}: ${error.message}`));
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  server.unref();
  port = (server.address() as AddressInfo).port;
  const origin = `${urlHost(host)}:${port}`;

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${origin}/`,
    wsUrl: `ws://${origin}/`,
    inspect: (event) => {
      if (!stopped) inspector.inspect.next?.(event);
    },
    stop() {
      stopping ??= (async () => {
        // The package converts each event in a setTimeout(0); this one runs after those already queued.
        await new Promise((resolve) => setTimeout(resolve, 0));
        stopped = true;
        const clients = [...wss.clients];
        const closed = clients.map(
          (client) => new Promise<void>((resolve) => client.once('close', () => resolve())),
        );
        // A close frame goes out after the messages already queued, so viewers get everything first.
        for (const client of clients) client.close(1001, 'The job ended.');
        let cutOff: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.all(closed),
          new Promise<void>((resolve) => {
            cutOff = setTimeout(resolve, CLOSE_GRACE_MS);
          }),
        ]);
        clearTimeout(cutOff);
        for (const client of clients) client.terminate();
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await serverClosed;
      })();
      return stopping;
    },
  };
}

/** Keeps every actor registration and the last events, and gives them back in the order they came. */
class ReplayBuffer {
  private seq = 0;
  private readonly actors: Array<[number, string]> = [];
  private readonly events: Array<[number, string]> = [];

  private eventChars = 0;

  add(message: string, type: string | undefined): void {
    if (type === '@xstate.actor') {
      this.actors.push([this.seq++, message]);
      if (this.actors.length > REPLAY_ACTORS) this.actors.shift();
      return;
    }
    this.events.push([this.seq++, message]);
    this.eventChars += message.length;
    while (this.events.length > REPLAY_EVENTS || (this.eventChars > REPLAY_CHARS && this.events.length > 1)) {
      this.eventChars -= this.events.shift()![1].length;
    }
  }

  messages(): string[] {
    return [...this.actors, ...this.events].sort((a, b) => a[0] - b[0]).map(([, message]) => message);
  }
}

/** Non-browser clients send no Origin; a browser may connect only from the page this server serves. */
function originAllowed(origin: string | undefined, host: string, port: number): boolean {
  if (origin === undefined) return true;
  try {
    const url = new URL(origin);
    const names = new Set(['localhost', '127.0.0.1', '[::1]', urlHost(host)]);
    return url.protocol === 'http:' && Number(url.port) === port && names.has(url.hostname);
  } catch {
    return false;
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function typeOf(message: string): string | undefined {
  try {
    return JSON.parse(message)?.type;
  } catch {
    return undefined;
  }
}

function textOf(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

/**
 * JSON that does not throw on what snapshots and events may hold: cycles become "[Circular]", functions
 * `{ type: name }` (as the package does), errors their name and message, bigints strings. `toJSON` (XState
 * snapshots have one) is honoured.
 */
function toJson(value: unknown): string {
  const ancestors: unknown[] = [];
  return JSON.stringify(value, function (this: unknown, _key: string, v: unknown) {
    if (typeof v === 'function') return { type: v.name };
    if (typeof v === 'bigint') return v.toString();
    if (typeof v !== 'object' || v === null) return v;
    if (v instanceof Error) return { name: v.name, message: v.message };
    while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
    if (ancestors.includes(v)) return '[Circular]';
    ancestors.push(v);
    return v;
  });
}

/**
 * The page a user opens: the Stately inspector in an iframe, fed with the relay's events by postMessage once it
 * says it is listening (the bridge `@statelyai/inspect/server` serves). It connects back to whatever host and
 * port served it, and reconnects, so a tab left open on a fixed `port` follows the next run too.
 */
function bridgePage(inspectorUrl: string): string {
  const target = JSON.stringify(new URL(inspectorUrl).origin);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>phasekit · Stately inspector</title>
<style>html, body { margin: 0; height: 100%; } iframe { display: block; width: 100%; height: 100%; border: 0; }</style>
</head>
<body>
<iframe id="inspector" title="Stately inspector" src="${inspectorUrl}"></iframe>
<script>
(() => {
  const frame = document.getElementById('inspector');
  const held = [];
  let listening = false;
  const deliver = (event) => frame.contentWindow.postMessage(event, ${target});
  window.addEventListener('message', (e) => {
    if (e.source !== frame.contentWindow || !e.data || e.data.type !== '@statelyai.connected') return;
    listening = true;
    held.splice(0).forEach(deliver);
  });
  let delay = 250;
  const connect = () => {
    const socket = new WebSocket('ws://' + location.host + '/');
    socket.onopen = () => { delay = 250; };
    socket.onmessage = (m) => {
      const event = JSON.parse(m.data);
      if (listening) deliver(event);
      else held.push(event);
    };
    socket.onclose = () => {
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 5000);
    };
  };
  connect();
})();
</script>
</body>
</html>
`;
}

// `ws` is a dependency without bundled types (and @types/ws is not installed): the little used here, typed.
interface WsClient {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'close', listener: () => void): unknown;
}

interface WsServer {
  readonly clients: Set<WsClient>;
  handleUpgrade(
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    done: (client: WsClient) => void,
  ): void;
}

function loadWs(): { WebSocketServer: new (options: { noServer: true; clientTracking: true }) => WsServer } {
  return createRequire(import.meta.url)('ws');
}
