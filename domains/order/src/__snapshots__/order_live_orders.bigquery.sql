-- order.order_live_orders 1.0.1: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
SELECT CAST(ordered_at AS DATE) AS order_date, channel,
           COUNT(*) AS orders,
           SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS completed_orders,
           SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled_orders,
           ROUND(CAST(SAFE_DIVIDE(SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END), COUNT(*)) AS NUMERIC), 3) AS cancellation_rate,
           COUNT(DISTINCT customer_id) AS customers,
           COUNT(DISTINCT store_id) AS stores_ordering,
           MIN(ordered_at) AS first_order_at,
           MAX(ordered_at) AS last_order_at
    FROM `retail-mesh-prod`.`order`.`raw_orders`
    GROUP BY CAST(ordered_at AS DATE), channel;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`order`.`_staging_order_live_orders` (
  `order_date` DATE OPTIONS(description='UTC date the orders were placed'),
  `channel` STRING OPTIONS(description='Where the orders were placed'),
  `orders` INT64 OPTIONS(description='Orders placed so far that day, cancelled ones included'),
  `completed_orders` INT64 OPTIONS(description='Orders whose latest status is completed'),
  `cancelled_orders` INT64 OPTIONS(description='Orders whose latest status is cancelled'),
  `cancellation_rate` FLOAT64 OPTIONS(description='cancelled_orders / orders, three decimals'),
  `customers` INT64 OPTIONS(description='Distinct customers who placed those orders'),
  `stores_ordering` INT64 OPTIONS(description='Distinct stores where they were placed; 0 for online and mobile'),
  `first_order_at` TIMESTAMP OPTIONS(description='When the first order of the day was placed (UTC)'),
  `last_order_at` TIMESTAMP OPTIONS(description='When the latest order so far was placed (UTC): how current the row is'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
PARTITION BY `order_date`
CLUSTER BY `channel`
OPTIONS(description='Orders placed so far per order day (UTC) and channel: placed, completed and cancelled orders, customers, stores and the latest order, from the OMS exports as they land; today\'s rows are today\'s orders so far.', labels=[('domain', 'order'), ('product', 'order_live_orders'), ('tier', 'silver'), ('version', '1-0-1')])
AS SELECT CAST(`q`.`order_date` AS DATE) AS `order_date`, CAST(`q`.`channel` AS STRING) AS `channel`, IF(CAST(`q`.`orders` AS FLOAT64) <> TRUNC(CAST(`q`.`orders` AS FLOAT64)), ERROR(CONCAT('column orders: the transform gives ', CAST(`q`.`orders` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`orders` AS INT64)) AS `orders`, IF(CAST(`q`.`completed_orders` AS FLOAT64) <> TRUNC(CAST(`q`.`completed_orders` AS FLOAT64)), ERROR(CONCAT('column completed_orders: the transform gives ', CAST(`q`.`completed_orders` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`completed_orders` AS INT64)) AS `completed_orders`, IF(CAST(`q`.`cancelled_orders` AS FLOAT64) <> TRUNC(CAST(`q`.`cancelled_orders` AS FLOAT64)), ERROR(CONCAT('column cancelled_orders: the transform gives ', CAST(`q`.`cancelled_orders` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`cancelled_orders` AS INT64)) AS `cancelled_orders`, CAST(`q`.`cancellation_rate` AS FLOAT64) AS `cancellation_rate`, IF(CAST(`q`.`customers` AS FLOAT64) <> TRUNC(CAST(`q`.`customers` AS FLOAT64)), ERROR(CONCAT('column customers: the transform gives ', CAST(`q`.`customers` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`customers` AS INT64)) AS `customers`, IF(CAST(`q`.`stores_ordering` AS FLOAT64) <> TRUNC(CAST(`q`.`stores_ordering` AS FLOAT64)), ERROR(CONCAT('column stores_ordering: the transform gives ', CAST(`q`.`stores_ordering` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`stores_ordering` AS INT64)) AS `stores_ordering`, CAST(`q`.`first_order_at` AS TIMESTAMP) AS `first_order_at`, CAST(`q`.`last_order_at` AS TIMESTAMP) AS `last_order_at`, CAST('order' AS STRING) AS `_domain`, CAST('order_live_orders' AS STRING) AS `_product`, CAST('1.0.1' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    SELECT CAST(ordered_at AS DATE) AS order_date, channel,
           COUNT(*) AS orders,
           SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS completed_orders,
           SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled_orders,
           ROUND(CAST(SAFE_DIVIDE(SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END), COUNT(*)) AS NUMERIC), 3) AS cancellation_rate,
           COUNT(DISTINCT customer_id) AS customers,
           COUNT(DISTINCT store_id) AS stores_ordering,
           MIN(ordered_at) AS first_order_at,
           MAX(ordered_at) AS last_order_at
    FROM `retail-mesh-prod`.`order`.`raw_orders`
    GROUP BY CAST(ordered_at AS DATE), channel) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_9` AS `nn_9`, `s`.`row_count` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_1` AS `check_2`, `u`.`p0` AS `check_3`, `u`.`p1` AS `check_4`, `u`.`p2` AS `check_5`, `u`.`p3` AS `check_6`, `u`.`p4` AS `check_7`, `u`.`p5` AS `check_8`, `u`.`p6` AS `check_9`, `s`.`row_count` AS `check_10`, `s`.`row_count` - `s`.`nn_2` AS `check_11`, `s`.`row_count` - `s`.`nn_3` AS `check_12`, `s`.`row_count` - `s`.`nn_4` AS `check_13`, `s`.`row_count` - `s`.`nn_5` AS `check_14`, `s`.`row_count` - `s`.`nn_6` AS `check_15`, `s`.`row_count` - `s`.`nn_7` AS `check_16`, `s`.`row_count` - `s`.`nn_8` AS `check_17`, `s`.`row_count` - `s`.`nn_9` AS `check_18` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`order_date`) AS `nn_0`, COUNT(`t`.`channel`) AS `nn_1`, COUNT(`t`.`orders`) AS `nn_2`, COUNT(`t`.`completed_orders`) AS `nn_3`, COUNT(`t`.`cancelled_orders`) AS `nn_4`, COUNT(`t`.`cancellation_rate`) AS `nn_5`, COUNT(`t`.`customers`) AS `nn_6`, COUNT(`t`.`stores_ordering`) AS `nn_7`, COUNT(`t`.`first_order_at`) AS `nn_8`, COUNT(`t`.`last_order_at`) AS `nn_9` FROM `retail-mesh-prod`.`order`.`_staging_order_live_orders` AS t) AS s CROSS JOIN (SELECT COUNT(*) AS `a0` FROM (SELECT DISTINCT `t`.`order_date` AS `k0`, `t`.`channel` AS `k1` FROM `retail-mesh-prod`.`order`.`_staging_order_live_orders` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5`, MAX(CASE WHEN `f`.`k` = 6 THEN `f`.`failing` END) AS `p6` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_live_orders` AS t WHERE `t`.`channel` <> 'store' AND `t`.`channel` <> 'online' AND `t`.`channel` <> 'mobile') UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_live_orders` AS t WHERE `t`.`orders` < 1) UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_live_orders` AS t WHERE `t`.`cancellation_rate` < 0 OR `t`.`cancellation_rate` > 1) UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_live_orders` AS t WHERE `t`.`customers` < 1) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_live_orders` AS t WHERE NOT COALESCE((completed_orders + cancelled_orders = orders), FALSE)) UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_live_orders` AS t WHERE NOT COALESCE(((channel = 'store') = (stores_ordering > 0)), FALSE)) UNION ALL (SELECT 6 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_live_orders` AS t WHERE NOT COALESCE((first_order_at <= last_order_at), FALSE))) AS f) AS u;

-- incremental: row counts and markers of the inputs per day
SELECT 'orders' AS `input`, CAST(`t`.`ordered_at` AS DATE) AS `day`, COUNT(*) AS `row_count`, CAST(NULL AS STRING) AS `marker` FROM `retail-mesh-prod`.`order`.`raw_orders` AS t GROUP BY CAST(`t`.`ordered_at` AS DATE);

-- incremental: fingerprints of the days whose marker changed
SELECT 'orders' AS `input`, CAST(`t`.`ordered_at` AS DATE) AS `day`, COUNT(*) AS `row_count`, CAST(NULL AS STRING) AS `marker`, CONCAT(CAST(SUM(MOD(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`))), 2147483647)) AS STRING), ':', CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`)))) AS STRING)) AS `fingerprint` FROM `retail-mesh-prod`.`order`.`raw_orders` AS t WHERE (CAST(`t`.`ordered_at` AS DATE) IN (CAST('2026-10-31' AS DATE)) OR `t`.`ordered_at` IS NULL) GROUP BY CAST(`t`.`ordered_at` AS DATE);

-- incremental: the state kept for the next build
SELECT * FROM `retail-mesh-prod`.`order`.`_state_order_live_orders` WHERE NOT COALESCE((`input` = 'example' AND `day` IN (DATE '2026-10-31')), FALSE) UNION ALL SELECT 'orders' AS `input`, CAST(`t`.`ordered_at` AS DATE) AS `day`, COUNT(*) AS `row_count`, CAST(NULL AS STRING) AS `marker`, CONCAT(CAST(SUM(MOD(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`))), 2147483647)) AS STRING), ':', CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`)))) AS STRING)) AS `fingerprint` FROM `retail-mesh-prod`.`order`.`raw_orders` AS t WHERE (CAST(`t`.`ordered_at` AS DATE) IN (CAST('2026-10-31' AS DATE))) GROUP BY CAST(`t`.`ordered_at` AS DATE);

-- incremental: fingerprints of the inputs per day
SELECT 'orders' AS `input`, CAST(`t`.`ordered_at` AS DATE) AS `day`, COUNT(*) AS `row_count`, CAST(NULL AS STRING) AS `marker`, CONCAT(CAST(SUM(MOD(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`))), 2147483647)) AS STRING), ':', CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`)))) AS STRING)) AS `fingerprint` FROM `retail-mesh-prod`.`order`.`raw_orders` AS t GROUP BY CAST(`t`.`ordered_at` AS DATE) UNION ALL SELECT CAST('_build_query' AS STRING) AS `input`, CAST(NULL AS DATE) AS `day`, CAST(0 AS INT64) AS `row_count`, CAST(NULL AS STRING) AS `marker`, CAST('example-build-query-hash' AS STRING) AS `fingerprint`;

