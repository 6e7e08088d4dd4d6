import { ConfigError, workerOptionsFromEnv } from 'longhaul';
import { describe, expect, it } from 'vitest';

describe('workerOptionsFromEnv', () => {
  it('reads the worker options that are set and leaves the rest to the defaults', () => {
    expect(
      workerOptionsFromEnv({
        LONGHAUL_CONCURRENCY: '8',
        LONGHAUL_VISIBILITY_TIMEOUT_SECONDS: '120',
        LONGHAUL_HEARTBEAT_INTERVAL_SECONDS: '30',
        LONGHAUL_WAIT_TIME_SECONDS: '10',
        LONGHAUL_SHUTDOWN_GRACE_MS: '90000',
        LONGHAUL_WORKER_ID: 'fargate-task-1',
        LONGHAUL_VISIBILITY_CEILING_SECONDS: '36000',
      }),
    ).toEqual({
      concurrency: 8,
      visibilityTimeoutSeconds: 120,
      heartbeatIntervalSeconds: 30,
      waitTimeSeconds: 10,
      shutdownGraceMs: 90_000,
      visibilityCeilingSeconds: 36_000,
      workerId: 'fargate-task-1',
    });
    expect(workerOptionsFromEnv({})).toEqual({});
  });

  it('names every variable that is not an integer, with its value', () => {
    const read = () =>
      workerOptionsFromEnv({ LONGHAUL_CONCURRENCY: 'four', LONGHAUL_SHUTDOWN_GRACE_MS: '1.5' });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(
      /LONGHAUL_CONCURRENCY to be an integer, got "four".*LONGHAUL_SHUTDOWN_GRACE_MS to be an integer, got "1.5"/,
    );
  });
});
