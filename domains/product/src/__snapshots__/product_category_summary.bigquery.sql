-- product.product_category_summary 1.0.1: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
SELECT category,
           COUNT(*) AS active_products,
           SUM(CASE WHEN stock_status = 'OUT_OF_STOCK' THEN 1 ELSE 0 END) AS out_of_stock_products,
           SUM(CASE WHEN stock_status = 'LOW_STOCK' THEN 1 ELSE 0 END) AS low_stock_products,
           SAFE_DIVIDE(SUM(CASE WHEN stock_status = 'OUT_OF_STOCK' THEN 1 ELSE 0 END), COUNT(*)) AS out_of_stock_rate,
           SUM(CASE WHEN stock > 0 THEN stock ELSE 0 END) AS units_on_hand,
           SUM(CASE WHEN stock > 0 THEN inventory_value ELSE 0 END) AS inventory_value,
           AVG(margin) AS average_margin,
           COUNT(DISTINCT brand) AS brands
    FROM `retail-mesh-prod`.`product`.`product_inventory`
    GROUP BY category;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`product`.`_staging_product_category_summary` (
  `category` STRING OPTIONS(description='Merchandise category'),
  `active_products` INT64 OPTIONS(description='Active products in the category'),
  `out_of_stock_products` INT64 OPTIONS(description='Active products with no stock on hand'),
  `low_stock_products` INT64 OPTIONS(description='Active products with stock on hand at or below their reorder point; those with none are out_of_stock_products'),
  `out_of_stock_rate` FLOAT64 OPTIONS(description='out_of_stock_products / active_products'),
  `units_on_hand` INT64 OPTIONS(description='Units on hand over the category (oversold products count as 0)'),
  `inventory_value` NUMERIC OPTIONS(description='Inventory value of the stock on hand over the category (oversold products count as 0)'),
  `average_margin` NUMERIC OPTIONS(description='Average unit margin over the category'),
  `brands` INT64 OPTIONS(description='Distinct brands in the category'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
OPTIONS(description='Per category: active products, stock-outs, low stock, inventory value and average margin.', labels=[('domain', 'product'), ('product', 'product_category_summary'), ('tier', 'silver'), ('version', '1-0-1')])
AS SELECT CAST(`q`.`category` AS STRING) AS `category`, IF(CAST(`q`.`active_products` AS FLOAT64) <> TRUNC(CAST(`q`.`active_products` AS FLOAT64)), ERROR(CONCAT('column active_products: the transform gives ', CAST(`q`.`active_products` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`active_products` AS INT64)) AS `active_products`, IF(CAST(`q`.`out_of_stock_products` AS FLOAT64) <> TRUNC(CAST(`q`.`out_of_stock_products` AS FLOAT64)), ERROR(CONCAT('column out_of_stock_products: the transform gives ', CAST(`q`.`out_of_stock_products` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`out_of_stock_products` AS INT64)) AS `out_of_stock_products`, IF(CAST(`q`.`low_stock_products` AS FLOAT64) <> TRUNC(CAST(`q`.`low_stock_products` AS FLOAT64)), ERROR(CONCAT('column low_stock_products: the transform gives ', CAST(`q`.`low_stock_products` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`low_stock_products` AS INT64)) AS `low_stock_products`, CAST(`q`.`out_of_stock_rate` AS FLOAT64) AS `out_of_stock_rate`, IF(CAST(`q`.`units_on_hand` AS FLOAT64) <> TRUNC(CAST(`q`.`units_on_hand` AS FLOAT64)), ERROR(CONCAT('column units_on_hand: the transform gives ', CAST(`q`.`units_on_hand` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`units_on_hand` AS INT64)) AS `units_on_hand`, CAST(`q`.`inventory_value` AS NUMERIC) AS `inventory_value`, CAST(`q`.`average_margin` AS NUMERIC) AS `average_margin`, IF(CAST(`q`.`brands` AS FLOAT64) <> TRUNC(CAST(`q`.`brands` AS FLOAT64)), ERROR(CONCAT('column brands: the transform gives ', CAST(`q`.`brands` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`brands` AS INT64)) AS `brands`, CAST('product' AS STRING) AS `_domain`, CAST('product_category_summary' AS STRING) AS `_product`, CAST('1.0.1' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    SELECT category,
           COUNT(*) AS active_products,
           SUM(CASE WHEN stock_status = 'OUT_OF_STOCK' THEN 1 ELSE 0 END) AS out_of_stock_products,
           SUM(CASE WHEN stock_status = 'LOW_STOCK' THEN 1 ELSE 0 END) AS low_stock_products,
           SAFE_DIVIDE(SUM(CASE WHEN stock_status = 'OUT_OF_STOCK' THEN 1 ELSE 0 END), COUNT(*)) AS out_of_stock_rate,
           SUM(CASE WHEN stock > 0 THEN stock ELSE 0 END) AS units_on_hand,
           SUM(CASE WHEN stock > 0 THEN inventory_value ELSE 0 END) AS inventory_value,
           AVG(margin) AS average_margin,
           COUNT(DISTINCT brand) AS brands
    FROM `retail-mesh-prod`.`product`.`product_inventory`
    GROUP BY category) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `u`.`p0` AS `check_2`, `u`.`p1` AS `check_3`, `u`.`p2` AS `check_4`, `s`.`row_count` - `s`.`nn_1` AS `check_5`, `s`.`row_count` - `s`.`nn_2` AS `check_6`, `s`.`row_count` - `s`.`nn_3` AS `check_7`, `s`.`row_count` - `s`.`nn_4` AS `check_8`, `s`.`row_count` - `s`.`nn_5` AS `check_9`, `s`.`row_count` - `s`.`nn_6` AS `check_10`, `s`.`row_count` - `s`.`nn_7` AS `check_11`, `s`.`row_count` - `s`.`nn_8` AS `check_12` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`category`) AS `nn_0`, COUNT(`t`.`active_products`) AS `nn_1`, COUNT(`t`.`out_of_stock_products`) AS `nn_2`, COUNT(`t`.`low_stock_products`) AS `nn_3`, COUNT(`t`.`out_of_stock_rate`) AS `nn_4`, COUNT(`t`.`units_on_hand`) AS `nn_5`, COUNT(`t`.`inventory_value`) AS `nn_6`, COUNT(`t`.`average_margin`) AS `nn_7`, COUNT(`t`.`brands`) AS `nn_8` FROM `retail-mesh-prod`.`product`.`_staging_product_category_summary` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`category` AS `k0` FROM `retail-mesh-prod`.`product`.`_staging_product_category_summary` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`product`.`_staging_product_category_summary` AS t WHERE `t`.`out_of_stock_rate` < 0 OR `t`.`out_of_stock_rate` > 1) UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`product`.`_staging_product_category_summary` AS t WHERE `t`.`active_products` < 1) UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`product`.`_staging_product_category_summary` AS t WHERE NOT COALESCE((out_of_stock_products + low_stock_products <= active_products), FALSE))) AS f) AS u;
