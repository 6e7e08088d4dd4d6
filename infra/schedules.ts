/**
 * Periodic jobs: one EventBridge rule per schedule, sending the run's envelope straight to the job queue,
 * so a schedule needs no function of its own.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type Schedule, scheduledEnvelope } from '../src/core/schedule.js';

/** The rules, by schedule name. */
export function createScheduleRules(
  scope: Construct,
  options: {
    readonly schedules: readonly Schedule[];
    readonly prefix: string | undefined;
    readonly queue: sqs.IQueue;
    /** Where EventBridge puts a message it could not send, after its retries. */
    readonly deadLetterQueue: sqs.IQueue;
  },
): Record<string, events.Rule> {
  const rules: Record<string, events.Rule> = {};
  for (const schedule of options.schedules) rules[schedule.name] = createRule(scope, schedule, options);
  return rules;
}

function createRule(
  scope: Construct,
  schedule: Schedule,
  options: {
    readonly prefix: string | undefined;
    readonly queue: sqs.IQueue;
    readonly deadLetterQueue: sqs.IQueue;
  },
): events.Rule {
  const { prefix } = options;
  const rule = new events.Rule(scope, `Schedule-${schedule.name}`, {
    ...(prefix ? { ruleName: `${prefix}-${schedule.name}` } : {}),
    schedule: events.Schedule.expression(schedule.expression),
    description:
      schedule.description ??
      `Longhaul schedule "${schedule.name}": task "${schedule.task}" ${schedule.expression}`,
    targets: [
      new targets.SqsQueue(options.queue, {
        deadLetterQueue: options.deadLetterQueue,
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    ],
  });
  // The run's message: the envelope with the event's time as its job id suffix and enqueue time, so a
  // duplicate delivery of one firing is one job. Every placeholder sits inside a JSON string, where
  // EventBridge inserts the raw value; the template is valid JSON on its own, which emulators need too.
  (rule.node.defaultChild as events.CfnRule).addPropertyOverride('Targets.0.InputTransformer', {
    InputPathsMap: { time: '$.time' },
    InputTemplate: JSON.stringify(scheduledEnvelope(schedule, '<time>')),
  });
  return rule;
}
