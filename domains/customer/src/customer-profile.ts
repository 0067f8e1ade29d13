import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { customerDomain } from './domain.js';
import { LOYALTY_TIERS, rawCustomers, SEGMENTS } from './sources.js';

/**
 * Deliberately simple: one `@`, no spaces, a dot in the domain. Written without backslashes
 * so the pattern reads the same in DuckDB and GoogleSQL string literals.
 */
export const EMAIL_PATTERN = '^[^@ ]+@[^@ ]+[.][^@ ]+$';

/**
 * Who each customer is, from the CRM's newest revision. Its columns are a contract other
 * domains import: add columns in a minor version, never change or drop these.
 */
export const customerProfile = defineDataProduct({
  domain: customerDomain,
  name: 'customer_profile',
  version: '1.0.1',
  description:
    'The current CRM record of every customer: name, email, commercial segment, loyalty tier and location.',
  tier: 'gold',
  refresh: 'hourly',
  access: 'restricted',
  consumers: ['marketing', 'order', 'store'],
  sla: { freshness: '2h', completeness: 0.99, validity: 0.99 },
  schema: z.object({
    customer_id: z.string().describe('Customer identifier').meta({ key: true }),
    full_name: z.string().describe('First and last name, separated by a space').meta({ pii: true }),
    email: z.string().describe('Contact email address, trimmed and lower-cased').meta({ pii: true }),
    segment: z.enum(SEGMENTS).describe('Commercial segment: consumer, small_business or corporate'),
    tier: z.enum(LOYALTY_TIERS).describe('Loyalty programme tier: bronze, silver, gold or platinum'),
    signup_date: z.iso.date().describe('Day the customer created an account'),
    country: z.string().describe('Country of the billing address'),
    city: z.string().describe('City of the billing address'),
    marketing_opt_in: z.boolean().describe('Consented to receive marketing'),
  }),
  clusterBy: ['country', 'segment', 'tier'],
  inputs: { customers: rawCustomers },
  // CONCAT skips NULLs on DuckDB and returns NULL on BigQuery: COALESCE makes both agree.
  // The CRM exports one row per revision: keep the newest of each customer (ties: the
  // greatest email, so a rebuild always picks the same row).
  transform: ({ customers }) => sql`
    SELECT customer_id,
           ${sql.trim(sql`CONCAT(COALESCE(${sql.trim(sql`first_name`)}, ''), ' ', COALESCE(${sql.trim(sql`last_name`)}, ''))`)} AS full_name,
           ${sql.lower(sql.trim(sql`email`))} AS email,
           segment,
           loyalty_tier AS tier,
           signup_date,
           ${sql.trim(sql`country`)} AS country,
           ${sql.trim(sql`city`)} AS city,
           marketing_opt_in
    FROM (
      SELECT c.*, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY updated_at DESC, email DESC) AS revision
      FROM ${customers} AS c
    ) AS latest
    WHERE revision = 1`,
  checks: (c) => [
    c.customer_id.unique(),
    c.customer_id.notNull(),
    c.email.notNull(),
    c.email.matches(EMAIL_PATTERN),
    c.segment.acceptedValues(),
    c.tier.acceptedValues(),
    c.table.rowCount({ min: 1 }),
  ],
});
