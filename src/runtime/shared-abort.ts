import { setMaxListeners } from 'node:events';

/**
 * An AbortController whose signal every running attempt listens to (a worker's shutdown, a Lambda
 * invocation's deadline): one listener per attempt, so as many as the concurrency. Node 20 warns of a
 * leak (MaxListenersExceededWarning) past 10 listeners on one AbortSignal; here that many is the design,
 * and each attempt removes its listener when it ends.
 */
export function sharedAbortController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
