/**
 * The example CDK app: `npx cdk synth` / `npx cdk deploy` from the repository root (see cdk.json and
 * docs/deploy.md). Context, each `-c key=value`:
 *
 * - `stackName` (default `Longhaul`)
 * - `dev=true`: the job table and log groups are destroyed with the stack
 * - `fargate=true`: add the Fargate worker (its image is built with Docker at deploy)
 * - `fixedNames=true`: physical names `longhaul-jobs`, `longhaul-jobs-dlq`, ... (the emulator tests)
 * - `lambdaEntry`: the Lambda handler's file (default `functions/lambda.ts`)
 * - `emulator=true`: deploying to a local emulator (`npm run deploy:local`); leaves out the
 *   bootstrap-version check, whose SSM parameter moto's CloudFormation cannot resolve on updates
 *
 * cdk-nag's AWS Solutions checks run on every synth; an unacknowledged finding fails it.
 */
import { App, DefaultStackSynthesizer, type IStackSynthesizer, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LonghaulExampleStack } from './example-stack.js';

const app = new App();
// The cast: aws-cdk-lib's own types do not hold under exactOptionalPropertyTypes (bootstrapQualifier).
const emulatorSynthesizer = (): IStackSynthesizer =>
  new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }) as unknown as IStackSynthesizer;
const context = (key: string): unknown => app.node.tryGetContext(key);
const flag = (key: string): boolean => context(key) === true || context(key) === 'true';
const stackName = context('stackName');
const lambdaEntry = context('lambdaEntry');

new LonghaulExampleStack(app, 'Longhaul', {
  stackName: typeof stackName === 'string' && stackName ? stackName : 'Longhaul',
  description: 'Longhaul example app: a job queue on SQS and DynamoDB with Lambda (and Fargate) workers',
  dev: flag('dev'),
  fargate: flag('fargate'),
  fixedNames: flag('fixedNames'),
  ...(flag('emulator') ? { synthesizer: emulatorSynthesizer() } : {}),
  ...(typeof lambdaEntry === 'string' && lambdaEntry ? { lambdaEntry } : {}),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
