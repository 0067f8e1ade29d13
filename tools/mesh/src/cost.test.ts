import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as productPackage from '@retail-mesh/domain-product';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import {
  buildMesh,
  defineDataProduct,
  defineDomain,
  defineSource,
  loadRows,
  loadSample,
  type MeshDefinition,
  sql,
  type Warehouse,
  z,
} from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargeback, GB, TB } from './cost.js';
import { meshOf } from './mesh.js';

const dir = mkdtempSync(join(tmpdir(), 'mesh-cost-'));
const rates = { currency: 'EUR', storagePerGbMonth: 0.023, computePerTb: 0.5, platformPerMonth: 10_000 };

const crm = defineDomain({
  name: 'crm',
  description: 'Customers',
  owner: { team: 'crm', email: 'crm@x.example' },
});
const contacts = defineSource({
  domain: crm,
  name: 'contacts',
  description: 'Contacts',
  mode: 'append',
  schema: z.object({ id: z.int().describe('Id').meta({ key: true }) }),
});
const crmContacts = defineDataProduct({
  domain: crm,
  name: 'crm_contacts',
  version: '1.0.0',
  description: 'Contacts, published.',
  tier: 'bronze',
  refresh: 'daily',
  access: 'public',
  consumers: ['marketing'],
  schema: z.object({ id: z.int().describe('Id') }),
  inputs: { contacts },
  transform: ({ contacts }) => sql`SELECT id FROM ${contacts}`,
});

describe('chargeback on DuckDB', () => {
  let warehouse: Warehouse;
  let mesh: MeshDefinition;
  beforeAll(async () => {
    // A file: storage is what DuckDB wrote to it (an in-memory database has no blocks to count).
    warehouse = await createDuckDbWarehouse({ path: join(dir, 'cost.duckdb'), create: true });
    const product = meshOf([productPackage]);
    mesh = {
      domains: [...product.domains, crm],
      sources: [...product.sources, contacts],
      products: [...product.products, crmContacts],
    };
    for (const source of product.sources) await loadSample(warehouse, source, { scale: 5, seed: 1 });
    await loadRows(warehouse, contacts, [{ id: 1 }, { id: 2 }]);
    await buildMesh(warehouse, mesh.products);
  });
  afterAll(async () => {
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bills storage and compute from the warehouse, and splits the platform by data volume', async () => {
    const bill = await chargeback(warehouse, mesh, rates, { days: 30 });
    const runs = await warehouse.listRuns({ since: new Date(0) });
    const expected = [];
    for (const domain of mesh.domains) {
      let storage = 0;
      // A source is stored in its log, rejects and current-rows tables.
      const own = <T extends { domain: { name: string } }>(xs: readonly T[]) =>
        xs.filter((r) => r.domain.name === domain.name);
      for (const t of [
        ...own(mesh.sources).flatMap((s) => [s.log, s.rejects, s.table]),
        ...own(mesh.products).map((p) => p.table),
      ]) {
        storage += (await warehouse.tableStats(t))?.bytes ?? 0;
      }
      for (const s of own(mesh.sources)) expect(await warehouse.tableStats(s.log)).toBeDefined();
      const processed = runs
        .filter((r) => r.domain === domain.name)
        .reduce((a, r) => a + (r.bytesProcessed ?? 0), 0);
      expected.push({ domain: domain.name, storage, processed });
    }
    const total = expected.reduce((a, e) => a + e.storage, 0);
    expect(expected[0]!.storage).toBeGreaterThan(expected[1]!.storage);
    expect(expected[0]!.processed).toBeGreaterThan(0);
    expect(bill.domains).toEqual(
      expected.map((e) => ({
        domain: e.domain,
        storageBytes: e.storage,
        storageCost: Math.round((e.storage / GB) * 0.023 * 100) / 100,
        processedBytes: e.processed,
        computeCost: Math.round((e.processed / TB) * 0.5 * 100) / 100,
        platformCost: expect.closeTo(10_000 * (e.storage / total), 1),
        total: expect.any(Number),
      })),
    );
    // Every row and column adds up as printed, to the cent: the platform's shares to its rate.
    const cents = (n: number) => Math.round(n * 100);
    expect(bill.domains.reduce((a, d) => a + cents(d.platformCost), 0)).toBe(1_000_000);
    for (const d of bill.domains)
      expect(cents(d.total)).toBe(cents(d.storageCost) + cents(d.computeCost) + cents(d.platformCost));
    expect(cents(bill.totals.total)).toBe(bill.domains.reduce((a, d) => a + cents(d.total), 0));
    expect(bill.currency).toBe('EUR');
  });

  it('scales compute of a shorter period to a month, and charges nothing for builds before it', async () => {
    const week = await chargeback(warehouse, mesh, rates, { days: 7 });
    const month = await chargeback(warehouse, mesh, rates, { days: 30 });
    expect(week.domains[0]!.processedBytes).toBe(month.domains[0]!.processedBytes);
    const future = await chargeback(warehouse, mesh, rates, {
      days: 1,
      now: new Date(Date.now() + 3 * 86_400_000),
    });
    expect(future.domains.map((d) => d.processedBytes)).toEqual([0, 0]);
  });
});
