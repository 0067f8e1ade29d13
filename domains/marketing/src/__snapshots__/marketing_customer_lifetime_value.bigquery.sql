-- marketing.marketing_customer_lifetime_value 1.0.2: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH counted AS (
      SELECT customer_id,
             MIN(order_date) AS first_order_date,
             MAX(order_date) AS last_order_date,
             COUNT(*) AS orders,
             SUM(net_amount - COALESCE(returned_amount, 0)) AS net_revenue
      FROM `retail-mesh-prod`.`order`.`order_transactions`
      WHERE status IN ('completed', 'returned', 'partially_returned')
      GROUP BY customer_id
    ),
    measured AS (
      SELECT p.customer_id, p.segment, p.tier, o.first_order_date, o.last_order_date,
             COALESCE(o.orders, 0) AS orders,
             COALESCE(o.net_revenue, 0) AS net_revenue,
             COALESCE(DATE_DIFF(CAST(o.last_order_date AS DATE), CAST(o.first_order_date AS DATE), DAY) + 1, 0) AS active_days
      FROM `retail-mesh-prod`.`customer`.`customer_profile` AS p
      LEFT JOIN counted AS o ON o.customer_id = p.customer_id
    ),
    valued AS (
      SELECT m.*,
             COALESCE(SAFE_DIVIDE(CAST(net_revenue AS NUMERIC), CAST(orders AS NUMERIC)), 0) AS average_order_value,
             CASE WHEN orders = 0 THEN 0
                  ELSE orders * 365 / (CASE WHEN active_days < 30 THEN 30 ELSE active_days END)
             END AS purchase_frequency_per_year
      FROM measured AS m
    ),
    predicted AS (
      SELECT v.*,
             CASE WHEN orders = 0 THEN 0
                  ELSE SAFE_DIVIDE(CAST(net_revenue * 1095 AS NUMERIC), CAST(CASE WHEN active_days < 30 THEN 30 ELSE active_days END AS NUMERIC))
             END AS predicted_cltv
      FROM valued AS v
    )
    SELECT customer_id, segment, tier, first_order_date, last_order_date, orders, net_revenue,
           average_order_value, active_days, purchase_frequency_per_year, predicted_cltv,
           CASE WHEN predicted_cltv >= 40000 THEN 'top'
                WHEN predicted_cltv >= 15000 THEN 'high'
                WHEN predicted_cltv >= 5000 THEN 'medium'
                ELSE 'low' END AS cltv_band
    FROM predicted;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_lifetime_value` (
  `customer_id` STRING OPTIONS(description='Customer identifier'),
  `segment` STRING OPTIONS(description='Customer segment, from the customer profile'),
  `tier` STRING OPTIONS(description='Loyalty tier, from the customer profile'),
  `first_order_date` DATE OPTIONS(description='Day of the first counted order; NULL without orders'),
  `last_order_date` DATE OPTIONS(description='Day of the latest counted order; NULL without orders'),
  `orders` INT64 OPTIONS(description='Completed, returned and partially returned orders; cancelled ones do not count'),
  `net_revenue` NUMERIC OPTIONS(description='Sum of net_amount - returned_amount over the counted orders'),
  `average_order_value` NUMERIC OPTIONS(description='net_revenue / orders; 0 without orders'),
  `active_days` INT64 OPTIONS(description='Days from the first to the latest counted order, both included; 0 without orders'),
  `purchase_frequency_per_year` FLOAT64 OPTIONS(description='orders x 365 / max(active_days, 30): counted orders per year of activity; 0 without orders'),
  `predicted_cltv` NUMERIC OPTIONS(description='average_order_value x purchase_frequency_per_year x 3 (expected years)'),
  `cltv_band` STRING OPTIONS(description='low below 5,000; medium from 5,000; high from 15,000; top from 40,000 of predicted_cltv'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
CLUSTER BY `segment`, `tier`, `cltv_band`
OPTIONS(description='Per customer: orders, net revenue, average order value, purchase frequency and predicted lifetime value (average order value x orders per year x 3 years), banded low to top. Customers without orders are included with zeros.', labels=[('domain', 'marketing'), ('product', 'marketing_customer_lifetime_value'), ('tier', 'gold'), ('version', '1-0-2')])
AS SELECT CAST(`q`.`customer_id` AS STRING) AS `customer_id`, CAST(`q`.`segment` AS STRING) AS `segment`, CAST(`q`.`tier` AS STRING) AS `tier`, CAST(`q`.`first_order_date` AS DATE) AS `first_order_date`, CAST(`q`.`last_order_date` AS DATE) AS `last_order_date`, IF(CAST(`q`.`orders` AS FLOAT64) <> TRUNC(CAST(`q`.`orders` AS FLOAT64)), ERROR(CONCAT('column orders: the transform gives ', CAST(`q`.`orders` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`orders` AS INT64)) AS `orders`, CAST(`q`.`net_revenue` AS NUMERIC) AS `net_revenue`, CAST(`q`.`average_order_value` AS NUMERIC) AS `average_order_value`, IF(CAST(`q`.`active_days` AS FLOAT64) <> TRUNC(CAST(`q`.`active_days` AS FLOAT64)), ERROR(CONCAT('column active_days: the transform gives ', CAST(`q`.`active_days` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`active_days` AS INT64)) AS `active_days`, CAST(`q`.`purchase_frequency_per_year` AS FLOAT64) AS `purchase_frequency_per_year`, CAST(`q`.`predicted_cltv` AS NUMERIC) AS `predicted_cltv`, CAST(`q`.`cltv_band` AS STRING) AS `cltv_band`, CAST('marketing' AS STRING) AS `_domain`, CAST('marketing_customer_lifetime_value' AS STRING) AS `_product`, CAST('1.0.2' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH counted AS (
      SELECT customer_id,
             MIN(order_date) AS first_order_date,
             MAX(order_date) AS last_order_date,
             COUNT(*) AS orders,
             SUM(net_amount - COALESCE(returned_amount, 0)) AS net_revenue
      FROM `retail-mesh-prod`.`order`.`order_transactions`
      WHERE status IN ('completed', 'returned', 'partially_returned')
      GROUP BY customer_id
    ),
    measured AS (
      SELECT p.customer_id, p.segment, p.tier, o.first_order_date, o.last_order_date,
             COALESCE(o.orders, 0) AS orders,
             COALESCE(o.net_revenue, 0) AS net_revenue,
             COALESCE(DATE_DIFF(CAST(o.last_order_date AS DATE), CAST(o.first_order_date AS DATE), DAY) + 1, 0) AS active_days
      FROM `retail-mesh-prod`.`customer`.`customer_profile` AS p
      LEFT JOIN counted AS o ON o.customer_id = p.customer_id
    ),
    valued AS (
      SELECT m.*,
             COALESCE(SAFE_DIVIDE(CAST(net_revenue AS NUMERIC), CAST(orders AS NUMERIC)), 0) AS average_order_value,
             CASE WHEN orders = 0 THEN 0
                  ELSE orders * 365 / (CASE WHEN active_days < 30 THEN 30 ELSE active_days END)
             END AS purchase_frequency_per_year
      FROM measured AS m
    ),
    predicted AS (
      SELECT v.*,
             CASE WHEN orders = 0 THEN 0
                  ELSE SAFE_DIVIDE(CAST(net_revenue * 1095 AS NUMERIC), CAST(CASE WHEN active_days < 30 THEN 30 ELSE active_days END AS NUMERIC))
             END AS predicted_cltv
      FROM valued AS v
    )
    SELECT customer_id, segment, tier, first_order_date, last_order_date, orders, net_revenue,
           average_order_value, active_days, purchase_frequency_per_year, predicted_cltv,
           CASE WHEN predicted_cltv >= 40000 THEN 'top'
                WHEN predicted_cltv >= 15000 THEN 'high'
                WHEN predicted_cltv >= 5000 THEN 'medium'
                ELSE 'low' END AS cltv_band
    FROM predicted) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_9` AS `nn_9`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_1` AS `check_2`, `u`.`p0` AS `check_3`, `u`.`p1` AS `check_4`, `s`.`row_count` - `s`.`nn_9` AS `check_5`, `u`.`p2` AS `check_6`, `u`.`p3` AS `check_7`, `u`.`p4` AS `check_8`, `u`.`p5` AS `check_9`, `u`.`p6` AS `check_10`, `u`.`p7` AS `check_11`, `s`.`row_count` AS `check_12`, `u`.`p8` AS `check_13`, `s`.`row_count` - `s`.`nn_2` AS `check_14`, `s`.`row_count` - `s`.`nn_3` AS `check_15`, `s`.`row_count` - `s`.`nn_4` AS `check_16`, `s`.`row_count` - `s`.`nn_5` AS `check_17`, `s`.`row_count` - `s`.`nn_6` AS `check_18`, `s`.`row_count` - `s`.`nn_7` AS `check_19`, `s`.`row_count` - `s`.`nn_8` AS `check_20` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`customer_id`) AS `nn_0`, COUNT(`t`.`segment`) AS `nn_1`, COUNT(`t`.`tier`) AS `nn_2`, COUNT(`t`.`orders`) AS `nn_3`, COUNT(`t`.`net_revenue`) AS `nn_4`, COUNT(`t`.`average_order_value`) AS `nn_5`, COUNT(`t`.`active_days`) AS `nn_6`, COUNT(`t`.`purchase_frequency_per_year`) AS `nn_7`, COUNT(`t`.`predicted_cltv`) AS `nn_8`, COUNT(`t`.`cltv_band`) AS `nn_9` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_lifetime_value` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`customer_id` AS `k0` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_lifetime_value` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5`, MAX(CASE WHEN `f`.`k` = 6 THEN `f`.`failing` END) AS `p6`, MAX(CASE WHEN `f`.`k` = 7 THEN `f`.`failing` END) AS `p7`, MAX(CASE WHEN `f`.`k` = 8 THEN `f`.`failing` END) AS `p8` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_lifetime_value` AS t WHERE `t`.`segment` <> 'consumer' AND `t`.`segment` <> 'small_business' AND `t`.`segment` <> 'corporate') UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_lifetime_value` AS t WHERE `t`.`tier` <> 'bronze' AND `t`.`tier` <> 'silver' AND `t`.`tier` <> 'gold' AND `t`.`tier` <> 'platinum') UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_lifetime_value` AS t WHERE `t`.`cltv_band` <> 'low' AND `t`.`cltv_band` <> 'medium' AND `t`.`cltv_band` <> 'high' AND `t`.`cltv_band` <> 'top') UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_lifetime_value` AS t WHERE `t`.`orders` < 0) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_lifetime_value` AS t WHERE `t`.`active_days` < 0) UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_lifetime_value` AS t WHERE `t`.`purchase_frequency_per_year` < 0) UNION ALL (SELECT 6 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_lifetime_value` AS t WHERE `t`.`customer_id` IS NOT NULL AND `t`.`customer_id` NOT IN (SELECT `r`.`customer_id` FROM `retail-mesh-prod`.`customer`.`customer_profile` AS r WHERE `r`.`customer_id` IS NOT NULL)) UNION ALL (SELECT 7 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_lifetime_value` AS t WHERE NOT COALESCE((orders > 0 OR (first_order_date IS NULL AND net_revenue = 0 AND predicted_cltv = 0 AND cltv_band = 'low')), FALSE)) UNION ALL (SELECT 8 AS `k`, COUNT(*) AS `failing` FROM (SELECT o.order_id FROM `retail-mesh-prod`.`order`.`order_transactions` AS o WHERE NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_lifetime_value` AS v WHERE v.customer_id = o.customer_id)) AS a)) AS f) AS u;
