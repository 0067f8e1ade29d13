import {
  type BuildOutcome,
  type BuildRunRecord,
  type DataProduct,
  defineDataProduct,
  defineDomain,
  type MeshDefinition,
  sql,
  z,
} from '@retail-mesh/sdk';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from './config.js';
import { dueAt, lastBuilds, nextRetries, Scheduler, scheduleOf } from './scheduler.js';

const config = DEFAULT_CONFIG.schedule;
const shop = defineDomain({
  name: 'shop',
  description: 'A shop.',
  owner: { team: 'shop-data', email: 'shop-data@retail.example' },
});
const product = (
  name: string,
  refresh: 'hourly' | 'daily' | 'real-time',
  schedule?: { cron: string; timezone?: string },
) =>
  defineDataProduct({
    domain: shop,
    name,
    version: '1.0.0',
    description: `The ${name}.`,
    tier: 'silver',
    refresh,
    access: 'public',
    schema: z.object({ id: z.string().describe('Id').meta({ key: true }) }),
    inputs: {},
    transform: () => sql`SELECT '1' AS id`,
    schedule,
  });

const hourly = product('shop_hourly', 'hourly');
const daily = product('shop_daily', 'daily');
const paris = product('shop_paris', 'daily', { cron: '30 6 * * 1-5', timezone: 'Europe/Paris' });
const mesh: MeshDefinition = { domains: [shop], sources: [], products: [hourly, daily, paris] };

const at = (iso: string) => new Date(iso);

/** A run log and a build that writes to it, on a clock the test moves. */
function harness(fail: (p: DataProduct) => boolean = () => false, gone: Set<string> = new Set()) {
  let now = at('2026-12-01T10:20:00Z');
  const log: BuildRunRecord[] = [];
  const builds: string[][] = [];
  const scheduler = new Scheduler({
    mesh,
    config,
    clock: () => now,
    runs: async (since) => log.filter((r) => r.finishedAt >= since),
    unpublished: async () => gone,
    // The latest run of each product, as the warehouse keeps it whatever its age.
    latest: async () =>
      [...new Map(log.map((r) => [`${r.domain}.${r.product}`, r])).values()].map((r) => ({
        ...r,
        lastPublishedAt: r.status === 'published' ? r.finishedAt : null,
        lastPublishedStartedAt: r.status === 'published' ? r.startedAt : null,
      })),
    build: async (products) => {
      builds.push(products.map((p) => p.id));
      for (const p of products) gone.delete(p.id);
      return products.map((p): BuildOutcome => {
        const failed = fail(p);
        log.push({
          runId: `run-${builds.length}`,
          domain: p.domain.name,
          product: p.name,
          version: p.version,
          status: failed ? 'failed' : 'published',
          startedAt: now,
          finishedAt: now,
          rowCount: 1,
          bytesProcessed: 0,
          checks: [],
          completeness: undefined,
          validity: undefined,
          error: undefined,
        });
        return {
          product: p,
          status: failed ? 'failed' : 'published',
          rowCount: 1,
          checks: undefined,
          error: undefined,
          durationMs: 1,
        } as BuildOutcome;
      });
    },
  });
  return {
    scheduler,
    builds,
    set: (iso: string) => {
      now = at(iso);
    },
  };
}

