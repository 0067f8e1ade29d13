import { productCatalog } from '@retail-mesh/domain-product';
import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { marketingDomain } from './domain.js';
import { CAMPAIGN_STATUSES, marketingCampaigns } from './marketing-campaigns.js';
import { CAMPAIGN_CHANNELS, promotions } from './sources.js';

/** Every discount code with its campaign, its category's reach in the catalog and its status. */
export const marketingPromotions = defineDataProduct({
  domain: marketingDomain,
  name: 'marketing_promotions',
  version: '1.0.1',
  description:
    'Every promotion (discount code) with its campaign, discount, category, validity window and status on the day of the campaign catalogue.',
  tier: 'silver',
  refresh: 'daily',
  access: 'public',
  consumers: ['marketing', 'order', 'store'],
  sla: { freshness: '1d', completeness: 0.99, validity: 0.99 },
  schema: z.object({
    promotion_id: z.string().describe('Promotion identifier').meta({ key: true }),
    campaign_id: z.string().describe('Campaign the promotion belongs to'),
    campaign_name: z.string().nullable().describe('Name of the campaign; NULL when the campaign is unknown'),
    campaign_channel: z.enum(CAMPAIGN_CHANNELS).nullable().describe('Channel of the campaign'),
    code: z.string().describe('Discount code as entered at checkout: trimmed and upper case'),
    discount_pct: z.number().meta({ type: 'decimal' }).describe('Discount off the shelf price, in percent'),
    category: z.string().describe('Merchandise category the code applies to'),
    category_active_products: z
      .int()
      .describe('Active products of the category in the catalog: how much of the range the code covers'),
    valid_from: z.iso.date().describe('First day the code is accepted'),
    valid_to: z.iso.date().describe('Last day the code is accepted (inclusive)'),
    validity_days: z
      .int()
      .describe('Days the code is accepted, both ends included: valid_to - valid_from + 1'),
    within_campaign: z
      .boolean()
      .describe('The validity window lies inside the campaign window (false when the campaign is unknown)'),
    status: z
      .enum(CAMPAIGN_STATUSES)
      .describe('planned, active or ended on status_as_of of the campaign catalogue'),
  }),
  clusterBy: ['campaign_id', 'category', 'status'],
  inputs: { promotions, campaigns: marketingCampaigns, catalog: productCatalog },
  transform: ({ promotions, campaigns, catalog }) => sql`
    WITH as_of AS (
      SELECT MAX(status_as_of) AS status_as_of FROM ${campaigns}
    ),
    category_products AS (
      SELECT category, COUNT(*) AS active_products FROM ${catalog} WHERE active GROUP BY category
    )
    SELECT p.promotion_id, p.campaign_id, c.name AS campaign_name, c.channel AS campaign_channel,
           ${sql.upper(sql.trim(sql`p.code`))} AS code, p.discount_pct, ${sql.trim(sql`p.category`)} AS category,
           COALESCE(k.active_products, 0) AS category_active_products,
           p.valid_from, p.valid_to,
           ${sql.dateDiff('day', sql`p.valid_to`, sql`p.valid_from`)} + 1 AS validity_days,
           COALESCE(p.valid_from >= c.starts_on AND p.valid_to <= c.ends_on, FALSE) AS within_campaign,
           CASE WHEN a.status_as_of < p.valid_from THEN 'planned'
                WHEN a.status_as_of > p.valid_to THEN 'ended'
                ELSE 'active' END AS status
    FROM ${promotions} AS p
    CROSS JOIN as_of AS a
    LEFT JOIN ${campaigns} AS c ON c.campaign_id = p.campaign_id
    LEFT JOIN category_products AS k ON k.category = ${sql.trim(sql`p.category`)}`,
  checks: (c) => [
    c.promotion_id.unique(),
    c.promotion_id.notNull(),
    c.campaign_id.notNull(),
    c.campaign_id.references(marketingCampaigns, 'campaign_id'),
    c.code.notNull(),
    c.code.unique().warn(),
    c.discount_pct.range({ min: 0, max: 100 }),
    c.validity_days.range({ min: 1 }),
    c.status.notNull(),
    c.status.acceptedValues(),
    c.campaign_channel.acceptedValues(),
    c.table.expect('valid_within_campaign', sql`within_campaign`).warn(),
    c.table.rowCount({ min: 1 }),
  ],
});
