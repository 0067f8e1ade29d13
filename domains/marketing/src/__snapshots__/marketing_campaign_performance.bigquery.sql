-- marketing.marketing_campaign_performance 1.0.3: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH funnel AS (
      SELECT campaign_id,
             COUNT(DISTINCT customer_id) AS reach,
             SUM(CASE WHEN event_type = 'impression' THEN 1 ELSE 0 END) AS impressions,
             SUM(CASE WHEN event_type = 'click' THEN 1 ELSE 0 END) AS clicks,
             SUM(CASE WHEN event_type = 'conversion' THEN 1 ELSE 0 END) AS conversions
      FROM `retail-mesh-prod`.`marketing`.`raw_touchpoints`
      GROUP BY campaign_id
    ),
    revenue AS (
      SELECT campaign_id, COUNT(*) AS attributed_orders,
             SUM(net_amount - returned_amount) AS attributed_revenue
      FROM `retail-mesh-prod`.`marketing`.`marketing_attribution`
      WHERE campaign_id IS NOT NULL AND order_status <> 'cancelled'
      GROUP BY campaign_id
    ),
    spent AS (
      SELECT campaign_id,
             SAFE_DIVIDE(CAST(budget * CASE WHEN status = 'planned' THEN 0
                                 WHEN status = 'ended' THEN duration_days
                                 ELSE DATE_DIFF(CAST(status_as_of AS DATE), CAST(starts_on AS DATE), DAY) + 1 END AS NUMERIC), CAST(duration_days AS NUMERIC)) AS spend
      FROM `retail-mesh-prod`.`marketing`.`marketing_campaigns`
    ),
    measured AS (
      SELECT c.campaign_id, c.name, c.channel, c.objective, c.status, c.starts_on, c.ends_on, c.budget,
             s.spend,
             COALESCE(f.reach, 0) AS reach,
             COALESCE(f.impressions, 0) AS impressions,
             COALESCE(f.clicks, 0) AS clicks,
             COALESCE(f.conversions, 0) AS conversions,
             COALESCE(r.attributed_orders, 0) AS attributed_orders,
             COALESCE(r.attributed_revenue, 0) AS attributed_revenue
      FROM `retail-mesh-prod`.`marketing`.`marketing_campaigns` AS c
      JOIN spent AS s ON s.campaign_id = c.campaign_id
      LEFT JOIN funnel AS f ON f.campaign_id = c.campaign_id
      LEFT JOIN revenue AS r ON r.campaign_id = c.campaign_id
    )
    SELECT campaign_id, name, channel, objective, status, starts_on, ends_on, budget, spend,
           reach, impressions, clicks, conversions,
           SAFE_DIVIDE(clicks, impressions) AS click_through_rate,
           attributed_orders, attributed_revenue,
           SAFE_DIVIDE(CAST(spend AS NUMERIC), CAST(conversions AS NUMERIC)) AS cost_per_conversion,
           SAFE_DIVIDE(CAST(attributed_revenue AS FLOAT64), CAST(spend AS FLOAT64)) AS roas
    FROM measured;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`marketing`.`_staging_marketing_campaign_performance` (
  `campaign_id` STRING OPTIONS(description='Campaign identifier'),
  `name` STRING OPTIONS(description='Campaign name'),
  `channel` STRING OPTIONS(description='Channel the campaign runs on'),
  `objective` STRING OPTIONS(description='What the campaign is meant to achieve'),
  `status` STRING OPTIONS(description='planned, active or ended, as in marketing_campaigns'),
  `starts_on` DATE OPTIONS(description='First day of the campaign'),
  `ends_on` DATE OPTIONS(description='Last day of the campaign (inclusive)'),
  `budget` NUMERIC OPTIONS(description='Budget planned for the whole campaign'),
  `spend` NUMERIC OPTIONS(description='Budget spent evenly over the days run so far: 0 when planned, budget x days run / duration_days when active, budget when ended'),
  `reach` INT64 OPTIONS(description='Distinct customers with at least one event of the campaign'),
  `impressions` INT64 OPTIONS(description='Impressions of the campaign'),
  `clicks` INT64 OPTIONS(description='Clicks on the campaign'),
  `conversions` INT64 OPTIONS(description='Conversions reported for the campaign by the ad platforms'),
  `click_through_rate` FLOAT64 OPTIONS(description='clicks / impressions; NULL without impressions'),
  `attributed_orders` INT64 OPTIONS(description='Orders credited to the campaign by last-touch attribution, cancelled ones excluded'),
  `attributed_revenue` NUMERIC OPTIONS(description='Sum of net_amount - returned_amount over the attributed orders'),
  `cost_per_conversion` NUMERIC OPTIONS(description='spend / conversions; NULL without conversions'),
  `roas` FLOAT64 OPTIONS(description='Return on ad spend: attributed_revenue / spend; NULL while nothing is spent'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
CLUSTER BY `channel`, `status`
OPTIONS(description='Per campaign: reach, impressions, clicks, conversions, spend to date, revenue of the orders credited to it by last-touch attribution, cost per conversion and return on ad spend.', labels=[('domain', 'marketing'), ('product', 'marketing_campaign_performance'), ('tier', 'silver'), ('version', '1-0-3')])
AS SELECT CAST(`q`.`campaign_id` AS STRING) AS `campaign_id`, CAST(`q`.`name` AS STRING) AS `name`, CAST(`q`.`channel` AS STRING) AS `channel`, CAST(`q`.`objective` AS STRING) AS `objective`, CAST(`q`.`status` AS STRING) AS `status`, CAST(`q`.`starts_on` AS DATE) AS `starts_on`, CAST(`q`.`ends_on` AS DATE) AS `ends_on`, CAST(`q`.`budget` AS NUMERIC) AS `budget`, CAST(`q`.`spend` AS NUMERIC) AS `spend`, IF(CAST(`q`.`reach` AS FLOAT64) <> TRUNC(CAST(`q`.`reach` AS FLOAT64)), ERROR(CONCAT('column reach: the transform gives ', CAST(`q`.`reach` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`reach` AS INT64)) AS `reach`, IF(CAST(`q`.`impressions` AS FLOAT64) <> TRUNC(CAST(`q`.`impressions` AS FLOAT64)), ERROR(CONCAT('column impressions: the transform gives ', CAST(`q`.`impressions` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`impressions` AS INT64)) AS `impressions`, IF(CAST(`q`.`clicks` AS FLOAT64) <> TRUNC(CAST(`q`.`clicks` AS FLOAT64)), ERROR(CONCAT('column clicks: the transform gives ', CAST(`q`.`clicks` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`clicks` AS INT64)) AS `clicks`, IF(CAST(`q`.`conversions` AS FLOAT64) <> TRUNC(CAST(`q`.`conversions` AS FLOAT64)), ERROR(CONCAT('column conversions: the transform gives ', CAST(`q`.`conversions` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`conversions` AS INT64)) AS `conversions`, CAST(`q`.`click_through_rate` AS FLOAT64) AS `click_through_rate`, IF(CAST(`q`.`attributed_orders` AS FLOAT64) <> TRUNC(CAST(`q`.`attributed_orders` AS FLOAT64)), ERROR(CONCAT('column attributed_orders: the transform gives ', CAST(`q`.`attributed_orders` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`attributed_orders` AS INT64)) AS `attributed_orders`, CAST(`q`.`attributed_revenue` AS NUMERIC) AS `attributed_revenue`, CAST(`q`.`cost_per_conversion` AS NUMERIC) AS `cost_per_conversion`, CAST(`q`.`roas` AS FLOAT64) AS `roas`, CAST('marketing' AS STRING) AS `_domain`, CAST('marketing_campaign_performance' AS STRING) AS `_product`, CAST('1.0.3' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH funnel AS (
      SELECT campaign_id,
             COUNT(DISTINCT customer_id) AS reach,
             SUM(CASE WHEN event_type = 'impression' THEN 1 ELSE 0 END) AS impressions,
             SUM(CASE WHEN event_type = 'click' THEN 1 ELSE 0 END) AS clicks,
             SUM(CASE WHEN event_type = 'conversion' THEN 1 ELSE 0 END) AS conversions
      FROM `retail-mesh-prod`.`marketing`.`raw_touchpoints`
      GROUP BY campaign_id
    ),
    revenue AS (
      SELECT campaign_id, COUNT(*) AS attributed_orders,
             SUM(net_amount - returned_amount) AS attributed_revenue
      FROM `retail-mesh-prod`.`marketing`.`marketing_attribution`
      WHERE campaign_id IS NOT NULL AND order_status <> 'cancelled'
      GROUP BY campaign_id
    ),
    spent AS (
      SELECT campaign_id,
             SAFE_DIVIDE(CAST(budget * CASE WHEN status = 'planned' THEN 0
                                 WHEN status = 'ended' THEN duration_days
                                 ELSE DATE_DIFF(CAST(status_as_of AS DATE), CAST(starts_on AS DATE), DAY) + 1 END AS NUMERIC), CAST(duration_days AS NUMERIC)) AS spend
      FROM `retail-mesh-prod`.`marketing`.`marketing_campaigns`
    ),
    measured AS (
      SELECT c.campaign_id, c.name, c.channel, c.objective, c.status, c.starts_on, c.ends_on, c.budget,
             s.spend,
             COALESCE(f.reach, 0) AS reach,
             COALESCE(f.impressions, 0) AS impressions,
             COALESCE(f.clicks, 0) AS clicks,
             COALESCE(f.conversions, 0) AS conversions,
             COALESCE(r.attributed_orders, 0) AS attributed_orders,
             COALESCE(r.attributed_revenue, 0) AS attributed_revenue
      FROM `retail-mesh-prod`.`marketing`.`marketing_campaigns` AS c
      JOIN spent AS s ON s.campaign_id = c.campaign_id
      LEFT JOIN funnel AS f ON f.campaign_id = c.campaign_id
      LEFT JOIN revenue AS r ON r.campaign_id = c.campaign_id
    )
    SELECT campaign_id, name, channel, objective, status, starts_on, ends_on, budget, spend,
           reach, impressions, clicks, conversions,
           SAFE_DIVIDE(clicks, impressions) AS click_through_rate,
           attributed_orders, attributed_revenue,
           SAFE_DIVIDE(CAST(spend AS NUMERIC), CAST(conversions AS NUMERIC)) AS cost_per_conversion,
           SAFE_DIVIDE(CAST(attributed_revenue AS FLOAT64), CAST(spend AS FLOAT64)) AS roas
    FROM measured) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_9` AS `nn_9`, `s`.`nn_10` AS `nn_10`, `s`.`nn_11` AS `nn_11`, `s`.`nn_12` AS `nn_12`, `s`.`nn_13` AS `nn_13`, `s`.`nn_14` AS `nn_14`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `u`.`p0` AS `check_2`, `u`.`p1` AS `check_3`, `u`.`p2` AS `check_4`, `u`.`p3` AS `check_5`, `u`.`p4` AS `check_6`, `u`.`p5` AS `check_7`, `u`.`p6` AS `check_8`, `u`.`p7` AS `check_9`, `u`.`p8` AS `check_10`, `u`.`p9` AS `check_11`, `s`.`row_count` AS `check_12`, `u`.`p10` AS `check_13`, `u`.`p11` AS `check_14`, `s`.`row_count` - `s`.`nn_1` AS `check_15`, `s`.`row_count` - `s`.`nn_2` AS `check_16`, `s`.`row_count` - `s`.`nn_3` AS `check_17`, `s`.`row_count` - `s`.`nn_4` AS `check_18`, `s`.`row_count` - `s`.`nn_5` AS `check_19`, `s`.`row_count` - `s`.`nn_6` AS `check_20`, `s`.`row_count` - `s`.`nn_7` AS `check_21`, `s`.`row_count` - `s`.`nn_8` AS `check_22`, `s`.`row_count` - `s`.`nn_9` AS `check_23`, `s`.`row_count` - `s`.`nn_10` AS `check_24`, `s`.`row_count` - `s`.`nn_11` AS `check_25`, `s`.`row_count` - `s`.`nn_12` AS `check_26`, `s`.`row_count` - `s`.`nn_13` AS `check_27`, `s`.`row_count` - `s`.`nn_14` AS `check_28` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`campaign_id`) AS `nn_0`, COUNT(`t`.`name`) AS `nn_1`, COUNT(`t`.`channel`) AS `nn_2`, COUNT(`t`.`objective`) AS `nn_3`, COUNT(`t`.`status`) AS `nn_4`, COUNT(`t`.`starts_on`) AS `nn_5`, COUNT(`t`.`ends_on`) AS `nn_6`, COUNT(`t`.`budget`) AS `nn_7`, COUNT(`t`.`spend`) AS `nn_8`, COUNT(`t`.`reach`) AS `nn_9`, COUNT(`t`.`impressions`) AS `nn_10`, COUNT(`t`.`clicks`) AS `nn_11`, COUNT(`t`.`conversions`) AS `nn_12`, COUNT(`t`.`attributed_orders`) AS `nn_13`, COUNT(`t`.`attributed_revenue`) AS `nn_14` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaign_performance` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`campaign_id` AS `k0` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaign_performance` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5`, MAX(CASE WHEN `f`.`k` = 6 THEN `f`.`failing` END) AS `p6`, MAX(CASE WHEN `f`.`k` = 7 THEN `f`.`failing` END) AS `p7`, MAX(CASE WHEN `f`.`k` = 8 THEN `f`.`failing` END) AS `p8`, MAX(CASE WHEN `f`.`k` = 9 THEN `f`.`failing` END) AS `p9`, MAX(CASE WHEN `f`.`k` = 10 THEN `f`.`failing` END) AS `p10`, MAX(CASE WHEN `f`.`k` = 11 THEN `f`.`failing` END) AS `p11` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaign_performance` AS t WHERE `t`.`campaign_id` IS NOT NULL AND `t`.`campaign_id` NOT IN (SELECT `r`.`campaign_id` FROM `retail-mesh-prod`.`marketing`.`marketing_campaigns` AS r WHERE `r`.`campaign_id` IS NOT NULL)) UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaign_performance` AS t WHERE `t`.`status` <> 'planned' AND `t`.`status` <> 'active' AND `t`.`status` <> 'ended') UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaign_performance` AS t WHERE `t`.`channel` <> 'email' AND `t`.`channel` <> 'social' AND `t`.`channel` <> 'search' AND `t`.`channel` <> 'display' AND `t`.`channel` <> 'sms') UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaign_performance` AS t WHERE `t`.`objective` <> 'awareness' AND `t`.`objective` <> 'acquisition' AND `t`.`objective` <> 'retention' AND `t`.`objective` <> 'reactivation') UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaign_performance` AS t WHERE `t`.`reach` < 0) UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaign_performance` AS t WHERE `t`.`clicks` < 0) UNION ALL (SELECT 6 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaign_performance` AS t WHERE `t`.`attributed_orders` < 0) UNION ALL (SELECT 7 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaign_performance` AS t WHERE `t`.`spend` < 0) UNION ALL (SELECT 8 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaign_performance` AS t WHERE NOT COALESCE((spend <= budget), FALSE)) UNION ALL (SELECT 9 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaign_performance` AS t WHERE NOT COALESCE((roas IS NOT NULL OR spend = 0), FALSE)) UNION ALL (SELECT 10 AS `k`, COUNT(*) AS `failing` FROM (SELECT t.campaign_id FROM `retail-mesh-prod`.`marketing`.`raw_touchpoints` AS t WHERE (SELECT COUNT(*) FROM `retail-mesh-prod`.`marketing`.`raw_touchpoints` AS n) <> (SELECT COALESCE(SUM(f.impressions + f.clicks + f.conversions), 0) FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaign_performance` AS f) AND NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`marketing`.`marketing_campaigns` AS c WHERE (SELECT COUNT(*) FROM `retail-mesh-prod`.`marketing`.`raw_touchpoints` AS n) <> (SELECT COALESCE(SUM(f.impressions + f.clicks + f.conversions), 0) FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaign_performance` AS f) AND c.campaign_id = t.campaign_id) GROUP BY t.campaign_id) AS a) UNION ALL (SELECT 11 AS `k`, COUNT(*) AS `failing` FROM (SELECT p.campaign_id FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaign_performance` AS p WHERE p.spend > 0 AND NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_campaign_performance` AS v WHERE v.reach > 0)) AS a)) AS f) AS u;
