import { defineSource, sampleDraws, z } from '@retail-mesh/sdk';
import { storeDomain } from './domain.js';

export const STORE_FORMATS = ['flagship', 'standard', 'express', 'outlet'] as const;
export const REGIONS = ['north', 'south', 'east', 'west', 'central'] as const;
export const STAFF_ROLES = ['manager', 'supervisor', 'associate', 'cashier', 'stock'] as const;
/** How a receipt was paid at the till. */
export const PAYMENT_METHODS = ['card', 'cash', 'mobile'] as const;

/**
 * First business day of the sample year (365 days up to 2026-10-31): the sample's clock is
 * 2026-11-01 00:00 UTC, and generated days and timestamps fall in the year before it.
 */
const FIRST_DAY = "DATE '2025-11-01'";
const LAST_DAY = "DATE '2026-10-31'";

const CITIES: ReadonlyArray<readonly [string, (typeof REGIONS)[number]]> = [
  ['Central City', 'central'],
  ['Northbridge', 'north'],
  ['Southhaven', 'south'],
  ['Eastwick', 'east'],
  ['Westfield', 'west'],
  ['Middleton', 'central'],
  ['Kingsport', 'north'],
  ['Port Mara', 'south'],
  ['Ashford', 'east'],
  ['Stonebridge', 'west'],
  ['Fairview', 'central'],
  ['Highmoor', 'north'],
  ['Bellmont', 'south'],
  ['Lowmarsh', 'east'],
  ['Redcliff', 'west'],
  ['Millbrook', 'central'],
  ['Ravenholm', 'north'],
  ['Greenvale', 'south'],
  ['Brightwater', 'east'],
  ['Oakridge', 'west'],
];
const STREETS = ['High Street', 'Market Square', 'Riverside', 'Station Road', 'Park Lane', 'Old Town'];
const FIRST_NAMES = [
  'Amara',
  'Ben',
  'Chloe',
  'Daniel',
  'Elena',
  'Farid',
  'Grace',
  'Hugo',
  'Isla',
  'Jonas',
  'Keira',
  'Liam',
  'Maya',
  'Noah',
  'Olivia',
  'Pavel',
  'Quinn',
  'Rosa',
  'Samir',
  'Tara',
  'Umar',
  'Vera',
  'Wei',
  'Xena',
  'Yusuf',
  'Zoe',
  'Aiden',
  'Bianca',
  'Carlos',
  'Dina',
];
const LAST_NAMES = [
  'Adams',
  'Brown',
  'Chen',
  'Diaz',
  'Evans',
  'Fischer',
  'Garcia',
  'Hughes',
  'Ivanova',
  'Jones',
  'Khan',
  'Lopez',
  'Murphy',
  'Nguyen',
  'Okafor',
  'Patel',
  'Quinn',
  'Rossi',
  'Smith',
  'Taylor',
  'Usman',
  'Varga',
  'Walker',
  'Xu',
  'Young',
  'Zielinski',
  'Novak',
  'Moreau',
  'Larsen',
  'Kowalski',
];

const list = (values: readonly string[]) =>
  `[${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')}]`;
/** A DuckDB list element picked by a hash: `pick(NAMES, 'hash(...)')`. */
const pick = (values: readonly string[], hash: string) =>
  `${list(values)}[1 + CAST(${hash} % ${values.length} AS INTEGER)]`;
/** A uniform value in [0, 1) from a hash. */
const uniform = (hash: string) => `((${hash} % 1000000) / 1000000.0)`;

/** Stores in the sample at a scale: 25 at scale 1, growing with the square root of the scale. */
export const storeCount = (scale: number) => Math.max(3, Math.round(25 * Math.sqrt(scale)));

/**
 * Staff on record (active or not) of the store numbered `i`, by format: 12 to 40. The stores
 * generator uses it to name each store's manager, the staff generator to make the people, and
 * the operations generator to put a share of them on shift, so the three agree.
 */
