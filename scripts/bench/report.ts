// `tsx --conditions=source scripts/bench/report.ts [--out DIR]`: writes docs/benchmarks.md and its plots
// (docs/images/bench-*.svg) from every result in bench-results/, plus scripts/bench/emulators.md when it
// exists. With --out, writes DIR/benchmarks.md and DIR/images/ instead (the quick smoke run does this).
// With --costs-only, rewrites just the costs section and the README cost table from bench-results/costs.json.
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
  'sse-fanout',
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

/** Whether a row meets its target, and by how much (to a hundredth of a cent: targets are met by a hair). */
function verdictOf(row: CostRow): string {
  if (row.target === undefined) return '';
  const margin = Math.abs(row.usdPerMillion.total - row.target).toFixed(4);
  return row.usdPerMillion.total <= row.target ? `met, $${margin} under` : `**not met**, $${margin} over`;
}

/** Longhaul's cost against a floor, as "4.1x". */
const times = (value: number, floor: number) => `${(value / floor).toFixed(1)}x`;

/**
 * The README's "Cost per job" table: each scenario's USD per million jobs on both backends, its target,
 * and how it compares with the two external floors. Generated; `writeReport` puts it between the
 * README's `costs-table` markers.
 */
export function costSummary(result: CostResult): string {
  const { rows, floors } = result.costs;
  const [sqsOnly, withRecord] = floors;
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  const lines = scenarios.map((scenario) => {
    const embedded = rows.find((r) => r.scenario === scenario && r.source === 'embedded');
    const moto = rows.find((r) => r.scenario === scenario && r.source === 'moto');
    const main = embedded ?? moto;
    if (!main) return '';
    const total = main.usdPerMillion.total;
    const target =
      main.target === undefined
        ? ''
        : `${usd(main.target)}: ${[embedded, moto]
            .filter((r) => r !== undefined)
            .map((r) => `${verdictOf(r)} (${r.source})`)
            .join(', ')}`;
    const vs = (floor: typeof sqsOnly) => (floor ? times(total, floor.usdPerMillion) : '');
    return `| ${main.label} | ${main.sqsRequests} | ${main.writeUnits} + ${main.indexWriteUnits} + ${main.aggregatorWriteUnits} | ${embedded ? usd(embedded.usdPerMillion.total) : ''} | ${moto ? usd(moto.usdPerMillion.total) : ''} | ${target} | ${vs(sqsOnly)} | ${vs(withRecord)} |`;
  });
  return [
    '| per job | SQS requests (embedded) | write units: table + index + counts | USD per million, embedded | USD per million, moto | target | embedded vs SQS only | embedded vs SQS + record |',
    '|---|---:|---:|---:|---:|---|---:|---:|',
    ...lines,
    ...floors.map(
      (f) =>
        `| floor: ${f.label} | ${f.sqsRequests} | ${f.writeUnits} + 0 + 0 | | ${usd(f.usdPerMillion)} | | | |`,
    ),
  ].join('\n');
}

function costSection(result: CostResult): string {
  const { prices, rows, floors, countsStream } = result.costs;
  const ops = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([op, n]) => `${op} ${n}`)
      .join(', ');
  const line = (r: CostRow) =>
    `| ${r.label} | ${r.source} | ${r.sqsRequests} | ${r.writeUnits} | ${r.indexWriteUnits} | ${r.streamRecords}${r.pointerRecords ? ` (${r.pointerRecords} pointer)` : ''} → ${r.aggregatorWriteUnits} | ${r.readUnits} | **${usd(r.usdPerMillion.total)}** | ${r.target === undefined ? '' : `${usd(r.target)}: ${verdictOf(r)}`} |`;
  return [
    `### Cost per million jobs (us-east-1 on-demand prices as of ${prices.asOf}; check the AWS pricing pages)`,
    '',
    `Prices: SQS standard $${prices.sqsPerMillionRequests.toFixed(2)} per million requests (each 64 KB of a payload is one request; these messages are far smaller); DynamoDB on-demand $${prices.dynamoPerMillionWriteUnits} per million write request units and $${prices.dynamoPerMillionReadUnits} per million read request units (the prices since the November 2024 cut).`,
    '',
    `Per job, everything counted. "Stream records → counts WRU": the table writes the counts aggregator reads, and its write units per job at full batches of ${countsStream.batchSize} records.`,
    '',
    '| scenario | source | SQS requests | table WRU | index WRU | stream records → counts WRU | RRU | USD per million | target |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(line),
    '',
    'Against the external floors (measured by their minimal loops on moto):',
    '',
    costSummary(result),
    '',
    'Requests by operation, per job:',
    '',
    ...rows.map(
      (r) =>
        `- ${r.label} (${r.source}): SQS ${ops(r.sqsOperations)}; DynamoDB ${ops(r.dynamoOperations)}; largest item ~${r.largestItemBytes} bytes`,
    ),
    ...floors.map((f) => `- floor, ${f.label}: ${ops(f.operations)}`),
  ].join('\n');
}

