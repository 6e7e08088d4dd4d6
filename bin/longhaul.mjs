#!/usr/bin/env node
// The published `longhaul` command: runs the compiled CLI (`npm run build` makes dist/).
import { main } from '../dist/src/cli/main.js';

await main();
