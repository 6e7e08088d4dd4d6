import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createWorker, defineTask, Longhaul, type QueueMessage, silentLogger } from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { describe, expect, it } from 'vitest';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('Worker memory', () => {
  it('keeps no reference to the messages of jobs it has finished', async () => {
    const backend = memoryBackend();
    const received: WeakRef<QueueMessage>[] = [];
    const receive = backend.transport.receive.bind(backend.transport);
    backend.transport.receive = async (request, signal) => {
      const messages = await receive(request, signal);
      for (const message of messages) received.push(new WeakRef(message));
      return messages;
    };
    const noop = defineTask({ name: 'noop', run: async () => undefined });
    const jobs = 60;
    await new Longhaul({ backend }).enqueueMany(
      noop,
      Array.from({ length: jobs }, () => undefined),
    );
    const worker = createWorker({
      backend,
      tasks: [noop],
      concurrency: 2,
      waitTimeSeconds: 1,
      logger: silentLogger,
      metrics: false,
    });
    worker.start();
    try {
      while (worker.stats.deleted < jobs) await new Promise((resolve) => setTimeout(resolve, 10));
      // WeakRefs hold their targets until the end of the task that read them: collect in a later one.
      await new Promise((resolve) => setTimeout(resolve, 0));
      gc();
      const alive = received.filter((ref) => ref.deref() !== undefined).length;
      expect(received).toHaveLength(jobs);
      // At most the last receive's batch may still be in the loop's hands.
      expect(alive).toBeLessThanOrEqual(10);
    } finally {
      await worker.stop();
    }
  });
});
