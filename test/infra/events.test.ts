// The construct's `events` prop: a bus (new or given), its name in the workers' environment, and
// events:PutEvents on that bus only. Fargate-only stacks: no Lambda bundling, so synth is quick.

import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { LonghaulQueue } from '../../infra/index.js';
import { env } from '../../src/core/names.js';
import { arnOf, logicalId, newStack, normalize, roleStatements, task } from './support.js';

function fargateQueue(stack: Stack, eventsProp: boolean | events.IEventBus | undefined): LonghaulQueue {
  return new LonghaulQueue(stack, 'Jobs', {
    tasks: [task('one')],
    lambda: false,
    fargate: { image: ecs.ContainerImage.fromRegistry('worker') },
    namePrefix: 'acme',
    alarms: false,
    dashboard: false,
    counts: false,
    ...(eventsProp !== undefined ? { events: eventsProp } : {}),
  });
}

const putEvents = (template: Template, roleId: string) =>
  roleStatements(template, roleId)
    .map(normalize)
    .filter((s) => s.actions.some((a) => a.startsWith('events:')));

describe('LonghaulQueue events: true', () => {
  let template: Template;
  let jobs: LonghaulQueue;
  let busId: string;
  beforeAll(() => {
    const app = new App();
    const stack = new Stack(app, 'Test');
    jobs = fargateQueue(stack, true);
    const producer = new iam.Role(stack, 'Producer', { assumedBy: new iam.AccountRootPrincipal() });
    jobs.grantEnqueue(producer);
    const report = new AwsSolutionsChecks(app, { verbose: true }).validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    template = Template.fromStack(stack);
    busId = logicalId(template, 'AWS::Events::EventBus', 'JobsEventBus');
  });

  it('creates a bus named after the prefix and exposes it', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'acme-jobs' });
    expect(jobs.eventBus).toBeDefined();
  });

  it('tells the workers the bus name', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([{ Name: env.eventBusName, Value: { Ref: busId } }]),
        }),
      ],
    });
  });

  it('allows the workers and producers events:PutEvents on that bus only', () => {
    const onBus = [{ actions: ['events:PutEvents'], resources: [arnOf(busId)] }];
    expect(putEvents(template, logicalId(template, 'AWS::IAM::Role', 'JobsServiceTaskRole'))).toEqual(onBus);
    expect(putEvents(template, logicalId(template, 'AWS::IAM::Role', 'Producer'))).toEqual(onBus);
  });
});

describe('LonghaulQueue events with your own bus, and without events', () => {
  it('grants PutEvents on the given bus and creates none', () => {
    const stack = newStack();
    const bus = events.EventBus.fromEventBusArn(
      stack,
      'Shared',
      'arn:aws:events:eu-west-1:123456789012:event-bus/shared',
    );
    fargateQueue(stack, bus);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::EventBus', 0);
    expect(putEvents(template, logicalId(template, 'AWS::IAM::Role', 'JobsServiceTaskRole'))).toEqual([
      {
        actions: ['events:PutEvents'],
        resources: ['arn:aws:events:eu-west-1:123456789012:event-bus/shared'],
      },
    ]);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({ Environment: Match.arrayWith([{ Name: env.eventBusName, Value: 'shared' }]) }),
      ],
    });
  });

  it('has no bus, no PutEvents and no bus variable by default', () => {
    const stack = newStack();
    const jobs = fargateQueue(stack, undefined);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::EventBus', 0);
    expect(jobs.eventBus).toBeUndefined();
    expect(putEvents(template, logicalId(template, 'AWS::IAM::Role', 'JobsServiceTaskRole'))).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toContain(env.eventBusName);
  });
});
