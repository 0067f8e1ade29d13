import { defineSource, z } from '@retail-mesh/sdk';
import { marketingDomain } from './domain.js';

/** The sample's clock: generated timestamps fall before it, so a seed always gives the same rows. */
const AS_OF_DATE = "DATE '2026-11-01'";
/** The last full day before the clock: campaigns in the sample are touched up to it. */
const LAST_DAY = "DATE '2026-10-31'";

export const CAMPAIGN_CHANNELS = ['email', 'social', 'search', 'display', 'sms'] as const;
export const CAMPAIGN_OBJECTIVES = ['awareness', 'acquisition', 'retention', 'reactivation'] as const;
export const TOUCHPOINT_EVENT_TYPES = ['impression', 'click', 'conversion'] as const;

const list = (values: readonly string[]) =>
  `[${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')}]`;

/** Campaigns in the sample at a scale: 40 at scale 1, growing with the square root of the scale. */
export const campaignCount = (scale: number) => Math.max(5, Math.round(40 * Math.sqrt(scale)));

/** Touchpoints (engagement events) in the sample at a scale: 100,000 at scale 1. */
export const touchpointCount = (scale: number) => Math.max(50, Math.round(100_000 * scale));

export const campaigns = defineSource({
  domain: marketingDomain,
  name: 'campaigns',
  mode: 'upsert',
  system: 'Campaign manager',
  description: 'Marketing campaigns as planned in the campaign manager, one row per campaign.',
  schema: z.object({
    campaign_id: z.string().describe('Campaign identifier').meta({ key: true }),
    name: z.string().describe('Campaign name as planned'),
    channel: z.enum(CAMPAIGN_CHANNELS).describe('Channel the campaign runs on'),
    featured_product_id: z
      .string()
      .nullable()
      .describe('Catalog identifier of the product the campaign features, if any'),
    starts_on: z.iso.date().describe('First day of the campaign'),
    ends_on: z.iso.date().describe('Last day of the campaign (inclusive)'),
    budget: z.number().min(0).meta({ type: 'decimal' }).describe('Budget planned for the whole campaign'),
    objective: z.enum(CAMPAIGN_OBJECTIVES).describe('What the campaign is meant to achieve'),
  }),
  sampleAfter: ['product.products'],
  // A third of the campaigns start in the Nov/Dec peak, a sixth in the last 30 days before the
  // clock (so some are running at the clock, whatever the scale), the rest anywhere in the
  // year before it; a campaign lasts 1 to 12 weeks, so the latest run past the clock. The
  // featured product is an active product of the PIM export; budgets grow with the square
  // root of the scale, as the campaigns' audiences do.
  sample: ({ scale, seed }) => `
    WITH featured AS (
      SELECT product_id, category, row_number() OVER (ORDER BY product_id) AS n, count(*) OVER () AS total
      FROM (
        SELECT product_id, arg_max(category, updated_at) AS category, arg_max(active, updated_at) AS active
        FROM product.raw_products
        GROUP BY product_id
      ) AS latest
      WHERE active
    ),
    planned AS (
      SELECT i,
        CAST(CASE hash(${seed}, i, 'season') % 6
               WHEN 0 THEN hash(${seed}, i, 'start') % 61
               WHEN 1 THEN hash(${seed}, i, 'start') % 61
               WHEN 2 THEN 335 + hash(${seed}, i, 'start') % 30
               ELSE hash(${seed}, i, 'start') % 365 END AS INTEGER) AS start_offset,
        CAST(7 + hash(${seed}, i, 'length') % 78 AS INTEGER) AS days,
        ${list(CAMPAIGN_CHANNELS)}[1 + CAST(hash(${seed}, i, 'channel') % ${CAMPAIGN_CHANNELS.length} AS INTEGER)] AS channel,
        ${list(CAMPAIGN_OBJECTIVES)}[1 + CAST(hash(${seed}, i, 'objective') % ${CAMPAIGN_OBJECTIVES.length} AS INTEGER)] AS objective,
        CAST(hash(${seed}, i, 'featured') % (SELECT count(*) FROM featured) AS BIGINT) + 1 AS pick,
        round((1000 + (hash(${seed}, i, 'budget') % 2900000) / 100.0) * sqrt(${scale}), 2) AS budget
      FROM range(1, ${campaignCount(scale)} + 1) AS t(i)
    )
    SELECT
      'M' || lpad(CAST(i AS VARCHAR), 5, '0') AS campaign_id,
      upper(substr(objective, 1, 1)) || substr(objective, 2) || ': ' || f.category || ' ' || strftime(starts_on, '%b %Y') AS name,
      channel,
      f.product_id AS featured_product_id,
      starts_on,
      CAST(starts_on + (days - 1) AS DATE) AS ends_on,
      budget,
      objective
    FROM (SELECT p.*, CAST(${AS_OF_DATE} - 365 + start_offset AS DATE) AS starts_on FROM planned AS p) AS c
    JOIN featured AS f ON f.n = c.pick`,
});

