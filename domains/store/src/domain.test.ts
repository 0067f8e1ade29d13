import { checkMesh } from '@retail-mesh/sdk';
import { describe, expect, it } from 'vitest';
import { domain, products, sources } from './index.js';

describe('store domain definitions', () => {
  it('meet every global governance policy, warnings included', () => {
    expect(checkMesh({ domains: [domain], sources: [...sources], products: [...products] })).toEqual([]);
  });

  it('keep personal data out of public products', () => {
    const withPii = products.filter((p) => p.columns.some((c) => c.pii));
    expect(withPii.map((p) => [p.name, p.access])).toEqual([['store_staff', 'restricted']]);
  });

  it('are owned by store operations', () => {
    expect(products.map((p) => p.owner)).toEqual(
      products.map(() => ({
        team: 'store-ops-data',
        email: 'store-ops-data@retail.example',
        supportChannel: '#store-data',
      })),
    );
  });
});
