import { productCatalog } from '@retail-mesh/domain-product';
import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { marketingDomain } from './domain.js';
import { CAMPAIGN_CHANNELS, CAMPAIGN_OBJECTIVES, campaigns, touchpoints } from './sources.js';

export const CAMPAIGN_STATUSES = ['planned', 'active', 'ended'] as const;

/** The campaign catalogue: every campaign with its featured product, length and status. */
export const marketingCampaigns = defineDataProduct({
  domain: marketingDomain,
  name: 'marketing_campaigns',
  version: '1.0.2',
  description:
    'Every marketing campaign with its channel, objective, budget, featured product and status (planned, active or ended).',
  tier: 'gold',
  refresh: 'daily',
  access: 'public',
  consumers: ['marketing', 'store', 'product'],
  sla: { freshness: '1d', completeness: 0.99, validity: 0.99 },
  schema: z.object({
    campaign_id: z.string().describe('Campaign identifier').meta({ key: true }),
    name: z.string().describe('Campaign name as planned'),
    channel: z.enum(CAMPAIGN_CHANNELS).describe('Channel the campaign runs on'),
    objective: z.enum(CAMPAIGN_OBJECTIVES).describe('What the campaign is meant to achieve'),
    featured_product_id: z
      .string()
      .nullable()
      .describe('Catalog identifier of the featured product; NULL when the campaign features none'),
    featured_product_name: z
      .string()
      .nullable()
      .describe('Name of the featured product in the current catalog revision'),
    featured_product_category: z.string().nullable().describe('Merchandise category of the featured product'),
    starts_on: z.iso.date().describe('First day of the campaign'),
    ends_on: z.iso.date().describe('Last day of the campaign (inclusive)'),
    duration_days: z.int().describe('Days the campaign runs, both ends included: ends_on - starts_on + 1'),
    budget: z.number().meta({ type: 'decimal' }).describe('Budget planned for the whole campaign'),
    daily_budget: z.number().meta({ type: 'decimal' }).describe('budget / duration_days'),
    status: z
      .enum(CAMPAIGN_STATUSES)
      .describe('planned when status_as_of is before starts_on, ended when it is after ends_on, else active'),
    status_as_of: z.iso
      .date()
      .describe(
        'Day the status is computed for: the latest day with a touchpoint; without any, the latest start day, or the day of the build when that start is still to come',
      ),
  }),
  clusterBy: ['channel', 'status'],
  inputs: { campaigns, touchpoints, catalog: productCatalog },
  // The status is relative to the data: the same inputs give the same catalogue, and a
  // replayed history shows the status of its own day. Without touchpoints the latest start day
  // stands in, except a start still to come (a campaign planned ahead): as of then, campaigns
  // running today would read ended and planned ones active. The build's day caps it.
  transform: ({ campaigns, touchpoints, catalog }) => sql`
    WITH as_of AS (
      SELECT COALESCE(
        (SELECT MAX(${sql.toDate(sql`occurred_at`)}) FROM ${touchpoints}),
        (SELECT CASE WHEN MAX(starts_on) > ${sql.currentDate()} THEN ${sql.currentDate()} ELSE MAX(starts_on) END
         FROM ${campaigns})
      ) AS status_as_of
    )
    SELECT c.campaign_id, ${sql.trim(sql`c.name`)} AS name, c.channel, c.objective, c.featured_product_id,
           p.name AS featured_product_name, p.category AS featured_product_category,
           c.starts_on, c.ends_on,
           ${sql.dateDiff('day', sql`c.ends_on`, sql`c.starts_on`)} + 1 AS duration_days,
           c.budget,
           ${sql.decimalDivide(sql`c.budget`, sql`${sql.dateDiff('day', sql`c.ends_on`, sql`c.starts_on`)} + 1`)} AS daily_budget,
           CASE WHEN a.status_as_of < c.starts_on THEN 'planned'
                WHEN a.status_as_of > c.ends_on THEN 'ended'
                ELSE 'active' END AS status,
           a.status_as_of
    FROM ${campaigns} AS c
    CROSS JOIN as_of AS a
    LEFT JOIN ${catalog} AS p ON p.product_id = c.featured_product_id`,
  checks: (c) => [
    c.campaign_id.unique(),
    c.campaign_id.notNull(),
    c.channel.notNull(),
    c.channel.acceptedValues(),
    c.objective.acceptedValues(),
    c.status.notNull(),
    c.status.acceptedValues(),
    c.duration_days.range({ min: 1 }),
    c.budget.range({ min: 0 }),
    c.featured_product_id.references(productCatalog, 'product_id'),
    c.table.rowCount({ min: 1 }),
  ],
});
