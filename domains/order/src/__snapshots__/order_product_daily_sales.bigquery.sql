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
AS SELECT CAST(`q`.`order_date` AS DATE) AS `order_date`, CAST(`q`.`product_id` AS STRING) AS `product_id`, CAST(`q`.`category` AS STRING) AS `category`, IF(CAST(`q`.`orders` AS FLOAT64) <> TRUNC(CAST(`q`.`orders` AS FLOAT64)), ERROR(CONCAT('column orders: the transform gives ', CAST(`q`.`orders` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`orders` AS INT64)) AS `orders`, IF(CAST(`q`.`units` AS FLOAT64) <> TRUNC(CAST(`q`.`units` AS FLOAT64)), ERROR(CONCAT('column units: the transform gives ', CAST(`q`.`units` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`units` AS INT64)) AS `units`, CAST(`q`.`gross_revenue` AS NUMERIC) AS `gross_revenue`, CAST(`q`.`net_revenue` AS NUMERIC) AS `net_revenue`, IF(CAST(`q`.`returned_units` AS FLOAT64) <> TRUNC(CAST(`q`.`returned_units` AS FLOAT64)), ERROR(CONCAT('column returned_units: the transform gives ', CAST(`q`.`returned_units` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`returned_units` AS INT64)) AS `returned_units`, CAST(`q`.`return_rate` AS FLOAT64) AS `return_rate`, IF(CAST(`q`.`category_rank` AS FLOAT64) <> TRUNC(CAST(`q`.`category_rank` AS FLOAT64)), ERROR(CONCAT('column category_rank: the transform gives ', CAST(`q`.`category_rank` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`category_rank` AS INT64)) AS `category_rank`, CAST('order' AS STRING) AS `_domain`, CAST('order_product_daily_sales' AS STRING) AS `_product`, CAST('1.0.0' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
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
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_9` AS `nn_9`, `s`.`row_count` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_1` AS `check_2`, `u`.`p0` AS `check_3`, `u`.`p1` AS `check_4`, `u`.`p2` AS `check_5`, `u`.`p3` AS `check_6`, `u`.`p4` AS `check_7`, `u`.`p5` AS `check_8`, `u`.`p6` AS `check_9`, `s`.`row_count` AS `check_10`, `s`.`row_count` - `s`.`nn_2` AS `check_11`, `s`.`row_count` - `s`.`nn_3` AS `check_12`, `s`.`row_count` - `s`.`nn_4` AS `check_13`, `s`.`row_count` - `s`.`nn_5` AS `check_14`, `s`.`row_count` - `s`.`nn_6` AS `check_15`, `s`.`row_count` - `s`.`nn_7` AS `check_16`, `s`.`row_count` - `s`.`nn_8` AS `check_17`, `s`.`row_count` - `s`.`nn_9` AS `check_18` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`order_date`) AS `nn_0`, COUNT(`t`.`product_id`) AS `nn_1`, COUNT(`t`.`category`) AS `nn_2`, COUNT(`t`.`orders`) AS `nn_3`, COUNT(`t`.`units`) AS `nn_4`, COUNT(`t`.`gross_revenue`) AS `nn_5`, COUNT(`t`.`net_revenue`) AS `nn_6`, COUNT(`t`.`returned_units`) AS `nn_7`, COUNT(`t`.`return_rate`) AS `nn_8`, COUNT(`t`.`category_rank`) AS `nn_9` FROM `retail-mesh-prod`.`order`.`_staging_order_product_daily_sales` AS t) AS s CROSS JOIN (SELECT COUNT(*) AS `a0` FROM (SELECT DISTINCT `t`.`order_date` AS `k0`, `t`.`product_id` AS `k1` FROM `retail-mesh-prod`.`order`.`_staging_order_product_daily_sales` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5`, MAX(CASE WHEN `f`.`k` = 6 THEN `f`.`failing` END) AS `p6` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_product_daily_sales` AS t WHERE `t`.`product_id` IS NOT NULL AND `t`.`product_id` NOT IN (SELECT `r`.`product_id` FROM `retail-mesh-prod`.`product`.`product_catalog` AS r WHERE `r`.`product_id` IS NOT NULL)) UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_product_daily_sales` AS t WHERE `t`.`units` < 1) UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_product_daily_sales` AS t WHERE `t`.`orders` < 1) UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_product_daily_sales` AS t WHERE `t`.`returned_units` < 0) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_product_daily_sales` AS t WHERE `t`.`return_rate` < 0 OR `t`.`return_rate` > 1) UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_product_daily_sales` AS t WHERE `t`.`net_revenue` < 0) UNION ALL (SELECT 6 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_product_daily_sales` AS t WHERE `t`.`category_rank` < 1)) AS f) AS u;

-- incremental: row counts and markers of the inputs per day
SELECT 'items' AS `input`, `t`.`order_date` AS `day`, COUNT(*) AS `row_count`, CAST(MAX(`t`.`_processed_at`) AS STRING) AS `marker` FROM `retail-mesh-prod`.`order`.`order_items` AS t GROUP BY `t`.`order_date` UNION ALL SELECT 'transactions' AS `input`, `t`.`order_date` AS `day`, COUNT(*) AS `row_count`, CAST(MAX(`t`.`_processed_at`) AS STRING) AS `marker` FROM `retail-mesh-prod`.`order`.`order_transactions` AS t GROUP BY `t`.`order_date`;

-- incremental: fingerprints of the days whose marker changed
SELECT 'items' AS `input`, `t`.`order_date` AS `day`, COUNT(*) AS `row_count`, CAST(MAX(`t`.`_processed_at`) AS STRING) AS `marker`, CONCAT(CAST(SUM(MOD(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`line_number`, `t`.`product_id`, `t`.`category`, `t`.`quantity`, `t`.`unit_price`, `t`.`discount_amount`, `t`.`line_amount`, `t`.`returned_quantity`, `t`.`order_date`))), 2147483647)) AS STRING), ':', CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`line_number`, `t`.`product_id`, `t`.`category`, `t`.`quantity`, `t`.`unit_price`, `t`.`discount_amount`, `t`.`line_amount`, `t`.`returned_quantity`, `t`.`order_date`)))) AS STRING)) AS `fingerprint` FROM `retail-mesh-prod`.`order`.`order_items` AS t WHERE (`t`.`order_date` IN (CAST('2026-10-31' AS DATE)) OR `t`.`order_date` IS NULL) GROUP BY `t`.`order_date` UNION ALL SELECT 'transactions' AS `input`, `t`.`order_date` AS `day`, COUNT(*) AS `row_count`, CAST(MAX(`t`.`_processed_at`) AS STRING) AS `marker`, CONCAT(CAST(SUM(MOD(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`, `t`.`order_date`, `t`.`item_count`, `t`.`gross_amount`, `t`.`discount_amount`, `t`.`net_amount`, `t`.`returned_amount`))), 2147483647)) AS STRING), ':', CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`, `t`.`order_date`, `t`.`item_count`, `t`.`gross_amount`, `t`.`discount_amount`, `t`.`net_amount`, `t`.`returned_amount`)))) AS STRING)) AS `fingerprint` FROM `retail-mesh-prod`.`order`.`order_transactions` AS t WHERE (`t`.`order_date` IN (CAST('2026-10-31' AS DATE)) OR `t`.`order_date` IS NULL) GROUP BY `t`.`order_date`;

