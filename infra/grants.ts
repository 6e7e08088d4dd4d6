/**
 * The IAM permissions of a `LonghaulQueue`, by role: a producer (enqueue), a reader (status pages), an
 * operator (the CLI and dashboard), and a worker. Every grant is a list of actions on named resources;
 * the only wildcards are payload objects and delay schedules, whose names are job ids, and each is
 * acknowledged to cdk-nag with its reason. With an `encryptionKey`, every grant that touches the queues,
 * the table or the bucket also allows the KMS actions it needs, on that key only.
 */
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  acknowledgeScheduleWildcard,
  type DelayScheduling,
  delayEnqueueStatements,
  delayOperateStatements,
} from './delays-and-priorities.js';
import { keyStatements } from './encryption-key.js';
import { jobIndexArns } from './job-table.js';
import { acknowledgePayloadWildcard, payloadObjectsArn } from './payload-bucket.js';

/** One statement of a grant. */
export interface GrantStatement {
  readonly actions: readonly string[];
  readonly resourceArns: readonly string[];
  readonly conditions?: Record<string, Record<string, unknown>>;
}

/** SQS actions of a consumer: receive, delete, hide, and read the redrive policy and depth. */
const consumeActions = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueAttributes',
];

/** The resources a grant may name; the optional ones are left out of every grant when absent. */
export interface GrantedResources {
  /** The job queues, highest priority first (see `workQueues`). */
  readonly workQueues: readonly sqs.Queue[];
  readonly deadLetterQueue: sqs.Queue;
  readonly table: dynamodb.Table;
  readonly eventBus: events.IEventBus | undefined;
  readonly payloadBucket: s3.Bucket | undefined;
  readonly delayScheduling: DelayScheduling | undefined;
  /** The customer-managed key of the queues, the table and the bucket, if any. */
  readonly encryptionKey: kms.IKey | undefined;
}

/** The grants of one construct; `LonghaulQueue`'s `grantXxx` methods and its workers call these. */
export class QueueGrants {
  readonly #resources: GrantedResources;

  constructor(resources: GrantedResources) {
    this.#resources = resources;
  }

  /** See `LonghaulQueue.grantEnqueue`. */
  enqueue(grantee: iam.IGrantable): iam.Grant {
    const { table, delayScheduling } = this.#resources;
    if (delayScheduling) acknowledgeScheduleWildcard(grantee, delayScheduling);
    return this.all(grantee, [
      { actions: ['sqs:SendMessage'], resourceArns: this.#workQueueArns },
      // BatchWriteItem: `enqueueMany` with full tracking writes its records in batches.
      {
        actions: ['dynamodb:PutItem', 'dynamodb:BatchWriteItem', 'dynamodb:GetItem'],
        resourceArns: [table.tableArn],
      },
      ...this.#publishStatements(),
      ...this.#payloadStatements(['s3:GetObject', 's3:PutObject']),
      ...(delayScheduling ? delayEnqueueStatements(delayScheduling) : []),
    ]);
  }

  /** See `LonghaulQueue.grantRead`. */
  read(grantee: iam.IGrantable): iam.Grant {
    return this.all(grantee, [...this.#readStatements([]), ...this.#payloadStatements(['s3:GetObject'])]);
  }

  /** See `LonghaulQueue.grantOperate`. */
  operate(grantee: iam.IGrantable): iam.Grant {
    const { deadLetterQueue, delayScheduling } = this.#resources;
    if (delayScheduling) acknowledgeScheduleWildcard(grantee, delayScheduling);
    return this.all(grantee, [
      // PutItem: `longhaul stats --rebuild` overwrites the counts item.
      ...this.#readStatements(['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem']),
      ...this.#payloadStatements(['s3:GetObject', 's3:PutObject']),
      { actions: ['sqs:SendMessage'], resourceArns: this.#workQueueArns },
      ...(delayScheduling ? delayOperateStatements(delayScheduling) : []),
      { actions: [...consumeActions, 'sqs:SendMessage'], resourceArns: [deadLetterQueue.queueArn] },
      ...this.#publishStatements(),
    ]);
  }

  /**
   * What a worker needs: consume the queue (`consume: false` when an event source mapping grants that),
   * send to it (a job waiting for a limit), dead-letter to the DLQ, and claim, heartbeat and finish jobs in the table.
   */
  worker(grantee: iam.IGrantable, consume: boolean): iam.Grant {
    const { deadLetterQueue, table } = this.#resources;
    return this.all(grantee, [
      ...(consume ? [{ actions: consumeActions, resourceArns: this.#workQueueArns }] : []),
      // Workers send to the queues too: a job over its task's concurrency or rate limit waits as a delayed
      // copy of its message, a long job moves to a fresh copy, and a workflow's next jobs are enqueued.
      { actions: ['sqs:SendMessage'], resourceArns: this.#workQueueArns },
      {
        actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
        resourceArns: [deadLetterQueue.queueArn],
      },
      {
        // PutItem: schedule holds, and a lean job's first claim. BatchWriteItem: a task that fans out
        // with `enqueueMany` (full tracking).
        actions: [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:UpdateItem',
          'dynamodb:Query',
        ],
        resourceArns: [table.tableArn],
      },
      { actions: ['dynamodb:Query'], resourceArns: jobIndexArns(table) },
      ...this.#publishStatements(),
      ...this.#payloadStatements(['s3:GetObject', 's3:PutObject']),
    ]);
  }

  /**
   * Grants every statement, with the KMS actions they need on the `encryptionKey` when there is one,
   * acknowledging the payload wildcard when one of them touches S3.
   */
  all(grantee: iam.IGrantable, statements: readonly GrantStatement[]): iam.Grant {
    const { payloadBucket, encryptionKey } = this.#resources;
    if (payloadBucket && statements.some((s) => s.actions.some((a) => a.startsWith('s3:')))) {
      acknowledgePayloadWildcard(payloadBucket, grantee);
    }
    const withKey: GrantStatement[] = [
      ...statements,
      ...keyStatements(
        encryptionKey,
        statements.flatMap((s) => s.actions),
      ),
    ];
    return withKey
      .map(({ actions, resourceArns, conditions }) =>
        iam.Grant.addToPrincipal({
          grantee,
          actions: [...actions],
          resourceArns: [...resourceArns],
          ...(conditions ? { conditions } : {}),
        }),
      )
      .reduce((all, grant) => all.combine(grant));
  }

  get #workQueueArns(): string[] {
    return this.#resources.workQueues.map((queue) => queue.queueArn);
  }

  /** `events:PutEvents` on the construct's bus, when it has one. */
  #publishStatements(): GrantStatement[] {
    const { eventBus } = this.#resources;
    return eventBus ? [{ actions: ['events:PutEvents'], resourceArns: [eventBus.eventBusArn] }] : [];
  }

  /** `actions` on the payload objects (never the bucket itself), or nothing without a bucket. */
  #payloadStatements(actions: string[]): GrantStatement[] {
    const { payloadBucket } = this.#resources;
    return payloadBucket ? [{ actions, resourceArns: [payloadObjectsArn(payloadBucket)] }] : [];
  }

  #readStatements(extraTableActions: string[]): GrantStatement[] {
    const { table, deadLetterQueue } = this.#resources;
    return [
      {
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:Scan',
          ...extraTableActions,
        ],
        resourceArns: [table.tableArn],
      },
      { actions: ['dynamodb:Query', 'dynamodb:Scan'], resourceArns: jobIndexArns(table) },
      {
        actions: ['sqs:GetQueueAttributes'],
        resourceArns: [...this.#workQueueArns, deadLetterQueue.queueArn],
      },
    ];
  }
}
