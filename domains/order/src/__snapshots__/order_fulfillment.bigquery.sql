-- order.order_fulfillment 1.0.0: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

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
             ROUND((
  DATE_DIFF(CAST(s.delivered_at AS DATE), CAST(s.shipped_at AS DATE), DAY) * 24
  + (EXTRACT(HOUR FROM s.delivered_at) - EXTRACT(HOUR FROM s.shipped_at))
  + (EXTRACT(MINUTE FROM s.delivered_at) - EXTRACT(MINUTE FROM s.shipped_at)) / 60
  + (EXTRACT(SECOND FROM s.delivered_at) - EXTRACT(SECOND FROM s.shipped_at)) / 3600), 1) AS delivery_hours,
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
OPTIONS(description='Every shipped online or mobile order: carrier, when it shipped and arrived, how long delivery took and whether the promised delivery day was met.', labels=[('domain', 'order'), ('product', 'order_fulfillment'), ('tier', 'silver'), ('version', '1-0-0')])
AS SELECT CAST(`q`.`order_id` AS STRING) AS `order_id`, CAST(`q`.`customer_id` AS STRING) AS `customer_id`, CAST(`q`.`channel` AS STRING) AS `channel`, CAST(`q`.`carrier` AS STRING) AS `carrier`, CAST(`q`.`ordered_at` AS TIMESTAMP) AS `ordered_at`, CAST(`q`.`order_date` AS DATE) AS `order_date`, CAST(`q`.`shipped_at` AS TIMESTAMP) AS `shipped_at`, CAST(`q`.`delivered_at` AS TIMESTAMP) AS `delivered_at`, CAST(`q`.`promised_days` AS INT64) AS `promised_days`, CAST(`q`.`promised_date` AS DATE) AS `promised_date`, CAST(`q`.`delivery_hours` AS FLOAT64) AS `delivery_hours`, CAST(`q`.`delivery_days` AS INT64) AS `delivery_days`, CAST(`q`.`on_time` AS BOOL) AS `on_time`, CAST(`q`.`fulfillment_status` AS STRING) AS `fulfillment_status`, CAST('order' AS STRING) AS `_domain`, CAST('order_fulfillment' AS STRING) AS `_product`, CAST('1.0.0' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
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
             ROUND((
  DATE_DIFF(CAST(s.delivered_at AS DATE), CAST(s.shipped_at AS DATE), DAY) * 24
  + (EXTRACT(HOUR FROM s.delivered_at) - EXTRACT(HOUR FROM s.shipped_at))
  + (EXTRACT(MINUTE FROM s.delivered_at) - EXTRACT(MINUTE FROM s.shipped_at)) / 60
  + (EXTRACT(SECOND FROM s.delivered_at) - EXTRACT(SECOND FROM s.shipped_at)) / 3600), 1) AS delivery_hours,
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
SELECT COUNT(*) AS `row_count`, COUNT(`t`.`order_id`) AS `nn_0`, COUNT(`t`.`customer_id`) AS `nn_1`, COUNT(`t`.`channel`) AS `nn_2`, COUNT(`t`.`carrier`) AS `nn_3`, COUNT(`t`.`ordered_at`) AS `nn_4`, COUNT(`t`.`order_date`) AS `nn_5`, COUNT(`t`.`shipped_at`) AS `nn_6`, COUNT(`t`.`promised_days`) AS `nn_7`, COUNT(`t`.`promised_date`) AS `nn_8`, COUNT(`t`.`fulfillment_status`) AS `nn_9`, COUNT(`t`.`order_id`) - COUNT(DISTINCT `t`.`order_id`) AS `check_0`, COUNT(*) - COUNT(`t`.`order_id`) AS `check_1`, COUNT(*) - COUNT(`t`.`carrier`) AS `check_2`, SUM(CASE WHEN `t`.`carrier` IS NOT NULL AND `t`.`carrier` NOT IN ('dhl', 'ups', 'postnl', 'dpd') THEN 1 ELSE 0 END) AS `check_3`, SUM(CASE WHEN `t`.`channel` IS NOT NULL AND `t`.`channel` NOT IN ('store', 'online', 'mobile') THEN 1 ELSE 0 END) AS `check_4`, COUNT(*) - COUNT(`t`.`fulfillment_status`) AS `check_5`, SUM(CASE WHEN `t`.`fulfillment_status` IS NOT NULL AND `t`.`fulfillment_status` NOT IN ('in_transit', 'delivered_on_time', 'delivered_late') THEN 1 ELSE 0 END) AS `check_6`, SUM(CASE WHEN `t`.`promised_days` < 0 THEN 1 ELSE 0 END) AS `check_7`, COUNT(*) - COUNT(`t`.`shipped_at`) AS `check_8`, SUM(CASE WHEN NOT COALESCE(((delivered_at IS NULL) = (fulfillment_status = 'in_transit')), FALSE) THEN 1 ELSE 0 END) AS `check_9`, SUM(CASE WHEN `t`.`delivery_hours` < 0 THEN 1 ELSE 0 END) AS `check_10`, SUM(CASE WHEN NOT COALESCE((shipped_at >= ordered_at), FALSE) THEN 1 ELSE 0 END) AS `check_11`, COUNT(*) AS `check_12` FROM `retail-mesh-prod`.`order`.`_staging_order_fulfillment` AS t;
