-- marketing.marketing_promotions 1.0.0: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH as_of AS (
      SELECT MAX(status_as_of) AS status_as_of FROM `retail-mesh-prod`.`marketing`.`marketing_campaigns`
    ),
    category_products AS (
      SELECT category, COUNT(*) AS active_products FROM `retail-mesh-prod`.`product`.`product_catalog` WHERE active GROUP BY category
    )
    SELECT p.promotion_id, p.campaign_id, c.name AS campaign_name, c.channel AS campaign_channel,
           UPPER(TRIM(p.code)) AS code, p.discount_pct, TRIM(p.category) AS category,
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
    LEFT JOIN category_products AS k ON k.category = TRIM(p.category);

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
OPTIONS(description='Every promotion (discount code) with its campaign, discount, category, validity window and status on the day of the campaign catalogue.', labels=[('domain', 'marketing'), ('product', 'marketing_promotions'), ('tier', 'silver'), ('version', '1-0-0')])
AS SELECT CAST(`q`.`promotion_id` AS STRING) AS `promotion_id`, CAST(`q`.`campaign_id` AS STRING) AS `campaign_id`, CAST(`q`.`campaign_name` AS STRING) AS `campaign_name`, CAST(`q`.`campaign_channel` AS STRING) AS `campaign_channel`, CAST(`q`.`code` AS STRING) AS `code`, CAST(`q`.`discount_pct` AS NUMERIC) AS `discount_pct`, CAST(`q`.`category` AS STRING) AS `category`, CAST(`q`.`category_active_products` AS INT64) AS `category_active_products`, CAST(`q`.`valid_from` AS DATE) AS `valid_from`, CAST(`q`.`valid_to` AS DATE) AS `valid_to`, CAST(`q`.`validity_days` AS INT64) AS `validity_days`, CAST(`q`.`within_campaign` AS BOOL) AS `within_campaign`, CAST(`q`.`status` AS STRING) AS `status`, CAST('marketing' AS STRING) AS `_domain`, CAST('marketing_promotions' AS STRING) AS `_product`, CAST('1.0.0' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH as_of AS (
      SELECT MAX(status_as_of) AS status_as_of FROM `retail-mesh-prod`.`marketing`.`marketing_campaigns`
    ),
    category_products AS (
      SELECT category, COUNT(*) AS active_products FROM `retail-mesh-prod`.`product`.`product_catalog` WHERE active GROUP BY category
    )
    SELECT p.promotion_id, p.campaign_id, c.name AS campaign_name, c.channel AS campaign_channel,
           UPPER(TRIM(p.code)) AS code, p.discount_pct, TRIM(p.category) AS category,
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
    LEFT JOIN category_products AS k ON k.category = TRIM(p.category)) AS q;

-- checks (one query for the whole suite)
SELECT COUNT(*) AS `row_count`, COUNT(`t`.`promotion_id`) AS `nn_0`, COUNT(`t`.`campaign_id`) AS `nn_1`, COUNT(`t`.`code`) AS `nn_2`, COUNT(`t`.`discount_pct`) AS `nn_3`, COUNT(`t`.`category`) AS `nn_4`, COUNT(`t`.`category_active_products`) AS `nn_5`, COUNT(`t`.`valid_from`) AS `nn_6`, COUNT(`t`.`valid_to`) AS `nn_7`, COUNT(`t`.`validity_days`) AS `nn_8`, COUNT(`t`.`within_campaign`) AS `nn_9`, COUNT(`t`.`status`) AS `nn_10`, COUNT(`t`.`promotion_id`) - COUNT(DISTINCT `t`.`promotion_id`) AS `check_0`, COUNT(*) - COUNT(`t`.`promotion_id`) AS `check_1`, COUNT(*) - COUNT(`t`.`campaign_id`) AS `check_2`, (SELECT COUNT(*) FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_promotions` AS x WHERE `x`.`campaign_id` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`marketing`.`marketing_campaigns` AS r WHERE `r`.`campaign_id` = `x`.`campaign_id`)) AS `check_3`, COUNT(*) - COUNT(`t`.`code`) AS `check_4`, COUNT(`t`.`code`) - COUNT(DISTINCT `t`.`code`) AS `check_5`, SUM(CASE WHEN `t`.`discount_pct` < 0 OR `t`.`discount_pct` > 100 THEN 1 ELSE 0 END) AS `check_6`, SUM(CASE WHEN `t`.`validity_days` < 1 THEN 1 ELSE 0 END) AS `check_7`, COUNT(*) - COUNT(`t`.`status`) AS `check_8`, SUM(CASE WHEN `t`.`status` IS NOT NULL AND `t`.`status` NOT IN ('planned', 'active', 'ended') THEN 1 ELSE 0 END) AS `check_9`, SUM(CASE WHEN `t`.`campaign_channel` IS NOT NULL AND `t`.`campaign_channel` NOT IN ('email', 'social', 'search', 'display', 'sms') THEN 1 ELSE 0 END) AS `check_10`, SUM(CASE WHEN NOT COALESCE((within_campaign), FALSE) THEN 1 ELSE 0 END) AS `check_11`, COUNT(*) AS `check_12` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_promotions` AS t;
