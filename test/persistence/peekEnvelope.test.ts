import { describe, expect, it } from 'vitest';
import { encodeEnvelope } from '../../src/persistence/encodeEnvelope.js';
import { peekEnvelope } from '../../src/persistence/peekEnvelope.js';
import { SnapshotCorruptError } from '../../src/persistence/SnapshotCorruptError.js';
import { makeEnvelope } from './makeEnvelope.js';

describe('peekEnvelope', () => {
  it('says which job wrote a checkpoint, whatever its version', () => {
    const bytes = encodeEnvelope(
      makeEnvelope({ jobId: 'j-7', job: { name: 'thumbs', version: 99, phases: [] } }),
    );
    expect(peekEnvelope(bytes)).toEqual({ name: 'thumbs', version: 99, jobId: 'j-7' });
  });

  it('still checks format and checksum', () => {
    const bytes = encodeEnvelope(makeEnvelope());
    bytes[bytes.length - 1] ^= 0xff;
    expect(() => peekEnvelope(bytes)).toThrow(SnapshotCorruptError);
    expect(() => peekEnvelope(new Uint8Array([0xc0]))).toThrow(SnapshotCorruptError);
  });
});