const headcount = (seed: number, i: string, format: string) => `CAST(CASE ${format}
      WHEN 'flagship' THEN 30 + hash(${seed}, ${i}, 'headcount') % 11
      WHEN 'standard' THEN 18 + hash(${seed}, ${i}, 'headcount') % 9
      WHEN 'outlet' THEN 15 + hash(${seed}, ${i}, 'headcount') % 8
      ELSE 12 + hash(${seed}, ${i}, 'headcount') % 5 END AS INTEGER)`;

/**
 * Walk-ins per store and day at a scale, before the format, store, weekday and season factors.
 * The order universe grows linearly with the scale and the store count with its square root,
 * so in-store orders per store grow with sqrt(scale): footfall follows, which keeps the
 * conversion rate of `store_performance` between about 5% and 15% at every scale (the order
 * sample puts 55% of its orders in stores, spread over stores regardless of format).
 */
const footfallBase = (scale: number) => 30 * Math.sqrt(scale);

export const rawStores = defineSource({
  domain: storeDomain,
  name: 'stores',
  // The store master is exported whole: the latest export is the list of stores.
  mode: 'snapshot',
  // A closed store stays on the list with its closed_on: a store left out is rows lost.
  keepsFormerRows: true,
  system: 'Store master (real estate and store operations)',
  description: 'One row per store the company operates or has operated, as kept by store operations.',
  schema: z.object({
    store_id: z.string().describe('Store identifier, e.g. S0001').meta({ key: true }),
    name: z.string().describe('Store name as shown on the fascia and receipts'),
    format: z.enum(STORE_FORMATS).describe('Store format: flagship, standard, express or outlet'),
    city: z.string().describe('City the store is in'),
    region: z.enum(REGIONS).describe('Sales region the store reports to'),
    opened_on: z.iso.date().describe('First trading day'),
    closed_on: z.iso.date().nullable().describe('Day the store closed for good; NULL while it trades'),
    square_meters: z.int().describe('Sales floor area in square meters'),
    manager_staff_id: z
      .string()
      .nullable()
      .describe('Staff identifier of the store manager; NULL while the post is vacant'),
  }),
  // Store 1 is the flagship of the capital. About 1 in 12 stores opened during the sample
  // year, and about 1 in 12 closed since mid-2025 (some before the sample year began).
  sample: ({ scale, seed }) => `
    WITH s AS (
      SELECT i,
        CASE WHEN i = 1 THEN 'flagship'
             WHEN f < 10 THEN 'flagship' WHEN f < 60 THEN 'standard' WHEN f < 85 THEN 'express'
             ELSE 'outlet' END AS format,
        CASE WHEN i = 1 THEN 0 ELSE CAST(hash(${seed}, i, 'city') % ${CITIES.length} AS INTEGER) END AS city_index,
        CASE WHEN i = 1 THEN 2 ELSE hash(${seed}, i, 'lifecycle') % 12 END AS lifecycle
      FROM (SELECT i, hash(${seed}, i, 'format') % 100 AS f FROM range(1, ${storeCount(scale)} + 1) AS t(i)) AS r
    ),
    staffed AS (
      SELECT s.*, ${headcount(seed, 'i', 'format')} AS headcount FROM s
    ),
    numbered AS (
      SELECT staffed.*,
        COALESCE(SUM(headcount) OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS staff_before,
        CASE WHEN lifecycle = 1
             THEN CAST(${FIRST_DAY} + CAST(14 + hash(${seed}, i, 'opened') % 300 AS INTEGER) AS DATE)
             ELSE CAST(DATE '2004-01-01' + CAST(hash(${seed}, i, 'opened') % 7600 AS INTEGER) AS DATE) END AS opened_on
      FROM staffed
    )
    SELECT
      'S' || lpad(CAST(i AS VARCHAR), 4, '0') AS store_id,
      -- A second "Greenvale Market Square" is "Greenvale Market Square 2".
      name || CASE WHEN ROW_NUMBER() OVER (PARTITION BY name ORDER BY i) > 1
                   THEN ' ' || CAST(ROW_NUMBER() OVER (PARTITION BY name ORDER BY i) AS VARCHAR) ELSE '' END AS name,
      format, city, region, opened_on,
      CASE WHEN lifecycle = 0 THEN CAST(DATE '2025-06-01' + CAST(hash(${seed}, i, 'closed') % 500 AS INTEGER) AS DATE) END AS closed_on,
      CAST(CASE format
        WHEN 'flagship' THEN 3000 + hash(${seed}, i, 'area') % 3001
        WHEN 'standard' THEN 1000 + hash(${seed}, i, 'area') % 1501
        WHEN 'outlet' THEN 1500 + hash(${seed}, i, 'area') % 2001
        ELSE 150 + hash(${seed}, i, 'area') % 251 END AS INTEGER) AS square_meters,
      -- The first person on each store's staff list is its manager; about 1 store in 15
      -- has lost its manager and not replaced them yet.
      CASE WHEN i > 1 AND hash(${seed}, i, 'vacancy') % 15 = 7 THEN NULL
           ELSE 'E' || lpad(CAST(staff_before + 1 AS VARCHAR), 6, '0') END AS manager_staff_id
    FROM (
      SELECT located.*,
        city || ' ' || CASE format WHEN 'flagship' THEN 'Flagship' WHEN 'express' THEN 'Express'
                                   WHEN 'outlet' THEN 'Outlet'
                                   ELSE ${pick(STREETS, `hash(${seed}, i, 'street')`)} END AS name
      FROM (
        SELECT numbered.*,
          ${list(CITIES.map(([c]) => c))}[1 + city_index] AS city,
          ${list(CITIES.map(([, r]) => r))}[1 + city_index] AS region
        FROM numbered
      ) AS located
    ) AS named
    ORDER BY i`,
});