export const promotions = defineSource({
  domain: marketingDomain,
  name: 'promotions',
  mode: 'upsert',
  system: 'Campaign manager',
  description: 'Discount codes attached to campaigns, each valid on one merchandise category for a period.',
  schema: z.object({
    promotion_id: z.string().describe('Promotion identifier').meta({ key: true }),
    campaign_id: z.string().describe('Campaign the promotion belongs to'),
    code: z.string().describe('Discount code customers enter at checkout'),
    discount_pct: z
      .number()
      .min(0)
      .max(100)
      .meta({ type: 'decimal', percent: true })
      .describe('Discount off the shelf price, in percent'),
    category: z.string().describe('Merchandise category the code applies to'),
    valid_from: z.iso.date().describe('First day the code is accepted'),
    valid_to: z.iso.date().describe('Last day the code is accepted (inclusive)'),
  }),
  sampleAfter: ['product.products', 'marketing.campaigns'],
  // One to four codes per campaign, valid inside its window: the first on the featured
  // product's category, the others on any category of the catalog.
  sample: ({ seed }) => `
    WITH categories AS (
      SELECT category, row_number() OVER (ORDER BY category) AS n, count(*) OVER () AS total
      FROM (SELECT DISTINCT category FROM product.raw_products) AS c
    ),
    featured AS (
      SELECT product_id, arg_max(category, updated_at) AS category FROM product.raw_products GROUP BY product_id
    ),
    codes AS (
      SELECT c.campaign_id, c.starts_on, c.ends_on, k,
        CAST(c.ends_on - c.starts_on + 1 AS INTEGER) AS days,
        CAST(5 * (1 + hash(${seed}, c.campaign_id, k, 'pct') % 8) AS INTEGER) AS pct,
        CASE WHEN k = 1 AND f.category IS NOT NULL THEN f.category
             ELSE (SELECT category FROM categories
                   WHERE n = 1 + CAST(hash(${seed}, c.campaign_id, k, 'category') % (SELECT count(*) FROM categories) AS BIGINT))
        END AS category
      FROM marketing.raw_campaigns AS c
      LEFT JOIN featured AS f ON f.product_id = c.featured_product_id
      CROSS JOIN range(1, 5) AS r(k)
      WHERE k <= 1 + hash(${seed}, c.campaign_id, 'promotions') % 4
    ),
    windows AS (
      SELECT *, CAST(starts_on + CAST(hash(${seed}, campaign_id, k, 'from') % days AS INTEGER) AS DATE) AS valid_from
      FROM codes
    )
    SELECT
      'R' || lpad(CAST(row_number() OVER (ORDER BY campaign_id, k) AS VARCHAR), 6, '0') AS promotion_id,
      campaign_id,
      upper(substr(category, 1, 3)) || CAST(pct AS VARCHAR) || '-' || substr(campaign_id, 2) || CAST(k AS VARCHAR) AS code,
      pct AS discount_pct,
      category,
      valid_from,
      least(ends_on, CAST(valid_from + CAST(2 + hash(${seed}, campaign_id, k, 'to') % 28 AS INTEGER) AS DATE)) AS valid_to
    FROM windows`,
});

