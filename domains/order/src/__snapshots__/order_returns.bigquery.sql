-- order.order_returns 1.0.1: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH ranked AS (
      SELECT order_id, line_number, reason, returned_at, returned_quantity, refund_amount,
             ROW_NUMBER() OVER (PARTITION BY order_id, line_number ORDER BY returned_at NULLS LAST, reason NULLS LAST) AS position
      FROM `retail-mesh-prod`.`order`.`raw_returns`
    ),
    per_line AS (
      SELECT order_id, line_number,
             SUM(returned_quantity) AS returned_quantity,
             SUM(refund_amount) AS refund_amount,
             COUNT(*) AS return_count,
             MIN(returned_at) AS returned_at,
             MIN(CASE WHEN position = 1 THEN reason END) AS reason
      FROM ranked
      GROUP BY order_id, line_number
    )
    SELECT r.order_id, r.line_number, t.customer_id, t.channel, i.product_id, i.category, r.reason,
           i.quantity, r.returned_quantity, r.returned_quantity >= i.quantity AS full_return,
           r.refund_amount, r.return_count, i.order_date, r.returned_at,
           DATE_DIFF(CAST(r.returned_at AS DATE), CAST(t.ordered_at AS DATE), DAY) AS days_to_return
    FROM per_line AS r
    JOIN `retail-mesh-prod`.`order`.`order_items` AS i ON i.order_id = r.order_id AND i.line_number = r.line_number
    JOIN `retail-mesh-prod`.`order`.`order_transactions` AS t ON t.order_id = r.order_id;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`order`.`_staging_order_returns` (
  `order_id` STRING OPTIONS(description='Order of the returned line'),
  `line_number` INT64 OPTIONS(description='Returned line of the order'),
  `customer_id` STRING OPTIONS(description='Customer who returned it'),
  `channel` STRING OPTIONS(description='Where the order was placed'),
  `product_id` STRING OPTIONS(description='Catalog identifier of the returned product'),
  `category` STRING OPTIONS(description='Merchandise category of the returned product'),
  `reason` STRING OPTIONS(description='Reason given with the first return of the line (alphabetically first on a tie)'),
  `quantity` INT64 OPTIONS(description='Units ordered on the line'),
  `returned_quantity` INT64 OPTIONS(description='Units returned, over all returns of the line'),
  `full_return` BOOL OPTIONS(description='Every unit of the line came back'),
  `refund_amount` NUMERIC OPTIONS(description='Money refunded, over all returns of the line'),
  `return_count` INT64 OPTIONS(description='Returns the units came back in (1 unless returned in several goes)'),
  `order_date` DATE OPTIONS(description='UTC date the order was placed'),
  `returned_at` TIMESTAMP OPTIONS(description='When the first return of the line was received (UTC)'),
  `days_to_return` INT64 OPTIONS(description='Days from the order day to the day of the first return'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
PARTITION BY TIMESTAMP_TRUNC(`returned_at`, DAY)
CLUSTER BY `reason`, `category`
OPTIONS(description='Every returned order line: product and category, units returned, refund, the reason and how many days after the order it came back.', labels=[('domain', 'order'), ('product', 'order_returns'), ('tier', 'silver'), ('version', '1-0-1')])
AS SELECT CAST(`q`.`order_id` AS STRING) AS `order_id`, IF(CAST(`q`.`line_number` AS FLOAT64) <> TRUNC(CAST(`q`.`line_number` AS FLOAT64)), ERROR(CONCAT('column line_number: the transform gives ', CAST(`q`.`line_number` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`line_number` AS INT64)) AS `line_number`, CAST(`q`.`customer_id` AS STRING) AS `customer_id`, CAST(`q`.`channel` AS STRING) AS `channel`, CAST(`q`.`product_id` AS STRING) AS `product_id`, CAST(`q`.`category` AS STRING) AS `category`, CAST(`q`.`reason` AS STRING) AS `reason`, IF(CAST(`q`.`quantity` AS FLOAT64) <> TRUNC(CAST(`q`.`quantity` AS FLOAT64)), ERROR(CONCAT('column quantity: the transform gives ', CAST(`q`.`quantity` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`quantity` AS INT64)) AS `quantity`, IF(CAST(`q`.`returned_quantity` AS FLOAT64) <> TRUNC(CAST(`q`.`returned_quantity` AS FLOAT64)), ERROR(CONCAT('column returned_quantity: the transform gives ', CAST(`q`.`returned_quantity` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`returned_quantity` AS INT64)) AS `returned_quantity`, CAST(`q`.`full_return` AS BOOL) AS `full_return`, CAST(`q`.`refund_amount` AS NUMERIC) AS `refund_amount`, IF(CAST(`q`.`return_count` AS FLOAT64) <> TRUNC(CAST(`q`.`return_count` AS FLOAT64)), ERROR(CONCAT('column return_count: the transform gives ', CAST(`q`.`return_count` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`return_count` AS INT64)) AS `return_count`, CAST(`q`.`order_date` AS DATE) AS `order_date`, CAST(`q`.`returned_at` AS TIMESTAMP) AS `returned_at`, IF(CAST(`q`.`days_to_return` AS FLOAT64) <> TRUNC(CAST(`q`.`days_to_return` AS FLOAT64)), ERROR(CONCAT('column days_to_return: the transform gives ', CAST(`q`.`days_to_return` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`days_to_return` AS INT64)) AS `days_to_return`, CAST('order' AS STRING) AS `_domain`, CAST('order_returns' AS STRING) AS `_product`, CAST('1.0.1' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH ranked AS (
      SELECT order_id, line_number, reason, returned_at, returned_quantity, refund_amount,
             ROW_NUMBER() OVER (PARTITION BY order_id, line_number ORDER BY returned_at NULLS LAST, reason NULLS LAST) AS position
      FROM `retail-mesh-prod`.`order`.`raw_returns`
    ),
    per_line AS (
      SELECT order_id, line_number,
             SUM(returned_quantity) AS returned_quantity,
             SUM(refund_amount) AS refund_amount,
             COUNT(*) AS return_count,
             MIN(returned_at) AS returned_at,
             MIN(CASE WHEN position = 1 THEN reason END) AS reason
      FROM ranked
      GROUP BY order_id, line_number
    )
    SELECT r.order_id, r.line_number, t.customer_id, t.channel, i.product_id, i.category, r.reason,
           i.quantity, r.returned_quantity, r.returned_quantity >= i.quantity AS full_return,
           r.refund_amount, r.return_count, i.order_date, r.returned_at,
           DATE_DIFF(CAST(r.returned_at AS DATE), CAST(t.ordered_at AS DATE), DAY) AS days_to_return
    FROM per_line AS r
    JOIN `retail-mesh-prod`.`order`.`order_items` AS i ON i.order_id = r.order_id AND i.line_number = r.line_number
    JOIN `retail-mesh-prod`.`order`.`order_transactions` AS t ON t.order_id = r.order_id) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_9` AS `nn_9`, `s`.`nn_10` AS `nn_10`, `s`.`nn_11` AS `nn_11`, `s`.`nn_12` AS `nn_12`, `s`.`nn_13` AS `nn_13`, `s`.`nn_14` AS `nn_14`, `s`.`row_count` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_1` AS `check_2`, `s`.`row_count` - `s`.`nn_6` AS `check_3`, `u`.`p0` AS `check_4`, `u`.`p1` AS `check_5`, `u`.`p2` AS `check_6`, `u`.`p3` AS `check_7`, `u`.`p4` AS `check_8`, `u`.`p5` AS `check_9`, `s`.`row_count` AS `check_10`, `u`.`p6` AS `check_11`, `s`.`row_count` - `s`.`nn_2` AS `check_12`, `s`.`row_count` - `s`.`nn_3` AS `check_13`, `s`.`row_count` - `s`.`nn_4` AS `check_14`, `s`.`row_count` - `s`.`nn_5` AS `check_15`, `s`.`row_count` - `s`.`nn_7` AS `check_16`, `s`.`row_count` - `s`.`nn_8` AS `check_17`, `s`.`row_count` - `s`.`nn_9` AS `check_18`, `s`.`row_count` - `s`.`nn_10` AS `check_19`, `s`.`row_count` - `s`.`nn_11` AS `check_20`, `s`.`row_count` - `s`.`nn_12` AS `check_21`, `s`.`row_count` - `s`.`nn_13` AS `check_22`, `s`.`row_count` - `s`.`nn_14` AS `check_23` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`order_id`) AS `nn_0`, COUNT(`t`.`line_number`) AS `nn_1`, COUNT(`t`.`customer_id`) AS `nn_2`, COUNT(`t`.`channel`) AS `nn_3`, COUNT(`t`.`product_id`) AS `nn_4`, COUNT(`t`.`category`) AS `nn_5`, COUNT(`t`.`reason`) AS `nn_6`, COUNT(`t`.`quantity`) AS `nn_7`, COUNT(`t`.`returned_quantity`) AS `nn_8`, COUNT(`t`.`full_return`) AS `nn_9`, COUNT(`t`.`refund_amount`) AS `nn_10`, COUNT(`t`.`return_count`) AS `nn_11`, COUNT(`t`.`order_date`) AS `nn_12`, COUNT(`t`.`returned_at`) AS `nn_13`, COUNT(`t`.`days_to_return`) AS `nn_14` FROM `retail-mesh-prod`.`order`.`_staging_order_returns` AS t) AS s CROSS JOIN (SELECT COUNT(*) AS `a0` FROM (SELECT DISTINCT `t`.`order_id` AS `k0`, `t`.`line_number` AS `k1` FROM `retail-mesh-prod`.`order`.`_staging_order_returns` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5`, MAX(CASE WHEN `f`.`k` = 6 THEN `f`.`failing` END) AS `p6` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_returns` AS t WHERE `t`.`reason` <> 'damaged' AND `t`.`reason` <> 'wrong_size' AND `t`.`reason` <> 'not_as_described' AND `t`.`reason` <> 'changed_mind' AND `t`.`reason` <> 'late_delivery') UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_returns` AS t WHERE `t`.`channel` <> 'store' AND `t`.`channel` <> 'online' AND `t`.`channel` <> 'mobile') UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_returns` AS t WHERE `t`.`returned_quantity` < 1) UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_returns` AS t WHERE NOT COALESCE((returned_quantity <= quantity), FALSE)) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_returns` AS t WHERE `t`.`refund_amount` < 0) UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_returns` AS t WHERE `t`.`days_to_return` < 0) UNION ALL (SELECT 6 AS `k`, COUNT(*) AS `failing` FROM (SELECT r.order_id FROM `retail-mesh-prod`.`order`.`raw_returns` AS r WHERE (SELECT COUNT(*) FROM `retail-mesh-prod`.`order`.`raw_returns` AS n) <> (SELECT COALESCE(SUM(c.return_count), 0) FROM `retail-mesh-prod`.`order`.`_staging_order_returns` AS c) AND NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`order`.`_staging_order_returns` AS f WHERE (SELECT COUNT(*) FROM `retail-mesh-prod`.`order`.`raw_returns` AS n) <> (SELECT COALESCE(SUM(c.return_count), 0) FROM `retail-mesh-prod`.`order`.`_staging_order_returns` AS c) AND f.order_id = r.order_id AND f.line_number = r.line_number) GROUP BY r.order_id) AS a)) AS f) AS u;
