import { PRODUCT_CATEGORIES } from '@retail-mesh/domain-product';
import { defineSource, sampleCode, sampleDraws, z } from '@retail-mesh/sdk';
import { customerDomain } from './domain.js';

export const SEGMENTS = ['consumer', 'small_business', 'corporate'] as const;
export const LOYALTY_TIERS = ['bronze', 'silver', 'gold', 'platinum'] as const;
export const DEVICES = ['desktop', 'mobile', 'tablet', 'app'] as const;
export const CHANNELS = ['email', 'sms', 'push', 'none'] as const;
/** The merchandise categories of the product domain, as the preference centre offers them. */
export { PRODUCT_CATEGORIES };

/** The sample's clock: generated timestamps fall before it, so a seed always gives the same rows. */
const AS_OF = "TIMESTAMP '2026-11-01 00:00:00'";
const AS_OF_DATE = "DATE '2026-11-01'";

const FIRST_NAMES = [
  'Olivia',
  'Noah',
  'Amelia',
  'Liam',
  'Isla',
  'Oliver',
  'Ava',
  'Elijah',
  'Mia',
  'Lucas',
  'Sofia',
  'Mateo',
  'Emma',
  'Leo',
  'Hannah',
  'Finn',
  'Chloe',
  'Jonas',
  'Lea',
  'Hugo',
  'Ines',
  'Louis',
  'Julia',
  'Daan',
  'Sara',
  'Pablo',
  'Lucia',
  'Sean',
  'Aoife',
  'Arthur',
  'Zoe',
  'Felix',
  'Nora',
  'Milan',
  'Eva',
  'Adam',
  'Maya',
  'Theo',
  'Ella',
  'Yusuf',
];
const LAST_NAMES = [
  'Smith',
  'Jones',
  'Taylor',
  'Brown',
  'Williams',
  'Wilson',
  'Müller',
  'Schmidt',
  'Schneider',
  'Fischer',
  'Weber',
  'Martin',
  'Bernard',
  'Dubois',
  'Thomas',
  'Robert',
  'de Jong',
  'Jansen',
  'de Vries',
  'Bakker',
  'García',
  'Fernández',
  'López',
  'Martínez',
  'Murphy',
  'Kelly',
  "O'Brien",
  'Byrne',
  'Peeters',
  'Janssens',
  'Maes',
  'Jacobs',
  'Evans',
  'Walker',
  'Wright',
  'Hughes',
  'Clarke',
  'Hall',
  'Khan',
  'Patel',
];
// Country, dialling code, share of customers (percent) and four cities.
const COUNTRIES: ReadonlyArray<readonly [string, string, number, readonly string[]]> = [
  ['United Kingdom', '+44', 30, ['London', 'Manchester', 'Birmingham', 'Leeds']],
  ['Germany', '+49', 20, ['Berlin', 'Hamburg', 'Munich', 'Cologne']],
  ['France', '+33', 15, ['Paris', 'Lyon', 'Marseille', 'Lille']],
  ['Netherlands', '+31', 10, ['Amsterdam', 'Rotterdam', 'Utrecht', 'Eindhoven']],
  ['Spain', '+34', 10, ['Madrid', 'Barcelona', 'Valencia', 'Seville']],
  ['Ireland', '+353', 8, ['Dublin', 'Cork', 'Galway', 'Limerick']],
  ['Belgium', '+32', 7, ['Brussels', 'Antwerp', 'Ghent', 'Liège']],
];
const EMAIL_DOMAINS = ['mail.example', 'inbox.example', 'post.example', 'webmail.example'];

const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;
const list = (values: readonly string[]) => `[${values.map(quote).join(', ')}]`;
/** A uniform value in [0, 1) from the seed, a row number and a salt. */
const uniform = (seed: number, key: string, salt: string) =>
  `((hash(${seed}, ${key}, '${salt}') % 1000000) / 1000000.0)`;
