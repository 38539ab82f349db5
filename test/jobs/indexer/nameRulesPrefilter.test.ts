import { expect, it } from 'vitest';
import {
  DEFAULT_RULES,
  type IndexerRules,
  nameRulesPrefilter,
  ruleVerdict,
} from '../../../src/jobs/indexer/rules.js';

const NAME_RULES = ['hidden', 'system', 'git', 'devDirs'] as const;

/** Names the rules match, near misses of them, and others: ASCII, other scripts, invalid UTF-8. */
function names(): Buffer[] {
  const out: Buffer[] = [];
  const ascii = [
    '.DS_Store',
    'Thumbs.db',
    'thumbs.db',
    'desktop.ini',
    'desktop.inj',
    '$RECYCLE.BIN',
    'System Volume Information',
    'lost+found',
    '.git',
    '.gif',
    'git',
    'node_modules',
    'node_moduleS',
    'target',
    '__pycache__',
    '.venv',
    '.cache',
    '.',
    '..x',
    '.hidden',
    'a',
    'f000123.bin',
    'ehthumbs.db',
    'Thumbs.db ',
  ];
  for (const name of ascii) out.push(Buffer.from(name));
  out.push(Buffer.from('Thümbs.db'), Buffer.from('日本語.txt'), Buffer.from([0xff, 0x2e, 0x67]));
  // The rule names with one byte made invalid UTF-8: they decode to U+FFFD, never to the rule's name.
  for (const name of ['Thumbs.db', '.git', 'target', 'lost+found']) {
    for (let at = 0; at < name.length; at++) {
      const bytes = Buffer.from(name);
      bytes[at] = 0x80 | (at & 0x3f);
      out.push(bytes);
    }
  }
  let seed = 7;
  for (let i = 0; i < 3000; i++) {
    const length = 1 + (i % 26);
    const bytes = Buffer.alloc(length);
    for (let j = 0; j < length; j++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      bytes[j] = i % 3 === 0 ? 0x20 + (seed % 95) : seed % 256;
    }
    out.push(bytes);
  }
  return out;
}

it('passes every name a name-only rule could leave out, for every mix of those rules and every kind', () => {
  const all = names();
  let skippedDecodes = 0;
  let checked = 0;
  for (let mask = 0; mask < 1 << NAME_RULES.length; mask++) {
    const rules: Required<IndexerRules> = { ...DEFAULT_RULES, gitignore: false, onlyImages: false };
    for (let r = 0; r < NAME_RULES.length; r++)
      (rules as Record<string, boolean>)[NAME_RULES[r]] = !!(mask & (1 << r));
    const mayMatch = nameRulesPrefilter(rules)!;
    expect(mayMatch).toBeTypeOf('function');
    // A name inside a larger buffer, as in a listing's packed names.
    for (const name of all) {
      const packed = Buffer.concat([Buffer.from('xx'), name, Buffer.from('yy')]);
      const may = mayMatch(packed, 2, 2 + name.length);
      for (const kind of ['file', 'dir', 'symlink'] as const) {
        const verdict = ruleVerdict(rules, name.toString('utf8'), '', kind, null, []);
        checked++;
        if (verdict !== null)
          expect(may, `${JSON.stringify(name.toString('latin1'))} (${kind}, rules ${mask})`).toBe(true);
      }
      if (!may) skippedDecodes++;
    }
  }
  expect(checked).toBeGreaterThan(100_000);
  // Most names need no decoding: the filter is worth having.
  expect(skippedDecodes).toBeGreaterThan(all.length * 8);
});

it('asks for every name when a rule reads paths or extensions (gitignore, onlyImages)', () => {
  expect(nameRulesPrefilter({ ...DEFAULT_RULES, gitignore: true })).toBeUndefined();
  expect(nameRulesPrefilter({ ...DEFAULT_RULES, onlyImages: true })).toBeUndefined();
});
