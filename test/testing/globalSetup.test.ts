import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildIfStale, distIsStale } from '../globalSetup.js';
import { tempDir } from '../machines/helpers.js';

function project() {
  const base = tempDir();
  fs.mkdirSync(path.join(base, 'src', 'jobs'), { recursive: true });
  fs.writeFileSync(path.join(base, 'src', 'jobs', 'a.ts'), 'export const a = 1;');
  return base;
}

const touch = (file: string, secondsAgo: number) => {
  const t = new Date(Date.now() - secondsAgo * 1000);
  fs.utimesSync(file, t, t);
};

describe('vitest global setup: tests run against the current source', () => {
  it('builds dist/ when it is missing or a file in src/ is newer, and only then', () => {
    const base = project();
    let builds = 0;
    const build = () => {
      builds++;
      fs.mkdirSync(path.join(base, 'dist', 'jobs'), { recursive: true });
      fs.writeFileSync(path.join(base, 'dist', 'jobs', 'a.js'), 'export const a = 1;');
    };
    expect(distIsStale(base)).toBe(true);
    expect(buildIfStale(base, build)).toBe(true);
    expect(builds).toBe(1);
    expect(buildIfStale(base, build)).toBe(false);
    expect(builds).toBe(1);
    // A source edited after the build: built again.
    touch(path.join(base, 'dist', 'jobs', 'a.js'), 10);
    fs.writeFileSync(path.join(base, 'src', 'jobs', 'a.ts'), 'export const a = 2;');
    expect(distIsStale(base)).toBe(true);
    expect(buildIfStale(base, build)).toBe(true);
    expect(builds).toBe(2);
    expect(fs.existsSync(path.join(base, 'dist', '.build.lock'))).toBe(false);
  });

  it('takes over a lock a killed run left behind', () => {
    const base = project();
    fs.mkdirSync(path.join(base, 'dist'), { recursive: true });
    const lock = path.join(base, 'dist', '.build.lock');
    fs.writeFileSync(lock, '');
    touch(lock, 200); // older than any build may take
    let builds = 0;
    expect(buildIfStale(base, () => builds++)).toBe(true);
    expect(builds).toBe(1);
    expect(fs.existsSync(lock)).toBe(false);
  });
});
