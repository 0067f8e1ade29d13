-- customer.customer_daily_activity 1.0.0: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
SELECT CAST(started_at AS DATE) AS activity_date,
           device,
           COUNT(*) AS sessions,
           COUNT(DISTINCT customer_id) AS customers,
           SUM(page_views) AS page_views,
           SUM(CASE WHEN added_to_cart THEN 1 ELSE 0 END) AS cart_adds,
           SUM(CASE WHEN purchased THEN 1 ELSE 0 END) AS purchases,
           SAFE_DIVIDE(SUM(CASE WHEN purchased THEN 1 ELSE 0 END), COUNT(*)) AS conversion_rate
    FROM `retail-mesh-prod`.`customer`.`customer_sessions`
    GROUP BY 1, 2;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`customer`.`_staging_customer_daily_activity` (
  `activity_date` DATE OPTIONS(description='Day the sessions started (UTC)'),
  `device` STRING OPTIONS(description='Device class: desktop, mobile (browser), tablet or app'),
  `sessions` INT64 OPTIONS(description='Sessions started that day on the device'),
  `customers` INT64 OPTIONS(description='Distinct customers with a session that day on the device'),
  `page_views` INT64 OPTIONS(description='Pages viewed in those sessions'),
  `cart_adds` INT64 OPTIONS(description='Sessions in which something was added to the cart'),
  `purchases` INT64 OPTIONS(description='Sessions that ended with an order'),
  `conversion_rate` FLOAT64 OPTIONS(description='purchases / sessions, 0 to 1'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
PARTITION BY `activity_date`
CLUSTER BY `device`
OPTIONS(description='Per day (UTC) and device: sessions, distinct customers, page views, cart adds, purchases and conversion rate of the web shop and the app.', labels=[('domain', 'customer'), ('product', 'customer_daily_activity'), ('tier', 'silver'), ('version', '1-0-0')])
AS SELECT CAST(`q`.`activity_date` AS DATE) AS `activity_date`, CAST(`q`.`device` AS STRING) AS `device`, IF(CAST(`q`.`sessions` AS FLOAT64) <> TRUNC(CAST(`q`.`sessions` AS FLOAT64)), ERROR(CONCAT('column sessions: the transform gives ', CAST(`q`.`sessions` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`sessions` AS INT64)) AS `sessions`, IF(CAST(`q`.`customers` AS FLOAT64) <> TRUNC(CAST(`q`.`customers` AS FLOAT64)), ERROR(CONCAT('column customers: the transform gives ', CAST(`q`.`customers` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`customers` AS INT64)) AS `customers`, IF(CAST(`q`.`page_views` AS FLOAT64) <> TRUNC(CAST(`q`.`page_views` AS FLOAT64)), ERROR(CONCAT('column page_views: the transform gives ', CAST(`q`.`page_views` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`page_views` AS INT64)) AS `page_views`, IF(CAST(`q`.`cart_adds` AS FLOAT64) <> TRUNC(CAST(`q`.`cart_adds` AS FLOAT64)), ERROR(CONCAT('column cart_adds: the transform gives ', CAST(`q`.`cart_adds` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`cart_adds` AS INT64)) AS `cart_adds`, IF(CAST(`q`.`purchases` AS FLOAT64) <> TRUNC(CAST(`q`.`purchases` AS FLOAT64)), ERROR(CONCAT('column purchases: the transform gives ', CAST(`q`.`purchases` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`purchases` AS INT64)) AS `purchases`, CAST(`q`.`conversion_rate` AS FLOAT64) AS `conversion_rate`, CAST('customer' AS STRING) AS `_domain`, CAST('customer_daily_activity' AS STRING) AS `_product`, CAST('1.0.0' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    SELECT CAST(started_at AS DATE) AS activity_date,
           device,
           COUNT(*) AS sessions,
           COUNT(DISTINCT customer_id) AS customers,
           SUM(page_views) AS page_views,
           SUM(CASE WHEN added_to_cart THEN 1 ELSE 0 END) AS cart_adds,
           SUM(CASE WHEN purchased THEN 1 ELSE 0 END) AS purchases,
           SAFE_DIVIDE(SUM(CASE WHEN purchased THEN 1 ELSE 0 END), COUNT(*)) AS conversion_rate
    FROM `retail-mesh-prod`.`customer`.`customer_sessions`
    GROUP BY 1, 2) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`row_count` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_1` AS `check_2`, `u`.`p0` AS `check_3`, `u`.`p1` AS `check_4`, `u`.`p2` AS `check_5`, `u`.`p3` AS `check_6`, `s`.`row_count` AS `check_7`, `s`.`row_count` - `s`.`nn_2` AS `check_8`, `s`.`row_count` - `s`.`nn_3` AS `check_9`, `s`.`row_count` - `s`.`nn_4` AS `check_10`, `s`.`row_count` - `s`.`nn_5` AS `check_11`, `s`.`row_count` - `s`.`nn_6` AS `check_12`, `s`.`row_count` - `s`.`nn_7` AS `check_13` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`activity_date`) AS `nn_0`, COUNT(`t`.`device`) AS `nn_1`, COUNT(`t`.`sessions`) AS `nn_2`, COUNT(`t`.`customers`) AS `nn_3`, COUNT(`t`.`page_views`) AS `nn_4`, COUNT(`t`.`cart_adds`) AS `nn_5`, COUNT(`t`.`purchases`) AS `nn_6`, COUNT(`t`.`conversion_rate`) AS `nn_7` FROM `retail-mesh-prod`.`customer`.`_staging_customer_daily_activity` AS t) AS s CROSS JOIN (SELECT COUNT(*) AS `a0` FROM (SELECT DISTINCT `t`.`activity_date` AS `k0`, `t`.`device` AS `k1` FROM `retail-mesh-prod`.`customer`.`_staging_customer_daily_activity` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_daily_activity` AS t WHERE `t`.`device` <> 'desktop' AND `t`.`device` <> 'mobile' AND `t`.`device` <> 'tablet' AND `t`.`device` <> 'app') UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_daily_activity` AS t WHERE `t`.`sessions` < 1) UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_daily_activity` AS t WHERE `t`.`conversion_rate` < 0 OR `t`.`conversion_rate` > 1) UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_daily_activity` AS t WHERE NOT COALESCE((customers <= sessions AND cart_adds <= sessions AND purchases <= sessions AND page_views >= sessions), FALSE))) AS f) AS u;
