import { ConfigError, defineTask, Longhaul } from 'longhaul';
import { createHttpHandler, type HttpHandlerOptions } from 'longhaul/http';
import { memoryBackend } from 'longhaul/memory';
import { describe, expect, it } from 'vitest';

const ping = defineTask({ name: 'ping', async run() {} });
const longhaul = new Longhaul({ backend: memoryBackend() });
const secret = 'unit-test-secret-of-at-least-32-bytes';

function problemsOf(options: Partial<HttpHandlerOptions>): string {
  try {
    createHttpHandler({ longhaul, tasks: [ping], secret, ...options } as HttpHandlerOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('createHttpHandler options', () => {
  it('are checked all at once, each message naming the field and the value given', () => {
    const message = problemsOf({
      secret: 'short',
      tasks: [],
      prefix: 'api',
      tokenTtlSeconds: 0,
      cors: { origins: ['https://app.example.com/path'] },
      poll: { waitingIntervalMs: 1_000, waitingMaxIntervalMs: 500 },
    });
    expect(message).toMatch(/`secret`.*at least 32 bytes, got 5 bytes/);
    expect(message).toMatch(/`tasks` to allow at least one task/);
    expect(message).toMatch(/`prefix`.*got "api"/);
    expect(message).toMatch(/`tokenTtlSeconds`.*from 1 up, got 0/);
    expect(message).toMatch(/`cors.origins`.*got "https:\/\/app.example.com\/path"/);
    expect(message).toMatch(
      /`poll.waitingMaxIntervalMs` \(500\) to be at least `poll.waitingIntervalMs` \(1000\)/,
    );
  });

  it('refuse a record whose key is not its task name, and anything that is not a task', () => {
    expect(problemsOf({ tasks: { pong: ping } })).toMatch(
      /`tasks.pong` to be the task named "pong", got the task "ping"/,
    );
    expect(problemsOf({ tasks: ['ping' as never] })).toMatch(
      /a task made by `defineTask`, got the string "ping"/,
    );
    expect(problemsOf({ tasks: [ping, ping] })).toMatch(/names the task "ping" twice/);
  });

  it('accept an array of tasks, a record of access rules and a trailing slash on the prefix', async () => {
    const handler = createHttpHandler({
      longhaul,
      prefix: '/api/',
      tasks: { ping: { task: ping, cancel: true, includeArgs: true } },
      secret: new Uint8Array(32),
      cors: { origins: ['*'] },
    });
    const response = await handler(
      new Request('http://localhost/api/jobs', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ task: 'ping' }),
      }),
    );
    expect(response.status).toBe(202);
    expect(handler.stats()).toEqual({
      openStreams: 0,
      watchedJobs: 0,
      subscribers: 0,
      pendingTimers: 0,
      readsInFlight: 0,
      pollReads: 0,
    });
  });
});