export const rawStaff = defineSource({
  domain: storeDomain,
  name: 'staff',
  // The HR system exports the whole staff list, current and former.
  mode: 'snapshot',
  // Leavers stay on the list, inactive: a person left out is rows lost.
  keepsFormerRows: true,
  system: 'HR system (workforce management)',
  description: 'Everyone on the staff list of a store, current and former, as exported by the HR system.',
  schema: z.object({
    staff_id: z.string().describe('Staff identifier, e.g. E000001').meta({ key: true }),
    store_id: z.string().describe('Store the person works (or worked) at'),
    first_name: z.string().describe('Given name').meta({ pii: true }),
    last_name: z.string().describe('Family name').meta({ pii: true }),
    role: z.enum(STAFF_ROLES).describe('Job role in the store'),
    hired_on: z.iso.date().describe('First day of employment at the store'),
    hourly_rate: z.number().min(0).meta({ type: 'decimal' }).describe('Gross pay per hour'),
    active: z.boolean().describe('Currently employed; false for leavers and the staff of closed stores'),
  }),
  sampleAfter: ['store.stores'],
  // Each store's list: its manager first (whose id the store names), then supervisors, then
  // associates, cashiers and stock staff. Hire dates lean towards recent years (turnover).
  sample: ({ seed }) => `
    WITH s AS (
      SELECT store_id, format, opened_on, closed_on, manager_staff_id,
             ROW_NUMBER() OVER (ORDER BY store_id) AS si
      FROM store.raw_stores
    ),
    counted AS (
      SELECT s.*, ${headcount(seed, 'si', 'format')} AS headcount FROM s
    ),
    numbered AS (
      SELECT counted.*,
        COALESCE(SUM(headcount) OVER (ORDER BY si ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS staff_before
      FROM counted
    ),
    people AS (
      SELECT listed.*, staff_before + k AS i,
        CASE format WHEN 'flagship' THEN 3 WHEN 'express' THEN 1 ELSE 2 END AS supervisors,
        COALESCE(closed_on, ${LAST_DAY}) AS last_day
      FROM (SELECT numbered.*, unnest(range(1, headcount + 1)) AS k FROM numbered) AS listed
    ),
    roled AS (
      SELECT people.*,
        CASE WHEN k = 1 THEN 'manager'
             WHEN k <= 1 + supervisors THEN 'supervisor'
             WHEN ${uniform(`hash(${seed}, i, 'role')`)} < 0.45 THEN 'associate'
             WHEN ${uniform(`hash(${seed}, i, 'role')`)} < 0.75 THEN 'cashier'
             ELSE 'stock' END AS role,
        -- Hired from a month before opening up to the last trading day, most of them recently.
        CAST(last_day - CAST(floor(date_diff('day', opened_on - 30, last_day) * pow(${uniform(`hash(${seed}, i, 'hired')`)}, 2)) AS INTEGER) AS DATE) AS hired_on
      FROM people
    )
    SELECT
      'E' || lpad(CAST(i AS VARCHAR), 6, '0') AS staff_id,
      store_id,
      ${pick(FIRST_NAMES, `hash(${seed}, i, 'first')`)} AS first_name,
      ${pick(LAST_NAMES, `hash(${seed}, i, 'last')`)} AS last_name,
      role, hired_on,
      round(CASE role
        WHEN 'manager' THEN 28 + ${uniform(`hash(${seed}, i, 'rate')`)} * 10
        WHEN 'supervisor' THEN 20 + ${uniform(`hash(${seed}, i, 'rate')`)} * 6
        WHEN 'associate' THEN 14 + ${uniform(`hash(${seed}, i, 'rate')`)} * 4
        WHEN 'cashier' THEN 13 + ${uniform(`hash(${seed}, i, 'rate')`)} * 3
        ELSE 13.5 + ${uniform(`hash(${seed}, i, 'rate')`)} * 3.5 END
        + least(date_diff('year', hired_on, ${LAST_DAY}), 10) * 0.25, 2) AS hourly_rate,
      CASE WHEN closed_on IS NOT NULL THEN false
           WHEN k = 1 THEN manager_staff_id IS NOT NULL
           ELSE hash(${seed}, i, 'active') % 100 >= 8 END AS active
    FROM roled`,
});