/** One result's section of the report. */
export function section(result: BenchResult, imagesRel: string): string {
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
    "The benchmarks that measure in child processes of their own (worker overhead, sqs-consumer, scaling, embedded, memory, SSE fan-out) run Longhaul there as the built package (`dist/`, compiled by `tsc` at the start of the run), as an installed package runs; only the bench scripts themselves go through tsx. On source, tsx wraps every function Longhaul creates per job in a `__name` call (esbuild's `keepNames`), CPU and heap per job that no installed package pays. Figures dated before 2026-12-07 ran on source.",
    '',
    '"Source" says what produced a figure: `embedded` is the in-process backend (`longhaul/memory`), `moto` the local AWS emulator (`node scripts/emulator.mjs start`), `calculated` a figure derived from counts and prices. "Better" or "worse" compares Longhaul with the baseline in the direction that is good for the figure; within 2% is "same".',
    '',
    ...(results.length
      ? ['## Contents', '', ...results.map((r) => `- [${r.title}](#${slug(r.title)})`), '']
      : []),
    ...results.map((r) => section(r, 'images')),
  ];
  if (existsSync(emulatorsNote)) lines.push(readFileSync(emulatorsNote, 'utf8').trim(), '');
  const costs = results.find((r): r is CostResult => 'costs' in r && !r.quick);
  if (toDocs && costs) updateReadmeCosts(costs);
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

const readme = join(root, 'README.md');
const costsMarkers = [
  '<!-- costs-table:start (generated by npm run bench -- costs) -->',
  '<!-- costs-table:end -->',
];

/** Replaces the README's cost table (between its markers) with the measured one. */
function updateReadmeCosts(result: CostResult): void {
  const text = readFileSync(readme, 'utf8');
  const [start, end] = costsMarkers as [string, string];
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md lacks the cost table markers ${start} ... ${end}`);
  const table = `${start}\n${costSummary(result)}\n\nMeasured ${result.at.slice(0, 10)} by \`${result.command}\`.\n`;
  writeFileSync(readme, text.slice(0, from) + table + text.slice(to));
}

/**
 * Rewrites only the costs section of docs/benchmarks.md (and the README's cost table) from
 * bench-results/costs.json, leaving the other sections as they are: for a checkout that holds only
 * the costs result. Returns the markdown file's path.
 */
export function writeCostsOnly(): string {
  const costs = readResults().find((r): r is CostResult => r.name === 'costs' && 'costs' in r && !r.quick);
  if (!costs)
    throw new Error('bench-results/costs.json is missing or from a quick run: run npm run bench -- costs');
  const file = join(root, 'docs/benchmarks.md');
  const text = readFileSync(file, 'utf8');
  const heading = `## ${costs.title}\n`;
  const from = text.indexOf(heading);
  if (from < 0) throw new Error(`docs/benchmarks.md has no "${heading.trim()}" section`);
  const next = text.indexOf('\n## ', from + heading.length);
  const body = section(costs, 'images')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd();
  writeFileSync(file, `${text.slice(0, from)}${body}\n${next < 0 ? '' : text.slice(next)}`);
  updateReadmeCosts(costs);
  return file;
}

function slug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, 'costs-only': { type: 'boolean' } } });
  if (values['costs-only']) console.log(`wrote ${writeCostsOnly()} and README.md's cost table`);
  else console.log(`wrote ${writeReport(values.out ? { outDir: values.out } : {})}`);
}
