-- customer.customer_segments 1.0.1: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

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
OPTIONS(description='Every customer in an engagement segment (champion, engaged, casual, dormant or new) by documented rules on recency, visits and purchases, with the CRM segment and loyalty tier.', labels=[('domain', 'customer'), ('product', 'customer_segments'), ('tier', 'silver'), ('version', '1-0-1')])
AS SELECT CAST(`q`.`customer_id` AS STRING) AS `customer_id`, CAST(`q`.`engagement_segment` AS STRING) AS `engagement_segment`, CAST(`q`.`segment` AS STRING) AS `segment`, CAST(`q`.`tier` AS STRING) AS `tier`, IF(CAST(`q`.`sessions` AS FLOAT64) <> TRUNC(CAST(`q`.`sessions` AS FLOAT64)), ERROR(CONCAT('column sessions: the transform gives ', CAST(`q`.`sessions` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`sessions` AS INT64)) AS `sessions`, IF(CAST(`q`.`purchases` AS FLOAT64) <> TRUNC(CAST(`q`.`purchases` AS FLOAT64)), ERROR(CONCAT('column purchases: the transform gives ', CAST(`q`.`purchases` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`purchases` AS INT64)) AS `purchases`, IF(CAST(`q`.`days_since_last_session` AS FLOAT64) <> TRUNC(CAST(`q`.`days_since_last_session` AS FLOAT64)), ERROR(CONCAT('column days_since_last_session: the transform gives ', CAST(`q`.`days_since_last_session` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`days_since_last_session` AS INT64)) AS `days_since_last_session`, IF(CAST(`q`.`tenure_days` AS FLOAT64) <> TRUNC(CAST(`q`.`tenure_days` AS FLOAT64)), ERROR(CONCAT('column tenure_days: the transform gives ', CAST(`q`.`tenure_days` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`tenure_days` AS INT64)) AS `tenure_days`, CAST(`q`.`as_of_date` AS DATE) AS `as_of_date`, CAST('customer' AS STRING) AS `_domain`, CAST('customer_segments' AS STRING) AS `_product`, CAST('1.0.1' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
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
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `u`.`p0` AS `check_2`, `s`.`row_count` - `s`.`nn_1` AS `check_3`, `u`.`p1` AS `check_4`, `u`.`p2` AS `check_5`, `u`.`p3` AS `check_6`, `u`.`p4` AS `check_7`, `s`.`row_count` AS `check_8`, `u`.`p5` AS `check_9`, `s`.`row_count` - `s`.`nn_2` AS `check_10`, `s`.`row_count` - `s`.`nn_3` AS `check_11`, `s`.`row_count` - `s`.`nn_4` AS `check_12`, `s`.`row_count` - `s`.`nn_5` AS `check_13`, `s`.`row_count` - `s`.`nn_6` AS `check_14`, `s`.`row_count` - `s`.`nn_7` AS `check_15` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`customer_id`) AS `nn_0`, COUNT(`t`.`engagement_segment`) AS `nn_1`, COUNT(`t`.`segment`) AS `nn_2`, COUNT(`t`.`tier`) AS `nn_3`, COUNT(`t`.`sessions`) AS `nn_4`, COUNT(`t`.`purchases`) AS `nn_5`, COUNT(`t`.`tenure_days`) AS `nn_6`, COUNT(`t`.`as_of_date`) AS `nn_7` FROM `retail-mesh-prod`.`customer`.`_staging_customer_segments` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`customer_id` AS `k0` FROM `retail-mesh-prod`.`customer`.`_staging_customer_segments` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_segments` AS t WHERE `t`.`customer_id` IS NOT NULL AND `t`.`customer_id` NOT IN (SELECT `r`.`customer_id` FROM `retail-mesh-prod`.`customer`.`customer_profile` AS r WHERE `r`.`customer_id` IS NOT NULL)) UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_segments` AS t WHERE `t`.`engagement_segment` <> 'champion' AND `t`.`engagement_segment` <> 'engaged' AND `t`.`engagement_segment` <> 'casual' AND `t`.`engagement_segment` <> 'dormant' AND `t`.`engagement_segment` <> 'new') UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_segments` AS t WHERE `t`.`segment` <> 'consumer' AND `t`.`segment` <> 'small_business' AND `t`.`segment` <> 'corporate') UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_segments` AS t WHERE `t`.`tier` <> 'bronze' AND `t`.`tier` <> 'silver' AND `t`.`tier` <> 'gold' AND `t`.`tier` <> 'platinum') UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`customer`.`_staging_customer_segments` AS t WHERE `t`.`purchases` < 0) UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM (SELECT s.customer_id FROM `retail-mesh-prod`.`customer`.`_staging_customer_segments` AS s WHERE NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`customer`.`_staging_customer_segments` AS v WHERE v.sessions > 0)) AS a)) AS f) AS u;
