import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { customerSessions } from './customer-sessions.js';
import { customerDomain } from './domain.js';
import { DEVICES } from './sources.js';

/** Traffic and conversion of the web shop and the app, per day and device. */
export const customerDailyActivity = defineDataProduct({
  domain: customerDomain,
  name: 'customer_daily_activity',
  version: '1.0.0',
  description:
    'Per day (UTC) and device: sessions, distinct customers, page views, cart adds, purchases and conversion rate of the web shop and the app.',
  tier: 'silver',
  refresh: 'daily',
  access: 'public',
  consumers: ['marketing', 'store'],
  sla: { freshness: '1d', completeness: 0.99, validity: 0.99 },
  schema: z.object({
    activity_date: z.iso.date().describe('Day the sessions started (UTC)').meta({ key: true }),
    device: z
      .enum(DEVICES)
      .describe('Device class: desktop, mobile (browser), tablet or app')
      .meta({ key: true }),
    sessions: z.int().describe('Sessions started that day on the device'),
    customers: z.int().describe('Distinct customers with a session that day on the device'),
    page_views: z.int().describe('Pages viewed in those sessions'),
    cart_adds: z.int().describe('Sessions in which something was added to the cart'),
    purchases: z.int().describe('Sessions that ended with an order'),
    conversion_rate: z.number().describe('purchases / sessions, 0 to 1'),
  }),
  partitionBy: { column: 'activity_date', granularity: 'day' },
  clusterBy: ['device'],
  inputs: { sessions: customerSessions },
  transform: ({ sessions }) => sql`
    SELECT ${sql.toDate(sql`started_at`)} AS activity_date,
           device,
           COUNT(*) AS sessions,
           COUNT(DISTINCT customer_id) AS customers,
           SUM(page_views) AS page_views,
           SUM(CASE WHEN added_to_cart THEN 1 ELSE 0 END) AS cart_adds,
           SUM(CASE WHEN purchased THEN 1 ELSE 0 END) AS purchases,
           ${sql.safeDivide(sql`SUM(CASE WHEN purchased THEN 1 ELSE 0 END)`, sql`COUNT(*)`)} AS conversion_rate
    FROM ${sessions}
    GROUP BY 1, 2`,
  checks: (c) => [
    c.table.uniqueCombination(['activity_date', 'device']),
    c.activity_date.notNull(),
    c.device.notNull(),
    c.device.acceptedValues(),
    c.sessions.range({ min: 1 }),
    c.conversion_rate.range({ min: 0, max: 1 }),
    c.table.expect(
      'counts_fit_in_sessions',
      sql`customers <= sessions AND cart_adds <= sessions AND purchases <= sessions AND page_views >= sessions`,
    ),
    // Its source is optional: until a team exports it, the product is empty, and says so.
    c.table.rowCount({ min: 1 }).warn(),
  ],
});
