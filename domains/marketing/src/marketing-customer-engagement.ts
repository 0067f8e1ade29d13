import { customerProfile } from '@retail-mesh/domain-customer';
import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { marketingDomain } from './domain.js';
import { touchpoints } from './sources.js';

export const ENGAGEMENT_LEVELS = ['converted', 'clicked', 'viewed'] as const;

/** How each customer engages with campaigns. Ids only, so the product can be public. */
export const marketingCustomerEngagement = defineDataProduct({
  domain: marketingDomain,
  name: 'marketing_customer_engagement',
  version: '1.0.1',
  description:
    'Per customer reached by a campaign: impressions, clicks, conversions, click-through rate and when they last engaged.',
  tier: 'silver',
  refresh: 'daily',
  access: 'public',
  consumers: ['marketing', 'customer'],
  sla: { freshness: '1d', completeness: 0.95, validity: 0.99 },
  schema: z.object({
    customer_id: z.string().describe('Customer identifier').meta({ key: true }),
    impressions: z.int().describe('Campaign impressions shown to the customer'),
    clicks: z.int().describe('Clicks of the customer on campaigns'),
    conversions: z.int().describe('Purchases attributed by the ad platforms to a campaign'),
    campaigns_reached: z.int().describe('Distinct campaigns with at least one event of the customer'),
    click_through_rate: z
      .number()
      .nullable()
      .describe('clicks / impressions; NULL without impressions (e-mail clicks are logged without them)'),
    conversion_rate: z.number().nullable().describe('conversions / clicks; NULL without clicks'),
    engagement_level: z
      .enum(ENGAGEMENT_LEVELS)
      .describe('converted if any conversion, else clicked if any click, else viewed'),
    first_touched_at: z.date().describe('Earliest event of any kind (UTC)'),
    last_touched_at: z.date().describe('Latest event of any kind (UTC)'),
    last_engaged_at: z
      .date()
      .nullable()
      .describe('Latest click or conversion (UTC); NULL when the customer only saw impressions'),
  }),
  clusterBy: ['engagement_level', 'customer_id'],
  inputs: { touchpoints },
  transform: ({ touchpoints }) => sql`
    WITH counted AS (
      SELECT customer_id,
             SUM(CASE WHEN event_type = 'impression' THEN 1 ELSE 0 END) AS impressions,
             SUM(CASE WHEN event_type = 'click' THEN 1 ELSE 0 END) AS clicks,
             SUM(CASE WHEN event_type = 'conversion' THEN 1 ELSE 0 END) AS conversions,
             COUNT(DISTINCT campaign_id) AS campaigns_reached,
             MIN(occurred_at) AS first_touched_at,
             MAX(occurred_at) AS last_touched_at,
             MAX(CASE WHEN event_type IN ('click', 'conversion') THEN occurred_at END) AS last_engaged_at
      FROM ${touchpoints}
      WHERE customer_id IS NOT NULL
      GROUP BY customer_id
    )
    SELECT customer_id, impressions, clicks, conversions, campaigns_reached,
           ${sql.safeDivide(sql`clicks`, sql`impressions`)} AS click_through_rate,
           ${sql.safeDivide(sql`conversions`, sql`clicks`)} AS conversion_rate,
           CASE WHEN conversions > 0 THEN 'converted' WHEN clicks > 0 THEN 'clicked' ELSE 'viewed' END
             AS engagement_level,
           first_touched_at, last_touched_at, last_engaged_at
    FROM counted`,
  checks: (c) => [
    c.customer_id.unique(),
    c.customer_id.notNull(),
    c.engagement_level.notNull(),
    c.engagement_level.acceptedValues(),
    c.impressions.range({ min: 0 }),
    c.clicks.range({ min: 0 }),
    c.conversions.range({ min: 0 }),
    c.click_through_rate.range({ min: 0 }),
    c.table.expect(
      'last_engaged_within_touches',
      sql`last_engaged_at IS NULL OR last_engaged_at <= last_touched_at`,
    ),
    // Reconciliation with the CRM: touches of a customer the profile lacks (an id written
    // 1001.0 for 1001, a customer not exported yet) publish as customers of their own, new to
    // every campaign; named here, so that the product says it holds customers no one else does.
    c.customer_id.references(customerProfile, 'customer_id').named('customers_the_profile_lacks').warn(),
    // Its source is optional: until a team exports it, the product is empty, and says so.
    c.table.rowCount({ min: 1 }).warn(),
  ],
});
