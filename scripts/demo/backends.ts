// The two backends the demo runs on: the embedded one (default) and AWS on a local emulator (--local).

import { randomBytes } from 'node:crypto';
import type { Backend } from 'longhaul';
import {
  awsBackend,
  createClients,
  createJobResources,
  deleteJobResources,
  type JobResources,
} from 'longhaul/aws';
import { memoryBackend } from 'longhaul/memory';
import { startEmulator, stopEmulator } from '../emulator.mjs';

export interface DemoBackend {
  readonly backend: Backend;
  /** One line saying what runs where. */
  readonly description: string;
  /** Deletes what the demo created and stops what it started. Safe to call more than once. */
  close(): Promise<void>;
}

/** The queue and job store in this process: no AWS, no emulator. */
export function openMemoryBackend(): DemoBackend {
  return {
    backend: memoryBackend(),
    description: 'embedded backend (queue and job store in this process)',
    async close() {},
  };
}

/** Dummy credentials and region for the emulator; values already set are kept. */
const emulatorDefaults: Readonly<Record<string, string>> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
};

/**
 * The AWS backend on the endpoint in AWS_ENDPOINT_URL, or on a moto server started for the demo (and
 * stopped by `close` only when the demo started it). Creates a queue, dead-letter queue and table with
 * a random prefix; `close` deletes them.
 */
export async function openLocalAwsBackend(log: (line: string) => void): Promise<DemoBackend> {
  for (const [name, value] of Object.entries(emulatorDefaults)) process.env[name] ||= value;
  let startedEmulator = false;
  if (!process.env.AWS_ENDPOINT_URL) {
    const emulator = await startEmulator({ log: (line) => log(`emulator: ${line}`) });
    startedEmulator = !emulator.reused;
    if (emulator.reused) log(`emulator: reusing the one running at ${emulator.endpoint}`);
    process.env.AWS_ENDPOINT_URL = emulator.endpoint;
  }
  const endpoint = process.env.AWS_ENDPOINT_URL;
  const clients = createClients();
  let resources: JobResources | undefined;
  const close = once(async () => {
    try {
      if (resources) await deleteJobResources(clients, resources);
    } finally {
      clients.sqsClient.destroy();
      clients.dynamoClient.destroy();
      if (startedEmulator) await stopEmulator();
    }
  });
  try {
    const prefix = `longhaul-demo-${randomBytes(4).toString('hex')}`;
    resources = await createJobResources({ ...clients, prefix, maxReceiveCount: 10 });
    return {
      backend: awsBackend({ ...resources, ...clients }),
      description: `AWS backend on ${endpoint} (queue and table ${prefix}-jobs)`,
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}
