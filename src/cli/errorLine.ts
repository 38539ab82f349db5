/** Errors of JavaScript itself: a bug in phasekit, not a problem with the input. */
const INTERNAL = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError']);

/**
 * Any error as one line for stderr: its message's first line. An error that is a bug (a `TypeError`, say) is
 * named as one, with how to get the stack trace.
 */
export function errorLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error).split('\n')[0];
  const message = error.message.split('\n')[0].trim() || error.name;
  if (INTERNAL.has(error.name))
    return `internal error (${error.name}: ${message}). Run again with PHASEKIT_DEBUG=1 to see where, and report it.`;
  return message;
}
