import { defineDomain } from '@retail-mesh/sdk';

export const customerDomain = defineDomain({
  name: 'customer',
  description: 'Who buys from the company: customer profiles, online behaviour, preferences and segments.',
  owner: { team: 'customer-data', email: 'customer-data@retail.example', supportChannel: '#customer-data' },
});
