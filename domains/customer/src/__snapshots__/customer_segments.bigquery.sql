-- customer.customer_segments 1.0.0: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH reference AS (
      SELECT COALESCE(CAST(s.newest AS DATE), g.newest) AS as_of_date
      FROM (SELECT MAX(last_seen_at) AS newest FROM `retail-mesh-prod`.`customer`.`customer_behavior`) AS s
      CROSS JOIN (SELECT MAX(signup_date) AS newest FROM `retail-mesh-prod`.`customer`.`customer_profile`) AS g
    ),
    measured AS (
      SELECT p.customer_id, p.segment, p.tier, b.sessions, b.purchases, b.days_since_last_session,
             DATE_DIFF(CAST(ref.as_of_date AS DATE), CAST(p.signup_date AS DATE), DAY) AS tenure_days,
             ref.as_of_date
      FROM `retail-mesh-prod`.`customer`.`customer_profile` AS p
      JOIN `retail-mesh-prod`.`customer`.`customer_behavior` AS b ON b.customer_id = p.customer_id
      CROSS JOIN reference AS ref
    )
    SELECT customer_id,
           CASE WHEN tenure_days < 30 THEN 'new'
                WHEN days_since_last_session IS NULL OR days_since_last_session > 90 THEN 'dormant'
                WHEN purchases >= 2 AND days_since_last_session <= 30 THEN 'champion'
                WHEN purchases >= 1 OR sessions >= 4 THEN 'engaged'
                ELSE 'casual' END AS engagement_segment,
           segment, tier, sessions, purchases, days_since_last_session, tenure_days, as_of_date
    FROM measured;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`customer`.`_staging_customer_segments` (
  `customer_id` STRING OPTIONS(description='Customer identifier'),
  `engagement_segment` STRING OPTIONS(description='new (signed up < 30 days), dormant (no session in 90 days), champion (2+ purchases, seen in 30 days), engaged (a purchase or 4+ sessions), else casual; first match wins'),
  `segment` STRING OPTIONS(description='Commercial segment from the CRM'),
  `tier` STRING OPTIONS(description='Loyalty programme tier from the CRM'),
  `sessions` INT64 OPTIONS(description='Sessions of the customer'),
  `purchases` INT64 OPTIONS(description='Sessions that ended with an order'),
  `days_since_last_session` INT64 OPTIONS(description='Days from the latest session of the customer to as_of_date; NULL without sessions'),
  `tenure_days` INT64 OPTIONS(description='Days from signup to as_of_date (negative when the customer signed up after it)'),
  `as_of_date` DATE OPTIONS(description='Day the rules were evaluated against: of the newest session, or of the newest signup without any'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
CLUSTER BY `engagement_segment`, `segment`, `tier`
OPTIONS(description='Every customer in an engagement segment (champion, engaged, casual, dormant or new) by documented rules on recency, visits and purchases, with the CRM segment and loyalty tier.', labels=[('domain', 'customer'), ('product', 'customer_segments'), ('tier', 'silver'), ('version', '1-0-0')])
AS SELECT CAST(`q`.`customer_id` AS STRING) AS `customer_id`, CAST(`q`.`engagement_segment` AS STRING) AS `engagement_segment`, CAST(`q`.`segment` AS STRING) AS `segment`, CAST(`q`.`tier` AS STRING) AS `tier`, CAST(`q`.`sessions` AS INT64) AS `sessions`, CAST(`q`.`purchases` AS INT64) AS `purchases`, CAST(`q`.`days_since_last_session` AS INT64) AS `days_since_last_session`, CAST(`q`.`tenure_days` AS INT64) AS `tenure_days`, CAST(`q`.`as_of_date` AS DATE) AS `as_of_date`, CAST('customer' AS STRING) AS `_domain`, CAST('customer_segments' AS STRING) AS `_product`, CAST('1.0.0' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH reference AS (
      SELECT COALESCE(CAST(s.newest AS DATE), g.newest) AS as_of_date
      FROM (SELECT MAX(last_seen_at) AS newest FROM `retail-mesh-prod`.`customer`.`customer_behavior`) AS s
      CROSS JOIN (SELECT MAX(signup_date) AS newest FROM `retail-mesh-prod`.`customer`.`customer_profile`) AS g
    ),
    measured AS (
      SELECT p.customer_id, p.segment, p.tier, b.sessions, b.purchases, b.days_since_last_session,
             DATE_DIFF(CAST(ref.as_of_date AS DATE), CAST(p.signup_date AS DATE), DAY) AS tenure_days,
             ref.as_of_date
      FROM `retail-mesh-prod`.`customer`.`customer_profile` AS p
      JOIN `retail-mesh-prod`.`customer`.`customer_behavior` AS b ON b.customer_id = p.customer_id
      CROSS JOIN reference AS ref
    )
    SELECT customer_id,
           CASE WHEN tenure_days < 30 THEN 'new'
                WHEN days_since_last_session IS NULL OR days_since_last_session > 90 THEN 'dormant'
                WHEN purchases >= 2 AND days_since_last_session <= 30 THEN 'champion'
                WHEN purchases >= 1 OR sessions >= 4 THEN 'engaged'
                ELSE 'casual' END AS engagement_segment,
           segment, tier, sessions, purchases, days_since_last_session, tenure_days, as_of_date
    FROM measured) AS q;

-- checks (one query for the whole suite)
SELECT COUNT(*) AS `row_count`, COUNT(`t`.`customer_id`) AS `nn_0`, COUNT(`t`.`engagement_segment`) AS `nn_1`, COUNT(`t`.`segment`) AS `nn_2`, COUNT(`t`.`tier`) AS `nn_3`, COUNT(`t`.`sessions`) AS `nn_4`, COUNT(`t`.`purchases`) AS `nn_5`, COUNT(`t`.`tenure_days`) AS `nn_6`, COUNT(`t`.`as_of_date`) AS `nn_7`, COUNT(`t`.`customer_id`) - COUNT(DISTINCT `t`.`customer_id`) AS `check_0`, COUNT(*) - COUNT(`t`.`customer_id`) AS `check_1`, (SELECT COUNT(*) FROM `retail-mesh-prod`.`customer`.`_staging_customer_segments` AS x WHERE `x`.`customer_id` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`customer`.`customer_profile` AS r WHERE `r`.`customer_id` = `x`.`customer_id`)) AS `check_2`, COUNT(*) - COUNT(`t`.`engagement_segment`) AS `check_3`, SUM(CASE WHEN `t`.`engagement_segment` IS NOT NULL AND `t`.`engagement_segment` NOT IN ('champion', 'engaged', 'casual', 'dormant', 'new') THEN 1 ELSE 0 END) AS `check_4`, SUM(CASE WHEN `t`.`segment` IS NOT NULL AND `t`.`segment` NOT IN ('consumer', 'small_business', 'corporate') THEN 1 ELSE 0 END) AS `check_5`, SUM(CASE WHEN `t`.`tier` IS NOT NULL AND `t`.`tier` NOT IN ('bronze', 'silver', 'gold', 'platinum') THEN 1 ELSE 0 END) AS `check_6`, SUM(CASE WHEN `t`.`purchases` < 0 THEN 1 ELSE 0 END) AS `check_7`, COUNT(*) AS `check_8` FROM `retail-mesh-prod`.`customer`.`_staging_customer_segments` AS t;
