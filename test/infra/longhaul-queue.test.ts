import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LonghaulQueue } from '../../infra/index.js';
import { countsStream, env, jobIndexes, jobTable } from '../../src/core/names.js';
import { defineSchedule, scheduledEnvelope } from '../../src/core/schedule.js';
import { defineTask } from '../../src/core/task.js';
import { renderInputTransformer } from '../support/eventbridge.js';
import {
  arnOf,
  fixtureEntry,
  indexArn,
  logicalId,
  newStack,
  normalize,
  onlyResource,
  resourcesOfType,
  roleStatements,
  type Statement,
  task,
} from './support.js';

// One stack with everything (Lambda, Fargate, two schedules, every grant) is synthesized once, since
// bundling the Lambda entry is the slow part; the Fargate-only stack needs no bundling.
const reports = defineTask({
  name: 'reports.generate',
  args: z.object({ accountId: z.string() }),
  retries: 5,
  timeoutMs: 120_000,
  run: async () => null,
});
const refresh = task('dashboard.refresh', { retries: 1 });
const nightly = defineSchedule(reports, 'cron(0 6 * * ? *)', {
  name: 'nightly-report',
  args: { accountId: 'acme' },
  description: 'The nightly report',
});
const everyFiveMinutes = defineSchedule(refresh, 'rate(5 minutes)', { overlap: 'skip' });

let template: Template;
let jobs: LonghaulQueue;
const ids: Record<string, string> = {};

beforeAll(() => {
  const stack = newStack();
  const topic = new sns.Topic(stack, 'Pager');
  jobs = new LonghaulQueue(stack, 'Jobs', {
    tasks: [reports, refresh],
    schedules: [nightly, everyFiveMinutes],
    lambda: {
      entry: fixtureEntry,
      timeout: Duration.minutes(3),
      maxConcurrency: 20,
      environment: { TZ: 'UTC' },
    },
    fargate: { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim') },
    alarms: { actions: [new cloudwatchActions.SnsAction(topic)] },
  });
  for (const name of ['Enqueuer', 'Reader', 'Operator']) {
    new iam.Role(stack, name, { assumedBy: new iam.AccountRootPrincipal() });
  }
  jobs.grantEnqueue(stack.node.findChild('Enqueuer') as iam.Role);
  jobs.grantRead(stack.node.findChild('Reader') as iam.Role);
  jobs.grantOperate(stack.node.findChild('Operator') as iam.Role);
  template = Template.fromStack(stack);
  ids.queue = logicalId(template, 'AWS::SQS::Queue', 'JobsQueue');
  ids.dlq = logicalId(template, 'AWS::SQS::Queue', 'JobsDeadLetterQueue');
  ids.table = logicalId(template, 'AWS::DynamoDB::Table', 'JobsTable');
  for (const name of ['Enqueuer', 'Reader', 'Operator'])
    ids[name] = logicalId(template, 'AWS::IAM::Role', name);
  ids.lambdaRole = logicalId(template, 'AWS::IAM::Role', 'JobsWorkerRole');
  ids.taskRole = logicalId(template, 'AWS::IAM::Role', 'JobsServiceTaskRole');
  ids.bucket = logicalId(template, 'AWS::S3::Bucket', 'JobsPayloadBucket');
  ids.countsFailures = logicalId(template, 'AWS::SQS::Queue', 'JobsCountsFailureQueue');
});

const tableArns = () => [arnOf(ids.table as string)];
const indexArns = () => jobIndexes.map((index) => indexArn(ids.table as string, index.name));
/** The payload objects: the `payloads/` prefix of the bucket, never the bucket itself. */
const payloadArn = () => ({ 'Fn::Join': ['', [arnOf(ids.bucket as string), '/payloads/*']] });

describe('LonghaulQueue queues', () => {
  it('encrypts every queue with SQS-managed keys and keeps the DLQ 14 days', () => {
    const queues = resourcesOfType(template, 'AWS::SQS::Queue');
    // The job queue, its DLQ, and the counts aggregator's failure queue.
    expect(Object.keys(queues)).toHaveLength(3);
    for (const queue of Object.values(queues)) {
      expect((queue as { Properties: object }).Properties).toMatchObject({ SqsManagedSseEnabled: true });
    }
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
      RedrivePolicy: Match.absent(),
    });
  });

  it('redrives after the largest attempt budget plus two, and hides jobs for six Lambda timeouts', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * 180,
      MessageRetentionPeriod: 14 * 24 * 3600,
      RedrivePolicy: { deadLetterTargetArn: arnOf(ids.dlq as string), maxReceiveCount: 6 + 2 },
    });
    expect(jobs.maxReceiveCount).toBe(8);
    expect(jobs.visibilityTimeout.toSeconds()).toBe(1080);
  });

  it('denies every request to any queue that does not use TLS', () => {
    for (const queueId of [ids.queue, ids.dlq, ids.countsFailures]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 'sqs:*',
              Resource: arnOf(queueId as string),
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ]),
        },
      });
    }
  });
});

