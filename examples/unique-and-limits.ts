// Unique jobs and per-tenant limits on the embedded backend (the AWS backend behaves the same).
// Run it with: npx tsx --conditions=source examples/unique-and-limits.ts
import { createWorker, defineTask, Longhaul } from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { z } from 'zod';

const running = new Map<string, number>();
let mostAtOncePerTenant = 0;
const syncCrm = defineTask({
  name: 'crm.sync',
  args: z.object({ tenant: z.string(), batch: z.number().int() }),
  // One job per tenant and batch while it is queued or running...
  unique: { key: ({ tenant, batch }) => `${tenant}:${batch}` },
  // ...and per tenant at most 1 running at once, across every worker.
  limits: { concurrency: 1, key: ({ tenant }) => tenant },
  async run({ tenant, batch }) {
    running.set(tenant, (running.get(tenant) ?? 0) + 1);
    mostAtOncePerTenant = Math.max(mostAtOncePerTenant, running.get(tenant) ?? 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    running.set(tenant, (running.get(tenant) ?? 0) - 1);
    return `${tenant} batch ${batch} synced`;
  },
});

const backend = memoryBackend();
const longhaul = new Longhaul({ backend });
const first = await longhaul.enqueue(syncCrm, { tenant: 'acme', batch: 1 });
const again = await longhaul.enqueue(syncCrm, { tenant: 'acme', batch: 1 });
console.log(`enqueued twice, one job: ${first.id === again.id} (matched by ${again.matched})`);
const others = await Promise.all([
  longhaul.enqueue(syncCrm, { tenant: 'acme', batch: 2 }),
  longhaul.enqueue(syncCrm, { tenant: 'globex', batch: 1 }),
]);

const workers = [1, 2].map((i) =>
  createWorker({ backend, tasks: [syncCrm], waitTimeSeconds: 1, workerId: `worker-${i}` }).start(),
);
for (const job of [first, ...others]) console.log(await longhaul.waitForResult(job, { timeoutMs: 30_000 }));
const jobs = await Promise.all([first, ...others].map((job) => longhaul.getJob(job.id)));
console.log(
  `attempts: ${jobs.map((job) => job.attempts).join(', ')}; most running at once per tenant: ${mostAtOncePerTenant}`,
);
await Promise.all(workers.map((worker) => worker.stop()));
