// `npm run bundle:lambda`: bundles the Lambda worker (functions/lambda.ts) with the esbuild settings the
// CDK construct uses, then measures it side by side with a baseline: a minimal hand-written SQS handler
// bundled the same way that imports the same SDK clients and does nothing else.
//
//   npm run bundle:lambda              bundle to dist/lambda/ and print size and cold import time
//   npm run bundle:lambda -- --json    the same figures as JSON
//   npm run bundle:lambda -- --runs 21 fresh processes per import measurement (default 11)
//
// Cold import time is measured in fresh `node` processes (the one on PATH: Node 22 under npm scripts):
// each imports the bundle once and reports how long `import()` took; the median is reported. Figures are
// ratios to the baseline measured in the same run, as the machine's speed varies.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { lambdaEsbuildOptions } from '../infra/bundling.js';

const root = new URL('../', import.meta.url).pathname;
const outDir = join(root, 'dist/lambda');

/**
 * The baseline: what a hand-written handler with the same SDK clients costs to load. Longhaul's worker
 * imports five (SQS; DynamoDB with the document client; S3 for payloads offloaded past the message and
 * item limits; EventBridge for job events; EventBridge Scheduler for delays past SQS's 15 minutes), so the
 * baseline does too and uses each once. Like Longhaul's, it creates its clients on the first invocation,
 * so cold import compares loading the code and nothing else.
 */
const baselineSource = `
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { S3Client, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SchedulerClient, CreateScheduleCommand } from '@aws-sdk/client-scheduler';
let sqs, dynamo, s3, events, scheduler;
export const handler = async (event) => {
  if (!sqs) {
    sqs = new SQSClient({});
    dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    s3 = new S3Client({});
    events = new EventBridgeClient({});
    scheduler = new SchedulerClient({});
  }
  for (const record of event.Records) {
    const { id, args, delay } = JSON.parse(record.body);
    const input = args ?? JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: process.env.BUCKET, Key: id }))).Body.transformToString());
    if (delay) await scheduler.send(new CreateScheduleCommand({ Name: id, ScheduleExpression: 'at(' + delay + ')', FlexibleTimeWindow: { Mode: 'OFF' }, Target: { Arn: process.env.QUEUE_ARN, RoleArn: process.env.ROLE_ARN, Input: record.body } }));
    await s3.send(new PutObjectCommand({ Bucket: process.env.BUCKET, Key: id + '.result', Body: JSON.stringify(input) }));
    await dynamo.send(new UpdateCommand({ TableName: process.env.TABLE, Key: { id }, UpdateExpression: 'SET done = :t', ExpressionAttributeValues: { ':t': true } }));
    await events.send(new PutEventsCommand({ Entries: [{ Source: 'app', DetailType: 'done', Detail: JSON.stringify({ id }) }] }));
  }
  return { batchItemFailures: [] };
};
void sqs;
`;

/**
 * Longhaul's worker as the baseline is: serving one task with no arguments schema, so neither side carries
 * an app. The deployed example (functions/lambda.ts) adds the example app's tasks and the schema library
 * they use (zod/mini), which a hand-written handler for that app would carry too; it is measured beside.
 */
const workerOnlySource = `
import { defineTask } from 'longhaul';
import { createLambdaHandlerFromEnv } from 'longhaul/lambda';
export const handler = createLambdaHandlerFromEnv({ tasks: [defineTask({ name: 'noop', run: () => null })] });
`;

/** The handler the first measurements used: SQS and DynamoDB only, for reference. */
const sqsDynamoSource = `
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
let sqs, dynamo;
export const handler = async (event) => {
  sqs ??= new SQSClient({});
  dynamo ??= DynamoDBDocumentClient.from(new DynamoDBClient({}));
  for (const record of event.Records) {
    const { id } = JSON.parse(record.body);
    await dynamo.send(new UpdateCommand({ TableName: process.env.TABLE, Key: { id }, UpdateExpression: 'SET done = :t', ExpressionAttributeValues: { ':t': true } }));
  }
  return { batchItemFailures: [] };
};
void sqs;
`;

export interface BundleFigures {
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly importMsMedian: number;
  /** The inputs that weigh most in the bundle, by package. */
  readonly largestPackages: ReadonlyArray<{ name: string; bytes: number }>;
}

export interface BundleReport {
  readonly node: string;
  readonly runs: number;
  /** Longhaul's worker with one schema-less task: the figure compared with the baselines. */
  readonly longhaul: BundleFigures;
  /** The deployed example, functions/lambda.ts: Longhaul's worker with the example app's tasks. */
  readonly example: BundleFigures & { readonly file: string };
  /** A hand-written handler with the same SDK clients: the figure the targets are ratios to. */
  readonly baseline: BundleFigures;
  /** A hand-written handler with the SQS and DynamoDB clients only. */
  readonly sqsDynamoBaseline: BundleFigures;
}

