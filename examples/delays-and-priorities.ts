// Delays of any length and priorities, on the embedded backend: no AWS account, no emulator.
// Run it with: npx tsx --conditions=source examples/delays-and-priorities.ts
import { createWorker, defineTask, Longhaul } from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { z } from 'zod';

const ran: string[] = [];
const notify = defineTask({
  name: 'notify',
  args: z.object({ message: z.string() }),
  async run({ message }) {
    ran.push(message);
    return message;
  },
});
// A task whose jobs go to the high-priority queue unless `enqueue` says otherwise.
const charge = defineTask({
  name: 'payments.charge',
  priority: 'high',
  args: z.object({ orderId: z.string() }),
  async run({ orderId }) {
    ran.push(`charge ${orderId}`);
  },
});

// One queue per priority; long delays wait in an in-process timer (on AWS: EventBridge Scheduler).
const backend = memoryBackend({ priorities: true });
const longhaul = new Longhaul({ backend });

// Two hours ahead: recorded `scheduled` with its run time, and nothing goes round the queue meanwhile.
const reminder = await longhaul.enqueue(notify, { message: 'reminder' }, { delaySeconds: 2 * 3600 });
const scheduled = await longhaul.getJob(reminder);
console.log(`reminder is ${scheduled.status}, runs at ${new Date(scheduled.runAt ?? 0).toISOString()}`);
console.log(`cancelled: ${(await longhaul.cancel(reminder.id)).status}`);

// A short delay, a low-priority job and a high-priority one.
const soon = await longhaul.enqueue(notify, { message: 'in one second' }, { runAt: Date.now() + 1_000 });
await longhaul.enqueue(notify, { message: 'low priority' }, { priority: 'low' });
const paid = await longhaul.enqueue(charge, { orderId: 'o-42' });

const worker = createWorker({ backend, tasks: [notify, charge], concurrency: 1, waitTimeSeconds: 1 }).start();
await longhaul.waitForResult(paid, { timeoutMs: 10_000 });
await longhaul.waitForResult(soon, { timeoutMs: 10_000 });
await worker.stop();
console.log(`ran: ${ran.join(', ')}`);
console.log(`the reminder stayed ${(await longhaul.getJob(reminder)).status}`);
