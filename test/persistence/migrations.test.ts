import { describe, expect, it, vi } from 'vitest';
import { decodeEnvelope } from '../../src/persistence/decodeEnvelope.js';
import { encodeEnvelope } from '../../src/persistence/encodeEnvelope.js';
import { JobVersionError } from '../../src/persistence/JobVersionError.js';
import { SnapshotMigrationError } from '../../src/persistence/SnapshotMigrationError.js';
import type { SnapshotMigration } from '../../src/phases/types.js';
import { makeEnvelope } from './makeEnvelope.js';

/** A version-1 checkpoint: state `{ files: string[] }`. */
const v1 = (version = 1) =>
  encodeEnvelope(
    makeEnvelope({
      job: { name: 'indexer', version, phases: ['scan', 'hash'] },
      state: { files: ['a.jpg', 'b.jpg'] },
      phaseStartState: { files: [] },
    }),
  );

/** 1 → 2: files become objects. 2 → 3: `items` instead of `files`, plus a counter. */
const migrations: Record<number, SnapshotMigration> = {
  1: (c) => ({ ...c, state: { files: (c.state as { files: string[] }).files.map((path) => ({ path })) } }),
  2: (c) => {
    const { files } = c.state as { files: { path: string }[] };
    return { ...c, state: { items: files, count: files.length } };
  },
};

describe('decodeEnvelope: versions and migrations', () => {
  it('runs no migration when the versions are equal', () => {
    const spy = vi.fn(migrations[1]);
    const envelope = decodeEnvelope(v1(), { name: 'indexer', version: 1, migrations: { 1: spy } });
    expect(spy).not.toHaveBeenCalled();
    expect(envelope.state).toEqual({ files: ['a.jpg', 'b.jpg'] });
  });

  it('upgrades 1 → 2 → 3 one step at a time, phaseStartState included', () => {
    const one = vi.fn(migrations[1]);
    const two = vi.fn(migrations[2]);
    const envelope = decodeEnvelope(v1(), { name: 'indexer', version: 3, migrations: { 1: one, 2: two } });
    expect(envelope.job.version).toBe(3);
    expect(envelope.state).toEqual({ items: [{ path: 'a.jpg' }, { path: 'b.jpg' }], count: 2 });
    expect(envelope.phaseStartState).toEqual({ items: [], count: 0 });
    expect(one.mock.invocationCallOrder[0]).toBeLessThan(two.mock.invocationCallOrder[0]);
    // Each step saw the previous step's state, and the history and errors of the checkpoint.
    expect(two.mock.calls[0][0].state).toEqual({ files: [{ path: 'a.jpg' }, { path: 'b.jpg' }] });
    expect(one.mock.calls[0][0].history).toEqual(makeEnvelope().history);
    expect(envelope.history).toEqual(makeEnvelope().history);
    expect(envelope.errors).toEqual(makeEnvelope().errors);
  });

  it('starts from the stored version: a version-2 checkpoint runs only step 2', () => {
    const one = vi.fn(migrations[1]);
    const stored = encodeEnvelope(
      makeEnvelope({ job: { name: 'indexer', version: 2, phases: [] }, state: { files: [{ path: 'x' }] } }),
    );
    const envelope = decodeEnvelope(stored, {
      name: 'indexer',
      version: 3,
      migrations: { ...migrations, 1: one },
    });
    expect(one).not.toHaveBeenCalled();
    expect(envelope.state).toEqual({ items: [{ path: 'x' }], count: 1 });
  });

  it('lets a migration change history, errors and the machine snapshot', () => {
    const envelope = decodeEnvelope(v1(), {
      name: 'indexer',
      version: 2,
      migrations: { 1: (c) => ({ ...c, machine: { migrated: true }, history: [], errors: [] }) },
    });
    expect(envelope).toMatchObject({ machine: { migrated: true }, history: [], errors: [] });
  });

  it('names both versions and the missing step, and runs nothing, when a step is missing', () => {
    const one = vi.fn(migrations[1]);
    let error: unknown;
    try {
      decodeEnvelope(v1(), { name: 'indexer', version: 3, migrations: { 1: one }, jobId: 'job-1' });
    } catch (e) {
      error = e;
    }
    expect(one).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(JobVersionError);
    expect(error).toMatchObject({
      jobName: 'indexer',
      storedVersion: 1,
      codeVersion: 3,
      missingFrom: 2,
      jobId: 'job-1',
    });
    const message = (error as Error).message;
    expect(message).toContain('written by version 1, but this code is version 3');
    expect(message).toContain('no migration upgrades version 2 to 3');
    expect(message).toContain('migrations: { 2:');
  });

  it('names the first step when there are no migrations at all', () => {
    expect(() => decodeEnvelope(v1(), { name: 'indexer', version: 2 })).toThrow(/migrations: \{ 1:/);
  });

  it('refuses a checkpoint newer than the code, naming both versions', () => {
    const spy = vi.fn();
    let error: unknown;
    try {
      decodeEnvelope(v1(4), { name: 'indexer', version: 3, migrations: { 3: spy, 4: spy } });
    } catch (e) {
      error = e;
    }
    expect(spy).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(JobVersionError);
    expect(error).toMatchObject({ storedVersion: 4, codeVersion: 3, missingFrom: undefined });
    expect((error as Error).message).toMatch(
      /written by version 4, newer than this code's version 3.*upgrade/,
    );
  });

  it('wraps a migration that throws, keeping the cause', () => {
    const boom = new Error('bad shape');
    const attempt = () =>
      decodeEnvelope(v1(), {
        name: 'indexer',
        version: 2,
        migrations: {
          1: () => {
            throw boom;
          },
        },
      });
    expect(attempt).toThrow(SnapshotMigrationError);
    expect(attempt).toThrow(
      /Migration 1 → 2 of job "indexer" \(id job-1\) failed: bad shape\. Fix migrations\[1\]/,
    );
    try {
      attempt();
    } catch (error) {
      expect((error as Error).cause).toBe(boom);
    }
  });

  it('refuses a migration result that is not a checkpoint', () => {
    const attempt = () =>
      decodeEnvelope(v1(), {
        name: 'indexer',
        version: 2,
        migrations: { 1: (c) => ({ state: c.state }) as unknown as ReturnType<SnapshotMigration> },
      });
    expect(attempt).toThrow(SnapshotMigrationError);
    expect(attempt).toThrow(/must return \{ state, machine, history/);
  });
});