/**
 * Picks by cumulative percentages: `r` in [0, 100) against `[[value, share], ...]`; the values
 * are quoted as strings unless `literal` says otherwise.
 */
const byShare = (
  r: string,
  shares: ReadonlyArray<readonly [string, number]>,
  literal: (value: string) => string = quote,
) => {
  let upTo = 0;
  const arms = shares.slice(0, -1).map(([value, share]) => {
    upTo += share;
    return `WHEN ${r} < ${upTo} THEN ${literal(value)}`;
  });
  return `CASE ${arms.join(' ')} ELSE ${literal(shares.at(-1)![0])} END`;
};
/** Identifier of the customer numbered `index`: C00000042. */
const customerId = (index: string) => sampleCode('C', 8, index);
/** The words of a list in lower case, as DuckDB lowers them: a constant, computed once. */
const lowered = (values: readonly string[]) => `list_transform(${list(values)}, x -> lower(x))`;
/** Names as an email address spells them: lower case, without accents, letters only. */
const spelled = (values: readonly string[]) =>
  `list_transform(${list(values)}, x -> regexp_replace(strip_accents(lower(x)), '[^a-z]', '', 'g'))`;
/** The clock less whole `seconds`, as microseconds: cheaper than subtracting an interval. */
const beforeClock = (seconds: string) => `make_timestamp(epoch_us(${AS_OF}) - 1000000 * ${seconds})`;

/** A CTE of the row numbers 1..count: range() is read by one thread, a materialized copy by all. */
const numbers = (count: number) => `numbers AS MATERIALIZED (SELECT i FROM range(1, ${count} + 1) AS t(i))`;

/** Customers in the sample at a scale: 5,000 at scale 1, never fewer than 20. */
export const customerCount = (scale: number) => Math.max(20, Math.round(5000 * scale));
/** Web sessions in the sample at a scale: about four per customer. */
export const sessionCount = (scale: number) => 4 * customerCount(scale);

/** What a customer's attributes are drawn from: one hash per customer, split (see sampleDraws). */
const CUSTOMER_DRAWS = {
  first: FIRST_NAMES.length,
  last: LAST_NAMES.length,
  mail: EMAIL_DOMAINS.length,
  city: 4,
  // Percentiles, picked by share.
  phone: 100,
  segment: 100,
  tier: 100,
  country: 100,
  optIn: 100,
} as const;

