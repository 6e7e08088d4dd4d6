// The five-minute tour on the embedded backend: no AWS account, no emulator.
// Run it with: npx tsx --conditions=source examples/quickstart.ts
import { createWorker, Longhaul } from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { generateReport, tasks } from './tasks.js';

const backend = memoryBackend();

// The web app's side: enqueue returns at once with the job's id.
const longhaul = new Longhaul({ backend });
const job = await longhaul.enqueue(generateReport, { accountId: 'acme', months: 6 });
console.log(`enqueued ${job.id}: ${(await longhaul.getJob(job.id)).status}`);

// The worker's side (normally another process or container).
const worker = createWorker({ backend, tasks, waitTimeSeconds: 1 }).start();

// Back in the app: read status and the typed result whenever you like.
const result = await longhaul.waitForResult(job, { timeoutMs: 10_000 });
console.log(`total for ${result.accountId}: ${result.total}`);
const done = await longhaul.getJob(job.id);
console.log(`status ${done.status} after ${done.attempts} attempt(s), progress ${done.progress?.message}`);

await worker.stop();
