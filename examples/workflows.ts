// Workflows, hooks and events on the embedded backend: a chain whose steps pass results along, a group
// that fans out and fans in, a hook for alerting, and every state change as an event.
// Run it with: npx tsx --conditions=source examples/workflows.ts
import { createWorker, defineTask, Longhaul, step } from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { z } from 'zod';

const fetchPage = defineTask({
  name: 'pages.fetch',
  args: z.object({ url: z.string() }),
  run: async ({ url }) => ({ url, words: url.length * 10 }),
});
const summarize = defineTask({
  name: 'pages.summarize',
  args: z.object({ url: z.string(), words: z.number() }),
  run: async ({ url, words }) => ({ line: `${url}: ${words} words` }),
});
const countWords = defineTask({
  name: 'pages.count',
  args: z.object({ url: z.string() }),
  run: async ({ url }) => url.length * 10,
});
const total = defineTask({
  name: 'pages.total',
  args: z.array(z.number()),
  run: async (counts) => counts.reduce((sum, n) => sum + n, 0),
  // Task hooks run after the status is written; a hook that throws changes nothing.
  onSuccess: (sum, info) => console.log(`hook: ${info.task} succeeded with ${sum}`),
});

const backend = memoryBackend();
let changes = 0;
backend.events.subscribe(() => changes++);
const longhaul = new Longhaul({ backend });
const worker = createWorker({
  backend,
  tasks: [fetchPage, summarize, countWords, total],
  waitTimeSeconds: 1,
  // Worker hooks: for every task, e.g. paging someone when a job fails for good.
  hooks: { onFinalFailure: (error, info) => console.error(`ALERT ${info.jobId}: ${error.code}`) },
}).start();

// A chain: summarize gets fetchPage's result as its arguments (a type error if it did not fit).
const flow = await longhaul.chain(fetchPage, { url: 'https://example.com' }).andThen(summarize).start();
const summary = await longhaul.waitForWorkflow(flow, { timeoutMs: 10_000 });
console.log(`chain: ${summary.line}`);

// A group: three counts in parallel, then total once all succeeded, with their results in order.
const urls = ['https://a.example', 'https://bb.example', 'https://ccc.example'];
const fan = await longhaul
  .group(urls.map((url) => step(countWords, { url })))
  .andThen(total)
  .start();
const sum = await longhaul.waitForWorkflow(fan, { timeoutMs: 10_000 });
const state = await longhaul.getWorkflow(fan.id);
console.log(`group: ${state.status}, ${state.done}/${state.total} members, total ${sum}`);

await worker.stop();
console.log(`events: ${changes} state changes published`);
