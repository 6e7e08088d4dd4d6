// Prints the package's public API (every export of every entry point, with its type) as JSON, the form
// test/unit/public-api.test.ts compares with test/unit/fixtures/public-api.json.
import { join } from 'node:path';
import { readPublicApi } from '../test/support/public-api.js';

process.stdout.write(`${JSON.stringify(readPublicApi(join(import.meta.dirname, '..')), null, 2)}\n`);
