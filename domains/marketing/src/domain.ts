import { defineDomain } from '@retail-mesh/sdk';

export const marketingDomain = defineDomain({
  name: 'marketing',
  description:
    'How the company reaches customers: campaigns, promotions, engagement, attribution and customer lifetime value.',
  owner: {
    team: 'marketing-data',
    email: 'marketing-data@retail.example',
    supportChannel: '#marketing-data',
  },
});
