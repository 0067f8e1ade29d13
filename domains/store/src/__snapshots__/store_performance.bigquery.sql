-- store.store_performance 1.0.0: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH store_sales AS (
      SELECT store_id, order_date, SUM(orders) AS orders, SUM(net_revenue) AS net_revenue
      FROM `retail-mesh-prod`.`order`.`order_daily_sales`
      WHERE channel = 'store' AND store_id IS NOT NULL
      GROUP BY store_id, order_date
    ),
    days AS (
      SELECT o.store_id, o.business_date, l.format, l.region, o.footfall, o.staff_hours, l.square_meters,
             COALESCE(s.orders, 0) AS orders,
             COALESCE(s.net_revenue, 0) AS net_revenue
      FROM `retail-mesh-prod`.`store`.`store_daily_operations` AS o
      JOIN `retail-mesh-prod`.`store`.`store_locations` AS l ON l.store_id = o.store_id
      LEFT JOIN store_sales AS s ON s.store_id = o.store_id AND s.order_date = o.business_date
    )
    SELECT store_id, business_date, format, region, footfall, staff_hours, orders, net_revenue,
           SAFE_DIVIDE(orders, footfall) AS conversion_rate,
           ROUND(CAST(SAFE_DIVIDE(net_revenue, square_meters) AS NUMERIC), 2) AS revenue_per_square_meter,
           ROUND(CAST(SAFE_DIVIDE(net_revenue, staff_hours) AS NUMERIC), 2) AS revenue_per_staff_hour
    FROM days;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`store`.`_staging_store_performance` (
  `store_id` STRING OPTIONS(description='Store identifier'),
  `business_date` DATE OPTIONS(description='Trading day'),
  `format` STRING OPTIONS(description='Format of the store'),
  `region` STRING OPTIONS(description='Sales region of the store'),
  `footfall` INT64 OPTIONS(description='Visitors counted by the door sensors'),
  `staff_hours` NUMERIC OPTIONS(description='Staff on shift x opening hours (see store_daily_operations)'),
  `orders` INT64 OPTIONS(description='In-store orders that day, cancelled ones excluded; 0 when there were none'),
  `net_revenue` NUMERIC OPTIONS(description='Net revenue of those orders (after discounts, before refunds); 0 when there were none'),
  `conversion_rate` FLOAT64 OPTIONS(description='orders / footfall; NULL when nobody was counted at the door'),
  `revenue_per_square_meter` NUMERIC OPTIONS(description='net_revenue / sales floor area, to the cent; NULL when the area is 0'),
  `revenue_per_staff_hour` NUMERIC OPTIONS(description='net_revenue / staff_hours, to the cent; NULL when no staff hours were reported'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
PARTITION BY `business_date`
CLUSTER BY `store_id`
OPTIONS(description='Per store and trading day: footfall, in-store orders and net revenue, conversion rate, and revenue per square meter and per staff hour.', labels=[('domain', 'store'), ('product', 'store_performance'), ('tier', 'gold'), ('version', '1-0-0')])
AS SELECT CAST(`q`.`store_id` AS STRING) AS `store_id`, CAST(`q`.`business_date` AS DATE) AS `business_date`, CAST(`q`.`format` AS STRING) AS `format`, CAST(`q`.`region` AS STRING) AS `region`, IF(CAST(`q`.`footfall` AS FLOAT64) <> TRUNC(CAST(`q`.`footfall` AS FLOAT64)), ERROR(CONCAT('column footfall: the transform gives ', CAST(`q`.`footfall` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`footfall` AS INT64)) AS `footfall`, CAST(`q`.`staff_hours` AS NUMERIC) AS `staff_hours`, IF(CAST(`q`.`orders` AS FLOAT64) <> TRUNC(CAST(`q`.`orders` AS FLOAT64)), ERROR(CONCAT('column orders: the transform gives ', CAST(`q`.`orders` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`orders` AS INT64)) AS `orders`, CAST(`q`.`net_revenue` AS NUMERIC) AS `net_revenue`, CAST(`q`.`conversion_rate` AS FLOAT64) AS `conversion_rate`, CAST(`q`.`revenue_per_square_meter` AS NUMERIC) AS `revenue_per_square_meter`, CAST(`q`.`revenue_per_staff_hour` AS NUMERIC) AS `revenue_per_staff_hour`, CAST('store' AS STRING) AS `_domain`, CAST('store_performance' AS STRING) AS `_product`, CAST('1.0.0' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH store_sales AS (
      SELECT store_id, order_date, SUM(orders) AS orders, SUM(net_revenue) AS net_revenue
      FROM `retail-mesh-prod`.`order`.`order_daily_sales`
      WHERE channel = 'store' AND store_id IS NOT NULL
      GROUP BY store_id, order_date
    ),
    days AS (
      SELECT o.store_id, o.business_date, l.format, l.region, o.footfall, o.staff_hours, l.square_meters,
             COALESCE(s.orders, 0) AS orders,
             COALESCE(s.net_revenue, 0) AS net_revenue
      FROM `retail-mesh-prod`.`store`.`store_daily_operations` AS o
      JOIN `retail-mesh-prod`.`store`.`store_locations` AS l ON l.store_id = o.store_id
      LEFT JOIN store_sales AS s ON s.store_id = o.store_id AND s.order_date = o.business_date
    )
    SELECT store_id, business_date, format, region, footfall, staff_hours, orders, net_revenue,
           SAFE_DIVIDE(orders, footfall) AS conversion_rate,
           ROUND(CAST(SAFE_DIVIDE(net_revenue, square_meters) AS NUMERIC), 2) AS revenue_per_square_meter,
           ROUND(CAST(SAFE_DIVIDE(net_revenue, staff_hours) AS NUMERIC), 2) AS revenue_per_staff_hour
    FROM days) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`row_count` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_1` AS `check_2`, `u`.`p0` AS `check_3`, `u`.`p1` AS `check_4`, `u`.`p2` AS `check_5`, `u`.`p3` AS `check_6`, `u`.`p4` AS `check_7`, `u`.`p5` AS `check_8`, `u`.`p6` AS `check_9`, `s`.`row_count` AS `check_10`, `u`.`p7` AS `check_11`, `s`.`row_count` - `s`.`nn_2` AS `check_12`, `s`.`row_count` - `s`.`nn_3` AS `check_13`, `s`.`row_count` - `s`.`nn_4` AS `check_14`, `s`.`row_count` - `s`.`nn_5` AS `check_15`, `s`.`row_count` - `s`.`nn_6` AS `check_16`, `s`.`row_count` - `s`.`nn_7` AS `check_17` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`store_id`) AS `nn_0`, COUNT(`t`.`business_date`) AS `nn_1`, COUNT(`t`.`format`) AS `nn_2`, COUNT(`t`.`region`) AS `nn_3`, COUNT(`t`.`footfall`) AS `nn_4`, COUNT(`t`.`staff_hours`) AS `nn_5`, COUNT(`t`.`orders`) AS `nn_6`, COUNT(`t`.`net_revenue`) AS `nn_7` FROM `retail-mesh-prod`.`store`.`_staging_store_performance` AS t) AS s CROSS JOIN (SELECT COUNT(*) AS `a0` FROM (SELECT DISTINCT `t`.`store_id` AS `k0`, `t`.`business_date` AS `k1` FROM `retail-mesh-prod`.`store`.`_staging_store_performance` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5`, MAX(CASE WHEN `f`.`k` = 6 THEN `f`.`failing` END) AS `p6`, MAX(CASE WHEN `f`.`k` = 7 THEN `f`.`failing` END) AS `p7` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_performance` AS t WHERE `t`.`format` <> 'flagship' AND `t`.`format` <> 'standard' AND `t`.`format` <> 'express' AND `t`.`format` <> 'outlet') UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_performance` AS t WHERE `t`.`region` <> 'north' AND `t`.`region` <> 'south' AND `t`.`region` <> 'east' AND `t`.`region` <> 'west' AND `t`.`region` <> 'central') UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_performance` AS t WHERE `t`.`footfall` < 0) UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_performance` AS t WHERE `t`.`orders` < 0) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_performance` AS t WHERE `t`.`conversion_rate` < 0) UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_performance` AS t WHERE `t`.`conversion_rate` > 1) UNION ALL (SELECT 6 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_performance` AS t WHERE `t`.`store_id` IS NOT NULL AND `t`.`store_id` NOT IN (SELECT `r`.`store_id` FROM `retail-mesh-prod`.`store`.`store_locations` AS r WHERE `r`.`store_id` IS NOT NULL)) UNION ALL (SELECT 7 AS `k`, COUNT(*) AS `failing` FROM (
          SELECT s.store_id, s.order_date FROM `retail-mesh-prod`.`order`.`order_daily_sales` AS s
          WHERE s.channel = 'store' AND s.store_id IS NOT NULL AND s.orders > 0
            AND NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`store`.`_staging_store_performance` AS p WHERE p.store_id = s.store_id AND p.business_date = s.order_date)
          GROUP BY s.store_id, s.order_date) AS a)) AS f) AS u;
