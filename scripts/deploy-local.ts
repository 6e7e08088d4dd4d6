// `npm run deploy:local`: deploys the example CDK app (infra/app.ts) to the local AWS emulator with the
// real `cdk` CLI: `cdk bootstrap`, then `cdk deploy`. The test in test/deploy/ runs the same function.
//
//   npm run deploy:local                 bootstrap and deploy (starts moto unless AWS_ENDPOINT_URL is set)
//   npm run deploy:local -- --destroy    destroy the stack again
//
// What the emulator needs, found by trying it against moto (docs/local-aws.md has the details):
// - the endpoint's host must be `localhost` (moto's CloudFormation reads path-style template URLs only
//   with that host);
// - `--method=direct` (CreateStack/UpdateStack): moto fails change-set updates of an existing stack;
// - context `emulator=true`: the stack leaves out the bootstrap-version rule, whose SSM parameter moto's
//   CloudFormation cannot resolve on updates.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startEmulator } from './emulator.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));

export interface DeployOptions {
  /** The emulator's endpoint. Default: AWS_ENDPOINT_URL, else moto started (or reused) for you. */
  readonly endpoint?: string;
  /** Default `Longhaul`. */
  readonly stackName?: string;
  /** Where the CLI's output goes. Default: this process's stdout and stderr. */
  readonly log?: (chunk: string) => void;
}

export interface Deployment {
  readonly endpoint: string;
  readonly stackName: string;
  /** The stack's outputs: QueueUrl, DeadLetterQueueUrl, TableName, WorkerFunctionName, ... */
  readonly outputs: Record<string, string>;
  /** The cloud assembly directory the CLI deployed from. */
  readonly assemblyDir: string;
}

/** The environment the CDK CLI runs in against an emulator. */
function cdkEnvironment(endpoint: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ENDPOINT_URL: endpoint.replace('//127.0.0.1', '//localhost'),
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_DEFAULT_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
    CDK_DISABLE_VERSION_CHECK: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

function runCdk(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  log: (chunk: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, 'node_modules/.bin/cdk'), [...args, '--no-notices'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-4000);
      log(text);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`cdk ${args[0]} exited with ${code}:\n${tail}`));
    });
  });
}

async function resolveEndpoint(given: string | undefined): Promise<string> {
  const endpoint = given ?? process.env.AWS_ENDPOINT_URL ?? (await startEmulator()).endpoint;
  return endpoint.replace('//127.0.0.1', '//localhost');
}

const context = ['-c', 'emulator=true', '-c', 'dev=true', '-c', 'fixedNames=true'];

/** Bootstraps the emulator's account and deploys the example app to it. */
export async function deployToEmulator(options: DeployOptions = {}): Promise<Deployment> {
  const endpoint = await resolveEndpoint(options.endpoint);
  const stackName = options.stackName ?? 'Longhaul';
  const env = cdkEnvironment(endpoint);
  const log = options.log ?? ((chunk) => process.stderr.write(chunk));
  const assemblyDir = join(root, 'cdk.out');
  const outputsFile = join(assemblyDir, `${stackName}.emulator-outputs.json`);
  await runCdk(['bootstrap', ...context, '-c', `stackName=${stackName}`], env, log);
  await runCdk(
    [
      'deploy',
      'Longhaul',
      ...context,
      '-c',
      `stackName=${stackName}`,
      '--require-approval',
      'never',
      '--method=direct',
      '--outputs-file',
      outputsFile,
      '--output',
      assemblyDir,
    ],
    env,
    log,
  );
  const outputs = JSON.parse(readFileSync(outputsFile, 'utf8'))[stackName] as Record<string, string>;
  return { endpoint, stackName, outputs, assemblyDir };
}

/** Destroys the example app's stack on the emulator. */
export async function destroyOnEmulator(options: DeployOptions = {}): Promise<void> {
  const endpoint = await resolveEndpoint(options.endpoint);
  const stackName = options.stackName ?? 'Longhaul';
  const log = options.log ?? ((chunk) => process.stderr.write(chunk));
  await runCdk(
    ['destroy', 'Longhaul', ...context, '-c', `stackName=${stackName}`, '--force'],
    cdkEnvironment(endpoint),
    log,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { destroy: { type: 'boolean', default: false } } });
  if (values.destroy) {
    await destroyOnEmulator();
  } else {
    const deployment = await deployToEmulator();
    process.stdout.write(`\nDeployed stack ${deployment.stackName} to ${deployment.endpoint}\n`);
    for (const [name, value] of Object.entries(deployment.outputs))
      process.stdout.write(`  ${name} = ${value}\n`);
  }
}
