#!/usr/bin/env node
// The first step of `npm test`: makes sure the Chromium that the dashboard's browser test drives is there,
// before any test runs. playwright-core downloads no browser of its own, so the suite uses Debian's
// `chromium` package: installed here with apt-get when this process may install packages (root, or
// password-less sudo); otherwise one line names what is missing and the command that installs it.
// `.ci/run` reaches this through `npm test`, so CI and the README cannot drift apart.
//
//   node scripts/ensure-chromium.mjs         exit 0 when Chromium is there (or was just installed), 1 if not
//
// CHROMIUM_PATH points the suite at another Chromium or Chrome binary; apt-get is tried only for the
// Debian path, the one the package installs.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Where Debian's `chromium` package puts the browser. */
export const debianChromiumPath = '/usr/bin/chromium';

/** The command the README and the missing-browser line give for installing the browser. */
export const installCommand = 'sudo apt-get install -y chromium';

/**
 * The Chromium binary the browser tests launch: `CHROMIUM_PATH` when set, else Debian's path.
 * @param {NodeJS.ProcessEnv} [env]
 */
export function chromiumPath(env = process.env) {
  return env.CHROMIUM_PATH || debianChromiumPath;
}

/** @param {string} path */
function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** @param {string} command @param {string[]} args */
function succeeds(command, args) {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/**
 * What to do about the browser, decided from facts only so that each branch can be tested:
 * `present`, `install` (with the command prefix that may install packages), or `missing`.
 * @param {{ path: string, executable: boolean, isRoot: boolean, hasAptGet: boolean, hasSudo: boolean }} facts
 * @returns {{ action: 'present' } | { action: 'install', asRoot: string[] } | { action: 'missing', message: string }}
 */
export function chromiumPlan({ path, executable, isRoot, hasAptGet, hasSudo }) {
  if (executable) return { action: 'present' };
  if (path === debianChromiumPath && hasAptGet && (isRoot || hasSudo)) {
    return { action: 'install', asRoot: isRoot ? [] : ['sudo', '-n'] };
  }
  const how =
    path === debianChromiumPath
      ? `install it with \`${installCommand}\``
      : `point CHROMIUM_PATH at a Chromium binary, or unset it and run \`${installCommand}\``;
  return {
    action: 'missing',
    message: `Chromium is missing at ${path} (the dashboard's browser test drives it): ${how}.`,
  };
}

/** Runs `apt-get update` and `apt-get install chromium` behind `asRoot`; false when either fails. @param {string[]} asRoot */
function aptInstallChromium(asRoot) {
  const run = (/** @type {string[]} */ args) => {
    // Through env(1), so that sudo's environment reset keeps apt-get from asking questions.
    const argv = [...asRoot, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args];
    const [command = 'env', ...rest] = argv;
    return spawnSync(command, rest, { stdio: ['ignore', 'ignore', 'inherit'] }).status === 0;
  };
  return run(['update', '-qq']) && run(['install', '-y', '-qq', 'chromium']);
}

/** Checks, installs when it can, and returns the process exit code. */
export function ensureChromium(env = process.env) {
  const path = chromiumPath(env);
  const plan = chromiumPlan({
    path,
    executable: isExecutable(path),
    isRoot: process.getuid?.() === 0,
    hasAptGet: succeeds('sh', ['-c', 'command -v apt-get']),
    hasSudo: succeeds('sudo', ['-n', 'true']),
  });
  if (plan.action === 'present') return 0;
  if (plan.action === 'missing') {
    console.error(plan.message);
    return 1;
  }
  console.error(`Chromium is missing at ${path}: installing Debian's chromium package with apt-get`);
  if (!aptInstallChromium(plan.asRoot) || !isExecutable(path)) {
    console.error(
      `Could not install Chromium at ${path} (see above): install it with \`${installCommand}\`.`,
    );
    return 1;
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = ensureChromium();
}
