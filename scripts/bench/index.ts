// `npm run bench`: runs every benchmark, writes each result to bench-results/, then the report
// (docs/benchmarks.md and docs/images/bench-*.svg).
//
//   npm run bench                      every benchmark, full size; the report goes to docs/
//   npm run bench -- costs latency     only these (the report is rebuilt from every result on disk)
//   npm run bench -- --quick           every benchmark at tiny sizes, asserting nothing about speed; the
//                                      report goes to a temporary directory, so the tree stays clean
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { writeReport } from './report.js';
import { type BenchResult, writeResult } from './results.js';
import { type RunOptions, releaseMoto } from './shared.js';

/** Every benchmark, in the order they run; each is scripts/bench/<name>.ts exporting `run`. */
export const benchmarks = [
  'worker-overhead',
  'tracing-overhead',
  'vs-sqs-consumer',
  'enqueue',
  'scaling',
  'embedded',
  'costs',
  'latency',
  'memory',
  'lambda',
  'sse-fanout',
] as const;

const here = fileURLToPath(new URL('.', import.meta.url));

type BenchModule = { run?: (options: RunOptions) => Promise<BenchResult> };

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { quick: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const quick = values.quick ?? false;
  const unknown = positionals.filter((name) => !(benchmarks as readonly string[]).includes(name));
  if (unknown.length) {
    console.error(`unknown benchmark ${unknown.join(', ')}; choose from: ${benchmarks.join(', ')}`);
    return 2;
  }
  const chosen = positionals.length ? positionals : [...benchmarks];
  const started = performance.now();
  const failed: string[] = [];
  const missing: string[] = [];
  const timings: string[] = [];
  try {
    for (const name of chosen) {
      const file = join(here, `${name}.ts`);
      if (!existsSync(file)) {
        console.error(`bench: skipping ${name}: scripts/bench/${name}.ts does not exist yet`);
        missing.push(name);
        continue;
      }
      const t0 = performance.now();
      console.error(`bench: ${name}${quick ? ' (quick)' : ''}...`);
      try {
        const mod = (await import(pathToFileURL(file).href)) as BenchModule;
        if (typeof mod.run !== 'function') throw new Error(`scripts/bench/${name}.ts exports no run()`);
        const result = await mod.run({ quick });
        writeResult(result);
        const seconds = (performance.now() - t0) / 1000;
        timings.push(`${name} ${seconds.toFixed(1)} s`);
        console.error(`bench: ${name} done in ${seconds.toFixed(1)} s`);
      } catch (error) {
        failed.push(name);
        console.error(
          `bench: ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      }
    }
  } finally {
    await releaseMoto();
  }
  const outDir = quick ? mkdtempSync(join(tmpdir(), 'longhaul-bench-')) : undefined;
  const report = writeReport(outDir ? { outDir } : {});
  console.error(`bench: report written to ${report}`);
  console.error(`bench: ${timings.join(', ')}; total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (missing.length) console.error(`bench: not run (no script yet): ${missing.join(', ')}`);
  if (failed.length) console.error(`bench: failed: ${failed.join(', ')}`);
  return failed.length ? 1 : 0;
}

process.exitCode = await main();
