import { defineDomain } from '@retail-mesh/sdk';

export const storeDomain = defineDomain({
  name: 'store',
  description: 'The physical stores: where they are, who works there, and how each trading day went.',
  owner: { team: 'store-ops-data', email: 'store-ops-data@retail.example', supportChannel: '#store-data' },
});
