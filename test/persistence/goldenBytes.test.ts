import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freezeRestored } from '../../src/machines/historyUpdates.js';
import { encodeEnvelope } from '../../src/persistence/encodeEnvelope.js';
import { unpackEnvelope } from '../../src/persistence/unpackEnvelope.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'golden');
const goldens = readdirSync(dir).filter((f) => f.endsWith('.ckpt'));

describe('checkpoint bytes', () => {
  it.each(goldens)(
    '%s, written by older code, is re-encoded to the very same bytes (frozen history or not, twice)',
    (file) => {
      const stored = new Uint8Array(readFileSync(join(dir, file)));
      const envelope = unpackEnvelope(stored);
      expect(Buffer.from(encodeEnvelope(envelope)).equals(Buffer.from(stored))).toBe(true);
      const context = (envelope.machine as { context?: { history?: unknown[]; errors?: unknown[] } } | null)
        ?.context;
      freezeRestored(context?.history);
      freezeRestored(context?.errors);
      expect(Buffer.from(encodeEnvelope(envelope)).equals(Buffer.from(stored))).toBe(true);
      expect(Buffer.from(encodeEnvelope(envelope)).equals(Buffer.from(stored))).toBe(true);
    },
  );
});