describe('schedules', () => {
  it('takes a product its own cron and zone, else the mesh default for its refresh', () => {
    expect(scheduleOf(hourly, config)).toMatchObject({
      cron: '0 * * * *',
      timezone: 'UTC',
      from: 'mesh.yaml',
    });
    expect(scheduleOf(paris, config)).toMatchObject({
      cron: '30 6 * * 1-5',
      timezone: 'Europe/Paris',
      from: 'product',
    });
  });

  it('refuses an expression croner cannot read, naming the product or the key', () => {
    expect(() => scheduleOf(product('shop_bad', 'daily', { cron: '61 * * * *' }), config)).toThrow(
      /shop\.shop_bad: schedule 61 \* \* \* \* \(UTC\) is no cron schedule/,
    );
    expect(() => scheduleOf(hourly, { ...config, hourly: 'every hour' })).toThrow(
      /mesh\.yaml: schedule: hourly: every hour \(UTC\) is no cron schedule/,
    );
  });

  it('makes a product due once its slot passed since its last build, once however many slots were missed', () => {
    const schedules = mesh.products.map((p) => scheduleOf(p, config));
    const built = new Map([
      [hourly.id, at('2026-12-01T10:00:05Z')],
      [daily.id, at('2026-12-01T02:00:07Z')],
      [paris.id, at('2026-12-01T05:30:02Z')],
    ]);
    expect(dueAt(schedules, built, at('2026-12-01T10:59:59Z'))).toEqual([]);
    expect(dueAt(schedules, built, at('2026-12-01T11:00:00Z')).map((s) => s.product.id)).toEqual([hourly.id]);
    // Down for two days: each product due once.
    expect(dueAt(schedules, built, at('2026-12-03T09:00:00Z')).map((s) => s.product.id)).toEqual([
      hourly.id,
      daily.id,
      paris.id,
    ]);
    // Never built: due at once.
    expect(dueAt(schedules, new Map(), at('2026-12-01T10:20:00Z'))).toHaveLength(3);
    // A build recorded a day ahead of the clock does not put its product off until then.
    const ahead = new Map([[hourly.id, at('2026-12-02T10:30:00Z')]]);
    expect(dueAt(schedules, ahead, at('2026-12-01T11:00:00Z')).map((s) => s.product.id)).toContain(hourly.id);
  });

  it('reads a zone with its daylight saving: 06:30 in Paris is 05:30 UTC in winter, 04:30 in summer', () => {
    const [s] = [scheduleOf(paris, config)];
    expect(
      dueAt([s], new Map([[paris.id, at('2026-12-01T05:29:00Z')]]), at('2026-12-01T05:30:00Z')),
    ).toHaveLength(1);
    expect(
      dueAt([s], new Map([[paris.id, at('2026-07-01T04:29:00Z')]]), at('2026-07-01T04:30:00Z')),
    ).toHaveLength(1);
    expect(
      dueAt([s], new Map([[paris.id, at('2026-07-01T04:29:00Z')]]), at('2026-07-01T04:29:59Z')),
    ).toHaveLength(0);
  });

  it('counts builds, not test runs, as the last build', () => {
    const run = (status: BuildRunRecord['status'], iso: string) =>
      ({ domain: 'shop', product: 'shop_hourly', status, startedAt: at(iso) }) as BuildRunRecord;
    expect(
      lastBuilds([run('published', '2026-12-01T09:00:00Z'), run('tested', '2026-12-01T10:00:00Z')]).get(
        hourly.id,
      ),
    ).toEqual(at('2026-12-01T09:00:00Z'));
  });

  it('passes over a build recorded ahead of the clock: the builds since count, and nothing is due each minute', () => {
    const run = (iso: string) =>
      ({ domain: 'shop', product: 'shop_hourly', status: 'published', startedAt: at(iso) }) as BuildRunRecord;
    const schedules = [scheduleOf(hourly, config)];
    // Built by a machine 30 hours ahead, then here at 10:05.
    const runs = [run('2026-12-02T16:00:00Z'), run('2026-12-01T10:05:00Z')];
    const now = at('2026-12-01T10:30:00Z');
    expect(lastBuilds(runs, now).get(hourly.id)).toEqual(at('2026-12-01T10:05:00Z'));
    expect(dueAt(schedules, lastBuilds(runs, now), now).map((s) => s.product.id)).not.toContain(hourly.id);
    // Past its next slot it is due again, as any hourly product.
    const later = at('2026-12-01T11:01:00Z');
    expect(dueAt(schedules, lastBuilds(runs, later), later).map((s) => s.product.id)).toContain(hourly.id);
  });
});

