import { defineDomain } from '@retail-mesh/sdk';

export const orderDomain = defineDomain({
  name: 'order',
  description: 'What customers buy: orders and their lines, shipments, returns and the sales they add up to.',
  owner: { team: 'order-data', email: 'order-data@retail.example', supportChannel: '#order-data' },
});
