import { createHash } from 'node:crypto';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { priorityOfBody } from '../../core/envelope.js';
import { ConfigError } from '../../core/errors.js';
import type { DelayScheduler } from '../../core/ports.js';
import type { Priority } from '../../core/priority.js';

/** A queue a schedule can target: its URL, and its ARN when known (else read once from SQS). */
export interface ScheduleTargetQueue {
  readonly url: string;
  readonly arn?: string;
}

/** What the EventBridge Scheduler delay scheduler needs. */
export interface EventBridgeDelaySchedulerOptions {
  readonly client: SchedulerClient;
  /** Reads a queue's ARN when `queues` does not give it. */
  readonly sqsClient: SQSClient;
  /** The role EventBridge Scheduler assumes to send to the queues (`sqs:SendMessage` on them). */
  readonly roleArn: string;
  /** The schedule group holding the one-time schedules. Default `default`. */
  readonly groupName?: string;
  /** The queue of each priority; `normal` always, `high` and `low` with priority queues. */
  readonly queues: Readonly<Partial<Record<Priority, ScheduleTargetQueue>>> & {
    readonly normal: ScheduleTargetQueue;
  };
  /**
   * Where Scheduler puts a job's message it could not send (the queue gone, the role denied) once its
   * retries (24 hours) are spent: Longhaul's dead-letter queue, so `redrive` can send it back. The role
   * needs `sqs:SendMessage` on it too. Default: none (Scheduler drops it).
   */
  readonly deadLetterQueue?: ScheduleTargetQueue;
}

/** Scheduler's rule for schedule names. */
const scheduleNamePattern = /^[0-9a-zA-Z_.-]{1,64}$/;

/**
 * The schedule name of a job: its id when Scheduler accepts it as a name (1–64 of letters, digits, `-`,
 * `_`, `.`), else the SHA-256 of the id in hex (64 characters), so any job id maps to one valid name.
 */
export function scheduleNameOf(jobId: string): string {
  return scheduleNamePattern.test(jobId) ? jobId : createHash('sha256').update(jobId).digest('hex');
}

/** Scheduler's one-time expression for a time, in UTC, rounded up to the second so it is never early. */
export function atExpression(runAt: number): string {
  return `at(${new Date(Math.ceil(runAt / 1000) * 1000).toISOString().slice(0, 19)})`;
}

/**
 * Delays past SQS's 15 minutes with Amazon EventBridge Scheduler: one one-time schedule per delayed job
 * (`at(...)`, flexible time window off), whose target is the job's queue with the envelope as the message
 * body. Scheduler deletes the schedule once it has run (`ActionAfterCompletion: DELETE`). Nothing is
 * billed while the job waits; Scheduler bills each invocation (free tier 14 million a month, then about
 * $1 per million) and fires within about a minute of the time.
 */
export class EventBridgeDelayScheduler implements DelayScheduler {
  readonly #o: EventBridgeDelaySchedulerOptions;
  readonly #groupName: string;
  readonly #arns = new Map<string, Promise<string>>();

  constructor(options: EventBridgeDelaySchedulerOptions) {
    const problems: string[] = [];
    if (typeof options.roleArn !== 'string' || !options.roleArn.startsWith('arn:')) {
      problems.push(`\`roleArn\` to be an IAM role ARN, got ${JSON.stringify(options.roleArn)}`);
    }
    const groupName = options.groupName ?? 'default';
    if (!/^[0-9a-zA-Z_.-]{1,64}$/.test(groupName)) {
      problems.push(
        `\`groupName\` to be 1–64 letters, digits, "-", "_" or ".", got ${JSON.stringify(groupName)}`,
      );
    }
    if (problems.length) throw new ConfigError(`Invalid scheduler options: expected ${problems.join('; ')}`);
    this.#o = options;
    this.#groupName = groupName;
  }

  async schedule(jobId: string, runAt: number, body: string): Promise<void> {
    const priority = priorityOfBody(body);
    const queue = this.#o.queues[priority];
    if (!queue) throw new ConfigError(`No ${priority}-priority queue to schedule job "${jobId}" to`);
    try {
      await this.#o.client.send(
        new CreateScheduleCommand({
          Name: scheduleNameOf(jobId),
          GroupName: this.#groupName,
          Description: `Longhaul job ${jobId}`.slice(0, 512),
          ScheduleExpression: atExpression(runAt),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: await this.#arnOf(queue),
            RoleArn: this.#o.roleArn,
            Input: body,
            ...(this.#o.deadLetterQueue
              ? { DeadLetterConfig: { Arn: await this.#arnOf(this.#o.deadLetterQueue) } }
              : {}),
          },
        }),
      );
    } catch (error) {
      // The job's schedule exists: an enqueue with the same jobId retried. One schedule is enough.
      if (!(error instanceof ConflictException)) throw error;
    }
  }

  async cancel(jobId: string): Promise<boolean> {
    try {
      await this.#o.client.send(
        new DeleteScheduleCommand({ Name: scheduleNameOf(jobId), GroupName: this.#groupName }),
      );
      return true;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return false;
      throw error;
    }
  }

  /**
   * The queue's ARN: given, derived from an AWS queue URL, or read once (one GetQueueAttributes per
   * queue and process: an emulator's URL names no region).
   */
  #arnOf(queue: ScheduleTargetQueue): Promise<string> {
    const known = queue.arn ?? queueArnFromUrl(queue.url);
    if (known) return Promise.resolve(known);
    let arn = this.#arns.get(queue.url);
    if (!arn) {
      arn = this.#o.sqsClient
        .send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['QueueArn'] }))
        .then((output) => {
          const found = output.Attributes?.QueueArn;
          if (!found) throw new ConfigError(`SQS reported no ARN for queue ${queue.url}`);
          return found;
        });
      arn.catch(() => this.#arns.delete(queue.url));
      this.#arns.set(queue.url, arn);
    }
    return arn;
  }
}

/**
 * The ARN of a queue from its AWS URL (`https://sqs.<region>.amazonaws.com[.cn]/<account>/<name>`), or
 * undefined for any other URL.
 */
export function queueArnFromUrl(queueUrl: string): string | undefined {
  const match =
    /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/(\d{12})\/([A-Za-z0-9_-]{1,80}(\.fifo)?)$/.exec(
      queueUrl,
    );
  if (!match) return undefined;
  const [, region, china, account, name] = match;
  const partition = china ? 'aws-cn' : region?.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return `arn:${partition}:sqs:${region}:${account}:${name}`;
}
