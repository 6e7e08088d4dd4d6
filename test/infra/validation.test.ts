import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { describe, expect, it } from 'vitest';
import { LonghaulQueue, type LonghaulQueueProps } from '../../infra/index.js';
import { ConfigError } from '../../src/core/errors.js';
import { defineSchedule } from '../../src/core/schedule.js';
import { fixtureEntry, newStack, task } from './support.js';

// Props are checked before any resource is made, so these tests never bundle anything.
const tasks = [task('a'), task('b', { retries: 6 })];
const image = ecs.ContainerImage.fromRegistry('worker');
/** Props over a valid base; loosely typed so a case can also set a prop to `undefined`. */
type Overrides = { readonly [K in keyof LonghaulQueueProps]?: LonghaulQueueProps[K] | undefined };
const build = (props: Overrides) =>
  new LonghaulQueue(newStack(), 'Jobs', {
    tasks,
    lambda: { entry: fixtureEntry },
    ...props,
  } as LonghaulQueueProps);
const problemOf = (props: Overrides): string => {
  try {
    build(props);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('Expected the props to be refused');
};

describe('LonghaulQueue props', () => {
  it.each<[string, Overrides, string[]]>([
    ['no tasks', { tasks: [] }, ['`tasks`', 'at least 1', 'got 0']],
    ['the same task twice', { tasks: [task('a'), task('a')] }, ['unique', '"a" twice']],
    [
      'a Lambda timeout above 15 minutes',
      { lambda: { entry: fixtureEntry, timeout: Duration.minutes(20) } },
      ['`lambda.timeout`', '15 minutes', 'got 20 minutes'],
    ],
    [
      'a visibility timeout shorter than the Lambda timeout',
      {
        lambda: { entry: fixtureEntry, timeout: Duration.minutes(5) },
        visibilityTimeout: Duration.minutes(2),
      },
      ['`visibilityTimeout`', 'at least `lambda.timeout` (5 minutes)', 'got 2 minutes'],
    ],
    [
      'a visibility timeout above 12 hours',
      { visibilityTimeout: Duration.hours(13) },
      ['`visibilityTimeout`', '12 hours', 'got 13 hours'],
    ],
    [
      'a delivery limit below a task’s attempts',
      { maxReceiveCount: 5 },
      ['`maxReceiveCount`', 'at least 7', 'task "b"', 'got `5`'],
    ],
    [
      'a delivery limit above SQS’s',
      { maxReceiveCount: 1001 },
      ['`maxReceiveCount`', '1 to 1000', 'got `1001`'],
    ],
    [
      'a task that outlasts the Lambda timeout',
      { tasks: [task('slow', { timeoutMs: 600_000 })] },
      ['`timeoutMs` of task "slow" (600000 ms)', '`lambda.timeout` (300000 ms)', 'Fargate only'],
    ],
    [
      'batches above 10 without a batching window',
      { lambda: { entry: fixtureEntry, batchSize: 50 } },
      ['`lambda.maxBatchingWindow`', 'above 10', '`batchSize: 50`'],
    ],
    [
      'a batch size above the event source’s',
      { lambda: { entry: fixtureEntry, batchSize: 20_000, maxBatchingWindow: Duration.seconds(5) } },
      ['`lambda.batchSize`', '1 to 10000', 'got `20000`'],
    ],
    [
      'a batching window above 5 minutes',
      { lambda: { entry: fixtureEntry, maxBatchingWindow: Duration.minutes(6) } },
      ['`lambda.maxBatchingWindow`', '5 minutes', 'got 6 minutes'],
    ],
    [
      'a maximum concurrency of 1',
      { lambda: { entry: fixtureEntry, maxConcurrency: 1 } },
      ['`lambda.maxConcurrency`', '2 to 1000', 'got `1`'],
    ],
    [
      'a maximum concurrency above 1000',
      { lambda: { entry: fixtureEntry, maxConcurrency: 1001 } },
      ['`lambda.maxConcurrency`', '2 to 1000', 'got `1001`'],
    ],
    [
      'reserved concurrency below the maximum concurrency',
      { lambda: { entry: fixtureEntry, reservedConcurrentExecutions: 5 } },
      ['`lambda.reservedConcurrentExecutions`', 'at least `lambda.maxConcurrency` (10)', 'got `5`'],
    ],
    [
      'too little memory',
      { lambda: { entry: fixtureEntry, memorySize: 64 } },
      ['`lambda.memorySize`', '128 to 10240', 'got `64`'],
    ],
    [
      'a handler that is not an export name',
      { lambda: { entry: fixtureEntry, handler: 'index.handler' } },
      ['`lambda.handler`', '"index.handler"'],
    ],
    [
      'an environment that overrides the construct’s variables',
      { lambda: { entry: fixtureEntry, environment: { LONGHAUL_QUEUE_URL: 'x' } } },
      ['`lambda.environment`', 'LONGHAUL_QUEUE_URL'],
    ],
    ['no worker at all', { lambda: undefined }, ['a worker', '`lambda: false`']],
    [
      'a retention period above 14 days',
      { retentionPeriod: Duration.days(15) },
      ['`retentionPeriod`', '14 days', 'got 15 days'],
    ],
    [
      'an oldest-message alarm past the retention period',
      { retentionPeriod: Duration.hours(1), alarms: { oldestMessageAge: Duration.hours(2) } },
      ['`alarms.oldestMessageAge`', '1 hour', 'got 2 hours'],
    ],
    [
      'deletion protection on a table to destroy',
      { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: true },
      ['`deletionProtection`', 'DESTROY', 'got `true`'],
    ],
    ['a name prefix with a dot', { namePrefix: 'my.app' }, ['`namePrefix`', '1–40', '"my.app"']],
    [
      'a name prefix that makes a rule name too long',
      {
        namePrefix: 'p'.repeat(40),
        schedules: [defineSchedule(task('a'), 'rate(1 hour)', { name: 'x'.repeat(30) })],
      },
      ['`namePrefix`', 'at most 64 characters', 'got 71'],
    ],
    [
      'a schedule for a task not served',
      { schedules: [defineSchedule(task('elsewhere'), 'rate(1 hour)')] },
      ['`schedules`', '"elsewhere"', 'not among the tasks'],
    ],
    [
      'a Fargate CPU size that does not exist',
      { fargate: { image, cpu: 300 } },
      ['`fargate.cpu`', '256, 512, 1024', 'got `300`'],
    ],
    [
      'Fargate memory that does not fit the CPU',
      { fargate: { image, cpu: 256, memoryLimitMiB: 4096 } },
      ['`fargate.memoryLimitMiB`', '512 to 2048', '`fargate.cpu` 256', 'got `4096`'],
    ],
    [
      'more minimum than maximum tasks',
      { fargate: { image, minTasks: 5, maxTasks: 2 } },
      ['`fargate.minTasks`', '0 to 2', 'got `5`'],
    ],
    [
      'a shutdown grace ECS cannot wait for',
      { fargate: { image, shutdownGrace: Duration.minutes(2) } },
      ['`fargate.shutdownGrace`', '1 minute 45 seconds', '120 s', 'got 2 minutes'],
    ],
    [
      'a Fargate concurrency of 0',
      { fargate: { image, concurrency: 0 } },
      ['`fargate.concurrency`', '1 to 1000', 'got `0`'],
    ],
    [
      'a visibility timeout shorter than two Fargate heartbeats',
      { lambda: false, fargate: { image }, visibilityTimeout: Duration.seconds(30) },
      ['`visibilityTimeout`', 'at least 40 s', 'got 30 seconds'],
    ],
  ])('refuses %s, naming the prop, the limit and the value', (_case, props, fragments) => {
    const message = problemOf(props);
    expect(message).toMatch(/^Invalid LonghaulQueue props: expected /);
    for (const fragment of fragments) expect(message).toContain(fragment);
  });

  it('reports every problem at once', () => {
    const message = problemOf({
      maxReceiveCount: 2,
      lambda: { entry: fixtureEntry, maxConcurrency: 1, timeout: Duration.minutes(16) },
      visibilityTimeout: Duration.minutes(10),
    });
    expect(message).toContain('`maxReceiveCount`');
    expect(message).toContain('`lambda.maxConcurrency`');
    expect(message).toContain('`lambda.timeout`');
    expect(message).toContain('`visibilityTimeout`');
    expect(message.split('; ').length).toBeGreaterThanOrEqual(4);
  });

  it('accepts a delivery limit equal to the largest attempt budget', () => {
    expect(() => build({ maxReceiveCount: 7, lambda: false, fargate: { image } })).not.toThrow();
  });
});
