// The package as users get it: `npm pack` (its prepack builds dist/), the tarball installed into a new
// project with the peer dependencies, then the `longhaul` command, every export imported from ESM, a
// consumer typechecked under moduleResolution node16 and bundler, and the types checked by
// @arethetypeswrong/cli. Catches a file the tarball lacks, which tests of the source never see.
import { execFile, type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from '../support/processes.js';

interface PackedFile {
  path: string;
  size: number;
}
interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: PackedFile[];
}

/** Installed beside the package: the peers `longhaul/aws` and `longhaul/cdk` import, a schema library, Node's types and esbuild. */
const besides = [
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/client-eventbridge',
  '@aws-sdk/client-s3',
  '@aws-sdk/client-scheduler',
  '@aws-sdk/client-sqs',
  '@aws-sdk/lib-dynamodb',
  '@aws-sdk/util-dynamodb',
  'aws-cdk-lib',
  'constructs',
  'zod',
  '@types/node',
  // What a user's CDK app bundles its Lambda entry with (NodejsFunction runs it from node_modules).
  'esbuild',
];

const tsc = join(repositoryRoot, 'node_modules', 'typescript', 'bin', 'tsc');
const attw = join(repositoryRoot, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');

/** Runs a command to completion; throws with its output when it fails, so the test shows why. */
function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/** `run` without blocking, so that two commands can run side by side. */
function runAsync(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve();
    });
  });
}

/** The version package-lock.json pins for `name`, so the install is the one the tests ran against. */
async function lockedVersion(name: string): Promise<string> {
  const lock = JSON.parse(await readFile(join(repositoryRoot, 'package-lock.json'), 'utf8'));
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (typeof version !== 'string') throw new Error(`package-lock.json has no version of ${name}`);
  return version;
}

const consumer = `import { defineTask, type JobRecord, Longhaul } from 'longhaul';
import { awsBackend } from 'longhaul/aws';
import { LonghaulQueue } from 'longhaul/cdk';
import { serveDashboard } from 'longhaul/dashboard';
import { createLambdaHandler } from 'longhaul/lambda';
import { memoryBackend } from 'longhaul/memory';
import { createTestQueue } from 'longhaul/testing';
import { z } from 'zod';

export const greet = defineTask({
  name: 'greet',
  args: z.object({ name: z.string() }),
  async run({ name }) {
    return { greeting: \`hello \${name}\` };
  },
});
export const longhaul = new Longhaul({ backend: memoryBackend() });
export const queue = createTestQueue({ tasks: [greet] });
export async function greeting(): Promise<string> {
  const job = await longhaul.enqueue(greet, { name: 'Ada' });
  return (await longhaul.waitForResult(job)).greeting;
}
export type Used = [JobRecord, typeof awsBackend, typeof LonghaulQueue, typeof serveDashboard, typeof createLambdaHandler];
`;

function tsconfig(moduleResolution: 'node16' | 'bundler'): string {
  const compilerOptions = {
    module: moduleResolution === 'node16' ? 'node16' : 'esnext',
    moduleResolution,
    target: 'ES2022',
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  };
  return JSON.stringify({ compilerOptions, files: ['consumer.ts'] }, null, 2);
}