describe('LonghaulQueue table', () => {
  it('is on demand, with PITR, TTL, an AWS-managed key and deletion protection', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: jobTable.partitionKey, KeyType: 'HASH' }],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: jobTable.ttlAttribute, Enabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      }),
    });
  });

  it('has the by-time-v2 and sparse by-attention indexes, keyed and projected on what never changes', () => {
    const table = onlyResource(template, 'AWS::DynamoDB::Table');
    expect(table.AttributeDefinitions).toEqual([
      { AttributeName: 'id', AttributeType: 'S' },
      { AttributeName: 'timeShard', AttributeType: 'S' },
      { AttributeName: 'enqueuedAt', AttributeType: 'N' },
      { AttributeName: 'attentionShard', AttributeType: 'S' },
    ]);
    // No index is keyed on the status, and each projects only the task (set once, at creation): a
    // heartbeat or a quick job's claim and success never write to an index.
    expect(table.GlobalSecondaryIndexes).toEqual(
      ['by-time-v2', 'by-attention'].map((name) => ({
        IndexName: name,
        KeySchema: [
          { AttributeName: name === 'by-time-v2' ? 'timeShard' : 'attentionShard', KeyType: 'HASH' },
          { AttributeName: 'enqueuedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['task'] },
      })),
    );
  });

  it('keeps the legacy indexes a table moving from the earlier layout names, and refuses unknown ones', () => {
    const stack = newStack();
    new LonghaulQueue(stack, 'Moving', {
      tasks: [refresh],
      fargate: { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim') },
      tableIndexes: ['by-status', 'by-task', 'by-time', 'by-time-v2'],
    });
    const moving = onlyResource(Template.fromStack(stack), 'AWS::DynamoDB::Table');
    const indexes = moving.GlobalSecondaryIndexes as { IndexName: string }[];
    expect(indexes.map((index) => index.IndexName)).toEqual([
      'by-time-v2',
      'by-status',
      'by-task',
      'by-time',
    ]);
    expect(
      () =>
        new LonghaulQueue(newStack(), 'Typo', {
          tasks: [refresh],
          fargate: { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim') },
          tableIndexes: ['by-statuz' as 'by-status'],
        }),
    ).toThrow(
      'expected `tableIndexes` to name only `by-time-v2`, `by-attention`, `by-status`, `by-task`, `by-time`, got `by-statuz`',
    );
  });
});

describe('LonghaulQueue Lambda worker', () => {
  it('runs on Node 22 on ARM with the queue, table and limits in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 180,
      MemorySize: 512,
      LoggingConfig: { LogGroup: { Ref: logicalId(template, 'AWS::Logs::LogGroup', 'JobsWorkerLogs') } },
      Environment: {
        Variables: {
          TZ: 'UTC',
          [env.queueUrl]: { Ref: ids.queue },
          [env.deadLetterQueueUrl]: { Ref: ids.dlq },
          [env.tableName]: { Ref: ids.table },
          [env.visibilityTimeoutSeconds]: '1080',
          [env.deliveryLimit]: '8',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  it('takes batches from the queue with partial batch responses and bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(ids.queue as string),
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 20 },
    });
  });

  it('logs to its own log group, kept one month', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    // Lambda worker, counts aggregator, ECS, flow log.
    expect(Object.keys(resourcesOfType(template, 'AWS::Logs::LogGroup'))).toHaveLength(4);
  });

  it('has a role with no managed policy, allowed exactly what a worker does', () => {
    const role = template.findResources('AWS::IAM::Role')[ids.lambdaRole as string];
    expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(roleStatements(template, ids.lambdaRole as string).map(normalize)).toEqual(
      [
        {
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [arnOf(logicalId(template, 'AWS::Logs::LogGroup', 'JobsWorkerLogs'))],
        },
        // Granted by the SQS event source mapping.
        {
          actions: [
            'sqs:ChangeMessageVisibility',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
            'sqs:GetQueueUrl',
            'sqs:ReceiveMessage',
          ],
          resources: [arnOf(ids.queue as string)],
        },
        // Delayed copies of jobs waiting for a limit, long jobs' fresh copies, a workflow's next jobs.
        { actions: ['sqs:SendMessage'], resources: [arnOf(ids.queue as string)] },
        { actions: ['sqs:GetQueueAttributes', 'sqs:SendMessage'], resources: [arnOf(ids.dlq as string)] },
        {
          actions: [
            'dynamodb:BatchWriteItem',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:Query',
            'dynamodb:UpdateItem',
          ],
          resources: tableArns(),
        },
        { actions: ['dynamodb:Query'], resources: indexArns() },
        { actions: ['s3:GetObject', 's3:PutObject'], resources: [payloadArn()] },
      ].map((s) => normalize({ Effect: 'Allow', Action: s.actions, Resource: s.resources })),
    );
  });
});

