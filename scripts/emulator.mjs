#!/usr/bin/env node
// Local AWS emulator for Longhaul's contract and integration tests: moto's server
// (`python3 -m moto.server`) on a free loopback port, tracked in .emulator/state.json.
//
//   node scripts/emulator.mjs start    start (or reuse) the emulator, print AWS_ENDPOINT_URL=...
//   node scripts/emulator.mjs stop     stop it (idempotent)
//   node scripts/emulator.mjs reset    wipe all emulated AWS state (POST /moto-api/reset)
//   node scripts/emulator.mjs status   print whether it runs; exit 1 when it does not
//   node scripts/emulator.mjs env      print `export AWS_...` lines: eval "$(node scripts/emulator.mjs env)"
//
// Python: $LONGHAUL_EMULATOR_PYTHON if set, else python3 if it has moto[server], else .venv/bin/python,
// else a new .venv with `pip install 'moto[server]'`. Plain Node ESM with builtins only.

import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STATE_DIR = join(ROOT, '.emulator');
const STATE_FILE = join(STATE_DIR, 'state.json');
const LOG_FILE = join(STATE_DIR, 'moto.log');
const LOCK_FILE = join(STATE_DIR, 'lock');
const VENV_DIR = join(ROOT, '.venv');
const VENV_PYTHON = join(VENV_DIR, 'bin', 'python');

const DEFAULT_START_TIMEOUT_MS = 60_000;
const LOCK_TIMEOUT_MS = 180_000;

// What the server needs: moto.server imports flask and flask_cors (the `server` extra); the backends
// Longhaul talks to must import too. Prints moto's version on success.
const PYTHON_CHECK = [
  'import moto, moto.server, flask, flask_cors',
  'from moto.dynamodb.responses import DynamoHandler',
  'from moto.backends import get_backend',
  'get_backend("sqs"); get_backend("dynamodb")',
  'print(moto.__version__)',
].join('\n');

// How the server starts: moto's own entry point, after one fix. DynamoDB applies conditional writes to
// an item one at a time; moto's threaded server runs each request's condition check and write without
// a lock, so two racing conditional writes could both succeed (two jobs started where a rate limit had
// room for one). DynamoDB requests never wait on anything, so running them one at a time costs nothing
// but that race; SQS long polls are left concurrent.
const SERVER_BOOTSTRAP = [
  'import threading',
  'import moto.server',
  'from moto.dynamodb.responses import DynamoHandler',
  '_one_at_a_time = threading.Lock()',
  '_call_action = DynamoHandler.call_action',
  'def call_action(self):',
  '    with _one_at_a_time:',
  '        return _call_action(self)',
  'DynamoHandler.call_action = call_action',
  'moto.server.main()',
].join('\n');

