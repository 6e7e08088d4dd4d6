import {
  CreateScheduleGroupCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { defineTask, Longhaul } from 'longhaul';
import {
  atExpression,
  awsBackend,
  awsBackendFromEnv,
  EventBridgeDelayScheduler,
  env,
  scheduleNameOf,
} from 'longhaul/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDelayRoleArn, useJobResources } from '../support/backends.js';

// EventBridge Scheduler in the emulator: moto stores one-time schedules (create, get, delete) but never
// fires them, so these tests check what was scheduled; test/contract/delays.test.ts fires by hand.
describe('delays past 15 minutes on EventBridge Scheduler, against the emulator', () => {
  const scope = useJobResources('integration/delay-scheduler');
  const scheduler = new SchedulerClient({});
  const group = `${scope.prefix}-delays`;
  let queueArn: string;
  let dlqArn: string;
  beforeAll(async () => {
    await scheduler.send(new CreateScheduleGroupCommand({ Name: group }));
    const attributes = await scope.clients.sqsClient.send(
      new GetQueueAttributesCommand({ QueueUrl: scope.resources.queueUrl, AttributeNames: ['QueueArn'] }),
    );
    queueArn = attributes.Attributes?.QueueArn as string;
    const dlq = await scope.clients.sqsClient.send(
      new GetQueueAttributesCommand({
        QueueUrl: scope.resources.deadLetterQueueUrl,
        AttributeNames: ['QueueArn'],
      }),
    );
    dlqArn = dlq.Attributes?.QueueArn as string;
  });
  afterAll(async () => {
    await scheduler.send(new DeleteScheduleGroupCommand({ Name: group }));
    scheduler.destroy();
  });
  const report = defineTask({ name: 'report', async run() {} });
  const getSchedule = (jobId: string) =>
    scheduler.send(new GetScheduleCommand({ Name: scheduleNameOf(jobId), GroupName: group }));

  it('creates a one-time schedule at the run time, targeting the queue with the envelope as input', async () => {
    const backend = awsBackend({
      ...scope.resources,
      ...scope.clients,
      // Its own client (from the environment), so only the backend's requests are counted.
      scheduler: { roleArn: testDelayRoleArn, groupName: group },
    });
    const longhaul = new Longhaul({ backend });
    const runAt = Date.UTC(2031, 0, 2, 3, 4, 5, 250);
    const handle = await longhaul.enqueue(report, undefined, { runAt, jobId: 'report-2031' });

    const schedule = await getSchedule(handle.id);
    // Rounded up to the second: a job never runs early.
    expect(schedule.ScheduleExpression).toBe('at(2031-01-02T03:04:06)');
    expect(schedule).toMatchObject({
      Name: 'report-2031',
      GroupName: group,
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: { Arn: queueArn, RoleArn: testDelayRoleArn, DeadLetterConfig: { Arn: dlqArn } },
    });
    expect(JSON.parse(schedule.Target?.Input ?? '{}')).toEqual({
      v: 1,
      id: 'report-2031',
      task: 'report',
      args: null,
      enqueuedAt: (await longhaul.getJob(handle)).enqueuedAt,
    });
    expect(backend.requests.snapshot().scheduler).toEqual({ CreateSchedule: 1 });

    // Cancelling deletes the schedule.
    await longhaul.cancel(handle.id);
    await expect(getSchedule(handle.id)).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(backend.requests.snapshot().scheduler).toEqual({ CreateSchedule: 1, DeleteSchedule: 1 });
  });

  it('leaves Scheduler out of delays the queue can hold, cancel included', async () => {
    const backend = awsBackend({
      ...scope.resources,
      ...scope.clients,
      scheduler: { roleArn: testDelayRoleArn, groupName: group },
    });
    const longhaul = new Longhaul({ backend });
    const handle = await longhaul.enqueue(report, undefined, { delaySeconds: 900 });
    expect((await longhaul.cancel(handle.id)).status).toBe('cancelled');
    expect(backend.requests.snapshot().scheduler).toBeUndefined();
  });

  it('names a schedule by a hash when the job id is no valid schedule name, and cancels it once', async () => {
    const delays = new EventBridgeDelayScheduler({
      client: scheduler,
      sqsClient: scope.clients.sqsClient,
      roleArn: testDelayRoleArn,
      groupName: group,
      queues: { normal: { url: scope.resources.queueUrl, arn: queueArn } },
    });
    const jobId = `orders/${'x'.repeat(80)}`;
    expect(scheduleNameOf(jobId)).toMatch(/^[0-9a-f]{64}$/);
    await delays.schedule(jobId, Date.now() + 3_600_000, '{"v":1}');
    // Scheduling it again (an enqueue retried with the same jobId) keeps the one schedule.
    await delays.schedule(jobId, Date.now() + 7_200_000, '{"v":1}');
    expect((await getSchedule(jobId)).Description).toBe(`Longhaul job ${jobId}`);
    expect(await delays.cancel(jobId)).toBe(true);
    expect(await delays.cancel(jobId)).toBe(false);
  });

  it('reads its scheduler settings from the environment', async () => {
    const backend = awsBackendFromEnv({
      ...scope.environment,
      [env.delayRoleArn]: testDelayRoleArn,
      [env.delayScheduleGroup]: group,
      [env.queueArn]: queueArn,
    });
    expect(backend.delays).toBeInstanceOf(EventBridgeDelayScheduler);
    expect(awsBackendFromEnv(scope.environment).delays).toBeUndefined();
    expect(atExpression(Date.UTC(2030, 11, 31, 23, 59, 59))).toBe('at(2030-12-31T23:59:59)');
  });
});
