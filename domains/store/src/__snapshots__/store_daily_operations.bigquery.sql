-- store.store_daily_operations 1.0.1: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH latest AS (
      SELECT store_id, business_date, opening_hours, footfall, staff_on_shift, incidents
      FROM (
        SELECT o.*, ROW_NUMBER() OVER (
                 PARTITION BY store_id, business_date
                 ORDER BY recorded_at DESC, footfall DESC, staff_on_shift DESC, incidents DESC) AS revision
        FROM `retail-mesh-prod`.`store`.`raw_daily_operations` AS o
      ) AS ranked
      WHERE revision = 1
    )
    SELECT r.store_id, r.business_date, l.format, r.opening_hours, r.footfall, r.staff_on_shift,
           r.staff_on_shift * r.opening_hours AS staff_hours,
           ROUND(CAST(SAFE_DIVIDE(r.footfall, r.staff_on_shift * r.opening_hours) AS NUMERIC), 2) AS footfall_per_staff_hour,
           r.incidents
    FROM latest AS r
    JOIN `retail-mesh-prod`.`store`.`store_locations` AS l ON l.store_id = r.store_id;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`store`.`_staging_store_daily_operations` (
  `store_id` STRING OPTIONS(description='Reporting store'),
  `business_date` DATE OPTIONS(description='Trading day'),
  `format` STRING OPTIONS(description='Format of the store'),
  `opening_hours` NUMERIC OPTIONS(description='Hours the store was open'),
  `footfall` INT64 OPTIONS(description='Visitors counted by the door sensors'),
  `staff_on_shift` INT64 OPTIONS(description='Staff members who worked that day'),
  `staff_hours` NUMERIC OPTIONS(description='staff_on_shift x opening_hours: staff hours available that day (an upper bound)'),
  `footfall_per_staff_hour` FLOAT64 OPTIONS(description='footfall / staff_hours, two decimals; NULL when no staff hours were reported'),
  `incidents` INT64 OPTIONS(description='Incidents logged'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
PARTITION BY `business_date`
CLUSTER BY `store_id`
OPTIONS(description='The end-of-day report of every store and trading day (the newest when corrected), with staff hours and visitors per staff hour.', labels=[('domain', 'store'), ('product', 'store_daily_operations'), ('tier', 'silver'), ('version', '1-0-1')])
AS SELECT CAST(`q`.`store_id` AS STRING) AS `store_id`, CAST(`q`.`business_date` AS DATE) AS `business_date`, CAST(`q`.`format` AS STRING) AS `format`, CAST(`q`.`opening_hours` AS NUMERIC) AS `opening_hours`, IF(CAST(`q`.`footfall` AS FLOAT64) <> TRUNC(CAST(`q`.`footfall` AS FLOAT64)), ERROR(CONCAT('column footfall: the transform gives ', CAST(`q`.`footfall` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`footfall` AS INT64)) AS `footfall`, IF(CAST(`q`.`staff_on_shift` AS FLOAT64) <> TRUNC(CAST(`q`.`staff_on_shift` AS FLOAT64)), ERROR(CONCAT('column staff_on_shift: the transform gives ', CAST(`q`.`staff_on_shift` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`staff_on_shift` AS INT64)) AS `staff_on_shift`, CAST(`q`.`staff_hours` AS NUMERIC) AS `staff_hours`, CAST(`q`.`footfall_per_staff_hour` AS FLOAT64) AS `footfall_per_staff_hour`, IF(CAST(`q`.`incidents` AS FLOAT64) <> TRUNC(CAST(`q`.`incidents` AS FLOAT64)), ERROR(CONCAT('column incidents: the transform gives ', CAST(`q`.`incidents` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`incidents` AS INT64)) AS `incidents`, CAST('store' AS STRING) AS `_domain`, CAST('store_daily_operations' AS STRING) AS `_product`, CAST('1.0.1' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH latest AS (
      SELECT store_id, business_date, opening_hours, footfall, staff_on_shift, incidents
      FROM (
        SELECT o.*, ROW_NUMBER() OVER (
                 PARTITION BY store_id, business_date
                 ORDER BY recorded_at DESC, footfall DESC, staff_on_shift DESC, incidents DESC) AS revision
        FROM `retail-mesh-prod`.`store`.`raw_daily_operations` AS o
      ) AS ranked
      WHERE revision = 1
    )
    SELECT r.store_id, r.business_date, l.format, r.opening_hours, r.footfall, r.staff_on_shift,
           r.staff_on_shift * r.opening_hours AS staff_hours,
           ROUND(CAST(SAFE_DIVIDE(r.footfall, r.staff_on_shift * r.opening_hours) AS NUMERIC), 2) AS footfall_per_staff_hour,
           r.incidents
    FROM latest AS r
    JOIN `retail-mesh-prod`.`store`.`store_locations` AS l ON l.store_id = r.store_id) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`row_count` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_1` AS `check_2`, `u`.`p0` AS `check_3`, `u`.`p1` AS `check_4`, `u`.`p2` AS `check_5`, `u`.`p3` AS `check_6`, `u`.`p4` AS `check_7`, `u`.`p5` AS `check_8`, `s`.`row_count` AS `check_9`, `u`.`p6` AS `check_10`, `u`.`p7` AS `check_11`, `s`.`row_count` - `s`.`nn_2` AS `check_12`, `s`.`row_count` - `s`.`nn_3` AS `check_13`, `s`.`row_count` - `s`.`nn_4` AS `check_14`, `s`.`row_count` - `s`.`nn_5` AS `check_15`, `s`.`row_count` - `s`.`nn_6` AS `check_16`, `s`.`row_count` - `s`.`nn_7` AS `check_17` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`store_id`) AS `nn_0`, COUNT(`t`.`business_date`) AS `nn_1`, COUNT(`t`.`format`) AS `nn_2`, COUNT(`t`.`opening_hours`) AS `nn_3`, COUNT(`t`.`footfall`) AS `nn_4`, COUNT(`t`.`staff_on_shift`) AS `nn_5`, COUNT(`t`.`staff_hours`) AS `nn_6`, COUNT(`t`.`incidents`) AS `nn_7` FROM `retail-mesh-prod`.`store`.`_staging_store_daily_operations` AS t) AS s CROSS JOIN (SELECT COUNT(*) AS `a0` FROM (SELECT DISTINCT `t`.`store_id` AS `k0`, `t`.`business_date` AS `k1` FROM `retail-mesh-prod`.`store`.`_staging_store_daily_operations` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5`, MAX(CASE WHEN `f`.`k` = 6 THEN `f`.`failing` END) AS `p6`, MAX(CASE WHEN `f`.`k` = 7 THEN `f`.`failing` END) AS `p7` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_daily_operations` AS t WHERE `t`.`format` <> 'flagship' AND `t`.`format` <> 'standard' AND `t`.`format` <> 'express' AND `t`.`format` <> 'outlet') UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_daily_operations` AS t WHERE `t`.`opening_hours` < 0 OR `t`.`opening_hours` > 24) UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_daily_operations` AS t WHERE `t`.`footfall` < 0) UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_daily_operations` AS t WHERE `t`.`staff_on_shift` < 0) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_daily_operations` AS t WHERE `t`.`incidents` < 0) UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_daily_operations` AS t WHERE `t`.`footfall_per_staff_hour` < 0) UNION ALL (SELECT 6 AS `k`, COUNT(*) AS `failing` FROM (
          SELECT r.store_id, r.business_date FROM `retail-mesh-prod`.`store`.`_staging_store_daily_operations` AS r
          JOIN `retail-mesh-prod`.`store`.`store_locations` AS l ON l.store_id = r.store_id
          WHERE r.business_date < l.opened_on OR (l.closed_on IS NOT NULL AND r.business_date >= l.closed_on)) AS a) UNION ALL (SELECT 7 AS `k`, COUNT(*) AS `failing` FROM (SELECT o.store_id FROM `retail-mesh-prod`.`store`.`raw_daily_operations` AS o WHERE NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`store`.`store_locations` AS l WHERE l.store_id = o.store_id) GROUP BY o.store_id) AS a)) AS f) AS u;