export const dailyOperations = defineSource({
  domain: storeDomain,
  name: 'daily_operations',
  // A corrected end-of-day report replaces the earlier one of its store and day.
  mode: 'upsert',
  expectedEvery: '1d',
  cursor: 'recorded_at',
  system: 'Back office (end-of-day store report)',
  description:
    'The end-of-day report of each store: hours open, people counted at the door, staff on shift and incidents. A store may send a corrected report for a day; the newest one counts.',
  schema: z.object({
    store_id: z.string().describe('Reporting store').meta({ key: true }),
    business_date: z.iso.date().describe('Trading day the report covers').meta({ key: true, happened: true }),
    opening_hours: z.number().min(0).max(24).meta({ type: 'decimal' }).describe('Hours the store was open'),
    footfall: z.int().min(0).describe('Visitors counted by the door sensors'),
    staff_on_shift: z.int().min(0).describe('Staff members who worked that day'),
    incidents: z.int().min(0).describe('Incidents logged (theft, accidents, complaints escalated)'),
    recorded_at: z.date().describe('When the report was submitted (UTC)'),
  }),
  sampleAfter: ['store.stores'],
  // One report per open store and day. Footfall: base x store size x format-specific weekday
  // pattern x season (November with Black Friday, December peak, January lull) x noise.
  // Stores close on Christmas Day, except express stores.
  sample: ({ scale, seed }) => `
    WITH s AS (
      SELECT store_id, format, opened_on, closed_on, ROW_NUMBER() OVER (ORDER BY store_id) AS si
      FROM store.raw_stores
    ),
    days AS (
      SELECT n, CAST(${FIRST_DAY} + CAST(n AS INTEGER) AS DATE) AS business_date FROM range(0, 365) AS t(n)
    ),
    open_days AS (
      SELECT s.*, ${headcount(seed, 'si', 'format')} AS headcount, d.n, d.business_date,
        dayofweek(d.business_date) AS dow, month(d.business_date) AS m, day(d.business_date) AS dom
      FROM s CROSS JOIN days AS d
      WHERE d.business_date >= s.opened_on
        AND (s.closed_on IS NULL OR d.business_date < s.closed_on)
        AND NOT (month(d.business_date) = 12 AND day(d.business_date) = 25 AND s.format <> 'express')
    ),
    factors AS (
      SELECT open_days.*,
        CASE format
          WHEN 'express' THEN CASE dow WHEN 0 THEN 0.7 WHEN 6 THEN 0.85 ELSE 1.05 END
          WHEN 'outlet' THEN CASE dow WHEN 0 THEN 1.4 WHEN 6 THEN 1.6 WHEN 5 THEN 1.0 ELSE 0.8 END
          ELSE CASE dow WHEN 0 THEN 1.1 WHEN 6 THEN 1.35 WHEN 5 THEN 1.15 WHEN 1 THEN 0.85 ELSE 0.9 END
        END AS weekday,
        CASE WHEN business_date = DATE '2025-11-28' AND format <> 'express' THEN 2.0
             ELSE [0.8, 0.82, 0.92, 0.97, 1.0, 1.0, 1.05, 1.05, 0.95, 1.0, 1.2, 1.5][m] END AS season,
        CASE format WHEN 'flagship' THEN 2.2 WHEN 'standard' THEN 1.0 WHEN 'outlet' THEN 1.1 ELSE 0.8 END
          * (0.75 + ${uniform(`hash(${seed}, si, 'traffic')`)} * 0.5) AS store_traffic,
        CASE format WHEN 'flagship' THEN 12 WHEN 'standard' THEN 11 WHEN 'outlet' THEN 10 ELSE 16 END
          + CASE WHEN hash(${seed}, si, 'late') % 3 = 0 THEN 0.5 ELSE 0 END AS weekday_hours
      FROM open_days
    )
    SELECT
      store_id, business_date,
      CASE WHEN (m = 12 AND dom IN (24, 31)) OR (m = 1 AND dom = 1) THEN CASE format WHEN 'express' THEN 10 ELSE 6 END
           WHEN dow = 0 THEN weekday_hours - CASE format WHEN 'express' THEN 2 ELSE 4 END
           ELSE weekday_hours END AS opening_hours,
      CAST(round(${footfallBase(scale)} * store_traffic * weekday * season
        * (0.85 + ${uniform(`hash(${seed}, si, n, 'footfall')`)} * 0.3)) AS INTEGER) AS footfall,
      CAST(greatest(2, round(headcount * (0.22 + 0.1 * weekday * season)
        * (0.9 + ${uniform(`hash(${seed}, si, n, 'shift')`)} * 0.2))) AS INTEGER) AS staff_on_shift,
      CASE WHEN hash(${seed}, si, n, 'incident') % 1000 < 930 THEN 0
           WHEN hash(${seed}, si, n, 'incident') % 1000 < 990 THEN 1
           ELSE 2 + CAST(hash(${seed}, si, n, 'incidents') % 2 AS INTEGER) END AS incidents,
      CAST(business_date AS TIMESTAMP)
        + to_seconds(CAST(72000 + hash(${seed}, si, n, 'submitted') % 14400 AS BIGINT)) AS recorded_at
    FROM factors`,
});