describe('LonghaulQueue schedules', () => {
  const rules = () => Object.values(resourcesOfType(template, 'AWS::Events::Rule'));
  const ruleFor = (expression: string) => {
    const rule = rules().find(
      (r) =>
        (r as { Properties: { ScheduleExpression: string } }).Properties.ScheduleExpression === expression,
    ) as { Properties: Record<string, unknown> } | undefined;
    if (!rule) throw new Error(`No rule for ${expression}`);
    return rule.Properties;
  };

  it('deploys one rule per schedule with its expression and description', () => {
    expect(rules()).toHaveLength(2);
    expect(ruleFor('cron(0 6 * * ? *)')).toMatchObject({
      Description: 'The nightly report',
      State: 'ENABLED',
    });
    expect(ruleFor('rate(5 minutes)').Description).toContain('dashboard.refresh');
    expect(Object.keys(jobs.rules).sort()).toEqual(['dashboard.refresh', 'nightly-report']);
  });

  it.each([
    ['cron(0 6 * * ? *)', nightly],
    ['rate(5 minutes)', everyFiveMinutes],
  ])('sends the scheduled envelope of %s with the event time as the run id', (expression, schedule) => {
    const [target] = ruleFor(expression).Targets as Array<Record<string, never>>;
    expect(target).toMatchObject({
      Arn: arnOf(ids.queue as string),
      DeadLetterConfig: { Arn: arnOf(ids.dlq as string) },
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
    });
    const transformer = (
      target as unknown as {
        InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string };
      }
    ).InputTransformer;
    expect(transformer.InputPathsMap).toEqual({ time: '$.time' });
    const time = '2026-11-23T06:00:00Z';
    const body = JSON.parse(renderInputTransformer(transformer, { time }));
    expect(body).toEqual(scheduledEnvelope(schedule, time));
    expect(body.id).toBe(`${schedule.name}@${time}`);
    // Placeholders only inside strings: the template is valid JSON itself, as emulators need.
    expect(JSON.parse(transformer.InputTemplate)).toEqual(scheduledEnvelope(schedule, '<time>'));
  });

  it('lets only these rules send to the queue and its DLQ', () => {
    for (const queueId of [ids.queue, ids.dlq]) {
      const policy = Object.values(resourcesOfType(template, 'AWS::SQS::QueuePolicy')).find(
        (p) =>
          JSON.stringify((p as { Properties: { Queues: unknown } }).Properties.Queues) ===
          JSON.stringify([{ Ref: queueId }]),
      ) as { Properties: { PolicyDocument: { Statement: Statement[] } } };
      const allows = policy.Properties.PolicyDocument.Statement.filter((s) => s.Effect === 'Allow');
      expect(allows).toHaveLength(2);
      for (const allow of allows) {
        expect(allow.Principal).toEqual({ Service: 'events.amazonaws.com' });
        expect(allow.Condition).toMatchObject({ ArnEquals: { 'aws:SourceArn': expect.anything() } });
        expect(allow.Action).toContain('sqs:SendMessage');
      }
    }
  });
});

