/**
 * The body of a {@link ContentIdPool} worker thread: content ids of the chunks of files it is sent, with
 * synchronous reads, answered in the order they came. Loaded by `ContentIdPool.ts` from the built `dist/`.
 */
import { parentPort } from 'node:worker_threads';
import { contentIdOfFileSync } from '../../content/contentId.js';
import { answer, type ContentIdRequest } from './contentIdMessages.js';

parentPort?.on('message', (request: ContentIdRequest) => {
  parentPort!.postMessage(answer(request, contentIdOfFileSync));
});
