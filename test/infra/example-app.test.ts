import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LonghaulExampleStack, repoRoot } from '../../infra/example-stack.js';
import { cfnLint } from './support.js';

const run = promisify(execFile);

describe('the example app', () => {
  let outdir: string;
  let templatePath: string;

  beforeAll(async () => {
    // infra/app.ts itself, as `cdk synth -c fargate=true` runs it: the nag checks run as a validation
    // plugin, so an unacknowledged finding makes this synth fail.
    outdir = await mkdtemp(join(tmpdir(), 'longhaul-cdk-'));
    await run(process.execPath, ['node_modules/tsx/dist/cli.mjs', '--conditions=source', 'infra/app.ts'], {
      cwd: repoRoot,
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ fargate: 'true' }) },
    });
    templatePath = join(outdir, 'Longhaul.template.json');
  });

  afterAll(async () => {
    if (outdir) await rm(outdir, { recursive: true, force: true });
  });

  it('synthesizes the stack Longhaul with the Lambda and Fargate workers and the demo schedule', async () => {
    const template = Template.fromJSON(JSON.parse(await readFile(templatePath, 'utf8')));
    // The Lambda worker and the counts aggregator.
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.resourceCountIs('AWS::ECS::Service', 1);
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasOutput('QueueUrl', Match.anyValue());
    template.hasOutput('TableName', Match.anyValue());
    const report = JSON.parse(await readFile(join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
  });

  it('passes cfn-lint', async () => {
    const result = await cfnLint(templatePath);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('the example stack', () => {
  it('has no AWS Solutions finding left unacknowledged, with or without Fargate', () => {
    const app = new App();
    const checks = new AwsSolutionsChecks(app, { verbose: true });
    for (const fargate of [true, false]) {
      const stack = new LonghaulExampleStack(app, `Longhaul${fargate ? 'Fargate' : 'Lambda'}`, { fargate });
      const report = checks.validateScope(stack);
      expect(
        report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath)}`),
      ).toEqual([]);
      expect(report.success).toBe(true);
    }
  });

  it('uses fixed names and destroys its table with dev and fixedNames', () => {
    const stack = new LonghaulExampleStack(new App(), 'Longhaul', { dev: true, fixedNames: true });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'longhaul-jobs' });
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'longhaul-jobs-dlq' });
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ TableName: 'longhaul-jobs', DeletionProtectionEnabled: false }),
    });
    template.hasResourceProperties('AWS::Events::Rule', { Name: Match.stringLikeRegexp('^longhaul-') });
    template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'longhaul-worker' });
  });
});
