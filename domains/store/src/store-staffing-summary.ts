import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { storeDomain } from './domain.js';
import { STORE_FORMATS } from './sources.js';
import { STORE_STATUSES, storeLocations } from './store-locations.js';
import { storeStaff } from './store-staff.js';

/** Headcount, roles and pay per store: the public, aggregated face of `store_staff`. */
export const storeStaffingSummary = defineDataProduct({
  domain: storeDomain,
  name: 'store_staffing_summary',
  version: '1.0.1',
  description:
    'Per store: staff on record, active staff by role, average hourly rate and tenure of the active staff, and whether the manager post is filled.',
  tier: 'silver',
  refresh: 'daily',
  access: 'public',
  consumers: ['store', 'order', 'marketing'],
  sla: { freshness: '1d', completeness: 0.9, validity: 0.99 },
  schema: z.object({
    store_id: z.string().describe('Store identifier').meta({ key: true }),
    format: z.enum(STORE_FORMATS).describe('Format of the store'),
    status: z.enum(STORE_STATUSES).describe('Trading status of the store (see store_locations)'),
    staff_on_record: z.int().describe('Everyone on the staff list, active or not'),
    active_staff: z.int().describe('Staff currently employed'),
    managers: z.int().describe('Active staff in the manager role'),
    supervisors: z.int().describe('Active staff in the supervisor role'),
    associates: z.int().describe('Active staff in the associate role'),
    cashiers: z.int().describe('Active staff in the cashier role'),
    stock_staff: z.int().describe('Active staff in the stock role'),
    average_hourly_rate: z
      .number()
      .nullable()
      .meta({ type: 'decimal' })
      .describe('Average gross pay per hour of the active staff, two decimals; NULL without active staff'),
    average_tenure_days: z
      .number()
      .nullable()
      .describe('Average tenure in days of the active staff, one decimal; NULL without active staff'),
    has_active_manager: z
      .boolean()
      .describe('The store master names a manager who is on the store staff list and active'),
  }),
  clusterBy: ['format', 'status'],
  inputs: { locations: storeLocations, staff: storeStaff },
  // Every store, including those with nobody on their list: their counts are 0.
  transform: ({ locations, staff }) => sql`
    WITH per_store AS (
      SELECT store_id,
             COUNT(*) AS staff_on_record,
             SUM(CASE WHEN active THEN 1 ELSE 0 END) AS active_staff,
             SUM(CASE WHEN active AND role = 'manager' THEN 1 ELSE 0 END) AS managers,
             SUM(CASE WHEN active AND role = 'supervisor' THEN 1 ELSE 0 END) AS supervisors,
             SUM(CASE WHEN active AND role = 'associate' THEN 1 ELSE 0 END) AS associates,
             SUM(CASE WHEN active AND role = 'cashier' THEN 1 ELSE 0 END) AS cashiers,
             SUM(CASE WHEN active AND role = 'stock' THEN 1 ELSE 0 END) AS stock_staff,
             ROUND(${sql.cast(sql`AVG(CASE WHEN active THEN hourly_rate END)`, 'decimal')}, 2) AS average_hourly_rate,
             ROUND(${sql.cast(sql`AVG(CASE WHEN active THEN tenure_days END)`, 'decimal')}, 1) AS average_tenure_days,
             SUM(CASE WHEN active AND is_store_manager THEN 1 ELSE 0 END) AS active_store_managers
      FROM ${staff}
      GROUP BY store_id
    )
    SELECT l.store_id, l.format, l.status,
           COALESCE(p.staff_on_record, 0) AS staff_on_record,
           COALESCE(p.active_staff, 0) AS active_staff,
           COALESCE(p.managers, 0) AS managers,
           COALESCE(p.supervisors, 0) AS supervisors,
           COALESCE(p.associates, 0) AS associates,
           COALESCE(p.cashiers, 0) AS cashiers,
           COALESCE(p.stock_staff, 0) AS stock_staff,
           p.average_hourly_rate,
           p.average_tenure_days,
           COALESCE(p.active_store_managers, 0) > 0 AS has_active_manager
    FROM ${locations} AS l
    LEFT JOIN per_store AS p ON p.store_id = l.store_id`,
  checks: (c) => [
    c.store_id.unique(),
    c.store_id.notNull(),
    c.format.acceptedValues(),
    c.status.acceptedValues(),
    c.average_hourly_rate.range({ min: 0 }),
    c.table.expect(
      'roles_add_up_to_active_staff',
      sql`managers + supervisors + associates + cashiers + stock_staff = active_staff`,
    ),
    c.table.expect('active_within_record', sql`active_staff <= staff_on_record`),
    c.table.rowCount({ min: 1 }),
  ],
});
