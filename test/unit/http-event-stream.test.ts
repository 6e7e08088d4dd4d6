import { defineTask, Longhaul } from 'longhaul';
import { createHttpHandler, type EnqueueResponse } from 'longhaul/http';
import { memoryBackend } from 'longhaul/memory';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatEvent, formatEventId, parseEventId } from '../../src/http/job-event-stream.js';
import { eventually, testWorker } from '../support/serve.js';
import { parseSse, SseReader } from '../support/sse.js';

describe('event ids', () => {
  it('carry the cursor (event number, log lines and history entries sent) and parse back', () => {
    const id = formatEventId({ seq: 12, logs: 3, history: 2 });
    expect(id).toBe('12.3.2');
    expect(parseEventId(id)).toEqual({ seq: 12, logs: 3, history: 2 });
  });

  it('refuse what the stream never sent, so a bad Last-Event-ID starts afresh', () => {
    for (const bad of [
      null,
      undefined,
      '',
      '12',
      '1.2',
      '1.2.3.4',
      'a.b.c',
      '-1.0.0',
      '1.2.3 ',
      '9999999999.0.0',
    ]) {
      expect(parseEventId(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('SSE frames', () => {
  it('are one JSON data line each, which a client parses back whatever the message holds', () => {
    const message = 'two\nlines and a \r carriage return, "quotes" and 😀';
    const frame = formatEvent('log', '1.1.0', { message });
    expect(frame.split('\n').filter((line) => line.startsWith('data: '))).toHaveLength(1);
    expect(parseSse(frame + formatEvent('end', '2.1.0', {})).events).toEqual([
      { event: 'log', id: '1.1.0', data: { message } },
      { event: 'end', id: '2.1.0', data: {} },
    ]);
  });
});

describe('a slow client', () => {
  it('gets coalesced progress but every log line and the final event, with nothing left behind', async () => {
    const chatty = defineTask({
      name: 'chatty',
      args: z.object({ steps: z.number().int() }),
      async run({ steps }, ctx) {
        for (let i = 1; i <= steps; i++) {
          if (i % 5 === 0) ctx.log(`line ${i / 5}`);
          ctx.progress(i / steps, `step ${i}`);
          await new Promise((resolve) => setTimeout(resolve, 15));
        }
        return 'done';
      },
    });
    const backend = memoryBackend();
    const longhaul = new Longhaul({ backend });
    const handler = createHttpHandler({
      longhaul,
      tasks: [chatty],
      secret: 'unit-test-secret-of-at-least-32-bytes',
      poll: { runningIntervalMs: 50, waitingIntervalMs: 50, waitingMaxIntervalMs: 50 },
    });
    const enqueued = await handler(
      new Request('http://localhost/jobs', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ task: 'chatty', args: { steps: 40 } }),
      }),
    );
    const { job, token } = (await enqueued.json()) as EnqueueResponse;
    const reader = new SseReader(
      await handler(
        new Request(`http://localhost/jobs/${job.id}/events`, {
          headers: { Authorization: `Bearer ${token}` },
        }),
      ),
    );
    await reader.readUntil((events) => events.some((e) => e.event === 'snapshot'));

    // The client stops reading while the job runs to its end; the poller goes on and finishes.
    const worker = testWorker(backend, [chatty]).start();
    try {
      await eventually(async () => (await longhaul.getJob(job.id)).status === 'succeeded');
      await eventually(async () => handler.stats().watchedJobs === 0);
    } finally {
      await worker.stop();
    }
    expect(handler.stats().pollReads).toBeGreaterThan(5);

    const events = await reader.readToEnd();
    const progress = events.filter((e) => e.event === 'progress');
    expect(progress.length).toBeLessThan(5); // 40 reports, most of them never read by anyone
    expect(
      events.filter((e) => e.event === 'log').map((e) => (e.data as { message: string }).message),
    ).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6', 'line 7', 'line 8']);
    expect(events.map((e) => e.event).slice(-2)).toEqual(['result', 'end']);
    expect(handler.stats()).toMatchObject({ openStreams: 0, watchedJobs: 0, pendingTimers: 0 });
  });
});

describe('handler.close()', () => {
  it('ends every open stream and leaves no poller or timer behind', async () => {
    const ping = defineTask({ name: 'ping', async run() {} });
    const handler = createHttpHandler({
      longhaul: new Longhaul({ backend: memoryBackend() }),
      tasks: [ping],
      secret: 'unit-test-secret-of-at-least-32-bytes',
    });
    const readers: SseReader[] = [];
    for (let i = 0; i < 3; i++) {
      const enqueued = await handler(
        new Request('http://localhost/jobs', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ task: 'ping' }),
        }),
      );
      const { job, token } = (await enqueued.json()) as EnqueueResponse;
      const reader = new SseReader(
        await handler(
          new Request(`http://localhost/jobs/${job.id}/events`, {
            headers: { Authorization: `Bearer ${token}` },
          }),
        ),
      );
      await reader.readUntil((events) => events.some((e) => e.event === 'snapshot'));
      readers.push(reader);
    }
    expect(handler.stats()).toMatchObject({ openStreams: 3, watchedJobs: 3 });
    handler.close();
    for (const reader of readers) {
      await reader.readToEnd();
      expect(reader.done).toBe(true);
    }
    expect(handler.stats()).toMatchObject({
      openStreams: 0,
      watchedJobs: 0,
      subscribers: 0,
      pendingTimers: 0,
    });
  });
});
