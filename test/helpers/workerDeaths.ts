import { Worker } from 'node:worker_threads';
import { vi } from 'vitest';

/**
 * Test hooks that kill worker threads at a chosen moment (terminated from outside, exit code 1), by spying on
 * `Worker.prototype.postMessage`: the worker dies right after it is sent work. Undo with `vi.restoreAllMocks()`.
 */

/** The first worker sent work dies right after; returns the list that then holds it. */
export function killFirstWorker(): Worker[] {
  const killed: Worker[] = [];
  const post = Worker.prototype.postMessage;
  vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, ...args) {
    post.apply(this, args as Parameters<Worker['postMessage']>);
    if (killed.length === 0) {
      killed.push(this);
      void this.terminate();
    }
  });
  return killed;
}

/** Every worker dies right after it is sent work (its replacement too). */
export function killEveryWorker(): void {
  const post = Worker.prototype.postMessage;
  vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, ...args) {
    post.apply(this, args as Parameters<Worker['postMessage']>);
    void this.terminate();
  });
}
