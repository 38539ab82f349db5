/**
 * The body of the walk's worker thread (see {@link ReadAhead}): walks the tree from the stack it is given, in
 * the order discovery will ask for the directories (a stack: the last directory pushed is read next, each
 * listing's subdirectories pushed in `readdir` order), and posts the listings in chunks. It stays at most
 * `AHEAD` entries ahead of what the job has taken, waiting on the shared counter. Loaded from the built
 * `dist/`.
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import { joinBytes } from '../../fs/paths.js';
import { DIR, DirectoryLister, type Listing, nameAt, STAT_FIELDS } from './listDirectory.js';
import type { WalkDir, WalkStart } from './ReadAhead.js';

/** Entries per posted chunk. */
const CHUNK = 2048;

const start = workerData as WalkStart;
const port = start.port as MessagePort;
const shared = new Int32Array(start.shared);
const lister = new DirectoryLister({ rules: start.rules, gitignores: start.gitignores }, true);
const stack: WalkDir[] = start.stack.map((d) => ({ ...d }));

let produced = 0;
let chunk: Listing[] = [];
let transfer: ArrayBuffer[] = [];
let inChunk = 0;

const post = () => {
  port.postMessage(chunk, transfer);
  chunk = [];
  transfer = [];
  inChunk = 0;
};

while (stack.length > 0 && Atomics.load(shared, 1) === 0) {
  // Flow control: wait while the job has not taken enough of what was read.
  for (;;) {
    const taken = Atomics.load(shared, 0);
    if (produced - taken <= start.ahead || Atomics.load(shared, 1) !== 0) break;
    if (inChunk > 0) post();
    Atomics.wait(shared, 0, taken, 1000);
  }
  const dir = stack.pop()!;
  const listing = lister.list(dir.path, dir.rel, dir);
  if (start.recursive) {
    for (let i = 0; i < listing.codes.length; i++) {
      if (listing.codes[i] !== DIR) continue;
      const name = nameAt(listing, i);
      const nameText = name.toString('utf8');
      const s = i * STAT_FIELDS;
      // A copy of its own: a view into Node's shared pool would cross threads with the whole pool.
      stack.push({
        path: new Uint8Array(joinBytes(dir.path, name)),
        rel: dir.rel === '' ? nameText : `${dir.rel}/${nameText}`,
        ino: listing.stats[s + 3],
        dev: listing.stats[s + 4],
      });
    }
  }
  chunk.push(listing);
  transfer.push(
    listing.names.buffer as ArrayBuffer,
    listing.ends.buffer as ArrayBuffer,
    listing.codes.buffer as ArrayBuffer,
    listing.stats.buffer as ArrayBuffer,
  );
  const n = listing.codes.length + 1;
  produced += n;
  inChunk += n;
  if (inChunk >= CHUNK) post();
}
if (inChunk > 0) post();
port.close();
