/**
 * `longhaul/memory`: the embedded backend, with SQS's and DynamoDB's semantics in this process.
 *
 * @example
 * import { memoryBackend } from 'longhaul/memory';
 * const backend = memoryBackend();
 */
export * from './backends/memory/index.js';
