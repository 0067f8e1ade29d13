-- store.store_staffing_summary 1.0.1: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH per_store AS (
      SELECT store_id,
             COUNT(*) AS staff_on_record,
             SUM(CASE WHEN active THEN 1 ELSE 0 END) AS active_staff,
             SUM(CASE WHEN active AND role = 'manager' THEN 1 ELSE 0 END) AS managers,
             SUM(CASE WHEN active AND role = 'supervisor' THEN 1 ELSE 0 END) AS supervisors,
             SUM(CASE WHEN active AND role = 'associate' THEN 1 ELSE 0 END) AS associates,
             SUM(CASE WHEN active AND role = 'cashier' THEN 1 ELSE 0 END) AS cashiers,
             SUM(CASE WHEN active AND role = 'stock' THEN 1 ELSE 0 END) AS stock_staff,
             ROUND(CAST(AVG(CASE WHEN active THEN hourly_rate END) AS NUMERIC), 2) AS average_hourly_rate,
             ROUND(CAST(AVG(CASE WHEN active THEN tenure_days END) AS NUMERIC), 1) AS average_tenure_days,
             SUM(CASE WHEN active AND is_store_manager THEN 1 ELSE 0 END) AS active_store_managers
      FROM `retail-mesh-prod`.`store`.`store_staff`
      GROUP BY store_id
    )
    SELECT l.store_id, l.format, l.status,
           COALESCE(p.staff_on_record, 0) AS staff_on_record,
           COALESCE(p.active_staff, 0) AS active_staff,
           COALESCE(p.managers, 0) AS managers,
           COALESCE(p.supervisors, 0) AS supervisors,
           COALESCE(p.associates, 0) AS associates,
           COALESCE(p.cashiers, 0) AS cashiers,
           COALESCE(p.stock_staff, 0) AS stock_staff,
           p.average_hourly_rate,
           p.average_tenure_days,
           COALESCE(p.active_store_managers, 0) > 0 AS has_active_manager
    FROM `retail-mesh-prod`.`store`.`store_locations` AS l
    LEFT JOIN per_store AS p ON p.store_id = l.store_id;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`store`.`_staging_store_staffing_summary` (
  `store_id` STRING OPTIONS(description='Store identifier'),
  `format` STRING OPTIONS(description='Format of the store'),
  `status` STRING OPTIONS(description='Trading status of the store (see store_locations)'),
  `staff_on_record` INT64 OPTIONS(description='Everyone on the staff list, active or not'),
  `active_staff` INT64 OPTIONS(description='Staff currently employed'),
  `managers` INT64 OPTIONS(description='Active staff in the manager role'),
  `supervisors` INT64 OPTIONS(description='Active staff in the supervisor role'),
  `associates` INT64 OPTIONS(description='Active staff in the associate role'),
  `cashiers` INT64 OPTIONS(description='Active staff in the cashier role'),
  `stock_staff` INT64 OPTIONS(description='Active staff in the stock role'),
  `average_hourly_rate` NUMERIC OPTIONS(description='Average gross pay per hour of the active staff, two decimals; NULL without active staff'),
  `average_tenure_days` FLOAT64 OPTIONS(description='Average tenure in days of the active staff, one decimal; NULL without active staff'),
  `has_active_manager` BOOL OPTIONS(description='The store master names a manager who is on the store staff list and active'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
CLUSTER BY `format`, `status`
OPTIONS(description='Per store: staff on record, active staff by role, average hourly rate and tenure of the active staff, and whether the manager post is filled.', labels=[('domain', 'store'), ('product', 'store_staffing_summary'), ('tier', 'silver'), ('version', '1-0-1')])
AS SELECT CAST(`q`.`store_id` AS STRING) AS `store_id`, CAST(`q`.`format` AS STRING) AS `format`, CAST(`q`.`status` AS STRING) AS `status`, IF(CAST(`q`.`staff_on_record` AS FLOAT64) <> TRUNC(CAST(`q`.`staff_on_record` AS FLOAT64)), ERROR(CONCAT('column staff_on_record: the transform gives ', CAST(`q`.`staff_on_record` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`staff_on_record` AS INT64)) AS `staff_on_record`, IF(CAST(`q`.`active_staff` AS FLOAT64) <> TRUNC(CAST(`q`.`active_staff` AS FLOAT64)), ERROR(CONCAT('column active_staff: the transform gives ', CAST(`q`.`active_staff` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`active_staff` AS INT64)) AS `active_staff`, IF(CAST(`q`.`managers` AS FLOAT64) <> TRUNC(CAST(`q`.`managers` AS FLOAT64)), ERROR(CONCAT('column managers: the transform gives ', CAST(`q`.`managers` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`managers` AS INT64)) AS `managers`, IF(CAST(`q`.`supervisors` AS FLOAT64) <> TRUNC(CAST(`q`.`supervisors` AS FLOAT64)), ERROR(CONCAT('column supervisors: the transform gives ', CAST(`q`.`supervisors` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`supervisors` AS INT64)) AS `supervisors`, IF(CAST(`q`.`associates` AS FLOAT64) <> TRUNC(CAST(`q`.`associates` AS FLOAT64)), ERROR(CONCAT('column associates: the transform gives ', CAST(`q`.`associates` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`associates` AS INT64)) AS `associates`, IF(CAST(`q`.`cashiers` AS FLOAT64) <> TRUNC(CAST(`q`.`cashiers` AS FLOAT64)), ERROR(CONCAT('column cashiers: the transform gives ', CAST(`q`.`cashiers` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`cashiers` AS INT64)) AS `cashiers`, IF(CAST(`q`.`stock_staff` AS FLOAT64) <> TRUNC(CAST(`q`.`stock_staff` AS FLOAT64)), ERROR(CONCAT('column stock_staff: the transform gives ', CAST(`q`.`stock_staff` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`stock_staff` AS INT64)) AS `stock_staff`, CAST(`q`.`average_hourly_rate` AS NUMERIC) AS `average_hourly_rate`, CAST(`q`.`average_tenure_days` AS FLOAT64) AS `average_tenure_days`, CAST(`q`.`has_active_manager` AS BOOL) AS `has_active_manager`, CAST('store' AS STRING) AS `_domain`, CAST('store_staffing_summary' AS STRING) AS `_product`, CAST('1.0.1' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH per_store AS (
      SELECT store_id,
             COUNT(*) AS staff_on_record,
             SUM(CASE WHEN active THEN 1 ELSE 0 END) AS active_staff,
             SUM(CASE WHEN active AND role = 'manager' THEN 1 ELSE 0 END) AS managers,
             SUM(CASE WHEN active AND role = 'supervisor' THEN 1 ELSE 0 END) AS supervisors,
             SUM(CASE WHEN active AND role = 'associate' THEN 1 ELSE 0 END) AS associates,
             SUM(CASE WHEN active AND role = 'cashier' THEN 1 ELSE 0 END) AS cashiers,
             SUM(CASE WHEN active AND role = 'stock' THEN 1 ELSE 0 END) AS stock_staff,
             ROUND(CAST(AVG(CASE WHEN active THEN hourly_rate END) AS NUMERIC), 2) AS average_hourly_rate,
             ROUND(CAST(AVG(CASE WHEN active THEN tenure_days END) AS NUMERIC), 1) AS average_tenure_days,
             SUM(CASE WHEN active AND is_store_manager THEN 1 ELSE 0 END) AS active_store_managers
      FROM `retail-mesh-prod`.`store`.`store_staff`
      GROUP BY store_id
    )
    SELECT l.store_id, l.format, l.status,
           COALESCE(p.staff_on_record, 0) AS staff_on_record,
           COALESCE(p.active_staff, 0) AS active_staff,
           COALESCE(p.managers, 0) AS managers,
           COALESCE(p.supervisors, 0) AS supervisors,
           COALESCE(p.associates, 0) AS associates,
           COALESCE(p.cashiers, 0) AS cashiers,
           COALESCE(p.stock_staff, 0) AS stock_staff,
           p.average_hourly_rate,
           p.average_tenure_days,
           COALESCE(p.active_store_managers, 0) > 0 AS has_active_manager
    FROM `retail-mesh-prod`.`store`.`store_locations` AS l
    LEFT JOIN per_store AS p ON p.store_id = l.store_id) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_9` AS `nn_9`, `s`.`nn_10` AS `nn_10`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `u`.`p0` AS `check_2`, `u`.`p1` AS `check_3`, `u`.`p2` AS `check_4`, `u`.`p3` AS `check_5`, `u`.`p4` AS `check_6`, `s`.`row_count` AS `check_7`, `s`.`row_count` - `s`.`nn_1` AS `check_8`, `s`.`row_count` - `s`.`nn_2` AS `check_9`, `s`.`row_count` - `s`.`nn_3` AS `check_10`, `s`.`row_count` - `s`.`nn_4` AS `check_11`, `s`.`row_count` - `s`.`nn_5` AS `check_12`, `s`.`row_count` - `s`.`nn_6` AS `check_13`, `s`.`row_count` - `s`.`nn_7` AS `check_14`, `s`.`row_count` - `s`.`nn_8` AS `check_15`, `s`.`row_count` - `s`.`nn_9` AS `check_16`, `s`.`row_count` - `s`.`nn_10` AS `check_17` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`store_id`) AS `nn_0`, COUNT(`t`.`format`) AS `nn_1`, COUNT(`t`.`status`) AS `nn_2`, COUNT(`t`.`staff_on_record`) AS `nn_3`, COUNT(`t`.`active_staff`) AS `nn_4`, COUNT(`t`.`managers`) AS `nn_5`, COUNT(`t`.`supervisors`) AS `nn_6`, COUNT(`t`.`associates`) AS `nn_7`, COUNT(`t`.`cashiers`) AS `nn_8`, COUNT(`t`.`stock_staff`) AS `nn_9`, COUNT(`t`.`has_active_manager`) AS `nn_10` FROM `retail-mesh-prod`.`store`.`_staging_store_staffing_summary` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`store_id` AS `k0` FROM `retail-mesh-prod`.`store`.`_staging_store_staffing_summary` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_staffing_summary` AS t WHERE `t`.`format` <> 'flagship' AND `t`.`format` <> 'standard' AND `t`.`format` <> 'express' AND `t`.`format` <> 'outlet') UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_staffing_summary` AS t WHERE `t`.`status` <> 'open' AND `t`.`status` <> 'closed' AND `t`.`status` <> 'opening') UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_staffing_summary` AS t WHERE `t`.`average_hourly_rate` < 0) UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_staffing_summary` AS t WHERE NOT COALESCE((managers + supervisors + associates + cashiers + stock_staff = active_staff), FALSE)) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_staffing_summary` AS t WHERE NOT COALESCE((active_staff <= staff_on_record), FALSE))) AS f) AS u;
