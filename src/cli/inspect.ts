import type { InspectionEvent } from 'xstate';
import { CliError } from './CliError.js';

/** `--inspect`: stream a job's actor to the Stately inspector. */
export interface InspectOption {
  inspect?: boolean;
}

/** The inspector of one command: `inspect` for the run options, `stop` once the job has ended. */
export interface AttachedInspector {
  /** Pass as `runJob`/`resumeJob`'s `inspect`; undefined without `--inspect`. */
  readonly inspect: ((event: InspectionEvent) => void) | undefined;
  /** Deliver the last events to the open inspector pages and close the server. A no-op without `--inspect`. */
  stop(): Promise<void>;
}

/** Start the inspector when asked for, and print the page to open. */
export async function attachInspector(options: InspectOption): Promise<AttachedInspector> {
  if (!options.inspect) return { inspect: undefined, stop: async () => {} };
  const { startInspector } = await import('./startInspector.js');
  let inspector: Awaited<ReturnType<typeof startInspector>>;
  try {
    inspector = await startInspector();
  } catch (error) {
    throw new CliError(`--inspect: ${(error as Error).message}`);
  }
  process.stderr.write(`Inspector: ${inspector.url}\n`);
  return { inspect: inspector.inspect, stop: () => inspector.stop() };
}
