import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const src = path.resolve(import.meta.dirname, '../../../src');

/** Where SQL may be prepared on a connection directly: the stores, and opening or migrating the library. */
const MAY_PREPARE = ['persistence/', 'jobs/library/openLibrary.ts', 'jobs/library/migrateLibrary.ts'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(full);
    return d.name.endsWith('.ts') ? [full] : [];
  });
}

/** The lines of code that prepare or run SQL on a connection (`db.prepare(`, `.db.exec(`, ...), comments left out. */
function rawSqlLines(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
    .filter((line) => /\bdb\s*\.\s*(prepare|exec|pragma)\s*\(|\.prepare\s*\(/.test(line));
}

it('no phase, job or command prepares SQL itself: it calls the table modules (library.statements)', () => {
  const found: string[] = [];
  for (const file of sourceFiles(src)) {
    const rel = path.relative(src, file);
    if (MAY_PREPARE.some((p) => rel.startsWith(p))) continue;
    for (const line of rawSqlLines(fs.readFileSync(file, 'utf8'))) found.push(`${rel}: ${line.trim()}`);
  }
  expect(found).toEqual([]);
});

it('recognizes a raw prepare (the check above is not vacuous)', () => {
  expect(
    rawSqlLines("const page = library.db.prepare('SELECT 1');\n * library.db.prepare('in a comment')"),
  ).toEqual(["const page = library.db.prepare('SELECT 1');"]);
  expect(rawSqlLines('db\n  .prepare(sql)')).toEqual(['  .prepare(sql)']);
});
