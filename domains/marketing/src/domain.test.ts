import { checkMesh, planBuild } from '@retail-mesh/sdk';
import { describe, expect, it } from 'vitest';
import { domain, products, sources } from './index.js';

describe('marketing domain definition', () => {
  it('meets every global governance policy, warnings included', () => {
    expect(checkMesh({ domains: [domain], sources: [...sources], products: [...products] })).toEqual([]);
  });

  it('reads other domains only through their published products', () => {
    const plan = planBuild([...products]);
    expect(plan.order.map((p) => p.id).filter((id) => !id.startsWith('marketing.'))).toEqual(
      expect.arrayContaining([
        'customer.customer_profile',
        'order.order_transactions',
        'product.product_catalog',
      ]),
    );
    for (const p of products) {
      for (const input of Object.values(p.inputs)) {
        if (input.kind === 'source') expect(input.domain.name).toBe('marketing');
      }
    }
  });

  it('keeps personal data out of every product, so all of them can be public', () => {
    for (const p of products) {
      expect([p.name, p.access]).toEqual([p.name, 'public']);
      expect(p.columns.filter((c) => c.pii).map((c) => c.name)).toEqual([]);
    }
  });
});
