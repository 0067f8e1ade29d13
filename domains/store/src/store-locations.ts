import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { storeDomain } from './domain.js';
import { dailyOperations, REGIONS, rawStores, STORE_FORMATS } from './sources.js';

export const STORE_STATUSES = ['open', 'closed', 'opening'] as const;

/** Every store with its trading status and age, as of the latest business day reported. */
export const storeLocations = defineDataProduct({
  domain: storeDomain,
  name: 'store_locations',
  version: '1.0.1',
  description:
    'Every store the company operates or has operated: where it is, its format and size, whether it trades, and for how long it has.',
  tier: 'gold',
  refresh: 'daily',
  access: 'public',
  consumers: [
    'store.store_staff',
    'store.store_daily_operations',
    'store.store_staffing_summary',
    'store.store_performance',
    'order',
    'marketing',
  ],
  sla: { freshness: '1d', completeness: 0.95, validity: 0.99 },
  schema: z.object({
    store_id: z.string().describe('Store identifier').meta({ key: true }),
    name: z.string().describe('Store name as shown on the fascia and receipts'),
    format: z.enum(STORE_FORMATS).describe('Store format: flagship, standard, express or outlet'),
    city: z.string().describe('City the store is in'),
    region: z.enum(REGIONS).describe('Sales region the store reports to'),
    opened_on: z.iso.date().describe('First trading day'),
    closed_on: z.iso.date().nullable().describe('Day the store closed for good; NULL while it trades'),
    status: z
      .enum(STORE_STATUSES)
      .describe(
        'closed when closed_on is on or before as_of_date, opening when opened_on is after it, else open',
      ),
    age_years: z
      .number()
      .nullable()
      .describe(
        'Years from opening to as_of_date (to closed_on for a closed store), one decimal; NULL before opening',
      ),
    square_meters: z.int().describe('Sales floor area in square meters'),
    manager_staff_id: z
      .string()
      .nullable()
      .describe('Staff identifier of the store manager; NULL while the post is vacant'),
    as_of_date: z.iso
      .date()
      .describe('Day status and age refer to: the day after the latest business day reported'),
  }),
  clusterBy: ['region', 'format'],
  inputs: { stores: rawStores, operations: dailyOperations },
  // The clock is the operations feed, not the machine: the day after the latest business day
  // any store reported. Rebuilding yesterday's data gives yesterday's answer.
  transform: ({ stores, operations }) => sql`
    WITH clock AS (
      SELECT COALESCE(${sql.dateAdd('day', sql`MAX(business_date)`, 1)}, ${sql.currentDate()}) AS as_of_date
      FROM ${operations}
    ),
    dated AS (
      SELECT s.*, k.as_of_date,
             CASE WHEN s.closed_on IS NOT NULL AND s.closed_on <= k.as_of_date THEN 'closed'
                  WHEN s.opened_on > k.as_of_date THEN 'opening'
                  ELSE 'open' END AS status
      FROM ${stores} AS s
      CROSS JOIN clock AS k
    )
    SELECT store_id, ${sql.trim(sql`name`)} AS name, format, ${sql.trim(sql`city`)} AS city, region, opened_on, closed_on, status,
           CASE WHEN status = 'opening' THEN NULL
                ELSE ROUND(${sql.dateDiff('day', sql`CASE WHEN status = 'closed' THEN closed_on ELSE as_of_date END`, sql`opened_on`)} / 365.25, 1)
           END AS age_years,
           square_meters, manager_staff_id, as_of_date
    FROM dated`,
  checks: (c) => [
    c.store_id.unique(),
    c.store_id.notNull(),
    c.name.notNull(),
    c.format.notNull(),
    c.format.acceptedValues(),
    c.region.notNull(),
    c.region.acceptedValues(),
    c.status.acceptedValues(),
    c.opened_on.notNull(),
    c.square_meters.range({ min: 1 }),
    c.age_years.range({ min: 0 }),
    c.table.expect('closes_after_opening', sql`closed_on IS NULL OR closed_on >= opened_on`),
    c.table.rowCount({ min: 1 }),
  ],
});
