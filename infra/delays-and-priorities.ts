/**
 * The parts of a `LonghaulQueue` for long delays and priorities, kept apart from the construct: the
 * `high` and `low` queues beside the `normal` one, and the EventBridge Scheduler group and role that hold
 * delayed jobs past SQS's 15 minutes.
 */
import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { env } from '../src/core/names.js';
import { queueEncryption, schedulerKeyStatement } from './encryption-key.js';

/** The `high` and `low` queues (`normal` is the construct's `queue`). */
export interface PriorityQueues {
  readonly high: sqs.Queue;
  readonly low: sqs.Queue;
}

/** Creates the `high` and `low` queues with the settings of the `normal` one, sharing its dead-letter queue. */
export function createPriorityQueues(
  scope: Construct,
  options: {
    readonly prefix: string | undefined;
    readonly visibilityTimeout: Duration;
    readonly retentionPeriod: Duration;
    readonly deadLetterQueue: sqs.IQueue;
    readonly maxReceiveCount: number;
    readonly encryptionKey: kms.IKey | undefined;
  },
): PriorityQueues {
  const queue = (id: string, suffix: string) =>
    new sqs.Queue(scope, id, {
      ...(options.prefix ? { queueName: `${options.prefix}-jobs-${suffix}` } : {}),
      ...queueEncryption(options.encryptionKey),
      enforceSSL: true,
      visibilityTimeout: options.visibilityTimeout,
      retentionPeriod: options.retentionPeriod,
      deadLetterQueue: { queue: options.deadLetterQueue, maxReceiveCount: options.maxReceiveCount },
    });
  return { high: queue('HighPriorityQueue', 'high'), low: queue('LowPriorityQueue', 'low') };
}

/**
 * How a Lambda worker's `maxConcurrency` is shared by the event sources of the three queues: half to
 * `high`, three tenths to `normal`, the rest to `low`, each at least 2 (an SQS event source's minimum).
 * A busy `high` queue then has most of the function, and `low` always some.
 */
export function splitConcurrency(total: number): { high: number; normal: number; low: number } {
  const normal = Math.max(2, Math.floor(total * 0.3));
  const low = Math.max(2, Math.floor(total * 0.2));
  return { high: Math.max(2, total - normal - low), normal, low };
}

/** The schedule group and role that hold long-delayed jobs. */
export interface DelayScheduling {
  readonly group: scheduler.CfnScheduleGroup;
  /** The role EventBridge Scheduler assumes to send a delayed job's message to its queue. */
  readonly role: iam.Role;
  /** The ARN pattern of the group's schedules, for grants. */
  readonly scheduleArns: string;
}

/**
 * A schedule group for the one-time schedules of delayed jobs, and a role that only
 * `scheduler.amazonaws.com` in this account may assume, allowed `sqs:SendMessage` on the job queues and
 * the dead-letter queue (where Scheduler puts a message it could not deliver, for `redrive`), and to
 * encrypt with their key when they have one.
 */
export function createDelayScheduling(
  scope: Construct,
  options: {
    readonly prefix: string | undefined;
    readonly queues: readonly sqs.IQueue[];
    /** Where Scheduler puts a message it could not send, after its retries. */
    readonly deadLetterQueue: sqs.IQueue;
    /** The key of the queues, when they have one: the role encrypts the messages it sends. */
    readonly encryptionKey: kms.IKey | undefined;
  },
): DelayScheduling {
  const group = new scheduler.CfnScheduleGroup(scope, 'DelayScheduleGroup', {
    ...(options.prefix ? { name: `${options.prefix}-delays` } : {}),
  });
  const stack = Stack.of(scope);
  const scheduleArns = stack.formatArn({
    service: 'scheduler',
    resource: 'schedule',
    resourceName: `${group.ref}/*`,
  });
  const role = new iam.Role(scope, 'DelayRole', {
    description: 'Assumed by EventBridge Scheduler to send delayed Longhaul jobs to their queue',
    // Only schedules of this account's group (the confused-deputy guard AWS recommends).
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': scheduleArns },
      },
    }),
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['sqs:SendMessage'],
      resources: [...options.queues, options.deadLetterQueue].map((queue) => queue.queueArn),
    }),
  );
  if (options.encryptionKey) role.addToPrincipalPolicy(schedulerKeyStatement(options.encryptionKey));
  return { group, role, scheduleArns };
}

