import { defineTask, Longhaul, type QueueMessage, silentLogger, type Transport } from 'longhaul';
import { type MemoryBackend, memoryBackend } from 'longhaul/memory';
import { describe, expect, it } from 'vitest';
import { AttemptLease } from '../../src/runtime/attempt-lease.js';
import { AttemptState } from '../../src/runtime/attempt-state.js';
import { delegate } from '../support/delegate.js';

const long = defineTask({ name: 'long', run: () => 'done' });

async function receiveOne(backend: MemoryBackend, visibilityTimeoutSeconds = 30): Promise<QueueMessage> {
  const [message] = await backend.transport.receive({
    maxMessages: 1,
    waitTimeSeconds: 0,
    visibilityTimeoutSeconds,
  });
  if (!message) throw new Error('expected a message');
  return message;
}

/** A running job held by `lease`, which moves it at its first heartbeat (a ceiling of 0 s). */
async function running(wrap: (transport: Transport) => Transport = (t) => t) {
  const backend = memoryBackend();
  const longhaul = new Longhaul({ backend });
  const handle = await longhaul.enqueue(long);
  const message = await receiveOne(backend);
  const job = await longhaul.getJob(handle.id);
  const claimed = await backend.store.claim({
    envelope: { v: 1, id: job.id, task: job.task, args: null, enqueuedAt: job.enqueuedAt },
    maxAttempts: 1,
    workerId: 'owner',
    token: 'token-owner',
    now: Date.now(),
    leaseExpiresAt: Date.now() + 60_000,
  });
  expect(claimed.claimed).toBe(true);
  const lease = new AttemptLease(
    {
      store: backend.store,
      transport: wrap(backend.transport),
      logger: silentLogger,
      visibilityTimeoutSeconds: 30,
      leaseExpiry: (now) => now + 28_000,
      visibilityCeilingSeconds: 0,
    },
    job.id,
    { attempt: 1, workerId: 'owner', token: 'token-owner' },
    message,
    Date.now(),
  );
  return { backend, longhaul, id: job.id, message, lease, attempt: new AttemptState(0) };
}

const deliveryOf = (message: QueueMessage) => ({
  messageId: message.messageId,
  receipt: message.receipt,
  receiveCount: message.receiveCount,
  sentAt: message.sentAt,
  receivedAt: Date.now(),
});

describe('AttemptLease past the visibility ceiling', () => {
  it('marks the job, sends a copy, adopts the delivery left for it and deletes the old message', async () => {
    const { backend, longhaul, id, message, lease, attempt } = await running();

    const marked = await lease.heartbeat(attempt);
    expect((await longhaul.getJob(id)).handoff).toMatchObject({ requestedBy: 'token-owner' });
    expect(marked.handoff).toBeUndefined(); // the heartbeat's own write came first
    const copy = await receiveOne(backend);
    expect(copy.messageId).not.toBe(message.messageId);
    expect(copy.body).toBe(message.body);
    expect(await backend.store.registerHandoff(id, deliveryOf(copy))).toBe(true);

    await lease.heartbeat(attempt);
    expect(lease.message.receipt).toBe(copy.receipt);
    expect(lease.received.receipt).toBe(message.receipt);
    const job = await longhaul.getJob(id);
    expect(job.handoff).toBeUndefined();
    expect(job.logs.map((l) => l.message)).toEqual([
      expect.stringMatching(/^moved to a fresh queue message/),
    ]);
    // Only the copy is left, held by the owner; the received message is gone.
    expect(await backend.transport.depth()).toMatchObject({ available: 0, inFlight: 1 });
    expect(await backend.transport.changeVisibility(message, 30)).toBe(false);
    expect(await backend.transport.changeVisibility(copy, 30)).toBe(true);
  });

  it('drops a delivery whose visibility lapsed before it could be adopted, keeping the move open', async () => {
    const { backend, longhaul, id, message, lease, attempt } = await running();
    await lease.heartbeat(attempt);
    // Received with no visibility: it is visible again by the time the owner tries to adopt it.
    const lapsed = await receiveOne(backend, 0);
    await backend.store.registerHandoff(id, deliveryOf(lapsed));

    await lease.heartbeat(attempt);
    expect(lease.message.receipt).toBe(message.receipt);
    expect((await longhaul.getJob(id)).handoff).toEqual({
      requestedAt: expect.any(Number),
      requestedBy: 'token-owner',
    });
    // The next delivery registers and is adopted.
    const next = await receiveOne(backend);
    await backend.store.registerHandoff(id, deliveryOf(next));
    await lease.heartbeat(attempt);
    expect(lease.message.receipt).toBe(next.receipt);
  });

  it('ends the move when the copy could not be sent, so the next heartbeat tries again', async () => {
    let sends = 0;
    const { longhaul, id, lease, attempt } = await running((transport) =>
      delegate(transport, {
        send: async () => {
          sends++;
          throw new Error('SQS is unreachable');
        },
      }),
    );
    await expect(lease.heartbeat(attempt)).rejects.toThrow('SQS is unreachable');
    expect((await longhaul.getJob(id)).handoff).toBeUndefined();
    await expect(lease.heartbeat(attempt)).rejects.toThrow('SQS is unreachable');
    expect(sends).toBe(2);
  });
});

describe('AttemptLease.lockedUntil', () => {
  it('moves on with each renewal of the message, and not when the renewal fails', async () => {
    let held = true;
    const { lease, attempt } = await running((transport) =>
      delegate(transport, {
        changeVisibility: async (message: QueueMessage, seconds: number) =>
          held && transport.changeVisibility(message, seconds),
      }),
    );
    const receivedAt = lease.lockedUntil - 28_000;
    expect(receivedAt).toBeLessThanOrEqual(Date.now());

    await new Promise((resolve) => setTimeout(resolve, 5));
    await lease.heartbeat(attempt);
    const renewed = lease.lockedUntil;
    expect(renewed).toBeGreaterThan(receivedAt + 28_000);

    held = false;
    await expect(lease.heartbeat(attempt)).rejects.toMatchObject({ code: 'lock_lost' });
    expect(lease.lockedUntil).toBe(renewed);
  });
});
