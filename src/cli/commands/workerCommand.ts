import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import type { JobDefinition } from '../../phases/defineJob.js';
import { CliError } from '../CliError.js';

interface WorkerCliOptions {
  store: string;
  schema: string;
  concurrency: string;
  leaseMs: string;
  pollMs: string;
  module?: string;
  library?: string;
  json?: boolean;
}

/** What a `--module` file exports: the jobs to run and, optionally, their deps. */
interface JobModule {
  readonly jobs: readonly JobDefinition<any, any, any, any>[];
  readonly deps?: unknown;
}

const positiveInt = (name: string, value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`--${name} must be a positive integer, got "${value}".`);
  return n;
};

/**
 * `phasekit worker --store postgres://…`: claim and run jobs from a shared PostgreSQL store until SIGTERM or
 * Ctrl-C, which pause the running jobs, give their leases up and queue them again for other workers.
 */
export function workerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run jobs from a shared PostgreSQL store, with any number of workers on any machines.')
    .requiredOption('--store <url>', 'the store: postgres://user:password@host:port/database')
    .option('--schema <name>', 'schema of the store’s tables', 'phasekit')
    .option('--concurrency <n>', 'jobs run at once', '1')
    .option('--lease-ms <ms>', 'lease length: a dead worker’s jobs move on after this long', '30000')
    .option('--poll-ms <ms>', 'how often an idle worker looks for work besides notifications', '1000')
    .option('--module <file>', 'run the jobs a JavaScript module exports as `jobs` (and `deps`) instead')
    .option('--library <file>', 'library file for the built-in jobs')
    .option('--json', 'one JSON line per worker event')
    .action(async (options: WorkerCliOptions) => {
      if (!/^postgres(ql)?:\/\//.test(options.store)) {
        throw new CliError(`--store must be a postgres:// URL, got "${options.store}".`);
      }
      const concurrency = positiveInt('concurrency', options.concurrency);
      const leaseMs = positiveInt('lease-ms', options.leaseMs);
      const pollMs = positiveInt('poll-ms', options.pollMs);
      const { PostgresStore } = await import('../../persistence/stores/PostgresStore.js');
      const { PostgresConnectError } = await import('../../persistence/postgres/PostgresConnectError.js');
      const { createWorker } = await import('../../manager/createWorker.js');

      let jobs: readonly JobDefinition<any, any, any, any>[];
      let deps: unknown;
      let depsFor: ((definition: JobDefinition) => unknown) | undefined;
      let close = () => {};
      if (options.module !== undefined) {
        const loaded = (await import(pathToFileURL(path.resolve(options.module)).href)) as Partial<JobModule>;
        if (!Array.isArray(loaded.jobs) || loaded.jobs.length === 0) {
          throw new CliError(`${options.module} exports no \`jobs\` array of job definitions.`);
        }
        jobs = loaded.jobs;
        deps = loaded.deps;
      } else {
        // The built-in file jobs need the library: its deps are the same as for `phasekit resume`.
        const { allDescriptors } = await import('../registry.js');
        const { libraryPath } = await import('../libraryPath.js');
        const { openWorkspace } = await import('../openWorkspace.js');
        const ws = openWorkspace(libraryPath(options.library));
        close = () => ws.close();
        const descriptors = await allDescriptors();
        jobs = descriptors.map((j) => j.definition);
        const byName = new Map(descriptors.map((j) => [j.definition.name, j.deps(ws)]));
        depsFor = (definition) => byName.get(definition.name);
      }

      let store: Awaited<ReturnType<typeof PostgresStore.open>>;
      try {
        store = await PostgresStore.open({
          connectionString: options.store,
          schema: options.schema,
          max: concurrency + 2,
        });
      } catch (error) {
        close();
        if (error instanceof PostgresConnectError) throw new CliError(error.message);
        throw error;
      }
      const worker = createWorker({
        store,
        jobs,
        concurrency,
        leaseMs,
        pollMs,
        // A module's jobs share its `deps`; each built-in job gets its own from the workspace.
        ...(deps !== undefined ? { deps } : {}),
        ...(depsFor !== undefined ? { depsFor } : {}),
      });
      const print = (line: string) => process.stdout.write(`${line}\n`);
      worker.events$.subscribe((event) => {
        if (options.json) {
          print(
            JSON.stringify(
              event.type === 'error'
                ? { type: 'error', jobId: event.jobId, message: event.error.message }
                : event,
            ),
          );
        } else if (event.type === 'error') {
          process.stderr.write(
            `phasekit worker: ${event.jobId ? `job ${event.jobId}: ` : ''}${event.error.message}\n`,
          );
        } else {
          print(`${event.type} ${event.jobId}${'fence' in event ? ` (fence ${event.fence})` : ''}`);
        }
      });
      if (!options.json) {
        print(
          `worker ${worker.workerId}: running ${jobs.map((j) => j.name).join(', ')} from ${store.schema} ` +
            `(concurrency ${concurrency}, lease ${leaseMs} ms). Ctrl-C or SIGTERM stops it gracefully.`,
        );
      } else {
        print(JSON.stringify({ type: 'ready', workerId: worker.workerId, pid: process.pid }));
      }
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          worker
            .stop()
            .then(() => store.close())
            .finally(() => {
              close();
              resolve();
            });
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
