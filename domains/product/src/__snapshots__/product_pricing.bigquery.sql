-- product.product_pricing 1.0.2: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH ranked AS (
      SELECT product_id, category, brand, unit_cost, retail_price,
             ROW_NUMBER() OVER (PARTITION BY category ORDER BY retail_price NULLS LAST, product_id) AS position,
             RANK() OVER (PARTITION BY category ORDER BY retail_price NULLS LAST) AS price_rank,
             COUNT(*) OVER (PARTITION BY category, retail_price) AS at_price,
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
           CASE WHEN (2 * (r.price_rank - 1) + r.at_price) * 2 <= r.products THEN 'budget'
                WHEN 2 * (r.price_rank - 1) + r.at_price <= r.products THEN 'mid'
                WHEN (2 * (r.price_rank - 1) + r.at_price) * 2 < r.products * 3 THEN 'premium'
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
  `price_band` STRING OPTIONS(description='Quartile of the price within the category, by the middle of its place among the prices: budget (lowest) to luxury (highest); equal prices share a band; a lone product is mid'),
  `below_cost` BOOL OPTIONS(description='Sold for less than it costs'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
CLUSTER BY `category`, `price_band`
OPTIONS(description='Shelf price, markup and price position of every active product within its category.', labels=[('domain', 'product'), ('product', 'product_pricing'), ('tier', 'silver'), ('version', '1-0-2')])
AS SELECT CAST(`q`.`product_id` AS STRING) AS `product_id`, CAST(`q`.`category` AS STRING) AS `category`, CAST(`q`.`brand` AS STRING) AS `brand`, CAST(`q`.`unit_cost` AS NUMERIC) AS `unit_cost`, CAST(`q`.`retail_price` AS NUMERIC) AS `retail_price`, CAST(`q`.`markup_pct` AS FLOAT64) AS `markup_pct`, CAST(`q`.`category_median_price` AS NUMERIC) AS `category_median_price`, CAST(`q`.`price_index` AS FLOAT64) AS `price_index`, CAST(`q`.`price_band` AS STRING) AS `price_band`, CAST(`q`.`below_cost` AS BOOL) AS `below_cost`, CAST('product' AS STRING) AS `_domain`, CAST('product_pricing' AS STRING) AS `_product`, CAST('1.0.2' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH ranked AS (
      SELECT product_id, category, brand, unit_cost, retail_price,
             ROW_NUMBER() OVER (PARTITION BY category ORDER BY retail_price NULLS LAST, product_id) AS position,
             RANK() OVER (PARTITION BY category ORDER BY retail_price NULLS LAST) AS price_rank,
             COUNT(*) OVER (PARTITION BY category, retail_price) AS at_price,
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
           CASE WHEN (2 * (r.price_rank - 1) + r.at_price) * 2 <= r.products THEN 'budget'
                WHEN 2 * (r.price_rank - 1) + r.at_price <= r.products THEN 'mid'
                WHEN (2 * (r.price_rank - 1) + r.at_price) * 2 < r.products * 3 THEN 'premium'
                ELSE 'luxury' END AS price_band,
           r.retail_price < r.unit_cost AS below_cost
    FROM ranked AS r
    JOIN medians AS m ON m.category = r.category) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `u`.`p0` AS `check_2`, `u`.`p1` AS `check_3`, `u`.`p2` AS `check_4`, `s`.`row_count` AS `check_5`, `s`.`row_count` - `s`.`nn_1` AS `check_6`, `s`.`row_count` - `s`.`nn_2` AS `check_7`, `s`.`row_count` - `s`.`nn_3` AS `check_8`, `s`.`row_count` - `s`.`nn_4` AS `check_9`, `s`.`row_count` - `s`.`nn_5` AS `check_10`, `s`.`row_count` - `s`.`nn_6` AS `check_11`, `s`.`row_count` - `s`.`nn_7` AS `check_12` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`product_id`) AS `nn_0`, COUNT(`t`.`category`) AS `nn_1`, COUNT(`t`.`brand`) AS `nn_2`, COUNT(`t`.`unit_cost`) AS `nn_3`, COUNT(`t`.`retail_price`) AS `nn_4`, COUNT(`t`.`category_median_price`) AS `nn_5`, COUNT(`t`.`price_band`) AS `nn_6`, COUNT(`t`.`below_cost`) AS `nn_7` FROM `retail-mesh-prod`.`product`.`_staging_product_pricing` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`product_id` AS `k0` FROM `retail-mesh-prod`.`product`.`_staging_product_pricing` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`product`.`_staging_product_pricing` AS t WHERE `t`.`price_band` <> 'budget' AND `t`.`price_band` <> 'mid' AND `t`.`price_band` <> 'premium' AND `t`.`price_band` <> 'luxury') UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`product`.`_staging_product_pricing` AS t WHERE `t`.`retail_price` < 0) UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`product`.`_staging_product_pricing` AS t WHERE `t`.`product_id` IS NOT NULL AND `t`.`product_id` NOT IN (SELECT `r`.`product_id` FROM `retail-mesh-prod`.`product`.`product_catalog` AS r WHERE `r`.`product_id` IS NOT NULL))) AS f) AS u;
