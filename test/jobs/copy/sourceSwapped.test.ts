import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../machines/helpers.js';
import { canMount, start, tmpfs, workspace } from './copyWorkspace.js';

/**
 * A source planned as a regular file and replaced before it is copied — by a symlink to a file the job was
 * never asked to copy, or by a FIFO — is refused: the secret's bytes never reach the destination, the job does
 * not hang on the FIFO, the item fails with its path, and a move leaves the source where it is.
 */

const SECRET = 'the bytes of a file nobody asked to copy';

function tree() {
  const root = tempDir();
  const src = path.join(root, 'src');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'a.txt'), 'source a');
  fs.writeFileSync(path.join(src, 'b.txt'), 'source b');
  fs.writeFileSync(path.join(src, 'c.txt'), 'source c');
  // Large enough for the chunked path with a 64 KiB chunk size.
  fs.writeFileSync(path.join(src, 'big.bin'), Buffer.alloc(300 * 1024, 7));
  const secret = path.join(root, 'secret.txt');
  fs.writeFileSync(secret, SECRET);
  const bigSecret = path.join(root, 'bigSecret.bin');
  fs.writeFileSync(bigSecret, Buffer.alloc(300 * 1024, SECRET.charCodeAt(0)));
  return { root, src, secret, bigSecret };
}

/** After the plan is made, before any copy: b.txt and big.bin become symlinks to secrets, c.txt a FIFO. */
function swapAfterPlan(t: ReturnType<typeof tree>) {
  return {
    afterPlan: () => {
      fs.rmSync(path.join(t.src, 'b.txt'));
      fs.symlinkSync(t.secret, path.join(t.src, 'b.txt'));
      fs.rmSync(path.join(t.src, 'big.bin'));
      fs.symlinkSync(t.bigSecret, path.join(t.src, 'big.bin'));
      fs.rmSync(path.join(t.src, 'c.txt'));
      const fifo = path.join(t.src, 'c.txt');
      const made = spawnSync('mkfifo', [fifo]);
      if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
      // Watchdog for a regression only: a job that opens the FIFO blocks its thread (no test timeout can fire
      // then); a writer coming after 4 s lets it go on, and the test fails on what it copied. With the fix
      // nobody reads, and `timeout` ends the waiting writer.
      spawn('timeout', ['10', 'sh', '-c', `sleep 4; printf fifo > "$0"`, fifo], {
        detached: true,
        stdio: 'ignore',
      }).unref();
    },
  };
}

/** Every byte under `dir`, file by file, never following a link. */
function contents(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (fs.lstatSync(file).isFile()) out.push(fs.readFileSync(file, 'latin1'));
  }
  return out;
}

describe('copy: a source swapped after the plan is never followed or waited on', () => {
  for (const verify of [false, true]) {
    it(`plain copy${verify ? ' with verify' : ''}: symlinks and a FIFO in place of planned files are refused`, async () => {
      const ws = workspace();
      const t = tree();
      const out = path.join(t.root, 'out');
      const run = start(
        ws,
        { sources: [t.src], destination: out, chunkSize: 64 * 1024, verify },
        swapAfterPlan(t),
      );
      const result = await run.result;
      expect(fs.readFileSync(path.join(out, 'a.txt'), 'utf8')).toBe('source a');
      for (const bytes of contents(out)) {
        expect(bytes).not.toContain(SECRET);
        expect(bytes).not.toContain(SECRET[0].repeat(64));
      }
      for (const name of ['b.txt', 'c.txt', 'big.bin'])
        expect(fs.existsSync(path.join(out, name))).toBe(false);
      const failed = result.errors.map((e) => String(e.details?.path ?? ''));
      for (const name of ['b.txt', 'c.txt', 'big.bin']) {
        expect(failed.some((p) => p.endsWith(name))).toBe(true);
      }
      expect(result.errorCount).toBe(3);
      expect((result.output as { failed?: number } | undefined)?.failed ?? 3).toBe(3);
    });
  }

  it('move to another device (copy, verify, remove): the swapped sources stay, no secret is moved in', async () => {
    const ws = workspace();
    const t = tree();
    const out = path.join(canMount ? tmpfs('16m', 1000) : fs.mkdtempSync('/dev/shm/phasekit-'), 'out');
    const run = start(
      ws,
      { sources: [t.src], destination: out, chunkSize: 64 * 1024, move: true },
      swapAfterPlan(t),
    );
    const result = await run.result;
    for (const bytes of contents(out)) expect(bytes).not.toContain(SECRET);
    expect(fs.readFileSync(t.secret, 'utf8')).toBe(SECRET);
    expect(fs.readFileSync(t.bigSecret).byteLength).toBe(300 * 1024);
    expect(fs.readFileSync(path.join(out, 'a.txt'), 'utf8')).toBe('source a');
    expect(fs.existsSync(path.join(t.src, 'a.txt'))).toBe(false);
    for (const name of ['b.txt', 'c.txt', 'big.bin']) {
      expect(fs.existsSync(path.join(out, name))).toBe(false);
      expect(fs.lstatSync(path.join(t.src, name)).isFile()).toBe(false);
    }
    expect(result.errorCount).toBe(3);
    if (!canMount) fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });
});
