import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CfnOutput, IgnoreMode, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { demoSchedules } from '../examples/demo-schedules.js';
import { demoTasks } from '../examples/demo-tasks.js';
import { LonghaulQueue } from './longhaul-queue.js';

/** The repository root: the Lambda entry, the demo's corpus and the image's build context live there. */
export const repoRoot = fileURLToPath(new URL('../', import.meta.url));

/** What `infra/app.ts` reads from CDK context (`-c key=value`). */
export interface LonghaulExampleStackProps extends StackProps {
  /** Add the Fargate worker, its image built from infra/worker.Dockerfile. Default false. */
  readonly fargate?: boolean;
  /** Development: the table and log groups are destroyed with the stack. Default false (retained). */
  readonly dev?: boolean;
  /** Physical names from the prefix `longhaul` (queue `longhaul-jobs`, ...), for the emulator tests. Default false. */
  readonly fixedNames?: boolean;
  /** The Lambda handler's file, relative to the repository root. Default `functions/lambda.ts`. */
  readonly lambdaEntry?: string;
  /** The Fargate worker's image. Default: built from infra/worker.Dockerfile (linux/arm64). */
  readonly workerImage?: ecs.ContainerImage;
}

/**
 * The example app's stack: the demo's tasks and schedules on one {@link LonghaulQueue}, served by Lambda
 * and, with `fargate`, by a Fargate service too. Its outputs are what a producer or a worker elsewhere
 * needs.
 */
export class LonghaulExampleStack extends Stack {
  readonly jobs: LonghaulQueue;

  constructor(scope: Construct, id: string, props: LonghaulExampleStackProps = {}) {
    super(scope, id, props);
    this.jobs = new LonghaulQueue(this, 'Jobs', {
      tasks: demoTasks,
      schedules: demoSchedules,
      lambda: {
        entry: fileURLToPath(new URL(props.lambdaEntry ?? 'functions/lambda.ts', `file://${repoRoot}`)),
        bundling: {
          // crawl.wordCount reads the bundled corpus beside its module (`new URL('./docs/', import.meta.url)`).
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (inputDir: string, outputDir: string) => [
              `cp -R "${inputDir}/examples/docs" "${outputDir}/docs"`,
            ],
          },
        },
      },
      ...(props.fargate ? { fargate: { image: props.workerImage ?? workerImageFromAsset() } } : {}),
      ...(props.fixedNames ? { namePrefix: 'longhaul' } : {}),
      ...(props.dev ? { removalPolicy: RemovalPolicy.DESTROY } : {}),
    });
    const outputs: Record<string, string> = {
      QueueUrl: this.jobs.queue.queueUrl,
      DeadLetterQueueUrl: this.jobs.deadLetterQueue.queueUrl,
      TableName: this.jobs.table.tableName,
    };
    if (this.jobs.workerFunction) outputs.WorkerFunctionName = this.jobs.workerFunction.functionName;
    if (this.jobs.fargateService) outputs.WorkerServiceName = this.jobs.fargateService.serviceName;
    if (this.jobs.dashboard) outputs.DashboardName = this.jobs.dashboard.dashboardName;
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }
}

/**
 * The worker image, built from the repository with infra/worker.Dockerfile. Only the files its
 * dockerignore lets through are staged, so synth copies a few hundred kilobytes, not node_modules.
 */
export function workerImageFromAsset(): ecs.ContainerImage {
  const dockerignore = fileURLToPath(new URL('./worker.Dockerfile.dockerignore', import.meta.url));
  const exclude = readFileSync(dockerignore, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  return ecs.ContainerImage.fromAsset(repoRoot, {
    file: 'infra/worker.Dockerfile',
    platform: Platform.LINUX_ARM64,
    exclude,
    ignoreMode: IgnoreMode.DOCKER,
  });
}
