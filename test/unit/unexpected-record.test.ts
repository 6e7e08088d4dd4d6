import { defineTask, type JobRecord, Longhaul, type QueueMessage } from 'longhaul';
import { type MemoryBackend, memoryBackend } from 'longhaul/memory';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Logger } from '../../src/core/logger.js';
import { unexpectedRecordMaxDeliveries } from '../../src/runtime/claim-job.js';
import { delegate } from '../support/delegate.js';
import { testRunner } from '../support/serve.js';

// A record in a state the runner does not know (seen when an emulator stored a partial write) cannot be
// produced through the store's own API: the store here answers every claim with such a record.

function recordingLogger(): Logger & { lines: { level: string; message: string; fields?: unknown }[] } {
  const lines: { level: string; message: string; fields?: unknown }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

async function receiveOne(backend: MemoryBackend): Promise<QueueMessage> {
  const [message] = await backend.transport.receive({
    maxMessages: 1,
    waitTimeSeconds: 0,
    visibilityTimeoutSeconds: 30,
  });
  if (!message) throw new Error('expected a message');
  return message;
}

function setup(deliveryLimit?: number) {
  const ran: unknown[] = [];
  const task = defineTask({
    name: 'work',
    args: z.object({ secret: z.string() }),
    run: (args) => ran.push(args),
  });
  const backend = memoryBackend();
  const logger = recordingLogger();
  const store = delegate(backend.store, {
    async claim(request) {
      const job = (await backend.store.get(request.envelope.id)) as JobRecord;
      return { claimed: false, job: { ...job, status: 'bogus' as JobRecord['status'] } };
    },
  });
  const runner = testRunner(backend, [task], {
    store,
    logger,
    ...(deliveryLimit !== undefined ? { deliveryLimit } : {}),
  });
  return { task, backend, logger, runner, ran, longhaul: new Longhaul({ backend }) };
}

describe('JobRunner with a record in an unknown state', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('logs each delivery at error level and dead-letters it as unexpected_record at the bound', async () => {
    const { task, backend, logger, runner, ran, longhaul } = setup();
    const handle = await longhaul.enqueue(task, { secret: 'hunter2' });

    for (let delivery = 1; delivery < unexpectedRecordMaxDeliveries; delivery++) {
      const message = await receiveOne(backend);
      expect(message.receiveCount).toBe(delivery);
      const disposition = await runner.process(message);
      expect(disposition).toMatchObject({ kind: 'release' });
      vi.advanceTimersByTime(15 * 60_000);
    }
    const last = await receiveOne(backend);
    const disposition = await runner.process(last);

    expect(disposition).toEqual({
      kind: 'deadLettered',
      reason: {
        code: 'unexpected_record',
        message: expect.stringContaining('"bogus"'),
        jobId: handle.id,
      },
    });
    expect(backend.transport.deadLetters()).toEqual([
      expect.objectContaining({ reason: expect.objectContaining({ code: 'unexpected_record' }) }),
    ]);
    expect(ran).toEqual([]);
    const errors = logger.lines.filter((line) => line.level === 'error');
    expect(errors).toHaveLength(unexpectedRecordMaxDeliveries);
    for (const [index, line] of errors.entries()) {
      expect(line.message).toMatch(/unexpected state/);
      expect(line.fields).toEqual({
        jobId: handle.id,
        messageId: last.messageId,
        receiveCount: index + 1,
        status: 'bogus',
        attempts: 0,
        maxDeliveries: unexpectedRecordMaxDeliveries,
      });
    }
    expect(JSON.stringify(logger.lines)).not.toContain('hunter2');
  });

  it('dead-letters it sooner when the queue would dead-letter it first', async () => {
    const { task, backend, runner, longhaul } = setup(2);
    await longhaul.enqueue(task, { secret: 'x' });

    expect(await runner.process(await receiveOne(backend))).toMatchObject({ kind: 'release' });
    vi.advanceTimersByTime(15 * 60_000);
    expect(await runner.process(await receiveOne(backend))).toMatchObject({
      kind: 'deadLettered',
      reason: { code: 'unexpected_record' },
    });
  });
});
