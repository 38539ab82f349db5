import { describe, expect, it } from 'vitest';
import { assertValidJobId, InvalidJobIdError } from '../../src/persistence/InvalidJobIdError.js';
import { JobMismatchError } from '../../src/persistence/JobMismatchError.js';
import { JobNotFoundError } from '../../src/persistence/JobNotFoundError.js';
import { JobVersionError } from '../../src/persistence/JobVersionError.js';
import { LeaseLostError } from '../../src/persistence/LeaseLostError.js';
import { SchemaVersionError } from '../../src/persistence/SchemaVersionError.js';
import { SnapshotCorruptError } from '../../src/persistence/SnapshotCorruptError.js';
import { SnapshotEncodeError } from '../../src/persistence/SnapshotEncodeError.js';
import { SnapshotMigrationError } from '../../src/persistence/SnapshotMigrationError.js';

describe('persistence errors', () => {
  it('carry a name matching their class, context fields and a cause', () => {
    const cause = new Error('low level');
    const errors: [Error, string][] = [
      [new SnapshotCorruptError('bad', { jobId: 'j', cause }), 'SnapshotCorruptError'],
      [new JobVersionError({ jobName: 'x', storedVersion: 1, codeVersion: 2 }), 'JobVersionError'],
      [new JobMismatchError('name', 'a', 'b'), 'JobMismatchError'],
      [new SnapshotMigrationError('x', 1, { cause }), 'SnapshotMigrationError'],
      [new SnapshotEncodeError('bad', { cause }), 'SnapshotEncodeError'],
      [new LeaseLostError('j', 3, { currentFence: 4 }), 'LeaseLostError'],
      [new InvalidJobIdError('../x'), 'InvalidJobIdError'],
      [new JobNotFoundError('j'), 'JobNotFoundError'],
      [new SchemaVersionError(3, 1, 'db.sqlite'), 'SchemaVersionError'],
    ];
    for (const [error, name] of errors) {
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(name);
      expect(String(error)).toMatch(new RegExp(`^${name}: `));
    }
    expect(new SnapshotCorruptError('bad', { jobId: 'j', cause })).toMatchObject({ jobId: 'j', cause });
    expect(new SnapshotCorruptError('bad').cause).toBeUndefined();
  });

  it('LeaseLostError names the job and both fences and says to stop', () => {
    const error = new LeaseLostError('job-1', 3, { currentFence: 4 });
    expect(error).toMatchObject({ jobId: 'job-1', fence: 3, currentFence: 4 });
    expect(error.message).toBe(
      "Lost the lease on job job-1: a write with fence 3 was refused (the job's fence is now 4). " +
        'Another worker owns the job now; stop working on it.',
    );
  });

  it('SchemaVersionError names both versions', () => {
    expect(new SchemaVersionError(3, 1, 'jobs.db').message).toMatch(
      /in jobs\.db is version 3, newer than version 1/,
    );
  });

  it('assertValidJobId accepts file-safe ids and refuses the rest', () => {
    for (const id of ['a', 'job-1', 'A.b_c-9', '2f1c0b6e-1b7e-4c8e-9d1e-8e7d6c5b4a39', 'x'.repeat(200)]) {
      expect(() => assertValidJobId(id)).not.toThrow();
    }
    for (const id of [
      '',
      '.',
      '..',
      '.hidden',
      '../x',
      'a/b',
      'a\\b',
      'a..b',
      'a b',
      'é',
      'x'.repeat(201),
      'a\0b',
    ]) {
      expect(() => assertValidJobId(id)).toThrow(InvalidJobIdError);
    }
  });
});
