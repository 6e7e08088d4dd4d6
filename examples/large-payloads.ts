// Large arguments and results, and how long finished jobs are kept.
// Embedded: npx tsx --conditions=source examples/large-payloads.ts
// On AWS or the emulator, set LONGHAUL_QUEUE_URL, LONGHAUL_DLQ_URL, LONGHAUL_TABLE_NAME and
// LONGHAUL_PAYLOAD_BUCKET (the CDK construct's `workerEnvironment` has them all).
import { createWorker, defineTask, Longhaul } from 'longhaul';
import { awsBackendFromEnv } from 'longhaul/aws';
import { memoryBackend } from 'longhaul/memory';
import { z } from 'zod';

const backend = process.env.LONGHAUL_QUEUE_URL ? awsBackendFromEnv() : memoryBackend({ payloads: true });

/** Takes a whole document and returns it transformed: both far over SQS's 256 KiB. */
const redact = defineTask({
  name: 'documents.redact',
  args: z.object({ text: z.string() }),
  // Redacted copies are worth a day; failures keep the worker's default (30 days).
  retention: { succeededMs: 24 * 60 * 60 * 1000 },
  async run({ text }) {
    return { text: text.replaceAll(/\d{4}-\d{4}-\d{4}-\d{4}/g, '####-####-####-####') };
  },
});

const longhaul = new Longhaul({ backend });
const document = 'card 1234-5678-9012-3456 on file. '.repeat(40_000); // about 1.3 MB
const job = await longhaul.enqueue(redact, { text: document });

const worker = createWorker({ backend, tasks: [redact], waitTimeSeconds: 1 }).start();
const result = await longhaul.waitForResult(job, { timeoutMs: 30_000 });
await worker.stop();

const done = await longhaul.getJob(job.id);
console.log(
  `redacted ${result.text.length} characters; card numbers left: ${/\d{4}-\d{4}/.test(result.text)}`,
);
console.log(`arguments offloaded: ${done.argsRef !== undefined} (${done.argsRef?.bytes} bytes)`);
console.log(`result offloaded: ${done.resultRef !== undefined} (${done.resultRef?.bytes} bytes)`);
const keptHours = Math.round(((done.expiresAt ?? 0) - (done.finishedAt ?? 0)) / 3_600_000);
console.log(`kept for ${keptHours} hours after it finished`);
