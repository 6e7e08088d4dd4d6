// The example web app (examples/web-app/server.ts) as a real process, and a headless Chromium to open it:
// shared by its browser test and by scripts/screenshot-web-app.ts, which draws the docs' picture.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { chromiumPath as configuredChromiumPath, installCommand } from '../../scripts/ensure-chromium.mjs';
import { chromiumArgs } from './chromium.js';
import { runTs, type TsProcess } from './processes.js';

export interface RunningWebApp {
  readonly url: string;
  readonly process: TsProcess;
  /** SIGTERM, then waits for the app to stop its server, worker and (with --aws) delete its resources. */
  stop(): Promise<{ code: number | null; output: string }>;
}

/** Starts the web app on a free port; `env` adds to (and overrides) the test's environment. */
export async function startWebApp(
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<RunningWebApp> {
  const app = runTs('examples/web-app/server.ts', { PORT: '0', ...env }, args);
  const line = await app.waitFor(/^Web app: http/);
  return {
    url: line.replace(/^Web app: /, '').trim(),
    process: app,
    async stop() {
      app.child.kill('SIGTERM');
      return app.done;
    },
  };
}

export interface HeadlessChromium {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught errors of the page's script so far. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

/** Debian's Chromium (or CHROMIUM_PATH), headless, in a throwaway profile. */
export async function launchChromium(viewport = { width: 1100, height: 900 }): Promise<HeadlessChromium> {
  const executablePath = configuredChromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium is missing at ${executablePath}. Install it with \`${installCommand}\`.`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'longhaul-web-app-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    args: [...chromiumArgs],
    headless: true,
    viewport,
  });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  return {
    context,
    page,
    pageErrors,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
