-- customer.customer_profile 1.0.1: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
SELECT customer_id,
           TRIM(CONCAT(COALESCE(TRIM(first_name, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])), ''), ' ', COALESCE(TRIM(last_name, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])), '')), CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS full_name,
           LOWER(TRIM(email, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288]))) AS email,
           segment,
           loyalty_tier AS tier,
           signup_date,
           TRIM(country, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS country,
           TRIM(city, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS city,
           marketing_opt_in
    FROM (
      SELECT c.*, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY updated_at DESC, email DESC) AS revision
      FROM `retail-mesh-prod`.`customer`.`raw_customers` AS c
    ) AS latest
    WHERE revision = 1;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`customer`.`_staging_customer_profile` (
  `customer_id` STRING OPTIONS(description='Customer identifier'),
  `full_name` STRING OPTIONS(description='First and last name, separated by a space'),
  `email` STRING OPTIONS(description='Contact email address, trimmed and lower-cased'),
  `segment` STRING OPTIONS(description='Commercial segment: consumer, small_business or corporate'),
  `tier` STRING OPTIONS(description='Loyalty programme tier: bronze, silver, gold or platinum'),
  `signup_date` DATE OPTIONS(description='Day the customer created an account'),
  `country` STRING OPTIONS(description='Country of the billing address'),
  `city` STRING OPTIONS(description='City of the billing address'),
  `marketing_opt_in` BOOL OPTIONS(description='Consented to receive marketing'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
CLUSTER BY `country`, `segment`, `tier`
OPTIONS(description='The current CRM record of every customer: name, email, commercial segment, loyalty tier and location.', labels=[('domain', 'customer'), ('product', 'customer_profile'), ('tier', 'gold'), ('version', '1-0-1')])
AS SELECT CAST(`q`.`customer_id` AS STRING) AS `customer_id`, CAST(`q`.`full_name` AS STRING) AS `full_name`, CAST(`q`.`email` AS STRING) AS `email`, CAST(`q`.`segment` AS STRING) AS `segment`, CAST(`q`.`tier` AS STRING) AS `tier`, CAST(`q`.`signup_date` AS DATE) AS `signup_date`, CAST(`q`.`country` AS STRING) AS `country`, CAST(`q`.`city` AS STRING) AS `city`, CAST(`q`.`marketing_opt_in` AS BOOL) AS `marketing_opt_in`, CAST('customer' AS STRING) AS `_domain`, CAST('customer_profile' AS STRING) AS `_product`, CAST('1.0.1' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    SELECT customer_id,
           TRIM(CONCAT(COALESCE(TRIM(first_name, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])), ''), ' ', COALESCE(TRIM(last_name, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])), '')), CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS full_name,
           LOWER(TRIM(email, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288]))) AS email,
           segment,
           loyalty_tier AS tier,
           signup_date,
           TRIM(country, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS country,
           TRIM(city, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS city,
           marketing_opt_in
    FROM (
      SELECT c.*, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY updated_at DESC, email DESC) AS revision
      FROM `retail-mesh-prod`.`customer`.`raw_customers` AS c
    ) AS latest
    WHERE revision = 1) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_2` AS `check_2`, `u`.`p0` AS `check_3`, `u`.`p1` AS `check_4`, `u`.`p2` AS `check_5`, `s`.`row_count` AS `check_6`, `s`.`row_count` - `s`.`nn_1` AS `check_7`, `s`.`row_count` - `s`.`nn_3` AS `check_8`, `s`.`row_count` - `s`.`nn_4` AS `check_9`, `s`.`row_count` - `s`.`nn_5` AS `check_10`, `s`.`row_count` - `s`.`nn_6` AS `check_11`, `s`.`row_count` - `s`.`nn_7` AS `check_12`, `s`.`row_count` - `s`.`nn_8` AS `check_13` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`customer_id`) AS `nn_0`, COUNT(`t`.`full_name`) AS `nn_1`, COUNT(`t`.`email`) AS `nn_2`, COUNT(`t`.`segment`) AS `nn_3`, COUNT(`t`.`tier`) AS `nn_4`, COUNT(`t`.`signup_date`) AS `nn_5`, COUNT(`t`.`country`) AS `nn_6`, COUNT(`t`.`city`) AS `nn_7`, COUNT(`t`.`marketing_opt_in`) AS `nn_8` FROM `retail-mesh-prod`.`customer`.`_staging_customer_profile` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`customer_id` AS `k0` FROM `retail-mesh-prod`.`customer`.`_staging_customer_profile` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_profile` AS t WHERE `t`.`email` IS NOT NULL AND NOT REGEXP_CONTAINS(`t`.`email`, '^[^@ ]+@[^@ ]+[.][^@ ]+$')) UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_profile` AS t WHERE `t`.`segment` <> 'consumer' AND `t`.`segment` <> 'small_business' AND `t`.`segment` <> 'corporate') UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_profile` AS t WHERE `t`.`tier` <> 'bronze' AND `t`.`tier` <> 'silver' AND `t`.`tier` <> 'gold' AND `t`.`tier` <> 'platinum')) AS f) AS u;
