/**
 * The body of the walk's worker thread (see {@link ReadAhead}): says it is ready, waits for the stack the job
 * hands it (the job reads inline meanwhile), then walks the tree from that stack, in
 * the order discovery will ask for the directories (a stack: the last directory pushed is read next, each
 * listing's subdirectories pushed in `readdir` order), and posts the listings in chunks. It stays at most
 * `AHEAD` entries ahead of what the job has taken, waiting on the shared counter. Loaded from the built
 * `dist/`.
 */
import { type MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { joinBytes } from '../../fs/paths.js';
import { DIR, DirectoryLister, type Listing, nameAt, STAT_FIELDS } from './listDirectory.js';
import { READY, STARTED, STOP, TAKEN, type WalkBoot, type WalkDir, type WalkStart } from './walkProtocol.js';

/** Entries per posted chunk; the first chunks are smaller, as the job may be waiting for them. */
const CHUNK = 2048;
const FIRST_CHUNK = 64;

const boot = workerData as WalkBoot;
const port = boot.port as MessagePort;
const shared = new Int32Array(boot.shared);
Atomics.store(shared, READY, 1);
const start = waitForStart();
const lister = new DirectoryLister({ rules: boot.rules, gitignores: start?.gitignores ?? {} }, true);
const stack: WalkDir[] = start?.stack.map((d) => ({ ...d })) ?? [];

/** The job's {@link WalkStart}, or null when it stopped the worker first. */
function waitForStart(): WalkStart | null {
  for (;;) {
    if (Atomics.load(shared, STOP) !== 0) return null;
    const message = receiveMessageOnPort(port);
    if (message !== undefined) return message.message as WalkStart;
    // Posted but not here yet (it is, once postMessage returned; this is only a guard): look again shortly.
    if (Atomics.load(shared, STARTED) !== 0) Atomics.wait(shared, STOP, 0, 1);
    else Atomics.wait(shared, STARTED, 0, 1000);
  }
}

let produced = 0;
let chunk: Listing[] = [];
let transfer: ArrayBuffer[] = [];
let inChunk = 0;
let chunkSize = FIRST_CHUNK;

const post = () => {
  port.postMessage(chunk, transfer);
  chunk = [];
  transfer = [];
  inChunk = 0;
  chunkSize = Math.min(CHUNK, chunkSize * 4);
};

while (stack.length > 0 && Atomics.load(shared, STOP) === 0) {
  // Flow control: wait while the job has not taken enough of what was read.
  for (;;) {
    const taken = Atomics.load(shared, TAKEN);
    if (produced - taken <= boot.ahead || Atomics.load(shared, STOP) !== 0) break;
    if (inChunk > 0) post();
    Atomics.wait(shared, TAKEN, taken, 1000);
  }
  const dir = stack.pop()!;
  const listing = lister.list(dir.path, dir.rel, dir);
  if (boot.recursive) {
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
  if (inChunk >= chunkSize) post();
}
if (inChunk > 0) post();
port.close();
