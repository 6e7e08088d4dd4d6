// Enqueues one job on the embedded backend and runs it with a worker, then prints what happened as
// JSON, with whether `@opentelemetry/api` was loaded: the tracing tests run it in a fresh process, where
// the API either cannot be found or is installed with nothing registered.
import { createRequire } from 'node:module';
import { createWorker, defineTask, Longhaul, silentLogger } from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { z } from 'zod';

const add = defineTask({
  name: 'math.add',
  args: z.object({ a: z.number(), b: z.number() }),
  run: async (args) => args.a + args.b,
});
const backend = memoryBackend();
const longhaul = new Longhaul({ backend });
const handle = await longhaul.enqueue(add, { a: 2, b: 3 });
// No metric lines: stdout carries this script's answer.
const worker = createWorker({
  backend,
  tasks: [add],
  logger: silentLogger,
  waitTimeSeconds: 1,
  metrics: false,
}).start();
const result = await longhaul.waitForResult(handle, { timeoutMs: 20_000 });
await worker.stop();
const job = await longhaul.getJob(handle);
const apiLoaded = Object.keys(createRequire(import.meta.url).cache).some((file) =>
  file.includes('/node_modules/@opentelemetry/api/'),
);
process.stdout.write(
  JSON.stringify({ result, status: job.status, traced: job.trace !== undefined, apiLoaded }),
);
