// The first step of `npm test`: each way scripts/ensure-chromium.mjs can decide, and the real script
// failing with one line, before any test, when the browser is missing.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chromiumPath,
  chromiumPlan,
  debianChromiumPath,
  installCommand,
} from '../../scripts/ensure-chromium.mjs';
import { repositoryRoot } from '../support/processes.js';

const missing = { executable: false, isRoot: false, hasAptGet: true, hasSudo: false };

describe('ensure-chromium', () => {
  it("uses Debian's path unless CHROMIUM_PATH says otherwise", () => {
    expect(chromiumPath({})).toBe('/usr/bin/chromium');
    expect(chromiumPath({ CHROMIUM_PATH: '/opt/chrome/chrome' })).toBe('/opt/chrome/chrome');
  });

  it('does nothing when the browser is there', () => {
    expect(chromiumPlan({ ...missing, path: debianChromiumPath, executable: true })).toEqual({
      action: 'present',
    });
  });

  it("installs Debian's package as root, or through password-less sudo", () => {
    expect(chromiumPlan({ ...missing, path: debianChromiumPath, isRoot: true })).toEqual({
      action: 'install',
      asRoot: [],
    });
    expect(chromiumPlan({ ...missing, path: debianChromiumPath, hasSudo: true })).toEqual({
      action: 'install',
      asRoot: ['sudo', '-n'],
    });
  });

  it('names the missing browser and the install command when it may not install packages', () => {
    for (const facts of [{}, { hasAptGet: false, isRoot: true }]) {
      expect(chromiumPlan({ ...missing, ...facts, path: debianChromiumPath })).toEqual({
        action: 'missing',
        message: `Chromium is missing at /usr/bin/chromium (the dashboard's browser test drives it): install it with \`${installCommand}\`.`,
      });
    }
  });

  it('never runs apt-get for a CHROMIUM_PATH that the package would not create', () => {
    const plan = chromiumPlan({ ...missing, path: '/opt/chrome/chrome', isRoot: true });
    expect(plan).toMatchObject({ action: 'missing', message: expect.stringContaining('/opt/chrome/chrome') });
  });

  it('exits 1 with that one line when run as a script and the browser is missing', () => {
    const script = join(repositoryRoot, 'scripts', 'ensure-chromium.mjs');
    const run = spawnSync(process.execPath, [script], {
      env: { ...process.env, CHROMIUM_PATH: join(repositoryRoot, 'no-such-dir', 'chromium') },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^Chromium is missing at .*no-such-dir\/chromium .*sudo apt-get install -y chromium/,
      ),
    ]);
  });
});
