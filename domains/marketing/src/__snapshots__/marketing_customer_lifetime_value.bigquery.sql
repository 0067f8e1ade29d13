-- marketing.marketing_customer_lifetime_value 1.0.0: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

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
             COALESCE(SAFE_DIVIDE(net_revenue, orders), 0) AS average_order_value,
             CASE WHEN orders = 0 THEN 0
                  ELSE orders * 365 / (CASE WHEN active_days < 30 THEN 30 ELSE active_days END)
             END AS purchase_frequency_per_year
      FROM measured AS m
    ),
    predicted AS (
      SELECT v.*, average_order_value * purchase_frequency_per_year * 3 AS predicted_cltv
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
OPTIONS(description='Per customer: orders, net revenue, average order value, purchase frequency and predicted lifetime value (average order value x orders per year x 3 years), banded low to top. Customers without orders are included with zeros.', labels=[('domain', 'marketing'), ('product', 'marketing_customer_lifetime_value'), ('tier', 'gold'), ('version', '1-0-0')])
AS SELECT CAST(`q`.`customer_id` AS STRING) AS `customer_id`, CAST(`q`.`segment` AS STRING) AS `segment`, CAST(`q`.`tier` AS STRING) AS `tier`, CAST(`q`.`first_order_date` AS DATE) AS `first_order_date`, CAST(`q`.`last_order_date` AS DATE) AS `last_order_date`, CAST(`q`.`orders` AS INT64) AS `orders`, CAST(`q`.`net_revenue` AS NUMERIC) AS `net_revenue`, CAST(`q`.`average_order_value` AS NUMERIC) AS `average_order_value`, CAST(`q`.`active_days` AS INT64) AS `active_days`, CAST(`q`.`purchase_frequency_per_year` AS FLOAT64) AS `purchase_frequency_per_year`, CAST(`q`.`predicted_cltv` AS NUMERIC) AS `predicted_cltv`, CAST(`q`.`cltv_band` AS STRING) AS `cltv_band`, CAST('marketing' AS STRING) AS `_domain`, CAST('marketing_customer_lifetime_value' AS STRING) AS `_product`, CAST('1.0.0' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
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
             COALESCE(SAFE_DIVIDE(net_revenue, orders), 0) AS average_order_value,
             CASE WHEN orders = 0 THEN 0
                  ELSE orders * 365 / (CASE WHEN active_days < 30 THEN 30 ELSE active_days END)
             END AS purchase_frequency_per_year
      FROM measured AS m
    ),
    predicted AS (
      SELECT v.*, average_order_value * purchase_frequency_per_year * 3 AS predicted_cltv
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
SELECT COUNT(*) AS `row_count`, COUNT(`t`.`customer_id`) AS `nn_0`, COUNT(`t`.`segment`) AS `nn_1`, COUNT(`t`.`tier`) AS `nn_2`, COUNT(`t`.`orders`) AS `nn_3`, COUNT(`t`.`net_revenue`) AS `nn_4`, COUNT(`t`.`average_order_value`) AS `nn_5`, COUNT(`t`.`active_days`) AS `nn_6`, COUNT(`t`.`purchase_frequency_per_year`) AS `nn_7`, COUNT(`t`.`predicted_cltv`) AS `nn_8`, COUNT(`t`.`cltv_band`) AS `nn_9`, COUNT(`t`.`customer_id`) - COUNT(DISTINCT `t`.`customer_id`) AS `check_0`, COUNT(*) - COUNT(`t`.`customer_id`) AS `check_1`, COUNT(*) - COUNT(`t`.`segment`) AS `check_2`, SUM(CASE WHEN `t`.`segment` IS NOT NULL AND `t`.`segment` NOT IN ('consumer', 'small_business', 'corporate') THEN 1 ELSE 0 END) AS `check_3`, SUM(CASE WHEN `t`.`tier` IS NOT NULL AND `t`.`tier` NOT IN ('bronze', 'silver', 'gold', 'platinum') THEN 1 ELSE 0 END) AS `check_4`, COUNT(*) - COUNT(`t`.`cltv_band`) AS `check_5`, SUM(CASE WHEN `t`.`cltv_band` IS NOT NULL AND `t`.`cltv_band` NOT IN ('low', 'medium', 'high', 'top') THEN 1 ELSE 0 END) AS `check_6`, SUM(CASE WHEN `t`.`orders` < 0 THEN 1 ELSE 0 END) AS `check_7`, SUM(CASE WHEN `t`.`active_days` < 0 THEN 1 ELSE 0 END) AS `check_8`, SUM(CASE WHEN `t`.`purchase_frequency_per_year` < 0 THEN 1 ELSE 0 END) AS `check_9`, (SELECT COUNT(*) FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_lifetime_value` AS x WHERE `x`.`customer_id` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`customer`.`customer_profile` AS r WHERE `r`.`customer_id` = `x`.`customer_id`)) AS `check_10`, SUM(CASE WHEN NOT COALESCE((orders > 0 OR (first_order_date IS NULL AND net_revenue = 0 AND predicted_cltv = 0 AND cltv_band = 'low')), FALSE) THEN 1 ELSE 0 END) AS `check_11`, COUNT(*) AS `check_12`, (SELECT COUNT(*) FROM (SELECT o.order_id FROM `retail-mesh-prod`.`order`.`order_transactions` AS o WHERE NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_lifetime_value` AS v WHERE v.customer_id = o.customer_id)) AS a) AS `check_13` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_lifetime_value` AS t;
