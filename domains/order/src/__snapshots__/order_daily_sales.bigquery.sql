-- order.order_daily_sales 1.0.0: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
SELECT order_date, channel, store_id,
           COUNT(*) AS orders,
           SUM(item_count) AS items,
           SUM(gross_amount) AS gross_revenue,
           SUM(net_amount) AS net_revenue,
           SUM(returned_amount) AS returned_amount,
           ROUND(CAST(SAFE_DIVIDE(SUM(net_amount), COUNT(*)) AS NUMERIC), 2) AS average_order_value
    FROM `retail-mesh-prod`.`order`.`order_transactions`
    WHERE status <> 'cancelled'
    GROUP BY order_date, channel, store_id;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`order`.`_staging_order_daily_sales` (
  `order_date` DATE OPTIONS(description='UTC date the orders were placed'),
  `channel` STRING OPTIONS(description='Where the orders were placed'),
  `store_id` STRING OPTIONS(description='Store of the orders; NULL for online and mobile orders'),
  `orders` INT64 OPTIONS(description='Orders placed, completed or (partially) returned; cancelled orders excluded'),
  `items` INT64 OPTIONS(description='Units ordered in those orders'),
  `gross_revenue` NUMERIC OPTIONS(description='Sum of gross_amount: before discounts'),
  `net_revenue` NUMERIC OPTIONS(description='Sum of net_amount: after discounts, before refunds'),
  `returned_amount` NUMERIC OPTIONS(description='Refunds on those orders so far'),
  `average_order_value` NUMERIC OPTIONS(description='net_revenue / orders, rounded to the cent'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
PARTITION BY `order_date`
CLUSTER BY `channel`, `store_id`
OPTIONS(description='Orders, items, revenue and refunds per order day, channel and store (NULL store for online and mobile); cancelled orders excluded.', labels=[('domain', 'order'), ('product', 'order_daily_sales'), ('tier', 'silver'), ('version', '1-0-0')])
AS SELECT CAST(`q`.`order_date` AS DATE) AS `order_date`, CAST(`q`.`channel` AS STRING) AS `channel`, CAST(`q`.`store_id` AS STRING) AS `store_id`, IF(CAST(`q`.`orders` AS FLOAT64) <> TRUNC(CAST(`q`.`orders` AS FLOAT64)), ERROR(CONCAT('column orders: the transform gives ', CAST(`q`.`orders` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`orders` AS INT64)) AS `orders`, IF(CAST(`q`.`items` AS FLOAT64) <> TRUNC(CAST(`q`.`items` AS FLOAT64)), ERROR(CONCAT('column items: the transform gives ', CAST(`q`.`items` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`items` AS INT64)) AS `items`, CAST(`q`.`gross_revenue` AS NUMERIC) AS `gross_revenue`, CAST(`q`.`net_revenue` AS NUMERIC) AS `net_revenue`, CAST(`q`.`returned_amount` AS NUMERIC) AS `returned_amount`, CAST(`q`.`average_order_value` AS NUMERIC) AS `average_order_value`, CAST('order' AS STRING) AS `_domain`, CAST('order_daily_sales' AS STRING) AS `_product`, CAST('1.0.0' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    SELECT order_date, channel, store_id,
           COUNT(*) AS orders,
           SUM(item_count) AS items,
           SUM(gross_amount) AS gross_revenue,
           SUM(net_amount) AS net_revenue,
           SUM(returned_amount) AS returned_amount,
           ROUND(CAST(SAFE_DIVIDE(SUM(net_amount), COUNT(*)) AS NUMERIC), 2) AS average_order_value
    FROM `retail-mesh-prod`.`order`.`order_transactions`
    WHERE status <> 'cancelled'
    GROUP BY order_date, channel, store_id) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`row_count` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_1` AS `check_2`, `u`.`p0` AS `check_3`, `u`.`p1` AS `check_4`, `u`.`p2` AS `check_5`, `u`.`p3` AS `check_6`, `u`.`p4` AS `check_7`, `u`.`p5` AS `check_8`, `u`.`p6` AS `check_9`, `u`.`p7` AS `check_10`, `s`.`row_count` AS `check_11`, `s`.`row_count` - `s`.`nn_2` AS `check_12`, `s`.`row_count` - `s`.`nn_3` AS `check_13`, `s`.`row_count` - `s`.`nn_4` AS `check_14`, `s`.`row_count` - `s`.`nn_5` AS `check_15`, `s`.`row_count` - `s`.`nn_6` AS `check_16`, `s`.`row_count` - `s`.`nn_7` AS `check_17` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`order_date`) AS `nn_0`, COUNT(`t`.`channel`) AS `nn_1`, COUNT(`t`.`orders`) AS `nn_2`, COUNT(`t`.`items`) AS `nn_3`, COUNT(`t`.`gross_revenue`) AS `nn_4`, COUNT(`t`.`net_revenue`) AS `nn_5`, COUNT(`t`.`returned_amount`) AS `nn_6`, COUNT(`t`.`average_order_value`) AS `nn_7` FROM `retail-mesh-prod`.`order`.`_staging_order_daily_sales` AS t) AS s CROSS JOIN (SELECT COUNT(*) AS `a0` FROM (SELECT DISTINCT `t`.`order_date` AS `k0`, `t`.`channel` AS `k1`, `t`.`store_id` AS `k2` FROM `retail-mesh-prod`.`order`.`_staging_order_daily_sales` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5`, MAX(CASE WHEN `f`.`k` = 6 THEN `f`.`failing` END) AS `p6`, MAX(CASE WHEN `f`.`k` = 7 THEN `f`.`failing` END) AS `p7` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_daily_sales` AS t WHERE `t`.`channel` <> 'store' AND `t`.`channel` <> 'online' AND `t`.`channel` <> 'mobile') UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_daily_sales` AS t WHERE `t`.`orders` < 1) UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_daily_sales` AS t WHERE `t`.`items` < 0) UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_daily_sales` AS t WHERE `t`.`gross_revenue` < 0) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_daily_sales` AS t WHERE `t`.`net_revenue` < 0) UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_daily_sales` AS t WHERE `t`.`returned_amount` < 0) UNION ALL (SELECT 6 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_daily_sales` AS t WHERE `t`.`average_order_value` < 0) UNION ALL (SELECT 7 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_daily_sales` AS t WHERE NOT COALESCE((channel <> 'store' OR store_id IS NOT NULL), FALSE))) AS f) AS u;

-- incremental: row counts and markers of the inputs per day
SELECT 'transactions' AS `input`, `t`.`order_date` AS `day`, COUNT(*) AS `row_count`, CAST(MAX(`t`.`_processed_at`) AS STRING) AS `marker` FROM `retail-mesh-prod`.`order`.`order_transactions` AS t GROUP BY `t`.`order_date`;

-- incremental: fingerprints of the days whose marker changed
SELECT 'transactions' AS `input`, `t`.`order_date` AS `day`, COUNT(*) AS `row_count`, CAST(MAX(`t`.`_processed_at`) AS STRING) AS `marker`, CONCAT(CAST(SUM(MOD(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`, `t`.`order_date`, `t`.`item_count`, `t`.`gross_amount`, `t`.`discount_amount`, `t`.`net_amount`, `t`.`returned_amount`))), 2147483647)) AS STRING), ':', CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`, `t`.`order_date`, `t`.`item_count`, `t`.`gross_amount`, `t`.`discount_amount`, `t`.`net_amount`, `t`.`returned_amount`)))) AS STRING)) AS `fingerprint` FROM `retail-mesh-prod`.`order`.`order_transactions` AS t WHERE (`t`.`order_date` IN (CAST('2026-10-31' AS DATE)) OR `t`.`order_date` IS NULL) GROUP BY `t`.`order_date`;

