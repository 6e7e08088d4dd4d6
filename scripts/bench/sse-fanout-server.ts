// The server side of `scripts/bench/sse-fanout.ts`, run in a child process of its own so its RSS is
// its own: a worker whose jobs report progress, and an HTTP server with one of two SSE designs
// (Longhaul's `longhaul/http` handler, or the naive route where every connection polls `getJob`).
// Talks to the parent over IPC: `config` → `ready` (port, job paths and tokens) → `go` → `report`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Backend,
  createWorker,
  defineTask,
  isFinalStatus,
  type JobRecord,
  Longhaul,
  silentLogger,
} from 'longhaul';
import { awsBackend, createClients, type JobResources } from 'longhaul/aws';
import { createHttpHandler, createJobToken, toNodeListener } from 'longhaul/http';
import { memoryBackend } from 'longhaul/memory';
import { z } from 'zod';

export type Source = 'embedded' | 'moto';
export type Design = 'longhaul' | 'naive';

export interface FanoutConfig {
  readonly source: Source;
  readonly design: Design;
  readonly jobs: number;
  readonly subscribersPerJob: number;
  readonly progressEveryMs: number;
  readonly progressWrites: number;
  /** How often a running job is read: the shared poller's interval, and each naive connection's. */
  readonly pollIntervalMs: number;
  /** On moto: the queue and table the parent made for this run. */
  readonly resources?: JobResources;
}

export interface ChildReady {
  readonly port: number;
  readonly jobs: ReadonlyArray<{ readonly path: string; readonly token: string }>;
  readonly idleRss: number;
}

export interface ChildReport {
  /** DynamoDB read operations the process made during the window. */
  readonly reads: Record<string, number>;
  readonly windowMs: number;
  readonly rssMedian: number;
  readonly rssPeak: number;
  readonly progressWrites: number;
}

const secret = 'a bench secret that is at least thirty-two bytes long';
const readOperations = ['GetItem', 'BatchGetItem', 'Query'];

function send(type: string, body?: unknown): void {
  process.send?.({ type, body });
}

function nextMessage(type: string): Promise<{ type: string; body: unknown }> {
  return new Promise((resolve) => {
    const on = (m: { type: string; body: unknown }) => {
      if (m.type !== type) return;
      process.off('message', on);
      resolve(m);
    };
    process.on('message', on);
  });
}

function backendFor(config: FanoutConfig): Backend {
  if (config.source === 'embedded') return memoryBackend();
  if (!config.resources) throw new Error('moto runs need the resources the parent made');
  return awsBackend({ ...config.resources, ...createClients() });
}

/**
 * The naive design: every connection polls `getJob` on its own timer and sends what changed. The
 * reads grow with the connections, not with the jobs watched.
 */
function naiveListener(longhaul: Longhaul, pollIntervalMs: number) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const id = /^\/jobs\/([^/]+)\/events$/.exec(req.url ?? '')?.[1];
    if (!id) {
      res.writeHead(404).end();
      return;
    }
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    req.on('close', () => {
      closed = true;
      clearTimeout(timer);
    });
    const event = (name: string, job: JobRecord) =>
      res.write(
        `event: ${name}\ndata: ${JSON.stringify({ id: job.id, status: job.status, progress: job.progress })}\n\n`,
      );
    let last = '';
    const poll = async (first: boolean) => {
      if (closed) return;
      const job = await longhaul.getJob(decodeURIComponent(id)).catch(() => undefined);
      if (closed) return;
      if (job) {
        const progress = JSON.stringify(job.progress ?? null);
        if (first) event('snapshot', job);
        else if (progress !== last) event('progress', job);
        last = progress;
        if (isFinalStatus(job.status)) {
          event(job.status === 'succeeded' ? 'result' : 'failed', job);
          res.end();
          return;
        }
      }
      timer = setTimeout(() => void poll(false), pollIntervalMs);
    };
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    void poll(true);
  };
}

export async function runFanoutChild(): Promise<void> {
  const config = (await nextMessage('config')).body as FanoutConfig;
  const backend = backendFor(config);
  const longhaul = new Longhaul({ backend });
  let go: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    go = resolve;
  });
  let reported = 0;
  let allReported: () => void = () => undefined;
  const everyJobReported = new Promise<void>((resolve) => {
    allReported = resolve;
  });
  const report = defineTask({
    name: 'bench.sse',
    args: z.object({ i: z.number() }),
    async run({ i }, ctx) {
      await started;
      for (let k = 1; k <= config.progressWrites; k++) {
        // The stamp the subscriber times the event by: taken just before the write.
        ctx.progress(k / config.progressWrites, String(Date.now()));
        // Jittered (0.5x to 1.5x), so the writes do not lock into step with the pollers' interval.
        await sleep(config.progressEveryMs * (0.5 + Math.random()));
      }
      reported += 1;
      if (reported === config.jobs) allReported();
      return { i };
    },
  });
  const handles = await longhaul.enqueueMany(
    report,
    Array.from({ length: config.jobs }, (_, i) => ({ i })),
  );
  const worker = createWorker({
    backend,
    tasks: [report],
    concurrency: config.jobs,
    progressIntervalMs: 0,
    waitTimeSeconds: 1,
    visibilityTimeoutSeconds: 120,
    heartbeatIntervalSeconds: 60,
    logger: silentLogger,
  });
  worker.start();
  const listener =
    config.design === 'naive'
      ? naiveListener(longhaul, config.pollIntervalMs)
      : toNodeListener(
          createHttpHandler({
            longhaul,
            tasks: [report],
            secret,
            poll: { runningIntervalMs: config.pollIntervalMs },
          }),
        );
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  // Every job running (waiting for `go`), so the subscribers' snapshots show them running.
  for (;;) {
    const jobs = await Promise.all(handles.map((h) => backend.store.get(h.id)));
    if (jobs.every((j) => j?.status === 'running')) break;
    await sleep(50);
  }
  (globalThis as { gc?: () => void }).gc?.();
  send('ready', {
    port,
    jobs: handles.map((h) => ({
      path: `/jobs/${encodeURIComponent(h.id)}/events`,
      token: createJobToken({ secret, jobId: h.id, actions: ['read'] }),
    })),
    idleRss: process.memoryUsage().rss,
  } satisfies ChildReady);

  await nextMessage('go');
  backend.requests.reset();
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 250);
  const t0 = performance.now();
  go();
  // Timed in-process rather than by reading the jobs, so every read counted is the server's.
  await everyJobReported;
  const windowMs = performance.now() - t0;
  clearInterval(sampler);
  const counts = backend.requests.snapshot().dynamodb ?? {};
  const sorted = [...rss].sort((a, b) => a - b);
  send('report', {
    reads: Object.fromEntries(readOperations.filter((op) => counts[op]).map((op) => [op, counts[op] ?? 0])),
    windowMs,
    rssMedian: sorted[Math.floor(sorted.length / 2)] ?? 0,
    rssPeak: sorted.at(-1) ?? 0,
    progressWrites: config.progressWrites,
  } satisfies ChildReport);
  // The jobs end now; the subscribers get their `result` events, then the parent ends this process.
  await worker.stop();
}

if (process.argv.includes('--child')) await runFanoutChild();
