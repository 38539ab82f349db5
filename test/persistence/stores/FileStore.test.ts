import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidJobIdError } from '../../../src/persistence/InvalidJobIdError.js';
import { SnapshotCorruptError } from '../../../src/persistence/SnapshotCorruptError.js';
import { FileStore } from '../../../src/persistence/stores/FileStore.js';
import { makeMeta } from '../makeEnvelope.js';
import { describeLeaseStore, manualClock } from './describeLeaseStore.js';
import { describeSnapshotStore } from './describeSnapshotStore.js';
import { makeTempDir } from './tempDir.js';

describeSnapshotStore('FileStore', () => {
  const temp = makeTempDir();
  return { store: new FileStore(temp.dir), cleanup: temp.cleanup };
});

describeLeaseStore('FileStore', () => {
  const temp = makeTempDir();
  const clock = manualClock();
  return {
    store: new FileStore(temp.dir, { now: clock.now }),
    advance: clock.advance,
    reopen: () => new FileStore(temp.dir, { now: clock.now }),
    cleanup: temp.cleanup,
  };
});

describe('FileStore', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let store: FileStore;
  const bytes = Uint8Array.from([1, 2, 3]);
  beforeEach(() => {
    temp = makeTempDir();
    store = new FileStore(temp.dir);
  });
  afterEach(() => temp.cleanup());

  it('keeps one <jobId>.ckpt file per job and leaves no temp files behind', async () => {
    for (let i = 0; i < 5; i++) await store.save('job-1', bytes, makeMeta({ updatedAt: i }));
    await store.save('job-2', bytes, makeMeta());
    expect(fs.readdirSync(temp.dir).sort()).toEqual(['job-1.ckpt', 'job-2.ckpt']);
    const file = fs.readFileSync(path.join(temp.dir, 'job-1.ckpt'));
    expect(file.subarray(0, 5)).toEqual(Buffer.from([0x50, 0x4b, 0x4a, 0x46, 1])); // "PKJF", layout 1
    expect(file.subarray(-3)).toEqual(Buffer.from(bytes));
  });

  it('creates its directory on the first save, and lists nothing before', async () => {
    const nested = new FileStore(path.join(temp.dir, 'a', 'b'));
    expect(await nested.list()).toEqual([]);
    expect(await nested.load('job-1')).toBeUndefined();
    await nested.save('job-1', bytes, makeMeta());
    expect(fs.existsSync(path.join(temp.dir, 'a', 'b', 'job-1.ckpt'))).toBe(true);
  });

  it('ignores a temp file left by a crash mid-save', async () => {
    await store.save('job-1', bytes, makeMeta({ updatedAt: 1 }));
    // What a kill between writing the temp file and the rename leaves: a newer, maybe partial, temp file.
    fs.writeFileSync(path.join(temp.dir, '.job-1.4242.abcdef012345.tmp'), Uint8Array.from([0x50, 0x4b]));
    fs.writeFileSync(path.join(temp.dir, '.job-9.4242.abcdef012345.tmp'), Uint8Array.from([0x50, 0x4b]));
    expect((await store.list()).map((r) => r.id)).toEqual(['job-1']);
    expect(Array.from((await store.load('job-1'))!.bytes)).toEqual([1, 2, 3]);
    expect(await store.load('job-9')).toBeUndefined();
    await store.save('job-1', Uint8Array.from([4]), makeMeta({ updatedAt: 2 }));
    expect(Array.from((await store.load('job-1'))!.bytes)).toEqual([4]);
  });

  it('ignores other files in the directory', async () => {
    await store.save('job-1', bytes, makeMeta());
    fs.writeFileSync(path.join(temp.dir, 'README.txt'), 'hello');
    fs.writeFileSync(path.join(temp.dir, 'not a job.ckpt'), 'hello');
    fs.writeFileSync(path.join(temp.dir, '.hidden.ckpt'), 'hello');
    fs.mkdirSync(path.join(temp.dir, 'sub'));
    expect((await store.list()).map((r) => r.id)).toEqual(['job-1']);
  });

  it('refuses job ids that are not safe file names, before touching the disk', async () => {
    for (const id of ['../escape', 'a/b', '..', '.hidden', '', 'a b']) {
      await expect(store.save(id, bytes, makeMeta())).rejects.toThrow(InvalidJobIdError);
      await expect(store.load(id)).rejects.toThrow(InvalidJobIdError);
      await expect(store.setStatus(id, 'paused')).rejects.toThrow(InvalidJobIdError);
      await expect(store.delete(id)).rejects.toThrow(InvalidJobIdError);
    }
    expect(fs.readdirSync(temp.dir)).toEqual([]);
    expect(fs.existsSync(path.join(temp.dir, '..', 'escape.ckpt'))).toBe(false);
  });

  it('reports a damaged file as SnapshotCorruptError naming the file', async () => {
    await store.save('job-1', bytes, makeMeta());
    const file = path.join(temp.dir, 'job-1.ckpt');
    const damaged = fs.readFileSync(file);
    damaged[20] ^= 0xff; // inside the record
    fs.writeFileSync(file, damaged);
    await expect(store.load('job-1')).rejects.toThrow(SnapshotCorruptError);
    await expect(store.load('job-1')).rejects.toThrow(/job-1\.ckpt is damaged \(record checksum mismatch\)/);
    await expect(store.list()).rejects.toThrow(SnapshotCorruptError);

    fs.writeFileSync(file, damaged.subarray(0, 8));
    await expect(store.load('job-1')).rejects.toThrow(/bad header/);
    fs.writeFileSync(file, Buffer.from('not a job file at all'));
    await expect(store.list()).rejects.toThrow(/bad header/);

    // A save replaces a damaged file (its createdAt is lost with it).
    await store.save('job-1', bytes, makeMeta({ updatedAt: 77 }));
    expect((await store.load('job-1'))!.record.createdAt).toBe(77);
  });

  it('refuses a layout version it does not know', async () => {
    await store.save('job-1', bytes, makeMeta());
    const file = path.join(temp.dir, 'job-1.ckpt');
    const newer = fs.readFileSync(file);
    newer[4] = 2;
    fs.writeFileSync(file, newer);
    await expect(store.load('job-1')).rejects.toThrow(/unknown layout version 2 \(this code reads 1\)/);
  });

  it('serializes concurrent writes to one job: the last call wins', async () => {
    const writes = Array.from({ length: 20 }, (_, i) =>
      i % 5 === 4
        ? store.setStatus('job-1', 'paused').catch(() => {})
        : store.save('job-1', Uint8Array.from([i]), makeMeta({ updatedAt: i })),
    );
    await Promise.all(writes);
    const stored = (await store.load('job-1'))!;
    expect(Array.from(stored.bytes)).toEqual([18]);
    expect(stored.record).toMatchObject({ status: 'paused', updatedAt: 18, createdAt: 0 });
    expect(fs.readdirSync(temp.dir)).toEqual(['job-1.ckpt']);
  });

  it('keeps leases in <jobId>.lease beside the job, which list() ignores and delete() keeps', async () => {
    const owner = { workerId: 'w', pid: process.pid, host: 'here' };
    const lease = await store.acquire('job-1', owner, { leaseMs: 1000 });
    await store.acquire('job-2', owner, { leaseMs: 1000 }); // leased, never saved
    await store.save('job-1', bytes, makeMeta(), { fence: lease.fence });
    expect(fs.readdirSync(temp.dir).sort()).toEqual(['job-1.ckpt', 'job-1.lease', 'job-2.lease']);
    expect((await store.list()).map((r) => r.id)).toEqual(['job-1']);
    expect(JSON.parse(fs.readFileSync(path.join(temp.dir, 'job-1.lease'), 'utf8'))).toEqual({
      format: 'phasekit-lease/1',
      fence: 1,
      holder: { ...owner, fence: 1, acquiredAt: lease.acquiredAt, expiresAt: lease.expiresAt },
      request: null,
    });
    await store.release(lease);
    await store.delete('job-1');
    expect(fs.readdirSync(temp.dir).sort()).toEqual(['job-1.lease', 'job-2.lease']);
    expect((await store.acquire('job-1', owner, { leaseMs: 1000 })).fence).toBe(2);
  });

  it('refuses to guess a fence from a damaged lease file', async () => {
    fs.writeFileSync(path.join(temp.dir, 'job-1.lease'), '{"format":"phasekit-lease/1","fence":"x"');
    const owner = { workerId: 'w', pid: process.pid, host: 'here' };
    await expect(store.acquire('job-1', owner, { leaseMs: 1000 })).rejects.toThrow(SnapshotCorruptError);
    await expect(store.save('job-1', bytes, makeMeta(), { fence: 1 })).rejects.toThrow(
      /job-1\.lease is damaged .*no process runs job job-1, then delete the file/,
    );
    await expect(store.requestControl('../x', 'pause')).rejects.toThrow(InvalidJobIdError);
  });

  it('a second FileStore on the same directory sees the jobs', async () => {
    await store.save('job-1', bytes, makeMeta({ input: { root: '/x' } }));
    const other = new FileStore(temp.dir);
    expect(await other.list()).toEqual(await store.list());
    expect((await other.load('job-1'))!.record.input).toEqual({ root: '/x' });
  });
});
