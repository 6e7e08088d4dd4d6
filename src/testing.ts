/**
 * `longhaul/testing`: unit-test your own tasks on the embedded backend with the real client and worker.
 *
 * @example
 * import { createTestQueue } from 'longhaul/testing';
 * const queue = createTestQueue({ tasks: [resize] });
 * const job = await queue.runJob(resize, { key: 'a.png', width: 10 });
 */
export { createTestQueue, type TestQueue, type TestQueueOptions } from './wiring/test-queue.js';
