-- customer.customer_preferences 1.0.1: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
SELECT c.customer_id, c.preferred_channel, TRIM(c.preferred_category, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS preferred_category, c.newsletter,
           p.marketing_opt_in,
           p.marketing_opt_in AND c.preferred_channel <> 'none' AS contactable,
           c.updated_at
    FROM (
      SELECT r.*,
             ROW_NUMBER() OVER (
               PARTITION BY customer_id
               ORDER BY updated_at DESC, CASE WHEN preferred_channel = 'none' THEN 0 ELSE 1 END, preferred_channel NULLS LAST
             ) AS revision
      FROM `retail-mesh-prod`.`customer`.`raw_preferences` AS r
    ) AS c
    JOIN `retail-mesh-prod`.`customer`.`customer_profile` AS p ON p.customer_id = c.customer_id
    WHERE c.revision = 1;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`customer`.`_staging_customer_preferences` (
  `customer_id` STRING OPTIONS(description='Customer identifier'),
  `preferred_channel` STRING OPTIONS(description='How the customer prefers to be contacted; none to opt out'),
  `preferred_category` STRING OPTIONS(description='Product category the customer is most interested in'),
  `newsletter` BOOL OPTIONS(description='Subscribed to the newsletter'),
  `marketing_opt_in` BOOL OPTIONS(description='Consented to marketing in the CRM'),
  `contactable` BOOL OPTIONS(description='Marketing may contact the customer: opted in and a preferred channel other than none'),
  `updated_at` TIMESTAMP OPTIONS(description='When the current preferences were saved (UTC)'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
CLUSTER BY `preferred_channel`, `preferred_category`
OPTIONS(description='The current preference-centre choices of every customer who made some, with their marketing consent and whether marketing may contact them.', labels=[('domain', 'customer'), ('product', 'customer_preferences'), ('tier', 'gold'), ('version', '1-0-1')])
AS SELECT CAST(`q`.`customer_id` AS STRING) AS `customer_id`, CAST(`q`.`preferred_channel` AS STRING) AS `preferred_channel`, CAST(`q`.`preferred_category` AS STRING) AS `preferred_category`, CAST(`q`.`newsletter` AS BOOL) AS `newsletter`, CAST(`q`.`marketing_opt_in` AS BOOL) AS `marketing_opt_in`, CAST(`q`.`contactable` AS BOOL) AS `contactable`, CAST(`q`.`updated_at` AS TIMESTAMP) AS `updated_at`, CAST('customer' AS STRING) AS `_domain`, CAST('customer_preferences' AS STRING) AS `_product`, CAST('1.0.1' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    SELECT c.customer_id, c.preferred_channel, TRIM(c.preferred_category, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS preferred_category, c.newsletter,
           p.marketing_opt_in,
           p.marketing_opt_in AND c.preferred_channel <> 'none' AS contactable,
           c.updated_at
    FROM (
      SELECT r.*,
             ROW_NUMBER() OVER (
               PARTITION BY customer_id
               ORDER BY updated_at DESC, CASE WHEN preferred_channel = 'none' THEN 0 ELSE 1 END, preferred_channel NULLS LAST
             ) AS revision
      FROM `retail-mesh-prod`.`customer`.`raw_preferences` AS r
    ) AS c
    JOIN `retail-mesh-prod`.`customer`.`customer_profile` AS p ON p.customer_id = c.customer_id
    WHERE c.revision = 1) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `u`.`p0` AS `check_2`, `u`.`p1` AS `check_3`, `s`.`row_count` - `s`.`nn_1` AS `check_4`, `s`.`row_count` - `s`.`nn_4` AS `check_5`, `u`.`p2` AS `check_6`, `u`.`p3` AS `check_7`, `u`.`p4` AS `check_8`, `s`.`row_count` AS `check_9`, `s`.`row_count` - `s`.`nn_2` AS `check_10`, `s`.`row_count` - `s`.`nn_3` AS `check_11`, `s`.`row_count` - `s`.`nn_5` AS `check_12`, `s`.`row_count` - `s`.`nn_6` AS `check_13` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`customer_id`) AS `nn_0`, COUNT(`t`.`preferred_channel`) AS `nn_1`, COUNT(`t`.`preferred_category`) AS `nn_2`, COUNT(`t`.`newsletter`) AS `nn_3`, COUNT(`t`.`marketing_opt_in`) AS `nn_4`, COUNT(`t`.`contactable`) AS `nn_5`, COUNT(`t`.`updated_at`) AS `nn_6` FROM `retail-mesh-prod`.`customer`.`_staging_customer_preferences` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`customer_id` AS `k0` FROM `retail-mesh-prod`.`customer`.`_staging_customer_preferences` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_preferences` AS t WHERE `t`.`customer_id` IS NOT NULL AND `t`.`customer_id` NOT IN (SELECT `r`.`customer_id` FROM `retail-mesh-prod`.`customer`.`customer_profile` AS r WHERE `r`.`customer_id` IS NOT NULL)) UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_preferences` AS t WHERE `t`.`preferred_channel` <> 'email' AND `t`.`preferred_channel` <> 'sms' AND `t`.`preferred_channel` <> 'push' AND `t`.`preferred_channel` <> 'none') UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_preferences` AS t WHERE `t`.`preferred_category` <> 'Apparel' AND `t`.`preferred_category` <> 'Footwear' AND `t`.`preferred_category` <> 'Electronics' AND `t`.`preferred_category` <> 'Home' AND `t`.`preferred_category` <> 'Kitchen' AND `t`.`preferred_category` <> 'Beauty' AND `t`.`preferred_category` <> 'Toys' AND `t`.`preferred_category` <> 'Sports' AND `t`.`preferred_category` <> 'Grocery' AND `t`.`preferred_category` <> 'Garden' AND `t`.`preferred_category` <> 'Books' AND `t`.`preferred_category` <> 'Pets') UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_preferences` AS t WHERE NOT COALESCE((contactable = (marketing_opt_in AND preferred_channel <> 'none')), FALSE)) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM (SELECT r.customer_id FROM `retail-mesh-prod`.`customer`.`raw_preferences` AS r WHERE r.customer_id NOT IN (SELECT p.customer_id FROM `retail-mesh-prod`.`customer`.`customer_profile` AS p) GROUP BY r.customer_id) AS a)) AS f) AS u;
