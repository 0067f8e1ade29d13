import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { customerProfile } from './customer-profile.js';
import { customerDomain } from './domain.js';
import { DEVICES, webSessions } from './sources.js';

/** Every web and app session once, cleaned of the clickstream's redeliveries. */
export const customerSessions = defineDataProduct({
  domain: customerDomain,
  name: 'customer_sessions',
  version: '1.0.0',
  description:
    'Every web shop and app session of a signed-in customer, once, with its device and how far down the funnel it went.',
  tier: 'silver',
  refresh: 'hourly',
  access: 'public',
  consumers: ['customer.customer_behavior', 'customer.customer_daily_activity', 'marketing'],
  sla: { freshness: '2h', completeness: 0.99, validity: 0.99 },
  schema: z.object({
    session_id: z.string().describe('Session identifier').meta({ key: true }),
    customer_id: z.string().describe('Signed-in customer of the session'),
    started_at: z.date().describe('When the session started (UTC)'),
    device: z.enum(DEVICES).describe('Device class: desktop, mobile (browser), tablet or app'),
    page_views: z.int().describe('Pages viewed in the session, at least one'),
    product_views: z.int().describe('Product detail pages viewed in the session'),
    added_to_cart: z.boolean().describe('Something was put in the cart during the session'),
    purchased: z.boolean().describe('The session ended with an order'),
  }),
  partitionBy: { column: 'started_at', granularity: 'day' },
  clusterBy: ['customer_id', 'device'],
  inputs: { sessions: webSessions },
  // The clickstream redelivers a session when it re-sessionises late events: keep the copy
  // that saw the most pages (then the earliest start, then the device name, so a rebuild
  // always keeps the same copy).
  transform: ({ sessions }) => sql`
    SELECT session_id, customer_id, started_at, device, page_views, product_views, added_to_cart, purchased
    FROM (
      SELECT s.*,
             ROW_NUMBER() OVER (PARTITION BY session_id ORDER BY page_views DESC, started_at NULLS LAST, device NULLS LAST) AS copy
      FROM ${sessions} AS s
    ) AS deduplicated
    WHERE copy = 1`,
  checks: (c) => [
    c.session_id.unique(),
    c.session_id.notNull(),
    c.customer_id.notNull(),
    c.started_at.notNull(),
    c.device.acceptedValues(),
    c.page_views.range({ min: 1 }),
    c.product_views.range({ min: 0 }),
    // A purchase without a cart is possible (one-click buy), so this only warns.
    c.table.expect('purchases_went_through_the_cart', sql`added_to_cart OR NOT purchased`).warn(),
    // A session may arrive before the CRM export that creates its customer.
    c.customer_id.references(customerProfile, 'customer_id').warn(),
    // Its source is optional: until a team exports it, the product is empty, and says so.
    c.table.rowCount({ min: 1 }).warn(),
  ],
});
