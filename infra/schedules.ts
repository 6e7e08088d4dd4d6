/**
 * Periodic jobs: one EventBridge rule per schedule, sending the run's envelope straight to the job queue,
 * so a schedule needs no function of its own.
 */
import { Duration, Names } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
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
    targets: [new JobQueueTarget(options.queue, options.deadLetterQueue)],
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

/**
 * The job queue as a rule's target, with EventBridge's longest retries (185 tries over 24 hours) and the
 * DLQ. What `targets.SqsQueue` does for an unencrypted queue, for every queue: both queue policies let
 * only this rule send. (For a queue with a KMS key, `SqsQueue` drops that condition and puts the rule in
 * the key policy instead, a dependency cycle here; the construct allows EventBridge on the key itself,
 * see encryption-key.ts.)
 */
class JobQueueTarget implements events.IRuleTarget {
  readonly #queue: sqs.IQueue;
  readonly #deadLetterQueue: sqs.IQueue;

  constructor(queue: sqs.IQueue, deadLetterQueue: sqs.IQueue) {
    this.#queue = queue;
    this.#deadLetterQueue = deadLetterQueue;
  }

  bind(rule: events.IRule): events.RuleTargetConfig {
    const queue = this.#queue;
    const deadLetterQueue = this.#deadLetterQueue;
    const principals = [new iam.ServicePrincipal('events.amazonaws.com')];
    const onlyThisRule = { ArnEquals: { 'aws:SourceArn': rule.ruleArn } };
    queue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals,
        actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        resources: [queue.queueArn],
        conditions: onlyThisRule,
      }),
    );
    deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `AllowEventRule${Names.nodeUniqueId(rule.node)}`,
        principals,
        actions: ['sqs:SendMessage'],
        resources: [deadLetterQueue.queueArn],
        conditions: onlyThisRule,
      }),
    );
    return {
      arn: queue.queueArn,
      targetResource: queue,
      deadLetterConfig: { arn: deadLetterQueue.queueArn },
      retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: Duration.hours(24).toSeconds() },
    };
  }
}
