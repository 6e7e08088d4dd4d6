// Vitest global setup for the contract and integration projects: makes sure an AWS endpoint is there.
//
// - AWS_ENDPOINT_URL already set (CI, LocalStack, a hand-started emulator): used as is.
// - Otherwise starts moto via scripts/emulator.mjs (or reuses one already running) and, in
//   teardown, stops it only if this setup started it.
//
// Test workers are forked after global setup and inherit process.env, so the AWS SDK clients in the
// tests pick up AWS_ENDPOINT_URL, AWS_REGION and the dummy credentials without extra configuration.
import { startEmulator, stopEmulator } from '../../scripts/emulator.mjs';

const DEFAULTS: Readonly<Record<string, string>> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
};

export default async function setup(): Promise<() => Promise<void>> {
  const previous = new Map<string, string | undefined>();
  const setEnv = (name: string, value: string): void => {
    previous.set(name, process.env[name]);
    process.env[name] = value;
  };

  for (const [name, value] of Object.entries(DEFAULTS)) {
    if (!process.env[name]) setEnv(name, value);
  }

  let startedHere = false;
  if (!process.env.AWS_ENDPOINT_URL) {
    const emulator = await startEmulator();
    startedHere = !emulator.reused;
    setEnv('AWS_ENDPOINT_URL', emulator.endpoint);
  }

  return async () => {
    if (startedHere) await stopEmulator();
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
