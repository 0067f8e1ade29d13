-- store.store_locations 1.0.1: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH clock AS (
      SELECT COALESCE(DATE_ADD(CAST(MAX(business_date) AS DATE), INTERVAL 1 DAY), CURRENT_DATE()) AS as_of_date
      FROM `retail-mesh-prod`.`store`.`raw_daily_operations`
    ),
    dated AS (
      SELECT s.*, k.as_of_date,
             CASE WHEN s.closed_on IS NOT NULL AND s.closed_on <= k.as_of_date THEN 'closed'
                  WHEN s.opened_on > k.as_of_date THEN 'opening'
                  ELSE 'open' END AS status
      FROM `retail-mesh-prod`.`store`.`raw_stores` AS s
      CROSS JOIN clock AS k
    )
    SELECT store_id, TRIM(name, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS name, format, TRIM(city, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS city, region, opened_on, closed_on, status,
           CASE WHEN status = 'opening' THEN NULL
                ELSE ROUND(DATE_DIFF(CAST(CASE WHEN status = 'closed' THEN closed_on ELSE as_of_date END AS DATE), CAST(opened_on AS DATE), DAY) / 365.25, 1)
           END AS age_years,
           square_meters, manager_staff_id, as_of_date
    FROM dated;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`store`.`_staging_store_locations` (
  `store_id` STRING OPTIONS(description='Store identifier'),
  `name` STRING OPTIONS(description='Store name as shown on the fascia and receipts'),
  `format` STRING OPTIONS(description='Store format: flagship, standard, express or outlet'),
  `city` STRING OPTIONS(description='City the store is in'),
  `region` STRING OPTIONS(description='Sales region the store reports to'),
  `opened_on` DATE OPTIONS(description='First trading day'),
  `closed_on` DATE OPTIONS(description='Day the store closed for good; NULL while it trades'),
  `status` STRING OPTIONS(description='closed when closed_on is on or before as_of_date, opening when opened_on is after it, else open'),
  `age_years` FLOAT64 OPTIONS(description='Years from opening to as_of_date (to closed_on for a closed store), one decimal; NULL before opening'),
  `square_meters` INT64 OPTIONS(description='Sales floor area in square meters'),
  `manager_staff_id` STRING OPTIONS(description='Staff identifier of the store manager; NULL while the post is vacant'),
  `as_of_date` DATE OPTIONS(description='Day status and age refer to: the day after the latest business day reported'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
CLUSTER BY `region`, `format`
OPTIONS(description='Every store the company operates or has operated: where it is, its format and size, whether it trades, and for how long it has.', labels=[('domain', 'store'), ('product', 'store_locations'), ('tier', 'gold'), ('version', '1-0-1')])
AS SELECT CAST(`q`.`store_id` AS STRING) AS `store_id`, CAST(`q`.`name` AS STRING) AS `name`, CAST(`q`.`format` AS STRING) AS `format`, CAST(`q`.`city` AS STRING) AS `city`, CAST(`q`.`region` AS STRING) AS `region`, CAST(`q`.`opened_on` AS DATE) AS `opened_on`, CAST(`q`.`closed_on` AS DATE) AS `closed_on`, CAST(`q`.`status` AS STRING) AS `status`, CAST(`q`.`age_years` AS FLOAT64) AS `age_years`, IF(CAST(`q`.`square_meters` AS FLOAT64) <> TRUNC(CAST(`q`.`square_meters` AS FLOAT64)), ERROR(CONCAT('column square_meters: the transform gives ', CAST(`q`.`square_meters` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`square_meters` AS INT64)) AS `square_meters`, CAST(`q`.`manager_staff_id` AS STRING) AS `manager_staff_id`, CAST(`q`.`as_of_date` AS DATE) AS `as_of_date`, CAST('store' AS STRING) AS `_domain`, CAST('store_locations' AS STRING) AS `_product`, CAST('1.0.1' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH clock AS (
      SELECT COALESCE(DATE_ADD(CAST(MAX(business_date) AS DATE), INTERVAL 1 DAY), CURRENT_DATE()) AS as_of_date
      FROM `retail-mesh-prod`.`store`.`raw_daily_operations`
    ),
    dated AS (
      SELECT s.*, k.as_of_date,
             CASE WHEN s.closed_on IS NOT NULL AND s.closed_on <= k.as_of_date THEN 'closed'
                  WHEN s.opened_on > k.as_of_date THEN 'opening'
                  ELSE 'open' END AS status
      FROM `retail-mesh-prod`.`store`.`raw_stores` AS s
      CROSS JOIN clock AS k
    )
    SELECT store_id, TRIM(name, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS name, format, TRIM(city, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS city, region, opened_on, closed_on, status,
           CASE WHEN status = 'opening' THEN NULL
                ELSE ROUND(DATE_DIFF(CAST(CASE WHEN status = 'closed' THEN closed_on ELSE as_of_date END AS DATE), CAST(opened_on AS DATE), DAY) / 365.25, 1)
           END AS age_years,
           square_meters, manager_staff_id, as_of_date
    FROM dated) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_1` AS `check_2`, `s`.`row_count` - `s`.`nn_2` AS `check_3`, `u`.`p0` AS `check_4`, `s`.`row_count` - `s`.`nn_4` AS `check_5`, `u`.`p1` AS `check_6`, `u`.`p2` AS `check_7`, `s`.`row_count` - `s`.`nn_5` AS `check_8`, `u`.`p3` AS `check_9`, `u`.`p4` AS `check_10`, `u`.`p5` AS `check_11`, `s`.`row_count` AS `check_12`, `s`.`row_count` - `s`.`nn_3` AS `check_13`, `s`.`row_count` - `s`.`nn_6` AS `check_14`, `s`.`row_count` - `s`.`nn_7` AS `check_15`, `s`.`row_count` - `s`.`nn_8` AS `check_16` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`store_id`) AS `nn_0`, COUNT(`t`.`name`) AS `nn_1`, COUNT(`t`.`format`) AS `nn_2`, COUNT(`t`.`city`) AS `nn_3`, COUNT(`t`.`region`) AS `nn_4`, COUNT(`t`.`opened_on`) AS `nn_5`, COUNT(`t`.`status`) AS `nn_6`, COUNT(`t`.`square_meters`) AS `nn_7`, COUNT(`t`.`as_of_date`) AS `nn_8` FROM `retail-mesh-prod`.`store`.`_staging_store_locations` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`store_id` AS `k0` FROM `retail-mesh-prod`.`store`.`_staging_store_locations` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_locations` AS t WHERE `t`.`format` <> 'flagship' AND `t`.`format` <> 'standard' AND `t`.`format` <> 'express' AND `t`.`format` <> 'outlet') UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_locations` AS t WHERE `t`.`region` <> 'north' AND `t`.`region` <> 'south' AND `t`.`region` <> 'east' AND `t`.`region` <> 'west' AND `t`.`region` <> 'central') UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_locations` AS t WHERE `t`.`status` <> 'open' AND `t`.`status` <> 'closed' AND `t`.`status` <> 'opening') UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_locations` AS t WHERE `t`.`square_meters` < 1) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_locations` AS t WHERE `t`.`age_years` < 0) UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`store`.`_staging_store_locations` AS t WHERE NOT COALESCE((closed_on IS NULL OR closed_on >= opened_on), FALSE))) AS f) AS u;
