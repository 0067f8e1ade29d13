-- customer.customer_profile 1.0.0: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
SELECT customer_id,
           TRIM(CONCAT(COALESCE(TRIM(first_name), ''), ' ', COALESCE(TRIM(last_name), ''))) AS full_name,
           LOWER(TRIM(email)) AS email,
           segment,
           loyalty_tier AS tier,
           signup_date,
           TRIM(country) AS country,
           TRIM(city) AS city,
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
OPTIONS(description='The current CRM record of every customer: name, email, commercial segment, loyalty tier and location.', labels=[('domain', 'customer'), ('product', 'customer_profile'), ('tier', 'gold'), ('version', '1-0-0')])
AS SELECT CAST(`q`.`customer_id` AS STRING) AS `customer_id`, CAST(`q`.`full_name` AS STRING) AS `full_name`, CAST(`q`.`email` AS STRING) AS `email`, CAST(`q`.`segment` AS STRING) AS `segment`, CAST(`q`.`tier` AS STRING) AS `tier`, CAST(`q`.`signup_date` AS DATE) AS `signup_date`, CAST(`q`.`country` AS STRING) AS `country`, CAST(`q`.`city` AS STRING) AS `city`, CAST(`q`.`marketing_opt_in` AS BOOL) AS `marketing_opt_in`, CAST('customer' AS STRING) AS `_domain`, CAST('customer_profile' AS STRING) AS `_product`, CAST('1.0.0' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    SELECT customer_id,
           TRIM(CONCAT(COALESCE(TRIM(first_name), ''), ' ', COALESCE(TRIM(last_name), ''))) AS full_name,
           LOWER(TRIM(email)) AS email,
           segment,
           loyalty_tier AS tier,
           signup_date,
           TRIM(country) AS country,
           TRIM(city) AS city,
           marketing_opt_in
    FROM (
      SELECT c.*, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY updated_at DESC, email DESC) AS revision
      FROM `retail-mesh-prod`.`customer`.`raw_customers` AS c
    ) AS latest
    WHERE revision = 1) AS q;

-- checks (one query for the whole suite)
SELECT COUNT(*) AS `row_count`, COUNT(`t`.`customer_id`) AS `nn_0`, COUNT(`t`.`full_name`) AS `nn_1`, COUNT(`t`.`email`) AS `nn_2`, COUNT(`t`.`segment`) AS `nn_3`, COUNT(`t`.`tier`) AS `nn_4`, COUNT(`t`.`signup_date`) AS `nn_5`, COUNT(`t`.`country`) AS `nn_6`, COUNT(`t`.`city`) AS `nn_7`, COUNT(`t`.`marketing_opt_in`) AS `nn_8`, COUNT(`t`.`customer_id`) - COUNT(DISTINCT `t`.`customer_id`) AS `check_0`, COUNT(*) - COUNT(`t`.`customer_id`) AS `check_1`, COUNT(*) - COUNT(`t`.`email`) AS `check_2`, SUM(CASE WHEN `t`.`email` IS NOT NULL AND NOT REGEXP_CONTAINS(`t`.`email`, '^[^@ ]+@[^@ ]+[.][^@ ]+$') THEN 1 ELSE 0 END) AS `check_3`, SUM(CASE WHEN `t`.`segment` IS NOT NULL AND `t`.`segment` NOT IN ('consumer', 'small_business', 'corporate') THEN 1 ELSE 0 END) AS `check_4`, SUM(CASE WHEN `t`.`tier` IS NOT NULL AND `t`.`tier` NOT IN ('bronze', 'silver', 'gold', 'platinum') THEN 1 ELSE 0 END) AS `check_5`, COUNT(*) AS `check_6` FROM `retail-mesh-prod`.`customer`.`_staging_customer_profile` AS t;
