-- order.order_fulfillment 1.0.2: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH latest AS (
      SELECT order_id, carrier, shipped_at, delivered_at, promised_days
      FROM (
        SELECT s.*, ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY shipped_at DESC, carrier NULLS LAST) AS newest
        FROM `retail-mesh-prod`.`order`.`raw_shipments` AS s
      ) AS ranked
      WHERE newest = 1
    ),
    timed AS (
      SELECT o.order_id, o.customer_id, o.channel, s.carrier, o.ordered_at,
             CAST(o.ordered_at AS DATE) AS order_date,
             s.shipped_at, s.delivered_at, s.promised_days,
             DATE_ADD(CAST(o.ordered_at AS DATE), INTERVAL s.promised_days DAY) AS promised_date,
             ROUND(CAST((
  DATE_DIFF(CAST(s.delivered_at AS DATE), CAST(s.shipped_at AS DATE), DAY) * 24
  + (EXTRACT(HOUR FROM s.delivered_at) - EXTRACT(HOUR FROM s.shipped_at))
  + (EXTRACT(MINUTE FROM s.delivered_at) - EXTRACT(MINUTE FROM s.shipped_at)) / 60
  + (EXTRACT(SECOND FROM s.delivered_at) - EXTRACT(SECOND FROM s.shipped_at)) / 3600) AS NUMERIC), 1) AS delivery_hours,
             DATE_DIFF(CAST(s.delivered_at AS DATE), CAST(o.ordered_at AS DATE), DAY) AS delivery_days
      FROM latest AS s
      JOIN `retail-mesh-prod`.`order`.`raw_orders` AS o ON o.order_id = s.order_id
    )
    SELECT order_id, customer_id, channel, carrier, ordered_at, order_date, shipped_at, delivered_at,
           promised_days, promised_date, delivery_hours, delivery_days,
           CASE WHEN delivered_at IS NULL THEN NULL ELSE delivery_days <= promised_days END AS on_time,
           CASE WHEN delivered_at IS NULL THEN 'in_transit'
                WHEN delivery_days <= promised_days THEN 'delivered_on_time'
                ELSE 'delivered_late' END AS fulfillment_status
    FROM timed;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`order`.`_staging_order_fulfillment` (
  `order_id` STRING OPTIONS(description='Order shipped'),
  `customer_id` STRING OPTIONS(description='Customer who placed the order'),
  `channel` STRING OPTIONS(description='Where the order was placed'),
  `carrier` STRING OPTIONS(description='Carrier that delivers the parcel'),
  `ordered_at` TIMESTAMP OPTIONS(description='When the order was placed (UTC)'),
  `order_date` DATE OPTIONS(description='UTC date the order was placed'),
  `shipped_at` TIMESTAMP OPTIONS(description='When the carrier picked the parcel up (UTC)'),
  `delivered_at` TIMESTAMP OPTIONS(description='When the parcel was delivered (UTC); NULL while in transit'),
  `promised_days` INT64 OPTIONS(description='Days after the order day by which delivery was promised'),
  `promised_date` DATE OPTIONS(description='order_date + promised_days: the last day delivery is on time'),
  `delivery_hours` FLOAT64 OPTIONS(description='Hours from pickup to delivery, to a tenth of an hour; NULL while in transit'),
  `delivery_days` INT64 OPTIONS(description='Days from the order day to the delivery day; NULL while in transit'),
  `on_time` BOOL OPTIONS(description='Delivered on or before promised_date; NULL while in transit'),
  `fulfillment_status` STRING OPTIONS(description='in_transit until delivered, then delivered_on_time or delivered_late'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
PARTITION BY `order_date`
CLUSTER BY `carrier`, `fulfillment_status`
OPTIONS(description='Every shipped online or mobile order: carrier, when it shipped and arrived, how long delivery took and whether the promised delivery day was met.', labels=[('domain', 'order'), ('product', 'order_fulfillment'), ('tier', 'silver'), ('version', '1-0-2')])
AS SELECT CAST(`q`.`order_id` AS STRING) AS `order_id`, CAST(`q`.`customer_id` AS STRING) AS `customer_id`, CAST(`q`.`channel` AS STRING) AS `channel`, CAST(`q`.`carrier` AS STRING) AS `carrier`, CAST(`q`.`ordered_at` AS TIMESTAMP) AS `ordered_at`, CAST(`q`.`order_date` AS DATE) AS `order_date`, CAST(`q`.`shipped_at` AS TIMESTAMP) AS `shipped_at`, CAST(`q`.`delivered_at` AS TIMESTAMP) AS `delivered_at`, IF(CAST(`q`.`promised_days` AS FLOAT64) <> TRUNC(CAST(`q`.`promised_days` AS FLOAT64)), ERROR(CONCAT('column promised_days: the transform gives ', CAST(`q`.`promised_days` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`promised_days` AS INT64)) AS `promised_days`, CAST(`q`.`promised_date` AS DATE) AS `promised_date`, CAST(`q`.`delivery_hours` AS FLOAT64) AS `delivery_hours`, IF(CAST(`q`.`delivery_days` AS FLOAT64) <> TRUNC(CAST(`q`.`delivery_days` AS FLOAT64)), ERROR(CONCAT('column delivery_days: the transform gives ', CAST(`q`.`delivery_days` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`delivery_days` AS INT64)) AS `delivery_days`, CAST(`q`.`on_time` AS BOOL) AS `on_time`, CAST(`q`.`fulfillment_status` AS STRING) AS `fulfillment_status`, CAST('order' AS STRING) AS `_domain`, CAST('order_fulfillment' AS STRING) AS `_product`, CAST('1.0.2' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH latest AS (
      SELECT order_id, carrier, shipped_at, delivered_at, promised_days
      FROM (
        SELECT s.*, ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY shipped_at DESC, carrier NULLS LAST) AS newest
        FROM `retail-mesh-prod`.`order`.`raw_shipments` AS s
      ) AS ranked
      WHERE newest = 1
    ),
    timed AS (
      SELECT o.order_id, o.customer_id, o.channel, s.carrier, o.ordered_at,
             CAST(o.ordered_at AS DATE) AS order_date,
             s.shipped_at, s.delivered_at, s.promised_days,
             DATE_ADD(CAST(o.ordered_at AS DATE), INTERVAL s.promised_days DAY) AS promised_date,
             ROUND(CAST((
  DATE_DIFF(CAST(s.delivered_at AS DATE), CAST(s.shipped_at AS DATE), DAY) * 24
  + (EXTRACT(HOUR FROM s.delivered_at) - EXTRACT(HOUR FROM s.shipped_at))
  + (EXTRACT(MINUTE FROM s.delivered_at) - EXTRACT(MINUTE FROM s.shipped_at)) / 60
  + (EXTRACT(SECOND FROM s.delivered_at) - EXTRACT(SECOND FROM s.shipped_at)) / 3600) AS NUMERIC), 1) AS delivery_hours,
             DATE_DIFF(CAST(s.delivered_at AS DATE), CAST(o.ordered_at AS DATE), DAY) AS delivery_days
      FROM latest AS s
      JOIN `retail-mesh-prod`.`order`.`raw_orders` AS o ON o.order_id = s.order_id
    )
    SELECT order_id, customer_id, channel, carrier, ordered_at, order_date, shipped_at, delivered_at,
           promised_days, promised_date, delivery_hours, delivery_days,
           CASE WHEN delivered_at IS NULL THEN NULL ELSE delivery_days <= promised_days END AS on_time,
           CASE WHEN delivered_at IS NULL THEN 'in_transit'
                WHEN delivery_days <= promised_days THEN 'delivered_on_time'
                ELSE 'delivered_late' END AS fulfillment_status
    FROM timed) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_9` AS `nn_9`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_3` AS `check_2`, `u`.`p0` AS `check_3`, `u`.`p1` AS `check_4`, `s`.`row_count` - `s`.`nn_9` AS `check_5`, `u`.`p2` AS `check_6`, `u`.`p3` AS `check_7`, `s`.`row_count` - `s`.`nn_6` AS `check_8`, `u`.`p4` AS `check_9`, `u`.`p5` AS `check_10`, `u`.`p6` AS `check_11`, `u`.`p7` AS `check_12`, `s`.`row_count` AS `check_13`, `s`.`row_count` - `s`.`nn_1` AS `check_14`, `s`.`row_count` - `s`.`nn_2` AS `check_15`, `s`.`row_count` - `s`.`nn_4` AS `check_16`, `s`.`row_count` - `s`.`nn_5` AS `check_17`, `s`.`row_count` - `s`.`nn_7` AS `check_18`, `s`.`row_count` - `s`.`nn_8` AS `check_19` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`order_id`) AS `nn_0`, COUNT(`t`.`customer_id`) AS `nn_1`, COUNT(`t`.`channel`) AS `nn_2`, COUNT(`t`.`carrier`) AS `nn_3`, COUNT(`t`.`ordered_at`) AS `nn_4`, COUNT(`t`.`order_date`) AS `nn_5`, COUNT(`t`.`shipped_at`) AS `nn_6`, COUNT(`t`.`promised_days`) AS `nn_7`, COUNT(`t`.`promised_date`) AS `nn_8`, COUNT(`t`.`fulfillment_status`) AS `nn_9` FROM `retail-mesh-prod`.`order`.`_staging_order_fulfillment` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`order_id` AS `k0` FROM `retail-mesh-prod`.`order`.`_staging_order_fulfillment` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5`, MAX(CASE WHEN `f`.`k` = 6 THEN `f`.`failing` END) AS `p6`, MAX(CASE WHEN `f`.`k` = 7 THEN `f`.`failing` END) AS `p7` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_fulfillment` AS t WHERE `t`.`carrier` <> 'dhl' AND `t`.`carrier` <> 'ups' AND `t`.`carrier` <> 'postnl' AND `t`.`carrier` <> 'dpd') UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_fulfillment` AS t WHERE `t`.`channel` <> 'store' AND `t`.`channel` <> 'online' AND `t`.`channel` <> 'mobile') UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_fulfillment` AS t WHERE `t`.`fulfillment_status` <> 'in_transit' AND `t`.`fulfillment_status` <> 'delivered_on_time' AND `t`.`fulfillment_status` <> 'delivered_late') UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_fulfillment` AS t WHERE `t`.`promised_days` < 0) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_fulfillment` AS t WHERE NOT COALESCE(((delivered_at IS NULL) = (fulfillment_status = 'in_transit')), FALSE)) UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_fulfillment` AS t WHERE `t`.`delivery_hours` < 0) UNION ALL (SELECT 6 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_fulfillment` AS t WHERE NOT COALESCE((shipped_at >= ordered_at), FALSE)) UNION ALL (SELECT 7 AS `k`, COUNT(*) AS `failing` FROM (SELECT s.order_id FROM `retail-mesh-prod`.`order`.`raw_shipments` AS s WHERE (SELECT COUNT(*) FROM `retail-mesh-prod`.`order`.`raw_shipments` AS n) <> (SELECT COUNT(*) FROM `retail-mesh-prod`.`order`.`_staging_order_fulfillment` AS f) AND NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`order`.`raw_orders` AS o WHERE (SELECT COUNT(*) FROM `retail-mesh-prod`.`order`.`raw_shipments` AS n) <> (SELECT COUNT(*) FROM `retail-mesh-prod`.`order`.`_staging_order_fulfillment` AS f) AND o.order_id = s.order_id) GROUP BY s.order_id) AS a)) AS f) AS u;
