import { type Backend, defineTask, EnqueueError, type JobStore, Longhaul, type Transport } from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { createTestQueue } from 'longhaul/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { delegate } from '../support/delegate.js';
import { failUnstarted } from '../support/job-records.js';

const echo = defineTask({ name: 'echo', args: z.object({ n: z.number() }), run: ({ n }) => n });

/** A backend whose store or transport misbehaves in one method, the rest being the memory backend. */
function withOverrides(overrides: { store?: Partial<JobStore>; transport?: Partial<Transport> }): Backend {
  const base = memoryBackend();
  return {
    requests: base.requests,
    store: delegate<JobStore>(base.store, overrides.store ?? {}),
    transport: delegate<Transport>(base.transport, overrides.transport ?? {}),
  };
}

describe('Longhaul.enqueue', () => {
  it('writes the record of a job with a fresh id while its message is sent, not one round trip later', async () => {
    const base = memoryBackend();
    let sendUnderWay = false;
    let writtenDuringSend = false;
    const backend: Backend = {
      requests: base.requests,
      store: delegate<JobStore>(base.store, {
        create: async (...args) => {
          writtenDuringSend = sendUnderWay;
          return base.store.create(...args);
        },
      }),
      transport: delegate<Transport>(base.transport, {
        send: async (...args) => {
          sendUnderWay = true;
          await new Promise((resolve) => setTimeout(resolve, 20));
          await base.transport.send(...args);
          sendUnderWay = false;
        },
      }),
    };
    const handle = await new Longhaul({ backend }).enqueue(echo, { n: 1 });
    expect(writtenDuringSend).toBe(true);
    expect(handle.created).toBe(true);
    expect(await base.store.get(handle.id)).toMatchObject({ status: 'queued', args: { n: 1 } });
    expect(await base.transport.depth()).toMatchObject({ available: 1 });
  });

  it.each([
    ['a jobId', { jobId: 'mine' }],
    ['a unique key', { key: 'k' }],
  ] as const)(
    'sends the message of a job with %s before writing its record, so a crash in between cannot strand a queued job another enqueue would find',
    async (_, options) => {
      const order: string[] = [];
      const base = memoryBackend();
      const backend: Backend = {
        requests: base.requests,
        store: delegate<JobStore>(base.store, {
          create: async (...args) => {
            order.push('create');
            return base.store.create(...args);
          },
        }),
        transport: delegate<Transport>(base.transport, {
          send: async (...args) => {
            order.push('send');
            return base.transport.send(...args);
          },
        }),
      };
      await new Longhaul({ backend }).enqueue(echo, { n: 1 }, options);
      expect(order).toEqual(['send', 'create']);
    },
  );

  it('creates no job and throws EnqueueError when the message cannot be sent', async () => {
    const backend = withOverrides({
      transport: {
        send: async () => {
          throw Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' });
        },
      },
    });
    const longhaul = new Longhaul({ backend });
    const attempt = longhaul.enqueue(echo, { n: 1 }, { jobId: 'never-sent' });
    await expect(attempt).rejects.toBeInstanceOf(EnqueueError);
    await expect(attempt).rejects.toMatchObject({
      code: 'enqueue_failed',
      context: { jobId: 'never-sent', sent: false },
    });
    expect(await backend.store.get('never-sent')).toBeUndefined();
  });

  it('reports a job as created when a worker claimed its message before the producer wrote it', async () => {
    const queue = createTestQueue({ tasks: [echo] });
    let finishFirst: Promise<unknown> = Promise.resolve();
    const backend: Backend = {
      ...queue.backend,
      store: delegate<JobStore>(queue.backend.store, {
        create: async (...args) => {
          // Let the worker receive, claim (creating the record from the message) and finish the job first.
          finishFirst = queue.drain();
          await finishFirst;
          return queue.backend.store.create(...args);
        },
      }),
    };
    const handle = await new Longhaul({ backend }).enqueue(echo, { n: 7 });
    expect(handle.created).toBe(true);
    expect(await queue.longhaul.getJob(handle.id)).toMatchObject({
      status: 'succeeded',
      result: 7,
      args: { n: 7 },
    });
  });

  it('returns the existing job for a known jobId without sending another message', async () => {
    const backend = memoryBackend();
    const longhaul = new Longhaul({ backend });
    await longhaul.enqueue(echo, { n: 1 }, { jobId: 'once' });
    backend.requests.reset();
    expect(await longhaul.enqueue(echo, { n: 1 }, { jobId: 'once' })).toMatchObject({
      id: 'once',
      created: false,
    });
    expect(backend.requests.snapshot().sqs).toBeUndefined();
  });
});