class EmulatorError extends Error {
  constructor(message) {
    super(message);
    this.name = 'EmulatorError';
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const defaultLog = (line) => process.stderr.write(`longhaul emulator: ${line}\n`);

// ---------------------------------------------------------------------------------------------
// state, processes

function readState() {
  let text;
  try {
    text = readFileSync(STATE_FILE, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const s = JSON.parse(text);
    if (Number.isInteger(s.pid) && Number.isInteger(s.port) && typeof s.endpoint === 'string') return s;
  } catch {
    // fall through: a corrupt state file is treated as no state
  }
  return undefined;
}

function writeState(state) {
  mkdirSync(STATE_DIR, { recursive: true });
  writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
}

function removeState() {
  rmSync(STATE_FILE, { force: true });
}

/** True when `pid` exists and is not a zombie. */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** Guard against pid reuse: only signal a process that is the moto server on our port. */
function isOurServer(state) {
  let cmdline;
  try {
    cmdline = readFileSync(`/proc/${state.pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    const ps = spawnSync('ps', ['-o', 'args=', '-p', String(state.pid)], { encoding: 'utf8' });
    cmdline = ps.status === 0 ? ps.stdout : '';
  }
  return cmdline.includes('moto.server') && cmdline.includes(String(state.port));
}

function signal(pid, sig) {
  try {
    process.kill(-pid, sig); // the server was spawned detached: it leads its own process group
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

async function waitForExit(pid, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  return !isAlive(pid);
}

async function killServer(pid) {
  signal(pid, 'SIGTERM');
  if (await waitForExit(pid, 10_000)) return;
  signal(pid, 'SIGKILL');
  if (!(await waitForExit(pid, 5_000))) {
    throw new EmulatorError(`moto server (pid ${pid}) did not exit after SIGKILL`);
  }
}

let inProcess = Promise.resolve();

/** Serialises start/stop within this process and across processes (e.g. two vitest global setups). */
function withLock(fn) {
  const run = inProcess.then(() => withFileLock(fn));
  inProcess = run.catch(() => {});
  return run;
}

async function withFileLock(fn) {
  mkdirSync(STATE_DIR, { recursive: true });
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  let unreadable = 0;
  for (;;) {
    try {
      const fd = openSync(LOCK_FILE, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let holder = Number.NaN;
    try {
      holder = Number.parseInt(readFileSync(LOCK_FILE, 'utf8'), 10);
    } catch {
      continue; // released meanwhile
    }
    if (Number.isNaN(holder) && ++unreadable < 20) {
      await sleep(50); // its writer is between open and write
      continue;
    }
    if (Number.isNaN(holder) || holder === process.pid || !isAlive(holder)) {
      rmSync(LOCK_FILE, { force: true }); // left behind by a process that died
      continue;
    }
    if (Date.now() > deadline) {
      throw new EmulatorError(`timed out waiting for ${LOCK_FILE} held by pid ${holder}`);
    }
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK_FILE, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// python selection

function checkPython(python) {
  const r = spawnSync(python, ['-c', PYTHON_CHECK], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) {
    return { ok: false, missing: r.error.code === 'ENOENT', reason: `${python}: ${r.error.message}` };
  }
  if (r.status !== 0) {
    const lines = `${r.stderr}`
      .trim()
      .split('\n')
      .filter((l) => l.trim());
    return { ok: false, missing: false, reason: lines.at(-1) ?? `exit status ${r.status}` };
  }
  return { ok: true, version: r.stdout.trim() };
}

function resolvePython(log) {
  const override = process.env.LONGHAUL_EMULATOR_PYTHON;
  if (override) {
    const c = checkPython(override);
    if (!c.ok) {
      throw new EmulatorError(`LONGHAUL_EMULATOR_PYTHON=${override} cannot run moto's server: ${c.reason}`);
    }
    return { python: override, version: c.version };
  }
  const system = checkPython('python3');
  if (system.ok) return { python: 'python3', version: system.version };
  if (existsSync(VENV_PYTHON)) {
    const v = checkPython(VENV_PYTHON);
    if (v.ok) return { python: VENV_PYTHON, version: v.version };
  }
  if (system.missing) {
    throw new EmulatorError(
      'python3 not found on PATH: the AWS emulator needs Python 3 with moto[server] (pip install "moto[server]")',
    );
  }
  log(`python3 cannot run moto's server (${system.reason}); installing moto[server] into .venv`);
  if (!existsSync(VENV_PYTHON)) {
    const venv = spawnSync('python3', ['-m', 'venv', VENV_DIR], { stdio: ['ignore', 2, 2] });
    if (venv.status !== 0 || !existsSync(VENV_PYTHON)) {
      throw new EmulatorError(
        'python3 lacks moto[server] and `python3 -m venv .venv` failed (on Debian/Ubuntu: apt-get install python3-venv)',
      );
    }
  }
  const pip = spawnSync(
    VENV_PYTHON,
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--retries',
      '2',
      '--timeout',
      '20',
      'moto[server]',
    ],
    { stdio: ['ignore', 2, 2] },
  );
  if (pip.status !== 0) {
    throw new EmulatorError(
      "moto[server] is missing: python3 lacks it and `pip install 'moto[server]'` into .venv failed " +
        '(install it for python3, or set LONGHAUL_EMULATOR_PYTHON to a Python that has it)',
    );
  }
  const v = checkPython(VENV_PYTHON);
  if (!v.ok) throw new EmulatorError(`moto[server] installed into .venv but still cannot run: ${v.reason}`);
  return { python: VENV_PYTHON, version: v.version };
}

// ---------------------------------------------------------------------------------------------
// server

function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolvePort(port));
    });
  });
}

