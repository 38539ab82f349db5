/**
 * Run a save's `atomicWith`, refusing an asynchronous one: a store commits when the function returns, so the
 * writes an `async` function makes after its first `await` would land outside the checkpoint's transaction
 * (and after the checkpoint that claims them). Throwing rolls the transaction back in `SqliteStore`.
 */
export function runAtomicWith(atomicWith: ((tx: any) => unknown) | undefined): void {
  if (atomicWith === undefined) return;
  const result: unknown = atomicWith(undefined);
  if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
    throw new TypeError(
      'atomicWith returned a promise: it must be synchronous, because the checkpoint commits when it ' +
        'returns. ' +
        'Do the writes with a synchronous driver (better-sqlite3 on the store’s db) inside atomicWith.',
    );
  }
}
