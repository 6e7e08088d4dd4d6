// Draws docs/images/web-app.png: the example web app (examples/web-app/) in headless Chromium after an
// analysis finished. Run it after changing the page: `npx tsx --conditions=source scripts/screenshot-web-app.ts`.
import { join } from 'node:path';
import { launchChromium, startWebApp } from '../test/support/web-app.js';

const output = join(import.meta.dirname, '..', 'docs', 'images', 'web-app.png');

const app = await startWebApp({ WEB_APP_STEP_MS: '150' });
const chromium = await launchChromium({ width: 1000, height: 900 });
try {
  const { page } = chromium;
  await page.goto(app.url);
  await page.locator('#portfolio').fill('growth-fund');
  await page.locator('#tickers').fill('AAPL, MSFT, NVDA, JPM, KO, V');
  await page.locator('#analyze').click();
  await page.locator('#job-status[data-status="succeeded"]').waitFor({ timeout: 60_000 });
  await page.locator('#market:not([hidden])').waitFor({ timeout: 60_000 });
  // The progress bar eases to its width: let it arrive.
  await page.waitForTimeout(600);
  await page.screenshot({ path: output, fullPage: true });
  if (chromium.pageErrors.length > 0) throw new Error(`The page raised ${chromium.pageErrors.join('; ')}`);
  process.stdout.write(`Wrote ${output}\n`);
} finally {
  await chromium.close();
  await app.stop();
}
