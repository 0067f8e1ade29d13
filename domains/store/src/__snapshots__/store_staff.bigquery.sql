-- store.store_staff 1.0.1: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH clock AS (SELECT MAX(as_of_date) AS as_of_date FROM `retail-mesh-prod`.`store`.`store_locations`)
    SELECT e.staff_id, e.store_id, TRIM(e.first_name, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS first_name, TRIM(e.last_name, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS last_name,
           e.role, e.hired_on, e.hourly_rate, e.active,
           CASE WHEN NOT e.active THEN NULL
                WHEN e.hired_on > k.as_of_date THEN 0
                ELSE DATE_DIFF(CAST(k.as_of_date AS DATE), CAST(e.hired_on AS DATE), DAY) END AS tenure_days,
           COALESCE(l.manager_staff_id = e.staff_id, FALSE) AS is_store_manager
    FROM `retail-mesh-prod`.`store`.`raw_staff` AS e
    CROSS JOIN clock AS k
    LEFT JOIN `retail-mesh-prod`.`store`.`store_locations` AS l ON l.store_id = e.store_id;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`store`.`_staging_store_staff` (
  `staff_id` STRING OPTIONS(description='Staff identifier'),
  `store_id` STRING OPTIONS(description='Store the person works (or worked) at'),
  `first_name` STRING OPTIONS(description='Given name'),
  `last_name` STRING OPTIONS(description='Family name'),
  `role` STRING OPTIONS(description='Job role in the store'),
  `hired_on` DATE OPTIONS(description='First day of employment at the store'),
  `hourly_rate` NUMERIC OPTIONS(description='Gross pay per hour'),
  `active` BOOL OPTIONS(description='Currently employed'),
  `tenure_days` INT64 OPTIONS(description='Days from hired_on to the as-of date of store_locations for active staff (0 when not started yet); NULL for leavers, whose leaving day is not known'),
  `is_store_manager` BOOL OPTIONS(description='Named as manager of the store in the store master'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
CLUSTER BY `store_id`, `role`
OPTIONS(description='Everyone on the staff list of a store, current and former, with role, pay, tenure and whether they are the store manager.', labels=[('domain', 'store'), ('product', 'store_staff'), ('tier', 'silver'), ('version', '1-0-1')])
AS SELECT CAST(`q`.`staff_id` AS STRING) AS `staff_id`, CAST(`q`.`store_id` AS STRING) AS `store_id`, CAST(`q`.`first_name` AS STRING) AS `first_name`, CAST(`q`.`last_name` AS STRING) AS `last_name`, CAST(`q`.`role` AS STRING) AS `role`, CAST(`q`.`hired_on` AS DATE) AS `hired_on`, CAST(`q`.`hourly_rate` AS NUMERIC) AS `hourly_rate`, CAST(`q`.`active` AS BOOL) AS `active`, IF(CAST(`q`.`tenure_days` AS FLOAT64) <> TRUNC(CAST(`q`.`tenure_days` AS FLOAT64)), ERROR(CONCAT('column tenure_days: the transform gives ', CAST(`q`.`tenure_days` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`tenure_days` AS INT64)) AS `tenure_days`, CAST(`q`.`is_store_manager` AS BOOL) AS `is_store_manager`, CAST('store' AS STRING) AS `_domain`, CAST('store_staff' AS STRING) AS `_product`, CAST('1.0.1' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH clock AS (SELECT MAX(as_of_date) AS as_of_date FROM `retail-mesh-prod`.`store`.`store_locations`)
    SELECT e.staff_id, e.store_id, TRIM(e.first_name, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS first_name, TRIM(e.last_name, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS last_name,
           e.role, e.hired_on, e.hourly_rate, e.active,
           CASE WHEN NOT e.active THEN NULL
                WHEN e.hired_on > k.as_of_date THEN 0
                ELSE DATE_DIFF(CAST(k.as_of_date AS DATE), CAST(e.hired_on AS DATE), DAY) END AS tenure_days,
           COALESCE(l.manager_staff_id = e.staff_id, FALSE) AS is_store_manager
    FROM `retail-mesh-prod`.`store`.`raw_staff` AS e
    CROSS JOIN clock AS k
    LEFT JOIN `retail-mesh-prod`.`store`.`store_locations` AS l ON l.store_id = e.store_id) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_1` AS `check_2`, `u`.`p0` AS `check_3`, `s`.`row_count` - `s`.`nn_4` AS `check_4`, `u`.`p1` AS `check_5`, `u`.`p2` AS `check_6`, `u`.`p3` AS `check_7`, `s`.`row_count` AS `check_8`, `u`.`p4` AS `check_9`, `s`.`row_count` - `s`.`nn_2` AS `check_10`, `s`.`row_count` - `s`.`nn_3` AS `check_11`, `s`.`row_count` - `s`.`nn_5` AS `check_12`, `s`.`row_count` - `s`.`nn_6` AS `check_13`, `s`.`row_count` - `s`.`nn_7` AS `check_14`, `s`.`row_count` - `s`.`nn_8` AS `check_15` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`staff_id`) AS `nn_0`, COUNT(`t`.`store_id`) AS `nn_1`, COUNT(`t`.`first_name`) AS `nn_2`, COUNT(`t`.`last_name`) AS `nn_3`, COUNT(`t`.`role`) AS `nn_4`, COUNT(`t`.`hired_on`) AS `nn_5`, COUNT(`t`.`hourly_rate`) AS `nn_6`, COUNT(`t`.`active`) AS `nn_7`, COUNT(`t`.`is_store_manager`) AS `nn_8` FROM `retail-mesh-prod`.`store`.`_staging_store_staff` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`staff_id` AS `k0` FROM `retail-mesh-prod`.`store`.`_staging_store_staff` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_staff` AS t WHERE `t`.`store_id` IS NOT NULL AND `t`.`store_id` NOT IN (SELECT `r`.`store_id` FROM `retail-mesh-prod`.`store`.`store_locations` AS r WHERE `r`.`store_id` IS NOT NULL)) UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_staff` AS t WHERE `t`.`role` <> 'manager' AND `t`.`role` <> 'supervisor' AND `t`.`role` <> 'associate' AND `t`.`role` <> 'cashier' AND `t`.`role` <> 'stock') UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_staff` AS t WHERE `t`.`hourly_rate` < 0) UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_staff` AS t WHERE `t`.`tenure_days` < 0) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM (
          SELECT l.store_id FROM `retail-mesh-prod`.`store`.`store_locations` AS l
          WHERE l.manager_staff_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`store`.`_staging_store_staff` AS s WHERE s.staff_id = l.manager_staff_id AND s.store_id = l.store_id)) AS a)) AS f) AS u;
