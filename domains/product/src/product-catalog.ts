import { defineDataProduct, sql, WHITESPACE_CODE_POINTS, z } from '@retail-mesh/sdk';
import { productDomain } from './domain.js';
import { rawProducts } from './sources.js';

/**
 * What two spellings of a category that look alike may differ by, as an RE2 class both
 * warehouses read: whitespace anywhere (Unicode's, which `sql.trim` strips around it) and the
 * format characters that show as nothing: soft hyphen, zero-width space, non-joiner and joiner,
 * word joiner, byte order mark (copied from a web page, a PDF or a spreadsheet).
 */
const UNSEEN = `[${[...WHITESPACE_CODE_POINTS, 0xad, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff]
  .map((c) => `\\x{${c.toString(16).toUpperCase()}}`)
  .join('')}]`;

/** The current revision of every product, active or not. */
export const productCatalog = defineDataProduct({
  domain: productDomain,
  name: 'product_catalog',
  version: '1.0.2',
  description: 'The current revision of every product in the PIM, active and discontinued.',
  tier: 'gold',
  refresh: 'hourly',
  access: 'public',
  consumers: ['product.product_inventory', 'order', 'marketing', 'store'],
  sla: { freshness: '2h', completeness: 0.99, validity: 0.99 },
  schema: z.object({
    product_id: z.string().describe('Catalog identifier').meta({ key: true }),
    sku: z.string().describe('Stock keeping unit printed on the label'),
    name: z.string().describe('Product name as shown to customers'),
    category: z.string().describe('Merchandise category'),
    brand: z.string().describe('Brand the product is sold under'),
    unit_cost: z.number().meta({ type: 'decimal' }).describe('Purchase cost of one unit'),
    retail_price: z.number().meta({ type: 'decimal' }).describe('Shelf price of one unit, before promotions'),
    active: z.boolean().describe('Sold at present; discontinued products are inactive'),
    launched_on: z.iso.date().describe('First day the product was on sale'),
    updated_at: z.date().describe('When the current revision was saved in the PIM (UTC)'),
  }),
  clusterBy: ['category', 'brand'],
  inputs: { products: rawProducts },
  // The PIM exports one row per revision: keep the newest of each product.
  transform: ({ products }) => sql`
    SELECT product_id, sku, ${sql.trim(sql`name`)} AS name, ${sql.trim(sql`category`)} AS category, ${sql.trim(sql`brand`)} AS brand,
           unit_cost, retail_price, active, launched_on, updated_at
    FROM (
      SELECT p.*, ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY updated_at DESC, sku NULLS LAST) AS revision
      FROM ${products} AS p
    ) AS latest
    WHERE revision = 1`,
  checks: (c) => [
    c.product_id.unique(),
    c.product_id.notNull(),
    c.sku.notNull(),
    c.category.notNull(),
    c.unit_cost.range({ min: 0 }),
    c.retail_price.range({ min: 0 }),
    c.table.rowCount({ min: 1 }),
    // A category is free text: FOOTWEAR in one export and Footwear in another would split every
    // figure per category in two (half its products out of stock, another median price); so
    // would Apparel with a zero-width space after it, which looks the same. Compared folded:
    // lower case, without what does not show.
    c.table
      .assert(
        'categories_spelt_two_ways',
        (self) =>
          sql`SELECT folded FROM (SELECT ${sql.lower(sql.regexpReplace(sql`category`, UNSEEN, ''))} AS folded, category FROM ${self}) AS c GROUP BY folded HAVING COUNT(DISTINCT category) > 1`,
      )
      .warn(),
  ],
});
