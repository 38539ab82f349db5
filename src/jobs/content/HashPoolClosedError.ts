/** Work a `HashPool` was asked for that it can no longer do: it was closed, or a worker exited. */
export class HashPoolClosedError extends Error {
  constructor(code: number | null) {
    super(
      code === null
        ? 'The hash pool was closed before this work was done: make a new pool to hash more.'
        : `A hash worker thread exited (code ${code}) before answering: make a new pool and run the work again.`,
    );
    this.name = 'HashPoolClosedError';
  }
}
