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

/** The baseline: what a hand-written handler with the same clients costs to load. */
const baselineSource = `
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
const sqs = new SQSClient({});
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async (event) => {
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
  readonly longhaul: BundleFigures & { readonly file: string };
  readonly baseline: BundleFigures;
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

function importMs(file: string, runs: number): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
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
    times.push(Number(run.stdout.trim()));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

function figures(file: string, metafile: Metafile, runs: number): BundleFigures {
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
    importMsMedian: importMs(file, runs),
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
  const longhaulMeta = await bundle({ file: 'functions/lambda.ts' }, file);
  const baselineMeta = await bundle({ source: baselineSource }, baselineFile);
  return {
    node: process.version,
    runs,
    longhaul: { file: 'dist/lambda/index.mjs', ...figures(file, longhaulMeta, runs) },
    baseline: figures(baselineFile, baselineMeta, runs),
  };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function print(report: BundleReport): void {
  const { longhaul, baseline } = report;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  console.log(
    `Lambda worker bundle (${longhaul.file}), Node ${report.node}, median of ${report.runs} fresh processes`,
  );
  console.log('');
  console.log('                         Longhaul     baseline     ratio');
  console.log(
    `  size                   ${kib(longhaul.bytes).padEnd(12)} ${kib(baseline.bytes).padEnd(12)} ${ratio(longhaul.bytes, baseline.bytes)}`,
  );
  console.log(
    `  size, gzipped          ${kib(longhaul.gzipBytes).padEnd(12)} ${kib(baseline.gzipBytes).padEnd(12)} ${ratio(longhaul.gzipBytes, baseline.gzipBytes)}`,
  );
  console.log(
    `  cold import            ${`${longhaul.importMsMedian.toFixed(1)} ms`.padEnd(12)} ${`${baseline.importMsMedian.toFixed(1)} ms`.padEnd(12)} ${ratio(longhaul.importMsMedian, baseline.importMsMedian)}`,
  );
  console.log('');
  console.log('  baseline: a hand-written SQS handler importing the same SDK clients, bundled the same way');
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