-- incremental: staging of a build that rebuilds changed days
SELECT * FROM `retail-mesh-prod`.`order`.`order_live_orders` AS p WHERE NOT COALESCE((`p`.`order_date` IN (CAST('2026-10-31' AS DATE)) OR `p`.`order_date` IS NULL), FALSE) UNION ALL SELECT * FROM (SELECT CAST(`q`.`order_date` AS DATE) AS `order_date`, CAST(`q`.`channel` AS STRING) AS `channel`, IF(CAST(`q`.`orders` AS FLOAT64) <> TRUNC(CAST(`q`.`orders` AS FLOAT64)), ERROR(CONCAT('column orders: the transform gives ', CAST(`q`.`orders` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`orders` AS INT64)) AS `orders`, IF(CAST(`q`.`completed_orders` AS FLOAT64) <> TRUNC(CAST(`q`.`completed_orders` AS FLOAT64)), ERROR(CONCAT('column completed_orders: the transform gives ', CAST(`q`.`completed_orders` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`completed_orders` AS INT64)) AS `completed_orders`, IF(CAST(`q`.`cancelled_orders` AS FLOAT64) <> TRUNC(CAST(`q`.`cancelled_orders` AS FLOAT64)), ERROR(CONCAT('column cancelled_orders: the transform gives ', CAST(`q`.`cancelled_orders` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`cancelled_orders` AS INT64)) AS `cancelled_orders`, CAST(`q`.`cancellation_rate` AS FLOAT64) AS `cancellation_rate`, IF(CAST(`q`.`customers` AS FLOAT64) <> TRUNC(CAST(`q`.`customers` AS FLOAT64)), ERROR(CONCAT('column customers: the transform gives ', CAST(`q`.`customers` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`customers` AS INT64)) AS `customers`, IF(CAST(`q`.`stores_ordering` AS FLOAT64) <> TRUNC(CAST(`q`.`stores_ordering` AS FLOAT64)), ERROR(CONCAT('column stores_ordering: the transform gives ', CAST(`q`.`stores_ordering` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`stores_ordering` AS INT64)) AS `stores_ordering`, CAST(`q`.`first_order_at` AS TIMESTAMP) AS `first_order_at`, CAST(`q`.`last_order_at` AS TIMESTAMP) AS `last_order_at`, CAST('order' AS STRING) AS `_domain`, CAST('order_live_orders' AS STRING) AS `_product`, CAST('1.0.1' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    SELECT CAST(ordered_at AS DATE) AS order_date, channel,
           COUNT(*) AS orders,
           SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS completed_orders,
           SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled_orders,
           ROUND(CAST(SAFE_DIVIDE(SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END), COUNT(*)) AS NUMERIC), 3) AS cancellation_rate,
           COUNT(DISTINCT customer_id) AS customers,
           COUNT(DISTINCT store_id) AS stores_ordering,
           MIN(ordered_at) AS first_order_at,
           MAX(ordered_at) AS last_order_at
    FROM `retail-mesh-prod`.`order`.`raw_orders`
    GROUP BY CAST(ordered_at AS DATE), channel) AS q) AS b WHERE (`b`.`order_date` IN (CAST('2026-10-31' AS DATE)) OR `b`.`order_date` IS NULL);
