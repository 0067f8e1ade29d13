import { defineSource, z } from '@retail-mesh/sdk';
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
/** Catalog identifier of the product numbered `i`. */
const productId = (i: string) => `printf('P%07d', ${i})`;

/** Products in the sample at a scale: 2,000 at scale 1. */
export const productCount = (scale: number) => Math.max(10, Math.round(2000 * scale));

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
  sample: ({ scale, seed }) => `
    WITH ${numbers(productCount(scale))}
    SELECT
      ${productId('i')} AS product_id,
      'SKU-' || upper(substr(md5(CAST(hash(${seed}, i, 'sku') AS VARCHAR)), 1, 8)) AS sku,
      brand || ' ' || category || ' ' || CAST(1 + hash(${seed}, i, 'model') % 900 AS VARCHAR) AS name,
      category, brand,
      round(cost, 2) AS unit_cost,
      -- Most products carry a 20-120% markup; one in fifty is priced below cost (clearance).
      round(CASE WHEN hash(${seed}, i, 'loss') % 50 = 0 THEN cost * 0.85 ELSE cost * (1.2 + (hash(${seed}, i, 'markup') % 100) / 100.0) END, 2) AS retail_price,
      hash(${seed}, i, 'active') % 10 <> 0 AS active,
      CAST(DATE '2019-01-01' + CAST(hash(${seed}, i, 'launch') % 2500 AS INTEGER) AS DATE) AS launched_on,
      ${AS_OF} - to_seconds(CAST(hash(${seed}, i, 'updated') % ${86400 * 60} AS BIGINT)) AS updated_at
    FROM (
      SELECT i,
        ${list([...PRODUCT_CATEGORIES])}[1 + CAST(hash(${seed}, i, 'category') % ${PRODUCT_CATEGORIES.length} AS INTEGER)] AS category,
        ${list(BRANDS)}[1 + CAST(hash(${seed}, i, 'brand') % ${BRANDS.length} AS INTEGER)] AS brand,
        2 + (hash(${seed}, i, 'cost') % 20000) / 100.0 AS cost
      FROM numbers
    ) AS p`,
});

export const stockLevels = defineSource({
  domain: productDomain,
  name: 'stock_levels',
  mode: 'upsert',
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