-- incremental: the state kept for the next build
SELECT * FROM `retail-mesh-prod`.`order`.`_state_order_daily_sales` WHERE NOT COALESCE((`input` = 'example' AND `day` IN (DATE '2026-10-31')), FALSE) UNION ALL SELECT 'transactions' AS `input`, `t`.`order_date` AS `day`, COUNT(*) AS `row_count`, CAST(MAX(`t`.`_processed_at`) AS STRING) AS `marker`, CONCAT(CAST(SUM(MOD(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`, `t`.`order_date`, `t`.`item_count`, `t`.`gross_amount`, `t`.`discount_amount`, `t`.`net_amount`, `t`.`returned_amount`))), 2147483647)) AS STRING), ':', CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`, `t`.`order_date`, `t`.`item_count`, `t`.`gross_amount`, `t`.`discount_amount`, `t`.`net_amount`, `t`.`returned_amount`)))) AS STRING)) AS `fingerprint` FROM `retail-mesh-prod`.`order`.`order_transactions` AS t WHERE (`t`.`order_date` IN (CAST('2026-10-31' AS DATE))) GROUP BY `t`.`order_date`;

-- incremental: fingerprints of the inputs per day
SELECT 'transactions' AS `input`, `t`.`order_date` AS `day`, COUNT(*) AS `row_count`, CAST(MAX(`t`.`_processed_at`) AS STRING) AS `marker`, CONCAT(CAST(SUM(MOD(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`, `t`.`order_date`, `t`.`item_count`, `t`.`gross_amount`, `t`.`discount_amount`, `t`.`net_amount`, `t`.`returned_amount`))), 2147483647)) AS STRING), ':', CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`, `t`.`order_date`, `t`.`item_count`, `t`.`gross_amount`, `t`.`discount_amount`, `t`.`net_amount`, `t`.`returned_amount`)))) AS STRING)) AS `fingerprint` FROM `retail-mesh-prod`.`order`.`order_transactions` AS t GROUP BY `t`.`order_date` UNION ALL SELECT CAST('_build_query' AS STRING) AS `input`, CAST(NULL AS DATE) AS `day`, CAST(0 AS INT64) AS `row_count`, CAST(NULL AS STRING) AS `marker`, CAST('example-build-query-hash' AS STRING) AS `fingerprint`;

