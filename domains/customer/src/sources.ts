import { PRODUCT_CATEGORIES } from '@retail-mesh/domain-product';
import { defineSource, z } from '@retail-mesh/sdk';
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
/** Picks by cumulative percentages: `r` in [0, 100) against `[[value, share], ...]`. */
const byShare = (r: string, shares: ReadonlyArray<readonly [string, number]>) => {
  let upTo = 0;
  const arms = shares.slice(0, -1).map(([value, share]) => {
    upTo += share;
    return `WHEN ${r} < ${upTo} THEN ${quote(value)}`;
  });
  return `CASE ${arms.join(' ')} ELSE ${quote(shares.at(-1)![0])} END`;
};
const customerId = (index: string) => `printf('C%08d', ${index})`;
/** The words of a list in lower case, as DuckDB lowers them: a constant, computed once. */
const lowered = (values: readonly string[]) => `list_transform(${list(values)}, x -> lower(x))`;
/** Names as an email address spells them: lower case, without accents, letters only. */
const spelled = (values: readonly string[]) =>
  `list_transform(${list(values)}, x -> regexp_replace(strip_accents(lower(x)), '[^a-z]', '', 'g'))`;

/** A CTE of the row numbers 1..count: range() is read by one thread, a materialized copy by all. */
const numbers = (count: number) => `numbers AS MATERIALIZED (SELECT i FROM range(1, ${count} + 1) AS t(i))`;

/** Customers in the sample at a scale: 5,000 at scale 1, never fewer than 20. */
export const customerCount = (scale: number) => Math.max(20, Math.round(5000 * scale));
/** Web sessions in the sample at a scale: about four per customer. */
export const sessionCount = (scale: number) => 4 * customerCount(scale);

export const rawCustomers = defineSource({
  domain: customerDomain,
  name: 'customers',
  mode: 'upsert',
  cursor: 'updated_at',
  system: 'CRM (customer relationship management)',
  description: 'Customer master records as exported by the CRM; a customer may appear once per revision.',
  schema: z.object({
    customer_id: z.string().describe('Customer identifier, stable across revisions').meta({ key: true }),
    first_name: z.string().describe('Given name'),
    last_name: z.string().describe('Family name'),
    email: z.string().describe('Contact email address, unique per customer'),
    phone: z.string().nullable().describe('Contact phone number in international format, when given'),
    segment: z.enum(SEGMENTS).describe('Commercial segment the CRM files the customer under'),
    loyalty_tier: z.enum(LOYALTY_TIERS).describe('Loyalty programme tier'),
    signup_date: z.iso.date().describe('Day the customer created an account'),
    country: z.string().describe('Country of the billing address'),
    city: z.string().describe('City of the billing address'),
    marketing_opt_in: z.boolean().describe('Consented to receive marketing'),
    updated_at: z.date().describe('When this revision was saved in the CRM (UTC)'),
  }),
  // One row per customer. Identifiers are handed out at signup, so C00000001 is the oldest
  // customer; signups spread over six years, more of them recent (the business grows). The
  // record was last saved between signup and the clock, within the last year. Names are
  // picked by index, so the lower-case spellings of the email come from lists made once,
  // not from string functions on every row.
  sample: ({ scale, seed }) => `
    WITH ${numbers(customerCount(scale))}
    SELECT
      ${customerId('i')} AS customer_id,
      ${list(FIRST_NAMES)}[first_index] AS first_name,
      ${list(LAST_NAMES)}[last_index] AS last_name,
      concat(${lowered(FIRST_NAMES)}[first_index], '.', ${spelled(LAST_NAMES)}[last_index], i, '@',
        ${list(EMAIL_DOMAINS)}[1 + CAST(hash(${seed}, i, 'mail') % ${EMAIL_DOMAINS.length} AS INTEGER)]) AS email,
      CASE WHEN hash(${seed}, i, 'phone?') % 100 < 15 THEN NULL
           ELSE ${list(COUNTRIES.map((c) => c[1]))}[country_index] || ' ' || printf('%09d', hash(${seed}, i, 'phone') % 1000000000)
      END AS phone,
      ${byShare(`hash(${seed}, i, 'segment') % 100`, [
        ['consumer', 85],
        ['small_business', 10],
        ['corporate', 5],
      ])} AS segment,
      ${byShare(`hash(${seed}, i, 'tier') % 100`, [
        ['bronze', 55],
        ['silver', 28],
        ['gold', 12],
        ['platinum', 5],
      ])} AS loyalty_tier,
      CAST(${AS_OF_DATE} - days_ago AS DATE) AS signup_date,
      ${list(COUNTRIES.map((c) => c[0]))}[country_index] AS country,
      [${COUNTRIES.map((c) => list(c[3])).join(', ')}][country_index][1 + CAST(hash(${seed}, i, 'city') % 4 AS INTEGER)] AS city,
      hash(${seed}, i, 'opt-in') % 100 < 62 AS marketing_opt_in,
      ${AS_OF} - to_seconds(CAST(hash(${seed}, i, 'updated') % CAST(86400 * least(365, days_ago) AS UBIGINT) AS BIGINT)) AS updated_at
    FROM (
      SELECT i,
        1 + CAST(hash(${seed}, i, 'first') % ${FIRST_NAMES.length} AS INTEGER) AS first_index,
        1 + CAST(hash(${seed}, i, 'last') % ${LAST_NAMES.length} AS INTEGER) AS last_index,
        CAST(${byShare(
          `hash(${seed}, i, 'country') % 100`,
          COUNTRIES.map((c, k) => [String(k + 1), c[2]] as const),
        )} AS INTEGER) AS country_index,
        1 + CAST(floor(2189 * pow(1 - (i - 1) / ${customerCount(scale)}, 1.5)) AS INTEGER) AS days_ago
      FROM numbers
    ) AS c`,
});