export const rawCustomers = defineSource({
  domain: customerDomain,
  name: 'customers',
  mode: 'upsert',
  cursor: 'updated_at',
  system: 'CRM (customer relationship management)',
  description: 'Customer master records as exported by the CRM; a customer may appear once per revision.',
  schema: z.object({
    customer_id: z.string().describe('Customer identifier, stable across revisions').meta({ key: true }),
    // Who the row is about, as customer_profile's full_name and email are: their log and rejects
    // carry the domain's PII policy tag, as store staff's names do.
    first_name: z.string().describe('Given name').meta({ pii: true }),
    last_name: z.string().describe('Family name').meta({ pii: true }),
    email: z.string().describe('Contact email address, unique per customer').meta({ pii: true }),
    phone: z
      .string()
      .nullable()
      .describe('Contact phone number in international format, when given')
      .meta({ pii: true }),
    segment: z.enum(SEGMENTS).describe('Commercial segment the CRM files the customer under'),
    loyalty_tier: z.enum(LOYALTY_TIERS).describe('Loyalty programme tier'),
    signup_date: z.iso.date().describe('Day the customer created an account').meta({ happened: true }),
    country: z.string().describe('Country of the billing address'),
    city: z.string().describe('City of the billing address'),
    marketing_opt_in: z.boolean().describe('Consented to receive marketing'),
    updated_at: z.date().describe('When this revision was saved in the CRM (UTC)'),
  }),
  // One row per customer. Identifiers are handed out at signup, so C00000001 is the oldest
  // customer; signups spread over six years, more of them recent (the business grows). The
  // record was last saved between signup and the clock, within the last year. Names are
  // picked by index, so the lower-case spellings of the email come from lists made once,
  // not from string functions on every row. Three hashes per customer: the attributes' (split
  // into their draws), the phone number's and the save time's.
  sample: ({ scale, seed }) => {
    const d = sampleDraws('h', CUSTOMER_DRAWS);
    return `
    WITH ${numbers(customerCount(scale))}
    SELECT
      ${customerId('i')} AS customer_id,
      ${list(FIRST_NAMES)}[first_index] AS first_name,
      ${list(LAST_NAMES)}[last_index] AS last_name,
      concat(${lowered(FIRST_NAMES)}[first_index], '.', ${spelled(LAST_NAMES)}[last_index], i, '@',
        ${list(EMAIL_DOMAINS)}[1 + mail]) AS email,
      CASE WHEN phone_given < 15 THEN NULL
           ELSE concat(${list(COUNTRIES.map((c) => c[1]))}[country_index], ' ', substr(CAST(1000000000 + hash(${seed}, i, 'phone') % 1000000000 AS VARCHAR), 2))
      END AS phone,
      ${byShare('r_segment', [
        ['consumer', 85],
        ['small_business', 10],
        ['corporate', 5],
      ])} AS segment,
      ${byShare('r_tier', [
        ['bronze', 55],
        ['silver', 28],
        ['gold', 12],
        ['platinum', 5],
      ])} AS loyalty_tier,
      CAST(${AS_OF_DATE} - days_ago AS DATE) AS signup_date,
      ${list(COUNTRIES.map((c) => c[0]))}[country_index] AS country,
      ${list(COUNTRIES.flatMap((c) => c[3]))}[4 * country_index - 3 + city_index] AS city,
      r_opt_in < 62 AS marketing_opt_in,
      ${beforeClock(`CAST(hash(${seed}, i, 'updated') % CAST(86400 * least(365, days_ago) AS UBIGINT) AS BIGINT)`)} AS updated_at
    FROM (
      SELECT *,
        ${byShare(
          'r_country',
          COUNTRIES.map((c, k) => [String(k + 1), c[2]] as const),
          (k) => k,
        )} AS country_index
      FROM (
        SELECT i, days_ago,
          1 + ${d.first} AS first_index,
          1 + ${d.last} AS last_index,
          ${d.mail} AS mail,
          ${d.city} AS city_index,
          ${d.phone} AS phone_given,
          ${d.segment} AS r_segment,
          ${d.tier} AS r_tier,
          ${d.country} AS r_country,
          ${d.optIn} AS r_opt_in
        FROM (
          SELECT i, hash(${seed}, i, 'customer') AS h,
            1 + CAST(floor(2189 * pow(1 - (i - 1) / ${customerCount(scale)}, 1.5)) AS INTEGER) AS days_ago
          FROM numbers
        ) AS n
      ) AS d
    ) AS c`;
  },
});

