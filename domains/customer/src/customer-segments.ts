import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { customerBehavior, noSessionsOnRecord } from './customer-behavior.js';
import { customerProfile } from './customer-profile.js';
import { customerDomain } from './domain.js';
import { LOYALTY_TIERS, SEGMENTS } from './sources.js';

export const ENGAGEMENT_SEGMENTS = ['champion', 'engaged', 'casual', 'dormant', 'new'] as const;

/**
 * The engagement rules, first match wins, against `as_of_date` (the day of the newest
 * session of any customer):
 * - new: signed up less than 30 days before (onboarding; takes precedence);
 * - dormant: no session in the last 90 days, or never a session;
 * - champion: 2 or more purchases and a session in the last 30 days;
 * - engaged: a purchase, or 4 or more sessions;
 * - casual: everyone else (visited in the last 90 days, fewer than 4 sessions, no purchase).
 */
export const ENGAGEMENT_RULES = {
  newWithinDays: 30,
  dormantAfterDays: 90,
  championPurchases: 2,
  championWithinDays: 30,
  engagedSessions: 4,
} as const;

const r = ENGAGEMENT_RULES;

/** Who to treat how: each customer's engagement, beside the CRM's commercial segment and tier. */
export const customerSegments = defineDataProduct({
  domain: customerDomain,
  name: 'customer_segments',
  version: '1.0.1',
  description:
    'Every customer in an engagement segment (champion, engaged, casual, dormant or new) by documented rules on recency, visits and purchases, with the CRM segment and loyalty tier.',
  tier: 'silver',
  refresh: 'daily',
  access: 'public',
  consumers: ['marketing', 'store'],
  sla: { freshness: '1d', completeness: 0.95, validity: 0.99 },
  documentation: `Rules, first match wins, against as_of_date (the day of the newest session of any customer):
new = signed up less than ${r.newWithinDays} days before; dormant = no session in the last ${r.dormantAfterDays} days (or never);
champion = ${r.championPurchases}+ purchases and a session in the last ${r.championWithinDays} days; engaged = a purchase or ${r.engagedSessions}+ sessions;
casual = the rest.`,
  schema: z.object({
    customer_id: z.string().describe('Customer identifier').meta({ key: true }),
    engagement_segment: z
      .enum(ENGAGEMENT_SEGMENTS)
      .describe(
        'new (signed up < 30 days), dormant (no session in 90 days), champion (2+ purchases, seen in 30 days), engaged (a purchase or 4+ sessions), else casual; first match wins',
      ),
    segment: z.enum(SEGMENTS).describe('Commercial segment from the CRM'),
    tier: z.enum(LOYALTY_TIERS).describe('Loyalty programme tier from the CRM'),
    sessions: z.int().describe('Sessions of the customer'),
    purchases: z.int().describe('Sessions that ended with an order'),
    days_since_last_session: z
      .int()
      .nullable()
      .describe('Days from the latest session of the customer to as_of_date; NULL without sessions'),
    tenure_days: z
      .int()
      .describe('Days from signup to as_of_date (negative when the customer signed up after it)'),
    as_of_date: z.iso
      .date()
      .describe(
        'Day the rules were evaluated against: of the newest session, or of the newest signup without any',
      ),
  }),
  // One row per customer and a few hundred thousand rows at most: clustering on the columns
  // campaigns filter by is enough; day partitions would be tiny.
  clusterBy: ['engagement_segment', 'segment', 'tier'],
  inputs: { behavior: customerBehavior, profile: customerProfile },
  transform: ({ behavior, profile }) => sql`
    WITH reference AS (
      SELECT COALESCE(${sql.toDate(sql`s.newest`)}, g.newest) AS as_of_date
      FROM (SELECT MAX(last_seen_at) AS newest FROM ${behavior}) AS s
      CROSS JOIN (SELECT MAX(signup_date) AS newest FROM ${profile}) AS g
    ),
    measured AS (
      SELECT p.customer_id, p.segment, p.tier, b.sessions, b.purchases, b.days_since_last_session,
             ${sql.dateDiff('day', sql`ref.as_of_date`, sql`p.signup_date`)} AS tenure_days,
             ref.as_of_date
      FROM ${profile} AS p
      JOIN ${behavior} AS b ON b.customer_id = p.customer_id
      CROSS JOIN reference AS ref
    )
    SELECT customer_id,
           CASE WHEN tenure_days < ${r.newWithinDays} THEN 'new'
                WHEN days_since_last_session IS NULL OR days_since_last_session > ${r.dormantAfterDays} THEN 'dormant'
                WHEN purchases >= ${r.championPurchases} AND days_since_last_session <= ${r.championWithinDays} THEN 'champion'
                WHEN purchases >= 1 OR sessions >= ${r.engagedSessions} THEN 'engaged'
                ELSE 'casual' END AS engagement_segment,
           segment, tier, sessions, purchases, days_since_last_session, tenure_days, as_of_date
    FROM measured`,
  checks: (c) => [
    c.customer_id.unique(),
    c.customer_id.notNull(),
    c.customer_id.references(customerProfile, 'customer_id'),
    c.engagement_segment.notNull(),
    c.engagement_segment.acceptedValues(),
    c.segment.acceptedValues(),
    c.tier.acceptedValues(),
    c.purchases.range({ min: 0 }),
    c.table.rowCount({ min: 1 }),
    // Without a single session on record (the clickstream not exported yet), every customer
    // who is not new is dormant by the rules: a figure of missing data, not of customers.
    c.table.assert('no_sessions_on_record', noSessionsOnRecord).warn(),
  ],
});
