-- marketing.marketing_campaigns 1.0.2: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH as_of AS (
      SELECT COALESCE(
        (SELECT MAX(CAST(occurred_at AS DATE)) FROM `retail-mesh-prod`.`marketing`.`raw_touchpoints`),
        (SELECT CASE WHEN MAX(starts_on) > CURRENT_DATE() THEN CURRENT_DATE() ELSE MAX(starts_on) END
         FROM `retail-mesh-prod`.`marketing`.`raw_campaigns`)
      ) AS status_as_of
    )
    SELECT c.campaign_id, TRIM(c.name, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS name, c.channel, c.objective, c.featured_product_id,
           p.name AS featured_product_name, p.category AS featured_product_category,
           c.starts_on, c.ends_on,
           DATE_DIFF(CAST(c.ends_on AS DATE), CAST(c.starts_on AS DATE), DAY) + 1 AS duration_days,
           c.budget,
           SAFE_DIVIDE(CAST(c.budget AS NUMERIC), CAST(DATE_DIFF(CAST(c.ends_on AS DATE), CAST(c.starts_on AS DATE), DAY) + 1 AS NUMERIC)) AS daily_budget,
           CASE WHEN a.status_as_of < c.starts_on THEN 'planned'
                WHEN a.status_as_of > c.ends_on THEN 'ended'
                ELSE 'active' END AS status,
           a.status_as_of
    FROM `retail-mesh-prod`.`marketing`.`raw_campaigns` AS c
    CROSS JOIN as_of AS a
    LEFT JOIN `retail-mesh-prod`.`product`.`product_catalog` AS p ON p.product_id = c.featured_product_id;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`marketing`.`_staging_marketing_campaigns` (
  `campaign_id` STRING OPTIONS(description='Campaign identifier'),
  `name` STRING OPTIONS(description='Campaign name as planned'),
  `channel` STRING OPTIONS(description='Channel the campaign runs on'),
  `objective` STRING OPTIONS(description='What the campaign is meant to achieve'),
  `featured_product_id` STRING OPTIONS(description='Catalog identifier of the featured product; NULL when the campaign features none'),
  `featured_product_name` STRING OPTIONS(description='Name of the featured product in the current catalog revision'),
  `featured_product_category` STRING OPTIONS(description='Merchandise category of the featured product'),
  `starts_on` DATE OPTIONS(description='First day of the campaign'),
  `ends_on` DATE OPTIONS(description='Last day of the campaign (inclusive)'),
  `duration_days` INT64 OPTIONS(description='Days the campaign runs, both ends included: ends_on - starts_on + 1'),
  `budget` NUMERIC OPTIONS(description='Budget planned for the whole campaign'),
  `daily_budget` NUMERIC OPTIONS(description='budget / duration_days'),
  `status` STRING OPTIONS(description='planned when status_as_of is before starts_on, ended when it is after ends_on, else active'),
  `status_as_of` DATE OPTIONS(description='Day the status is computed for: the latest day with a touchpoint; without any, the latest start day, or the day of the build when that start is still to come'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
CLUSTER BY `channel`, `status`
OPTIONS(description='Every marketing campaign with its channel, objective, budget, featured product and status (planned, active or ended).', labels=[('domain', 'marketing'), ('product', 'marketing_campaigns'), ('tier', 'gold'), ('version', '1-0-2')])
AS SELECT CAST(`q`.`campaign_id` AS STRING) AS `campaign_id`, CAST(`q`.`name` AS STRING) AS `name`, CAST(`q`.`channel` AS STRING) AS `channel`, CAST(`q`.`objective` AS STRING) AS `objective`, CAST(`q`.`featured_product_id` AS STRING) AS `featured_product_id`, CAST(`q`.`featured_product_name` AS STRING) AS `featured_product_name`, CAST(`q`.`featured_product_category` AS STRING) AS `featured_product_category`, CAST(`q`.`starts_on` AS DATE) AS `starts_on`, CAST(`q`.`ends_on` AS DATE) AS `ends_on`, IF(CAST(`q`.`duration_days` AS FLOAT64) <> TRUNC(CAST(`q`.`duration_days` AS FLOAT64)), ERROR(CONCAT('column duration_days: the transform gives ', CAST(`q`.`duration_days` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`duration_days` AS INT64)) AS `duration_days`, CAST(`q`.`budget` AS NUMERIC) AS `budget`, CAST(`q`.`daily_budget` AS NUMERIC) AS `daily_budget`, CAST(`q`.`status` AS STRING) AS `status`, CAST(`q`.`status_as_of` AS DATE) AS `status_as_of`, CAST('marketing' AS STRING) AS `_domain`, CAST('marketing_campaigns' AS STRING) AS `_product`, CAST('1.0.2' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH as_of AS (
      SELECT COALESCE(
        (SELECT MAX(CAST(occurred_at AS DATE)) FROM `retail-mesh-prod`.`marketing`.`raw_touchpoints`),
        (SELECT CASE WHEN MAX(starts_on) > CURRENT_DATE() THEN CURRENT_DATE() ELSE MAX(starts_on) END
         FROM `retail-mesh-prod`.`marketing`.`raw_campaigns`)
      ) AS status_as_of
    )
    SELECT c.campaign_id, TRIM(c.name, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS name, c.channel, c.objective, c.featured_product_id,
           p.name AS featured_product_name, p.category AS featured_product_category,
           c.starts_on, c.ends_on,
           DATE_DIFF(CAST(c.ends_on AS DATE), CAST(c.starts_on AS DATE), DAY) + 1 AS duration_days,
           c.budget,
           SAFE_DIVIDE(CAST(c.budget AS NUMERIC), CAST(DATE_DIFF(CAST(c.ends_on AS DATE), CAST(c.starts_on AS DATE), DAY) + 1 AS NUMERIC)) AS daily_budget,
           CASE WHEN a.status_as_of < c.starts_on THEN 'planned'
                WHEN a.status_as_of > c.ends_on THEN 'ended'
                ELSE 'active' END AS status,
           a.status_as_of
    FROM `retail-mesh-prod`.`marketing`.`raw_campaigns` AS c
    CROSS JOIN as_of AS a
    LEFT JOIN `retail-mesh-prod`.`product`.`product_catalog` AS p ON p.product_id = c.featured_product_id) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_9` AS `nn_9`, `s`.`nn_10` AS `nn_10`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_2` AS `check_2`, `u`.`p0` AS `check_3`, `u`.`p1` AS `check_4`, `s`.`row_count` - `s`.`nn_9` AS `check_5`, `u`.`p2` AS `check_6`, `u`.`p3` AS `check_7`, `u`.`p4` AS `check_8`, `u`.`p5` AS `check_9`, `s`.`row_count` AS `check_10`, `s`.`row_count` - `s`.`nn_1` AS `check_11`, `s`.`row_count` - `s`.`nn_3` AS `check_12`, `s`.`row_count` - `s`.`nn_4` AS `check_13`, `s`.`row_count` - `s`.`nn_5` AS `check_14`, `s`.`row_count` - `s`.`nn_6` AS `check_15`, `s`.`row_count` - `s`.`nn_7` AS `check_16`, `s`.`row_count` - `s`.`nn_8` AS `check_17`, `s`.`row_count` - `s`.`nn_10` AS `check_18` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`campaign_id`) AS `nn_0`, COUNT(`t`.`name`) AS `nn_1`, COUNT(`t`.`channel`) AS `nn_2`, COUNT(`t`.`objective`) AS `nn_3`, COUNT(`t`.`starts_on`) AS `nn_4`, COUNT(`t`.`ends_on`) AS `nn_5`, COUNT(`t`.`duration_days`) AS `nn_6`, COUNT(`t`.`budget`) AS `nn_7`, COUNT(`t`.`daily_budget`) AS `nn_8`, COUNT(`t`.`status`) AS `nn_9`, COUNT(`t`.`status_as_of`) AS `nn_10` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaigns` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`campaign_id` AS `k0` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaigns` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaigns` AS t WHERE `t`.`channel` <> 'email' AND `t`.`channel` <> 'social' AND `t`.`channel` <> 'search' AND `t`.`channel` <> 'display' AND `t`.`channel` <> 'sms') UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaigns` AS t WHERE `t`.`objective` <> 'awareness' AND `t`.`objective` <> 'acquisition' AND `t`.`objective` <> 'retention' AND `t`.`objective` <> 'reactivation') UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaigns` AS t WHERE `t`.`status` <> 'planned' AND `t`.`status` <> 'active' AND `t`.`status` <> 'ended') UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaigns` AS t WHERE `t`.`duration_days` < 1) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaigns` AS t WHERE `t`.`budget` < 0) UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaigns` AS t WHERE `t`.`featured_product_id` IS NOT NULL AND `t`.`featured_product_id` NOT IN (SELECT `r`.`product_id` FROM `retail-mesh-prod`.`product`.`product_catalog` AS r WHERE `r`.`product_id` IS NOT NULL))) AS f) AS u;
