-- order.order_transactions 1.0.1: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH line_returns AS (
      SELECT order_id, line_number,
             SUM(returned_quantity) AS returned_quantity,
             SUM(refund_amount) AS refund_amount
      FROM `retail-mesh-prod`.`order`.`raw_returns`
      GROUP BY order_id, line_number
    ),
    totals AS (
      SELECT l.order_id,
             COUNT(*) AS line_count,
             SUM(l.quantity) AS item_count,
             SUM(l.quantity * l.unit_price) AS gross_amount,
             SUM(l.discount_amount) AS discount_amount,
             SUM(COALESCE(r.refund_amount, 0)) AS returned_amount,
             SUM(CASE WHEN COALESCE(r.returned_quantity, 0) >= l.quantity THEN 1 ELSE 0 END) AS fully_returned_lines,
             SUM(CASE WHEN r.returned_quantity > 0 THEN 1 ELSE 0 END) AS returned_lines
      FROM `retail-mesh-prod`.`order`.`raw_order_lines` AS l
      LEFT JOIN line_returns AS r ON r.order_id = l.order_id AND r.line_number = l.line_number
      GROUP BY l.order_id
    )
    SELECT o.order_id, o.customer_id, o.store_id, o.channel,
           CASE WHEN o.status = 'cancelled' THEN 'cancelled'
                WHEN t.line_count > 0 AND t.fully_returned_lines = t.line_count THEN 'returned'
                WHEN t.returned_lines > 0 THEN 'partially_returned'
                ELSE 'completed' END AS status,
           o.ordered_at,
           CAST(o.ordered_at AS DATE) AS order_date,
           COALESCE(t.item_count, 0) AS item_count,
           COALESCE(t.gross_amount, 0) AS gross_amount,
           COALESCE(t.discount_amount, 0) AS discount_amount,
           COALESCE(t.gross_amount, 0) - COALESCE(t.discount_amount, 0) AS net_amount,
           COALESCE(t.returned_amount, 0) AS returned_amount
    FROM `retail-mesh-prod`.`order`.`raw_orders` AS o
    LEFT JOIN totals AS t ON t.order_id = o.order_id;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`order`.`_staging_order_transactions` (
  `order_id` STRING OPTIONS(description='Order number'),
  `customer_id` STRING OPTIONS(description='Customer who placed the order'),
  `store_id` STRING OPTIONS(description='Store where the order was placed; NULL for online and mobile orders'),
  `channel` STRING OPTIONS(description='Where the order was placed: store, online (web shop) or mobile (app)'),
  `status` STRING OPTIONS(description='cancelled; returned when every line was fully returned; partially_returned when some units were; else completed'),
  `ordered_at` TIMESTAMP OPTIONS(description='When the order was placed (UTC)'),
  `order_date` DATE OPTIONS(description='UTC date of ordered_at'),
  `item_count` INT64 OPTIONS(description='Units ordered: sum of the quantities of the lines'),
  `gross_amount` NUMERIC OPTIONS(description='Sum of quantity x unit_price over the lines'),
  `discount_amount` NUMERIC OPTIONS(description='Sum of the line discounts'),
  `net_amount` NUMERIC OPTIONS(description='gross_amount - discount_amount: what was charged'),
  `returned_amount` NUMERIC OPTIONS(description='Money refunded for returned items, 0 when nothing was returned'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
PARTITION BY `order_date`
CLUSTER BY `channel`, `store_id`, `status`
OPTIONS(description='Every order with its channel, store, item count and amounts (gross, discount, net, refunded), and a status that accounts for returns.', labels=[('domain', 'order'), ('product', 'order_transactions'), ('tier', 'gold'), ('version', '1-0-1')])
AS SELECT CAST(`q`.`order_id` AS STRING) AS `order_id`, CAST(`q`.`customer_id` AS STRING) AS `customer_id`, CAST(`q`.`store_id` AS STRING) AS `store_id`, CAST(`q`.`channel` AS STRING) AS `channel`, CAST(`q`.`status` AS STRING) AS `status`, CAST(`q`.`ordered_at` AS TIMESTAMP) AS `ordered_at`, CAST(`q`.`order_date` AS DATE) AS `order_date`, IF(CAST(`q`.`item_count` AS FLOAT64) <> TRUNC(CAST(`q`.`item_count` AS FLOAT64)), ERROR(CONCAT('column item_count: the transform gives ', CAST(`q`.`item_count` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`item_count` AS INT64)) AS `item_count`, CAST(`q`.`gross_amount` AS NUMERIC) AS `gross_amount`, CAST(`q`.`discount_amount` AS NUMERIC) AS `discount_amount`, CAST(`q`.`net_amount` AS NUMERIC) AS `net_amount`, CAST(`q`.`returned_amount` AS NUMERIC) AS `returned_amount`, CAST('order' AS STRING) AS `_domain`, CAST('order_transactions' AS STRING) AS `_product`, CAST('1.0.1' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH line_returns AS (
      SELECT order_id, line_number,
             SUM(returned_quantity) AS returned_quantity,
             SUM(refund_amount) AS refund_amount
      FROM `retail-mesh-prod`.`order`.`raw_returns`
      GROUP BY order_id, line_number
    ),
    totals AS (
      SELECT l.order_id,
             COUNT(*) AS line_count,
             SUM(l.quantity) AS item_count,
             SUM(l.quantity * l.unit_price) AS gross_amount,
             SUM(l.discount_amount) AS discount_amount,
             SUM(COALESCE(r.refund_amount, 0)) AS returned_amount,
             SUM(CASE WHEN COALESCE(r.returned_quantity, 0) >= l.quantity THEN 1 ELSE 0 END) AS fully_returned_lines,
             SUM(CASE WHEN r.returned_quantity > 0 THEN 1 ELSE 0 END) AS returned_lines
      FROM `retail-mesh-prod`.`order`.`raw_order_lines` AS l
      LEFT JOIN line_returns AS r ON r.order_id = l.order_id AND r.line_number = l.line_number
      GROUP BY l.order_id
    )
    SELECT o.order_id, o.customer_id, o.store_id, o.channel,
           CASE WHEN o.status = 'cancelled' THEN 'cancelled'
                WHEN t.line_count > 0 AND t.fully_returned_lines = t.line_count THEN 'returned'
                WHEN t.returned_lines > 0 THEN 'partially_returned'
                ELSE 'completed' END AS status,
           o.ordered_at,
           CAST(o.ordered_at AS DATE) AS order_date,
           COALESCE(t.item_count, 0) AS item_count,
           COALESCE(t.gross_amount, 0) AS gross_amount,
           COALESCE(t.discount_amount, 0) AS discount_amount,
           COALESCE(t.gross_amount, 0) - COALESCE(t.discount_amount, 0) AS net_amount,
           COALESCE(t.returned_amount, 0) AS returned_amount
    FROM `retail-mesh-prod`.`order`.`raw_orders` AS o
    LEFT JOIN totals AS t ON t.order_id = o.order_id) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_9` AS `nn_9`, `s`.`nn_10` AS `nn_10`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_1` AS `check_2`, `s`.`row_count` - `s`.`nn_2` AS `check_3`, `u`.`p0` AS `check_4`, `s`.`row_count` - `s`.`nn_3` AS `check_5`, `u`.`p1` AS `check_6`, `s`.`row_count` - `s`.`nn_4` AS `check_7`, `u`.`p2` AS `check_8`, `u`.`p3` AS `check_9`, `u`.`p4` AS `check_10`, `u`.`p5` AS `check_11`, `u`.`p6` AS `check_12`, `u`.`p7` AS `check_13`, `u`.`p8` AS `check_14`, `u`.`p9` AS `check_15`, `u`.`p10` AS `check_16`, `u`.`p11` AS `check_17`, `u`.`p12` AS `check_18`, `s`.`row_count` AS `check_19`, `s`.`row_count` - `s`.`nn_5` AS `check_20`, `s`.`row_count` - `s`.`nn_6` AS `check_21`, `s`.`row_count` - `s`.`nn_7` AS `check_22`, `s`.`row_count` - `s`.`nn_8` AS `check_23`, `s`.`row_count` - `s`.`nn_9` AS `check_24`, `s`.`row_count` - `s`.`nn_10` AS `check_25` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`order_id`) AS `nn_0`, COUNT(`t`.`customer_id`) AS `nn_1`, COUNT(`t`.`channel`) AS `nn_2`, COUNT(`t`.`status`) AS `nn_3`, COUNT(`t`.`ordered_at`) AS `nn_4`, COUNT(`t`.`order_date`) AS `nn_5`, COUNT(`t`.`item_count`) AS `nn_6`, COUNT(`t`.`gross_amount`) AS `nn_7`, COUNT(`t`.`discount_amount`) AS `nn_8`, COUNT(`t`.`net_amount`) AS `nn_9`, COUNT(`t`.`returned_amount`) AS `nn_10` FROM `retail-mesh-prod`.`order`.`_staging_order_transactions` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`order_id` AS `k0` FROM `retail-mesh-prod`.`order`.`_staging_order_transactions` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5`, MAX(CASE WHEN `f`.`k` = 6 THEN `f`.`failing` END) AS `p6`, MAX(CASE WHEN `f`.`k` = 7 THEN `f`.`failing` END) AS `p7`, MAX(CASE WHEN `f`.`k` = 8 THEN `f`.`failing` END) AS `p8`, MAX(CASE WHEN `f`.`k` = 9 THEN `f`.`failing` END) AS `p9`, MAX(CASE WHEN `f`.`k` = 10 THEN `f`.`failing` END) AS `p10`, MAX(CASE WHEN `f`.`k` = 11 THEN `f`.`failing` END) AS `p11`, MAX(CASE WHEN `f`.`k` = 12 THEN `f`.`failing` END) AS `p12` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_transactions` AS t WHERE `t`.`channel` <> 'store' AND `t`.`channel` <> 'online' AND `t`.`channel` <> 'mobile') UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_transactions` AS t WHERE `t`.`status` <> 'completed' AND `t`.`status` <> 'cancelled' AND `t`.`status` <> 'returned' AND `t`.`status` <> 'partially_returned') UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_transactions` AS t WHERE `t`.`item_count` < 0) UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_transactions` AS t WHERE `t`.`gross_amount` < 0) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_transactions` AS t WHERE `t`.`discount_amount` < 0) UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_transactions` AS t WHERE `t`.`net_amount` < 0) UNION ALL (SELECT 6 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_transactions` AS t WHERE `t`.`returned_amount` < 0) UNION ALL (SELECT 7 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_transactions` AS t WHERE NOT COALESCE((channel <> 'store' OR store_id IS NOT NULL), FALSE)) UNION ALL (SELECT 8 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_transactions` AS t WHERE `t`.`customer_id` IS NOT NULL AND `t`.`customer_id` NOT IN (SELECT `r`.`customer_id` FROM `retail-mesh-prod`.`customer`.`customer_profile` AS r WHERE `r`.`customer_id` IS NOT NULL)) UNION ALL (SELECT 9 AS `k`, COUNT(*) AS `failing` FROM (SELECT l.order_id FROM `retail-mesh-prod`.`order`.`raw_order_lines` AS l
    WHERE (SELECT COALESCE(SUM(q.quantity), 0) FROM `retail-mesh-prod`.`order`.`raw_order_lines` AS q) <> (SELECT COALESCE(SUM(u.item_count), 0) FROM `retail-mesh-prod`.`order`.`_staging_order_transactions` AS u) AND l.order_id NOT IN (SELECT h.order_id FROM `retail-mesh-prod`.`order`.`_staging_order_transactions` AS h WHERE (SELECT COALESCE(SUM(q.quantity), 0) FROM `retail-mesh-prod`.`order`.`raw_order_lines` AS q) <> (SELECT COALESCE(SUM(u.item_count), 0) FROM `retail-mesh-prod`.`order`.`_staging_order_transactions` AS u))) AS a) UNION ALL (SELECT 10 AS `k`, COUNT(*) AS `failing` FROM (SELECT r.order_id FROM `retail-mesh-prod`.`order`.`raw_returns` AS r WHERE (SELECT COALESCE(SUM(x.refund_amount), 0) FROM `retail-mesh-prod`.`order`.`raw_returns` AS x) <> (SELECT COALESCE(SUM(t.returned_amount), 0) FROM `retail-mesh-prod`.`order`.`_staging_order_transactions` AS t) AND NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`order`.`raw_order_lines` AS l WHERE (SELECT COALESCE(SUM(x.refund_amount), 0) FROM `retail-mesh-prod`.`order`.`raw_returns` AS x) <> (SELECT COALESCE(SUM(t.returned_amount), 0) FROM `retail-mesh-prod`.`order`.`_staging_order_transactions` AS t) AND l.order_id = r.order_id AND l.line_number = r.line_number) GROUP BY r.order_id) AS a) UNION ALL (SELECT 11 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_transactions` AS t WHERE NOT COALESCE((status = 'cancelled' OR item_count > 0), FALSE)) UNION ALL (SELECT 12 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_transactions` AS t WHERE NOT COALESCE((returned_amount <= net_amount), FALSE))) AS f) AS u;

-- day digest, kept at publish for the incremental products that read it one day at a time
SELECT '_day' AS `input`, `t`.`order_date` AS `day`, COUNT(*) AS `row_count`, CAST(MAX(`t`.`_processed_at`) AS STRING) AS `marker`, CONCAT(CAST(SUM(MOD(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`, `t`.`order_date`, `t`.`item_count`, `t`.`gross_amount`, `t`.`discount_amount`, `t`.`net_amount`, `t`.`returned_amount`))), 2147483647)) AS STRING), ':', CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`customer_id`, `t`.`store_id`, `t`.`channel`, `t`.`status`, `t`.`ordered_at`, `t`.`order_date`, `t`.`item_count`, `t`.`gross_amount`, `t`.`discount_amount`, `t`.`net_amount`, `t`.`returned_amount`)))) AS STRING)) AS `fingerprint` FROM `retail-mesh-prod`.`order`.`order_transactions` AS t GROUP BY `t`.`order_date` UNION ALL SELECT CAST('_table' AS STRING) AS `input`, CAST(NULL AS DATE) AS `day`, CAST(1000 AS INT64) AS `row_count`, CAST('2026-10-31T00:00:00.000Z' AS STRING) AS `marker`, CAST('' AS STRING) AS `fingerprint`;
