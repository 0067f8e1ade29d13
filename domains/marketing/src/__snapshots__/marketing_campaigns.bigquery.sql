-- marketing.marketing_campaigns 1.0.0: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH as_of AS (
      SELECT COALESCE(
        (SELECT MAX(CAST(occurred_at AS DATE)) FROM `retail-mesh-prod`.`marketing`.`raw_touchpoints`),
        (SELECT MAX(starts_on) FROM `retail-mesh-prod`.`marketing`.`raw_campaigns`)
      ) AS status_as_of
    )
    SELECT c.campaign_id, TRIM(c.name) AS name, c.channel, c.objective, c.featured_product_id,
           p.name AS featured_product_name, p.category AS featured_product_category,
           c.starts_on, c.ends_on,
           DATE_DIFF(CAST(c.ends_on AS DATE), CAST(c.starts_on AS DATE), DAY) + 1 AS duration_days,
           c.budget,
           SAFE_DIVIDE(c.budget, DATE_DIFF(CAST(c.ends_on AS DATE), CAST(c.starts_on AS DATE), DAY) + 1) AS daily_budget,
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
  `status_as_of` DATE OPTIONS(description='Day the status is computed for: the latest day with a touchpoint (the latest start day when there are none)'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
CLUSTER BY `channel`, `status`
OPTIONS(description='Every marketing campaign with its channel, objective, budget, featured product and status (planned, active or ended).', labels=[('domain', 'marketing'), ('product', 'marketing_campaigns'), ('tier', 'gold'), ('version', '1-0-0')])
AS SELECT CAST(`q`.`campaign_id` AS STRING) AS `campaign_id`, CAST(`q`.`name` AS STRING) AS `name`, CAST(`q`.`channel` AS STRING) AS `channel`, CAST(`q`.`objective` AS STRING) AS `objective`, CAST(`q`.`featured_product_id` AS STRING) AS `featured_product_id`, CAST(`q`.`featured_product_name` AS STRING) AS `featured_product_name`, CAST(`q`.`featured_product_category` AS STRING) AS `featured_product_category`, CAST(`q`.`starts_on` AS DATE) AS `starts_on`, CAST(`q`.`ends_on` AS DATE) AS `ends_on`, CAST(`q`.`duration_days` AS INT64) AS `duration_days`, CAST(`q`.`budget` AS NUMERIC) AS `budget`, CAST(`q`.`daily_budget` AS NUMERIC) AS `daily_budget`, CAST(`q`.`status` AS STRING) AS `status`, CAST(`q`.`status_as_of` AS DATE) AS `status_as_of`, CAST('marketing' AS STRING) AS `_domain`, CAST('marketing_campaigns' AS STRING) AS `_product`, CAST('1.0.0' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH as_of AS (
      SELECT COALESCE(
        (SELECT MAX(CAST(occurred_at AS DATE)) FROM `retail-mesh-prod`.`marketing`.`raw_touchpoints`),
        (SELECT MAX(starts_on) FROM `retail-mesh-prod`.`marketing`.`raw_campaigns`)
      ) AS status_as_of
    )
    SELECT c.campaign_id, TRIM(c.name) AS name, c.channel, c.objective, c.featured_product_id,
           p.name AS featured_product_name, p.category AS featured_product_category,
           c.starts_on, c.ends_on,
           DATE_DIFF(CAST(c.ends_on AS DATE), CAST(c.starts_on AS DATE), DAY) + 1 AS duration_days,
           c.budget,
           SAFE_DIVIDE(c.budget, DATE_DIFF(CAST(c.ends_on AS DATE), CAST(c.starts_on AS DATE), DAY) + 1) AS daily_budget,
           CASE WHEN a.status_as_of < c.starts_on THEN 'planned'
                WHEN a.status_as_of > c.ends_on THEN 'ended'
                ELSE 'active' END AS status,
           a.status_as_of
    FROM `retail-mesh-prod`.`marketing`.`raw_campaigns` AS c
    CROSS JOIN as_of AS a
    LEFT JOIN `retail-mesh-prod`.`product`.`product_catalog` AS p ON p.product_id = c.featured_product_id) AS q;

-- checks (one query for the whole suite)
SELECT COUNT(*) AS `row_count`, COUNT(`t`.`campaign_id`) AS `nn_0`, COUNT(`t`.`name`) AS `nn_1`, COUNT(`t`.`channel`) AS `nn_2`, COUNT(`t`.`objective`) AS `nn_3`, COUNT(`t`.`starts_on`) AS `nn_4`, COUNT(`t`.`ends_on`) AS `nn_5`, COUNT(`t`.`duration_days`) AS `nn_6`, COUNT(`t`.`budget`) AS `nn_7`, COUNT(`t`.`daily_budget`) AS `nn_8`, COUNT(`t`.`status`) AS `nn_9`, COUNT(`t`.`status_as_of`) AS `nn_10`, COUNT(`t`.`campaign_id`) - COUNT(DISTINCT `t`.`campaign_id`) AS `check_0`, COUNT(*) - COUNT(`t`.`campaign_id`) AS `check_1`, COUNT(*) - COUNT(`t`.`channel`) AS `check_2`, SUM(CASE WHEN `t`.`channel` IS NOT NULL AND `t`.`channel` NOT IN ('email', 'social', 'search', 'display', 'sms') THEN 1 ELSE 0 END) AS `check_3`, SUM(CASE WHEN `t`.`objective` IS NOT NULL AND `t`.`objective` NOT IN ('awareness', 'acquisition', 'retention', 'reactivation') THEN 1 ELSE 0 END) AS `check_4`, COUNT(*) - COUNT(`t`.`status`) AS `check_5`, SUM(CASE WHEN `t`.`status` IS NOT NULL AND `t`.`status` NOT IN ('planned', 'active', 'ended') THEN 1 ELSE 0 END) AS `check_6`, SUM(CASE WHEN `t`.`duration_days` < 1 THEN 1 ELSE 0 END) AS `check_7`, SUM(CASE WHEN `t`.`budget` < 0 THEN 1 ELSE 0 END) AS `check_8`, (SELECT COUNT(*) FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaigns` AS x WHERE `x`.`featured_product_id` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`product`.`product_catalog` AS r WHERE `r`.`product_id` = `x`.`featured_product_id`)) AS `check_9`, COUNT(*) AS `check_10` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaigns` AS t;
