import {
  ConfigError,
  defineTask,
  jsonLogger,
  silentLogger,
  type WorkerOptions,
  workerDefaults,
} from 'longhaul';
import { memoryBackend } from 'longhaul/memory';
import { describe, expect, it } from 'vitest';
import { resolveWorkerOptions } from '../../src/runtime/worker-options.js';

const ping = defineTask({ name: 'ping', run: () => 'pong' });

function options(overrides: Partial<WorkerOptions> = {}): WorkerOptions {
  return { backend: memoryBackend(), tasks: [ping], ...overrides };
}

function problem(overrides: Partial<WorkerOptions>): ConfigError {
  try {
    resolveWorkerOptions(options(overrides));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveWorkerOptions', () => {
  it('applies the documented defaults', () => {
    const resolved = resolveWorkerOptions(options());

    expect(resolved).toMatchObject({
      concurrency: 4,
      visibilityTimeoutSeconds: 60,
      heartbeatIntervalSeconds: 20,
      waitTimeSeconds: 20,
      shutdownGraceMs: 30_000,
      progressIntervalMs: 1_000,
      deleteBatchWindowMs: 1_000,
      receiveAheadMs: 1_000,
      visibilityCeilingSeconds: 39_600,
    });
    expect(resolved).toMatchObject(workerDefaults);
    expect(resolved.logger).toBe(jsonLogger);
  });

  it('keeps the visibility ceiling and one visibility timeout within SQS’s 12 hours', () => {
    expect(problem({ visibilityCeilingSeconds: 43_200 }).message).toContain(
      '`visibilityCeilingSeconds` to be an integer from 1 to 43140, got `43200`',
    );
    expect(resolveWorkerOptions(options({ visibilityCeilingSeconds: 43_140 })).visibilityCeilingSeconds).toBe(
      43_140,
    );
  });

  it('makes up a worker id from the host, the process id and a random suffix', () => {
    const first = resolveWorkerOptions(options()).workerId;
    const second = resolveWorkerOptions(options()).workerId;

    expect(first).toMatch(new RegExp(`-${process.pid}-[0-9a-f]{8}$`));
    expect(second).not.toBe(first);
  });

  it('keeps the values it is given', () => {
    const resolved = resolveWorkerOptions(
      options({ concurrency: 9, workerId: 'me', logger: silentLogger, waitTimeSeconds: 0 }),
    );

    expect(resolved).toMatchObject({
      concurrency: 9,
      workerId: 'me',
      logger: silentLogger,
      waitTimeSeconds: 0,
    });
  });

  it('treats a field set to undefined as not set', () => {
    const resolved = resolveWorkerOptions({
      ...options(),
      concurrency: undefined,
    } as unknown as WorkerOptions);

    expect(resolved.concurrency).toBe(4);
  });

  it.each<[keyof typeof workerDefaults, number, string]>([
    ['concurrency', 0, 'from 1 to 1000'],
    ['concurrency', 1001, 'from 1 to 1000'],
    ['concurrency', 2.5, 'from 1 to 1000'],
    ['visibilityTimeoutSeconds', 43_201, 'from 1 to 43200'],
    ['heartbeatIntervalSeconds', 0, 'from 1 to 43200'],
    ['waitTimeSeconds', 21, 'from 0 to 20'],
    ['waitTimeSeconds', -1, 'from 0 to 20'],
    ['shutdownGraceMs', 900_001, 'from 0 to 900000'],
    ['progressIntervalMs', 3_600_001, 'from 0 to 3600000'],
    ['deleteBatchWindowMs', 10_001, 'from 0 to 10000'],
    ['deleteBatchWindowMs', Number.NaN, 'from 0 to 10000'],
    ['receiveAheadMs', -1, 'from 0 to 60000'],
  ])('rejects %s = %s, naming the field, its limits and the value', (field, value, limits) => {
    const error = problem({ [field]: value });

    expect(error.code).toBe('invalid_config');
    expect(error.message).toContain(`\`${field}\` to be an integer ${limits}, got \`${value}\``);
  });

  it('requires the heartbeat to be at most half the visibility timeout', () => {
    const error = problem({ visibilityTimeoutSeconds: 30, heartbeatIntervalSeconds: 16 });

    expect(error.message).toContain(
      '`heartbeatIntervalSeconds` to be at most half of `visibilityTimeoutSeconds` (30)',
    );
    expect(error.message).toContain('got `16`');
  });

  it('accepts a heartbeat of exactly half the visibility timeout', () => {
    expect(
      resolveWorkerOptions(options({ visibilityTimeoutSeconds: 30, heartbeatIntervalSeconds: 15 }))
        .heartbeatIntervalSeconds,
    ).toBe(15);
  });

  it('checks the default heartbeat against a visibility timeout that is set', () => {
    expect(problem({ visibilityTimeoutSeconds: 30 }).message).toContain('got `20`');
  });

  it('requires at least one task', () => {
    expect(problem({ tasks: [] }).message).toContain('`tasks` to hold at least one task');
  });

  it('requires a backend', () => {
    const error = problem({ backend: undefined } as unknown as Partial<WorkerOptions>);

    expect(error.message).toContain('`backend` to be a backend');
  });

  it.each(['', 'x'.repeat(129)])('rejects the worker id %j', (workerId) => {
    expect(problem({ workerId }).message).toContain(`\`workerId\` to be 1–128 characters, got "${workerId}"`);
  });

  it('reports several problems in one error', () => {
    const error = problem({ concurrency: 0, waitTimeSeconds: 30, workerId: '', tasks: [] });

    expect(error.message).toMatch(/^Invalid worker options: expected /);
    expect(error.message).toContain('`concurrency`');
    expect(error.message).toContain('`waitTimeSeconds`');
    expect(error.message).toContain('`workerId`');
    expect(error.message).toContain('`tasks`');
    expect(error.message.split('; ')).toHaveLength(4);
  });
});
