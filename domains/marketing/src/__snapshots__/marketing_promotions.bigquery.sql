-- marketing.marketing_promotions 1.0.1: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH as_of AS (
      SELECT MAX(status_as_of) AS status_as_of FROM `retail-mesh-prod`.`marketing`.`marketing_campaigns`
    ),
    category_products AS (
      SELECT category, COUNT(*) AS active_products FROM `retail-mesh-prod`.`product`.`product_catalog` WHERE active GROUP BY category
    )
    SELECT p.promotion_id, p.campaign_id, c.name AS campaign_name, c.channel AS campaign_channel,
           UPPER(TRIM(p.code, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288]))) AS code, p.discount_pct, TRIM(p.category, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS category,
           COALESCE(k.active_products, 0) AS category_active_products,
           p.valid_from, p.valid_to,
           DATE_DIFF(CAST(p.valid_to AS DATE), CAST(p.valid_from AS DATE), DAY) + 1 AS validity_days,
           COALESCE(p.valid_from >= c.starts_on AND p.valid_to <= c.ends_on, FALSE) AS within_campaign,
           CASE WHEN a.status_as_of < p.valid_from THEN 'planned'
                WHEN a.status_as_of > p.valid_to THEN 'ended'
                ELSE 'active' END AS status
    FROM `retail-mesh-prod`.`marketing`.`raw_promotions` AS p
    CROSS JOIN as_of AS a
    LEFT JOIN `retail-mesh-prod`.`marketing`.`marketing_campaigns` AS c ON c.campaign_id = p.campaign_id
    LEFT JOIN category_products AS k ON k.category = TRIM(p.category, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288]));

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`marketing`.`_staging_marketing_promotions` (
  `promotion_id` STRING OPTIONS(description='Promotion identifier'),
  `campaign_id` STRING OPTIONS(description='Campaign the promotion belongs to'),
  `campaign_name` STRING OPTIONS(description='Name of the campaign; NULL when the campaign is unknown'),
  `campaign_channel` STRING OPTIONS(description='Channel of the campaign'),
  `code` STRING OPTIONS(description='Discount code as entered at checkout: trimmed and upper case'),
  `discount_pct` NUMERIC OPTIONS(description='Discount off the shelf price, in percent'),
  `category` STRING OPTIONS(description='Merchandise category the code applies to'),
  `category_active_products` INT64 OPTIONS(description='Active products of the category in the catalog: how much of the range the code covers'),
  `valid_from` DATE OPTIONS(description='First day the code is accepted'),
  `valid_to` DATE OPTIONS(description='Last day the code is accepted (inclusive)'),
  `validity_days` INT64 OPTIONS(description='Days the code is accepted, both ends included: valid_to - valid_from + 1'),
  `within_campaign` BOOL OPTIONS(description='The validity window lies inside the campaign window (false when the campaign is unknown)'),
  `status` STRING OPTIONS(description='planned, active or ended on status_as_of of the campaign catalogue'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
CLUSTER BY `campaign_id`, `category`, `status`
OPTIONS(description='Every promotion (discount code) with its campaign, discount, category, validity window and status on the day of the campaign catalogue.', labels=[('domain', 'marketing'), ('product', 'marketing_promotions'), ('tier', 'silver'), ('version', '1-0-1')])
AS SELECT CAST(`q`.`promotion_id` AS STRING) AS `promotion_id`, CAST(`q`.`campaign_id` AS STRING) AS `campaign_id`, CAST(`q`.`campaign_name` AS STRING) AS `campaign_name`, CAST(`q`.`campaign_channel` AS STRING) AS `campaign_channel`, CAST(`q`.`code` AS STRING) AS `code`, CAST(`q`.`discount_pct` AS NUMERIC) AS `discount_pct`, CAST(`q`.`category` AS STRING) AS `category`, IF(CAST(`q`.`category_active_products` AS FLOAT64) <> TRUNC(CAST(`q`.`category_active_products` AS FLOAT64)), ERROR(CONCAT('column category_active_products: the transform gives ', CAST(`q`.`category_active_products` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`category_active_products` AS INT64)) AS `category_active_products`, CAST(`q`.`valid_from` AS DATE) AS `valid_from`, CAST(`q`.`valid_to` AS DATE) AS `valid_to`, IF(CAST(`q`.`validity_days` AS FLOAT64) <> TRUNC(CAST(`q`.`validity_days` AS FLOAT64)), ERROR(CONCAT('column validity_days: the transform gives ', CAST(`q`.`validity_days` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`validity_days` AS INT64)) AS `validity_days`, CAST(`q`.`within_campaign` AS BOOL) AS `within_campaign`, CAST(`q`.`status` AS STRING) AS `status`, CAST('marketing' AS STRING) AS `_domain`, CAST('marketing_promotions' AS STRING) AS `_product`, CAST('1.0.1' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH as_of AS (
      SELECT MAX(status_as_of) AS status_as_of FROM `retail-mesh-prod`.`marketing`.`marketing_campaigns`
    ),
    category_products AS (
      SELECT category, COUNT(*) AS active_products FROM `retail-mesh-prod`.`product`.`product_catalog` WHERE active GROUP BY category
    )
    SELECT p.promotion_id, p.campaign_id, c.name AS campaign_name, c.channel AS campaign_channel,
           UPPER(TRIM(p.code, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288]))) AS code, p.discount_pct, TRIM(p.category, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS category,
           COALESCE(k.active_products, 0) AS category_active_products,
           p.valid_from, p.valid_to,
           DATE_DIFF(CAST(p.valid_to AS DATE), CAST(p.valid_from AS DATE), DAY) + 1 AS validity_days,
           COALESCE(p.valid_from >= c.starts_on AND p.valid_to <= c.ends_on, FALSE) AS within_campaign,
           CASE WHEN a.status_as_of < p.valid_from THEN 'planned'
                WHEN a.status_as_of > p.valid_to THEN 'ended'
                ELSE 'active' END AS status
    FROM `retail-mesh-prod`.`marketing`.`raw_promotions` AS p
    CROSS JOIN as_of AS a
    LEFT JOIN `retail-mesh-prod`.`marketing`.`marketing_campaigns` AS c ON c.campaign_id = p.campaign_id
    LEFT JOIN category_products AS k ON k.category = TRIM(p.category, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288]))) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_9` AS `nn_9`, `s`.`nn_10` AS `nn_10`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_1` AS `check_2`, `u`.`p0` AS `check_3`, `s`.`row_count` - `s`.`nn_2` AS `check_4`, `s`.`nn_2` - `k1`.`a0` AS `check_5`, `u`.`p1` AS `check_6`, `u`.`p2` AS `check_7`, `s`.`row_count` - `s`.`nn_10` AS `check_8`, `u`.`p3` AS `check_9`, `u`.`p4` AS `check_10`, `u`.`p5` AS `check_11`, `s`.`row_count` AS `check_12`, `s`.`row_count` - `s`.`nn_3` AS `check_13`, `s`.`row_count` - `s`.`nn_4` AS `check_14`, `s`.`row_count` - `s`.`nn_5` AS `check_15`, `s`.`row_count` - `s`.`nn_6` AS `check_16`, `s`.`row_count` - `s`.`nn_7` AS `check_17`, `s`.`row_count` - `s`.`nn_8` AS `check_18`, `s`.`row_count` - `s`.`nn_9` AS `check_19` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`promotion_id`) AS `nn_0`, COUNT(`t`.`campaign_id`) AS `nn_1`, COUNT(`t`.`code`) AS `nn_2`, COUNT(`t`.`discount_pct`) AS `nn_3`, COUNT(`t`.`category`) AS `nn_4`, COUNT(`t`.`category_active_products`) AS `nn_5`, COUNT(`t`.`valid_from`) AS `nn_6`, COUNT(`t`.`valid_to`) AS `nn_7`, COUNT(`t`.`validity_days`) AS `nn_8`, COUNT(`t`.`within_campaign`) AS `nn_9`, COUNT(`t`.`status`) AS `nn_10` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_promotions` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`promotion_id` AS `k0` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_promotions` AS t) AS g) AS `k0` CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`code` AS `k0` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_promotions` AS t) AS g) AS `k1` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_promotions` AS t WHERE `t`.`campaign_id` IS NOT NULL AND `t`.`campaign_id` NOT IN (SELECT `r`.`campaign_id` FROM `retail-mesh-prod`.`marketing`.`marketing_campaigns` AS r WHERE `r`.`campaign_id` IS NOT NULL)) UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_promotions` AS t WHERE `t`.`discount_pct` < 0 OR `t`.`discount_pct` > 100) UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_promotions` AS t WHERE `t`.`validity_days` < 1) UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_promotions` AS t WHERE `t`.`status` <> 'planned' AND `t`.`status` <> 'active' AND `t`.`status` <> 'ended') UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_promotions` AS t WHERE `t`.`campaign_channel` <> 'email' AND `t`.`campaign_channel` <> 'social' AND `t`.`campaign_channel` <> 'search' AND `t`.`campaign_channel` <> 'display' AND `t`.`campaign_channel` <> 'sms') UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_promotions` AS t WHERE NOT COALESCE((within_campaign), FALSE))) AS f) AS u;
