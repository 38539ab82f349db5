import { describe, expect, it } from 'vitest';
import { errorLine } from '../../src/cli/errorLine.js';
import { SnapshotCorruptError } from '../../src/persistence/SnapshotCorruptError.js';

describe('errorLine: any error as one line for stderr', () => {
  it("keeps an error's own message, first line only", () => {
    expect(errorLine(new SnapshotCorruptError('checksum mismatch\nmore detail'))).toBe('checksum mismatch');
    expect(errorLine('plain text\nsecond')).toBe('plain text');
  });

  it('names a JavaScript error as a bug, with how to get its stack', () => {
    expect(errorLine(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(
      "internal error (TypeError: Cannot read properties of undefined (reading 'x')). Run again with PHASEKIT_DEBUG=1 to see where, and report it.",
    );
  });
});
