-- marketing.marketing_customer_engagement 1.0.1: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH counted AS (
      SELECT customer_id,
             SUM(CASE WHEN event_type = 'impression' THEN 1 ELSE 0 END) AS impressions,
             SUM(CASE WHEN event_type = 'click' THEN 1 ELSE 0 END) AS clicks,
             SUM(CASE WHEN event_type = 'conversion' THEN 1 ELSE 0 END) AS conversions,
             COUNT(DISTINCT campaign_id) AS campaigns_reached,
             MIN(occurred_at) AS first_touched_at,
             MAX(occurred_at) AS last_touched_at,
             MAX(CASE WHEN event_type IN ('click', 'conversion') THEN occurred_at END) AS last_engaged_at
      FROM `retail-mesh-prod`.`marketing`.`raw_touchpoints`
      WHERE customer_id IS NOT NULL
      GROUP BY customer_id
    )
    SELECT customer_id, impressions, clicks, conversions, campaigns_reached,
           SAFE_DIVIDE(clicks, impressions) AS click_through_rate,
           SAFE_DIVIDE(conversions, clicks) AS conversion_rate,
           CASE WHEN conversions > 0 THEN 'converted' WHEN clicks > 0 THEN 'clicked' ELSE 'viewed' END
             AS engagement_level,
           first_touched_at, last_touched_at, last_engaged_at
    FROM counted;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_engagement` (
  `customer_id` STRING OPTIONS(description='Customer identifier'),
  `impressions` INT64 OPTIONS(description='Campaign impressions shown to the customer'),
  `clicks` INT64 OPTIONS(description='Clicks of the customer on campaigns'),
  `conversions` INT64 OPTIONS(description='Purchases attributed by the ad platforms to a campaign'),
  `campaigns_reached` INT64 OPTIONS(description='Distinct campaigns with at least one event of the customer'),
  `click_through_rate` FLOAT64 OPTIONS(description='clicks / impressions; NULL without impressions (e-mail clicks are logged without them)'),
  `conversion_rate` FLOAT64 OPTIONS(description='conversions / clicks; NULL without clicks'),
  `engagement_level` STRING OPTIONS(description='converted if any conversion, else clicked if any click, else viewed'),
  `first_touched_at` TIMESTAMP OPTIONS(description='Earliest event of any kind (UTC)'),
  `last_touched_at` TIMESTAMP OPTIONS(description='Latest event of any kind (UTC)'),
  `last_engaged_at` TIMESTAMP OPTIONS(description='Latest click or conversion (UTC); NULL when the customer only saw impressions'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
CLUSTER BY `engagement_level`, `customer_id`
OPTIONS(description='Per customer reached by a campaign: impressions, clicks, conversions, click-through rate and when they last engaged.', labels=[('domain', 'marketing'), ('product', 'marketing_customer_engagement'), ('tier', 'silver'), ('version', '1-0-1')])
AS SELECT CAST(`q`.`customer_id` AS STRING) AS `customer_id`, IF(CAST(`q`.`impressions` AS FLOAT64) <> TRUNC(CAST(`q`.`impressions` AS FLOAT64)), ERROR(CONCAT('column impressions: the transform gives ', CAST(`q`.`impressions` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`impressions` AS INT64)) AS `impressions`, IF(CAST(`q`.`clicks` AS FLOAT64) <> TRUNC(CAST(`q`.`clicks` AS FLOAT64)), ERROR(CONCAT('column clicks: the transform gives ', CAST(`q`.`clicks` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`clicks` AS INT64)) AS `clicks`, IF(CAST(`q`.`conversions` AS FLOAT64) <> TRUNC(CAST(`q`.`conversions` AS FLOAT64)), ERROR(CONCAT('column conversions: the transform gives ', CAST(`q`.`conversions` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`conversions` AS INT64)) AS `conversions`, IF(CAST(`q`.`campaigns_reached` AS FLOAT64) <> TRUNC(CAST(`q`.`campaigns_reached` AS FLOAT64)), ERROR(CONCAT('column campaigns_reached: the transform gives ', CAST(`q`.`campaigns_reached` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`campaigns_reached` AS INT64)) AS `campaigns_reached`, CAST(`q`.`click_through_rate` AS FLOAT64) AS `click_through_rate`, CAST(`q`.`conversion_rate` AS FLOAT64) AS `conversion_rate`, CAST(`q`.`engagement_level` AS STRING) AS `engagement_level`, CAST(`q`.`first_touched_at` AS TIMESTAMP) AS `first_touched_at`, CAST(`q`.`last_touched_at` AS TIMESTAMP) AS `last_touched_at`, CAST(`q`.`last_engaged_at` AS TIMESTAMP) AS `last_engaged_at`, CAST('marketing' AS STRING) AS `_domain`, CAST('marketing_customer_engagement' AS STRING) AS `_product`, CAST('1.0.1' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH counted AS (
      SELECT customer_id,
             SUM(CASE WHEN event_type = 'impression' THEN 1 ELSE 0 END) AS impressions,
             SUM(CASE WHEN event_type = 'click' THEN 1 ELSE 0 END) AS clicks,
             SUM(CASE WHEN event_type = 'conversion' THEN 1 ELSE 0 END) AS conversions,
             COUNT(DISTINCT campaign_id) AS campaigns_reached,
             MIN(occurred_at) AS first_touched_at,
             MAX(occurred_at) AS last_touched_at,
             MAX(CASE WHEN event_type IN ('click', 'conversion') THEN occurred_at END) AS last_engaged_at
      FROM `retail-mesh-prod`.`marketing`.`raw_touchpoints`
      WHERE customer_id IS NOT NULL
      GROUP BY customer_id
    )
    SELECT customer_id, impressions, clicks, conversions, campaigns_reached,
           SAFE_DIVIDE(clicks, impressions) AS click_through_rate,
           SAFE_DIVIDE(conversions, clicks) AS conversion_rate,
           CASE WHEN conversions > 0 THEN 'converted' WHEN clicks > 0 THEN 'clicked' ELSE 'viewed' END
             AS engagement_level,
           first_touched_at, last_touched_at, last_engaged_at
    FROM counted) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_5` AS `check_2`, `u`.`p0` AS `check_3`, `u`.`p1` AS `check_4`, `u`.`p2` AS `check_5`, `u`.`p3` AS `check_6`, `u`.`p4` AS `check_7`, `u`.`p5` AS `check_8`, `u`.`p6` AS `check_9`, `s`.`row_count` AS `check_10`, `s`.`row_count` - `s`.`nn_1` AS `check_11`, `s`.`row_count` - `s`.`nn_2` AS `check_12`, `s`.`row_count` - `s`.`nn_3` AS `check_13`, `s`.`row_count` - `s`.`nn_4` AS `check_14`, `s`.`row_count` - `s`.`nn_6` AS `check_15`, `s`.`row_count` - `s`.`nn_7` AS `check_16` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`customer_id`) AS `nn_0`, COUNT(`t`.`impressions`) AS `nn_1`, COUNT(`t`.`clicks`) AS `nn_2`, COUNT(`t`.`conversions`) AS `nn_3`, COUNT(`t`.`campaigns_reached`) AS `nn_4`, COUNT(`t`.`engagement_level`) AS `nn_5`, COUNT(`t`.`first_touched_at`) AS `nn_6`, COUNT(`t`.`last_touched_at`) AS `nn_7` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_engagement` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`customer_id` AS `k0` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_engagement` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5`, MAX(CASE WHEN `f`.`k` = 6 THEN `f`.`failing` END) AS `p6` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_engagement` AS t WHERE `t`.`engagement_level` <> 'converted' AND `t`.`engagement_level` <> 'clicked' AND `t`.`engagement_level` <> 'viewed') UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_engagement` AS t WHERE `t`.`impressions` < 0) UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_engagement` AS t WHERE `t`.`clicks` < 0) UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_engagement` AS t WHERE `t`.`conversions` < 0) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_engagement` AS t WHERE `t`.`click_through_rate` < 0) UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_engagement` AS t WHERE NOT COALESCE((last_engaged_at IS NULL OR last_engaged_at <= last_touched_at), FALSE)) UNION ALL (SELECT 6 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_customer_engagement` AS t WHERE `t`.`customer_id` IS NOT NULL AND `t`.`customer_id` NOT IN (SELECT `r`.`customer_id` FROM `retail-mesh-prod`.`customer`.`customer_profile` AS r WHERE `r`.`customer_id` IS NOT NULL))) AS f) AS u;
