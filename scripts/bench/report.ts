// `tsx --conditions=source scripts/bench/report.ts [--out DIR]`: writes docs/benchmarks.md and its plots
// (docs/images/bench-*.svg) from every result in bench-results/, plus scripts/bench/emulators.md when it
// exists. With --out, writes DIR/benchmarks.md and DIR/images/ instead (the quick smoke run does this).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CostResult, CostRow } from './costs.js';
import { type BenchResult, type Figure, readResults } from './results.js';
import { isMain } from './shared.js';
import { lineChart } from './svg.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const emulatorsNote = join(root, 'scripts/bench/emulators.md');

/** The order sections appear in; results not listed follow in name order. */
const order = [
  'worker-overhead',
  'tracing-overhead',
  'vs-sqs-consumer',
  'enqueue',
  'costs',
  'latency',
  'memory',
  'lambda',
  'scaling',
];

export interface ReportOptions {
  /** Directory the markdown goes to; plots go to its `images/`. Default: docs/. */
  readonly outDir?: string;
  /** Include results of quick runs (default: only for a report outside docs/). */
  readonly includeQuick?: boolean;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return Number(value.toPrecision(2)).toString();
}

function verdict(f: Figure): string {
  if (f.ratio === undefined) return '';
  if (Math.abs(f.ratio - 1) <= 0.02) return 'same';
  const higher = f.ratio > 1;
  return higher === (f.better === 'higher') ? 'better' : 'worse';
}

