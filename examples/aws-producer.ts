// The web app's side against AWS: enqueue a job and wait for its result.
// Same environment as aws-worker.ts.
import { Longhaul } from 'longhaul';
import { awsBackendFromEnv } from 'longhaul/aws';
import { generateReport } from './tasks.js';

const longhaul = new Longhaul({ backend: awsBackendFromEnv() });
const job = await longhaul.enqueue(generateReport, { accountId: 'acme', months: 3 });
console.log(`enqueued ${job.id}`);
const result = await longhaul.waitForResult(job, { timeoutMs: 60_000 });
console.log(`result ${JSON.stringify(result)}`);
