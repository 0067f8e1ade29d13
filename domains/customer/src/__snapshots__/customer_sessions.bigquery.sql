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
AS SELECT CAST(`q`.`session_id` AS STRING) AS `session_id`, CAST(`q`.`customer_id` AS STRING) AS `customer_id`, CAST(`q`.`started_at` AS TIMESTAMP) AS `started_at`, CAST(`q`.`device` AS STRING) AS `device`, CAST(`q`.`page_views` AS INT64) AS `page_views`, CAST(`q`.`product_views` AS INT64) AS `product_views`, CAST(`q`.`added_to_cart` AS BOOL) AS `added_to_cart`, CAST(`q`.`purchased` AS BOOL) AS `purchased`, CAST('customer' AS STRING) AS `_domain`, CAST('customer_sessions' AS STRING) AS `_product`, CAST('1.0.0' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    SELECT session_id, customer_id, started_at, device, page_views, product_views, added_to_cart, purchased
    FROM (
      SELECT s.*,
             ROW_NUMBER() OVER (PARTITION BY session_id ORDER BY page_views DESC, started_at NULLS LAST, device NULLS LAST) AS copy
      FROM `retail-mesh-prod`.`customer`.`raw_web_sessions` AS s
    ) AS deduplicated
    WHERE copy = 1) AS q;

-- checks (one query for the whole suite)
SELECT COUNT(*) AS `row_count`, COUNT(`t`.`session_id`) AS `nn_0`, COUNT(`t`.`customer_id`) AS `nn_1`, COUNT(`t`.`started_at`) AS `nn_2`, COUNT(`t`.`device`) AS `nn_3`, COUNT(`t`.`page_views`) AS `nn_4`, COUNT(`t`.`product_views`) AS `nn_5`, COUNT(`t`.`added_to_cart`) AS `nn_6`, COUNT(`t`.`purchased`) AS `nn_7`, COUNT(`t`.`session_id`) - COUNT(DISTINCT `t`.`session_id`) AS `check_0`, COUNT(*) - COUNT(`t`.`session_id`) AS `check_1`, COUNT(*) - COUNT(`t`.`customer_id`) AS `check_2`, COUNT(*) - COUNT(`t`.`started_at`) AS `check_3`, SUM(CASE WHEN `t`.`device` IS NOT NULL AND `t`.`device` NOT IN ('desktop', 'mobile', 'tablet', 'app') THEN 1 ELSE 0 END) AS `check_4`, SUM(CASE WHEN `t`.`page_views` < 1 THEN 1 ELSE 0 END) AS `check_5`, SUM(CASE WHEN `t`.`product_views` < 0 THEN 1 ELSE 0 END) AS `check_6`, SUM(CASE WHEN NOT COALESCE((added_to_cart OR NOT purchased), FALSE) THEN 1 ELSE 0 END) AS `check_7`, (SELECT COUNT(*) FROM `retail-mesh-prod`.`customer`.`_staging_customer_sessions` AS x WHERE `x`.`customer_id` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`customer`.`customer_profile` AS r WHERE `r`.`customer_id` = `x`.`customer_id`)) AS `check_8`, COUNT(*) AS `check_9` FROM `retail-mesh-prod`.`customer`.`_staging_customer_sessions` AS t;