describe('LonghaulQueue Fargate worker', () => {
  it('runs the image on ARM with the worker environment and a stop timeout past the grace', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '512',
      Memory: '1024',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          ReadonlyRootFilesystem: true,
          StopTimeout: 45,
          LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
          Environment: Match.arrayWith([
            { Name: env.queueUrl, Value: { Ref: ids.queue } },
            { Name: env.deadLetterQueueUrl, Value: { Ref: ids.dlq } },
            { Name: env.tableName, Value: { Ref: ids.table } },
            { Name: env.visibilityTimeoutSeconds, Value: '1080' },
            { Name: env.deliveryLimit, Value: '8' },
            { Name: env.concurrency, Value: '4' },
            { Name: env.shutdownGraceMs, Value: '30000' },
          ]),
        }),
      ],
    });
  });

  it('runs in public subnets of its own VPC with a public IP, no NAT gateway and Container Insights', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'ENABLED' }) },
      DeploymentConfiguration: Match.objectLike({
        MinimumHealthyPercent: 100,
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      }),
      DesiredCount: Match.absent(),
    });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { SecurityGroupIngress: Match.absent() });
  });

  it('scales between 0 and 4 tasks: out while jobs wait, in only when none waits or runs', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 0,
      MaxCapacity: 4,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    const policies = Object.values(
      resourcesOfType(template, 'AWS::ApplicationAutoScaling::ScalingPolicy'),
    ).map(
      (p) =>
        (p as { Properties: { StepScalingPolicyConfiguration: Record<string, unknown> } }).Properties
          .StepScalingPolicyConfiguration,
    );
    expect(policies).toHaveLength(2);
    expect(policies).toContainEqual(
      expect.objectContaining({
        AdjustmentType: 'ChangeInCapacity',
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 39, ScalingAdjustment: 1 },
          { MetricIntervalLowerBound: 39, MetricIntervalUpperBound: 199, ScalingAdjustment: 2 },
          { MetricIntervalLowerBound: 199, ScalingAdjustment: 4 },
        ],
      }),
    );
    expect(policies).toContainEqual(
      expect.objectContaining({ StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -4 }] }),
    );
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.queue, 'QueueName'] } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 0,
      ComparisonOperator: 'LessThanOrEqualToThreshold',
      EvaluationPeriods: 15,
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'visible + inFlight' })]),
    });
  });

  it('gives the task role exactly what a worker does', () => {
    expect(roleStatements(template, ids.taskRole as string).map(normalize)).toEqual(
      [
        {
          Action: [
            'sqs:ReceiveMessage',
            'sqs:DeleteMessage',
            'sqs:ChangeMessageVisibility',
            'sqs:GetQueueAttributes',
          ],
          Resource: arnOf(ids.queue as string),
        },
        { Action: 'sqs:SendMessage', Resource: arnOf(ids.queue as string) },
        { Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes'], Resource: arnOf(ids.dlq as string) },
        {
          Action: [
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:BatchWriteItem',
            'dynamodb:UpdateItem',
            'dynamodb:Query',
          ],
          Resource: tableArns(),
        },
        { Action: 'dynamodb:Query', Resource: indexArns() },
        { Action: ['s3:GetObject', 's3:PutObject'], Resource: payloadArn() },
      ].map((s) => normalize({ Effect: 'Allow', ...s })),
    );
  });
});

