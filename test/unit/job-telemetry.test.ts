import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { type JobRecord, JobStatus } from '../../src/core/job.js';
import type { Logger } from '../../src/core/logger.js';
import { activeTraceId } from '../../src/runtime/active-trace-id.js';
import { JobMetrics } from '../../src/runtime/emf-metrics.js';
import { JobTelemetry } from '../../src/runtime/job-telemetry.js';
import { metricsFromEnv, resolveMetrics } from '../../src/runtime/metrics-options.js';
import { workerOptionsFromEnv } from '../../src/runtime/worker-env.js';
import { parseEmf, totalsOf } from '../support/emf.js';

function job(overrides: Partial<JobRecord>): JobRecord {
  return {
    id: 'job-1',
    task: 'reports.generate',
    status: JobStatus.running,
    args: { secret: 'x' },
    attempts: 1,
    maxAttempts: 3,
    enqueuedAt: 1_000,
    logs: [],
    history: [
      { at: 1_000, status: JobStatus.queued, attempt: 0 },
      { at: 1_500, status: JobStatus.running, attempt: 1 },
    ],
    ...overrides,
  };
}

function recording() {
  const lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      void lines.push({ level, message, fields });
  const logger: Logger = { info: at('info'), warn: at('warn'), error: at('error') };
  const emf: string[] = [];
  const telemetry = new JobTelemetry(logger, new JobMetrics({ sink: (l) => emf.push(l) }), 'jobs');
  return { lines, emf, telemetry };
}

describe('JobTelemetry', () => {
  it('times an attempt from its own start, and counts a timeout that ends in a retry', () => {
    const { lines, emf, telemetry } = recording();
    const first = job({});
    telemetry.claimed(first);
    telemetry.ended({
      ...first,
      status: JobStatus.retrying,
      error: { name: 'TaskTimeoutError', code: 'timeout', message: 'secret detail' },
      history: [...first.history, { at: 2_700, status: JobStatus.retrying, attempt: 1 }],
    });
    telemetry.flush();
    expect(lines.map((l) => [l.level, l.message, l.fields.durationMs ?? l.fields.waitedMs])).toEqual([
      ['info', 'job claimed', 500],
      ['warn', 'job will be retried', 1_200],
    ]);
    expect(lines[1]?.fields).toMatchObject({ errorCode: 'timeout', attempt: 1, queue: 'jobs' });
    expect(JSON.stringify(lines)).not.toContain('secret');
    const totals = totalsOf(parseEmf(emf), 'reports.generate', 'jobs');
    expect(totals.counts).toMatchObject({ JobsStarted: 1, JobsRetried: 1, JobsTimedOut: 1, JobsFailed: 0 });
    expect(totals.values).toEqual({ TimeInQueue: [500], AttemptDuration: [1_200] });
  });

  it('logs a lost lock at warn level', () => {
    const { lines, telemetry } = recording();
    telemetry.lockLost(job({}));
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: 'job lock lost',
        fields: expect.objectContaining({ jobId: 'job-1' }),
      }),
    ]);
  });
});

describe('activeTraceId', () => {
  const provider = new BasicTracerProvider();
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    contextManager.enable();
    context.setGlobalContextManager(contextManager);
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });

  it('reads the active span’s trace id, and nothing outside a span', async () => {
    expect(activeTraceId()).toBeUndefined();
    const tracer = trace.getTracer('test');
    const [inside, expected] = await tracer.startActiveSpan('attempt', async (span) => {
      await Promise.resolve();
      const id = activeTraceId();
      span.end();
      return [id, span.spanContext().traceId];
    });
    expect(inside).toMatch(/^[0-9a-f]{32}$/);
    expect(inside).toBe(expected);
  });
});

describe('metrics options', () => {
  it('names every bad field at once', () => {
    expect(() => resolveMetrics({ namespace: 'AWS/Jobs', flushIntervalMs: 10, queueName: '' })).toThrow(
      new ConfigError(
        'Invalid metrics options: expected `metrics.namespace` to be 1–255 letters, digits or . - _ / # : and not start with "AWS/", got "AWS/Jobs"; `metrics.flushIntervalMs` to be an integer from 1000 to 3600000, got `10`; `metrics.queueName` to be a non-empty string, got ""',
      ),
    );
    expect(resolveMetrics(false)).toBeUndefined();
    expect(resolveMetrics(undefined)).toMatchObject({ flushIntervalMs: 60_000, queueName: undefined });
  });

  it('reads LONGHAUL_METRICS and LONGHAUL_METRICS_NAMESPACE', () => {
    expect(metricsFromEnv({})).toBeUndefined();
    expect(metricsFromEnv({ LONGHAUL_METRICS: 'off', LONGHAUL_METRICS_NAMESPACE: 'Shop' })).toBe(false);
    expect(metricsFromEnv({ LONGHAUL_METRICS: 'on', LONGHAUL_METRICS_NAMESPACE: 'Shop' })).toEqual({
      namespace: 'Shop',
    });
    expect(() => metricsFromEnv({ LONGHAUL_METRICS: 'yes' })).toThrow(
      /LONGHAUL_METRICS to be "on" or "off", got "yes"/,
    );
    expect(workerOptionsFromEnv({ LONGHAUL_METRICS: 'off' })).toEqual({ metrics: false });
  });
});
