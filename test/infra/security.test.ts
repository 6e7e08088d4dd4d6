import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LonghaulQueue, type LonghaulQueueProps } from '../../infra/index.js';
import { ConfigError } from '../../src/core/errors.js';
import { defineSchedule } from '../../src/core/schedule.js';
import {
  arnOf,
  cfnLint,
  fixtureEntry,
  logicalId,
  newStack,
  onlyResource,
  resourcesOfType,
  roleStatements,
  type Statement,
  task,
} from './support.js';

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim');

/** A Fargate-only stack: nothing to bundle, so it synthesizes quickly. */
function fargateOnly(
  fargate: Partial<LonghaulQueueProps['fargate']> = {},
  more: Partial<LonghaulQueueProps> = {},
) {
  const stack = newStack();
  const jobs = new LonghaulQueue(stack, 'Jobs', {
    tasks: [task('a')],
    lambda: false,
    fargate: { image, ...fargate },
    counts: false,
    ...more,
  });
  return { stack, jobs };
}

const egressOf = (template: Template) =>
  (onlyResource(template, 'AWS::EC2::SecurityGroup') as { SecurityGroupEgress: unknown[] })
    .SecurityGroupEgress;
const descriptionOf = (template: Template) =>
  (onlyResource(template, 'AWS::EC2::SecurityGroup') as { GroupDescription: string }).GroupDescription;

describe('LonghaulQueue Fargate security group', () => {
  it('allows outbound HTTPS only, as its description says', () => {
    const template = Template.fromStack(fargateOnly().stack);
    expect(egressOf(template)).toEqual([
      {
        CidrIp: '0.0.0.0/0',
        Description: 'HTTPS to AWS APIs',
        FromPort: 443,
        IpProtocol: 'tcp',
        ToPort: 443,
      },
    ]);
    expect(descriptionOf(template)).toBe('Longhaul workers: no inbound traffic; outbound HTTPS to AWS APIs');
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { SecurityGroupIngress: Match.absent() });
  });

  it('allows all outbound traffic with `fargate.allowAllOutbound`, and says so', () => {
    const template = Template.fromStack(fargateOnly({ allowAllOutbound: true }).stack);
    expect(egressOf(template)).toEqual([
      { CidrIp: '0.0.0.0/0', Description: 'Allow all outbound traffic by default', IpProtocol: '-1' },
    ]);
    expect(descriptionOf(template)).toBe('Longhaul workers: no inbound traffic; all outbound traffic');
  });

  it("adds the rules given through the service's connections to the HTTPS rule", () => {
    const { stack, jobs } = fargateOnly();
    jobs.fargateService?.connections.allowToAnyIpv4(ec2.Port.tcp(5432), 'Postgres');
    const egress = egressOf(Template.fromStack(stack));
    expect(egress).toHaveLength(2);
    expect(egress).toContainEqual(
      expect.objectContaining({ FromPort: 5432, ToPort: 5432, IpProtocol: 'tcp' }),
    );
  });
});

