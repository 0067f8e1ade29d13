import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildProduct, ingestRows, loadRows, type Warehouse } from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerProfile, customerSessions, webSessions } from './index.js';

const at = (iso: string) => new Date(iso);

const session = (id: string, customer: string, started: string, fields: Record<string, unknown> = {}) => ({
  session_id: id,
  customer_id: customer,
  started_at: at(started),
  device: 'desktop',
  page_views: 3,
  product_views: 1,
  added_to_cart: false,
  purchased: false,
  ...fields,
});

const profile = (id: string) => ({
  customer_id: id,
  full_name: 'Ann Lee',
  email: `${id.toLowerCase()}@mail.example`,
  segment: 'consumer',
  tier: 'bronze',
  signup_date: '2024-01-01',
  country: 'United Kingdom',
  city: 'Leeds',
  marketing_opt_in: true,
});

// The clickstream exports S1 and S2, then redelivers both once late events re-sessionise them:
// S1 saw more pages and a cart, S2 started earlier, on mobile, and ended with a purchase. The
// source is an upsert on session_id, so the redelivered copies are the current ones and the
// product sees one copy of each session (it can no longer be handed two copies of one session).
const firstExport = [
  session('S1', 'C1', '2026-10-01T10:00:00Z', { page_views: 3 }),
  session('S2', 'C2', '2026-10-02T08:00:05Z', { device: 'app' }),
];
const redelivered = [
  session('S1', 'C1', '2026-10-01T10:00:00Z', { page_views: 5, product_views: 2, added_to_cart: true }),
  session('S2', 'C2', '2026-10-02T08:00:00Z', { device: 'mobile', purchased: true, added_to_cart: true }),
];
const kept = redelivered;
// A one-click purchase (no cart) by a customer the CRM has not exported yet.
const oneClick = session('S3', 'C9', '2026-10-03T23:59:59Z', {
  purchased: true,
  page_views: 1,
  product_views: 0,
});

/**
 * Delivers sessions as the clickstream does: one CSV export per call, ingested as one batch, so
 * the source's own order (newest batch, then last line) decides which copy of a session counts.
 */
const deliver = async (warehouse: Warehouse, rows: readonly ReturnType<typeof session>[]) => {
  const result = await ingestRows(warehouse, webSessions, rows);
  expect(result).toMatchObject({ status: 'loaded', loaded: rows.length, rejected: 0 });
};

const readSessions = async (warehouse: Warehouse) => {
  const rows = [];
  for await (const row of customerSessions.read(warehouse)) rows.push(row);
  return rows.sort((a, b) => a.session_id.localeCompare(b.session_id));
};

describe('customer_sessions on DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    // Built alone: the profile the reference check looks customers up in is loaded as published.
    await loadRows(warehouse, customerProfile, [profile('C1'), profile('C2')]);
  });
  afterAll(async () => {
    await warehouse.close();
  });

  it('keeps one copy of each session, every check green', async () => {
    await deliver(warehouse, firstExport);
    await deliver(warehouse, redelivered);
    const outcome = await buildProduct(warehouse, customerSessions, { runId: 't1' });
    expect(outcome.status).toBe('published');
    expect(outcome.checks?.outcomes.filter((c) => !c.passed)).toEqual([]);
    expect(await readSessions(warehouse)).toEqual(kept);
  });

  it('publishes a cartless purchase of an unknown customer, with two warnings', async () => {
    await deliver(warehouse, [oneClick]);
    const outcome = await buildProduct(warehouse, customerSessions, { runId: 't2' });
    expect(outcome.status).toBe('published');
    expect(
      outcome.checks?.outcomes.filter((c) => !c.passed).map((c) => [c.name, c.severity, c.failingRows]),
    ).toEqual([
      ['purchases_went_through_the_cart', 'warn', 1],
      ['customer_id_references_customer_profile', 'warn', 1],
    ]);
    expect(await readSessions(warehouse)).toEqual([...kept, oneClick]);
  });

  it('refuses a session without page views at ingestion, keeping the published sessions', async () => {
    // The source's schema says at least one page view: the row never reaches the product.
    const refused = await deliver(warehouse, [
      session('S4', 'C1', '2026-10-04T00:00:00Z', { page_views: 0 }),
    ]).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'all-rows-rejected' });
    expect((refused as Error).message).toContain('page_views: "0" is outside the range of its schema');
    const outcome = await buildProduct(warehouse, customerSessions, { runId: 't3' });
    expect(outcome.status).toBe('published');
    expect(await readSessions(warehouse)).toEqual([...kept, oneClick]);
  });
});
