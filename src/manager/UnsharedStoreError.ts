/**
 * A worker was given a store that cannot hand jobs out to several workers (it has no `claim`).
 *
 * What to do: give workers a shared store — `PostgresStore` from `phasekit/postgres` — or run the jobs in
 * one process with `createJobManager`.
 */
export class UnsharedStoreError extends Error {
  override readonly name = 'UnsharedStoreError';
  constructor(storeName: string) {
    super(
      `${storeName} has no claim(): workers need a shared store such as PostgresStore (phasekit/postgres); ` +
        'for one process use createJobManager.',
    );
  }
}
