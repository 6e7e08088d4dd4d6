// Job event logs through Powertools Logger or pino, and job metrics in CloudWatch Embedded Metric
// Format, on the embedded backend. Run it with: npx tsx --conditions=source examples/observability.ts
// (pino as the logger: LOGGER=pino npx tsx ...).
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { createWorker, defineTask, type Logger, Longhaul } from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { pino } from 'pino';
import { z } from 'zod';

// Powertools Logger takes a message, then fields, as Longhaul's `Logger` does; its fields are not optional.
const tools = new PowertoolsLogger({ serviceName: 'billing-worker' });
const powertools: Logger = {
  info: (message, fields) => tools.info(message, fields ?? {}),
  warn: (message, fields) => tools.warn(message, fields ?? {}),
  error: (message, fields) => tools.error(message, fields ?? {}),
};

// pino takes the fields first and the message second: a three-line adapter.
const log = pino({ base: { service: 'billing-worker' } });
const fromPino: Logger = {
  info: (message, fields) => log.info(fields ?? {}, message),
  warn: (message, fields) => log.warn(fields ?? {}, message),
  error: (message, fields) => log.error(fields ?? {}, message),
};

const charge = defineTask({
  name: 'billing.charge',
  args: z.object({ cardToken: z.string(), cents: z.number().int() }),
  retries: 1,
  backoff: { baseDelayMs: 200, maxDelayMs: 200 },
  async run({ cents }, ctx) {
    // The first attempt of a large charge fails once: the logs show it retried, the metrics count it.
    if (cents > 10_000 && ctx.attempt === 1) throw new Error('the card network timed out');
    return { receipt: `r-${ctx.jobId.slice(0, 8)}` };
  },
});

const backend = memoryBackend();
const longhaul = new Longhaul({ backend });
const handles = await Promise.all(
  [500, 2_500, 25_000].map((cents) => longhaul.enqueue(charge, { cardToken: 'tok_visa_4242', cents })),
);

const emfLines: string[] = [];
const worker = createWorker({
  backend,
  tasks: [charge],
  logger: process.env.LOGGER === 'pino' ? fromPino : powertools,
  // Default: on, namespace `Longhaul`, lines on stdout every 60 s. Kept here to print them at the end.
  metrics: { namespace: 'Billing', queueName: 'billing-jobs', sink: (line) => emfLines.push(line) },
  waitTimeSeconds: 0,
});
worker.start();
for (const handle of handles) await longhaul.waitForResult(handle, { timeoutMs: 10_000 });
await worker.stop();

for (const line of emfLines) {
  const doc = JSON.parse(line);
  console.log(
    `metrics for ${doc.Task} on ${doc.Queue}: started ${doc.JobsStarted}, succeeded ${doc.JobsSucceeded}, retried ${doc.JobsRetried}, attempt durations ${JSON.stringify(doc.AttemptDuration)}`,
  );
}
