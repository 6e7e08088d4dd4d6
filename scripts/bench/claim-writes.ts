// `tsx --conditions=source scripts/bench/claim-writes.ts [chunks]`: what one job's claim and completion
// cost dynalite and the client, the AWS store's against the minimal loop's. Not part of `npm run bench`:
// it prices the forms of Longhaul's claim (docs/benchmarks-hot-path.md, "Fifth pass" and "Sixth pass"),
// which the worker benchmark, whose rounds spread by more than their difference, cannot tell apart.
//
// Jobs enqueued with `enqueueMany` (full tracking: the records are there) are received, then claimed and
// completed one after the other in chunks of 250, each chunk one of: Longhaul's claim as the put of the
// running record over the queued one (`put`: a young message's, `plainRecord`), as the update of the
// queued record as enqueued (`plain`: an older message's, `firstClaimWrite`'s `asEnqueued`), as the
// update of any job (`update`: an envelope without the mark), or the minimal loop's two UpdateItems; the
// order of the four rotates. Per side, the median over chunks of dynalite's CPU (from /proc) and this
// process's CPU per claim and per completion.
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { decodeEnvelope, defineTask, type Envelope, type JobRecord, Longhaul } from 'longhaul';
import { minimalClaim } from './baseline-worker.js';
import { benchResources, clientsFor, processCpuSeconds, startDynaliteFauxqs } from './emulators.js';

type Side = 'put' | 'plain' | 'update' | 'minimal';
const chunk = 250;
const chunks = Number(process.argv[2] ?? 9);
const orders: Side[][] = [
  ['put', 'plain', 'update', 'minimal'],
  ['minimal', 'update', 'plain', 'put'],
  ['update', 'minimal', 'put', 'plain'],
  ['plain', 'put', 'minimal', 'update'],
];

const emulator = await startDynaliteFauxqs();
try {
  const { resources, backend } = await benchResources(emulator, 'claim-writes');
  const doc = DynamoDBDocumentClient.from(clientsFor(emulator).dynamoClient);
  const noop = defineTask({ name: 'bench.noop', retries: 0, run: () => null });
  const longhaul = new Longhaul({ backend });
  const total = chunk * chunks * orders.length;
  for (let i = 0; i < total; i += 500)
    await longhaul.enqueueMany(
      noop,
      Array.from({ length: 500 }, () => undefined),
    );
  const envelopes: Envelope[] = [];
  while (envelopes.length < total) {
    const messages = await backend.transport.receive({
      maxMessages: 10,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 600,
    });
    for (const message of messages) envelopes.push(decodeEnvelope(message.body));
  }
  const dynalite = emulator.pids[0] as number;
  /** dynalite's and this process's CPU per job (ms) while `work` runs over a chunk. */
  const measure = async (work: () => Promise<void>): Promise<[number, number]> => {
    const dynaliteBefore = processCpuSeconds(dynalite);
    const before = process.cpuUsage();
    await work();
    const used = process.cpuUsage(before);
    return [
      ((processCpuSeconds(dynalite) - dynaliteBefore) * 1000) / chunk,
      (used.user + used.system) / 1000 / chunk,
    ];
  };
  const rows: Record<Side, number[][]> = { put: [], plain: [], update: [], minimal: [] };
  for (let c = 0; c < chunks * orders.length; c++) {
    const side = orders[Math.floor(c / orders.length) % orders.length]?.[c % orders.length] as Side;
    const batch = envelopes.slice(c * chunk, (c + 1) * chunk);
    const claimed = new Map<string, JobRecord>();
    const claim = await measure(async () => {
      for (const envelope of batch) {
        const now = Date.now();
        if (side === 'minimal') {
          await doc.send(minimalClaim(resources.tableName, envelope.id, `owner-${envelope.id}`));
          continue;
        }
        // The put is a young first delivery's claim of a plainRecord envelope, the update of the queued
        // record as enqueued an older one's; without the mark, the update of any job.
        const { plainRecord: _mark, pendingRecord: _pending, ...unmarked } = envelope;
        const result = await backend.store.claim({
          envelope: side === 'update' ? unmarked : { ...unmarked, plainRecord: true },
          deliveryCount: 1,
          sentAt: side === 'put' ? now : now - 60_000,
          maxAttempts: 1,
          workerId: 'bench',
          token: `token-${envelope.id}`,
          now,
          leaseExpiresAt: now + 60_000,
          readOnly: true,
        });
        if (!result.claimed) throw new Error(`job ${envelope.id} was not claimed`);
        claimed.set(envelope.id, result.job);
      }
    });
    const complete = await measure(async () => {
      for (const envelope of batch) {
        if (side === 'minimal') {
          await doc.send(
            new UpdateCommand({
              TableName: resources.tableName,
              Key: { id: envelope.id },
              UpdateExpression: 'SET #s = :succeeded, #r = :result REMOVE #o',
              ConditionExpression: '#o = :owner',
              ExpressionAttributeNames: { '#s': 'status', '#r': 'result', '#o': 'owner' },
              ExpressionAttributeValues: {
                ':succeeded': 'succeeded',
                ':result': null,
                ':owner': `owner-${envelope.id}`,
              },
              ReturnValues: 'NONE',
            }),
          );
          continue;
        }
        await backend.store.complete(
          envelope.id,
          { attempt: 1, token: `token-${envelope.id}`, workerId: 'bench' },
          { status: 'succeeded', at: Date.now(), result: null, logs: [] },
          claimed.get(envelope.id),
        );
      }
    });
    rows[side].push([...claim, ...complete]);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
  for (const [side, measured] of Object.entries(rows)) {
    const [dynaliteClaim, clientClaim, dynaliteComplete, clientComplete] = [0, 1, 2, 3].map((i) =>
      median(measured.map((row) => row[i] as number)).toFixed(3),
    );
    console.log(
      `${side.padEnd(8)} claim: dynalite ${dynaliteClaim} ms, client ${clientClaim} ms | completion: dynalite ${dynaliteComplete} ms, client ${clientComplete} ms`,
    );
  }
} finally {
  await emulator.stop();
}