describe('LonghaulQueue grants', () => {
  const statementsOf = (role: string) => roleStatements(template, ids[role] as string).map(normalize);
  const expected = (statements: Array<{ Action: string[]; Resource: unknown }>) =>
    statements.map((s) => normalize({ Effect: 'Allow', ...s }));

  it('grantEnqueue allows sending to the queue and putting and getting jobs and their payloads', () => {
    expect(statementsOf('Enqueuer')).toEqual(
      expected([
        { Action: ['sqs:SendMessage'], Resource: arnOf(ids.queue as string) },
        {
          Action: ['dynamodb:PutItem', 'dynamodb:BatchWriteItem', 'dynamodb:GetItem'],
          Resource: tableArns(),
        },
        { Action: ['s3:GetObject', 's3:PutObject'], Resource: payloadArn() },
      ]),
    );
  });

  it('grantRead allows reading jobs, their payloads, their indexes and both queues’ attributes', () => {
    expect(statementsOf('Reader')).toEqual(
      expected([
        {
          Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan'],
          Resource: tableArns(),
        },
        { Action: ['dynamodb:Query', 'dynamodb:Scan'], Resource: indexArns() },
        {
          Action: ['sqs:GetQueueAttributes'],
          Resource: [arnOf(ids.queue as string), arnOf(ids.dlq as string)],
        },
        { Action: ['s3:GetObject'], Resource: payloadArn() },
      ]),
    );
  });

  it('grantOperate adds updating and purging jobs, re-sending them and draining the DLQ', () => {
    expect(statementsOf('Operator')).toEqual(
      expected([
        {
          Action: [
            'dynamodb:GetItem',
            'dynamodb:BatchGetItem',
            'dynamodb:Query',
            'dynamodb:Scan',
            'dynamodb:UpdateItem',
            'dynamodb:DeleteItem',
            'dynamodb:PutItem',
          ],
          Resource: tableArns(),
        },
        { Action: ['dynamodb:Query', 'dynamodb:Scan'], Resource: indexArns() },
        {
          Action: ['sqs:GetQueueAttributes'],
          Resource: [arnOf(ids.queue as string), arnOf(ids.dlq as string)],
        },
        { Action: ['s3:GetObject', 's3:PutObject'], Resource: payloadArn() },
        { Action: ['sqs:SendMessage'], Resource: arnOf(ids.queue as string) },
        {
          Action: [
            'sqs:ReceiveMessage',
            'sqs:DeleteMessage',
            'sqs:ChangeMessageVisibility',
            'sqs:GetQueueAttributes',
            'sqs:SendMessage',
          ],
          Resource: arnOf(ids.dlq as string),
        },
      ]),
    );
  });

  it('never allows a wildcard action, nor any action on every resource but the image pull token', () => {
    const allows = [
      ...Object.values(resourcesOfType(template, 'AWS::IAM::Policy')),
      ...Object.values(resourcesOfType(template, 'AWS::SQS::QueuePolicy')),
    ].flatMap((p) =>
      (
        p as { Properties: { PolicyDocument: { Statement: Statement[] } } }
      ).Properties.PolicyDocument.Statement.filter((s) => s.Effect === 'Allow'),
    );
    expect(allows.length).toBeGreaterThan(10);
    for (const statement of allows) {
      const { actions, resources } = normalize(statement);
      for (const action of actions) expect(action).not.toMatch(/^\*$|:\*$/);
      // AWS allows these two only on every resource: the image pull token, and listing streams.
      if (resources.includes('*'))
        expect([['ecr:GetAuthorizationToken'], ['dynamodb:ListStreams']]).toContainEqual(actions);
    }
  });
});

describe('LonghaulQueue alarms and dashboard', () => {
  it('alarms on a non-empty DLQ, an old job and Lambda errors, and pages through the actions', () => {
    const topic = { Ref: logicalId(template, 'AWS::SNS::Topic', 'Pager') };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.dlq, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topic],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 900,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topic],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Threshold: 0,
      Period: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [topic],
    });
    expect(jobs.alarms).toEqual([
      jobs.deadLetterAlarm,
      jobs.oldestMessageAlarm,
      jobs.workerErrorsAlarm,
      jobs.countsFailureAlarm,
    ]);
  });

  it('draws the queue, DLQ, Lambda, Fargate and table metrics on one dashboard', () => {
    const body = JSON.stringify(onlyResource(template, 'AWS::CloudWatch::Dashboard').DashboardBody);
    for (const metric of [
      'ApproximateNumberOfMessagesVisible',
      'ApproximateAgeOfOldestMessage',
      'Invocations',
      'Errors',
      'Throttles',
      'Duration',
      'RunningTaskCount',
      'ConsumedWriteCapacityUnits',
    ]) {
      expect(body).toContain(metric);
    }
  });

  it('exposes the worker environment for workers run elsewhere', () => {
    expect(Object.keys(jobs.workerEnvironment).sort()).toEqual(
      [
        env.queueUrl,
        env.deadLetterQueueUrl,
        env.tableName,
        env.visibilityTimeoutSeconds,
        env.deliveryLimit,
        env.payloadBucket,
        env.metrics,
        env.metricsNamespace,
      ].sort(),
    );
    expect(jobs.workerFunction).toBeDefined();
    expect(jobs.fargateService).toBeDefined();
    expect(jobs.dashboard).toBeDefined();
  });
});

