import { Longhaul } from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/logger.js';
import { isLostConnection, maxReceiveRetryMs, ReceiveOutage } from '../../src/runtime/receive-outage.js';
import { createWorker } from '../../src/runtime/worker.js';
import { makeTasks } from '../support/tasks.js';

function recordingLogger(): Logger & { lines: { level: string; message: string; fields?: unknown }[] } {
  const lines: { level: string; message: string; fields?: unknown }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

const socketHangUp = Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });

describe('ReceiveOutage', () => {
  it('pauses 250 ms, then 500 ms, then never more than a second between failed receives', () => {
    const outage = new ReceiveOutage(recordingLogger());
    const delays = Array.from({ length: 12 }, () => outage.failed(socketHangUp));
    expect(delays.slice(0, 3)).toEqual([250, 500, 1_000]);
    expect(Math.max(...delays)).toBe(maxReceiveRetryMs);
    expect(maxReceiveRetryMs).toBeLessThanOrEqual(1_000);
    outage.succeeded();
    expect(outage.failed(socketHangUp)).toBe(250);
  });

  it('logs a dropped connection as a lost connection, once as it starts and once as it ends', () => {
    const logger = recordingLogger();
    const outage = new ReceiveOutage(logger);
    for (let i = 0; i < 10; i++) outage.failed(socketHangUp, 1_000 + i * 1_000);
    outage.succeeded(20_000);
    expect(logger.lines.map(({ level, message }) => `${level}: ${message}`)).toEqual([
      'error: lost the connection to the queue; retrying every second',
      'warn: receiving from the queue again',
    ]);
    expect(logger.lines[1]?.fields).toEqual({ failures: 10, outageMs: 19_000 });
  });

  it('tells a lost connection from an answer of the queue', () => {
    expect(isLostConnection(socketHangUp)).toBe(true);
    expect(isLostConnection(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), {}))).toBe(true);
    expect(isLostConnection(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))).toBe(
      false,
    );
    expect(isLostConnection(undefined)).toBe(false);
  });
});

describe('the worker during a queue outage', () => {
  it('keeps receiving through failed receives and runs the job once the queue answers', async () => {
    const backend = memoryBackend();
    const { tasks } = makeTasks();
    const longhaul = new Longhaul({ backend });
    const job = await longhaul.enqueue(tasks.add, { a: 2, b: 3 });
    const receive = backend.transport.receive.bind(backend.transport);
    let failuresLeft = 3;
    backend.transport.receive = async (...args) => {
      if (failuresLeft-- > 0) throw socketHangUp;
      return receive(...args);
    };
    const logger = recordingLogger();
    const worker = createWorker({ backend, tasks: Object.values(tasks), logger, waitTimeSeconds: 0 });
    const running = worker.run();
    try {
      expect(await longhaul.waitForResult(job, { timeoutMs: 10_000 })).toEqual({ sum: 5 });
    } finally {
      await worker.stop();
      await running;
    }
    expect(logger.lines.map(({ message }) => message)).toEqual(
      expect.arrayContaining([
        'lost the connection to the queue; retrying every second',
        'receiving from the queue again',
      ]),
    );
  });
});