// One stack with every encrypted part and every grantee (a Lambda and a Fargate worker, the counts
// aggregator, a schedule, delays, priorities, the payload bucket), synthesized once: bundling is slow.
describe('LonghaulQueue with a customer-managed key', () => {
  let template: Template;
  let violations: string[];
  let outdir: string;
  const ids: Record<string, string> = {};
  const keyArn = () => arnOf(ids.key as string);
  const reader = ['kms:Decrypt', 'kms:DescribeKey'];
  const writer = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'];

  beforeAll(async () => {
    const stack = newStack();
    const checks = new AwsSolutionsChecks(stack.node.scope as never, { verbose: true });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const a = task('a');
    const jobs = new LonghaulQueue(stack, 'Jobs', {
      tasks: [a],
      schedules: [defineSchedule(a, 'rate(5 minutes)')],
      lambda: { entry: fixtureEntry, maxConcurrency: 20 },
      fargate: { image },
      delays: true,
      priorities: true,
      encryptionKey: key,
    });
    for (const name of ['Enqueuer', 'Reader', 'Operator']) {
      const role = new iam.Role(stack, name, { assumedBy: new iam.AccountRootPrincipal() });
      if (name === 'Enqueuer') jobs.grantEnqueue(role);
      if (name === 'Reader') jobs.grantRead(role);
      if (name === 'Operator') jobs.grantOperate(role);
    }
    template = Template.fromStack(stack);
    violations = checks
      .validateScope(stack)
      .violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath)}`);
    ids.key = logicalId(template, 'AWS::KMS::Key', 'Key');
    for (const [name, prefix] of Object.entries({
      lambdaRole: 'JobsWorkerRole',
      taskRole: 'JobsServiceTaskRole',
      countsRole: 'JobsCountsRole',
      delayRole: 'JobsDelayRole',
      Enqueuer: 'Enqueuer',
      Reader: 'Reader',
      Operator: 'Operator',
    }))
      ids[name] = logicalId(template, 'AWS::IAM::Role', prefix);
    outdir = await mkdtemp(join(tmpdir(), 'longhaul-kms-'));
  });

  afterAll(async () => {
    if (outdir) await rm(outdir, { recursive: true, force: true });
  });

  it('encrypts every queue with the key', () => {
    const queues = Object.values(resourcesOfType(template, 'AWS::SQS::Queue')) as {
      Properties: Record<string, unknown>;
    }[];
    // The job queue, its dead-letter queue, the two priority queues and the counts failure queue.
    expect(queues).toHaveLength(5);
    for (const queue of queues) {
      expect(queue.Properties.KmsMasterKeyId).toEqual(keyArn());
      expect(queue.Properties.SqsManagedSseEnabled).toBeUndefined();
    }
  });

  it('encrypts the table, the payload bucket and every log group with the key', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn() },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn() },
            BucketKeyEnabled: true,
          },
        ],
      },
    });
    const logGroups = Object.values(resourcesOfType(template, 'AWS::Logs::LogGroup')) as {
      Properties: Record<string, unknown>;
    }[];
    // The Lambda worker, the counts aggregator, the Fargate worker and the VPC flow logs.
    expect(logGroups).toHaveLength(4);
    for (const group of logGroups) expect(group.Properties.KmsKeyId).toEqual(keyArn());
  });

  const keyStatements = () =>
    (
      onlyResource(template, 'AWS::KMS::Key') as { KeyPolicy: { Statement: Statement[] } }
    ).KeyPolicy.Statement.filter((s) => s.Effect === 'Allow');

  it('lets CloudWatch Logs of this region use the key for this account’s log groups only', () => {
    const logs = keyStatements().filter((s) => JSON.stringify(s.Principal).includes('logs.'));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
      Action: expect.arrayContaining(['kms:Encrypt*', 'kms:Decrypt*', 'kms:GenerateDataKey*']),
      Condition: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':logs:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':log-group:*',
              ],
            ],
          },
        },
      },
    });
  });

  it('lets EventBridge of this account put scheduled runs on the encrypted queue and DLQ', () => {
    const events = keyStatements().filter((s) =>
      JSON.stringify(s.Principal).includes('events.amazonaws.com'),
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    // The queue policies still name the rule: only it may send.
    const allows = Object.values(resourcesOfType(template, 'AWS::SQS::QueuePolicy')).flatMap((p) =>
      (
        p as { Properties: { PolicyDocument: { Statement: Statement[] } } }
      ).Properties.PolicyDocument.Statement.filter((s) => s.Effect === 'Allow'),
    );
    expect(allows.length).toBeGreaterThanOrEqual(2);
    for (const allow of allows) {
      expect(allow.Principal).toEqual({ Service: 'events.amazonaws.com' });
      expect(allow.Condition).toMatchObject({ ArnEquals: { 'aws:SourceArn': expect.anything() } });
    }
  });

  const kmsActionsOf = (role: string) =>
    roleStatements(template, ids[role] as string)
      .filter((s) => JSON.stringify(s.Resource) === JSON.stringify(keyArn()))
      .flatMap((s) => ([] as string[]).concat(s.Action));

  it.each(['lambdaRole', 'taskRole', 'countsRole', 'delayRole', 'Enqueuer', 'Operator'])(
    'lets %s encrypt and decrypt with the key, naming it',
    (role) => {
      expect(new Set(kmsActionsOf(role))).toEqual(new Set(writer));
    },
  );

  it('lets grantRead decrypt with the key, and no more', () => {
    expect(new Set(kmsActionsOf('Reader'))).toEqual(new Set(reader));
  });

  it('never grants a KMS action on every key', () => {
    const all = Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
          .Statement,
    );
    for (const s of all.filter((s) => ([] as string[]).concat(s.Action).some((a) => a.startsWith('kms:'))))
      expect(s.Resource).toEqual(keyArn());
  });

  it('has no AWS Solutions finding', () => {
    expect(violations).toEqual([]);
  });

  it('passes cfn-lint', async () => {
    const path = join(outdir, 'template.json');
    await writeFile(path, JSON.stringify(template.toJSON()));
    const result = await cfnLint(path);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('LonghaulQueue without a key', () => {
  it('keeps SQS-managed, AWS-managed and S3-managed encryption and creates no key policy', () => {
    const template = Template.fromStack(fargateOnly({}, { priorities: true }).stack);
    for (const queue of Object.values(resourcesOfType(template, 'AWS::SQS::Queue')))
      expect((queue as { Properties: Record<string, unknown> }).Properties).toMatchObject({
        SqsManagedSseEnabled: true,
      });
    template.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: { SSEEnabled: true } });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    for (const group of Object.values(resourcesOfType(template, 'AWS::Logs::LogGroup')))
      expect((group as { Properties: Record<string, unknown> }).Properties.KmsKeyId).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toContain('kms:');
  });
});

describe('LonghaulQueue encryptionKey', () => {
  it('warns that an imported key’s policy must allow CloudWatch Logs and EventBridge', () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(
      stack,
      'Imported',
      'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    );
    const a = task('a');
    new LonghaulQueue(stack, 'Jobs', {
      tasks: [a],
      schedules: [defineSchedule(a, 'rate(1 hour)')],
      lambda: false,
      fargate: { image },
      counts: false,
      encryptionKey: key,
    });
    Annotations.fromStack(stack).hasWarning(
      '/Test/Jobs',
      Match.stringLikeRegexp('key policy.*logs\\.<region>\\.amazonaws\\.com.*events\\.amazonaws\\.com'),
    );
  });

  it('refuses a key of another region than the stack, naming both', () => {
    const stack = new Stack(new App(), 'Test', { env: { account: '111122223333', region: 'us-east-1' } });
    const key = kms.Key.fromKeyArn(
      stack,
      'Imported',
      'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    );
    expect(
      () =>
        new LonghaulQueue(stack, 'Jobs', {
          tasks: [task('a')],
          lambda: false,
          fargate: { image },
          encryptionKey: key,
        }),
    ).toThrow(/`encryptionKey` to be a key of the stack's region \(us-east-1.*got a key of eu-west-1/);
  });

  it('refuses a key that cannot encrypt data, naming the field and the key spec', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Signing', {
      keySpec: kms.KeySpec.RSA_2048,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
    });
    let error: unknown;
    try {
      new LonghaulQueue(stack, 'Jobs', {
        tasks: [task('a')],
        lambda: false,
        fargate: { image },
        encryptionKey: key,
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('`encryptionKey` to be a symmetric encryption key');
    expect((error as Error).message).toContain('RSA_2048');
    expect((error as Error).message).toContain('SIGN_VERIFY');
  });
});
