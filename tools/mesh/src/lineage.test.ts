import { defineDataProduct, defineDomain, defineSource, sql, z } from '@retail-mesh/sdk';
import { describe, expect, it } from 'vitest';
import { lineageMermaid, lineageOf, lineageText } from './lineage.js';
import { loadMesh } from './mesh.js';

const owner = { team: 't', email: 't@x.example' };
const shop = defineDomain({ name: 'shop', description: 'Shop', owner });
const crm = defineDomain({ name: 'crm', description: 'CRM', owner });
const tickets = defineSource({
  domain: shop,
  name: 'tickets',
  description: 'Tickets',
  mode: 'append',
  schema: z.object({ id: z.string().describe('Id').meta({ key: true }) }),
});
const fields = {
  version: '1.2.0',
  description: 'A product.',
  tier: 'silver' as const,
  refresh: 'daily' as const,
  access: 'public' as const,
  consumers: ['x'],
};
const shopSales = defineDataProduct({
  ...fields,
  domain: shop,
  name: 'shop_sales',
  schema: z.object({ id: z.string().describe('Id') }),
  inputs: { tickets },
  transform: ({ tickets }) => sql`SELECT id FROM ${tickets}`,
});
const crmValue = defineDataProduct({
  ...fields,
  domain: crm,
  name: 'crm_value',
  tier: 'gold',
  schema: z.object({ id: z.string().describe('Id') }),
  inputs: { shopSales },
  transform: ({ shopSales }) => sql`SELECT id FROM ${shopSales}`,
});
const mesh = { domains: [shop, crm], sources: [tickets], products: [crmValue, shopSales] };

describe('lineage', () => {
  it('lists sources and products in build order, with the edges between them', () => {
    expect(lineageOf(mesh)).toEqual({
      nodes: [
        { id: 'shop.tickets', kind: 'source', domain: 'shop', name: 'tickets' },
        {
          id: 'shop.shop_sales',
          kind: 'data-product',
          domain: 'shop',
          name: 'shop_sales',
          version: '1.2.0',
          tier: 'silver',
          access: 'public',
        },
        {
          id: 'crm.crm_value',
          kind: 'data-product',
          domain: 'crm',
          name: 'crm_value',
          version: '1.2.0',
          tier: 'gold',
          access: 'public',
        },
      ],
      edges: [
        { from: 'shop.tickets', to: 'shop.shop_sales', crossDomain: false },
        { from: 'shop.shop_sales', to: 'crm.crm_value', crossDomain: true },
      ],
    });
  });

  it('draws Mermaid with a subgraph per domain and thick cross-domain edges', () => {
    expect(lineageMermaid(lineageOf(mesh))).toBe(
      [
        'flowchart LR',
        '  subgraph domain_shop["shop"]',
        '    shop_tickets[("tickets")]',
        '    shop_shop_sales(["shop_sales 1.2.0 · silver"])',
        '  end',
        '  subgraph domain_crm["crm"]',
        '    crm_crm_value(["crm_value 1.2.0 · gold"])',
        '  end',
        '  shop_tickets --> shop_shop_sales',
        '  shop_shop_sales ==> crm_crm_value',
        '',
      ].join('\n'),
    );
  });

  it('prints each product with its inputs', () => {
    const text = lineageText(lineageOf(mesh));
    expect(text).toContain('crm.crm_value 1.2.0 (gold, public)\n  <- shop.shop_sales  [cross-domain]');
    expect(text).toContain('2 products, 1 sources, 2 edges (1 across domains).');
  });

  it('covers the real mesh: every product, and every input of each', async () => {
    const real = await loadMesh();
    const lineage = lineageOf(real);
    expect(
      lineage.nodes
        .filter((n) => n.kind === 'data-product')
        .map((n) => n.id)
        .sort(),
    ).toEqual(real.products.map((p) => p.id).sort());
    for (const p of real.products) {
      const inputs = lineage.edges
        .filter((e) => e.to === p.id)
        .map((e) => e.from)
        .sort();
      expect(inputs).toEqual(
        Object.values(p.inputs)
          .map((r) => `${r.domain.name}.${r.name}`)
          .sort(),
      );
    }
  });
});
