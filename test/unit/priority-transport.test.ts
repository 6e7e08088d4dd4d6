import { ConfigError, encodeEnvelope, type Priority, PriorityTransport } from 'longhaul';
import { MemoryTransport } from 'longhaul/memory';
import { describe, expect, it } from 'vitest';

const receive = { maxMessages: 10, waitTimeSeconds: 0, visibilityTimeoutSeconds: 30 };
const body = (id: string, priority?: Priority) =>
  encodeEnvelope({ id, task: 't', args: null, enqueuedAt: 1, ...(priority ? { priority } : {}) });
const idOf = (message: { body: string }) => (JSON.parse(message.body) as { id: string }).id;

function setup(rolls: number[] = [0]) {
  const normal = new MemoryTransport();
  const queues = {
    high: new MemoryTransport({ deadLetterTo: normal }),
    normal,
    low: new MemoryTransport({ deadLetterTo: normal }),
  };
  let i = 0;
  const transport = new PriorityTransport({ queues, random: () => rolls[i++ % rolls.length] as number });
  return { queues, transport };
}

describe('PriorityTransport', () => {
  it("sends each message to its envelope's priority queue, normal when it names none", async () => {
    const { queues, transport } = setup();
    await transport.send([
      { body: body('h', 'high') },
      { body: body('n') },
      { body: body('l', 'low') },
      { body: 'junk' },
    ]);
    expect((await queues.high.depth()).available).toBe(1);
    expect((await queues.normal.depth()).available).toBe(2);
    expect((await queues.low.depth()).available).toBe(1);
    expect(await transport.depth()).toMatchObject({ available: 4, inFlight: 0, delayed: 0 });
  });

  it('fills a receive from the queue picked by weight first, then the others from high to low', async () => {
    // 0.95 of 10 lands in low's share (9–10 of weights 6/3/1); 0.65 in normal's.
    const { transport } = setup([0.95, 0.65]);
    await transport.send(
      [body('l1', 'low'), body('h1', 'high'), body('n1'), body('l2', 'low')].map((b) => ({ body: b })),
    );
    expect((await transport.receive({ ...receive, maxMessages: 3 })).map(idOf)).toEqual(['l1', 'l2', 'h1']);
    expect((await transport.receive(receive)).map(idOf)).toEqual(['n1']);
  });

  it('hands back, deletes and dead-letters a message on the queue it came from', async () => {
    const { queues, transport } = setup();
    await transport.send([{ body: body('h', 'high') }, { body: body('l', 'low') }]);
    const [high, low] = await transport.receive(receive);
    expect(await transport.changeVisibility(high as never, 0)).toBe(true);
    expect((await queues.high.depth()).available).toBe(1);
    await transport.delete([low as never]);
    expect(await queues.low.depth()).toMatchObject({ available: 0, inFlight: 0 });
    const [again] = await transport.receive(receive);
    await transport.deadLetter(again as never, { code: 'boom', message: 'no' });
    expect(await queues.high.depth()).toMatchObject({ available: 0, inFlight: 0 });
    expect(queues.normal.deadLetters().map((m) => idOf(m))).toEqual(['h']);
    expect((await transport.depth()).deadLettered).toBe(1);
    // Redrive goes back to the job's own priority queue.
    const [letter] = await transport.receiveDeadLetters(10, 0);
    await transport.redrive(letter as never);
    expect((await queues.high.depth()).available).toBe(1);
    expect(queues.normal.deadLetters()).toEqual([]);
  });

  it('acts on the queue a Lambda record names, whatever its body says', async () => {
    const normal = new MemoryTransport();
    const high = new MemoryTransport();
    const transport = new PriorityTransport({
      queues: { high, normal, low: new MemoryTransport() },
      queueNames: { high: 'jobs-high', normal: 'jobs' },
    });
    await high.send([{ body: body('raw') }]);
    const [message] = await high.receive(receive);
    transport.adopt(message as never, 'arn:aws:sqs:eu-west-1:123456789012:jobs-high');
    await transport.delete([message as never]);
    expect(await high.depth()).toMatchObject({ available: 0, inFlight: 0 });
  });

  it('reports the lowest delivery limit of its queues', async () => {
    const transport = new PriorityTransport({
      queues: {
        high: new MemoryTransport({ maxReceiveCount: 5 }),
        normal: new MemoryTransport({ maxReceiveCount: 3 }),
        low: new MemoryTransport({ maxReceiveCount: 9 }),
      },
    });
    expect(await transport.deliveryLimit()).toBe(3);
  });

  it('rejects bad weights and idle waits, naming each', () => {
    const queues = { high: new MemoryTransport(), normal: new MemoryTransport(), low: new MemoryTransport() };
    expect(() => new PriorityTransport({ queues, weights: { low: 0 }, idleWaitSeconds: 30 })).toThrow(
      /`weights.low` to be an integer from 1 to 1000, got `0`; `idleWaitSeconds` to be an integer from 0 to 20, got `30`/,
    );
    expect(() => new PriorityTransport({ queues: { ...queues, low: undefined as never } })).toThrow(
      ConfigError,
    );
  });
});