describe('the packed package', () => {
  let work: string;
  let project: string;
  let packed: PackResult;
  let tarball: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'longhaul-package-'));
    const [result] = JSON.parse(
      run('npm', ['pack', '--json', '--pack-destination', work], repositoryRoot).stdout,
    ) as PackResult[];
    if (!result) throw new Error('npm pack printed no result');
    packed = result;
    tarball = join(work, packed.filename);
    console.info(
      `${packed.filename}: ${(packed.size / 1024).toFixed(0)} KiB packed, ` +
        `${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${packed.entryCount} files`,
    );

    project = join(work, 'consumer');
    await mkdir(project);
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    const pinned = await Promise.all(besides.map(async (name) => `${name}@${await lockedVersion(name)}`));
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...pinned], project);
  });

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('holds the compiled package and its docs, and no tests, sources, maps or benchmark results', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'bin/longhaul.mjs', 'dist/src/index.js']),
    );
    const unwanted = paths.filter(
      (path) =>
        !/^(dist\/(src|infra)\/.*\.(js|d\.ts)|dist\/src\/dashboard\/browser\/app\.css|docs\/[^/]+\.md|bin\/longhaul\.mjs|package\.json|README\.md)$/.test(
          path,
        ) || path === 'docs/benchmarks.md',
    );
    expect(unwanted).toEqual([]);
  });

  it('runs `npx longhaul --help`', () => {
    const help = run('npx', ['--no-install', 'longhaul', '--help'], project);
    expect(help.stdout).toMatch(/^Usage: longhaul /);
    expect(help.stderr).toBe('');
  });

  it('exports at run time every value the public API records, from every entry point', async () => {
    const recorded = JSON.parse(
      await readFile(join(repositoryRoot, 'test/unit/fixtures/public-api.json'), 'utf8'),
    ) as Record<string, Record<string, string>>;
    const expected = Object.fromEntries(
      Object.entries(recorded).map(([entry, members]) => [
        entry,
        Object.keys(members)
          .filter((name) => members[name]?.startsWith('value:'))
          .sort(),
      ]),
    );
    const script = `const names = {};
for (const entry of ${JSON.stringify(Object.keys(expected))}) {
  names[entry] = Object.keys(await import(entry === '.' ? 'longhaul' : 'longhaul' + entry.slice(1))).sort();
}
console.log(JSON.stringify(names));`;
    const imported = run(process.execPath, ['--input-type=module', '--eval', script], project);
    expect(JSON.parse(imported.stdout)).toEqual(expected);
    expect(imported.stderr).toBe('');
  });

  it('typechecks a consumer under moduleResolution node16 and bundler', async () => {
    await writeFile(join(project, 'consumer.ts'), consumer);
    // Side by side: each reads aws-cdk-lib's declarations, the slow part, on one core.
    await Promise.all(
      (['node16', 'bundler'] as const).map(async (resolution) => {
        await writeFile(join(project, `tsconfig.${resolution}.json`), tsconfig(resolution));
        await runAsync(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], project);
      }),
    );
  });

  it("bundles a user's Lambda entry with the construct's esbuild settings", async () => {
    await writeFile(
      join(project, 'lambda-entry.mjs'),
      [
        "import { defineTask } from 'longhaul';",
        "import { createLambdaHandlerFromEnv } from 'longhaul/lambda';",
        "const ping = defineTask({ name: 'ping', run: async () => 'pong' });",
        'export const handler = createLambdaHandlerFromEnv({ tasks: [ping] });',
        '',
      ].join('\n'),
    );
    const script = `import { build } from 'esbuild';
import { lambdaEsbuildOptions } from 'longhaul/cdk';
await build({ ...lambdaEsbuildOptions, entryPoints: ['lambda-entry.mjs'], outfile: 'bundle/index.mjs' });
const { handler } = await import('./bundle/index.mjs');
console.log(typeof handler);`;
    const bundled = run(process.execPath, ['--input-type=module', '--eval', script], project);
    expect(bundled.stdout.trim()).toBe('function');
  });

  it('serves the dashboard with its prebuilt browser bundle', async () => {
    const script = `import { Longhaul } from 'longhaul';
import { serveDashboard } from 'longhaul/dashboard';
import { memoryBackend } from 'longhaul/memory';
const dashboard = await serveDashboard({ longhaul: new Longhaul({ backend: memoryBackend() }), port: 0 });
try {
  const replies = await Promise.all(['', 'assets/app.js', 'assets/app.css'].map((path) => fetch(dashboard.url + path)));
  console.log(JSON.stringify(await Promise.all(replies.map(async (reply) => [reply.status, (await reply.text()).length]))));
} finally {
  await dashboard.close();
}`;
    const served = run(process.execPath, ['--input-type=module', '--eval', script], project);
    const replies = JSON.parse(served.stdout) as [number, number][];
    expect(replies.map(([status]) => status)).toEqual([200, 200, 200]);
    for (const [, length] of replies) expect(length).toBeGreaterThan(100);
  });

  it("bundles longhaul/browser into a web page's script with nothing from Node", async () => {
    await writeFile(
      join(project, 'page.mjs'),
      "import { enqueueJob, watchJob } from 'longhaul/browser';\nglobalThis.longhaul = { enqueueJob, watchJob };\n",
    );
    const script = `import { build } from 'esbuild';
const result = await build({ entryPoints: ['page.mjs'], bundle: true, write: false, platform: 'browser', format: 'esm', minify: true, metafile: true });
console.log(JSON.stringify({ size: result.outputFiles[0].text.length, inputs: Object.keys(result.metafile.inputs) }));`;
    const bundled = run(process.execPath, ['--input-type=module', '--eval', script], project);
    const { size, inputs } = JSON.parse(bundled.stdout) as { size: number; inputs: string[] };
    expect(
      inputs.filter((input) => !/^(page\.mjs|node_modules\/longhaul\/dist\/src\/browser)/.test(input)),
    ).toEqual([]);
    expect(size).toBeLessThan(12 * 1024);
  });

  it('has types that resolve for ESM consumers (@arethetypeswrong/cli)', () => {
    run(process.execPath, [attw, tarball, '--profile', 'esm-only', '--format', 'ascii'], work);
  });
});
