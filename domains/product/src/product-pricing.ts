import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { productDomain } from './domain.js';
import { productCatalog } from './product-catalog.js';

export const PRICE_BANDS = ['budget', 'mid', 'premium', 'luxury'] as const;

/** Price position of every active product within its category. */
export const productPricing = defineDataProduct({
  domain: productDomain,
  name: 'product_pricing',
  version: '1.0.2',
  description: 'Shelf price, markup and price position of every active product within its category.',
  tier: 'silver',
  refresh: 'daily',
  access: 'public',
  consumers: ['marketing', 'store'],
  sla: { freshness: '1d', completeness: 0.99, validity: 0.99 },
  schema: z.object({
    product_id: z.string().describe('Catalog identifier').meta({ key: true }),
    category: z.string().describe('Merchandise category'),
    brand: z.string().describe('Brand the product is sold under'),
    unit_cost: z.number().meta({ type: 'decimal' }).describe('Purchase cost of one unit'),
    retail_price: z.number().meta({ type: 'decimal' }).describe('Shelf price of one unit'),
    markup_pct: z
      .number()
      .nullable()
      .describe('(retail_price - unit_cost) / unit_cost x 100; NULL when the cost is 0'),
    category_median_price: z
      .number()
      .meta({ type: 'decimal' })
      .describe('Median shelf price of the active products of the category'),
    price_index: z
      .number()
      .nullable()
      .describe('retail_price / category_median_price x 100: 100 is the median'),
    price_band: z
      .enum(PRICE_BANDS)
      .describe(
        'Quartile of the price within the category, by the middle of its place among the prices: budget (lowest) to luxury (highest); equal prices share a band; a lone product is mid',
      ),
    below_cost: z.boolean().describe('Sold for less than it costs'),
  }),
  clusterBy: ['category', 'price_band'],
  inputs: { catalog: productCatalog },
  // Quartiles by rank, not PERCENTILE_CONT: both warehouses rank the same way. The band is by
  // the middle of a price's places, (products priced lower + half those at the price) over the
  // products, so equal prices share one, and a small category bands as a large one would: a
  // lone product is mid (by its rank alone, luxury), the two of a pair budget and luxury (by
  // rank, mid and luxury). Lower quarters take their upper bound, upper ones their lower bound,
  // so that bands are symmetric. The median is by position.
  transform: ({ catalog }) => sql`
    WITH ranked AS (
      SELECT product_id, category, brand, unit_cost, retail_price,
             ROW_NUMBER() OVER (PARTITION BY category ORDER BY retail_price NULLS LAST, product_id) AS position,
             RANK() OVER (PARTITION BY category ORDER BY retail_price NULLS LAST) AS price_rank,
             COUNT(*) OVER (PARTITION BY category, retail_price) AS at_price,
             COUNT(*) OVER (PARTITION BY category) AS products
      FROM ${catalog}
      WHERE active
    ),
    medians AS (
      SELECT category, AVG(retail_price) AS category_median_price
      FROM ranked
      WHERE position IN (${sql.cast(sql`FLOOR((products + 1) / 2)`, 'integer')}, ${sql.cast(sql`CEIL((products + 1) / 2)`, 'integer')})
      GROUP BY category
    )
    SELECT r.product_id, r.category, r.brand, r.unit_cost, r.retail_price,
           ROUND(${sql.cast(sql.safeDivide(sql`(r.retail_price - r.unit_cost) * 100`, sql`r.unit_cost`), 'decimal')}, 2) AS markup_pct,
           m.category_median_price,
           ROUND(${sql.cast(sql.safeDivide(sql`r.retail_price * 100`, sql`m.category_median_price`), 'decimal')}, 2) AS price_index,
           CASE WHEN (2 * (r.price_rank - 1) + r.at_price) * 2 <= r.products THEN 'budget'
                WHEN 2 * (r.price_rank - 1) + r.at_price <= r.products THEN 'mid'
                WHEN (2 * (r.price_rank - 1) + r.at_price) * 2 < r.products * 3 THEN 'premium'
                ELSE 'luxury' END AS price_band,
           r.retail_price < r.unit_cost AS below_cost
    FROM ranked AS r
    JOIN medians AS m ON m.category = r.category`,
  checks: (c) => [
    c.product_id.unique(),
    c.product_id.notNull(),
    c.price_band.acceptedValues(),
    c.retail_price.range({ min: 0 }),
    c.product_id.references(productCatalog, 'product_id'),
    c.table.rowCount({ min: 1 }),
  ],
});
