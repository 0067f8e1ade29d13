-- customer.customer_sessions 1.0.0: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
SELECT session_id, customer_id, started_at, device, page_views, product_views, added_to_cart, purchased
    FROM (
      SELECT s.*,
             ROW_NUMBER() OVER (PARTITION BY session_id ORDER BY page_views DESC, started_at NULLS LAST, device NULLS LAST) AS copy
      FROM `retail-mesh-prod`.`customer`.`raw_web_sessions` AS s
    ) AS deduplicated
    WHERE copy = 1;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`customer`.`_staging_customer_sessions` (
  `session_id` STRING OPTIONS(description='Session identifier'),
  `customer_id` STRING OPTIONS(description='Signed-in customer of the session'),
  `started_at` TIMESTAMP OPTIONS(description='When the session started (UTC)'),
  `device` STRING OPTIONS(description='Device class: desktop, mobile (browser), tablet or app'),
  `page_views` INT64 OPTIONS(description='Pages viewed in the session, at least one'),
  `product_views` INT64 OPTIONS(description='Product detail pages viewed in the session'),
  `added_to_cart` BOOL OPTIONS(description='Something was put in the cart during the session'),
  `purchased` BOOL OPTIONS(description='The session ended with an order'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
PARTITION BY TIMESTAMP_TRUNC(`started_at`, DAY)
CLUSTER BY `customer_id`, `device`
OPTIONS(description='Every web shop and app session of a signed-in customer, once, with its device and how far down the funnel it went.', labels=[('domain', 'customer'), ('product', 'customer_sessions'), ('tier', 'silver'), ('version', '1-0-0')])
AS SELECT CAST(`q`.`session_id` AS STRING) AS `session_id`, CAST(`q`.`customer_id` AS STRING) AS `customer_id`, CAST(`q`.`started_at` AS TIMESTAMP) AS `started_at`, CAST(`q`.`device` AS STRING) AS `device`, IF(CAST(`q`.`page_views` AS FLOAT64) <> TRUNC(CAST(`q`.`page_views` AS FLOAT64)), ERROR(CONCAT('column page_views: the transform gives ', CAST(`q`.`page_views` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`page_views` AS INT64)) AS `page_views`, IF(CAST(`q`.`product_views` AS FLOAT64) <> TRUNC(CAST(`q`.`product_views` AS FLOAT64)), ERROR(CONCAT('column product_views: the transform gives ', CAST(`q`.`product_views` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`product_views` AS INT64)) AS `product_views`, CAST(`q`.`added_to_cart` AS BOOL) AS `added_to_cart`, CAST(`q`.`purchased` AS BOOL) AS `purchased`, CAST('customer' AS STRING) AS `_domain`, CAST('customer_sessions' AS STRING) AS `_product`, CAST('1.0.0' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    SELECT session_id, customer_id, started_at, device, page_views, product_views, added_to_cart, purchased
    FROM (
      SELECT s.*,
             ROW_NUMBER() OVER (PARTITION BY session_id ORDER BY page_views DESC, started_at NULLS LAST, device NULLS LAST) AS copy
      FROM `retail-mesh-prod`.`customer`.`raw_web_sessions` AS s
    ) AS deduplicated
    WHERE copy = 1) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_1` AS `check_2`, `s`.`row_count` - `s`.`nn_2` AS `check_3`, `u`.`p0` AS `check_4`, `u`.`p1` AS `check_5`, `u`.`p2` AS `check_6`, `u`.`p3` AS `check_7`, `u`.`p4` AS `check_8`, `s`.`row_count` AS `check_9`, `s`.`row_count` - `s`.`nn_3` AS `check_10`, `s`.`row_count` - `s`.`nn_4` AS `check_11`, `s`.`row_count` - `s`.`nn_5` AS `check_12`, `s`.`row_count` - `s`.`nn_6` AS `check_13`, `s`.`row_count` - `s`.`nn_7` AS `check_14` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`session_id`) AS `nn_0`, COUNT(`t`.`customer_id`) AS `nn_1`, COUNT(`t`.`started_at`) AS `nn_2`, COUNT(`t`.`device`) AS `nn_3`, COUNT(`t`.`page_views`) AS `nn_4`, COUNT(`t`.`product_views`) AS `nn_5`, COUNT(`t`.`added_to_cart`) AS `nn_6`, COUNT(`t`.`purchased`) AS `nn_7` FROM `retail-mesh-prod`.`customer`.`_staging_customer_sessions` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`session_id` AS `k0` FROM `retail-mesh-prod`.`customer`.`_staging_customer_sessions` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_sessions` AS t WHERE `t`.`device` <> 'desktop' AND `t`.`device` <> 'mobile' AND `t`.`device` <> 'tablet' AND `t`.`device` <> 'app') UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_sessions` AS t WHERE `t`.`page_views` < 1) UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_sessions` AS t WHERE `t`.`product_views` < 0) UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_sessions` AS t WHERE NOT COALESCE((added_to_cart OR NOT purchased), FALSE)) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_sessions` AS t WHERE `t`.`customer_id` IS NOT NULL AND `t`.`customer_id` NOT IN (SELECT `r`.`customer_id` FROM `retail-mesh-prod`.`customer`.`customer_profile` AS r WHERE `r`.`customer_id` IS NOT NULL))) AS f) AS u;
