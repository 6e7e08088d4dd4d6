// Types for scripts/emulator.mjs (plain Node ESM), so TypeScript callers such as the vitest global
// setup can import it under `tsc --noEmit`.

export interface EmulatorInstance {
  /** Process id of the moto server; it leads its own process group. */
  pid: number;
  port: number;
  /** `http://localhost:PORT`: pass as AWS_ENDPOINT_URL. */
  endpoint: string;
  /** True when an already running emulator (from .emulator/state.json) was reused. */
  reused: boolean;
}

export interface StartEmulatorOptions {
  /** How long to wait for the server to answer HTTP; default 60 000 ms. */
  timeoutMs?: number;
  /** Where progress lines go; default stderr. */
  log?: (line: string) => void;
}

export interface EmulatorStatus {
  /** The recorded server is alive and answers HTTP. */
  running: boolean;
  /** From .emulator/state.json; absent when there is no recorded emulator. */
  pid?: number;
  port?: number;
  endpoint?: string;
}

/** Starts moto's server on a free loopback port, or reuses the recorded one when it still answers. */
export function startEmulator(options?: StartEmulatorOptions): Promise<EmulatorInstance>;

/** Stops the recorded emulator; idempotent. `stopped` is false when nothing was running. */
export function stopEmulator(): Promise<{ stopped: boolean; pid?: number }>;

/** Wipes all emulated AWS state (POST /moto-api/reset) at `endpoint`, default the recorded one. */
export function resetEmulator(endpoint?: string): Promise<void>;

/** Whether the recorded emulator is alive and answering. */
export function emulatorStatus(): Promise<EmulatorStatus>;
