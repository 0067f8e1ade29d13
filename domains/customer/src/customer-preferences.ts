import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { customerProfile } from './customer-profile.js';
import { customerDomain } from './domain.js';
import { CHANNELS, PRODUCT_CATEGORIES, rawPreferences } from './sources.js';

/** What each customer wants to hear about, and whether marketing may contact them. */
export const customerPreferences = defineDataProduct({
  domain: customerDomain,
  name: 'customer_preferences',
  version: '1.0.1',
  description:
    'The current preference-centre choices of every customer who made some, with their marketing consent and whether marketing may contact them.',
  tier: 'gold',
  refresh: 'hourly',
  // No direct identifiers, but consent and contact choices of identifiable customers are
  // personal data: only the consumers named below read them.
  access: 'restricted',
  consumers: ['marketing'],
  sla: { freshness: '2h', completeness: 0.99, validity: 0.99 },
  schema: z.object({
    customer_id: z.string().describe('Customer identifier').meta({ key: true }),
    preferred_channel: z.enum(CHANNELS).describe('How the customer prefers to be contacted; none to opt out'),
    preferred_category: z.string().describe('Product category the customer is most interested in'),
    newsletter: z.boolean().describe('Subscribed to the newsletter'),
    marketing_opt_in: z.boolean().describe('Consented to marketing in the CRM'),
    contactable: z
      .boolean()
      .describe('Marketing may contact the customer: opted in and a preferred channel other than none'),
    updated_at: z.date().describe('When the current preferences were saved (UTC)'),
  }),
  clusterBy: ['preferred_channel', 'preferred_category'],
  inputs: { preferences: rawPreferences, profile: customerProfile },
  // The preference centre keeps every save; its source, an upsert by updated_at, holds the newest
  // of each customer (saves of the same second: the later line of the export, then the later
  // export, as ingest settles them). The ranking below changes nothing on those rows; it keeps
  // the product one row per customer, the most restrictive channel first, should it ever read
  // more than one.
  // Preferences of customers the CRM does not know are left out.
  transform: ({ preferences, profile }) => sql`
    SELECT c.customer_id, c.preferred_channel, ${sql.trim(sql`c.preferred_category`)} AS preferred_category, c.newsletter,
           p.marketing_opt_in,
           p.marketing_opt_in AND c.preferred_channel <> 'none' AS contactable,
           c.updated_at
    FROM (
      SELECT r.*,
             ROW_NUMBER() OVER (
               PARTITION BY customer_id
               ORDER BY updated_at DESC, CASE WHEN preferred_channel = 'none' THEN 0 ELSE 1 END, preferred_channel NULLS LAST
             ) AS revision
      FROM ${preferences} AS r
    ) AS c
    JOIN ${profile} AS p ON p.customer_id = c.customer_id
    WHERE c.revision = 1`,
  checks: (c) => [
    c.customer_id.unique(),
    c.customer_id.notNull(),
    c.customer_id.references(customerProfile, 'customer_id'),
    c.preferred_channel.acceptedValues(),
    c.preferred_channel.notNull(),
    c.marketing_opt_in.notNull(),
    // The product domain may add a category before the preference centre lists it: warn only.
    c.preferred_category.acceptedValues(PRODUCT_CATEGORIES).warn(),
    c.table.expect(
      'contactable_means_opted_in_with_a_channel',
      sql`contactable = (marketing_opt_in AND preferred_channel <> 'none')`,
    ),
    // Reconciliation with the CRM: preferences of a customer the profile lacks (not exported,
    // or the record rejected on ingest) are left out above, an opt-out among them; the check on
    // customer_id cannot see them, so they are counted here, in health.
    c.table
      .assert(
        'preferences_of_customers_the_profile_lacks',
        () =>
          sql`SELECT r.customer_id FROM ${rawPreferences} AS r WHERE r.customer_id NOT IN (SELECT p.customer_id FROM ${customerProfile} AS p) GROUP BY r.customer_id`,
      )
      .warn(),
    // Its source is optional: until a team exports it, the product is empty, and says so.
    c.table.rowCount({ min: 1 }).warn(),
  ],
});
