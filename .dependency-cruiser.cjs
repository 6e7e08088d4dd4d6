// The layout of src/ and infra/, enforced: one folder per role, each allowed to lean only on the roles
// beneath it. `npm run lint:boundaries` (part of `npm test`) fails on any violation; docs/architecture.md
// draws the same picture.
//
//   core/                 the pure model and the port interfaces: imports nothing outside core/, no AWS
//   client/               the producer side: core/ only
//   backends/aws|memory/  adapters and the function that assembles a backend: core/ only
//   runtime/              worker loop, JobRunner, Lambda handler: core/ and client/
//   wiring/               joins a backend to the runtime (from the environment, the test queue)
//   http/                 routes for web apps on the fetch API: core/ and client/ only
//   cli/, dashboard/      on top: anything but another backend's internals
//   browser/              runs in web pages: itself only, plus types from core/
//   src/*.ts              the package entry points, lists of exports
/** A backend's files other than its index.ts: its own business. */
const backendInternals = (name) => `^src/backends/${name}/(?!index\\.ts$)`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle (type-only imports included) ties modules that should stand alone.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-stays-pure',
      severity: 'error',
      comment:
        'core/ is the model and the ports: it imports only core/, node built-ins and small pure packages.',
      from: { path: '^src/core/' },
      to: {
        pathNot: ['^src/core/', '^node:'],
        dependencyTypesNot: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'core'],
      },
    },
    {
      name: 'core-has-no-aws',
      severity: 'error',
      comment: 'core/ must run anywhere: no AWS SDK, no CDK.',
      from: { path: '^src/core/' },
      to: { path: '(^|/)node_modules/(@aws-sdk|@smithy|aws-cdk-lib|constructs)/' },
    },
    {
      name: 'client-on-core-only',
      severity: 'error',
      comment:
        'The producer side runs in web processes: it must not pull in the worker, a backend or the tools.',
      from: { path: '^src/client/' },
      to: { path: '^src/(?!core/|client/)' },
    },
    {
      name: 'backends-on-core-only',
      severity: 'error',
      comment: 'An adapter implements ports; it never reaches up into the runtime, the client or the tools.',
      from: { path: '^src/backends/' },
      to: { path: '^src/(?!core/|backends/)' },
    },
    {
      name: 'backends-apart',
      severity: 'error',
      comment: 'One backend never leans on another.',
      from: { path: '^src/backends/(aws|memory)/' },
      to: { path: '^src/backends/(?!$1/)' },
    },
    {
      name: 'aws-backend-internals',
      severity: 'error',
      comment: 'Outside the AWS backend, import its index.ts, not its files.',
      from: { pathNot: '^src/backends/aws/' },
      to: { path: backendInternals('aws') },
    },
    {
      name: 'memory-backend-internals',
      severity: 'error',
      comment: 'Outside the embedded backend, import its index.ts, not its files.',
      from: { pathNot: '^src/backends/memory/' },
      to: { path: backendInternals('memory') },
    },
    {
      name: 'runtime-on-ports',
      severity: 'error',
      comment: 'The runtime drives ports; a concrete backend is chosen by wiring/, the CLI or the app.',
      from: { path: '^src/runtime/' },
      to: { path: '^src/(?!core/|client/|runtime/)' },
    },
    {
      name: 'http-on-client-and-core',
      severity: 'error',
      comment:
        'The web-app routes run in web processes beside the client: they must not pull in a backend, the worker or the tools.',
      from: { path: '^src/http/' },
      to: { path: '^src/(?!core/|client/|http/)' },
    },
    {
      name: 'wiring-for-entry-points',
      severity: 'error',
      comment: 'wiring/ is reached through the package entry points, the CLI or the dashboard.',
      from: { path: '^src/(core|client|backends|runtime)/' },
      to: { path: '^src/wiring/' },
    },
    {
      name: 'browser-stands-alone',
      severity: 'error',
      comment:
        'longhaul/browser is bundled into web pages: no Node built-in, no npm package, no server module.',
      from: { path: '^src/browser(/|\\.ts$)' },
      to: { pathNot: ['^src/browser/', '^src/core/'] },
    },
    {
      name: 'browser-takes-types-from-core',
      severity: 'error',
      comment: "From core/ the browser client shares the model's types, never its code (which needs Node).",
      from: { path: '^src/browser(/|\\.ts$)' },
      to: { path: '^src/core/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'src-stands-alone',
      severity: 'error',
      comment: 'The library never imports the construct, the tests, the scripts or the examples.',
      from: { path: '^src/' },
      to: { path: '^(infra|test|scripts|examples|functions)/' },
    },
    {
      name: 'infra-on-core-and-entry-points',
      severity: 'error',
      comment: 'The construct reads the shared names and models from core/ and bundles entry points.',
      from: { path: '^infra/' },
      to: { path: '^src/(?!core/|[^/]+\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|cdk\\.out|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['source', 'import', 'default'] },
    combinedDependencies: false,
  },
};