export const webSessions = defineSource({
  domain: customerDomain,
  name: 'web_sessions',
  // The clickstream redelivers a session when late events re-sessionise it: the newest copy counts.
  mode: 'upsert',
  expectedEvery: '1d',
  optional: true,
  system: 'Clickstream (web and app analytics)',
  description:
    'One row per visit of a signed-in customer to the web shop or the app, as sessionised by the clickstream.',
  schema: z.object({
    session_id: z.string().describe('Session identifier').meta({ key: true }),
    customer_id: z.string().describe('Signed-in customer of the session'),
    started_at: z.date().describe('When the session started (UTC)').meta({ happened: true }),
    device: z.enum(DEVICES).describe('Device class: desktop, mobile (browser), tablet or app'),
    page_views: z.int().min(1).describe('Pages viewed in the session, at least one'),
    product_views: z.int().min(0).describe('Product detail pages viewed in the session'),
    added_to_cart: z.boolean().describe('Something was put in the cart during the session'),
    purchased: z.boolean().describe('The session ended with an order'),
  }),
  sampleAfter: ['customer.customers'],
  // A few customers make most visits (Pareto: index 1 + floor(n u^3); low indexes are the
  // oldest, most loyal customers). Days are drawn by weight (weekends x1.3, November x1.5,
  // December x1.8, January x0.8) from integer cumulative weights, restricted to the days
  // from the customer's signup on, so no visit precedes its account and every draw lands on
  // exactly one day (the day whose cumulative weight range holds the draw; each position
  // of that range is mapped to its day once, so a visit finds its day by an equi-join).
  // Customers keep to a habitual device seven times in ten; few visits fall at night.
  sample: ({ scale, seed }) => `
    WITH ${numbers(sessionCount(scale))},
    days AS (
      SELECT day, w, CAST(SUM(w) OVER (ORDER BY day) - w AS BIGINT) AS lo, CAST(SUM(w) OVER () AS BIGINT) AS total
      FROM (
        SELECT day,
          CAST(CASE WHEN dayofweek(day) IN (0, 6) THEN 13 ELSE 10 END
             * CASE month(day) WHEN 11 THEN 15 WHEN 12 THEN 18 WHEN 1 THEN 8 ELSE 10 END AS BIGINT) AS w
        FROM (SELECT CAST(${AS_OF_DATE} - CAST(d AS INTEGER) AS DATE) AS day FROM range(1, 366) AS t(d)) AS d
      ) AS weighted
    ),
    positions AS (SELECT unnest(range(lo, lo + w)) AS position, day FROM days),
    draws AS (
      SELECT t.i, cu.customer_id, t.c, COALESCE(sd.lo, 0) AS lo, (SELECT max(total) FROM days) AS total
      FROM (
        SELECT i, 1 + CAST(floor(${customerCount(scale)} * pow(${uniform(seed, 'i', 'customer')}, 3)) AS INTEGER) AS c
        FROM numbers
      ) AS t
      JOIN (SELECT customer_id, min(signup_date) AS signup_date FROM customer.raw_customers GROUP BY customer_id) AS cu
        ON cu.customer_id = ${customerId('t.c')}
      LEFT JOIN days AS sd ON sd.day = cu.signup_date
    ),
    visits AS (
      SELECT d.i, d.c, d.customer_id, p.day,
        ${byShare(`hash(${seed}, d.c, 'habit') % 100`, [
          ['desktop', 30],
          ['mobile', 45],
          ['tablet', 8],
          ['app', 17],
        ])} AS habit,
        ${byShare(`hash(${seed}, d.i, 'device') % 100`, [
          ['desktop', 30],
          ['mobile', 45],
          ['tablet', 8],
          ['app', 17],
        ])} AS other_device,
        1 + CAST(floor(15 * pow(${uniform(seed, 'd.i', 'pages')}, 2)) AS INTEGER) AS page_views
      FROM (SELECT *, lo + CAST(hash(${seed}, i, 'day') % CAST(total - lo AS UBIGINT) AS BIGINT) AS position FROM draws) AS d
      JOIN positions AS p ON p.position = d.position
    ),
    viewed AS (
      SELECT *,
        CASE WHEN hash(${seed}, i, 'habit?') % 10 < 7 THEN habit ELSE other_device END AS device,
        CAST(floor(page_views * ${uniform(seed, 'i', 'products')}) AS INTEGER) AS product_views
      FROM visits
    ),
    carted AS (
      SELECT *,
        product_views > 0 AND ${uniform(seed, 'i', 'cart')} < 0.18 + 0.02 * least(product_views, 10) AS added_to_cart
      FROM viewed
    )
    SELECT
      printf('WS%010d', i) AS session_id,
      customer_id,
      CAST(day AS TIMESTAMP) + to_seconds(CAST(CASE WHEN hash(${seed}, i, 'night?') % 100 < 5
                                                    THEN hash(${seed}, i, 'time') % 21600
                                                    ELSE 21600 + hash(${seed}, i, 'time') % 64800 END AS BIGINT)) AS started_at,
      device, page_views, product_views, added_to_cart,
      added_to_cart AND ${uniform(seed, 'i', 'buy')} < CASE WHEN device = 'app' THEN 0.55 ELSE 0.4 END AS purchased
    FROM carted`,
});

