import { defineSchedule, defineTask, Longhaul, scheduledEnvelope } from 'longhaul';
import { createHttpHandler } from 'longhaul/http';
import { describe, expect, it } from 'vitest';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { eventually, testWorker } from '../support/serve.js';

const refresh = defineTask({
  name: 'portfolio.refresh',
  async run(_args, ctx) {
    return { value: 1_234.5, computedBy: ctx.jobId };
  },
});
const hourly = defineSchedule(refresh, 'rate(1 hour)', { name: 'portfolio' });
const secret = 'a test secret that is at least thirty-two bytes long';

describe.each(contractBackends('contract/http-schedule-latest'))(
  'GET /schedules/:name/latest on the $name backend',
  (factory) => {
    const s = useContractBackend(factory);
    const handler = () =>
      createHttpHandler({
        longhaul: new Longhaul({ backend: s.t.backend }),
        prefix: '/api',
        tasks: [refresh],
        secret,
        schedules: [hourly, 'by-name-only'],
      });
    const get = (name: string, headers: Record<string, string> = {}) =>
      handler()(new Request(`http://app.test/api/schedules/${name}/latest`, { headers }));

    async function runAt(at: string): Promise<void> {
      await s.t.backend.transport.send([{ body: JSON.stringify(scheduledEnvelope(hourly, at)) }]);
      const worker = testWorker(s.t.backend, [refresh]).start();
      try {
        const jobId = `portfolio@${at}`;
        await eventually(async () => (await s.longhaul.latestScheduleResult(hourly))?.jobId === jobId);
      } finally {
        await worker.stop();
      }
    }

    it('answers 404 for a schedule not in the allow-list, and before the first success', async () => {
      const unknown = await get('secret-schedule');
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ error: { code: 'schedule_not_allowed' } });
      const none = await get('portfolio');
      expect(none.status).toBe(404);
      expect(await none.json()).toMatchObject({ error: { code: 'schedule_result_not_found' } });
    });

    it('serves the latest result with an ETag, a cache lifetime up to the next firing, and 304', async () => {
      // Fired a few seconds ago: the next firing, an hour after it, bounds the cache lifetime.
      const firedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 5_000)
        .toISOString()
        .replace('.000', '');
      await runAt(firedAt);
      const response = await get('portfolio');
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        schedule: 'portfolio',
        jobId: `portfolio@${firedAt}`,
        result: { value: 1_234.5, computedBy: `portfolio@${firedAt}` },
        scheduledFor: new Date(firedAt).toISOString(),
      });
      expect(Date.parse(String(body.finishedAt))).toBeGreaterThanOrEqual(Date.parse(firedAt));
      const maxAge = Number(/max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1]);
      expect(response.headers.get('cache-control')).toMatch(/^public, /);
      expect(maxAge).toBeGreaterThan(3_000);
      expect(maxAge).toBeLessThanOrEqual(3_600);
      const etag = response.headers.get('etag') ?? '';
      expect(etag).toMatch(/^"[^"]+"$/);

      const again = await get('portfolio', { 'if-none-match': `W/"other", ${etag}` });
      expect(again.status).toBe(304);
      expect(again.headers.get('etag')).toBe(etag);
      expect(await again.text()).toBe('');

      // A newer run changes the tag; the old one no longer matches.
      const later = new Date(Date.parse(firedAt) + 1_000).toISOString().replace('.000', '');
      await runAt(later);
      const changed = await get('portfolio', { 'if-none-match': etag });
      expect(changed.status).toBe(200);
      expect(changed.headers.get('etag')).not.toBe(etag);
      expect(((await changed.json()) as { jobId: string }).jobId).toBe(`portfolio@${later}`);
    });

    it('caches briefly once the next firing has passed, and for a schedule known by name only', async () => {
      await runAt('2026-01-01T00:00:00Z');
      const response = await get('portfolio');
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=10');
      const byName = await get('by-name-only');
      expect(byName.status).toBe(404);
      expect(byName.headers.get('cache-control')).toBe('public, max-age=10');
    });
  },
);
