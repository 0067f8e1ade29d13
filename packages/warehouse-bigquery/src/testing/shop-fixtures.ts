import { defineDomain, defineSource, z } from '@retail-mesh/sdk';

/** The point-of-sale domain the adapter's own tests build on (not exported: test fixtures). */
export const shop = defineDomain({
  name: 'shop',
  description: 'Point of sale',
  owner: { team: 'Shop Data', email: 'shop-data@retail.example' },
});

/** Till tickets: the events the test products read. */
export const tickets = defineSource({
  domain: shop,
  name: 'tickets',
  description: 'Till tickets',
  mode: 'append',
  schema: z.object({
    ticket_id: z.string().describe('Ticket').meta({ key: true }),
    store: z.string().describe('Store'),
    amount: z.number().meta({ type: 'decimal' }).describe('Amount'),
    sold_at: z.date().describe('When'),
  }),
});
