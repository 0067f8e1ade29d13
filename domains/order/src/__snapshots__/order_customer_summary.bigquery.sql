-- order.order_customer_summary 1.0.0: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH channels AS (
      SELECT customer_id, channel,
             ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY COUNT(*) DESC, MAX(ordered_at) DESC, channel NULLS LAST) AS preference
      FROM `retail-mesh-prod`.`order`.`order_transactions`
      GROUP BY customer_id, channel
    ),
    totals AS (
      SELECT customer_id,
             SUM(CASE WHEN status <> 'cancelled' THEN 1 ELSE 0 END) AS orders,
             SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled_orders,
             MIN(ordered_at) AS first_order_at,
             MAX(ordered_at) AS last_order_at,
             SUM(CASE WHEN status <> 'cancelled' THEN item_count ELSE 0 END) AS items,
             SUM(CASE WHEN status <> 'cancelled' THEN net_amount ELSE 0 END) AS net_spend,
             SUM(returned_amount) AS returned_amount
      FROM `retail-mesh-prod`.`order`.`order_transactions`
      GROUP BY customer_id
    )
    SELECT t.customer_id, t.orders, t.cancelled_orders, t.first_order_at, t.last_order_at, t.items,
           t.net_spend, t.returned_amount,
           ROUND(CAST(SAFE_DIVIDE(t.net_spend, t.orders) AS NUMERIC), 2) AS average_order_value,
           c.channel AS favorite_channel
    FROM totals AS t
    JOIN channels AS c ON c.customer_id = t.customer_id AND c.preference = 1;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`order`.`_staging_order_customer_summary` (
  `customer_id` STRING OPTIONS(description='Customer'),
  `orders` INT64 OPTIONS(description='Orders placed and not cancelled'),
  `cancelled_orders` INT64 OPTIONS(description='Orders cancelled'),
  `first_order_at` TIMESTAMP OPTIONS(description='When the first order, cancelled or not, was placed (UTC)'),
  `last_order_at` TIMESTAMP OPTIONS(description='When the latest order, cancelled or not, was placed (UTC)'),
  `items` INT64 OPTIONS(description='Units in the orders not cancelled'),
  `net_spend` NUMERIC OPTIONS(description='Sum of net_amount over the orders not cancelled'),
  `returned_amount` NUMERIC OPTIONS(description='Refunds received'),
  `average_order_value` NUMERIC OPTIONS(description='net_spend / orders, rounded to the cent; NULL when every order was cancelled'),
  `favorite_channel` STRING OPTIONS(description='Channel of most orders (cancelled included); on a tie, the one used most recently'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
CLUSTER BY `customer_id`
OPTIONS(description='Per customer who ever ordered: orders and cancellations, first and last order, units, spend, refunds, average order value and favourite channel.', labels=[('domain', 'order'), ('product', 'order_customer_summary'), ('tier', 'silver'), ('version', '1-0-0')])
AS SELECT CAST(`q`.`customer_id` AS STRING) AS `customer_id`, IF(CAST(`q`.`orders` AS FLOAT64) <> TRUNC(CAST(`q`.`orders` AS FLOAT64)), ERROR(CONCAT('column orders: the transform gives ', CAST(`q`.`orders` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`orders` AS INT64)) AS `orders`, IF(CAST(`q`.`cancelled_orders` AS FLOAT64) <> TRUNC(CAST(`q`.`cancelled_orders` AS FLOAT64)), ERROR(CONCAT('column cancelled_orders: the transform gives ', CAST(`q`.`cancelled_orders` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`cancelled_orders` AS INT64)) AS `cancelled_orders`, CAST(`q`.`first_order_at` AS TIMESTAMP) AS `first_order_at`, CAST(`q`.`last_order_at` AS TIMESTAMP) AS `last_order_at`, IF(CAST(`q`.`items` AS FLOAT64) <> TRUNC(CAST(`q`.`items` AS FLOAT64)), ERROR(CONCAT('column items: the transform gives ', CAST(`q`.`items` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`items` AS INT64)) AS `items`, CAST(`q`.`net_spend` AS NUMERIC) AS `net_spend`, CAST(`q`.`returned_amount` AS NUMERIC) AS `returned_amount`, CAST(`q`.`average_order_value` AS NUMERIC) AS `average_order_value`, CAST(`q`.`favorite_channel` AS STRING) AS `favorite_channel`, CAST('order' AS STRING) AS `_domain`, CAST('order_customer_summary' AS STRING) AS `_product`, CAST('1.0.0' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH channels AS (
      SELECT customer_id, channel,
             ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY COUNT(*) DESC, MAX(ordered_at) DESC, channel NULLS LAST) AS preference
      FROM `retail-mesh-prod`.`order`.`order_transactions`
      GROUP BY customer_id, channel
    ),
    totals AS (
      SELECT customer_id,
             SUM(CASE WHEN status <> 'cancelled' THEN 1 ELSE 0 END) AS orders,
             SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled_orders,
             MIN(ordered_at) AS first_order_at,
             MAX(ordered_at) AS last_order_at,
             SUM(CASE WHEN status <> 'cancelled' THEN item_count ELSE 0 END) AS items,
             SUM(CASE WHEN status <> 'cancelled' THEN net_amount ELSE 0 END) AS net_spend,
             SUM(returned_amount) AS returned_amount
      FROM `retail-mesh-prod`.`order`.`order_transactions`
      GROUP BY customer_id
    )
    SELECT t.customer_id, t.orders, t.cancelled_orders, t.first_order_at, t.last_order_at, t.items,
           t.net_spend, t.returned_amount,
           ROUND(CAST(SAFE_DIVIDE(t.net_spend, t.orders) AS NUMERIC), 2) AS average_order_value,
           c.channel AS favorite_channel
    FROM totals AS t
    JOIN channels AS c ON c.customer_id = t.customer_id AND c.preference = 1) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_8` AS `check_2`, `u`.`p0` AS `check_3`, `u`.`p1` AS `check_4`, `u`.`p2` AS `check_5`, `u`.`p3` AS `check_6`, `u`.`p4` AS `check_7`, `u`.`p5` AS `check_8`, `s`.`row_count` AS `check_9`, `s`.`row_count` - `s`.`nn_1` AS `check_10`, `s`.`row_count` - `s`.`nn_2` AS `check_11`, `s`.`row_count` - `s`.`nn_3` AS `check_12`, `s`.`row_count` - `s`.`nn_4` AS `check_13`, `s`.`row_count` - `s`.`nn_5` AS `check_14`, `s`.`row_count` - `s`.`nn_6` AS `check_15`, `s`.`row_count` - `s`.`nn_7` AS `check_16` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`customer_id`) AS `nn_0`, COUNT(`t`.`orders`) AS `nn_1`, COUNT(`t`.`cancelled_orders`) AS `nn_2`, COUNT(`t`.`first_order_at`) AS `nn_3`, COUNT(`t`.`last_order_at`) AS `nn_4`, COUNT(`t`.`items`) AS `nn_5`, COUNT(`t`.`net_spend`) AS `nn_6`, COUNT(`t`.`returned_amount`) AS `nn_7`, COUNT(`t`.`favorite_channel`) AS `nn_8` FROM `retail-mesh-prod`.`order`.`_staging_order_customer_summary` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`customer_id` AS `k0` FROM `retail-mesh-prod`.`order`.`_staging_order_customer_summary` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_customer_summary` AS t WHERE `t`.`favorite_channel` <> 'store' AND `t`.`favorite_channel` <> 'online' AND `t`.`favorite_channel` <> 'mobile') UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_customer_summary` AS t WHERE `t`.`orders` < 0) UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_customer_summary` AS t WHERE `t`.`cancelled_orders` < 0) UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_customer_summary` AS t WHERE NOT COALESCE((orders + cancelled_orders >= 1), FALSE)) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_customer_summary` AS t WHERE `t`.`net_spend` < 0) UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_customer_summary` AS t WHERE `t`.`returned_amount` < 0)) AS f) AS u;
