import { describe, expect, it } from 'vitest';
import {
  Continue,
  checkResumable,
  defineJob,
  group,
  JobVersionError,
  MemoryStore,
  type Phase,
  type PhaseNode,
  phase,
  renamePhase,
  resumeJob,
  runJob,
} from '../../../src/index.js';

interface S {
  cursor: number;
  ran: string[];
}

/** A phase that counts to 3, pausing when asked; others just record that they ran. */
function counting(name: string): Phase<S> {
  return phase<S>({
    name,
    async execute(ctx) {
      while (ctx.state.cursor < 3) {
        ctx.state.cursor++;
        await ctx.checkpoint({ force: true });
        ctx.checkInterrupt();
      }
      ctx.state.ran.push(name);
      return Continue;
    },
  });
}
const mark = (name: string) =>
  phase<S>({
    name,
    async execute(ctx) {
      ctx.state.ran.push(name);
      return Continue;
    },
  });

function jobOf(
  version: number,
  phases: PhaseNode<S>[],
  migrations?: Parameters<typeof defineJob>[0]['migrations'],
) {
  return defineJob<S>({
    name: 'evolving',
    version,
    initialState: () => ({ cursor: 0, ran: [] }),
    phases,
    ...(migrations ? { migrations } : {}),
  });
}

/** Run v1 `[a, b]` and pause it inside `a`; returns the store. */
async function pausedInA(): Promise<MemoryStore> {
  const store = new MemoryStore();
  const v1 = jobOf(1, [counting('a'), mark('b')]);
  const run = runJob(v1, {}, { store, jobId: 'e1' });
  await new Promise<void>((resolve) => {
    const sub = run.events$.subscribe((e) => {
      if (e.type === 'checkpointed' && e.phase === 'a') {
        sub.unsubscribe();
        resolve();
      }
    });
  });
  await run.pause();
  expect((await store.load('e1'))!.record.status).toBe('paused');
  return store;
}

describe('a changed phase list on resume', () => {
  it('is refused before anything runs when no migration says what it means, naming the phases', async () => {
    const store = await pausedInA();
    const before = (await store.load('e1'))!.bytes;
    const added = jobOf(1, [counting('a'), mark('c'), mark('b')]);
    const error = await resumeJob(added, 'e1', { store }).catch((e) => e);
    expect(error).toBeInstanceOf(JobVersionError);
    expect(error.phaseChange.added).toEqual(['c']);
    expect(error.message).toMatch(/added "c"/);
    const renamed = jobOf(1, [counting('first'), mark('b')]);
    const error2 = await resumeJob(renamed, 'e1', { store }).catch((e) => e);
    expect(error2).toBeInstanceOf(JobVersionError);
    expect(error2.phaseChange.renamed).toEqual([['a', 'first']]);
    expect(error2.message).not.toMatch(/does not exist/);
    // Nothing ran, nothing was written; the job is still resumable by its own version.
    expect((await store.load('e1'))!.bytes).toEqual(before);
    const own = await resumeJob(jobOf(1, [counting('a'), mark('b')]), 'e1', { store });
    expect((await own.result).output).toMatchObject({ ran: ['a', 'b'] });
  });

  it('runs a phase added after the paused one when a migration accepts the change', async () => {
    const store = await pausedInA();
    const v2 = jobOf(2, [counting('a'), mark('added'), mark('b')], { 1: (c) => c });
    const run = await resumeJob(v2, 'e1', { store });
    const result = await run.result;
    expect(result.status).toBe('completed');
    expect(result.output).toEqual({ cursor: 3, ran: ['a', 'added', 'b'] });
    expect(result.history.map((h) => [h.phase, h.status])).toEqual([
      ['a', 'completed'],
      ['added', 'completed'],
      ['b', 'completed'],
    ]);
    for (const h of result.history) expect(h.startedAt).not.toBeNull();
  });

  it('continues a renamed paused phase from its cursor through renamePhase', async () => {
    const store = await pausedInA();
    const v2 = jobOf(2, [counting('first'), mark('b')], { 1: (c) => renamePhase(c, 'a', 'first') });
    const result = await (await resumeJob(v2, 'e1', { store })).result;
    expect(result.status).toBe('completed');
    expect(result.output).toEqual({ cursor: 3, ran: ['first', 'b'] });
    expect(result.history.map((h) => h.phase)).toEqual(['first', 'b']);
  });

  it('refuses a migration that leaves the job in a phase the new version lacks, and moves it when told', async () => {
    const store = await pausedInA();
    const lost = jobOf(2, [mark('other'), mark('b')], { 1: (c) => c });
    await expect(resumeJob(lost, 'e1', { store })).rejects.toThrow(/stands in phase "a", which version 2/);
    const moved = jobOf(2, [mark('other'), mark('b')], { 1: (c) => ({ ...c, position: { phase: 'b' } }) });
    const result = await (await resumeJob(moved, 'e1', { store })).result;
    expect(result.output).toEqual({ cursor: 1, ran: ['b'] });
  });

  it('is checked at deploy time by checkResumable, job by job, with the reason', async () => {
    const store = await pausedInA();
    const ok = await checkResumable([jobOf(1, [counting('a'), mark('b')])], store);
    expect(ok).toEqual([expect.objectContaining({ id: 'e1', name: 'evolving', ok: true })]);
    const bad = await checkResumable([jobOf(1, [counting('a'), mark('x'), mark('b')])], store);
    expect(bad[0]).toMatchObject({ id: 'e1', ok: false });
    expect(bad[0].reason).toMatch(/added "x"/);
    const none = await checkResumable([], store);
    expect(none[0].reason).toMatch(/no job definition named "evolving"/);
  });

  it('is refused when only the groups around the paused phase changed, and placed anew by a migration', async () => {
    const store = new MemoryStore();
    const v1 = jobOf(1, [mark('a'), group('g1', [counting('b'), mark('c')]), mark('d')]);
    const run = runJob(v1, {}, { store, jobId: 'e2' });
    await new Promise<void>((resolve) => {
      const sub = run.events$.subscribe((e) => {
        if (e.type === 'checkpointed' && e.phase === 'b') {
          sub.unsubscribe();
          resolve();
        }
      });
    });
    await run.pause();
    expect(run.position).toEqual({ phase: 'b', step: 'paused' });
    const before = (await store.load('e2'))!.bytes;

    // Same leaves, same version: group renamed, or flattened away.
    for (const phases of [
      [mark('a'), group('g2', [counting('b'), mark('c')]), mark('d')],
      [mark('a'), counting('b'), mark('c'), mark('d')],
    ]) {
      const changed = jobOf(1, phases);
      const error = await resumeJob(changed, 'e2', { store }).catch((e) => e);
      expect(error).toBeInstanceOf(JobVersionError);
      expect(error.message).toMatch(/"b" at "g1\.b"/);
      const [check] = await checkResumable([changed], store);
      expect(check).toMatchObject({ id: 'e2', ok: false });
      expect(check.reason).toMatch(/groups/);
    }
    expect((await store.load('e2'))!.bytes).toEqual(before);

    // A migration accepts it: the job is placed, paused, in b at its new place, and goes on from its cursor.
    const v2 = jobOf(2, [mark('a'), group('g2', [counting('b'), mark('c')]), mark('d')], { 1: (c) => c });
    expect((await checkResumable([v2], store))[0].ok).toBe(true);
    const result = await (await resumeJob(v2, 'e2', { store })).result;
    expect(result.status).toBe('completed');
    expect(result.output).toEqual({ cursor: 3, ran: ['a', 'b', 'c', 'd'] });
  });
});
