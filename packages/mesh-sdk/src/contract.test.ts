import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { odcsContract } from './contract.js';
import { diffContract } from './contract-diff.js';
import { type DataProduct, defineDataProduct } from './data-product.js';
import { defineDomain } from './domain.js';
import { sql } from './sql.js';

type Property = { name: string; primaryKey?: boolean; primaryKeyPosition?: number; required?: boolean };
type Doc = {
  schema: Array<{ properties: Property[]; quality: Array<Record<string, unknown>> }>;
  customProperties: Array<{ property: string; value: unknown }>;
  support?: Array<Record<string, unknown>>;
};

const domainOf = (supportChannel?: string) =>
  defineDomain({
    name: 'sales',
    description: 'What we sold.',
    owner: { team: 'sales-data', email: 'sales-data@retail.example', supportChannel },
  });

/** Daily sales per day and store, the store NULL online (or never, with `storeRequired`). */
function dailySales(options: { storeRequired?: boolean; supportChannel?: string } = {}): DataProduct {
  const store = z.string().describe('Store; NULL online');
  const schema = z.object({
    sale_date: z.iso.date().describe('Day').meta({ key: true }),
    store_id: (options.storeRequired ? store : store.nullable()).meta({ key: true }),
    revenue: z.number().describe('Revenue'),
  });
  return defineDataProduct({
    domain: domainOf(options.supportChannel),
    name: 'sales_daily',
    version: '1.0.0',
    description: 'Sales per day and store.',
    tier: 'silver',
    refresh: 'daily',
    access: 'public',
    consumers: ['finance'],
    schema,
    inputs: {},
    transform: () => sql`SELECT DATE '2024-01-01' AS sale_date, NULL AS store_id, 1 AS revenue`,
    checks: (c) => [c.table.uniqueCombination(['sale_date', 'store_id'])],
  });
}

const contract = (product: DataProduct) => odcsContract(product) as unknown as Doc;
const column = (doc: Doc, name: string) => doc.schema[0]!.properties.find((p) => p.name === name)!;

describe('odcsContract keys', () => {
  it('writes a key none of whose columns may be NULL as the primary key, in order', () => {
    const doc = contract(dailySales({ storeRequired: true }));
    expect(column(doc, 'sale_date')).toMatchObject({ primaryKey: true, primaryKeyPosition: 1 });
    expect(column(doc, 'store_id')).toMatchObject({
      primaryKey: true,
      primaryKeyPosition: 2,
      required: true,
    });
    expect(doc.customProperties).toContainEqual({ property: 'key', value: ['sale_date', 'store_id'] });
  });

  it('writes no primary key when a key column may be NULL: PRIMARY KEY would refuse its NULL rows', () => {
    const doc = contract(dailySales());
    for (const p of doc.schema[0]!.properties)
      expect(p, p.name).toMatchObject({ primaryKey: false, primaryKeyPosition: -1 });
    expect(column(doc, 'store_id')).toMatchObject({ required: false });
    // The combination is still unique: the key says it, and its rule checks it.
    expect(doc.customProperties).toContainEqual({ property: 'key', value: ['sale_date', 'store_id'] });
    expect(doc.schema[0]!.quality).toContainEqual(
      expect.objectContaining({
        metric: 'duplicateValues',
        arguments: { properties: ['sale_date', 'store_id'] },
        mustBe: 0,
      }),
    );
  });

  it('diffs the key as unchanged against a contract released when a nullable key was called primary', () => {
    const now = contract(dailySales());
    const released = structuredClone(now) as Doc;
    released.customProperties = released.customProperties.filter((p) => p.property !== 'key');
    released.schema[0]!.properties.forEach((p, i) => {
      if (p.name === 'sale_date' || p.name === 'store_id') {
        p.primaryKey = true;
        p.primaryKeyPosition = i + 1;
      }
    });
    const diff = diffContract(
      released as unknown as Record<string, unknown>,
      now as unknown as Record<string, unknown>,
    );
    expect(diff.changes).toEqual([]);
  });
});

describe('odcsContract support', () => {
  const supportOf = (channel: string) => contract(dailySales({ supportChannel: channel })).support;

  it('writes a Slack channel as the channel of the slack tool, with no url (it is none)', () => {
    expect(supportOf('#sales-data')).toEqual([{ channel: '#sales-data', tool: 'slack' }]);
  });

  it('writes a URL as the url, with the tool its host tells', () => {
    expect(supportOf('https://retail.slack.com/archives/C0123')).toEqual([
      {
        channel: 'https://retail.slack.com/archives/C0123',
        url: 'https://retail.slack.com/archives/C0123',
        tool: 'slack',
      },
    ]);
    expect(supportOf('https://support.retail.example/sales')).toEqual([
      { channel: 'https://support.retail.example/sales', url: 'https://support.retail.example/sales' },
    ]);
  });

  it('writes an email address with a mailto: url, and a name alone as the channel only', () => {
    expect(supportOf('sales-help@retail.example')).toEqual([
      { channel: 'sales-help@retail.example', url: 'mailto:sales-help@retail.example', tool: 'email' },
    ]);
    expect(supportOf('sales desk')).toEqual([{ channel: 'sales desk' }]);
  });
});