/** moto answers GET /moto-api/ (its dashboard page) with 200 once it serves requests. */
async function answers(endpoint, timeoutMs = 2_000) {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

function logTail(lines = 20) {
  try {
    const text = readFileSync(LOG_FILE, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitUntilReady(endpoint, child, timeoutMs) {
  let exited = null;
  child.once('exit', (code, sig) => {
    exited = sig ? `signal ${sig}` : `exit code ${code}`;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) return { ok: false, exited };
    if (await answers(endpoint, 1_000)) return { ok: true };
    await sleep(200);
  }
  return { ok: false, exited };
}

function spawnServer(python, port) {
  mkdirSync(STATE_DIR, { recursive: true });
  const out = openSync(LOG_FILE, 'w');
  try {
    const child = spawn(python, ['-c', SERVER_BOOTSTRAP, '-H', '127.0.0.1', '-p', String(port)], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, MOTO_PORT: String(port), PYTHONUNBUFFERED: '1' },
    });
    return child;
  } finally {
    closeSync(out);
  }
}

/**
 * Starts moto's server (or reuses the one recorded in .emulator/state.json when it still answers).
 * @param {{ timeoutMs?: number, log?: (line: string) => void }} [options]
 */
export async function startEmulator(options = {}) {
  const timeoutMs = options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const log = options.log ?? defaultLog;
  return withLock(async () => {
    const existing = readState();
    if (existing) {
      if (isAlive(existing.pid) && (await answers(existing.endpoint))) {
        return { pid: existing.pid, port: existing.port, endpoint: existing.endpoint, reused: true };
      }
      if (isAlive(existing.pid) && isOurServer(existing)) {
        log(`recorded server (pid ${existing.pid}) does not answer; stopping it`);
        await killServer(existing.pid);
      }
      removeState();
    }

    const { python, version } = resolvePython(log);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const endpoint = `http://localhost:${port}`;
      const child = spawnServer(python, port);
      if (child.pid === undefined) {
        const err = await new Promise((r) => child.once('error', r));
        throw new EmulatorError(`could not start ${python}: ${err?.message ?? 'spawn failed'}`);
      }
      const state = { pid: child.pid, port, endpoint };
      writeState(state);
      const ready = await waitUntilReady(endpoint, child, timeoutMs);
      if (ready.ok) {
        child.unref();
        log(`moto ${version} (${python}) pid ${child.pid} serving ${endpoint}`);
        return { ...state, reused: false };
      }
      if (!ready.exited) await killServer(child.pid);
      removeState();
      const tail = logTail();
      if (ready.exited && /Address already in use/i.test(tail) && attempt < 3) continue; // lost a port race
      const why = ready.exited
        ? `moto server exited (${ready.exited}) before answering on ${endpoint}`
        : `moto server did not answer on ${endpoint} within ${Math.round(timeoutMs / 1000)}s`;
      throw new EmulatorError(`${why}; last lines of ${LOG_FILE}:\n${tail}`);
    }
  });
}

/** Stops the emulator recorded in .emulator/state.json. Idempotent. */
export async function stopEmulator() {
  return withLock(async () => {
    const state = readState();
    if (!state) return { stopped: false };
    let stopped = false;
    if (isAlive(state.pid) && isOurServer(state)) {
      await killServer(state.pid);
      stopped = true;
    }
    removeState();
    return { stopped, pid: state.pid };
  });
}

/**
 * Wipes all emulated AWS state (queues, tables, ...) with POST /moto-api/reset.
 * @param {string} [endpoint] a moto endpoint; defaults to the one in .emulator/state.json
 */
export async function resetEmulator(endpoint) {
  const target = endpoint ?? readState()?.endpoint;
  if (!target) throw new EmulatorError('emulator is not running (no .emulator/state.json): nothing to reset');
  let res;
  try {
    res = await fetch(`${target}/moto-api/reset`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new EmulatorError(`reset failed: ${target} does not answer (${err.cause?.code ?? err.message})`);
  }
  const body = await res.text();
  if (!res.ok) {
    throw new EmulatorError(`reset failed: ${target}/moto-api/reset answered ${res.status} ${body}`);
  }
}

/** Whether the recorded emulator is alive and answering. */
export async function emulatorStatus() {
  const state = readState();
  if (!state) return { running: false };
  const running = isAlive(state.pid) && (await answers(state.endpoint));
  return { running, pid: state.pid, port: state.port, endpoint: state.endpoint };
}

// ---------------------------------------------------------------------------------------------
// CLI

/** `export NAME="${NAME:-value}"` for the shell. */
const exportWithDefault = (name, value) => `export ${name}="\${${name}:-${value}}"`;

async function main(command) {
  switch (command) {
    case 'start': {
      const s = await startEmulator();
      if (s.reused) defaultLog(`reusing pid ${s.pid} at ${s.endpoint}`);
      process.stdout.write(`AWS_ENDPOINT_URL=${s.endpoint}\n`);
      return 0;
    }
    case 'stop': {
      const s = await stopEmulator();
      defaultLog(s.stopped ? `stopped pid ${s.pid}` : 'not running');
      return 0;
    }
    case 'reset': {
      const s = await emulatorStatus();
      if (!s.running) throw new EmulatorError('emulator is not running: nothing to reset');
      await resetEmulator(s.endpoint);
      defaultLog(`reset ${s.endpoint}`);
      return 0;
    }
    case 'status': {
      const s = await emulatorStatus();
      if (s.running) {
        process.stdout.write(`running: ${s.endpoint} (pid ${s.pid})\n`);
        return 0;
      }
      process.stdout.write(s.endpoint ? `not running (stale state for ${s.endpoint})\n` : 'not running\n');
      return 1;
    }
    case 'env': {
      const s = await emulatorStatus();
      if (!s.running) {
        throw new EmulatorError('emulator is not running: run `node scripts/emulator.mjs start`');
      }
      process.stdout.write(
        [
          `export AWS_ENDPOINT_URL=${s.endpoint}`,
          // keep values the caller already has (so real credentials are never echoed)
          exportWithDefault('AWS_REGION', 'us-east-1'),
          exportWithDefault('AWS_ACCESS_KEY_ID', 'test'),
          exportWithDefault('AWS_SECRET_ACCESS_KEY', 'test'),
          '',
        ].join('\n'),
      );
      return 0;
    }
    default:
      process.stderr.write('usage: node scripts/emulator.mjs start|stop|reset|status|env\n');
      return 2;
  }
}

function invokedAsScript() {
  const argv1 = process.argv[1];
  if (!argv1) return false;
  if (import.meta.url === pathToFileURL(argv1).href) return true;
  try {
    return import.meta.url === pathToFileURL(realpathSync(argv1)).href;
  } catch {
    return false;
  }
}

if (invokedAsScript()) {
  main(process.argv[2]).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`longhaul emulator: ${err instanceof EmulatorError ? err.message : err?.stack}\n`);
      process.exitCode = 1;
    },
  );
}