-- incremental: the state kept for the next build
SELECT * FROM `retail-mesh-prod`.`order`.`_state_order_product_daily_sales` WHERE NOT COALESCE((`input` = 'example' AND `day` IN (DATE '2026-10-31')), FALSE) UNION ALL SELECT 'items' AS `input`, `t`.`order_date` AS `day`, COUNT(*) AS `row_count`, CAST(MAX(`t`.`_processed_at`) AS STRING) AS `marker`, CONCAT(CAST(SUM(MOD(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`line_number`, `t`.`product_id`, `t`.`category`, `t`.`quantity`, `t`.`unit_price`, `t`.`discount_amount`, `t`.`line_amount`, `t`.`returned_quantity`, `t`.`order_date`))), 2147483647)) AS STRING), ':', CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`line_number`, `t`.`product_id`, `t`.`category`, `t`.`quantity`, `t`.`unit_price`, `t`.`discount_amount`, `t`.`line_amount`, `t`.`returned_quantity`, `t`.`order_date`)))) AS STRING)) AS `fingerprint` FROM `retail-mesh-prod`.`order`.`order_items` AS t WHERE (`t`.`order_date` IN (CAST('2026-10-31' AS DATE))) GROUP BY `t`.`order_date` UNION ALL SELECT 'transactions' AS `input`, `t`.`order_date` AS `day`, COUNT(*) AS `row_count`, CAST(MAX(`t`.`_processed_at`) AS STRING) AS `marker`, CONCAT(CAST(SUM(MOD(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`, `t`.`order_date`, `t`.`item_count`, `t`.`gross_amount`, `t`.`discount_amount`, `t`.`net_amount`, `t`.`returned_amount`))), 2147483647)) AS STRING), ':', CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`, `t`.`order_date`, `t`.`item_count`, `t`.`gross_amount`, `t`.`discount_amount`, `t`.`net_amount`, `t`.`returned_amount`)))) AS STRING)) AS `fingerprint` FROM `retail-mesh-prod`.`order`.`order_transactions` AS t WHERE (`t`.`order_date` IN (CAST('2026-10-31' AS DATE))) GROUP BY `t`.`order_date`;

