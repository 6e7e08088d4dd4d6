// The page's script and stylesheet, as served: bundled from src/dashboard/browser/, valid, and free of the
// APIs that turn data into markup; and the shapes the script reads match what the API sends.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { DashboardApi } from '../../src/dashboard/api.js';
import { escapeHtml, pageHtml } from '../../src/dashboard/assets/page.js';
import type * as BrowserApi from '../../src/dashboard/browser/api-types.js';
import {
  type BrowserBundle,
  bundleFileNames,
  loadBrowserBundle,
  readPrebuiltBundle,
} from '../../src/dashboard/browser-bundle.js';

const browserFolder = new URL('../../src/dashboard/browser/', import.meta.url);
const markupSinks = [
  'innerHTML',
  'outerHTML',
  'insertAdjacentHTML',
  'document.write',
  'eval(',
  'new Function',
];

/** Compiles only when what the server sends (`Server`) can be read as what the script expects (`Browser`). */
function fits<Browser, _Server extends Browser>(): void {}

/** The browser sources, by file name. */
async function browserSources(): Promise<Map<string, string>> {
  const names = (await readdir(browserFolder)).filter((name) => name.endsWith('.ts'));
  return new Map(
    await Promise.all(
      names.map(async (name) => [name, await readFile(new URL(name, browserFolder), 'utf8')] as const),
    ),
  );
}

describe('the dashboard assets', () => {
  it('ship a strict script that parses, bundled into one file', async () => {
    const { script } = await loadBrowserBundle();
    expect(() => new Script(script, { filename: 'app.js' })).not.toThrow();
    expect(script.startsWith('"use strict";')).toBe(true);
    expect(script).not.toMatch(/\bimport\s*[({'"]|\brequire\(/);
  });

  it('bundle once per process', async () => {
    expect(loadBrowserBundle()).toBe(loadBrowserBundle());
    await loadBrowserBundle();
  });

  it('never build markup from strings in the script', async () => {
    const { script } = await loadBrowserBundle();
    const sources = await browserSources();
    expect(sources.size).toBeGreaterThan(5);
    for (const [name, text] of [['app.js (bundled)', script] as const, ...sources]) {
      for (const sink of markupSinks) expect(text, `${sink} in ${name}`).not.toContain(sink);
      // Attributes come from a fixed set of names; `on*` handlers only through addEventListener.
      expect(text, name).not.toMatch(/setAttribute\(\s*['"`]on/);
    }
  });

  it('escape what they put in the page', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;&#60;/a&#62;',
    );
    const page = pageHtml({ base: '/a"><script>x</script>', csrfToken: 'tok', liveIntervalMs: 1000 });
    expect(page).not.toContain('<script>x</script>');
  });

  it('style with no imports or remote URLs (the page works offline)', async () => {
    const { styles } = await loadBrowserBundle();
    expect(styles).toContain('.progress-fill');
    expect(styles).not.toMatch(/@import|url\(/);
  });

  it('serve a prebuilt bundle when the package has one, and bundle from source otherwise', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'longhaul-bundle-'));
    try {
      const url = pathToFileURL(`${folder}/`);
      expect(await readPrebuiltBundle(url)).toBeUndefined();
      // From source there is no prebuilt bundle beside the sources.
      expect(await readPrebuiltBundle()).toBeUndefined();
      await writeFile(join(folder, bundleFileNames.script), 'prebuilt();');
      await writeFile(join(folder, bundleFileNames.styles), '.prebuilt{}');
      expect(await readPrebuiltBundle(url)).toEqual<BrowserBundle>({
        script: 'prebuilt();',
        styles: '.prebuilt{}',
      });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('read the API answers in the shapes the server sends', () => {
    type Answer<M extends keyof DashboardApi> = Awaited<ReturnType<DashboardApi[M]>>;
    fits<BrowserApi.QueueStats, Answer<'stats'>>();
    fits<BrowserApi.JobListPage, Answer<'jobs'>>();
    fits<BrowserApi.JobDetail, Answer<'job'>>();
    fits<BrowserApi.DeadLetterList, Answer<'deadLetters'>>();
    fits<BrowserApi.JobActionResult, Answer<'cancel'>>();
    fits<BrowserApi.JobActionResult, Answer<'retry'>>();
    fits<BrowserApi.RedriveResult, Answer<'redrive'>>();
  });
});
