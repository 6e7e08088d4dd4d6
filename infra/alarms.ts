/**
 * The construct's CloudWatch alarms: a job reached the dead-letter queue, a job has waited too long (on
 * each job queue), the Lambda worker itself failed, and the counts aggregator gave up on a batch.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { priorityQueueAlarms } from './delays-and-priorities.js';
import type { JobQueues } from './queues.js';

/** The alarms, by what they watch. */
export interface QueueAlarms {
  readonly deadLetter: cloudwatch.Alarm;
  readonly oldestMessage: cloudwatch.Alarm;
  /** Undefined without a Lambda worker. */
  readonly workerErrors: cloudwatch.Alarm | undefined;
  /** The counts aggregator's failure queue holds a batch; undefined without the aggregator. */
  readonly countsFailures: cloudwatch.Alarm | undefined;
  /** The oldest-job alarms of the `high` and `low` queues, with priorities. */
  readonly priorities: readonly cloudwatch.Alarm[];
}

/** Creates every alarm, each with `actions`. */
export function createAlarms(
  scope: Construct,
  options: {
    readonly oldestMessageAge: Duration;
    readonly actions: readonly cloudwatch.IAlarmAction[];
    readonly queues: JobQueues;
    readonly workerFunction: lambda.IFunction | undefined;
    /** The counts aggregator's failure queue, when it runs. */
    readonly countsFailureQueue: sqs.IQueue | undefined;
  },
): QueueAlarms {
  const { oldestMessageAge, queues } = options;
  const deadLetter = queues.deadLetterQueue
    .metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: cloudwatch.Stats.MAXIMUM,
    })
    .createAlarm(scope, 'DeadLetterAlarm', {
      alarmDescription:
        'Longhaul: the dead-letter queue holds failed jobs; inspect and retry or discard them',
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  const oldestMessage = queues.queue
    .metricApproximateAgeOfOldestMessage({
      period: Duration.minutes(5),
      statistic: cloudwatch.Stats.MAXIMUM,
    })
    .createAlarm(scope, 'OldestMessageAlarm', {
      alarmDescription: `Longhaul: a job has waited more than ${oldestMessageAge.toHumanString()}; workers are down, throttled or too few`,
      threshold: oldestMessageAge.toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  const workerErrors = options.workerFunction
    ?.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM })
    .createAlarm(scope, 'WorkerErrorsAlarm', {
      alarmDescription:
        'Longhaul: the Lambda worker crashed or timed out (failing jobs are reported per message, not as errors)',
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  const countsFailures = options.countsFailureQueue
    ?.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: cloudwatch.Stats.MAXIMUM,
    })
    .createAlarm(scope, 'CountsFailureAlarm', {
      alarmDescription:
        'Longhaul: the counts aggregator gave up on a batch of table changes, so job counts have drifted; run `longhaul stats --rebuild`, then purge the counts failure queue',
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  const priorities = queues.priorityQueues
    ? priorityQueueAlarms(scope, queues.priorityQueues, oldestMessageAge)
    : [];
  for (const alarm of [deadLetter, oldestMessage, workerErrors, countsFailures, ...priorities]) {
    alarm?.addAlarmAction(...options.actions);
  }
  return { deadLetter, oldestMessage, workerErrors, countsFailures, priorities };
}
