import { defineTask } from 'longhaul';
import { createHttpHandler, createJobToken, type EnqueueResponse, type HttpHandler } from 'longhaul/http';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { eventually, testWorker } from '../support/serve.js';
import { type SseEvent, SseReader } from '../support/sse.js';

const secret = 'contract-test-secret-of-32-bytes-or-more';
const origin = 'http://localhost';

/** Logs and reports progress at each step, pausing between them so that polls see it happen. */
const report = defineTask({
  name: 'report',
  args: z.object({ steps: z.number().int(), pauseMs: z.number().int().default(150) }),
  async run({ steps, pauseMs }, ctx) {
    for (let i = 1; i <= steps; i++) {
      ctx.log(`line ${i}`);
      ctx.progress(i / steps, `step ${i} of ${steps}`);
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    return { steps };
  },
});

const seqOf = (event: SseEvent) => Number(event.id?.split('.')[0]);
const logsOf = (events: readonly SseEvent[]) =>
  events.flatMap((e) =>
    e.event === 'log'
      ? [(e.data as { message: string }).message]
      : e.event === 'snapshot'
        ? (e.data as { logs: { message: string }[] }).logs.map((l) => l.message)
        : [],
  );

// The job's event stream of longhaul/http on each backend: what a page sees from enqueue to result, and
// what the handler holds while it watches (one poller per job, released when the last client goes).
describe.each(contractBackends('contract/http-events'))(
  'the job event stream on the $name backend',
  (factory) => {
    const s = useContractBackend(factory);
    let handler: HttpHandler;
    const stopWorkers: (() => Promise<void>)[] = [];
    afterEach(async () => {
      handler?.close();
      for (const stop of stopWorkers.splice(0)) await stop();
    });

    const makeHandler = (extra: Partial<Parameters<typeof createHttpHandler>[0]> = {}) => {
      handler = createHttpHandler({
        longhaul: s.longhaul,
        prefix: '/lh',
        secret,
        tasks: [report],
        poll: { runningIntervalMs: 100, waitingIntervalMs: 50, waitingMaxIntervalMs: 200 },
        ...extra,
      });
      return handler;
    };
    const enqueue = async (args: { steps: number; pauseMs?: number }) => {
      const response = await handler(
        new Request(`${origin}/lh/jobs`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ task: 'report', args }),
        }),
      );
      expect(response.status).toBe(202);
      return (await response.json()) as EnqueueResponse;
    };
    const subscribe = async (
      job: EnqueueResponse,
      headers: Record<string, string> = {},
      signal?: AbortSignal,
    ) => {
      const response = await handler(
        new Request(`${origin}/lh/jobs/${encodeURIComponent(job.job.id)}/events`, {
          headers: { Authorization: `Bearer ${job.token}`, ...headers },
          ...(signal ? { signal } : {}),
        }),
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      return new SseReader(response);
    };
    const startWorker = () => {
      const worker = testWorker(s.t.backend, [report]).start();
      stopWorkers.push(() => worker.stop());
    };
    const released = () =>
      eventually(async () => {
        const stats = handler.stats();
        return stats.openStreams === 0 && stats.watchedJobs === 0 && stats.pendingTimers === 0 && stats;
      });

    it('streams snapshot, every status, progress, each log line, the result and end, to a page that subscribed before the worker started', async () => {
      makeHandler();
      const job = await enqueue({ steps: 4 });
      const reader = await subscribe(job);
      const [opening] = await reader.readUntil((events) => events.some((e) => e.event === 'snapshot'));
      expect(opening).toMatchObject({ retry: 2_000 });
      const snapshot = reader.events.find((e) => e.event === 'snapshot');
      expect(snapshot?.data).toMatchObject({ id: job.job.id, status: 'queued', logs: [] });

      startWorker();
      const events = await reader.readToEnd();
      const names = events.map((e) => e.event).filter((name) => name !== 'retry');
      expect(names[0]).toBe('snapshot');
      expect(names.slice(-2)).toEqual(['result', 'end']);
      expect(
        events.filter((e) => e.event === 'status').map((e) => (e.data as { status: string }).status),
      ).toEqual(['running']);
      expect(logsOf(events)).toEqual(['line 1', 'line 2', 'line 3', 'line 4']);
      expect(events.some((e) => e.event === 'progress')).toBe(true);
      expect(events.find((e) => e.event === 'result')?.data).toMatchObject({
        status: 'succeeded',
        result: { steps: 4 },
        progress: { fraction: 1 },
      });
      expect(events.find((e) => e.event === 'end')?.data).toEqual({ status: 'succeeded' });
      const seqs = events.filter((e) => e.id).map(seqOf);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
      await released();
    });

    it('reports a status that no poll saw, from the job history', async () => {
      // A poller that reads rarely: the job runs and succeeds between two reads.
      makeHandler({ poll: { runningIntervalMs: 50, waitingIntervalMs: 3_000, waitingMaxIntervalMs: 3_000 } });
      const job = await enqueue({ steps: 1, pauseMs: 0 });
      const reader = await subscribe(job);
      startWorker();
      const events = await reader.readToEnd();
      expect(events.map((e) => e.event).filter((n) => n !== 'retry')).toEqual([
        'snapshot',
        'status',
        'log',
        'result',
        'end',
      ]);
      expect(events.find((e) => e.event === 'status')?.data).toMatchObject({ status: 'running' });
    });

    it('resumes from Last-Event-ID without repeating a log line', async () => {
      makeHandler();
      const job = await enqueue({ steps: 6, pauseMs: 200 });
      const first = await subscribe(job);
      startWorker();
      await first.readUntil((events) => logsOf(events).length >= 2);
      await first.cancel();
      const lastId = first.events.filter((e) => e.id).at(-1)?.id as string;
      const second = await subscribe(job, { 'Last-Event-ID': lastId });
      const resumed = await second.readToEnd();
      expect(resumed.find((e) => e.event === 'snapshot')).toBeUndefined();
      expect(logsOf([...first.events, ...resumed])).toEqual([
        'line 1',
        'line 2',
        'line 3',
        'line 4',
        'line 5',
        'line 6',
      ]);
      const seqs = [...first.events, ...resumed].filter((e) => e.id).map(seqOf);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(resumed.map((e) => e.event).slice(-2)).toEqual(['result', 'end']);
      await released();
    });

    it('shares one poller among the subscribers of a job: store reads grow with jobs, not connections', async () => {
      // Pollers that never tick during the first part: every read is a first read.
      makeHandler({
        poll: { runningIntervalMs: 60_000, waitingIntervalMs: 60_000, waitingMaxIntervalMs: 60_000 },
      });
      const a = await enqueue({ steps: 1 });
      const b = await enqueue({ steps: 1 });
      s.t.backend.requests.reset();
      const readers = [await subscribe(a), await subscribe(a), await subscribe(a), await subscribe(b)];
      for (const reader of readers)
        await reader.readUntil((events) => events.some((e) => e.event === 'snapshot'));
      const gets = () => s.t.backend.requests.snapshot().dynamodb?.GetItem ?? 0;
      expect(gets()).toBe(2);
      expect(handler.stats()).toMatchObject({ openStreams: 4, watchedJobs: 2, subscribers: 4, pollReads: 2 });
      for (const reader of readers) await reader.cancel();
      await released();
    });

    it('reads each watched job once per poll however many pages watch it', async () => {
      makeHandler({ poll: { runningIntervalMs: 50, waitingIntervalMs: 50, waitingMaxIntervalMs: 50 } });
      const a = await enqueue({ steps: 1 });
      s.t.backend.requests.reset();
      const readers = await Promise.all([subscribe(a), subscribe(a), subscribe(a)]);
      await eventually(async () => handler.stats().pollReads >= 6);
      for (const reader of readers) await reader.cancel();
      await released();
      // Every GetItem was a poller's, and there was one poller.
      expect(s.t.backend.requests.snapshot().dynamodb?.GetItem).toBe(handler.stats().pollReads);
    });

    it('releases the poller and its timers when the page goes, by cancel or by abort', async () => {
      makeHandler({ heartbeatIntervalMs: 200 });
      const job = await enqueue({ steps: 1 });
      const byCancel = await subscribe(job);
      const controller = new AbortController();
      const byAbort = await subscribe(job, {}, controller.signal);
      await byCancel.readUntil(() => byCancel.comments.includes('ping'));
      expect(handler.stats()).toMatchObject({ openStreams: 2, watchedJobs: 1, subscribers: 2 });
      expect(handler.stats().pendingTimers).toBeGreaterThan(0);

      await byCancel.cancel();
      await eventually(async () => handler.stats().subscribers === 1);
      expect(handler.stats()).toMatchObject({ watchedJobs: 1, openStreams: 1 });
      controller.abort();
      const stats = await released();
      expect(stats).toMatchObject({ subscribers: 0, readsInFlight: 0 });
      void byAbort;
    });

    it('ends the stream at once for a job already final, and answers 404 for an unknown one', async () => {
      makeHandler();
      const job = await enqueue({ steps: 1, pauseMs: 0 });
      startWorker();
      await eventually(async () => (await s.longhaul.getJob(job.job.id)).status === 'succeeded');
      const reader = await subscribe(job);
      const events = await reader.readToEnd();
      expect(events.map((e) => e.event).filter((n) => n !== 'retry')).toEqual(['snapshot', 'result', 'end']);
      expect(events.find((e) => e.event === 'snapshot')?.data).toMatchObject({
        logs: [{ at: expect.any(String), level: 'info', message: 'line 1' }],
      });
      await released();

      const missing = await handler(
        new Request(`${origin}/lh/jobs/nope/events`, {
          headers: { Authorization: `Bearer ${createJobToken({ secret, jobId: 'nope' })}` },
        }),
      );
      expect(missing.status).toBe(404);
      expect(handler.stats()).toMatchObject({ watchedJobs: 0, pendingTimers: 0 });
    });
  },
);