describe('LonghaulQueue Fargate worker with a short grace', () => {
  it('gives ECS a stop timeout past the longest long poll, whose messages the worker hands back', () => {
    const stack = newStack();
    new LonghaulQueue(stack, 'Jobs', {
      tasks: [task('quick.one')],
      lambda: false,
      fargate: { image: ecs.ContainerImage.fromRegistry('worker'), shutdownGrace: Duration.seconds(2) },
      alarms: false,
      dashboard: false,
      counts: false,
    });
    // A poll under way at SIGTERM may take up to 20 s to answer; 2 s + 15 s would SIGKILL it first.
    Template.fromStack(stack).hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ StopTimeout: 35 })],
    });
  });
});

describe('LonghaulQueue without Lambda', () => {
  let bare: Template;
  let fargateOnly: LonghaulQueue;
  beforeAll(() => {
    const stack = newStack();
    fargateOnly = new LonghaulQueue(stack, 'Jobs', {
      tasks: [task('long.one', { retries: 0, timeoutMs: 3_600_000 })],
      lambda: false,
      fargate: {
        image: ecs.ContainerImage.fromRegistry('worker'),
        minTasks: 1,
        maxTasks: 8,
        concurrency: 2,
        shutdownGrace: Duration.seconds(100),
      },
      namePrefix: 'acme',
      alarms: false,
      dashboard: false,
      counts: false,
    });
    bare = Template.fromStack(stack);
  });

  it('serves tasks longer than Lambda allows from Fargate, with a 5-minute visibility timeout', () => {
    bare.resourceCountIs('AWS::Lambda::Function', 0);
    bare.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'acme-jobs',
      VisibilityTimeout: 300,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }),
    });
    bare.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'acme-jobs-dlq' });
    bare.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'acme-jobs' });
    bare.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: 8,
    });
    bare.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          StopTimeout: 115,
          Environment: Match.arrayWith([
            { Name: env.concurrency, Value: '2' },
            { Name: env.shutdownGraceMs, Value: '100000' },
          ]),
        }),
      ],
    });
  });

  it('creates no alarm and no dashboard when told not to', () => {
    bare.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(fargateOnly.alarms).toEqual([]);
    expect(fargateOnly.dashboard).toBeUndefined();
    expect(fargateOnly.workerFunction).toBeUndefined();
    expect(fargateOnly.countsFailureQueue).toBeUndefined();
    expect(fargateOnly.countsFailureAlarm).toBeUndefined();
    // Only the two scaling alarms remain.
    expect(Object.keys(resourcesOfType(bare, 'AWS::CloudWatch::Alarm'))).toHaveLength(2);
  });
});

describe('LonghaulQueue counts aggregator', () => {
  it('reads the table stream in large batches and may only write to the table and its failure queue', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Environment: { Variables: Match.objectLike({ [env.tableName]: { Ref: ids.table } }) },
      Description: Match.stringLikeRegexp('counts'),
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [ids.table, 'StreamArn'] },
      BatchSize: countsStream.batchSize,
      MaximumBatchingWindowInSeconds: countsStream.maxBatchingWindowSeconds,
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
    });
    const role = logicalId(template, 'AWS::IAM::Role', 'JobsCountsRole');
    expect(roleStatements(template, role).map(normalize)).toEqual([
      {
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [arnOf(logicalId(template, 'AWS::Logs::LogGroup', 'JobsCountsLogs'))],
      },
      // Granted by the on-failure destination.
      {
        actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        resources: [arnOf(ids.countsFailures as string)],
      },
      // Granted by the stream event source mapping.
      { actions: ['dynamodb:ListStreams'], resources: ['*'] },
      {
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [{ 'Fn::GetAtt': [ids.table, 'StreamArn'] }],
      },
      { actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: [arnOf(ids.table as string)] },
    ]);
  });

  it('sends the batches it gives up on to an encrypted failure queue kept 14 days, and alarms on it', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [ids.table, 'StreamArn'] },
      DestinationConfig: { OnFailure: { Destination: arnOf(ids.countsFailures as string) } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
      RedrivePolicy: Match.absent(),
    });
    expect(jobs.countsFailureQueue).toBeDefined();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.countsFailures, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmDescription: Match.stringLikeRegexp('longhaul stats --rebuild'),
      AlarmActions: [{ Ref: logicalId(template, 'AWS::SNS::Topic', 'Pager') }],
    });
    expect(jobs.countsFailureAlarm).toBeDefined();
  });
});
