// Timeouts that really stop work, and cancelling a running job, on the embedded backend.
// Run it with: npx tsx --conditions=source examples/timeouts-and-cancellation.ts
import { setTimeout as sleep } from 'node:timers/promises';
import { createWorker, defineTask, Longhaul, runIsolated } from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { z } from 'zod';

// CPU-bound work runs in a child process: at its timeout the process is killed, not just signalled.
// (A child process inherits this process's Node options, so it loads TypeScript under tsx as this one
// does; `isolation: 'thread'` is cheaper to start and takes a built .js module.)
const checksum = defineTask({
  name: 'files.checksum',
  args: z.object({ text: z.string(), rounds: z.number().int().positive() }),
  retries: 0,
  timeoutMs: 2_000,
  run: (args, ctx): Promise<{ digest: string }> =>
    runIsolated(new URL('./isolated/checksum-worker.ts', import.meta.url), args, {
      signal: ctx.signal,
      isolation: 'process',
    }),
});

// I/O-bound work passes its signal on: a cancel (or timeout) aborts the wait at once.
const exportAccount = defineTask({
  name: 'accounts.export',
  args: z.object({ accountId: z.string() }),
  async run({ accountId }, ctx) {
    for (let page = 1; page <= 600; page++) {
      await sleep(100, undefined, { signal: ctx.signal });
      ctx.progress(page / 600, `page ${page}`);
    }
    return { accountId };
  },
});

const backend = memoryBackend();
const longhaul = new Longhaul({ backend });
// The heartbeat interval is how soon a running job notices a cancel.
const worker = createWorker({
  backend,
  tasks: [checksum, exportAccount],
  waitTimeSeconds: 1,
  visibilityTimeoutSeconds: 4,
  heartbeatIntervalSeconds: 1,
}).start();

const quick = await longhaul.enqueue(checksum, { text: 'hello', rounds: 1_000 });
const endless = await longhaul.enqueue(checksum, { text: 'hello', rounds: 1e12 });
const exported = await longhaul.enqueue(exportAccount, { accountId: 'acme' });

console.log(
  `quick checksum: ${(await longhaul.waitForResult(quick, { timeoutMs: 10_000 })).digest.slice(0, 12)}…`,
);

// Any process can cancel a running job: the worker stops it at its next heartbeat.
while ((await longhaul.getJob(exported.id)).status !== 'running') await sleep(50);
const requested = await longhaul.cancel(exported.id);
console.log(`cancel requested while ${requested.status}`);

for (const id of [endless.id, exported.id]) {
  let job = await longhaul.getJob(id);
  while (!['succeeded', 'failed', 'cancelled'].includes(job.status)) {
    await sleep(100);
    job = await longhaul.getJob(id);
  }
  console.log(`${job.task}: ${job.status} (${job.error?.code})`);
}
await worker.stop();