/** The variables that tell a backend about the delay scheduler and the priority queues. */
export function delayAndPriorityEnvironment(
  delays: DelayScheduling | undefined,
  queue: sqs.IQueue,
  priorityQueues: PriorityQueues | undefined,
): Record<string, string> {
  return {
    ...(delays
      ? {
          [env.delayRoleArn]: delays.role.roleArn,
          [env.delayScheduleGroup]: delays.group.ref,
          [env.queueArn]: queue.queueArn,
        }
      : {}),
    ...(priorityQueues
      ? { [env.queueUrlHigh]: priorityQueues.high.queueUrl, [env.queueUrlLow]: priorityQueues.low.queueUrl }
      : {}),
  };
}

/** One statement of a grant. */
export interface DelayGrantStatement {
  readonly actions: string[];
  readonly resourceArns: string[];
  readonly conditions?: Record<string, Record<string, unknown>>;
}

/** What a producer needs to schedule a long delay: create schedules in the group, and pass the role. */
export function delayEnqueueStatements(delays: DelayScheduling): DelayGrantStatement[] {
  return [
    { actions: ['scheduler:CreateSchedule'], resourceArns: [delays.scheduleArns] },
    {
      actions: ['iam:PassRole'],
      resourceArns: [delays.role.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    },
  ];
}

/** What an operator needs to cancel a long-delayed job: delete its schedule. */
export function delayOperateStatements(delays: DelayScheduling): DelayGrantStatement[] {
  return [{ actions: ['scheduler:DeleteSchedule'], resourceArns: [delays.scheduleArns] }];
}

/** Alarms on the age of the oldest message of the `high` and `low` queues. */
export function priorityQueueAlarms(
  scope: Construct,
  queues: PriorityQueues,
  oldestMessageAge: Duration,
): cloudwatch.Alarm[] {
  return (['high', 'low'] as const).map((priority) =>
    queues[priority]
      .metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      })
      .createAlarm(scope, `${priority === 'high' ? 'High' : 'Low'}PriorityOldestMessageAlarm`, {
        alarmDescription: `Longhaul: a ${priority}-priority job has waited more than ${oldestMessageAge.toHumanString()}`,
        threshold: oldestMessageAge.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
  );
}

/**
 * Acknowledges, on a grantee the construct gave schedule permissions to, cdk-nag's finding about the
 * `schedule/<group>/*` resource: schedules are named after job ids, unknown until enqueue, and the group
 * bounds them.
 */
export function acknowledgeScheduleWildcard(grantee: iam.IGrantable, delays: DelayScheduling): void {
  if (!Construct.isConstruct(grantee)) return;
  const groupId = Stack.of(delays.group).getLogicalId(delays.group);
  Validations.of(grantee).acknowledge({
    id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<${groupId}>/*]`,
    reason:
      "Delayed jobs' one-time schedules are named after job ids, unknown until enqueue; the resource is bounded to the Longhaul schedule group.",
  });
}

/**
 * A queue metric summed over the job queues (one queue: its own metric), so a Fargate service scales on
 * jobs waiting in any priority queue.
 */
export function sumOverQueues(
  queues: readonly sqs.IQueue[],
  metric: (queue: sqs.IQueue) => cloudwatch.IMetric,
  label: string,
  /** Prefix of the metric ids, unique within the expression that uses this sum. */
  idPrefix: string,
): cloudwatch.IMetric {
  const [only] = queues;
  if (queues.length === 1 && only) return metric(only);
  const usingMetrics = Object.fromEntries(queues.map((queue, i) => [`${idPrefix}${i}`, metric(queue)]));
  return new cloudwatch.MathExpression({
    expression: Object.keys(usingMetrics).join(' + '),
    usingMetrics,
    label,
    period: Duration.minutes(1),
  });
}