function figureTable(figures: readonly Figure[]): string {
  const rows = [
    '| figure | Longhaul | baseline | ratio | source | |',
    '|---|---:|---|---:|---|---|',
    ...figures.map((f) => {
      const baseline = f.baseline ? `${formatNumber(f.baseline.value)} ${f.unit} (${f.baseline.label})` : '';
      const ratio = f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}x`;
      const label = f.note ? `${f.label}<br><sub>${f.note}</sub>` : f.label;
      return `| ${label} | ${formatNumber(f.value)} ${f.unit} | ${baseline} | ${ratio} | ${f.source} | ${verdict(f)} |`;
    }),
  ];
  return rows.join('\n');
}

const usd = (value: number) => `$${value.toFixed(2)}`;

function costSection(result: CostResult): string {
  const { prices, rows, sqsOnlyWorker } = result.costs;
  const ops = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([op, n]) => `${op} ${n}`)
      .join(', ');
  const line = (r: CostRow) =>
    `| ${r.label} | ${r.source} | ${r.sqsRequests} (${r.minimum.sqsRequests}) | ${r.writeUnits} (${r.minimum.writeUnits}) | ${r.indexWriteUnits} (${r.minimum.indexWriteUnits}) | ${r.readUnits} | ${usd(r.usdPerMillion.sqs + r.usdPerMillion.writes + r.usdPerMillion.reads)} | **${usd(r.usdPerMillion.total)}** (${usd(r.minimum.usdPerMillion.total)}) |`;
  return [
    `### Cost per million jobs (us-east-1 on-demand prices as of ${prices.asOf}; check the AWS pricing pages)`,
    '',
    `Prices: SQS standard $${prices.sqsPerMillionRequests.toFixed(2)} per million requests (each 64 KB of a payload is one request; these messages are far smaller); DynamoDB on-demand $${prices.dynamoPerMillionWriteUnits} per million write request units and $${prices.dynamoPerMillionReadUnits} per million read request units (the prices since the November 2024 cut).`,
    '',
    'Per job; in brackets, the minimum for this design (one write per status change, receives and deletes in batches of ten).',
    '',
    '| scenario | source | SQS requests | table WRU | index WRU | RRU | USD/M without index writes | USD/M, all counted |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(line),
    ...sqsOnlyWorker.map(
      (w) =>
        `| ${w.label} (no job records) | calculated | ${w.sqsRequests} | 0 | 0 | 0 | ${usd(w.usdPerMillion)} | ${usd(w.usdPerMillion)} |`,
    ),
    '',
    'Requests by operation, per job (embedded backend):',
    '',
    ...rows
      .filter((r) => r.source === 'embedded')
      .map(
        (r) =>
          `- ${r.label}: SQS ${ops(r.sqsOperations)}; DynamoDB ${ops(r.dynamoOperations)}; largest item ~${r.largestItemBytes} bytes`,
      ),
    '',
    'Not counted above: the counts aggregator (one two-item `TransactWriteItems`, 4 WRU, per batch of up to 100 stream records; a job makes 3 records with full tracking, 2 with lean, so at least 0.12 WRU per job and up to 4 per record when batches are small); `waitForResult` polling (1 RRU per poll); Lambda or Fargate compute; EventBridge for schedules; CloudWatch logs and metrics; data transfer.',
  ].join('\n');
}

function section(result: BenchResult, imagesRel: string): string {
  const parts = [
    `## ${result.title}`,
    '',
    `\`${result.command}\`${result.quick ? ' (quick run: sizes too small to mean anything)' : ''}, ${result.at.slice(0, 10)}`,
    '',
  ];
  parts.push(figureTable(result.figures), '', result.method, '');
  if ('costs' in result) parts.push(costSection(result as CostResult), '');
  for (const series of result.series ?? []) {
    parts.push(`![${series.title}](${imagesRel}/bench-${series.id}.svg)`, '');
  }
  return parts.join('\n');
}

/** Writes the report and its plots; returns the markdown file's path. */
export function writeReport(options: ReportOptions = {}): string {
  const outDir = options.outDir ?? join(root, 'docs');
  const toDocs = options.outDir === undefined;
  const includeQuick = options.includeQuick ?? !toDocs;
  const all = readResults();
  const skipped = all.filter((r) => r.quick && !includeQuick);
  const results = all
    .filter((r) => includeQuick || !r.quick)
    .sort((a, b) => {
      const ia = order.indexOf(a.name);
      const ib = order.indexOf(b.name);
      return (ia < 0 ? order.length : ia) - (ib < 0 ? order.length : ib) || a.name.localeCompare(b.name);
    });
  if (skipped.length) {
    console.error(
      `report: left out quick-run results (run them in full): ${skipped.map((r) => r.name).join(', ')}`,
    );
  }
  const imagesDir = join(outDir, 'images');
  mkdirSync(imagesDir, { recursive: true });
  for (const result of results) {
    for (const series of result.series ?? [])
      writeFileSync(join(imagesDir, `bench-${series.id}.svg`), lineChart(series));
  }
  const machine = results[0]?.machine;
  const dates = results.map((r) => r.at.slice(0, 10)).sort();
  const lines = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (scripts/bench/report.ts) from bench-results/. Do not edit by hand. -->',
    '',
    machine
      ? `Measured on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB), Node ${machine.node}, ${dates[0] === dates.at(-1) ? dates[0] : `${dates[0]} to ${dates.at(-1)}`}. A shared, noisy machine: every figure is compared with a baseline measured side by side in the same run, on the same backend or emulator; read the ratios, not the absolute times.`
      : 'No results yet: run `npm run bench`.',
    '',
    'Regenerate everything with `npm run bench` (one benchmark: `npm run bench -- costs`; a smoke run with tiny sizes that writes its report to a temporary directory: `npm run bench -- --quick`). Results are kept in `bench-results/*.json` (one per benchmark, the format of `scripts/bench/results.ts`); this page and its plots are rebuilt from them.',
    '',
    '"Source" says what produced a figure: `embedded` is the in-process backend (`longhaul/memory`), `moto` the local AWS emulator (`node scripts/emulator.mjs start`), `calculated` a figure derived from counts and prices. "Better" or "worse" compares Longhaul with the baseline in the direction that is good for the figure; within 2% is "same".',
    '',
    ...(results.length
      ? ['## Contents', '', ...results.map((r) => `- [${r.title}](#${slug(r.title)})`), '']
      : []),
    ...results.map((r) => section(r, 'images')),
  ];
  if (existsSync(emulatorsNote)) lines.push(readFileSync(emulatorsNote, 'utf8').trim(), '');
  const file = join(outDir, 'benchmarks.md');
  writeFileSync(
    file,
    `${lines
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd()}\n`,
  );
  return file;
}

function slug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  console.log(`wrote ${writeReport(values.out ? { outDir: values.out } : {})}`);
}
