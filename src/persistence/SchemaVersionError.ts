/**
 * A database holds a phasekit schema newer than this code knows: a newer phasekit migrated it. Opening it
 * with older code could corrupt it, so the store refuses.
 *
 * What to do: upgrade phasekit to a version that knows schema `foundVersion`, or use another database file.
 */
export class SchemaVersionError extends Error {
  override readonly name = 'SchemaVersionError';
  /** Schema version found in the database. */
  readonly foundVersion: number;
  /** Latest schema version this code knows. */
  readonly codeVersion: number;

  constructor(foundVersion: number, codeVersion: number, where?: string) {
    super(
      `The phasekit schema${where === undefined ? '' : ` in ${where}`} is version ${foundVersion}, ` +
        `newer than version ${codeVersion} that this code knows. ` +
        'Upgrade phasekit to open it (older code must not write to a newer schema).',
    );
    this.foundVersion = foundVersion;
    this.codeVersion = codeVersion;
  }
}
