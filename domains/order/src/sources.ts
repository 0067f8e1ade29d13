import { defineSource, type Source, z } from '@retail-mesh/sdk';
import { orderDomain } from './domain.js';

/** The sample's clock: generated timestamps fall before it, so a seed always gives the same rows. */
const AS_OF = "TIMESTAMP '2026-11-01 00:00:00'";
/** The sample covers the year before AS_OF. */
const FIRST_DAY = "DATE '2025-11-01'";
const DAYS = 365;

const list = (values: readonly (string | number)[]) =>
  `[${values.map((v) => (typeof v === 'number' ? String(v) : `'${v.replaceAll("'", "''")}'`)).join(', ')}]`;

/** A source's raw table as sample SQL names it; `order` is a reserved word, so always quoted. */
const rawTable = (source: Source) => `"${source.table.schema}"."${source.table.name}"`;

/**
 * `count` decimal digits of a hash, from the `from`th: one 64-bit hash gives several
 * independent draws (it has 19 digits), and every hash computed costs time at scale. As a
 * BIGINT: a hash is a UBIGINT, and UBIGINT arithmetic or comparison with a signed value
 * (a column, a join key, `12 * 3600`) runs in HUGEINT, many times slower.
 */
const digits = (h: string, from: number, count: number) =>
  `CAST(${from ? `(${h} // ${10n ** BigInt(from)})` : h} % ${10 ** count} AS BIGINT)`;
/** A uniform value in [0, 1) from 6 digits of a hash. */
const uniform = (h: string, from: number) => `(${digits(h, from, 6)} / 1000000.0)`;
/** A uniform whole number of seconds in [0, seconds) from 5 digits of a hash. */
const seconds = (h: string, from: number, within: string) =>
  `CAST(floor(${digits(h, from, 5)} * (${within}) / 100000.0) AS BIGINT)`;

/**
 * Popularity skew of a uniform `u` in [0, 1): mostly u^3 (Pareto-like: the first 20% of
 * indexes take over half the picks), blended with a little of u so that index 1 is not
 * picked once in 17 times (u^3 alone gives it (1/n)^(1/3) of all picks).
 */
const skewed = (u: string) => `(0.9 * pow(${u}, 3) + 0.1 * ${u})`;

/** Relative order volume per calendar month, January first: a Nov/Dec peak, a January lull. */
const MONTH_WEIGHTS = [0.85, 0.8, 0.9, 0.95, 1.0, 0.95, 1.0, 0.95, 0.95, 1.05, 1.5, 1.9];
/** Relative order volume per weekday, Sunday first (DuckDB's dayofweek): busy weekends. */
const WEEKDAY_WEIGHTS = [1.2, 0.95, 0.95, 0.95, 1.0, 1.1, 1.35];
/** Black Friday and Cyber Monday of the sample year. */
const PEAK_DAYS = ["DATE '2025-11-28'", "DATE '2025-12-01'"];
/** Resolution of the day distribution: a uniform bucket in [0, BUCKETS) maps to a day (5 digits of a hash). */
const DAY_BUCKETS = 100000;

/** Where an order was placed. Store orders have a store; online and mobile orders have none. */
export const CHANNELS = ['store', 'online', 'mobile'] as const;
/** The order system's own statuses; returns are a separate feed. */
export const RAW_ORDER_STATUSES = ['completed', 'cancelled'] as const;
export const CARRIERS = ['dhl', 'ups', 'postnl', 'dpd'] as const;
export const RETURN_REASONS = [
  'damaged',
  'wrong_size',
  'not_as_described',
  'changed_mind',
  'late_delivery',
] as const;

/** Orders in the sample at a scale: 40,000 at scale 1 (about 100,000 order lines). */
export const orderCount = (scale: number) => Math.max(1, Math.round(40000 * scale));

export const orders = defineSource({
  domain: orderDomain,
  name: 'orders',
  // A status update (completed -> cancelled) arrives as the order again, in a later export.
  mode: 'upsert',
  expectedEvery: '1d',
  system: 'OMS (order management system)',
  description: 'Order headers as exported by the order management system, one row per order.',
  schema: z.object({
    order_id: z.string().describe('Order number, unique per order').meta({ key: true }),
    customer_id: z.string().describe('Customer who placed the order'),
    store_id: z
      .string()
      .nullable()
      .describe('Store where the order was placed; NULL for online and mobile orders'),
    channel: z
      .enum(CHANNELS)
      .describe('Where the order was placed: store, online (web shop) or mobile (app)'),
    status: z.enum(RAW_ORDER_STATUSES).describe('completed, or cancelled before it was fulfilled'),
    ordered_at: z.date().describe('When the order was placed (UTC)').meta({ happened: true }),
  }),
  // The OMS drops an export of new and changed orders every minute: mesh serve ingests each
  // and rebuilds order_live_orders.
  dropZone: 'drops/order/orders',
  sampleAfter: ['customer.customers', 'store.stores'],
  // The day of an order is drawn without rejection: the year's days, weighted by month,
  // weekday and peak days, are cut into DAY_BUCKETS equally likely buckets (an ASOF join on
  // the cumulative weight), and each order picks a bucket by hash: one equi-join.
  sample: ({ scale, seed }) => `
    WITH days AS (
      SELECT day, SUM(w) OVER (ORDER BY day) - w AS lo, SUM(w) OVER () AS total
      FROM (
        SELECT day,
          ${list(MONTH_WEIGHTS)}[month(day)] * ${list(WEEKDAY_WEIGHTS)}[dayofweek(day) + 1]
            * CASE WHEN day IN (${PEAK_DAYS.join(', ')}) THEN 2.5 ELSE 1 END AS w
        FROM (SELECT CAST(${FIRST_DAY} + CAST(d AS INTEGER) AS DATE) AS day FROM range(0, ${DAYS}) AS t(d)) AS c
      ) AS weighted
    ),
    buckets AS (
      SELECT b.bucket, d.day
      FROM (SELECT bucket FROM range(0, ${DAY_BUCKETS}) AS t(bucket)) AS b
      ASOF JOIN (SELECT day, lo * ${DAY_BUCKETS} / total AS lo FROM days) AS d ON d.lo <= b.bucket
    ),
    universe AS (
      SELECT (SELECT count(DISTINCT customer_id) FROM customer.raw_customers) AS customers,
             (SELECT count(DISTINCT store_id) FROM store.raw_stores) AS stores
    ),
    -- The stores trading each day (opened, not yet closed; on Christmas Day express stores
    -- only, as the stores report). An in-store order picks its store; when that store is not
    -- trading that day the customer ordered online instead, so every store-day with sales
    -- has its store's report and a store sells what it would have on the days it trades.
    trading AS (
      SELECT d.day, s.store_id
      FROM days AS d
      JOIN store.raw_stores AS s
        ON d.day >= s.opened_on AND (s.closed_on IS NULL OR d.day < s.closed_on)
       AND NOT (month(d.day) = 12 AND day(d.day) = 25 AND s.format <> 'express')
    ),
    -- range() is read by one thread; a materialized copy of the order numbers is read by all.
    numbers AS MATERIALIZED (SELECT i FROM range(1, ${orderCount(scale)} + 1) AS t(i))
    SELECT
      printf('O%010d', i) AS order_id,
      -- A few customers buy most.
      printf('C%08d', 1 + CAST(floor(u.customers * ${skewed(uniform('h', 0))}) AS BIGINT)) AS customer_id,
      CASE WHEN channel = 'store' THEN store END AS store_id,
      channel,
      CASE WHEN ${digits('h', 13, 3)} < 20 THEN 'cancelled' ELSE 'completed' END AS status,
      CAST(o.day AS TIMESTAMP) + to_seconds(CASE
        WHEN channel = 'store' THEN 9 * 3600 + ${seconds('g', 6, '12 * 3600')}  -- opening hours
        WHEN ${digits('g', 11, 1)} < 7 THEN 7 * 3600 + ${seconds('g', 6, '16 * 3600')}  -- awake
        ELSE ${seconds('g', 6, '86400')}
      END) AS ordered_at
    FROM (
      -- Two hashes per order: h gives the customer, the day, the channel and the status;
      -- g the store and the time of day.
      SELECT n.i, n.h, n.g, n.day, n.store,
        CASE WHEN ${digits('n.h', 11, 2)} < 55 AND t.store_id IS NOT NULL THEN 'store'
             WHEN ${digits('n.h', 11, 2)} < 90 THEN 'online'
             ELSE 'mobile' END AS channel
      FROM (
        SELECT i, h, g, b.day,
          printf('S%04d', 1 + CAST(floor(u.stores * pow(${uniform('g', 0)}, 1.5)) AS BIGINT)) AS store
        FROM (SELECT i, hash(${seed}, i, 'order') AS h, hash(${seed}, i, 'place') AS g FROM numbers) AS x
        JOIN buckets AS b ON b.bucket = ${digits('x.h', 6, 5)}
        CROSS JOIN universe AS u
      ) AS n
      LEFT JOIN trading AS t ON t.day = n.day AND t.store_id = n.store
    ) AS o
    CROSS JOIN universe AS u`,
});

export const orderLines = defineSource({
  domain: orderDomain,
  name: 'order_lines',
  mode: 'upsert',
  expectedEvery: '1d',
  system: 'OMS (order management system)',
  description: 'The lines of every order: which product, how many, at what price and discount.',
  schema: z.object({
    order_id: z.string().describe('Order the line belongs to').meta({ key: true }),
    line_number: z.int().describe('Position of the line in its order, from 1').meta({ key: true }),
    product_id: z.string().describe('Catalog identifier of the product sold'),
    // A line sells at least one unit, at no negative price: a negative quantity (a return
    // written as a line) would take its amount off the order's revenue in every figure built on
    // lines, while only order_items checks it. Returns come by the returns feed.
    quantity: z.int().min(1).describe('Units sold'),
    unit_price: z.number().meta({ type: 'decimal' }).min(0).describe('Price of one unit before discount'),
    discount_amount: z
      .number()
      .meta({ type: 'decimal' })
      .min(0)
      .describe('Discount on the whole line (all its units), 0 when none'),
  }),
  sampleAfter: ['product.products'],
  // Lines are generated from the order numbers (the same count as orders at the same scale),
  // 1 to 5 per order, so they need no scan of the orders. Products are numbered 1..n by id and
  // picked by popularity; the price is the product's current shelf price.
  sample: ({ scale, seed }) => `
    WITH products AS (
      SELECT product_id, retail_price, row_number() OVER (ORDER BY product_id) AS k
      FROM (
        SELECT product_id, arg_max(retail_price, updated_at) AS retail_price
        FROM product.raw_products
        GROUP BY product_id
      ) AS p
    ),
    -- range() is read by one thread; a materialized copy of the order numbers is read by all.
    numbers AS MATERIALIZED (SELECT i FROM range(1, ${orderCount(scale)} + 1) AS t(i)),
    headers AS (
      SELECT i, printf('O%010d', i) AS order_id,
        CASE WHEN r < 27 THEN 1 WHEN r < 55 THEN 2 WHEN r < 77 THEN 3 WHEN r < 91 THEN 4 ELSE 5 END AS line_count
      FROM (SELECT i, hash(${seed}, i, 'lines') % 100 AS r FROM numbers) AS o
    ),
    -- One hash per line: the product, the quantity and the discount.
    lines AS (
      SELECT order_id, j, hash(${seed}, i, j, 'line') AS h
      FROM (SELECT i, order_id, unnest(range(1, line_count + 1)) AS j FROM headers) AS o
    )
    SELECT order_id, j AS line_number, p.product_id, quantity, p.retail_price AS unit_price,
      -- One line in five carries a 10-30% promotion.
      CASE WHEN d < 20 THEN round(quantity * p.retail_price * (0.10 + (d % 5) * 0.05), 2) ELSE 0 END AS discount_amount
    FROM (
      SELECT order_id, j,
        1 + CAST(floor((SELECT count(*) FROM products) * ${skewed(uniform('h', 0))}) AS BIGINT) AS k,
        CASE WHEN q < 72 THEN 1 WHEN q < 89 THEN 2 WHEN q < 96 THEN 3 ELSE 4 END AS quantity,
        d
      FROM (SELECT order_id, j, h, ${digits('h', 6, 2)} AS q, ${digits('h', 8, 2)} AS d FROM lines) AS l
    ) AS l
    JOIN products AS p ON p.k = l.k`,
});

export const shipments = defineSource({
  domain: orderDomain,
  name: 'shipments',
  // A parcel is exported again when its delivery scan arrives.
  mode: 'upsert',
  expectedEvery: '1d',
  system: 'TMS (transport management system)',
  description: 'Parcels handed to carriers for online and mobile orders, with their delivery scans.',
  schema: z.object({
    order_id: z.string().describe('Order shipped in the parcel').meta({ key: true }),
    carrier: z.enum(CARRIERS).describe('Carrier that delivers the parcel'),
    shipped_at: z.date().describe('When the carrier picked the parcel up (UTC)').meta({ happened: true }),
    delivered_at: z
      .date()
      .nullable()
      .describe('When the parcel was delivered (UTC); NULL while in transit')
      .meta({ happened: true }),
    promised_days: z.int().describe('Days after the order day by which delivery was promised'),
  }),
  sampleAfter: ['order.orders'],
  // Completed online and mobile orders ship within a day; most arrive by the promised day,
  // each carrier late at its own rate. Parcels not delivered by the clock are in transit, and
  // orders of the last hours have not shipped yet.
  sample: ({ seed }) => `
    SELECT order_id, carrier, shipped_at,
      CASE WHEN delivered <= ${AS_OF} THEN delivered END AS delivered_at,
      promised_days
    FROM (
      SELECT order_id, carrier, promised_days, shipped_at,
        greatest(
          CAST(CAST(ordered_at AS DATE) + CAST(CASE WHEN late THEN promised_days + 1 + ${digits('h', 16, 3)} % 3
                                                    ELSE 1 + ${digits('h', 16, 3)} % promised_days END AS INTEGER) AS TIMESTAMP)
            + to_seconds(8 * 3600 + ${seconds('h', 0, '12 * 3600')}),
          shipped_at + INTERVAL 4 HOUR
        ) AS delivered
      FROM (
        SELECT order_id, ordered_at, h,
          ${list(CARRIERS)}[1 + c] AS carrier,
          CASE WHEN p < 15 THEN 1 WHEN p < 70 THEN 2 WHEN p < 90 THEN 3 ELSE 5 END AS promised_days,
          ordered_at + to_seconds(3600 + ${seconds('h', 5, '20 * 3600')}) AS shipped_at,
          ${digits('h', 10, 2)} < ${list([8, 6, 14, 12])}[1 + c] AS late
        FROM (
          -- One hash per parcel: carrier, promise, lateness, pickup and delivery times.
          SELECT order_id, ordered_at, h,
            CAST(${digits('h', 12, 2)} % 4 AS INTEGER) AS c,
            ${digits('h', 14, 2)} AS p
          FROM (SELECT order_id, ordered_at, hash(${seed}, order_id, 'parcel') AS h FROM ${rawTable(orders)}
          WHERE channel <> 'store' AND status = 'completed') AS o
        ) AS o
      ) AS s
    ) AS d
    WHERE shipped_at <= ${AS_OF}`,
});

/** Lines returned per thousand, for the channel that returns the most (online). */
const MAX_RETURN_RATE = 90;

export const returns = defineSource({
  domain: orderDomain,
  name: 'returns',
  mode: 'append',
  optional: true,
  system: 'Returns portal and store tills',
  description: 'Items brought or sent back, one row per return of (part of) an order line.',
  schema: z.object({
    order_id: z.string().describe('Order the returned line belongs to').meta({ key: true }),
    line_number: z.int().describe('Returned line of the order').meta({ key: true }),
    returned_quantity: z.int().min(1).describe('Units returned'),
    reason: z.enum(RETURN_REASONS).describe('Why the customer returned the items'),
    returned_at: z.date().describe('When the return was received (UTC)').meta({ key: true, happened: true }),
    refund_amount: z.number().meta({ type: 'decimal' }).min(0).describe('Money refunded to the customer'),
  }),
  sampleAfter: ['order.orders', 'order.order_lines'],
  // About 6% of the lines of completed orders come back: fewer from stores, more from the web
  // shop. Most returns are of the whole line; the refund is what the returned units were paid.
  // One hash per line gives every draw (whether, how many, why, when). It is unsalted (nothing
  // else hashes this key): a salt would be hashed again on each of the ten million lines. The
  // draw is made before the join (below the highest rate, 9%) and the lines drawn are kept
  // (materialized): one line in eleven is looked up in the orders, not every line.
  sample: ({ seed }) => `
    WITH drawn AS MATERIALIZED (
      SELECT order_id, line_number, quantity, unit_price, discount_amount, h, returned
      FROM (
        SELECT order_id, line_number, quantity, unit_price, discount_amount, h, ${digits('h', 0, 3)} AS returned
        FROM (SELECT *, hash(${seed}, order_id, line_number) AS h FROM ${rawTable(orderLines)}) AS l
      ) AS l
      WHERE returned < ${MAX_RETURN_RATE}
    )
    SELECT order_id, line_number, returned_quantity, reason, returned_at,
      round(returned_quantity * (quantity * unit_price - discount_amount) / quantity, 2) AS refund_amount
    FROM (
      SELECT l.order_id, l.line_number, l.quantity, l.unit_price, l.discount_amount,
        CASE WHEN l.quantity = 1 OR ${digits('h', 3, 2)} < 60 THEN l.quantity
             ELSE 1 + CAST(${digits('h', 5, 2)} % (l.quantity - 1) AS INTEGER) END AS returned_quantity,
        CASE WHEN o.in_store AND r >= 93 THEN 'changed_mind'  -- nothing delivered, nothing late
             WHEN r < 15 THEN 'damaged' WHEN r < 45 THEN 'wrong_size' WHEN r < 65 THEN 'not_as_described'
             WHEN r < 93 THEN 'changed_mind' ELSE 'late_delivery' END AS reason,
        -- 1 to 30 days and up to 12 hours after the order (microseconds: cheaper than an interval).
        make_timestamp(epoch_us(o.ordered_at)
          + 1000000 * (86400 * (1 + ${digits('h', 9, 4)} % 30) + ${seconds('h', 13, '12 * 3600')})) AS returned_at
      FROM (SELECT *, ${digits('h', 7, 2)} AS r FROM drawn) AS l
      JOIN (
        -- The return rate of each completed order's channel, per thousand lines.
        SELECT order_id, ordered_at, channel = 'store' AS in_store,
          CASE channel WHEN 'store' THEN 45 WHEN 'online' THEN 90 ELSE 85 END AS rate
        FROM ${rawTable(orders)}
        WHERE status = 'completed'
      ) AS o ON o.order_id = l.order_id
      WHERE l.returned < o.rate
    ) AS r
    WHERE returned_at <= ${AS_OF}`,
});
