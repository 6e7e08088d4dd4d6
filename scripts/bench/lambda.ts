// `npm run bench -- lambda`: the Lambda worker bundle's size and cold import time, next to a minimal
// hand-written SQS handler that imports the same SDK clients, bundled with the same esbuild settings
// (scripts/lambda-bundle.ts builds and measures both).
import { measureLambdaBundle } from '../lambda-bundle.js';
import { type BenchResult, figure, machineInfo, writeResult } from './results.js';
import { isMain, type RunOptions, round, runAsScript } from './shared.js';

const kib = (bytes: number) => round(bytes / 1024, 1);

export async function run({ quick }: RunOptions): Promise<BenchResult> {
  const runs = quick ? 3 : 11;
  const report = await measureLambdaBundle(runs);
  const { longhaul, baseline, sqsDynamoBaseline, example } = report;
  const baselineLabel = 'minimal hand-written handler, same SDK clients';
  const sqsDynamoLabel = 'minimal hand-written handler, SQS and DynamoDB clients only';
  const source = `esbuild bundle, ${report.node}`;
  return {
    name: 'lambda',
    title: 'Lambda worker bundle',
    command: `npm run bench -- lambda${quick ? ' --quick' : ''}`,
    quick,
    at: new Date().toISOString(),
    machine: machineInfo(),
    figures: [
      figure({
        id: 'lambda.bundleKiB',
        label: 'bundle size',
        value: kib(longhaul.bytes),
        unit: 'KiB',
        baseline: { label: baselineLabel, value: kib(baseline.bytes) },
        better: 'lower',
        source,
        note: `largest parts: ${longhaul.largestPackages.map((p) => `${p.name} ${kib(p.bytes)} KiB`).join(', ')}`,
      }),
      figure({
        id: 'lambda.bundleGzipKiB',
        label: 'bundle size, gzipped',
        value: kib(longhaul.gzipBytes),
        unit: 'KiB',
        baseline: { label: baselineLabel, value: kib(baseline.gzipBytes) },
        better: 'lower',
        source,
      }),
      figure({
        id: 'lambda.coldImportMs',
        label: `cold import, median of ${runs} fresh processes`,
        value: round(longhaul.importMsMedian, 1),
        unit: 'ms',
        baseline: { label: baselineLabel, value: round(baseline.importMsMedian, 1) },
        better: 'lower',
        source,
      }),
      figure({
        id: 'lambda.example.bundleGzipKiB',
        label: "the deployed example (functions/lambda.ts, with the example app's tasks), gzipped",
        value: kib(example.gzipBytes),
        unit: 'KiB',
        baseline: { label: baselineLabel, value: kib(baseline.gzipBytes) },
        better: 'lower',
        source,
        note: `${kib(example.bytes)} KiB before gzip; cold import ${round(example.importMsMedian, 1)} ms`,
      }),
      figure({
        id: 'lambda.bundleKiBVsSqsDynamo',
        label: 'bundle size, against a handler with fewer clients',
        value: kib(longhaul.bytes),
        unit: 'KiB',
        baseline: { label: sqsDynamoLabel, value: kib(sqsDynamoBaseline.bytes) },
        better: 'lower',
        source,
      }),
      figure({
        id: 'lambda.coldImportMsVsSqsDynamo',
        label: 'cold import, against a handler with fewer clients',
        value: round(longhaul.importMsMedian, 1),
        unit: 'ms',
        baseline: { label: sqsDynamoLabel, value: round(sqsDynamoBaseline.importMsMedian, 1) },
        better: 'lower',
        source,
      }),
    ],
    method: [
      `Longhaul's Lambda worker serving one task with no arguments schema (\`createLambdaHandlerFromEnv\`, the handler functions/lambda.ts builds, without the example app), bundled with the esbuild options the CDK construct uses (infra/bundling.ts); the baseline is a hand-written handler importing the five SDK clients Longhaul's worker uses (SQS; DynamoDB with the document client; S3, for payloads offloaded past the message and item limits; EventBridge, for job events; EventBridge Scheduler, for delays past 15 minutes), creating each at module scope and sending one command with each, bundled the same way. Neither carries an app: the deployed example (\`functions/lambda.ts\`, bundled to ${example.file}) adds the example app's tasks and the schema library they use (zod/mini), which a hand-written handler for the same app would carry as well; its row shows what that adds. The last two rows compare with a handler importing the SQS and DynamoDB clients only, which does less than Longhaul's worker.`,
      `Cold import: \`await import()\` of each bundle in ${runs} fresh \`node\` processes (${report.node}), the bundles taking turns, the median; Lambda's own init (runtime start, downloading the code) is not included. Longhaul creates its SDK clients on the first invocation, not at import.`,
    ].join(' '),
  };
}

if (isMain(import.meta.url)) await runAsScript(run, writeResult);
