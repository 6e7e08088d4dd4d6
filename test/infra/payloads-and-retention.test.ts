import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { LonghaulQueue, type LonghaulQueueProps } from '../../infra/index.js';
import { ConfigError } from '../../src/core/errors.js';
import { env } from '../../src/core/names.js';
import { logicalId, newStack, onlyResource, resourcesOfType, roleStatements, task } from './support.js';

// Fargate-only stacks: nothing to bundle, so each case synthesizes quickly.
const image = ecs.ContainerImage.fromRegistry('worker');
function build(
  props: Partial<LonghaulQueueProps> = {},
  stack: Stack = newStack(),
  before: (jobs: LonghaulQueue, stack: Stack) => void = () => {},
) {
  const jobs = new LonghaulQueue(stack, 'Jobs', {
    tasks: [task('a')],
    lambda: false,
    fargate: { image },
    alarms: false,
    dashboard: false,
    counts: false,
    ...props,
  });
  before(jobs, stack);
  return { jobs, stack, template: Template.fromStack(stack) };
}
const containerEnvironment = (template: Template) => {
  const definition = onlyResource(template, 'AWS::ECS::TaskDefinition') as {
    ContainerDefinitions: { Environment: { Name: string; Value: unknown }[] }[];
  };
  return Object.fromEntries(
    (definition.ContainerDefinitions[0]?.Environment ?? []).map((v) => [v.Name, v.Value]),
  );
};

describe('LonghaulQueue payload bucket', () => {
  it('is private, encrypted, unversioned and TLS 1.2+ only, and expires payloads after 37 days', () => {
    const { template } = build();
    const bucketId = logicalId(template, 'AWS::S3::Bucket', 'JobsPayloadBucket');
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        VersioningConfiguration: Match.absent(),
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({
              Id: 'expire-payloads',
              Prefix: 'payloads/',
              ExpirationInDays: 37,
              Status: 'Enabled',
            }),
          ],
        },
      },
    });
    const policy = JSON.stringify(onlyResource(template, 'AWS::S3::BucketPolicy'));
    expect(policy).toContain('"aws:SecureTransport":"false"');
    expect(policy).toContain('"s3:TlsVersion":1.2');
    expect(containerEnvironment(template)[env.payloadBucket]).toEqual({ Ref: bucketId });
  });

  it('follows the longest retention, and is destroyed with the table in development', () => {
    const { template } = build({
      retention: { failed: Duration.days(90) },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 97 })] },
      }),
    });
  });

  it('takes an explicit expiration', () => {
    const { template } = build({ payloads: { expiration: Duration.days(45) } });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 45 })] },
    });
  });

  it('is left out with `payloads: false`, and so are its variable and grants', () => {
    const { template, jobs } = build({ payloads: false }, newStack(), (queue, stack) => {
      queue.grantRead(new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() }));
    });
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(jobs.payloadBucket).toBeUndefined();
    expect(jobs.workerEnvironment[env.payloadBucket]).toBeUndefined();
    const statements = roleStatements(template, logicalId(template, 'AWS::IAM::Role', 'Reader'));
    expect(statements.length).toBeGreaterThan(0);
    expect(JSON.stringify(statements)).not.toContain('s3:');
  });

  it('leaves no cdk-nag finding on the worker roles nor on the roles it grants to', () => {
    const app = new App();
    const stack = new Stack(app, 'Nag');
    const { jobs } = build({ namePrefix: 'nag' }, stack);
    for (const name of ['Enqueuer', 'Reader', 'Operator']) {
      const role = new iam.Role(stack, name, { assumedBy: new iam.AccountRootPrincipal() });
      if (name === 'Enqueuer') jobs.grantEnqueue(role);
      if (name === 'Reader') jobs.grantRead(role);
      if (name === 'Operator') jobs.grantOperate(role);
    }
    const report = new AwsSolutionsChecks(app, { verbose: true }).validateScope(stack);
    const findings = report.violations.map(
      (v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath)}`,
    );
    expect(findings.filter((f) => /S3|Bucket|IAM5/.test(f))).toEqual([]);
  });
});

describe('LonghaulQueue retention', () => {
  it('sets no retention variable by default, so the runtime defaults apply', () => {
    const { template } = build();
    expect(Object.keys(containerEnvironment(template)).filter((n) => n.includes('RETENTION'))).toEqual([]);
  });

  it('passes the retention to the workers in milliseconds', () => {
    const { template, jobs } = build({
      retention: { succeeded: Duration.days(1), failed: Duration.days(60), cancelled: Duration.hours(1) },
    });
    expect(containerEnvironment(template)).toMatchObject({
      [env.retentionSucceededMs]: String(86_400_000),
      [env.retentionFailedMs]: String(60 * 86_400_000),
      [env.retentionCancelledMs]: String(3_600_000),
    });
    expect(jobs.workerEnvironment[env.retentionFailedMs]).toBe(String(60 * 86_400_000));
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('names every bad retention and expiration, with its limit and the value', () => {
    const problem = (props: Partial<LonghaulQueueProps>) => {
      try {
        build(props);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error('Expected the props to be refused');
    };
    expect(problem({ retention: { succeeded: Duration.millis(10) } })).toContain(
      '`retention.succeeded` to be an integer from 1000 to 315360000000 (ms), got `10`',
    );
    expect(problem({ payloads: { expiration: Duration.days(10) } })).toContain(
      '`payloads.expiration` to be whole days from the longest retention (30 days, or no job could outlive its payloads) to 3650, got 10 days',
    );
    expect(problem({ payloads: { expiration: Duration.hours(800) } })).toContain('got 33 days 8 hours');
    expect(problem({ fargate: { image, environment: { [env.retentionFailedMs]: '1000' } } })).toContain(
      `\`fargate.environment\` not to set ${env.retentionFailedMs}`,
    );
  });
});

// Keep the helper honest: a stack with nothing but the construct has exactly one bucket.
describe('LonghaulQueue resources', () => {
  it('creates one bucket and one bucket policy', () => {
    const { template } = build();
    expect(Object.keys(resourcesOfType(template, 'AWS::S3::Bucket'))).toHaveLength(1);
    expect(Object.keys(resourcesOfType(template, 'AWS::S3::BucketPolicy'))).toHaveLength(1);
  });
});
