import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { toMermaid } from '../src/index.js';
import { conceptsJob } from './fixtures/conceptsJob.js';

it('docs/concepts.md shows the diagram toMermaid draws of the compiled job', () => {
  const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../docs/concepts.md'), 'utf8');
  const block = /<!-- toMermaid:conceptsJob -->\n```mermaid\n([\s\S]*?)```\n<!-- \/toMermaid -->/.exec(doc);
  expect(block, 'the marked mermaid block is missing').not.toBeNull();
  expect(block![1]).toBe(toMermaid(conceptsJob));
});
