import { ConfigError, type QueueMessage, type ReceiveRequest, RequestCounter } from 'longhaul';
import { MemoryTransport } from 'longhaul/memory';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

function request(overrides: Partial<ReceiveRequest> = {}): ReceiveRequest {
  return { maxMessages: 10, waitTimeSeconds: 0, visibilityTimeoutSeconds: 30, ...overrides };
}

async function receiveOne(transport: MemoryTransport, visibilityTimeoutSeconds = 30): Promise<QueueMessage> {
  const [message, ...rest] = await transport.receive(request({ maxMessages: 1, visibilityTimeoutSeconds }));
  if (!message || rest.length) throw new Error('expected exactly one message');
  return message;
}

async function bodies(transport: MemoryTransport, overrides: Partial<ReceiveRequest> = {}) {
  return (await transport.receive(request(overrides))).map((m) => m.body);
}

describe('MemoryTransport', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('send and receive', () => {
    it('delivers a sent message with its body, send time and a first receive count', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'hello' }]);

      const message = await receiveOne(transport);

      expect(message).toMatchObject({ body: 'hello', receiveCount: 1, sentAt: Date.now() });
      expect(message.messageId).toEqual(expect.any(String));
      expect(message.receipt).toEqual(expect.any(String));
    });

    it('delivers messages in the order they were sent', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'a' }, { body: 'b' }]);
      await transport.send([{ body: 'c' }]);

      expect(await bodies(transport)).toEqual(['a', 'b', 'c']);
    });

    it('never returns more than maxMessages', async () => {
      const transport = new MemoryTransport();
      await transport.send(Array.from({ length: 5 }, (_, i) => ({ body: `m${i}` })));

      expect(await bodies(transport, { maxMessages: 3 })).toEqual(['m0', 'm1', 'm2']);
      expect(await bodies(transport, { maxMessages: 3 })).toEqual(['m3', 'm4']);
    });

    it('returns an empty list from an empty queue without waiting when waitTimeSeconds is 0', async () => {
      expect(await new MemoryTransport().receive(request())).toEqual([]);
    });

    it('rejects a maxReceiveCount outside 1–1000', () => {
      expect(() => new MemoryTransport({ maxReceiveCount: 0 })).toThrow(ConfigError);
      expect(() => new MemoryTransport({ maxReceiveCount: 1001 })).toThrow(/`maxReceiveCount`.*got `1001`/);
    });
  });

  describe('visibility', () => {
    it('hides a received message until its visibility timeout lapses', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'job' }]);
      await receiveOne(transport, 30);

      vi.advanceTimersByTime(29_999);

      expect(await bodies(transport)).toEqual([]);
    });

    it('redelivers a lapsed message with receiveCount + 1 and a new receipt', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'job' }]);
      const first = await receiveOne(transport, 30);

      vi.advanceTimersByTime(30_000);
      const second = await receiveOne(transport, 30);

      expect(second).toMatchObject({ messageId: first.messageId, body: 'job', receiveCount: 2 });
      expect(second.receipt).not.toBe(first.receipt);
    });

    it('extends the visibility of a message still held', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'job' }]);
      const message = await receiveOne(transport, 10);

      expect(await transport.changeVisibility(message, 60)).toBe(true);
      vi.advanceTimersByTime(59_000);
      expect(await bodies(transport)).toEqual([]);
      vi.advanceTimersByTime(1_000);
      expect(await bodies(transport)).toEqual(['job']);
    });

    it('hands a message back at once with a visibility of 0', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'job' }]);
      const message = await receiveOne(transport, 60);

      expect(await transport.changeVisibility(message, 0)).toBe(true);

      expect(await receiveOne(transport)).toMatchObject({ body: 'job', receiveCount: 2 });
    });

    it('refuses to change the visibility for a receipt superseded by a later delivery', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'job' }]);
      const stale = await receiveOne(transport, 10);
      vi.advanceTimersByTime(10_000);
      await receiveOne(transport, 10);

      expect(await transport.changeVisibility(stale, 600)).toBe(false);
      vi.advanceTimersByTime(10_000);
      expect(await bodies(transport)).toEqual(['job']);
    });

    it('refuses to change the visibility of a message whose visibility lapsed', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'job' }]);
      const message = await receiveOne(transport, 10);
      vi.advanceTimersByTime(10_000);

      expect(await transport.changeVisibility(message, 60)).toBe(false);
    });

    it('refuses to change the visibility of a deleted message', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'job' }]);
      const message = await receiveOne(transport);
      await transport.delete([message]);

      expect(await transport.changeVisibility(message, 60)).toBe(false);
    });
  });

  describe('delete', () => {
    it('removes the messages of the given deliveries', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
      const [a, , c] = await transport.receive(request({ visibilityTimeoutSeconds: 5 }));
      await transport.delete([a, c].filter((m) => m !== undefined));

      vi.advanceTimersByTime(5_000);

      expect(await bodies(transport)).toEqual(['b']);
    });

    it('ignores a stale receipt, leaving the redelivered message in place', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'job' }]);
      const stale = await receiveOne(transport, 10);
      vi.advanceTimersByTime(10_000);
      const current = await receiveOne(transport, 10);

      await transport.delete([stale]);
      expect(await transport.depth()).toMatchObject({ inFlight: 1 });

      await transport.delete([current]);
      expect(await transport.depth()).toMatchObject({ available: 0, inFlight: 0 });
    });
  });

  describe('delaySeconds', () => {
    it('keeps a delayed message hidden until its delay is over', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'later', delaySeconds: 5 }, { body: 'now' }]);

      expect(await bodies(transport)).toEqual(['now']);
      vi.advanceTimersByTime(4_999);
      expect(await bodies(transport)).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(await bodies(transport)).toEqual(['later']);
    });
  });

  describe('dead-letter queue', () => {
    it('moves a message to the dead-letter queue on the receive after maxReceiveCount', async () => {
      const transport = new MemoryTransport({ maxReceiveCount: 2 });
      await transport.send([{ body: 'poison' }]);
      const first = await receiveOne(transport, 1);
      vi.advanceTimersByTime(1_000);
      await receiveOne(transport, 1);
      vi.advanceTimersByTime(1_000);

      expect(await bodies(transport)).toEqual([]);
      expect(transport.deadLetters()).toEqual([
        // Moved by the receive just now.
        { messageId: first.messageId, body: 'poison', receiveCount: 2, sentAt: Date.now() },
      ]);
      expect(await transport.depth()).toMatchObject({ available: 0, inFlight: 0, deadLettered: 1 });
    });

    it('still delivers a message on its maxReceiveCount-th receive', async () => {
      const transport = new MemoryTransport({ maxReceiveCount: 2 });
      await transport.send([{ body: 'job' }]);
      await receiveOne(transport, 1);
      vi.advanceTimersByTime(1_000);

      expect(await receiveOne(transport, 1)).toMatchObject({ receiveCount: 2 });
      expect(transport.deadLetters()).toEqual([]);
    });

    it('delivers the next message in place of one it redrives', async () => {
      const transport = new MemoryTransport({ maxReceiveCount: 1 });
      await transport.send([{ body: 'poison' }]);
      await receiveOne(transport, 1);
      await transport.send([{ body: 'fresh' }]);
      vi.advanceTimersByTime(1_000);

      expect(await bodies(transport, { maxMessages: 1 })).toEqual(['fresh']);
    });

    it('moves a message with its reason on deadLetter() and removes it from the queue', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'bad' }]);
      const message = await receiveOne(transport, 1);
      const reason = { code: 'invalid_args', message: 'b: expected number', jobId: 'job-1' };

      await transport.deadLetter(message, reason);
      vi.advanceTimersByTime(1_000);

      expect(transport.deadLetters()).toEqual([
        { messageId: message.messageId, body: 'bad', receiveCount: 1, reason, sentAt: Date.now() - 1_000 },
      ]);
      expect(await bodies(transport)).toEqual([]);
    });

    it('returns a copy of the dead letters', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'bad' }]);
      await transport.deadLetter(await receiveOne(transport), { code: 'x', message: 'y' });

      (transport.deadLetters() as unknown[]).length = 0;

      expect(transport.deadLetters()).toHaveLength(1);
    });
  });

  describe('depth', () => {
    it('counts available, in-flight, delayed and dead-lettered messages', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'in-flight' }]);
      await receiveOne(transport, 60);
      await transport.send([{ body: 'dead' }]);
      await transport.deadLetter(await receiveOne(transport), { code: 'x', message: 'y' });
      await transport.send([{ body: 'available' }, { body: 'delayed', delaySeconds: 30 }]);

      expect(await transport.depth()).toEqual({ available: 1, inFlight: 1, delayed: 1, deadLettered: 1 });
    });

    it('counts a sent message as available and a received one as in flight', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'a' }, { body: 'b' }, { body: 'c', delaySeconds: 10 }]);
      expect(await transport.depth()).toEqual({ available: 2, inFlight: 0, delayed: 1, deadLettered: 0 });

      await transport.receive(request({ maxMessages: 1 }));

      expect(await transport.depth()).toEqual({ available: 1, inFlight: 1, delayed: 1, deadLettered: 0 });
    });

    it('counts each message once, however it moved: handed back, deleted, its delay or its lock lapsed', async () => {
      const transport = new MemoryTransport();
      await transport.send(Array.from({ length: 5 }, (_, i) => ({ body: `m${i}` })));
      await transport.send([{ body: 'late', delaySeconds: 10 }]);
      const [first, second, third] = await transport.receive(request({ maxMessages: 3 }));
      await transport.changeVisibility(first as QueueMessage, 0);
      await transport.delete([second as QueueMessage]);
      void third;
      expect(await transport.depth()).toEqual({ available: 3, inFlight: 1, delayed: 1, deadLettered: 0 });

      vi.advanceTimersByTime(11_000);
      expect(await transport.depth()).toEqual({ available: 4, inFlight: 1, delayed: 0, deadLettered: 0 });

      vi.advanceTimersByTime(30_000);
      await transport.receive(request({ maxMessages: 2 }));
      expect(await transport.depth()).toEqual({ available: 3, inFlight: 2, delayed: 0, deadLettered: 0 });
    });

    it('counts a message released with a delay as in flight, as SQS does', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'a' }]);
      await transport.changeVisibility(await receiveOne(transport), 120);

      expect(await transport.depth()).toMatchObject({ available: 0, inFlight: 1, delayed: 0 });
    });
  });

  describe('draining a long queue', () => {
    it('lets the event loop turn while receives find messages, as requests to SQS do', async () => {
      vi.useRealTimers();
      const transport = new MemoryTransport();
      await transport.send(Array.from({ length: 200 }, (_, i) => ({ body: `m${i}` })));
      let turned = false;
      setImmediate(() => {
        turned = true;
      });

      let received = 0;
      while (received < 200) {
        const messages = await transport.receive(request({ maxMessages: 1 }));
        await transport.delete(messages);
        received += messages.length;
      }

      expect(turned).toBe(true);
    });

    it('takes each message once in a receive with a visibility timeout of 0', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'a' }, { body: 'b' }]);

      expect(await bodies(transport, { visibilityTimeoutSeconds: 0 })).toEqual(['a', 'b']);
      expect(await bodies(transport, { visibilityTimeoutSeconds: 0 })).toEqual(['a', 'b']);
    });

    it('redelivers lapsed messages after the ones already visible, and deletes from anywhere in the queue', async () => {
      const transport = new MemoryTransport();
      await transport.send(Array.from({ length: 5 }, (_, i) => ({ body: `m${i}` })));
      const [m0, m1] = await transport.receive(request({ maxMessages: 2, visibilityTimeoutSeconds: 1 }));
      await transport.delete([m1].filter((m) => m !== undefined));
      vi.advanceTimersByTime(1_000);

      const next = await transport.receive(request());

      expect(next.map((m) => m.body)).toEqual(['m2', 'm3', 'm4', 'm0']);
      expect(next.at(-1)).toMatchObject({ messageId: m0?.messageId, receiveCount: 2 });
    });
  });

  describe('long polling', () => {
    it('resolves as soon as a message is sent', async () => {
      const transport = new MemoryTransport();
      const waiting = transport.receive(request({ waitTimeSeconds: 20 }));

      await transport.send([{ body: 'arrived' }]);

      expect((await waiting).map((m) => m.body)).toEqual(['arrived']);
    });

    it('resolves when a delayed message becomes visible during the wait', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'soon', delaySeconds: 5 }]);
      const waiting = transport.receive(request({ waitTimeSeconds: 20 }));

      await vi.advanceTimersByTimeAsync(5_000);

      expect((await waiting).map((m) => m.body)).toEqual(['soon']);
    });

    it('resolves when a message is handed back with a visibility of 0', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'job' }]);
      const held = await receiveOne(transport, 600);
      const waiting = transport.receive(request({ waitTimeSeconds: 20 }));

      await transport.changeVisibility(held, 0);

      expect(await waiting).toEqual([expect.objectContaining({ body: 'job', receiveCount: 2 })]);
    });

    it('resolves with no messages once waitTimeSeconds elapse', async () => {
      const transport = new MemoryTransport();
      let settled: QueueMessage[] | undefined;
      const waiting = transport.receive(request({ waitTimeSeconds: 20 })).then((m) => {
        settled = m;
        return m;
      });

      await vi.advanceTimersByTimeAsync(19_999);
      expect(settled).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);

      expect(await waiting).toEqual([]);
    });

    it('resolves with no messages when aborted', async () => {
      const transport = new MemoryTransport();
      const controller = new AbortController();
      const waiting = transport.receive(request({ waitTimeSeconds: 20 }), controller.signal);

      controller.abort();

      expect(await waiting).toEqual([]);
    });

    it('resolves with no messages and takes none when the signal is already aborted', async () => {
      const transport = new MemoryTransport();
      await transport.send([{ body: 'job' }]);

      const received = await transport.receive(request({ waitTimeSeconds: 20 }), AbortSignal.abort());

      expect(received).toEqual([]);
      expect(await transport.depth()).toMatchObject({ available: 1, inFlight: 0 });
    });
  });

  describe('request counting', () => {
    function counted() {
      const counter = new RequestCounter();
      return { counter, transport: new MemoryTransport({ counter }) };
    }

    it('counts a single send as SendMessage and larger sends as one SendMessageBatch per 10', async () => {
      const { counter, transport } = counted();

      await transport.send([{ body: 'one' }]);
      await transport.send(Array.from({ length: 3 }, () => ({ body: 'x' })));
      await transport.send(Array.from({ length: 21 }, () => ({ body: 'x' })));

      expect(counter.snapshot()).toEqual({ sqs: { SendMessage: 1, SendMessageBatch: 4 } });
    });

    it('counts receive, visibility change and depth (queue and dead-letter queue) under their SQS names', async () => {
      const { counter, transport } = counted();
      await transport.send([{ body: 'x' }]);
      counter.reset();

      const message = await receiveOne(transport);
      await transport.changeVisibility(message, 10);
      await transport.depth();

      expect(counter.snapshot()).toEqual({
        sqs: { ReceiveMessage: 1, ChangeMessageVisibility: 1, GetQueueAttributes: 2 },
      });
    });

    it('counts one ReceiveMessage for a long poll however long it waits', async () => {
      const { counter, transport } = counted();

      const waiting = transport.receive(request({ waitTimeSeconds: 20 }));
      await vi.advanceTimersByTimeAsync(20_000);
      await waiting;

      expect(counter.snapshot()).toEqual({ sqs: { ReceiveMessage: 1 } });
    });

    it('counts a single delete as DeleteMessage and larger deletes as one DeleteMessageBatch per 10', async () => {
      const { counter, transport } = counted();
      await transport.send(Array.from({ length: 12 }, () => ({ body: 'x' })));
      const [first, ...rest] = [
        ...(await transport.receive(request())),
        ...(await transport.receive(request())),
      ];
      counter.reset();

      await transport.delete(first ? [first] : []);
      await transport.delete(rest);

      // The SQS adapter sends 11 deletes as two DeleteMessageBatch requests (10 + 1).
      expect(counter.snapshot()).toEqual({ sqs: { DeleteMessage: 1, DeleteMessageBatch: 2 } });
    });

    it('counts deadLetter as a send to the dead-letter queue plus a delete', async () => {
      const { counter, transport } = counted();
      await transport.send([{ body: 'x' }]);
      const message = await receiveOne(transport);
      counter.reset();

      await transport.deadLetter(message, { code: 'x', message: 'y' });

      expect(counter.snapshot()).toEqual({ sqs: { SendMessage: 1, DeleteMessage: 1 } });
    });
  });
});
