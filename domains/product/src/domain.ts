import { defineDomain } from '@retail-mesh/sdk';

export const productDomain = defineDomain({
  name: 'product',
  description: 'What the company sells: the catalog, stock on hand and prices.',
  owner: { team: 'product-data', email: 'product-data@retail.example', supportChannel: '#product-data' },
});
