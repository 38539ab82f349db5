/**
 * What happens when the reader of stdout goes away (`phasekit index DIR --json | head -1`, a pager closed
 * early): the next write fails with EPIPE. The CLI then stops quietly: a running job is paused at its next
 * checkpoint (see `runInForeground`), any other command just exits. Never a stack trace.
 */

type Handler = () => void;

const handlers: Handler[] = [];
const watched = new WeakSet<NodeJS.WritableStream>();
let closed = false;

/** True once stdout's reader has gone: write nothing more to it. */
export function isOutputClosed(): boolean {
  return closed;
}

/**
 * Watch `stream` (stdout) for a closed reader; idempotent. With no handler registered, a closed reader ends
 * the process at once with exit code 0 (the reader took what it wanted). `stderr` errors are ignored.
 */
export function watchOutput(stream: NodeJS.WritableStream = process.stdout): void {
  if (watched.has(stream)) return;
  watched.add(stream);
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') {
      if (!closed) process.stderr.write(`phasekit: cannot write the output: ${error.message}\n`);
      closed = true;
      process.exit(1);
    }
    if (closed) return;
    closed = true;
    const handler = handlers.at(-1);
    if (handler) handler();
    else process.exit(0);
  });
  if (!watched.has(process.stderr)) {
    watched.add(process.stderr);
    process.stderr.on('error', () => {});
  }
}

/** Call `handler` (instead of exiting) when stdout's reader goes away; returns the function that removes it. */
export function onOutputClosed(handler: Handler): () => void {
  handlers.push(handler);
  return () => {
    const i = handlers.lastIndexOf(handler);
    if (i >= 0) handlers.splice(i, 1);
  };
}