describe('Longhaul.enqueueMany', () => {
  /** A transport whose sends wait until `release`, counting how many are under way at once. */
  function heldSends(base: Backend) {
    let underWay = 0;
    let most = 0;
    const waiting: (() => void)[] = [];
    const transport = delegate<Transport>(base.transport, {
      send: async (...args) => {
        underWay++;
        most = Math.max(most, underWay);
        await new Promise<void>((resolve) => waiting.push(resolve));
        underWay--;
        return base.transport.send(...args);
      },
    });
    return {
      transport,
      most: () => most,
      /** Lets every send waiting so far go on. */
      release: () => {
        for (const go of waiting.splice(0)) go();
      },
    };
  }

  it.each(['full', 'lean'] as const)(
    'has several message batches under way at once (%s tracking), not one round trip after the other',
    async (tracking) => {
      const base = memoryBackend();
      const held = heldSends(base);
      const longhaul = new Longhaul({ backend: { ...base, transport: held.transport }, tracking });
      const enqueued = longhaul.enqueueMany(
        echo,
        Array.from({ length: 100 }, (_, n) => ({ n })),
      );
      let done = false;
      void enqueued.finally(() => {
        done = true;
      });
      while (!done) {
        await new Promise((resolve) => setImmediate(resolve));
        held.release();
      }
      const handles = await enqueued;
      expect(held.most()).toBeGreaterThan(1);
      expect((await base.transport.depth()).available).toBe(100);
      if (tracking === 'full') {
        const records = await Promise.all(handles.map((h) => base.store.get(h.id)));
        expect(records.every((record) => record?.status === 'queued')).toBe(true);
      }
    },
  );

  it('writes the records of the jobs sent and of no other when a batch cannot be sent, and names the jobs sent', async () => {
    const base = memoryBackend();
    const sentIds: string[] = [];
    let sends = 0;
    const backend: Backend = {
      ...base,
      transport: delegate<Transport>(base.transport, {
        send: async (messages) => {
          // The third batch fails; the others (some started after it) go.
          if (++sends === 3) throw new Error('Service unavailable');
          await base.transport.send(messages);
          for (const message of messages) sentIds.push((JSON.parse(message.body) as { id: string }).id);
        },
      }),
    };
    const jobIds: string[] = [];
    const store = delegate<JobStore>(base.store, {
      putNew: async (jobs, signal) => {
        jobIds.push(...jobs.map((job) => job.id));
        return base.store.putNew(jobs, signal);
      },
    });
    const longhaul = new Longhaul({ backend: { ...backend, store } });
    const error = await longhaul
      .enqueueMany(
        echo,
        Array.from({ length: 60 }, (_, n) => ({ n })),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(EnqueueError);
    const { context } = error as EnqueueError;
    expect(context).toMatchObject({ sent: false });
    expect([...(context.enqueued as string[])].sort()).toEqual([...sentIds].sort());
    expect(sentIds.length).toBeGreaterThan(0);
    expect(sentIds).not.toContain(context.jobId);
    // A record for each job sent, and none for the batch that failed.
    expect([...jobIds].sort()).toEqual([...sentIds].sort());
    expect(await base.store.get(context.jobId as string)).toBeUndefined();
    expect((await base.transport.depth()).available).toBe(sentIds.length);
  });
});

describe('Longhaul.retry', () => {
  it('re-sends the message of a job still queued, in case its message was lost, without changing it', async () => {
    const backend = memoryBackend();
    const longhaul = new Longhaul({ backend });
    const handle = await longhaul.enqueue(echo, { n: 2 });
    const before = await longhaul.getJob(handle.id);
    const after = await longhaul.retry(handle.id);
    expect(after).toEqual(before);
    expect(await backend.transport.depth()).toMatchObject({ available: 2 });
  });
});

describe('the envelope says when it describes the producer’s record whole (plainRecord)', () => {
  /** The memory backend, keeping the body of every message sent. */
  function recordingBodies() {
    const base = memoryBackend({ priorities: true });
    const bodies: Record<string, unknown>[] = [];
    const backend: Backend = {
      ...base,
      transport: delegate<Transport>(base.transport, {
        send: async (messages) => {
          for (const message of messages) bodies.push(JSON.parse(message.body) as Record<string, unknown>);
          return base.transport.send(messages);
        },
      }),
    };
    return { base, backend, bodies };
  }

  it('marks a full-tracking job whose record holds only what the envelope carries, one by one or in a batch', async () => {
    const { backend, bodies } = recordingBodies();
    const longhaul = new Longhaul({ backend });
    await longhaul.enqueue(echo, { n: 1 });
    await longhaul.enqueue(echo, { n: 2 }, { jobId: 'named', priority: 'high' });
    await longhaul.enqueueMany(echo, [{ n: 3 }]);
    expect(bodies.map((body) => [body.plainRecord, body.pendingRecord])).toEqual([
      [true, undefined],
      [true, undefined],
      [true, true],
    ]);
  });

  it('does not mark a job with a unique key, a delay, lean tracking, or a requeue’s history', async () => {
    const { base, backend, bodies } = recordingBodies();
    const longhaul = new Longhaul({ backend });
    await longhaul.enqueue(echo, { n: 1 }, { key: 'k' });
    await longhaul.enqueue(echo, { n: 2 }, { delaySeconds: 5 });
    await new Longhaul({ backend, tracking: 'lean' }).enqueue(echo, { n: 3 });
    const failed = await longhaul.enqueue(echo, { n: 4 });
    expect(await failUnstarted(base.store, failed.id, 'echo')).toBe(true);
    bodies.length = 0;
    await longhaul.retry(failed.id);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).not.toHaveProperty('plainRecord');
  });

  it('marks the message a retry sends again for a job still queued as it was enqueued', async () => {
    const { backend, bodies } = recordingBodies();
    const longhaul = new Longhaul({ backend });
    const handle = await longhaul.enqueue(echo, { n: 1 });
    await longhaul.retry(handle.id);
    expect(bodies.map((body) => body.plainRecord)).toEqual([true, true]);
  });
});
