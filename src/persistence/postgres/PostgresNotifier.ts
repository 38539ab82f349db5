import pg from 'pg';
import type { ControlRequest } from '../types.js';

/** What a `PostgresStore` announces over LISTEN/NOTIFY. */
export type StoreEvent =
  /** A job became runnable: queued, or its lease released while it still has work to do. */
  | { readonly type: 'runnable'; readonly jobId: string }
  /** A pause or cancel was asked for a job. */
  | { readonly type: 'control'; readonly jobId: string; readonly request: ControlRequest };

/** Encode an event as a NOTIFY payload. */
export function notifyPayload(event: StoreEvent): string {
  return event.type === 'control' ? `control:${event.request}:${event.jobId}` : `runnable:${event.jobId}`;
}

function parsePayload(payload: string | undefined): StoreEvent | undefined {
  if (payload === undefined) return undefined;
  if (payload.startsWith('runnable:')) return { type: 'runnable', jobId: payload.slice(9) };
  const match = /^control:(pause|cancel):(.*)$/s.exec(payload);
  return match ? { type: 'control', request: match[1] as ControlRequest, jobId: match[2] } : undefined;
}

/**
 * One dedicated connection that LISTENs on the store's channel while someone is subscribed, reconnecting
 * after a lost connection (a missed notification only delays a worker: workers poll too).
 */
export class PostgresNotifier {
  readonly #config: pg.ClientConfig;
  readonly #channel: string;
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  #client: pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(config: pg.ClientConfig, channel: string) {
    this.#config = config;
    this.#channel = channel;
  }

  /** Call `listener` for every event until the returned function is called. Resolves once listening. */
  async subscribe(listener: (event: StoreEvent) => void): Promise<() => void> {
    this.#listeners.add(listener);
    await this.#connect();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#disconnect();
    };
  }

  /** Stop listening for good. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    this.#disconnect();
  }

  #connect(): Promise<void> {
    if (this.#client !== undefined || this.#closed) return Promise.resolve();
    this.#connecting ??= (async () => {
      const client = new pg.Client(this.#config);
      client.on('notification', (message) => {
        const event = parsePayload(message.payload);
        if (event !== undefined) for (const listener of [...this.#listeners]) listener(event);
      });
      const lost = () => {
        if (this.#client !== client) return;
        this.#client = undefined;
        client.end().catch(() => {});
        if (!this.#closed && this.#listeners.size > 0) {
          this.#retry = setTimeout(() => {
            this.#connect().catch(() => {});
          }, 1000);
          this.#retry.unref();
        }
      };
      client.on('error', lost);
      client.on('end', lost);
      try {
        await client.connect();
        await client.query(`LISTEN "${this.#channel}"`);
        this.#client = client;
      } catch (error) {
        client.end().catch(() => {});
        throw error;
      }
    })().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  #disconnect(): void {
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    client?.end().catch(() => {});
  }
}
