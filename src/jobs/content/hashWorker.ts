/**
 * The body of a {@link HashPool} worker thread: runs the synchronous hash functions on the paths it is sent
 * and posts back each result or error. Loaded by `hashPool.ts` from the built `dist/`.
 */
import { parentPort } from 'node:worker_threads';
import { hashFile } from './hashFile.js';
import { firstPass, fullHashSync } from './fileBytes.js';
import { type HashError, type HashOp, type HashRequest, packReply } from './hashPool.js';

const OPS: Record<HashOp, (path: Uint8Array, size: number, flag: boolean) => unknown> = {
  first: (path, size) => firstPass(path, size),
  full: (path, size) => fullHashSync(path, size),
  file: (path, size, withContentId) => hashFile(path, size, withContentId),
};

parentPort?.on('message', (request: HashRequest) => {
  const op = OPS[request.op];
  const values: unknown[] = new Array(request.ends.length);
  const errors: HashError[] = [];
  for (let i = 0; i < request.ends.length; i++) {
    const path = request.paths.subarray(i === 0 ? 0 : request.ends[i - 1], request.ends[i]);
    try {
      values[i] = op(path, request.sizes[i], request.flags[i] === 1);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      errors.push({ index: i, message: e?.message ?? String(error), code: e?.code, name: e?.name });
    }
  }
  parentPort!.postMessage(packReply(request.id, request.op, values, errors));
});