-- incremental: fingerprints of the inputs per day
SELECT 'items' AS `input`, `t`.`order_date` AS `day`, COUNT(*) AS `row_count`, CAST(MAX(`t`.`_processed_at`) AS STRING) AS `marker`, CONCAT(CAST(SUM(MOD(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`line_number`, `t`.`product_id`, `t`.`category`, `t`.`quantity`, `t`.`unit_price`, `t`.`discount_amount`, `t`.`line_amount`, `t`.`returned_quantity`, `t`.`order_date`))), 2147483647)) AS STRING), ':', CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`line_number`, `t`.`product_id`, `t`.`category`, `t`.`quantity`, `t`.`unit_price`, `t`.`discount_amount`, `t`.`line_amount`, `t`.`returned_quantity`, `t`.`order_date`)))) AS STRING)) AS `fingerprint` FROM `retail-mesh-prod`.`order`.`order_items` AS t GROUP BY `t`.`order_date` UNION ALL SELECT 'transactions' AS `input`, `t`.`order_date` AS `day`, COUNT(*) AS `row_count`, CAST(MAX(`t`.`_processed_at`) AS STRING) AS `marker`, CONCAT(CAST(SUM(MOD(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`, `t`.`order_date`, `t`.`item_count`, `t`.`gross_amount`, `t`.`discount_amount`, `t`.`net_amount`, `t`.`returned_amount`))), 2147483647)) AS STRING), ':', CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`, `t`.`order_date`, `t`.`item_count`, `t`.`gross_amount`, `t`.`discount_amount`, `t`.`net_amount`, `t`.`returned_amount`)))) AS STRING)) AS `fingerprint` FROM `retail-mesh-prod`.`order`.`order_transactions` AS t GROUP BY `t`.`order_date` UNION ALL SELECT CAST('_build_query' AS STRING) AS `input`, CAST(NULL AS DATE) AS `day`, CAST(0 AS INT64) AS `row_count`, CAST(NULL AS STRING) AS `marker`, CAST('example-build-query-hash' AS STRING) AS `fingerprint`;

-- incremental: staging of a build that rebuilds changed days
SELECT * FROM `retail-mesh-prod`.`order`.`order_product_daily_sales` AS p WHERE NOT COALESCE((`p`.`order_date` IN (CAST('2026-10-31' AS DATE)) OR `p`.`order_date` IS NULL), FALSE) UNION ALL SELECT * FROM (SELECT CAST(`q`.`order_date` AS DATE) AS `order_date`, CAST(`q`.`product_id` AS STRING) AS `product_id`, CAST(`q`.`category` AS STRING) AS `category`, IF(CAST(`q`.`orders` AS FLOAT64) <> TRUNC(CAST(`q`.`orders` AS FLOAT64)), ERROR(CONCAT('column orders: the transform gives ', CAST(`q`.`orders` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`orders` AS INT64)) AS `orders`, IF(CAST(`q`.`units` AS FLOAT64) <> TRUNC(CAST(`q`.`units` AS FLOAT64)), ERROR(CONCAT('column units: the transform gives ', CAST(`q`.`units` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`units` AS INT64)) AS `units`, CAST(`q`.`gross_revenue` AS NUMERIC) AS `gross_revenue`, CAST(`q`.`net_revenue` AS NUMERIC) AS `net_revenue`, IF(CAST(`q`.`returned_units` AS FLOAT64) <> TRUNC(CAST(`q`.`returned_units` AS FLOAT64)), ERROR(CONCAT('column returned_units: the transform gives ', CAST(`q`.`returned_units` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`returned_units` AS INT64)) AS `returned_units`, CAST(`q`.`return_rate` AS FLOAT64) AS `return_rate`, IF(CAST(`q`.`category_rank` AS FLOAT64) <> TRUNC(CAST(`q`.`category_rank` AS FLOAT64)), ERROR(CONCAT('column category_rank: the transform gives ', CAST(`q`.`category_rank` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`category_rank` AS INT64)) AS `category_rank`, CAST('order' AS STRING) AS `_domain`, CAST('order_product_daily_sales' AS STRING) AS `_product`, CAST('1.0.0' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
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
    FROM daily) AS q) AS b WHERE (`b`.`order_date` IN (CAST('2026-10-31' AS DATE)) OR `b`.`order_date` IS NULL);