/** Receipts per store and day at a scale, before the format, weekday and noise factors. */
const receiptsBase = (scale: number) => 60 * Math.sqrt(scale);
/** The till feed's sample covers the last week of the sample year. */
const RECEIPT_DAYS = 7;
/** One hash per receipt splits into every draw (tills are at most 8: 840 is a multiple of 1 to 8). */
const receiptDraws = sampleDraws('h', { till: 840, second: 46800, items: 100, price: 361, payment: 100 });

export const receipts = defineSource({
  domain: storeDomain,
  name: 'receipts',
  // A receipt is an event: once rung up it never changes, and a file sent twice counts once.
  mode: 'append',
  // The tills send all day, but stores close on Sundays and holidays.
  expectedEvery: '2d',
  system: 'POS (point of sale: the store tills)',
  description:
    'Every receipt rung up at a store till, sent by the POS every few minutes as a small file dropped in the drop zone.',
  schema: z.object({
    receipt_id: z
      .string()
      .describe('Receipt number, unique across the chain (store, day and sequence)')
      .meta({ key: true }),
    store_id: z.string().describe('Store whose till rang the receipt up'),
    till: z.int().min(1).describe('Till number within the store, from 1'),
    sold_at: z.date().describe('When the receipt was closed at the till (UTC)').meta({ happened: true }),
    items: z.int().min(1).describe('Units on the receipt'),
    amount: z
      .number()
      .min(0)
      .meta({ type: 'decimal' })
      .describe('Total paid, after discounts, taxes included'),
    payment: z.enum(PAYMENT_METHODS).describe('How the receipt was paid: card, cash or mobile'),
  }),
  // The POS drops a file every few minutes: mesh serve ingests each and rebuilds store_live_sales.
  dropZone: 'drops/store/receipts',
  sampleAfter: ['store.stores'],
  // The last week of the sample year, every store trading then: more receipts in flagships and
  // on Saturdays, rung up between 08:00 and 21:00, mostly one or two items, mostly by card.
  sample: ({ scale, seed }) => `
    WITH s AS (
      SELECT store_id, format, opened_on, closed_on, ROW_NUMBER() OVER (ORDER BY store_id) AS si
      FROM store.raw_stores
    ),
    days AS (
      SELECT n, CAST(${LAST_DAY} - ${RECEIPT_DAYS - 1} + CAST(n AS INTEGER) AS DATE) AS day
      FROM range(0, ${RECEIPT_DAYS}) AS t(n)
    ),
    counted AS (
      SELECT s.store_id, s.si, d.n, d.day,
        CASE s.format WHEN 'flagship' THEN 8 WHEN 'express' THEN 2 ELSE 4 END AS tills,
        CAST(round(CAST(${receiptsBase(scale)} AS DOUBLE)
          * CASE s.format WHEN 'flagship' THEN 2.5 WHEN 'outlet' THEN 1.2 WHEN 'express' THEN 0.9 ELSE 1.0 END
          * CASE dayofweek(d.day) WHEN 6 THEN 1.3 WHEN 0 THEN 0.9 ELSE 1.0 END
          * (0.8 + ${uniform(`hash(${seed}, s.si, d.n, 'receipts')`)} * 0.4)) AS INTEGER) AS receipts
      FROM s CROSS JOIN days AS d
      WHERE d.day >= s.opened_on AND (s.closed_on IS NULL OR d.day < s.closed_on)
    ),
    drawn AS (
      SELECT store_id, day, tills, k, hash(${seed}, si, n, k, 'receipt') AS h
      FROM (SELECT counted.*, unnest(range(1, receipts + 1)) AS k FROM counted) AS r
    ),
    parts AS (
      SELECT store_id, day, tills, k,
        ${receiptDraws.till} AS till_draw, ${receiptDraws.second} AS second,
        ${receiptDraws.items} AS items_draw, ${receiptDraws.price} AS price_draw,
        ${receiptDraws.payment} AS payment_draw
      FROM drawn
    ),
    sized AS (
      SELECT parts.*,
        CASE WHEN items_draw < 45 THEN 1 WHEN items_draw < 70 THEN 2 WHEN items_draw < 84 THEN 3
             WHEN items_draw < 92 THEN 4 ELSE 5 + items_draw % 4 END AS items
      FROM parts
    )
    SELECT
      store_id || '-' || strftime(day, '%Y%m%d') || '-' || lpad(CAST(k AS VARCHAR), 5, '0') AS receipt_id,
      store_id,
      CAST(1 + till_draw % tills AS INTEGER) AS till,
      CAST(day AS TIMESTAMP) + to_seconds(8 * 3600 + second) AS sold_at,
      CAST(items AS INTEGER) AS items,
      round(items * (4 + price_draw / 10.0), 2) AS amount,
      CASE WHEN payment_draw < 70 THEN 'card' WHEN payment_draw < 88 THEN 'cash' ELSE 'mobile' END AS payment
    FROM sized`,
});
