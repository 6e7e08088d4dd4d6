import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { splitConcurrency } from '../../infra/delays-and-priorities.js';
import { LonghaulQueue } from '../../infra/index.js';
import { ConfigError } from '../../src/core/errors.js';
import { env } from '../../src/core/names.js';
import {
  arnOf,
  fixtureEntry,
  logicalId,
  newStack,
  resourcesOfType,
  roleStatements,
  type Statement,
  task,
} from './support.js';

// One stack with delays and priorities, a Lambda and a Fargate worker and the three grants, synthesized
// once (bundling the Lambda entry is the slow part).
let template: Template;
let violations: string[];
const ids: Record<string, string> = {};

beforeAll(() => {
  const stack = newStack();
  const checks = new AwsSolutionsChecks(stack.node.scope as never, { verbose: true });
  const jobs = new LonghaulQueue(stack, 'Jobs', {
    tasks: [task('reports.generate')],
    lambda: { entry: fixtureEntry, maxConcurrency: 20 },
    fargate: { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim') },
    delays: true,
    priorities: true,
  });
  for (const name of ['Enqueuer', 'Operator'])
    new iam.Role(stack, name, { assumedBy: new iam.AccountRootPrincipal() });
  jobs.grantEnqueue(stack.node.findChild('Enqueuer') as iam.Role);
  jobs.grantOperate(stack.node.findChild('Operator') as iam.Role);
  template = Template.fromStack(stack);
  const report = checks.validateScope(stack);
  violations = report.violations.map(
    (v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath)}`,
  );
  ids.queue = logicalId(template, 'AWS::SQS::Queue', 'JobsQueue');
  ids.high = logicalId(template, 'AWS::SQS::Queue', 'JobsHighPriorityQueue');
  ids.low = logicalId(template, 'AWS::SQS::Queue', 'JobsLowPriorityQueue');
  ids.dlq = logicalId(template, 'AWS::SQS::Queue', 'JobsDeadLetterQueue');
  ids.group = logicalId(template, 'AWS::Scheduler::ScheduleGroup', 'JobsDelayScheduleGroup');
  ids.delayRole = logicalId(template, 'AWS::IAM::Role', 'JobsDelayRole');
  ids.Enqueuer = logicalId(template, 'AWS::IAM::Role', 'Enqueuer');
  ids.Operator = logicalId(template, 'AWS::IAM::Role', 'Operator');
  ids.worker = logicalId(template, 'AWS::Lambda::Function', 'JobsWorker');
  ids.task = logicalId(template, 'AWS::ECS::TaskDefinition', 'JobsServiceTask');
});

const statementsWith = (roleId: string, action: string): Statement[] =>
  roleStatements(template, roleId).filter((s) => ([] as string[]).concat(s.Action).includes(action));
const schedulesOfGroup = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':scheduler:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':schedule/',
      { Ref: Match.stringLikeRegexp('^JobsDelayScheduleGroup') },
      '/*',
    ],
  ],
};

describe('LonghaulQueue with priorities', () => {
  it('creates high and low queues like the job queue: encrypted, TLS-only, redriving to the shared DLQ', () => {
    for (const id of [ids.high, ids.low]) {
      const queue = resourcesOfType(template, 'AWS::SQS::Queue')[id as string] as { Properties: object };
      expect(queue.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        RedrivePolicy: { deadLetterTargetArn: arnOf(ids.dlq as string), maxReceiveCount: expect.any(Number) },
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('gives the Lambda worker one event source per queue, with most of its concurrency for high', () => {
    const share = splitConcurrency(20);
    expect(share).toEqual({ high: 10, normal: 6, low: 4 });
    for (const [queue, max] of [
      [ids.high, share.high],
      [ids.queue, share.normal],
      [ids.low, share.low],
    ] as const) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: arnOf(queue as string),
        FunctionName: { Ref: ids.worker },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: max },
      });
    }
    expect(splitConcurrency(6)).toEqual({ high: 2, normal: 2, low: 2 });
  });

  it('tells the workers where the priority queues and the delay scheduler are', () => {
    const expected = {
      [env.queueUrlHigh]: { Ref: ids.high },
      [env.queueUrlLow]: { Ref: ids.low },
      [env.delayRoleArn]: arnOf(ids.delayRole as string),
      [env.delayScheduleGroup]: { Ref: ids.group },
      [env.queueArn]: arnOf(ids.queue as string),
    };
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike(expected) },
    });
    const container = (
      resourcesOfType(template, 'AWS::ECS::TaskDefinition')[ids.task as string] as {
        Properties: { ContainerDefinitions: { Environment: { Name: string; Value: unknown }[] }[] };
      }
    ).Properties.ContainerDefinitions[0];
    const variables = Object.fromEntries((container?.Environment ?? []).map((e) => [e.Name, e.Value]));
    expect(variables).toMatchObject(expected);
  });

  it('alarms on the oldest job of each priority queue', () => {
    for (const id of [ids.high, ids.low]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }],
        Threshold: 900,
      });
    }
  });

  it('scales the Fargate service on jobs waiting in any of the three queues', () => {
    const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).map((a) =>
      JSON.stringify(a),
    );
    const scaleOut = alarms.filter((a) => a.includes('ScaleOutOnWaitingJobs'));
    expect(scaleOut.length).toBeGreaterThan(0);
    for (const id of [ids.high, ids.queue, ids.low]) {
      expect(scaleOut.some((a) => a.includes(`"${id}","QueueName"`))).toBe(true);
    }
  });

  it('lets producers send to, and operators redrive to, every priority queue', () => {
    const queues = [arnOf(ids.high as string), arnOf(ids.queue as string), arnOf(ids.low as string)];
    for (const role of [ids.Enqueuer, ids.Operator]) {
      const sends = statementsWith(role as string, 'sqs:SendMessage').flatMap((s) =>
        ([] as unknown[]).concat(s.Resource),
      );
      expect(sends).toEqual(expect.arrayContaining(queues));
    }
  });

  it('refuses a Lambda maxConcurrency too small to split three ways', () => {
    expect(
      () =>
        new LonghaulQueue(newStack(), 'Jobs', {
          tasks: [task('t')],
          lambda: false,
          fargate: { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim') },
          priorities: true,
        }),
    ).not.toThrow();
    expect(
      () =>
        new LonghaulQueue(newStack(), 'Jobs', {
          tasks: [task('t')],
          lambda: { entry: fixtureEntry, maxConcurrency: 4 },
          priorities: true,
        }),
    ).toThrow(ConfigError);
  });
});

describe('LonghaulQueue with delays', () => {
  it('creates a schedule group and a role only EventBridge Scheduler of this account may assume', () => {
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    const role = resourcesOfType(template, 'AWS::IAM::Role')[ids.delayRole as string] as {
      Properties: { AssumeRolePolicyDocument: { Statement: Statement[] }; ManagedPolicyArns?: unknown };
    };
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': expect.objectContaining({ 'Fn::Join': expect.any(Array) }) },
        },
      },
    ]);
    // It may only send to the job queues, and to the dead-letter queue what it could not deliver.
    const statements = roleStatements(template, ids.delayRole as string);
    expect(statements.map((st) => st.Action)).toEqual(['sqs:SendMessage']);
    expect(statements[0]?.Resource).toEqual(
      expect.arrayContaining([
        arnOf(ids.queue as string),
        arnOf(ids.high as string),
        arnOf(ids.low as string),
        arnOf(ids.dlq as string),
      ]),
    );
  });

  it('lets producers create schedules in the group and pass the role to Scheduler, and operators delete them', () => {
    expect(statementsWith(ids.Enqueuer as string, 'scheduler:CreateSchedule')).toHaveLength(1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: ids.Enqueuer }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'scheduler:CreateSchedule', Resource: schedulesOfGroup }),
          Match.objectLike({
            Action: 'iam:PassRole',
            Resource: arnOf(ids.delayRole as string),
            Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: ids.Operator }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'scheduler:DeleteSchedule', Resource: schedulesOfGroup }),
        ]),
      },
    });
    expect(statementsWith(ids.Operator as string, 'scheduler:CreateSchedule')).toEqual([]);
  });

  it('adds nothing without delays or priorities', () => {
    const plain = Template.fromStack(
      (() => {
        const stack = newStack();
        new LonghaulQueue(stack, 'Jobs', {
          tasks: [task('t')],
          lambda: false,
          fargate: { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim') },
        });
        return stack;
      })(),
    );
    plain.resourceCountIs('AWS::Scheduler::ScheduleGroup', 0);
    // The job queue, its DLQ and the counts aggregator's failure queue.
    plain.resourceCountIs('AWS::SQS::Queue', 3);
  });
});

describe('cdk-nag on delays and priorities', () => {
  it('has no AWS Solutions finding', () => {
    expect(violations).toEqual([]);
  });
});