-- incremental: staging of a build that rebuilds changed days
SELECT * FROM `retail-mesh-prod`.`order`.`order_daily_sales` AS p WHERE NOT COALESCE((`p`.`order_date` IN (CAST('2026-10-31' AS DATE)) OR `p`.`order_date` IS NULL), FALSE) UNION ALL SELECT * FROM (SELECT CAST(`q`.`order_date` AS DATE) AS `order_date`, CAST(`q`.`channel` AS STRING) AS `channel`, CAST(`q`.`store_id` AS STRING) AS `store_id`, IF(CAST(`q`.`orders` AS FLOAT64) <> TRUNC(CAST(`q`.`orders` AS FLOAT64)), ERROR(CONCAT('column orders: the transform gives ', CAST(`q`.`orders` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`orders` AS INT64)) AS `orders`, IF(CAST(`q`.`items` AS FLOAT64) <> TRUNC(CAST(`q`.`items` AS FLOAT64)), ERROR(CONCAT('column items: the transform gives ', CAST(`q`.`items` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`items` AS INT64)) AS `items`, CAST(`q`.`gross_revenue` AS NUMERIC) AS `gross_revenue`, CAST(`q`.`net_revenue` AS NUMERIC) AS `net_revenue`, CAST(`q`.`returned_amount` AS NUMERIC) AS `returned_amount`, CAST(`q`.`average_order_value` AS NUMERIC) AS `average_order_value`, CAST('order' AS STRING) AS `_domain`, CAST('order_daily_sales' AS STRING) AS `_product`, CAST('1.0.0' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    SELECT order_date, channel, store_id,
           COUNT(*) AS orders,
           SUM(item_count) AS items,
           SUM(gross_amount) AS gross_revenue,
           SUM(net_amount) AS net_revenue,
           SUM(returned_amount) AS returned_amount,
           ROUND(CAST(SAFE_DIVIDE(SUM(net_amount), COUNT(*)) AS NUMERIC), 2) AS average_order_value
    FROM `retail-mesh-prod`.`order`.`order_transactions`
    WHERE status <> 'cancelled'
    GROUP BY order_date, channel, store_id) AS q) AS b WHERE (`b`.`order_date` IN (CAST('2026-10-31' AS DATE)) OR `b`.`order_date` IS NULL);
