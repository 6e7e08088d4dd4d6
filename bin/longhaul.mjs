#!/usr/bin/env node
// The `longhaul` command. An installed package runs the compiled CLI in dist/ (the package ships no
// src/). A clone of the repository has src/ and runs that TypeScript through tsx instead, so that
// `npx longhaul ...` needs no build there and never runs a stale dist/.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const source = new URL('../src/cli/main.ts', import.meta.url);

if (existsSync(source)) {
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  // Registered last, so it runs first: resolves `longhaul/...` (tasks modules import it) to src/ too.
  register('../scripts/source-condition-hooks.mjs', import.meta.url);
  const { main } = await import(source.href);
  await main();
} else {
  const { main } = await import('../dist/src/cli/main.js');
  await main();
}