export const touchpoints = defineSource({
  domain: marketingDomain,
  name: 'touchpoints',
  mode: 'append',
  expectedEvery: '1d',
  optional: true,
  system: 'Marketing automation and ad platforms',
  description:
    'Engagement events of customers with campaigns: impressions, clicks and conversions, one row per event.',
  schema: z.object({
    touchpoint_id: z.string().describe('Event identifier').meta({ key: true }),
    customer_id: z.string().describe('Customer the event was matched to'),
    campaign_id: z.string().describe('Campaign that produced the event'),
    event_type: z
      .enum(TOUCHPOINT_EVENT_TYPES)
      .describe('impression (shown), click, or conversion (purchase)'),
    occurred_at: z.date().describe('When the event happened (UTC)').meta({ happened: true }),
    order_id: z
      .string()
      .nullable()
      .describe('For a conversion: the order it was matched to, when the match succeeded'),
  }),
  sampleAfter: ['customer.customers', 'order.orders', 'marketing.campaigns'],
  // Events fall inside a campaign's window (up to the clock). Customers are drawn with a
  // skew (1 + floor(n u^2)), so the busiest buyers of the order sample are also the most
  // reached. 78% impressions, 17% clicks, 5% conversions; a conversion is matched to the
  // customer's first order in the 3 days after it and then takes that order's time, as a
  // checkout pixel would; without such an order it stays unmatched. A hash is a UBIGINT: its
  // modulo by a signed count would run in HUGEINT, many times slower, hence the casts.
  sample: ({ scale, seed }) => `
    WITH customers AS (
      SELECT customer_id, row_number() OVER (ORDER BY customer_id) AS n
      FROM (SELECT DISTINCT customer_id FROM customer.raw_customers) AS c
    ),
    running AS (
      SELECT campaign_id, starts_on, least(ends_on, ${LAST_DAY}) AS last_day,
             row_number() OVER (ORDER BY campaign_id) AS n
      FROM marketing.raw_campaigns
      WHERE starts_on <= ${LAST_DAY}
    ),
    -- range() is read by one thread; a materialized copy of the event numbers is read by all.
    numbers AS MATERIALIZED (SELECT i FROM range(1, ${touchpointCount(scale)} + 1) AS t(i)),
    -- Not materialized: the conversions' branch reads only the events that are conversions.
    events AS NOT MATERIALIZED (
      SELECT i,
        1 + CAST(floor((SELECT count(*) FROM customers) * pow((hash(${seed}, i, 'customer') % 1000000) / 1000000.0, 2)) AS BIGINT) AS who,
        1 + CAST(hash(${seed}, i, 'campaign') % CAST((SELECT count(*) FROM running) AS UBIGINT) AS BIGINT) AS which,
        hash(${seed}, i, 'when') AS instant,
        hash(${seed}, i, 'event') % 100 AS e
      FROM numbers
    ),
    placed AS NOT MATERIALIZED (
      SELECT e.i, c.customer_id, r.campaign_id,
        CASE WHEN e.e < 78 THEN 'impression' WHEN e.e < 95 THEN 'click' ELSE 'conversion' END AS event_type,
        CAST(r.starts_on AS TIMESTAMP)
          + to_seconds(CAST(e.instant % CAST((r.last_day - r.starts_on + 1) * 86400 AS UBIGINT) AS BIGINT)) AS occurred_at
      FROM events AS e
      JOIN customers AS c ON c.n = e.who
      JOIN running AS r ON r.n = e.which
    ),
    conversions AS (
      SELECT i, customer_id, campaign_id, occurred_at FROM placed WHERE event_type = 'conversion'
    ),
    matched AS (
      SELECT c.i, o.order_id, o.ordered_at,
             row_number() OVER (PARTITION BY c.i ORDER BY o.ordered_at, o.order_id) AS k
      FROM conversions AS c
      JOIN "order".raw_orders AS o
        ON o.customer_id = c.customer_id AND o.ordered_at >= c.occurred_at
       AND o.ordered_at < c.occurred_at + INTERVAL 3 DAY
    )
    -- Impressions and clicks as placed; conversions with their match (in two branches, so
    -- that the match is joined to the 5% of events it concerns, not to all of them).
    SELECT printf('T%010d', i) AS touchpoint_id, customer_id, campaign_id, event_type, occurred_at,
      CAST(NULL AS VARCHAR) AS order_id
    FROM placed
    WHERE event_type <> 'conversion'
    UNION ALL
    SELECT printf('T%010d', c.i), c.customer_id, c.campaign_id, 'conversion',
      COALESCE(m.ordered_at, c.occurred_at), m.order_id
    FROM conversions AS c
    LEFT JOIN matched AS m ON m.i = c.i AND m.k = 1`,
});
