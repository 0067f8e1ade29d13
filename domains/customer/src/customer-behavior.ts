import { defineDataProduct, type Relation, sql, z } from '@retail-mesh/sdk';
import { customerProfile } from './customer-profile.js';
import { customerSessions } from './customer-sessions.js';
import { customerDomain } from './domain.js';
import { DEVICES } from './sources.js';

/**
 * The customers of a product with a `sessions` column when not one of them has a session: the
 * clickstream not exported yet, or none of its customer ids matching the profile's.
 */
export const noSessionsOnRecord = (self: Relation) =>
  sql`SELECT s.customer_id FROM ${self} AS s WHERE NOT EXISTS (SELECT 1 FROM ${self} AS v WHERE v.sessions > 0)`;

/** How each customer uses the web shop and the app, over all sessions on record. */
export const customerBehavior = defineDataProduct({
  domain: customerDomain,
  name: 'customer_behavior',
  version: '1.0.1',
  description:
    'Per customer: sessions, page and product views, cart adds, purchases, conversion, recency and favourite device; customers who never visited have zeros.',
  tier: 'silver',
  refresh: 'daily',
  access: 'public',
  consumers: ['customer.customer_segments', 'marketing', 'store'],
  // About one customer in eight never visited: their five per-session columns are NULL.
  sla: { freshness: '1d', completeness: 0.9, validity: 0.99 },
  schema: z.object({
    customer_id: z.string().describe('Customer identifier').meta({ key: true }),
    sessions: z.int().describe('Sessions of the customer'),
    page_views: z.int().describe('Pages viewed over all sessions'),
    product_views: z.int().describe('Product detail pages viewed over all sessions'),
    cart_adds: z.int().describe('Sessions in which something was added to the cart'),
    purchases: z.int().describe('Sessions that ended with an order'),
    conversion_rate: z
      .number()
      .nullable()
      .describe('purchases / sessions, 0 to 1; NULL for a customer without sessions'),
    first_seen_at: z.date().nullable().describe('Start of the first session (UTC); NULL without sessions'),
    last_seen_at: z.date().nullable().describe('Start of the latest session (UTC); NULL without sessions'),
    days_since_last_session: z
      .int()
      .nullable()
      .describe(
        'Days from the latest session of the customer to the newest session of any customer (the data, not the clock, sets the reference); NULL without sessions',
      ),
    preferred_device: z
      .enum(DEVICES)
      .nullable()
      .describe(
        'Device of most sessions, ties going to the first device name in alphabetical order; NULL without sessions',
      ),
  }),
  clusterBy: ['customer_id'],
  inputs: { profile: customerProfile, sessions: customerSessions },
  // Recency is measured against the newest session of any customer rather than now(), so a
  // rebuild of the same data gives the same figures. Sessions of customers missing from the
  // profile are left out.
  transform: ({ profile, sessions }) => sql`
    WITH known AS (
      SELECT s.customer_id, s.started_at, s.device, s.page_views, s.product_views, s.added_to_cart, s.purchased
      FROM ${sessions} AS s
      JOIN ${profile} AS p ON p.customer_id = s.customer_id
    ),
    totals AS (
      SELECT customer_id,
             COUNT(*) AS sessions,
             SUM(page_views) AS page_views,
             SUM(product_views) AS product_views,
             SUM(CASE WHEN added_to_cart THEN 1 ELSE 0 END) AS cart_adds,
             SUM(CASE WHEN purchased THEN 1 ELSE 0 END) AS purchases,
             MIN(started_at) AS first_seen_at,
             MAX(started_at) AS last_seen_at
      FROM known
      GROUP BY customer_id
    ),
    devices AS (
      SELECT customer_id, device
      FROM (
        SELECT customer_id, device,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY COUNT(*) DESC, device NULLS LAST) AS position
        FROM known
        GROUP BY customer_id, device
      ) AS ranked
      WHERE position = 1
    ),
    newest AS (
      SELECT MAX(started_at) AS started_at FROM known
    )
    SELECT p.customer_id,
           COALESCE(t.sessions, 0) AS sessions,
           COALESCE(t.page_views, 0) AS page_views,
           COALESCE(t.product_views, 0) AS product_views,
           COALESCE(t.cart_adds, 0) AS cart_adds,
           COALESCE(t.purchases, 0) AS purchases,
           ${sql.safeDivide(sql`COALESCE(t.purchases, 0)`, sql`COALESCE(t.sessions, 0)`)} AS conversion_rate,
           t.first_seen_at,
           t.last_seen_at,
           ${sql.dateDiff('day', sql.toDate(sql`n.started_at`), sql.toDate(sql`t.last_seen_at`))} AS days_since_last_session,
           d.device AS preferred_device
    FROM ${profile} AS p
    CROSS JOIN newest AS n
    LEFT JOIN totals AS t ON t.customer_id = p.customer_id
    LEFT JOIN devices AS d ON d.customer_id = p.customer_id`,
  checks: (c) => [
    c.customer_id.unique(),
    c.customer_id.notNull(),
    c.customer_id.references(customerProfile, 'customer_id'),
    c.sessions.range({ min: 0 }),
    c.conversion_rate.range({ min: 0, max: 1 }),
    c.days_since_last_session.range({ min: 0 }),
    c.preferred_device.acceptedValues(),
    c.table.expect(
      'funnel_counts_fit_in_sessions',
      sql`cart_adds <= sessions AND purchases <= sessions AND page_views >= sessions`,
    ),
    c.table.expect(
      'seen_exactly_when_there_are_sessions',
      sql`(sessions = 0 AND last_seen_at IS NULL AND preferred_device IS NULL) OR (sessions > 0 AND first_seen_at <= last_seen_at AND preferred_device IS NOT NULL)`,
    ),
    c.table.rowCount({ min: 1 }),
    // Its sessions' source is optional: until the clickstream is exported (or while none of its
    // customer ids matches the profile's), every customer reads as never having visited, zeros
    // that pass every check above. Each such customer is counted here, so the product says so.
    c.table.assert('no_sessions_on_record', noSessionsOnRecord).warn(),
  ],
});