export const webSessions = defineSource({
  domain: customerDomain,
  name: 'web_sessions',
  // The clickstream redelivers a session when late events re-sessionise it: the newest copy counts.
  mode: 'upsert',
  optional: true,
  system: 'Clickstream (web and app analytics)',
  description:
    'One row per visit of a signed-in customer to the web shop or the app, as sessionised by the clickstream.',
  schema: z.object({
    session_id: z.string().describe('Session identifier').meta({ key: true }),
    customer_id: z.string().describe('Signed-in customer of the session'),
    started_at: z.date().describe('When the session started (UTC)'),
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
  // Customers who did not opt in to marketing pick "none" more often.
  sample: ({ scale, seed }) => `
    WITH ${numbers(customerCount(scale))}
    SELECT customer_id,
      CASE WHEN NOT marketing_opt_in AND hash(${seed}, i, rev, 'refuse') % 2 = 0 THEN 'none'
           ELSE ${byShare(`hash(${seed}, i, rev, 'channel') % 100`, [
             ['email', 50],
             ['sms', 15],
             ['push', 25],
             ['none', 10],
           ])}
      END AS preferred_channel,
      ${list(PRODUCT_CATEGORIES)}[1 + CAST(hash(${seed}, i, rev, 'category') % ${PRODUCT_CATEGORIES.length} AS INTEGER)] AS preferred_category,
      CAST(hash(${seed}, i, rev, 'newsletter') % 100 AS INTEGER) < CASE WHEN marketing_opt_in THEN 60 ELSE 10 END AS newsletter,
      since + to_seconds(CAST(floor((epoch(${AS_OF}) - epoch(since))
        * CASE WHEN rev = 1 THEN 0.5 * ${uniform(seed, 'i', 'first-save')} ELSE 0.5 + 0.5 * ${uniform(seed, 'i', 'second-save')} END) AS BIGINT)) AS updated_at
    FROM (
      SELECT t.i, r.rev, cu.customer_id, cu.marketing_opt_in,
        greatest(CAST(cu.signup_date AS TIMESTAMP), ${AS_OF} - INTERVAL 365 DAY) AS since,
        hash(${seed}, t.i, 'revisions') % 100 AS revisions
      FROM numbers AS t
      CROSS JOIN range(1, 3) AS r(rev)
      JOIN (
        SELECT customer_id, arg_max(marketing_opt_in, updated_at) AS marketing_opt_in, min(signup_date) AS signup_date
        FROM customer.raw_customers GROUP BY customer_id
      ) AS cu ON cu.customer_id = ${customerId('t.i')}
    ) AS p
    WHERE revisions >= 12 AND (rev = 1 OR revisions < 30)`,
});
