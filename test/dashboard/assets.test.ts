// The page's script and stylesheet, as served: valid, and free of the APIs that turn data into markup.
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { appScript } from '../../src/dashboard/assets/app-script.js';
import { appStyles } from '../../src/dashboard/assets/app-styles.js';
import { escapeHtml, pageHtml } from '../../src/dashboard/assets/page.js';

describe('the dashboard assets', () => {
  it('ship a script that parses', () => {
    expect(() => new Script(appScript, { filename: 'app.js' })).not.toThrow();
  });

  it('never build markup from strings in the script', () => {
    for (const sink of [
      'innerHTML',
      'outerHTML',
      'insertAdjacentHTML',
      'document.write',
      'eval(',
      'new Function',
    ]) {
      expect(appScript, sink).not.toContain(sink);
    }
    // Attributes come from a fixed set of names; `on*` handlers only through addEventListener.
    expect(appScript).not.toMatch(/setAttribute\(\s*['"]on/);
  });

  it('escape what they put in the page', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;&#60;/a&#62;',
    );
    const page = pageHtml({ base: '/a"><script>x</script>', csrfToken: 'tok', liveIntervalMs: 1000 });
    expect(page).not.toContain('<script>x</script>');
  });

  it('style with no imports or remote URLs (the page works offline)', () => {
    expect(appStyles).not.toMatch(/@import|url\(/);
  });
});
