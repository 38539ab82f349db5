import { expect, it } from 'vitest';
import { compileJob, toMermaid } from '../../src/index.js';
import { conceptsJob } from '../fixtures/conceptsJob.js';

it('draws phases, groups and the outcome edges read from the compiled machine', () => {
  const text = toMermaid(conceptsJob);
  expect(text.startsWith('stateDiagram-v2\n')).toBe(true);
  expect(text).toContain('state "process" as process {');
  for (const edge of [
    '[*] --> scan',
    'scan --> hash : continue',
    'scan --> report : skipTo(report)',
    'scan --> finishing : complete',
    'hash --> hash : retry',
    'thumbnails --> report : skipped (when = false)',
    'thumbnails --> report : fatal [skip-phase]',
    'report --> failed : fatal',
    'finishing --> completed : output',
  ]) {
    expect(text).toContain(`  ${edge}\n`);
  }
  // No retry loop where the recovery policy allows none.
  expect(text).not.toContain('scan --> scan');
});

it('draws every step at --detail states, and accepts a machine as well as a definition', () => {
  const text = toMermaid(compileJob(conceptsJob), { detail: 'states' });
  expect(text).toContain('photos_scan_running --> photos_scan_succeeding : done(execute-scan) [continue]');
  expect(text).toContain(
    'photos_process_hash_running --> photos_process_hash_retrying : error(execute-hash) [attempts < 3]',
  );
  expect(text).toContain('photos_process_hash_paused --> photos_process_hash_running : RESUME');
  expect(text).toContain('completed --> [*]');
});
