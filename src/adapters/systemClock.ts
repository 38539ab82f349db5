import type { Clock } from '../phases/types.js';

/** The real clock: `Date.now()` and the host's timers. The default of every runner. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
