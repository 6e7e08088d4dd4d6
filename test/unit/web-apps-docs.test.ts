import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

// docs/web-apps.md shows parts of the files in examples/web/, which `npm run typecheck` checks: each
// TypeScript block opens with a comment naming its file and must still be found in it, line for line.
describe('docs/web-apps.md', () => {
  it('shows only code that is in the typechecked examples', async () => {
    const doc = await readFile(join(root, 'docs/web-apps.md'), 'utf8');
    const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    for (const block of blocks) {
      const [first = '', ...body] = block.split('\n');
      const file = first.match(/^\/\/ (examples\/web\/[\w-]+\.ts)$/)?.[1];
      expect(file, `a block must open with // examples/web/<file>.ts, got: ${first}`).toBeDefined();
      const source = await readFile(join(root, file as string), 'utf8');
      expect(source, `${file} no longer holds the block shown in the docs`).toContain(
        body.join('\n').trimEnd(),
      );
    }
  });
});
