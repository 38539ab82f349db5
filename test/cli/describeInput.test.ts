import { describe, expect, it } from 'vitest';
import { describeInput } from '../../src/cli/commands/jobsCommand.js';

describe('phasekit jobs: the INPUT column', () => {
  it("shows an indexer's path, delete's paths and a copy's sources and destination", () => {
    expect(describeInput({ path: '/photos', mode: 'shallow' })).toBe('/photos');
    expect(describeInput({ paths: ['/a', '/b'], mode: 'trash' })).toBe('/a /b');
    expect(describeInput({ sources: ['/a', '/b'], destination: '/backup', move: true })).toBe(
      '/a /b → /backup',
    );
    expect(describeInput({ location: 3 })).toBe('');
  });
});

describe('phasekit delete: the summary', () => {
  it('counts what was removed, not the paths named (a path left in place is not "deleted")', async () => {
    const { deleteDescriptor } = await import('../../src/jobs/delete/deleteDescriptor.js');
    const o = {
      mode: 'permanent',
      targets: 1,
      files: 2,
      dirs: 1,
      failed: 1,
      alreadyGone: 0,
      overwritten: 0,
      trashed: [],
      paths: ['/t'],
    };
    const text = (deleteDescriptor.summarize as (o: unknown) => string)(o);
    expect(text).toBe('deleted 2 file(s) and 1 dir(s) of 1 path(s)');
  });
});
