-- order.order_product_daily_sales 1.0.0: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH daily AS (
      SELECT i.order_date, i.product_id, i.category,
             COUNT(DISTINCT i.order_id) AS orders,
             SUM(i.quantity) AS units,
             SUM(i.quantity * i.unit_price) AS gross_revenue,
             SUM(i.line_amount) AS net_revenue,
             SUM(i.returned_quantity) AS returned_units
      FROM `retail-mesh-prod`.`order`.`order_items` AS i
      JOIN `retail-mesh-prod`.`order`.`order_transactions` AS t ON t.order_id = i.order_id
      WHERE t.status <> 'cancelled'
      GROUP BY i.order_date, i.product_id, i.category
    )
    SELECT order_date, product_id, category, orders, units, gross_revenue, net_revenue, returned_units,
           SAFE_DIVIDE(returned_units, units) AS return_rate,
           RANK() OVER (PARTITION BY order_date, category ORDER BY net_revenue DESC) AS category_rank
    FROM daily;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`order`.`_staging_order_product_daily_sales` (
  `order_date` DATE OPTIONS(description='UTC date the orders were placed'),
  `product_id` STRING OPTIONS(description='Catalog identifier of the product sold'),
  `category` STRING OPTIONS(description='Merchandise category of the product'),
  `orders` INT64 OPTIONS(description='Orders with at least one line of the product'),
  `units` INT64 OPTIONS(description='Units sold'),
  `gross_revenue` NUMERIC OPTIONS(description='Sum of quantity x unit_price'),
  `net_revenue` NUMERIC OPTIONS(description='Sum of line amounts: after discounts, before refunds'),
  `returned_units` INT64 OPTIONS(description='Units of those sales returned so far'),
  `return_rate` FLOAT64 OPTIONS(description='returned_units / units'),
  `category_rank` INT64 OPTIONS(description='Rank of net_revenue within the category that day: 1 is the best seller, ties share a rank'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
PARTITION BY `order_date`
CLUSTER BY `category`, `product_id`
OPTIONS(description='Per product and order day: orders, units, revenue, units returned since and the rank of the product within its category that day; cancelled orders excluded.', labels=[('domain', 'order'), ('product', 'order_product_daily_sales'), ('tier', 'silver'), ('version', '1-0-0')])
AS SELECT CAST(`q`.`order_date` AS DATE) AS `order_date`, CAST(`q`.`product_id` AS STRING) AS `product_id`, CAST(`q`.`category` AS STRING) AS `category`, CAST(`q`.`orders` AS INT64) AS `orders`, CAST(`q`.`units` AS INT64) AS `units`, CAST(`q`.`gross_revenue` AS NUMERIC) AS `gross_revenue`, CAST(`q`.`net_revenue` AS NUMERIC) AS `net_revenue`, CAST(`q`.`returned_units` AS INT64) AS `returned_units`, CAST(`q`.`return_rate` AS FLOAT64) AS `return_rate`, CAST(`q`.`category_rank` AS INT64) AS `category_rank`, CAST('order' AS STRING) AS `_domain`, CAST('order_product_daily_sales' AS STRING) AS `_product`, CAST('1.0.0' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH daily AS (
      SELECT i.order_date, i.product_id, i.category,
             COUNT(DISTINCT i.order_id) AS orders,
             SUM(i.quantity) AS units,
             SUM(i.quantity * i.unit_price) AS gross_revenue,
             SUM(i.line_amount) AS net_revenue,
             SUM(i.returned_quantity) AS returned_units
      FROM `retail-mesh-prod`.`order`.`order_items` AS i
      JOIN `retail-mesh-prod`.`order`.`order_transactions` AS t ON t.order_id = i.order_id
      WHERE t.status <> 'cancelled'
      GROUP BY i.order_date, i.product_id, i.category
    )
    SELECT order_date, product_id, category, orders, units, gross_revenue, net_revenue, returned_units,
           SAFE_DIVIDE(returned_units, units) AS return_rate,
           RANK() OVER (PARTITION BY order_date, category ORDER BY net_revenue DESC) AS category_rank
    FROM daily) AS q;

-- checks (one query for the whole suite)
SELECT COUNT(*) AS `row_count`, COUNT(`t`.`order_date`) AS `nn_0`, COUNT(`t`.`product_id`) AS `nn_1`, COUNT(`t`.`category`) AS `nn_2`, COUNT(`t`.`orders`) AS `nn_3`, COUNT(`t`.`units`) AS `nn_4`, COUNT(`t`.`gross_revenue`) AS `nn_5`, COUNT(`t`.`net_revenue`) AS `nn_6`, COUNT(`t`.`returned_units`) AS `nn_7`, COUNT(`t`.`return_rate`) AS `nn_8`, COUNT(`t`.`category_rank`) AS `nn_9`, (SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM `retail-mesh-prod`.`order`.`_staging_order_product_daily_sales` GROUP BY `order_date`, `product_id` HAVING COUNT(*) > 1) AS d) AS `check_0`, COUNT(*) - COUNT(`t`.`order_date`) AS `check_1`, COUNT(*) - COUNT(`t`.`product_id`) AS `check_2`, (SELECT COUNT(*) FROM `retail-mesh-prod`.`order`.`_staging_order_product_daily_sales` AS x WHERE `x`.`product_id` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`product`.`product_catalog` AS r WHERE `r`.`product_id` = `x`.`product_id`)) AS `check_3`, SUM(CASE WHEN `t`.`units` < 1 THEN 1 ELSE 0 END) AS `check_4`, SUM(CASE WHEN `t`.`orders` < 1 THEN 1 ELSE 0 END) AS `check_5`, SUM(CASE WHEN `t`.`returned_units` < 0 THEN 1 ELSE 0 END) AS `check_6`, SUM(CASE WHEN `t`.`return_rate` < 0 OR `t`.`return_rate` > 1 THEN 1 ELSE 0 END) AS `check_7`, SUM(CASE WHEN `t`.`net_revenue` < 0 THEN 1 ELSE 0 END) AS `check_8`, SUM(CASE WHEN `t`.`category_rank` < 1 THEN 1 ELSE 0 END) AS `check_9`, COUNT(*) AS `check_10` FROM `retail-mesh-prod`.`order`.`_staging_order_product_daily_sales` AS t;
