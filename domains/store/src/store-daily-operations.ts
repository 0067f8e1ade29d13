import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { storeDomain } from './domain.js';
import { dailyOperations, STORE_FORMATS } from './sources.js';
import { storeLocations } from './store-locations.js';

/** One row per store and trading day: hours, visitors, staffing and incidents. */
export const storeDailyOperations = defineDataProduct({
  domain: storeDomain,
  name: 'store_daily_operations',
  version: '1.0.1',
  description:
    'The end-of-day report of every store and trading day (the newest when corrected), with staff hours and visitors per staff hour.',
  tier: 'silver',
  refresh: 'daily',
  access: 'public',
  consumers: ['store.store_performance', 'store', 'marketing'],
  sla: { freshness: '1d', completeness: 0.99, validity: 0.99 },
  schema: z.object({
    store_id: z.string().describe('Reporting store').meta({ key: true }),
    business_date: z.iso.date().describe('Trading day').meta({ key: true }),
    format: z.enum(STORE_FORMATS).describe('Format of the store'),
    opening_hours: z.number().meta({ type: 'decimal' }).describe('Hours the store was open'),
    footfall: z.int().describe('Visitors counted by the door sensors'),
    staff_on_shift: z.int().describe('Staff members who worked that day'),
    staff_hours: z
      .number()
      .meta({ type: 'decimal' })
      .describe('staff_on_shift x opening_hours: staff hours available that day (an upper bound)'),
    footfall_per_staff_hour: z
      .number()
      .nullable()
      .describe('footfall / staff_hours, two decimals; NULL when no staff hours were reported'),
    incidents: z.int().describe('Incidents logged'),
  }),
  partitionBy: { column: 'business_date', granularity: 'day' },
  clusterBy: ['store_id'],
  inputs: { operations: dailyOperations, locations: storeLocations },
  // A store may resend its report for a day: the newest submission wins. Reports of stores
  // the store master does not know are left out (they cannot be attributed to a format), and
  // counted by a warning check.
  transform: ({ operations, locations }) => sql`
    WITH latest AS (
      SELECT store_id, business_date, opening_hours, footfall, staff_on_shift, incidents
      FROM (
        SELECT o.*, ROW_NUMBER() OVER (
                 PARTITION BY store_id, business_date
                 ORDER BY recorded_at DESC, footfall DESC, staff_on_shift DESC, incidents DESC) AS revision
        FROM ${operations} AS o
      ) AS ranked
      WHERE revision = 1
    )
    SELECT r.store_id, r.business_date, l.format, r.opening_hours, r.footfall, r.staff_on_shift,
           r.staff_on_shift * r.opening_hours AS staff_hours,
           ROUND(${sql.cast(sql.safeDivide(sql`r.footfall`, sql`r.staff_on_shift * r.opening_hours`), 'decimal')}, 2) AS footfall_per_staff_hour,
           r.incidents
    FROM latest AS r
    JOIN ${locations} AS l ON l.store_id = r.store_id`,
  checks: (c) => [
    c.table.uniqueCombination(['store_id', 'business_date']),
    c.store_id.notNull(),
    c.business_date.notNull(),
    c.format.acceptedValues(),
    c.opening_hours.range({ min: 0, max: 24 }),
    c.footfall.range({ min: 0 }),
    c.staff_on_shift.range({ min: 0 }),
    c.incidents.range({ min: 0 }),
    c.footfall_per_staff_hour.range({ min: 0 }),
    c.table.rowCount({ min: 1 }),
    // A report for a day the store was not trading (before opening, after closing) is
    // probably keyed to the wrong store.
    c.table
      .assert(
        'reported_while_trading',
        (self) => sql`
          SELECT r.store_id, r.business_date FROM ${self} AS r
          JOIN ${storeLocations} AS l ON l.store_id = r.store_id
          WHERE r.business_date < l.opened_on OR (l.closed_on IS NOT NULL AND r.business_date >= l.closed_on)`,
      )
      .warn(),
    // Reports of a store the list lacks (a store not on it yet, an id written 12 for 0012) are
    // left out of every figure above: counted, so that the product says it is short of them.
    c.table
      .assert(
        'reports_of_stores_the_list_lacks',
        () =>
          sql`SELECT o.store_id FROM ${dailyOperations} AS o WHERE NOT EXISTS (SELECT 1 FROM ${storeLocations} AS l WHERE l.store_id = o.store_id) GROUP BY o.store_id`,
      )
      .warn(),
  ],
});
