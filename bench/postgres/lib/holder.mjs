// A worker process for the takeover benchmark: runs the one queued `hold` job, whose phase waits until the
// process dies, and prints `claimed` once the job runs here. node holder.mjs URL SCHEMA LEASE_MS
import { createWorker, PostgresStore } from '../../../dist/postgres.js';
import { holdJob } from './holdJob.mjs';

const [url, schema, leaseMs] = process.argv.slice(2);
const store = await PostgresStore.open({ connectionString: url, schema, max: 3 });
const worker = createWorker({ store, jobs: [holdJob], leaseMs: Number(leaseMs), pollMs: 50 });
worker.events$.subscribe((e) => e.type === 'claimed' && process.send?.({ type: 'claimed', jobId: e.jobId }));
