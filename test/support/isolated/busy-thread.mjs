// A CPU-bound function that never yields, run by runIsolated in a worker thread. Thread fixtures are
// plain JavaScript (a thread cannot load TypeScript under the test runner), so this one speaks
// serveIsolated's protocol itself: the input arrives in workerData, one reply goes back.
import { parentPort, workerData } from 'node:worker_threads';

const { input } = workerData;
if (input.mode === 'busy') {
  const beats = new Int32Array(input.beats);
  for (;;) Atomics.add(beats, 0, 1);
} else if (input.mode === 'crash') {
  process.exit(3);
} else {
  parentPort.postMessage({ ok: true, value: { doubled: input.n * 2 } });
}
