import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LonghaulQueue, type LonghaulQueueProps } from '../../infra/index.js';
import { env } from '../../src/core/names.js';
import { cfnLint, logicalId, newStack, onlyResource, resourcesOfType, task } from './support.js';

// Fargate only: no Lambda bundling, so each stack synthesizes quickly.
function stackWith(props: Partial<LonghaulQueueProps>) {
  const stack = newStack();
  const topic = new sns.Topic(stack, 'Pager');
  const jobs = new LonghaulQueue(stack, 'Jobs', {
    tasks: [task('email.send'), task('report.build')],
    lambda: false,
    fargate: { image: ecs.ContainerImage.fromRegistry('worker') },
    counts: false,
    alarms: { actions: [new cloudwatchActions.SnsAction(topic)] },
    ...props,
  });
  return { stack, jobs, template: Template.fromStack(stack) };
}

const workerVariables = (template: Template) =>
  Object.fromEntries(
    (
      onlyResource(template, 'AWS::ECS::TaskDefinition') as {
        ContainerDefinitions: { Environment: { Name: string; Value: unknown }[] }[];
      }
    ).ContainerDefinitions[0]?.Environment.map((v) => [v.Name, v.Value]) ?? [],
  );

describe('LonghaulQueue job metrics', () => {
  let on: ReturnType<typeof stackWith>;
  let outdir: string;
  beforeAll(async () => {
    on = stackWith({ metrics: { namespace: 'Shop/Jobs', failureRateAlarmPercent: 10 } });
    outdir = await mkdtemp(join(tmpdir(), 'longhaul-metrics-'));
  });
  afterAll(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  it('tells the workers the namespace', () => {
    expect(workerVariables(on.template)).toMatchObject({
      [env.metrics]: 'on',
      [env.metricsNamespace]: 'Shop/Jobs',
    });
  });

  it("draws each task's failure rate, attempt duration p50 and p99 and time in queue p99", () => {
    const body = JSON.stringify(onlyResource(on.template, 'AWS::CloudWatch::Dashboard').DashboardBody);
    for (const text of [
      'Job failure rate by task (%)',
      '100 * f0 / (f0 + s0)',
      '100 * f1 / (f1 + s1)',
      'Attempt duration by task (ms, p50 and p99)',
      'Time in queue by task (ms, p99)',
      '\\"Shop/Jobs\\",\\"AttemptDuration\\",\\"Queue\\"',
      '\\"Task\\",\\"email.send\\"',
      '\\"Task\\",\\"report.build\\"',
      '\\"stat\\":\\"p99\\"',
      '\\"stat\\":\\"p50\\"',
      'TimeInQueue',
      'JobsSucceeded',
      'JobsFailed',
    ]) {
      expect(body).toContain(text);
    }
  });

  it('alarms per task on its failure rate, through the alarm actions', () => {
    const alarms = Object.values(resourcesOfType(on.template, 'AWS::CloudWatch::Alarm')).filter((alarm) =>
      JSON.stringify(alarm).includes('JobsFailed'),
    );
    expect(alarms).toHaveLength(2);
    on.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('over 10% of the "report.build" jobs'),
      Threshold: 10,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: logicalId(on.template, 'AWS::SNS::Topic', 'Pager') }],
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: '100 * f1 / (f1 + s1)', ReturnData: true }),
        Match.objectLike({
          Id: 'f1',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              Namespace: 'Shop/Jobs',
              MetricName: 'JobsFailed',
              Dimensions: Match.arrayWith([{ Name: 'Task', Value: 'report.build' }]),
            }),
            Period: 300,
            Stat: 'Sum',
          }),
          ReturnData: false,
        }),
      ]),
    });
    expect(on.jobs.failureRateAlarms).toHaveLength(2);
    expect(on.jobs.alarms).toEqual(expect.arrayContaining([...on.jobs.failureRateAlarms]));
  });

  it('passes cfn-lint', async () => {
    const path = join(outdir, 'template.json');
    await writeFile(path, JSON.stringify(on.template.toJSON()));
    const result = await cfnLint(path);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('adds no failure-rate alarm unless asked, and none with `alarms: false`', () => {
    for (const props of [{}, { metrics: { failureRateAlarmPercent: 5 }, alarms: false as const }]) {
      const { jobs, template } = stackWith(props);
      expect(jobs.failureRateAlarms).toEqual([]);
      const alarms = JSON.stringify(resourcesOfType(template, 'AWS::CloudWatch::Alarm'));
      expect(alarms).not.toContain('JobsFailed');
    }
  });

  it('switches the workers off and leaves the widgets out with `metrics: false`', () => {
    const { template } = stackWith({ metrics: false });
    expect(workerVariables(template)[env.metrics]).toBe('off');
    expect(workerVariables(template)).not.toHaveProperty(env.metricsNamespace);
    const body = JSON.stringify(onlyResource(template, 'AWS::CloudWatch::Dashboard').DashboardBody);
    expect(body).not.toContain('AttemptDuration');
  });

  it('names the field, the limit and the value given for bad metrics props', () => {
    expect(() => stackWith({ metrics: { namespace: 'AWS/Lambda', failureRateAlarmPercent: 0 } })).toThrow(
      /`metrics.namespace` to be .* got "AWS\/Lambda".*`metrics.failureRateAlarmPercent` to be a number from 1 to 100, got 0/,
    );
  });
});
