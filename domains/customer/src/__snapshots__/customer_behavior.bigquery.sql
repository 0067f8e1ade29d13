-- customer.customer_behavior 1.0.1: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH known AS (
      SELECT s.customer_id, s.started_at, s.device, s.page_views, s.product_views, s.added_to_cart, s.purchased
      FROM `retail-mesh-prod`.`customer`.`customer_sessions` AS s
      JOIN `retail-mesh-prod`.`customer`.`customer_profile` AS p ON p.customer_id = s.customer_id
    ),
    totals AS (
      SELECT customer_id,
             COUNT(*) AS sessions,
             SUM(page_views) AS page_views,
             SUM(product_views) AS product_views,
             SUM(CASE WHEN added_to_cart THEN 1 ELSE 0 END) AS cart_adds,
             SUM(CASE WHEN purchased THEN 1 ELSE 0 END) AS purchases,
             MIN(started_at) AS first_seen_at,
             MAX(started_at) AS last_seen_at
      FROM known
      GROUP BY customer_id
    ),
    devices AS (
      SELECT customer_id, device
      FROM (
        SELECT customer_id, device,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY COUNT(*) DESC, device NULLS LAST) AS position
        FROM known
        GROUP BY customer_id, device
      ) AS ranked
      WHERE position = 1
    ),
    newest AS (
      SELECT MAX(started_at) AS started_at FROM known
    )
    SELECT p.customer_id,
           COALESCE(t.sessions, 0) AS sessions,
           COALESCE(t.page_views, 0) AS page_views,
           COALESCE(t.product_views, 0) AS product_views,
           COALESCE(t.cart_adds, 0) AS cart_adds,
           COALESCE(t.purchases, 0) AS purchases,
           SAFE_DIVIDE(COALESCE(t.purchases, 0), COALESCE(t.sessions, 0)) AS conversion_rate,
           t.first_seen_at,
           t.last_seen_at,
           DATE_DIFF(CAST(CAST(n.started_at AS DATE) AS DATE), CAST(CAST(t.last_seen_at AS DATE) AS DATE), DAY) AS days_since_last_session,
           d.device AS preferred_device
    FROM `retail-mesh-prod`.`customer`.`customer_profile` AS p
    CROSS JOIN newest AS n
    LEFT JOIN totals AS t ON t.customer_id = p.customer_id
    LEFT JOIN devices AS d ON d.customer_id = p.customer_id;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`customer`.`_staging_customer_behavior` (
  `customer_id` STRING OPTIONS(description='Customer identifier'),
  `sessions` INT64 OPTIONS(description='Sessions of the customer'),
  `page_views` INT64 OPTIONS(description='Pages viewed over all sessions'),
  `product_views` INT64 OPTIONS(description='Product detail pages viewed over all sessions'),
  `cart_adds` INT64 OPTIONS(description='Sessions in which something was added to the cart'),
  `purchases` INT64 OPTIONS(description='Sessions that ended with an order'),
  `conversion_rate` FLOAT64 OPTIONS(description='purchases / sessions, 0 to 1; NULL for a customer without sessions'),
  `first_seen_at` TIMESTAMP OPTIONS(description='Start of the first session (UTC); NULL without sessions'),
  `last_seen_at` TIMESTAMP OPTIONS(description='Start of the latest session (UTC); NULL without sessions'),
  `days_since_last_session` INT64 OPTIONS(description='Days from the latest session of the customer to the newest session of any customer (the data, not the clock, sets the reference); NULL without sessions'),
  `preferred_device` STRING OPTIONS(description='Device of most sessions, ties going to the first device name in alphabetical order; NULL without sessions'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
CLUSTER BY `customer_id`
OPTIONS(description='Per customer: sessions, page and product views, cart adds, purchases, conversion, recency and favourite device; customers who never visited have zeros.', labels=[('domain', 'customer'), ('product', 'customer_behavior'), ('tier', 'silver'), ('version', '1-0-1')])
AS SELECT CAST(`q`.`customer_id` AS STRING) AS `customer_id`, IF(CAST(`q`.`sessions` AS FLOAT64) <> TRUNC(CAST(`q`.`sessions` AS FLOAT64)), ERROR(CONCAT('column sessions: the transform gives ', CAST(`q`.`sessions` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`sessions` AS INT64)) AS `sessions`, IF(CAST(`q`.`page_views` AS FLOAT64) <> TRUNC(CAST(`q`.`page_views` AS FLOAT64)), ERROR(CONCAT('column page_views: the transform gives ', CAST(`q`.`page_views` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`page_views` AS INT64)) AS `page_views`, IF(CAST(`q`.`product_views` AS FLOAT64) <> TRUNC(CAST(`q`.`product_views` AS FLOAT64)), ERROR(CONCAT('column product_views: the transform gives ', CAST(`q`.`product_views` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`product_views` AS INT64)) AS `product_views`, IF(CAST(`q`.`cart_adds` AS FLOAT64) <> TRUNC(CAST(`q`.`cart_adds` AS FLOAT64)), ERROR(CONCAT('column cart_adds: the transform gives ', CAST(`q`.`cart_adds` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`cart_adds` AS INT64)) AS `cart_adds`, IF(CAST(`q`.`purchases` AS FLOAT64) <> TRUNC(CAST(`q`.`purchases` AS FLOAT64)), ERROR(CONCAT('column purchases: the transform gives ', CAST(`q`.`purchases` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`purchases` AS INT64)) AS `purchases`, CAST(`q`.`conversion_rate` AS FLOAT64) AS `conversion_rate`, CAST(`q`.`first_seen_at` AS TIMESTAMP) AS `first_seen_at`, CAST(`q`.`last_seen_at` AS TIMESTAMP) AS `last_seen_at`, IF(CAST(`q`.`days_since_last_session` AS FLOAT64) <> TRUNC(CAST(`q`.`days_since_last_session` AS FLOAT64)), ERROR(CONCAT('column days_since_last_session: the transform gives ', CAST(`q`.`days_since_last_session` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`days_since_last_session` AS INT64)) AS `days_since_last_session`, CAST(`q`.`preferred_device` AS STRING) AS `preferred_device`, CAST('customer' AS STRING) AS `_domain`, CAST('customer_behavior' AS STRING) AS `_product`, CAST('1.0.1' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH known AS (
      SELECT s.customer_id, s.started_at, s.device, s.page_views, s.product_views, s.added_to_cart, s.purchased
      FROM `retail-mesh-prod`.`customer`.`customer_sessions` AS s
      JOIN `retail-mesh-prod`.`customer`.`customer_profile` AS p ON p.customer_id = s.customer_id
    ),
    totals AS (
      SELECT customer_id,
             COUNT(*) AS sessions,
             SUM(page_views) AS page_views,
             SUM(product_views) AS product_views,
             SUM(CASE WHEN added_to_cart THEN 1 ELSE 0 END) AS cart_adds,
             SUM(CASE WHEN purchased THEN 1 ELSE 0 END) AS purchases,
             MIN(started_at) AS first_seen_at,
             MAX(started_at) AS last_seen_at
      FROM known
      GROUP BY customer_id
    ),
    devices AS (
      SELECT customer_id, device
      FROM (
        SELECT customer_id, device,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY COUNT(*) DESC, device NULLS LAST) AS position
        FROM known
        GROUP BY customer_id, device
      ) AS ranked
      WHERE position = 1
    ),
    newest AS (
      SELECT MAX(started_at) AS started_at FROM known
    )
    SELECT p.customer_id,
           COALESCE(t.sessions, 0) AS sessions,
           COALESCE(t.page_views, 0) AS page_views,
           COALESCE(t.product_views, 0) AS product_views,
           COALESCE(t.cart_adds, 0) AS cart_adds,
           COALESCE(t.purchases, 0) AS purchases,
           SAFE_DIVIDE(COALESCE(t.purchases, 0), COALESCE(t.sessions, 0)) AS conversion_rate,
           t.first_seen_at,
           t.last_seen_at,
           DATE_DIFF(CAST(CAST(n.started_at AS DATE) AS DATE), CAST(CAST(t.last_seen_at AS DATE) AS DATE), DAY) AS days_since_last_session,
           d.device AS preferred_device
    FROM `retail-mesh-prod`.`customer`.`customer_profile` AS p
    CROSS JOIN newest AS n
    LEFT JOIN totals AS t ON t.customer_id = p.customer_id
    LEFT JOIN devices AS d ON d.customer_id = p.customer_id) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `u`.`p0` AS `check_2`, `u`.`p1` AS `check_3`, `u`.`p2` AS `check_4`, `u`.`p3` AS `check_5`, `u`.`p4` AS `check_6`, `u`.`p5` AS `check_7`, `u`.`p6` AS `check_8`, `s`.`row_count` AS `check_9`, `u`.`p7` AS `check_10`, `s`.`row_count` - `s`.`nn_1` AS `check_11`, `s`.`row_count` - `s`.`nn_2` AS `check_12`, `s`.`row_count` - `s`.`nn_3` AS `check_13`, `s`.`row_count` - `s`.`nn_4` AS `check_14`, `s`.`row_count` - `s`.`nn_5` AS `check_15` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`customer_id`) AS `nn_0`, COUNT(`t`.`sessions`) AS `nn_1`, COUNT(`t`.`page_views`) AS `nn_2`, COUNT(`t`.`product_views`) AS `nn_3`, COUNT(`t`.`cart_adds`) AS `nn_4`, COUNT(`t`.`purchases`) AS `nn_5` FROM `retail-mesh-prod`.`customer`.`_staging_customer_behavior` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`customer_id` AS `k0` FROM `retail-mesh-prod`.`customer`.`_staging_customer_behavior` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5`, MAX(CASE WHEN `f`.`k` = 6 THEN `f`.`failing` END) AS `p6`, MAX(CASE WHEN `f`.`k` = 7 THEN `f`.`failing` END) AS `p7` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_behavior` AS t WHERE `t`.`customer_id` IS NOT NULL AND `t`.`customer_id` NOT IN (SELECT `r`.`customer_id` FROM `retail-mesh-prod`.`customer`.`customer_profile` AS r WHERE `r`.`customer_id` IS NOT NULL)) UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_behavior` AS t WHERE `t`.`sessions` < 0) UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_behavior` AS t WHERE `t`.`conversion_rate` < 0 OR `t`.`conversion_rate` > 1) UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_behavior` AS t WHERE `t`.`days_since_last_session` < 0) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_behavior` AS t WHERE `t`.`preferred_device` <> 'desktop' AND `t`.`preferred_device` <> 'mobile' AND `t`.`preferred_device` <> 'tablet' AND `t`.`preferred_device` <> 'app') UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_behavior` AS t WHERE NOT COALESCE((cart_adds <= sessions AND purchases <= sessions AND page_views >= sessions), FALSE)) UNION ALL (SELECT 6 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_behavior` AS t WHERE NOT COALESCE(((sessions = 0 AND last_seen_at IS NULL AND preferred_device IS NULL) OR (sessions > 0 AND first_seen_at <= last_seen_at AND preferred_device IS NOT NULL)), FALSE)) UNION ALL (SELECT 7 AS `k`, COUNT(*) AS `failing` FROM (SELECT s.customer_id FROM `retail-mesh-prod`.`customer`.`_staging_customer_behavior` AS s WHERE NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`customer`.`_staging_customer_behavior` AS v WHERE v.sessions > 0)) AS a)) AS f) AS u;
