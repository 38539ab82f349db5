import { JobMismatchError } from '../../persistence/JobMismatchError.js';
import { JobVersionError } from '../../persistence/JobVersionError.js';
import { SnapshotCorruptError } from '../../persistence/SnapshotCorruptError.js';
import { SnapshotMigrationError } from '../../persistence/SnapshotMigrationError.js';
import { CliError } from '../CliError.js';

/**
 * A job whose checkpoint this phasekit cannot read or upgrade, as one line that says how to get rid of it;
 * any other error is returned as it is.
 */
export function cannotResumeError(id: string, error: unknown): unknown {
  if (
    error instanceof SnapshotCorruptError ||
    error instanceof JobVersionError ||
    error instanceof JobMismatchError ||
    error instanceof SnapshotMigrationError
  ) {
    const what =
      error instanceof SnapshotCorruptError ? 'its checkpoint cannot be read' : 'it cannot be resumed';
    return new CliError(
      `Job ${id}: ${what}: ${firstLine(error.message)} ` +
        `\`phasekit cancel --force ${id}\` marks it cancelled (no cleanup runs); ` +
        `\`phasekit jobs --remove ${id}\` removes it.`,
    );
  }
  return error;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0].trim();
  return /[.!?]$/.test(line) ? line : `${line}.`;
}
