-- product.product_pricing 1.0.0: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH ranked AS (
      SELECT product_id, category, brand, unit_cost, retail_price,
             ROW_NUMBER() OVER (PARTITION BY category ORDER BY retail_price NULLS LAST, product_id) AS position,
             COUNT(*) OVER (PARTITION BY category) AS products
      FROM `retail-mesh-prod`.`product`.`product_catalog`
      WHERE active
    ),
    medians AS (
      SELECT category, AVG(retail_price) AS category_median_price
      FROM ranked
      WHERE position IN (CAST(FLOOR((products + 1) / 2) AS INT64), CAST(CEIL((products + 1) / 2) AS INT64))
      GROUP BY category
    )
    SELECT r.product_id, r.category, r.brand, r.unit_cost, r.retail_price,
           ROUND(CAST(SAFE_DIVIDE((r.retail_price - r.unit_cost) * 100, r.unit_cost) AS NUMERIC), 2) AS markup_pct,
           m.category_median_price,
           ROUND(CAST(SAFE_DIVIDE(r.retail_price * 100, m.category_median_price) AS NUMERIC), 2) AS price_index,
           CASE WHEN r.position * 4 <= r.products THEN 'budget'
                WHEN r.position * 4 <= r.products * 2 THEN 'mid'
                WHEN r.position * 4 <= r.products * 3 THEN 'premium'
                ELSE 'luxury' END AS price_band,
           r.retail_price < r.unit_cost AS below_cost
    FROM ranked AS r
    JOIN medians AS m ON m.category = r.category;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`product`.`_staging_product_pricing` (
  `product_id` STRING OPTIONS(description='Catalog identifier'),
  `category` STRING OPTIONS(description='Merchandise category'),
  `brand` STRING OPTIONS(description='Brand the product is sold under'),
  `unit_cost` NUMERIC OPTIONS(description='Purchase cost of one unit'),
  `retail_price` NUMERIC OPTIONS(description='Shelf price of one unit'),
  `markup_pct` FLOAT64 OPTIONS(description='(retail_price - unit_cost) / unit_cost x 100; NULL when the cost is 0'),
  `category_median_price` NUMERIC OPTIONS(description='Median shelf price of the active products of the category'),
  `price_index` FLOAT64 OPTIONS(description='retail_price / category_median_price x 100: 100 is the median'),
  `price_band` STRING OPTIONS(description='Quartile of the price within the category: budget (lowest) to luxury (highest)'),
  `below_cost` BOOL OPTIONS(description='Sold for less than it costs'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
CLUSTER BY `category`, `price_band`
OPTIONS(description='Shelf price, markup and price position of every active product within its category.', labels=[('domain', 'product'), ('product', 'product_pricing'), ('tier', 'silver'), ('version', '1-0-0')])
AS SELECT CAST(`q`.`product_id` AS STRING) AS `product_id`, CAST(`q`.`category` AS STRING) AS `category`, CAST(`q`.`brand` AS STRING) AS `brand`, CAST(`q`.`unit_cost` AS NUMERIC) AS `unit_cost`, CAST(`q`.`retail_price` AS NUMERIC) AS `retail_price`, CAST(`q`.`markup_pct` AS FLOAT64) AS `markup_pct`, CAST(`q`.`category_median_price` AS NUMERIC) AS `category_median_price`, CAST(`q`.`price_index` AS FLOAT64) AS `price_index`, CAST(`q`.`price_band` AS STRING) AS `price_band`, CAST(`q`.`below_cost` AS BOOL) AS `below_cost`, CAST('product' AS STRING) AS `_domain`, CAST('product_pricing' AS STRING) AS `_product`, CAST('1.0.0' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH ranked AS (
      SELECT product_id, category, brand, unit_cost, retail_price,
             ROW_NUMBER() OVER (PARTITION BY category ORDER BY retail_price NULLS LAST, product_id) AS position,
             COUNT(*) OVER (PARTITION BY category) AS products
      FROM `retail-mesh-prod`.`product`.`product_catalog`
      WHERE active
    ),
    medians AS (
      SELECT category, AVG(retail_price) AS category_median_price
      FROM ranked
      WHERE position IN (CAST(FLOOR((products + 1) / 2) AS INT64), CAST(CEIL((products + 1) / 2) AS INT64))
      GROUP BY category
    )
    SELECT r.product_id, r.category, r.brand, r.unit_cost, r.retail_price,
           ROUND(CAST(SAFE_DIVIDE((r.retail_price - r.unit_cost) * 100, r.unit_cost) AS NUMERIC), 2) AS markup_pct,
           m.category_median_price,
           ROUND(CAST(SAFE_DIVIDE(r.retail_price * 100, m.category_median_price) AS NUMERIC), 2) AS price_index,
           CASE WHEN r.position * 4 <= r.products THEN 'budget'
                WHEN r.position * 4 <= r.products * 2 THEN 'mid'
                WHEN r.position * 4 <= r.products * 3 THEN 'premium'
                ELSE 'luxury' END AS price_band,
           r.retail_price < r.unit_cost AS below_cost
    FROM ranked AS r
    JOIN medians AS m ON m.category = r.category) AS q;

-- checks (one query for the whole suite)
SELECT COUNT(*) AS `row_count`, COUNT(`t`.`product_id`) AS `nn_0`, COUNT(`t`.`category`) AS `nn_1`, COUNT(`t`.`brand`) AS `nn_2`, COUNT(`t`.`unit_cost`) AS `nn_3`, COUNT(`t`.`retail_price`) AS `nn_4`, COUNT(`t`.`category_median_price`) AS `nn_5`, COUNT(`t`.`price_band`) AS `nn_6`, COUNT(`t`.`below_cost`) AS `nn_7`, COUNT(`t`.`product_id`) - COUNT(DISTINCT `t`.`product_id`) AS `check_0`, COUNT(*) - COUNT(`t`.`product_id`) AS `check_1`, SUM(CASE WHEN `t`.`price_band` IS NOT NULL AND `t`.`price_band` NOT IN ('budget', 'mid', 'premium', 'luxury') THEN 1 ELSE 0 END) AS `check_2`, SUM(CASE WHEN `t`.`retail_price` < 0 THEN 1 ELSE 0 END) AS `check_3`, (SELECT COUNT(*) FROM `retail-mesh-prod`.`product`.`_staging_product_pricing` AS x WHERE `x`.`product_id` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`product`.`product_catalog` AS r WHERE `r`.`product_id` = `x`.`product_id`)) AS `check_4`, COUNT(*) AS `check_5` FROM `retail-mesh-prod`.`product`.`_staging_product_pricing` AS t;
