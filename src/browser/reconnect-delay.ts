// How long the browser client waits before reconnecting a job's event stream after it broke.

/** Defaults of {@link watchJob}'s reconnection options. */
export const reconnectDefaults = {
  /** The first wait, unless the server's `retry:` hint says otherwise. */
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  /** Consecutive failed connections before giving up: by default it never does while the token is good. */
  maxAttempts: Number.POSITIVE_INFINITY,
  /** Three of the server's 15 s heartbeats. */
  idleTimeoutMs: 45_000,
} as const;

/**
 * The wait before reconnect number `attempt` (1 for the first): doubling from `initialDelayMs` up to
 * `maxDelayMs`, with equal jitter (half fixed, half random) so that the many pages a restarted server
 * dropped do not all come back in the same instant.
 */
export function reconnectDelayMs(
  attempt: number,
  initialDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
