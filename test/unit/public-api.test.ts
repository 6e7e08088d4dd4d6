import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPublicApi } from '../support/public-api.js';

const root = join(import.meta.dirname, '../..');

// The recorded surface was read from the package before src/ was rearranged into one folder per role.
// To change the public API on purpose, regenerate it: `npx tsx scripts/public-api.ts > test/unit/fixtures/public-api.json`.
describe('the public API', () => {
  it('exports every name, with the same type, from every package entry point', { timeout: 60_000 }, () => {
    const recorded = JSON.parse(readFileSync(join(root, 'test/unit/fixtures/public-api.json'), 'utf8'));
    expect(readPublicApi(root)).toEqual(recorded);
  });
});
