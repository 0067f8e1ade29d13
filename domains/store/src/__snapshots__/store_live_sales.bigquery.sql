-- store.store_live_sales 1.0.2: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
SELECT store_id, CAST(sold_at AS DATE) AS business_date,
           COUNT(*) AS receipts,
           SUM(items) AS items,
           SUM(amount) AS revenue,
           ROUND(CAST(SAFE_DIVIDE(SUM(amount), COUNT(*)) AS NUMERIC), 2) AS average_basket,
           ROUND(CAST(SAFE_DIVIDE(SUM(CASE WHEN payment <> 'cash' THEN amount ELSE 0 END), SUM(amount)) AS NUMERIC), 3) AS card_share,
           MIN(sold_at) AS first_sale_at,
           MAX(sold_at) AS last_sale_at
    FROM `retail-mesh-prod`.`store`.`raw_receipts`
    GROUP BY store_id, CAST(sold_at AS DATE);

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`store`.`_staging_store_live_sales` (
  `store_id` STRING OPTIONS(description='Store whose tills rang the receipts up'),
  `business_date` DATE OPTIONS(description='Trading day: the UTC date of sold_at'),
  `receipts` INT64 OPTIONS(description='Receipts rung up so far that day'),
  `items` INT64 OPTIONS(description='Units on those receipts'),
  `revenue` NUMERIC OPTIONS(description='Sum of the receipts: paid after discounts, taxes included'),
  `average_basket` NUMERIC OPTIONS(description='revenue / receipts, rounded to the cent'),
  `card_share` FLOAT64 OPTIONS(description='Share of the revenue paid by card or mobile, three decimals; NULL when the revenue is 0'),
  `first_sale_at` TIMESTAMP OPTIONS(description='When the first receipt of the day was closed (UTC)'),
  `last_sale_at` TIMESTAMP OPTIONS(description='When the latest receipt so far was closed (UTC): how current the row is'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
PARTITION BY `business_date`
CLUSTER BY `store_id`
OPTIONS(description='Sales rung up at the tills so far per store and trading day (UTC): receipts, units, revenue, average basket and the last sale, from the POS feed as it lands; today\'s row is today\'s sales so far.', labels=[('domain', 'store'), ('product', 'store_live_sales'), ('tier', 'silver'), ('version', '1-0-2')])
AS SELECT CAST(`q`.`store_id` AS STRING) AS `store_id`, CAST(`q`.`business_date` AS DATE) AS `business_date`, IF(CAST(`q`.`receipts` AS FLOAT64) <> TRUNC(CAST(`q`.`receipts` AS FLOAT64)), ERROR(CONCAT('column receipts: the transform gives ', CAST(`q`.`receipts` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`receipts` AS INT64)) AS `receipts`, IF(CAST(`q`.`items` AS FLOAT64) <> TRUNC(CAST(`q`.`items` AS FLOAT64)), ERROR(CONCAT('column items: the transform gives ', CAST(`q`.`items` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`items` AS INT64)) AS `items`, CAST(`q`.`revenue` AS NUMERIC) AS `revenue`, CAST(`q`.`average_basket` AS NUMERIC) AS `average_basket`, CAST(`q`.`card_share` AS FLOAT64) AS `card_share`, CAST(`q`.`first_sale_at` AS TIMESTAMP) AS `first_sale_at`, CAST(`q`.`last_sale_at` AS TIMESTAMP) AS `last_sale_at`, CAST('store' AS STRING) AS `_domain`, CAST('store_live_sales' AS STRING) AS `_product`, CAST('1.0.2' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    SELECT store_id, CAST(sold_at AS DATE) AS business_date,
           COUNT(*) AS receipts,
           SUM(items) AS items,
           SUM(amount) AS revenue,
           ROUND(CAST(SAFE_DIVIDE(SUM(amount), COUNT(*)) AS NUMERIC), 2) AS average_basket,
           ROUND(CAST(SAFE_DIVIDE(SUM(CASE WHEN payment <> 'cash' THEN amount ELSE 0 END), SUM(amount)) AS NUMERIC), 3) AS card_share,
           MIN(sold_at) AS first_sale_at,
           MAX(sold_at) AS last_sale_at
    FROM `retail-mesh-prod`.`store`.`raw_receipts`
    GROUP BY store_id, CAST(sold_at AS DATE)) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`row_count` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_1` AS `check_2`, `u`.`p0` AS `check_3`, `u`.`p1` AS `check_4`, `u`.`p2` AS `check_5`, `u`.`p3` AS `check_6`, `u`.`p4` AS `check_7`, `u`.`p5` AS `check_8`, `s`.`row_count` AS `check_9`, `u`.`p6` AS `check_10`, `s`.`row_count` - `s`.`nn_2` AS `check_11`, `s`.`row_count` - `s`.`nn_3` AS `check_12`, `s`.`row_count` - `s`.`nn_4` AS `check_13`, `s`.`row_count` - `s`.`nn_5` AS `check_14`, `s`.`row_count` - `s`.`nn_6` AS `check_15`, `s`.`row_count` - `s`.`nn_7` AS `check_16` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`store_id`) AS `nn_0`, COUNT(`t`.`business_date`) AS `nn_1`, COUNT(`t`.`receipts`) AS `nn_2`, COUNT(`t`.`items`) AS `nn_3`, COUNT(`t`.`revenue`) AS `nn_4`, COUNT(`t`.`average_basket`) AS `nn_5`, COUNT(`t`.`first_sale_at`) AS `nn_6`, COUNT(`t`.`last_sale_at`) AS `nn_7` FROM `retail-mesh-prod`.`store`.`_staging_store_live_sales` AS t) AS s CROSS JOIN (SELECT COUNT(*) AS `a0` FROM (SELECT DISTINCT `t`.`store_id` AS `k0`, `t`.`business_date` AS `k1` FROM `retail-mesh-prod`.`store`.`_staging_store_live_sales` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5`, MAX(CASE WHEN `f`.`k` = 6 THEN `f`.`failing` END) AS `p6` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_live_sales` AS t WHERE `t`.`receipts` < 1) UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_live_sales` AS t WHERE `t`.`items` < 1) UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_live_sales` AS t WHERE `t`.`revenue` < 0) UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_live_sales` AS t WHERE `t`.`average_basket` < 0) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_live_sales` AS t WHERE `t`.`card_share` < 0 OR `t`.`card_share` > 1) UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_live_sales` AS t WHERE NOT COALESCE((first_sale_at <= last_sale_at), FALSE)) UNION ALL (SELECT 6 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_live_sales` AS t WHERE `t`.`store_id` IS NOT NULL AND `t`.`store_id` NOT IN (SELECT `r`.`store_id` FROM `retail-mesh-prod`.`store`.`raw_stores` AS r WHERE `r`.`store_id` IS NOT NULL))) AS f) AS u;

-- incremental: row counts and markers of the inputs per day
SELECT 'receipts' AS `input`, CAST(`t`.`sold_at` AS DATE) AS `day`, COUNT(*) AS `row_count`, CAST(NULL AS STRING) AS `marker` FROM `retail-mesh-prod`.`store`.`raw_receipts` AS t GROUP BY CAST(`t`.`sold_at` AS DATE);

-- incremental: fingerprints of the days whose marker changed
SELECT 'receipts' AS `input`, CAST(`t`.`sold_at` AS DATE) AS `day`, COUNT(*) AS `row_count`, CAST(NULL AS STRING) AS `marker`, CONCAT(CAST(SUM(MOD(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`receipt_id`, `t`.`store_id`, `t`.`till`, `t`.`sold_at`, `t`.`items`, `t`.`amount`, `t`.`payment`))), 2147483647)) AS STRING), ':', CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`receipt_id`, `t`.`store_id`, `t`.`till`, `t`.`sold_at`, `t`.`items`, `t`.`amount`, `t`.`payment`)))) AS STRING)) AS `fingerprint` FROM `retail-mesh-prod`.`store`.`raw_receipts` AS t WHERE (CAST(`t`.`sold_at` AS DATE) IN (CAST('2026-10-31' AS DATE)) OR `t`.`sold_at` IS NULL) GROUP BY CAST(`t`.`sold_at` AS DATE);

-- incremental: the state kept for the next build
SELECT * FROM `retail-mesh-prod`.`store`.`_state_store_live_sales` WHERE NOT COALESCE((`input` = 'example' AND `day` IN (DATE '2026-10-31')), FALSE) UNION ALL SELECT 'receipts' AS `input`, CAST(`t`.`sold_at` AS DATE) AS `day`, COUNT(*) AS `row_count`, CAST(NULL AS STRING) AS `marker`, CONCAT(CAST(SUM(MOD(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`receipt_id`, `t`.`store_id`, `t`.`till`, `t`.`sold_at`, `t`.`items`, `t`.`amount`, `t`.`payment`))), 2147483647)) AS STRING), ':', CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`receipt_id`, `t`.`store_id`, `t`.`till`, `t`.`sold_at`, `t`.`items`, `t`.`amount`, `t`.`payment`)))) AS STRING)) AS `fingerprint` FROM `retail-mesh-prod`.`store`.`raw_receipts` AS t WHERE (CAST(`t`.`sold_at` AS DATE) IN (CAST('2026-10-31' AS DATE))) GROUP BY CAST(`t`.`sold_at` AS DATE);

-- incremental: fingerprints of the inputs per day
SELECT 'receipts' AS `input`, CAST(`t`.`sold_at` AS DATE) AS `day`, COUNT(*) AS `row_count`, CAST(NULL AS STRING) AS `marker`, CONCAT(CAST(SUM(MOD(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`receipt_id`, `t`.`store_id`, `t`.`till`, `t`.`sold_at`, `t`.`items`, `t`.`amount`, `t`.`payment`))), 2147483647)) AS STRING), ':', CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`receipt_id`, `t`.`store_id`, `t`.`till`, `t`.`sold_at`, `t`.`items`, `t`.`amount`, `t`.`payment`)))) AS STRING)) AS `fingerprint` FROM `retail-mesh-prod`.`store`.`raw_receipts` AS t GROUP BY CAST(`t`.`sold_at` AS DATE) UNION ALL SELECT CAST('_build_query' AS STRING) AS `input`, CAST(NULL AS DATE) AS `day`, CAST(0 AS INT64) AS `row_count`, CAST(NULL AS STRING) AS `marker`, CAST('example-build-query-hash' AS STRING) AS `fingerprint`;

-- incremental: staging of a build that rebuilds changed days
SELECT * FROM `retail-mesh-prod`.`store`.`store_live_sales` AS p WHERE NOT COALESCE((`p`.`business_date` IN (CAST('2026-10-31' AS DATE)) OR `p`.`business_date` IS NULL), FALSE) UNION ALL SELECT * FROM (SELECT CAST(`q`.`store_id` AS STRING) AS `store_id`, CAST(`q`.`business_date` AS DATE) AS `business_date`, IF(CAST(`q`.`receipts` AS FLOAT64) <> TRUNC(CAST(`q`.`receipts` AS FLOAT64)), ERROR(CONCAT('column receipts: the transform gives ', CAST(`q`.`receipts` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`receipts` AS INT64)) AS `receipts`, IF(CAST(`q`.`items` AS FLOAT64) <> TRUNC(CAST(`q`.`items` AS FLOAT64)), ERROR(CONCAT('column items: the transform gives ', CAST(`q`.`items` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`items` AS INT64)) AS `items`, CAST(`q`.`revenue` AS NUMERIC) AS `revenue`, CAST(`q`.`average_basket` AS NUMERIC) AS `average_basket`, CAST(`q`.`card_share` AS FLOAT64) AS `card_share`, CAST(`q`.`first_sale_at` AS TIMESTAMP) AS `first_sale_at`, CAST(`q`.`last_sale_at` AS TIMESTAMP) AS `last_sale_at`, CAST('store' AS STRING) AS `_domain`, CAST('store_live_sales' AS STRING) AS `_product`, CAST('1.0.2' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    SELECT store_id, CAST(sold_at AS DATE) AS business_date,
           COUNT(*) AS receipts,
           SUM(items) AS items,
           SUM(amount) AS revenue,
           ROUND(CAST(SAFE_DIVIDE(SUM(amount), COUNT(*)) AS NUMERIC), 2) AS average_basket,
           ROUND(CAST(SAFE_DIVIDE(SUM(CASE WHEN payment <> 'cash' THEN amount ELSE 0 END), SUM(amount)) AS NUMERIC), 3) AS card_share,
           MIN(sold_at) AS first_sale_at,
           MAX(sold_at) AS last_sale_at
    FROM `retail-mesh-prod`.`store`.`raw_receipts`
    GROUP BY store_id, CAST(sold_at AS DATE)) AS q) AS b WHERE (`b`.`business_date` IN (CAST('2026-10-31' AS DATE)) OR `b`.`business_date` IS NULL);
