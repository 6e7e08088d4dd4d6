// `enqueue` of a job with a fresh id sends its message and writes its record at once. These cases replay
// what may then happen between the two, one delivery at a time: a worker gets the message before the
// record lands, the record cannot be written, the message cannot be sent after the record landed.
import {
  type Backend,
  EnqueueError,
  type JobRecord,
  type JobStore,
  Longhaul,
  type Transport,
} from 'longhaul';
import { describe, expect, it } from 'vitest';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { delegate } from '../support/delegate.js';
import { receiveOne, testRunner } from '../support/serve.js';

describe.each(contractBackends('contract/enqueue-races'))('enqueue races on the $name backend', (factory) => {
  const s = useContractBackend(factory);

  /** A client on the test's backend with some store or transport methods replaced. */
  function clientWith(overrides: { store?: Partial<JobStore>; transport?: Partial<Transport> }): Longhaul {
    const backend: Backend = {
      ...s.t.backend,
      store: delegate<JobStore>(s.t.backend.store, overrides.store ?? {}),
      transport: delegate<Transport>(s.t.backend.transport, overrides.transport ?? {}),
    };
    return new Longhaul({ backend });
  }

  const statuses = (job: JobRecord) => job.history.map((event) => `${event.status}:${event.attempt}`);

  it('keeps the claim of a worker that got the message before the record landed, and runs the job once', async () => {
    const runner = testRunner(s.t.backend, s.fixtures.all);
    const longhaul = clientWith({
      store: {
        create: async (job) => {
          // The record's write is slow: a worker receives the message, claims and runs the job first.
          const message = await receiveOne(s.t.backend, 30);
          expect(await runner.process(message)).toMatchObject({ kind: 'ack' });
          await s.t.backend.transport.delete([message]);
          return s.t.backend.store.create(job);
        },
      },
    });
    const handle = await longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 2 });
    expect(handle.created).toBe(true);
    expect(s.fixtures.runs.add).toBe(1);
    const job = await s.longhaul.getJob(handle.id);
    // The late put found the worker's record and left it as it was.
    expect(job).toMatchObject({ status: 'succeeded', attempts: 1, args: { a: 1, b: 2 }, result: { sum: 3 } });
    // The worker's record starts as the producer's would have: queued when the job was enqueued.
    expect(statuses(job)).toEqual(['queued:0', 'running:1', 'succeeded:1']);
    expect(job.history[0]?.at).toBe(job.enqueuedAt);
    expect(await s.t.backend.transport.depth()).toMatchObject({ available: 0, inFlight: 0 });
  });

  it('does not lose a job whose record could not be written: its worker creates the record', async () => {
    const longhaul = clientWith({
      store: {
        create: async () => {
          throw Object.assign(new Error('Throughput exceeds the current capacity'), {
            name: 'ProvisionedThroughputExceededException',
          });
        },
      },
    });
    const error = await longhaul.enqueue(s.fixtures.tasks.add, { a: 2, b: 3 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EnqueueError);
    const { context } = error as EnqueueError;
    expect(context).toMatchObject({ sent: true });
    const message = await receiveOne(s.t.backend, 30);
    expect(await testRunner(s.t.backend, s.fixtures.all).process(message)).toMatchObject({ kind: 'ack' });
    await s.t.backend.transport.delete([message]);
    expect(await s.longhaul.getJob(context.jobId as string)).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      result: { sum: 5 },
    });
  });

  it('leaves no queued record without a message when the send fails after the record landed', async () => {
    let written: Promise<void> | undefined;
    const longhaul = clientWith({
      store: {
        create: (job) => {
          written = s.t.backend.store.create(job);
          return written;
        },
      },
      transport: {
        send: async () => {
          // Fails once the record is written (when the two go together), or at once.
          await Promise.race([
            new Promise((resolve) => setTimeout(resolve, 500)),
            new Promise((resolve) => setImmediate(resolve)).then(() => written),
          ]);
          throw Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' });
        },
      },
    });
    const error = await longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EnqueueError);
    const { context } = error as EnqueueError;
    expect(context).toMatchObject({ sent: false });
    expect(await s.t.backend.store.get(context.jobId as string)).toBeUndefined();
    expect(await s.t.backend.transport.depth()).toMatchObject({ available: 0, inFlight: 0 });
  });
});