async function bundle(entry: { file: string } | { source: string }, outfile: string): Promise<Metafile> {
  const input =
    'file' in entry
      ? { entryPoints: [entry.file] }
      : {
          stdin: {
            contents: entry.source,
            resolveDir: root,
            loader: 'js' as const,
            sourcefile: 'baseline.mjs',
          },
        };
  const result = await build({
    ...lambdaEsbuildOptions,
    ...input,
    outfile,
    metafile: true,
    absWorkingDir: root,
  });
  return result.metafile;
}

/** How long one fresh `node` process takes to import `file`, in ms. */
function importOnce(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    // The handler reads these only on its first invocation; set them as Lambda would.
    env: {
      ...process.env,
      AWS_REGION: 'us-east-1',
      LONGHAUL_QUEUE_URL: 'q',
      LONGHAUL_DLQ_URL: 'd',
      LONGHAUL_TABLE_NAME: 't',
    },
  });
  if (run.status !== 0) throw new Error(`importing ${file} failed:\n${run.stderr}`);
  return Number(run.stdout.trim());
}

/**
 * The median cold import of each file over `runs` rounds. Each round imports every file once, in turn,
 * so a busy spell on the machine slows all of them rather than one.
 */
function importMedians(files: readonly string[], runs: number): number[] {
  const times = files.map((): number[] => []);
  for (let round = 0; round < runs; round++) {
    files.forEach((file, i) => {
      times[i]?.push(importOnce(file));
    });
  }
  return times.map((t) => {
    t.sort((x, y) => x - y);
    return t[Math.floor(t.length / 2)] as number;
  });
}

function figures(file: string, metafile: Metafile, importMsMedian: number): BundleFigures {
  const code = readFileSync(file);
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? '(longhaul and the app)';
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return {
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    importMsMedian,
    largestPackages: [...byPackage]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([name, bytes]) => ({ name, bytes })),
  };
}

export async function measureLambdaBundle(runs: number): Promise<BundleReport> {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'index.mjs');
  const baselineFile = join(outDir, 'baseline/index.mjs');
  const exampleMeta = await bundle({ file: 'functions/lambda.ts' }, file);
  const workerOnlyFile = join(outDir, 'worker-only/index.mjs');
  const workerOnlyMeta = await bundle({ source: workerOnlySource }, workerOnlyFile);
  const sqsDynamoFile = join(outDir, 'baseline-sqs-dynamodb/index.mjs');
  const baselineMeta = await bundle({ source: baselineSource }, baselineFile);
  const sqsDynamoMeta = await bundle({ source: sqsDynamoSource }, sqsDynamoFile);
  const [longhaulMs, baselineMs, sqsDynamoMs, exampleMs] = importMedians(
    [workerOnlyFile, baselineFile, sqsDynamoFile, file],
    runs,
  ) as [number, number, number, number];
  return {
    node: process.version,
    runs,
    longhaul: figures(workerOnlyFile, workerOnlyMeta, longhaulMs),
    example: { file: 'dist/lambda/index.mjs', ...figures(file, exampleMeta, exampleMs) },
    baseline: figures(baselineFile, baselineMeta, baselineMs),
    sqsDynamoBaseline: figures(sqsDynamoFile, sqsDynamoMeta, sqsDynamoMs),
  };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function print(report: BundleReport): void {
  const { longhaul, baseline, sqsDynamoBaseline: lean, example } = report;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const row = (label: string, value: (f: BundleFigures) => number, show: (value: number) => string) =>
    console.log(
      `  ${label.padEnd(22)} ${show(value(longhaul)).padEnd(12)} ${show(value(baseline)).padEnd(12)} ${ratio(value(longhaul), value(baseline)).padEnd(8)} ${show(value(lean)).padEnd(12)} ${ratio(value(longhaul), value(lean))}`,
    );
  console.log(
    `Lambda worker bundle (one schema-less task), Node ${report.node}, median of ${report.runs} fresh processes`,
  );
  console.log('');
  console.log('                         Longhaul     baseline     ratio    SQS+DynamoDB ratio');
  row('size', (f) => f.bytes, kib);
  row('size, gzipped', (f) => f.gzipBytes, kib);
  row('cold import', (f) => f.importMsMedian, ms);
  console.log('');
  console.log(
    '  baseline: a hand-written handler importing the same SDK clients (SQS, DynamoDB + document client, S3, EventBridge, Scheduler), bundled the same way',
  );
  console.log('  SQS+DynamoDB: a hand-written handler importing only the SQS and DynamoDB clients');
  console.log(
    `  the deployed example (${example.file}, the example app's tasks with zod/mini): ${kib(example.bytes)}, ${kib(example.gzipBytes)} gzipped, cold import ${ms(example.importMsMedian)}`,
  );
  console.log(
    `  largest parts of the Longhaul bundle: ${longhaul.largestPackages.map((p) => `${p.name} ${kib(p.bytes)}`).join(', ')}`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { json: { type: 'boolean', default: false }, runs: { type: 'string', default: '11' } },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`--runs must be a positive integer, got ${values.runs}`);
    process.exit(2);
  }
  const report = await measureLambdaBundle(runs);
  if (values.json) {
    writeFileSync(1, `${JSON.stringify(report, null, 2)}\n`);
  } else {
    print(report);
  }
}
