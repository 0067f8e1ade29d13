import { defineDataProduct, sql, z } from '@retail-mesh/sdk';
import { productDomain } from './domain.js';
import { productInventory } from './product-inventory.js';

/** Stock health and value of each category, for merchandisers. */
export const productCategorySummary = defineDataProduct({
  domain: productDomain,
  name: 'product_category_summary',
  version: '1.0.1',
  description: 'Per category: active products, stock-outs, low stock, inventory value and average margin.',
  tier: 'silver',
  refresh: 'hourly',
  access: 'public',
  consumers: ['store', 'marketing'],
  sla: { freshness: '2h', completeness: 0.99, validity: 0.99 },
  schema: z.object({
    category: z.string().describe('Merchandise category').meta({ key: true }),
    active_products: z.int().describe('Active products in the category'),
    out_of_stock_products: z.int().describe('Active products with no stock on hand'),
    low_stock_products: z
      .int()
      .describe(
        'Active products with stock on hand at or below their reorder point; those with none are out_of_stock_products',
      ),
    out_of_stock_rate: z.number().describe('out_of_stock_products / active_products'),
    units_on_hand: z.int().describe('Units on hand over the category (oversold products count as 0)'),
    inventory_value: z
      .number()
      .meta({ type: 'decimal' })
      .describe('Inventory value of the stock on hand over the category (oversold products count as 0)'),
    average_margin: z.number().meta({ type: 'decimal' }).describe('Average unit margin over the category'),
    brands: z.int().describe('Distinct brands in the category'),
  }),
  inputs: { inventory: productInventory },
  // Units and value alike count the stock on hand: an oversold product's negative value would
  // take value off the category's other products while its units count as none.
  transform: ({ inventory }) => sql`
    SELECT category,
           COUNT(*) AS active_products,
           SUM(CASE WHEN stock_status = 'OUT_OF_STOCK' THEN 1 ELSE 0 END) AS out_of_stock_products,
           SUM(CASE WHEN stock_status = 'LOW_STOCK' THEN 1 ELSE 0 END) AS low_stock_products,
           ${sql.safeDivide(sql`SUM(CASE WHEN stock_status = 'OUT_OF_STOCK' THEN 1 ELSE 0 END)`, sql`COUNT(*)`)} AS out_of_stock_rate,
           SUM(CASE WHEN stock > 0 THEN stock ELSE 0 END) AS units_on_hand,
           SUM(CASE WHEN stock > 0 THEN inventory_value ELSE 0 END) AS inventory_value,
           AVG(margin) AS average_margin,
           COUNT(DISTINCT brand) AS brands
    FROM ${inventory}
    GROUP BY category`,
  checks: (c) => [
    c.category.unique(),
    c.category.notNull(),
    c.out_of_stock_rate.range({ min: 0, max: 1 }),
    c.active_products.range({ min: 1 }),
    c.table.expect('stock_counts_add_up', sql`out_of_stock_products + low_stock_products <= active_products`),
  ],
});
