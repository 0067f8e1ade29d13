import { defineSource, sampleCode, sampleDraws, z } from '@retail-mesh/sdk';
import { productDomain } from './domain.js';

/** The sample's clock: generated timestamps fall before it, so a seed always gives the same rows. */
const AS_OF = "TIMESTAMP '2026-11-01 00:00:00'";

/** The merchandise categories of the sample catalog; other domains' samples draw from them too. */
export const PRODUCT_CATEGORIES = [
  'Apparel',
  'Footwear',
  'Electronics',
  'Home',
  'Kitchen',
  'Beauty',
  'Toys',
  'Sports',
  'Grocery',
  'Garden',
  'Books',
  'Pets',
] as const;

const BRANDS = [
  'Northwind',
  'Contoso',
  'Fabrikam',
  'Tailspin',
  'Litware',
  'Adventure Works',
  'Proseware',
  'Wingtip',
  'Woodgrove',
  'Alpine',
  'Blue Yonder',
  'Coho',
  'Fourth Coffee',
  'Graphic Design',
  'Humongous',
  'Lucerne',
  'Margie',
  'Nod',
  'Relecloud',
  'Trey',
];

const list = (values: string[]) => `[${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')}]`;

/** A CTE of the row numbers 1..count: range() is read by one thread, a materialized copy by all. */
const numbers = (count: number) => `numbers AS MATERIALIZED (SELECT i FROM range(1, ${count} + 1) AS t(i))`;
/** Catalog identifier of the product numbered `i`: P0000042. */
const productId = (i: string) => sampleCode('P', 7, i);
/** The clock less whole `seconds`, as microseconds: cheaper than subtracting an interval. */
const beforeClock = (seconds: string) => `make_timestamp(epoch_us(${AS_OF}) - 1000000 * ${seconds})`;

/** Products in the sample at a scale: 2,000 at scale 1. */
export const productCount = (scale: number) => Math.max(10, Math.round(2000 * scale));

/** What a product's attributes are drawn from: one hash per product, split (see sampleDraws). */
const PRODUCT_DRAWS = {
  category: PRODUCT_CATEGORIES.length,
  brand: BRANDS.length,
  /** Unit cost in cents above 2.00. */
  cost: 20000,
  model: 900,
  /** One in fifty is priced below cost. */
  loss: 50,
  /** Markup in percent above 20. */
  markup: 100,
  /** One in ten is inactive. */
  active: 10,
} as const;
/** The SKU's 32 bits and the launch day, from a second hash. */
const LABEL_DRAWS = { sku: 2 ** 32, launch: 2500 } as const;

export const rawProducts = defineSource({
  domain: productDomain,
  name: 'products',
  mode: 'upsert',
  cursor: 'updated_at',
  system: 'PIM (product information management)',
  description: 'Product master records as exported by the PIM; a product may appear once per revision.',
  schema: z.object({
    product_id: z.string().describe('Catalog identifier, stable across revisions').meta({ key: true }),
    sku: z.string().describe('Stock keeping unit printed on the label'),
    name: z.string().describe('Product name as shown to customers'),
    category: z.string().describe('Merchandise category'),
    brand: z.string().describe('Brand the product is sold under'),
    unit_cost: z.number().min(0).meta({ type: 'decimal' }).describe('Purchase cost of one unit'),
    retail_price: z
      .number()
      .min(0)
      .meta({ type: 'decimal' })
      .describe('Shelf price of one unit, before promotions'),
    active: z.boolean().describe('Sold at present; discontinued products are inactive'),
    launched_on: z.iso.date().describe('First day the product was on sale'),
    updated_at: z.date().describe('When this revision was saved in the PIM (UTC)'),
  }),
  // Three hashes per product (attributes, label, save time), each split into its draws.
  // Prices are whole cents, computed exactly and rounded half up.
  sample: ({ scale, seed }) => {
    const d = sampleDraws('h', PRODUCT_DRAWS);
    const l = sampleDraws('g', LABEL_DRAWS);
    return `
    WITH ${numbers(productCount(scale))}
    SELECT
      ${productId('i')} AS product_id,
      printf('SKU-%08X', sku) AS sku,
      concat(brand, ' ', category, ' ', model) AS name,
      category, brand,
      CAST(cents / 100 AS DECIMAL(18, 2)) AS unit_cost,
      -- Most products carry a 20-120% markup; one in fifty is priced below cost (clearance).
      CAST(CASE WHEN loss = 0 THEN (cents * 85 + 50) // 100 ELSE (cents * (120 + markup) + 50) // 100 END / 100 AS DECIMAL(18, 2)) AS retail_price,
      active,
      CAST(DATE '2019-01-01' + CAST(launch AS INTEGER) AS DATE) AS launched_on,
      ${beforeClock(`CAST(hash(${seed}, i, 'updated') % ${86400 * 60} AS BIGINT)`)} AS updated_at
    FROM (
      SELECT i,
        ${list([...PRODUCT_CATEGORIES])}[1 + ${d.category}] AS category,
        ${list(BRANDS)}[1 + ${d.brand}] AS brand,
        200 + ${d.cost} AS cents,
        1 + ${d.model} AS model,
        ${d.loss} AS loss,
        ${d.markup} AS markup,
        ${d.active} <> 0 AS active,
        ${l.sku} AS sku,
        ${l.launch} AS launch
      FROM (SELECT i, hash(${seed}, i, 'product') AS h, hash(${seed}, i, 'label') AS g FROM numbers) AS n
    ) AS p`;
  },
});

export const stockLevels = defineSource({
  domain: productDomain,
  name: 'stock_levels',
  mode: 'upsert',
  expectedEvery: '1d',
  cursor: 'updated_at',
  system: 'WMS (warehouse management system)',
  description: 'Stock on hand per product as counted by the WMS; the latest count per product is current.',
  schema: z.object({
    product_id: z.string().describe('Catalog identifier of the counted product').meta({ key: true }),
    stock: z.int().describe('Units on hand; negative when more was sold than counted'),
    reorder_point: z.int().min(0).describe('Stock level at or below which the product is reordered'),
    updated_at: z.date().describe('When the count was taken (UTC)'),
  }),
  // A hash is a UBIGINT: with a signed operand (reorder_point) its arithmetic would run in
  // HUGEINT, many times slower, hence the casts.
  sample: ({ scale, seed }) => `
    WITH ${numbers(productCount(scale))}
    SELECT
      ${productId('i')} AS product_id,
      CASE
        WHEN r < 2 THEN -CAST(1 + hash(${seed}, i, 'oversold') % 3 AS INTEGER)   -- oversold
        WHEN r < 8 THEN 0                                                          -- out of stock
        WHEN r < 22 THEN CAST(1 + hash(${seed}, i, 'low') % CAST(reorder_point AS UBIGINT) AS INTEGER) -- at or below reorder point
        ELSE reorder_point + 1 + CAST(hash(${seed}, i, 'stock') % 400 AS INTEGER)
      END AS stock,
      reorder_point,
      ${AS_OF} - to_seconds(CAST(hash(${seed}, i, 'counted') % 86400 AS BIGINT)) AS updated_at
    FROM (
      SELECT i, hash(${seed}, i, 'status') % 100 AS r, CAST(5 + hash(${seed}, i, 'reorder') % 20 AS INTEGER) AS reorder_point
      FROM numbers
    ) AS s`,
});