/** What a saved revision of a customer's preferences is drawn from (see sampleDraws). */
const PREFERENCE_DRAWS = {
  /** Half of those not opted in to marketing refuse every channel. */
  refuse: 2,
  channel: 100,
  category: PRODUCT_CATEGORIES.length,
  newsletter: 100,
  /** Where in its half of the time since signing up a revision was saved, in millionths. */
  save: 1_000_000,
} as const;

export const rawPreferences = defineSource({
  domain: customerDomain,
  name: 'preferences',
  mode: 'upsert',
  cursor: 'updated_at',
  optional: true,
  system: 'Preference centre',
  description:
    'What customers told the preference centre about how and on what to hear from us; one row per saved revision.',
  schema: z.object({
    customer_id: z.string().describe('Customer who saved the preferences').meta({ key: true }),
    preferred_channel: z.enum(CHANNELS).describe('How the customer prefers to be contacted; none to opt out'),
    preferred_category: z.string().describe('Product category the customer is most interested in'),
    newsletter: z.boolean().describe('Subscribed to the newsletter'),
    updated_at: z.date().describe('When this revision was saved (UTC)'),
  }),
  sampleAfter: ['customer.customers'],
  // 12% of customers never visited the preference centre, 18% saved twice (the second
  // revision is the newer), the rest once; all after signing up, within the last year.
  // Customers who did not opt in to marketing pick "none" more often. Generated from the
  // customers' current rows (one per customer) and their identifiers: numbering customers
  // 1..n and joining the identifier built from each number back to them cost 1.7 times as
  // much (scale 100, the generating statement alone: 295 ms against 174). Two hashes of the
  // identifier: whether and how often the customer saved (unsalted: nothing else hashes it),
  // and per revision its draws (see sampleDraws). Times are whole seconds.
  sample: ({ seed }) => {
    const d = sampleDraws('h', PREFERENCE_DRAWS);
    return `
    SELECT customer_id,
      CASE WHEN NOT marketing_opt_in AND refuse = 0 THEN 'none'
           ELSE ${byShare('channel', [
             ['email', 50],
             ['sms', 15],
             ['push', 25],
             ['none', 10],
           ])}
      END AS preferred_channel,
      ${list(PRODUCT_CATEGORIES)}[1 + category] AS preferred_category,
      newsletter < CASE WHEN marketing_opt_in THEN 60 ELSE 10 END AS newsletter,
      -- The first save in the first half of the time since signing up, the second in the second.
      make_timestamp(1000000 * (since + CAST(floor((epoch(${AS_OF}) - since)
        * (0.5 * (rev - 1) + 0.5 * save / 1000000.0)) AS BIGINT))) AS updated_at
    FROM (
      SELECT customer_id, marketing_opt_in, since, rev,
        ${d.refuse} AS refuse, ${d.channel} AS channel, ${d.category} AS category,
        ${d.newsletter} AS newsletter, ${d.save} AS save
      FROM (
        SELECT customer_id, marketing_opt_in, since, rev, hash(${seed}, customer_id, rev) AS h
        FROM (
          SELECT customer_id, marketing_opt_in,
            -- Seconds since the epoch: signed up, or a year before the clock if earlier.
            CAST(greatest(epoch(CAST(signup_date AS TIMESTAMP)), epoch(${AS_OF} - INTERVAL 365 DAY)) AS BIGINT) AS since,
            unnest(CASE WHEN revisions < 30 THEN [1, 2] ELSE [1] END) AS rev
          FROM (
            SELECT customer_id, marketing_opt_in, signup_date, hash(${seed}, customer_id) % 100 AS revisions
            FROM customer.raw_customers
          ) AS cu
          WHERE revisions >= 12
        ) AS c
      ) AS p
    ) AS p`;
  },
});
