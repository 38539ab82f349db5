import { describe, expect, it } from 'vitest';
import type { DescriptorContext } from '../../../../src/jobs/descriptor/JobDescriptor.js';
import { indexerDescriptor } from '../../../../src/jobs/indexer/indexerDescriptor.js';
import type { IndexerInput } from '../../../../src/jobs/indexer/types.js';
import { tempDir } from '../../../machines/helpers.js';

const ctx: DescriptorContext = {
  libraryFile: 'library.db',
  library: () => {
    throw new Error('not needed');
  },
  fail: (message: string) => {
    throw new Error(message);
  },
};

const options = { mode: 'content', scope: 'recursive' };

describe('phasekit index --batch-size', () => {
  it('unset, is left out of the input: each phase takes its own default (the content phase 5,000 files)', () => {
    const input = indexerDescriptor.input({ path: tempDir() }, options, ctx);
    expect(input).not.toHaveProperty('batchSize');
  });

  it('given, is the batch size of every phase; not a positive integer, refused', () => {
    const input = indexerDescriptor.input({ path: tempDir() }, { ...options, batchSize: '250' }, ctx);
    expect((input as IndexerInput).batchSize).toBe(250);
    expect(() => indexerDescriptor.input({ path: tempDir() }, { ...options, batchSize: '0' }, ctx)).toThrow(
      '--batch-size must be a positive integer.',
    );
  });
});
