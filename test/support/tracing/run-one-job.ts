// Enqueues one job on the embedded backend and runs it with a worker, then prints what happened as
// JSON: the tracing tests run it in a process where `@opentelemetry/api` cannot be found.
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
const worker = createWorker({ backend, tasks: [add], logger: silentLogger, waitTimeSeconds: 1 }).start();
const result = await longhaul.waitForResult(handle, { timeoutMs: 20_000 });
await worker.stop();
const job = await longhaul.getJob(handle);
process.stdout.write(JSON.stringify({ result, status: job.status, traced: job.trace !== undefined }));