describe('the scheduler on a clock the test sets', () => {
  it('builds what is due, then nothing until the next slot, and wakes at it', async () => {
    const { scheduler, builds, set } = harness();
    expect((await scheduler.tick()).products).toEqual([hourly.id, daily.id, paris.id]);
    expect((await scheduler.tick()).type).toBe('idle');
    expect(scheduler.nextWake()).toEqual(at('2026-12-01T11:00:00Z'));
    set('2026-12-01T11:00:00Z');
    expect((await scheduler.tick()).products).toEqual([hourly.id]);
    set('2026-12-02T02:00:00Z');
    expect((await scheduler.tick()).products).toEqual([hourly.id, daily.id]);
    expect(builds).toHaveLength(3);
    const plan = await scheduler.plan();
    expect(plan.find((p) => p.product.id === paris.id)).toMatchObject({
      next: at('2026-12-02T05:30:00Z'),
      due: false,
    });
    // Past a slot it was not built since (the server was down), a product is due, and its
    // last build, before the slot, is still named.
    set('2026-12-03T09:00:00Z');
    const late = await scheduler.plan();
    expect(late.find((p) => p.product.id === daily.id)).toMatchObject({
      lastBuilt: at('2026-12-02T02:00:00Z'),
      due: true,
    });
    expect(late.find((p) => p.product.id === paris.id)).toMatchObject({
      lastBuilt: at('2026-12-01T10:20:00Z'),
      due: true,
    });
  });

  it('builds a product whose table is gone at the next tick, before its slot', async () => {
    const gone = new Set<string>();
    const { scheduler, set } = harness(() => false, gone);
    await scheduler.tick();
    set('2026-12-01T10:30:00Z');
    expect((await scheduler.tick()).type).toBe('idle');
    // Its table dropped: due now, though its next slot is tomorrow.
    gone.add(daily.id);
    expect((await scheduler.plan()).find((p) => p.product.id === daily.id)?.due).toBe(true);
    expect((await scheduler.tick()).products).toEqual([daily.id]);
    expect((await scheduler.tick()).type).toBe('idle');
  });

  it('retries a failed build with a doubling backoff, a bounded number of times, then waits for its slot', async () => {
    const { scheduler, builds, set } = harness((p) => p.id === daily.id);
    await scheduler.tick();
    expect(scheduler.pendingRetries().get(daily.id)).toEqual({ attempts: 1, at: at('2026-12-01T10:21:00Z') });
    set('2026-12-01T10:21:00Z');
    expect((await scheduler.tick()).products).toEqual([daily.id]);
    expect(scheduler.pendingRetries().get(daily.id)?.at).toEqual(at('2026-12-01T10:23:00Z'));
    set('2026-12-01T10:23:00Z');
    await scheduler.tick();
    set('2026-12-01T10:27:00Z');
    await scheduler.tick();
    // Three retries (the default): then no more until its next slot.
    expect(scheduler.pendingRetries().has(daily.id)).toBe(false);
    set('2026-12-01T10:59:00Z');
    expect((await scheduler.tick()).type).toBe('idle');
    expect(builds.filter((b) => b.includes(daily.id))).toHaveLength(4);
  });

  it('forgets the retries of a product that builds again', () => {
    const outcome = (status: 'failed' | 'published') =>
      ({ product: daily, status }) as unknown as BuildOutcome;
    const now = at('2026-12-01T10:00:00Z');
    const failed = nextRetries(new Map(), [outcome('failed')], { retries: 2, backoff: '30s' }, now);
    expect(failed.get(daily.id)).toEqual({ attempts: 1, at: at('2026-12-01T10:00:30Z') });
    expect(nextRetries(failed, [outcome('published')], { retries: 2, backoff: '30s' }, now).size).toBe(0);
  });
});
