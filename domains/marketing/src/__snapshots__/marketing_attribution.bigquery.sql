-- marketing.marketing_attribution 1.0.4: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH touches AS (
      SELECT t.touchpoint_id, t.customer_id, t.campaign_id, c.channel, t.event_type, t.occurred_at,
             CASE WHEN t.event_type = 'conversion' THEN t.order_id END AS converted_order_id
      FROM `retail-mesh-prod`.`marketing`.`raw_touchpoints` AS t
      JOIN `retail-mesh-prod`.`marketing`.`marketing_campaigns` AS c ON c.campaign_id = t.campaign_id
      WHERE t.event_type IN ('click', 'conversion')
    ),
    candidates AS (
      SELECT o.order_id, k.touchpoint_id, k.campaign_id, k.channel, k.event_type, k.occurred_at,
             CASE WHEN k.occurred_at > o.ordered_at THEN 0
                  ELSE DATE_DIFF(CAST(CAST(o.ordered_at AS DATE) AS DATE), CAST(CAST(k.occurred_at AS DATE) AS DATE), DAY) END AS days_to_order,
             ROW_NUMBER() OVER (
               PARTITION BY o.order_id
               ORDER BY CASE WHEN k.converted_order_id = o.order_id THEN 0 ELSE 1 END,
                        k.occurred_at DESC, CASE WHEN k.event_type = 'conversion' THEN 0 ELSE 1 END, k.touchpoint_id DESC
             ) AS recency
      FROM `retail-mesh-prod`.`order`.`order_transactions` AS o
      JOIN touches AS k
        ON k.customer_id = o.customer_id
       AND (k.occurred_at <= o.ordered_at OR k.converted_order_id = o.order_id)
       AND CAST(k.occurred_at AS DATE) >= DATE_ADD(CAST(CAST(o.ordered_at AS DATE) AS DATE), INTERVAL (-7) DAY)
      WHERE DATE_DIFF(CAST(CAST(o.ordered_at AS DATE) AS DATE), CAST(CAST(k.occurred_at AS DATE) AS DATE), DAY) * 86400
            + (EXTRACT(HOUR FROM o.ordered_at) * 3600 + EXTRACT(MINUTE FROM o.ordered_at) * 60 + EXTRACT(SECOND FROM o.ordered_at)) - (EXTRACT(HOUR FROM k.occurred_at) * 3600 + EXTRACT(MINUTE FROM k.occurred_at) * 60 + EXTRACT(SECOND FROM k.occurred_at)) <= 604800
    )
    SELECT o.order_id, o.customer_id, o.order_date, o.ordered_at,
           o.channel AS order_channel, o.status AS order_status,
           o.net_amount, COALESCE(o.returned_amount, 0) AS returned_amount,
           CASE WHEN w.touchpoint_id IS NULL THEN 'unattributed' ELSE 'last_touch' END AS attribution,
           w.campaign_id, w.channel AS campaign_channel, w.touchpoint_id,
           w.event_type AS touch_event_type, w.occurred_at AS touched_at, w.days_to_order
    FROM `retail-mesh-prod`.`order`.`order_transactions` AS o
    LEFT JOIN candidates AS w ON w.order_id = o.order_id AND w.recency = 1;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`marketing`.`_staging_marketing_attribution` (
  `order_id` STRING OPTIONS(description='Order identifier'),
  `customer_id` STRING OPTIONS(description='Customer who placed the order'),
  `order_date` DATE OPTIONS(description='Day the order was placed (UTC)'),
  `ordered_at` TIMESTAMP OPTIONS(description='When the order was placed (UTC)'),
  `order_channel` STRING OPTIONS(description='Where the order was placed'),
  `order_status` STRING OPTIONS(description='Status of the order'),
  `net_amount` NUMERIC OPTIONS(description='Amount paid after discounts'),
  `returned_amount` NUMERIC OPTIONS(description='Amount refunded for returned items'),
  `attribution` STRING OPTIONS(description='last_touch when a campaign is credited with the order, else unattributed'),
  `campaign_id` STRING OPTIONS(description='Campaign credited with the order; NULL when unattributed'),
  `campaign_channel` STRING OPTIONS(description='Channel of the credited campaign'),
  `touchpoint_id` STRING OPTIONS(description='The credited event: the conversion the ad platform matched to the order (its order_id), even when stamped after it; else the latest click or conversion of the customer, for a known campaign, at most 7 days (to the second) before the order and not after it; at equal times a conversion wins, then the higher id'),
  `touch_event_type` STRING OPTIONS(description='Kind of the credited event'),
  `touched_at` TIMESTAMP OPTIONS(description='When the credited event happened (UTC)'),
  `days_to_order` INT64 OPTIONS(description='Calendar days from the credited event to the order (0 to 7); 0 for a matched conversion stamped after it'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
PARTITION BY `order_date`
CLUSTER BY `attribution`, `campaign_id`, `order_channel`
OPTIONS(description='Every order, credited by last-touch attribution to the campaign of the customer\'s latest click or conversion in the 7 days up to the order; orders without one are unattributed.', labels=[('domain', 'marketing'), ('product', 'marketing_attribution'), ('tier', 'gold'), ('version', '1-0-4')])
AS SELECT CAST(`q`.`order_id` AS STRING) AS `order_id`, CAST(`q`.`customer_id` AS STRING) AS `customer_id`, CAST(`q`.`order_date` AS DATE) AS `order_date`, CAST(`q`.`ordered_at` AS TIMESTAMP) AS `ordered_at`, CAST(`q`.`order_channel` AS STRING) AS `order_channel`, CAST(`q`.`order_status` AS STRING) AS `order_status`, CAST(`q`.`net_amount` AS NUMERIC) AS `net_amount`, CAST(`q`.`returned_amount` AS NUMERIC) AS `returned_amount`, CAST(`q`.`attribution` AS STRING) AS `attribution`, CAST(`q`.`campaign_id` AS STRING) AS `campaign_id`, CAST(`q`.`campaign_channel` AS STRING) AS `campaign_channel`, CAST(`q`.`touchpoint_id` AS STRING) AS `touchpoint_id`, CAST(`q`.`touch_event_type` AS STRING) AS `touch_event_type`, CAST(`q`.`touched_at` AS TIMESTAMP) AS `touched_at`, IF(CAST(`q`.`days_to_order` AS FLOAT64) <> TRUNC(CAST(`q`.`days_to_order` AS FLOAT64)), ERROR(CONCAT('column days_to_order: the transform gives ', CAST(`q`.`days_to_order` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`days_to_order` AS INT64)) AS `days_to_order`, CAST('marketing' AS STRING) AS `_domain`, CAST('marketing_attribution' AS STRING) AS `_product`, CAST('1.0.4' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH touches AS (
      SELECT t.touchpoint_id, t.customer_id, t.campaign_id, c.channel, t.event_type, t.occurred_at,
             CASE WHEN t.event_type = 'conversion' THEN t.order_id END AS converted_order_id
      FROM `retail-mesh-prod`.`marketing`.`raw_touchpoints` AS t
      JOIN `retail-mesh-prod`.`marketing`.`marketing_campaigns` AS c ON c.campaign_id = t.campaign_id
      WHERE t.event_type IN ('click', 'conversion')
    ),
    candidates AS (
      SELECT o.order_id, k.touchpoint_id, k.campaign_id, k.channel, k.event_type, k.occurred_at,
             CASE WHEN k.occurred_at > o.ordered_at THEN 0
                  ELSE DATE_DIFF(CAST(CAST(o.ordered_at AS DATE) AS DATE), CAST(CAST(k.occurred_at AS DATE) AS DATE), DAY) END AS days_to_order,
             ROW_NUMBER() OVER (
               PARTITION BY o.order_id
               ORDER BY CASE WHEN k.converted_order_id = o.order_id THEN 0 ELSE 1 END,
                        k.occurred_at DESC, CASE WHEN k.event_type = 'conversion' THEN 0 ELSE 1 END, k.touchpoint_id DESC
             ) AS recency
      FROM `retail-mesh-prod`.`order`.`order_transactions` AS o
      JOIN touches AS k
        ON k.customer_id = o.customer_id
       AND (k.occurred_at <= o.ordered_at OR k.converted_order_id = o.order_id)
       AND CAST(k.occurred_at AS DATE) >= DATE_ADD(CAST(CAST(o.ordered_at AS DATE) AS DATE), INTERVAL (-7) DAY)
      WHERE DATE_DIFF(CAST(CAST(o.ordered_at AS DATE) AS DATE), CAST(CAST(k.occurred_at AS DATE) AS DATE), DAY) * 86400
            + (EXTRACT(HOUR FROM o.ordered_at) * 3600 + EXTRACT(MINUTE FROM o.ordered_at) * 60 + EXTRACT(SECOND FROM o.ordered_at)) - (EXTRACT(HOUR FROM k.occurred_at) * 3600 + EXTRACT(MINUTE FROM k.occurred_at) * 60 + EXTRACT(SECOND FROM k.occurred_at)) <= 604800
    )
    SELECT o.order_id, o.customer_id, o.order_date, o.ordered_at,
           o.channel AS order_channel, o.status AS order_status,
           o.net_amount, COALESCE(o.returned_amount, 0) AS returned_amount,
           CASE WHEN w.touchpoint_id IS NULL THEN 'unattributed' ELSE 'last_touch' END AS attribution,
           w.campaign_id, w.channel AS campaign_channel, w.touchpoint_id,
           w.event_type AS touch_event_type, w.occurred_at AS touched_at, w.days_to_order
    FROM `retail-mesh-prod`.`order`.`order_transactions` AS o
    LEFT JOIN candidates AS w ON w.order_id = o.order_id AND w.recency = 1) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_2` AS `check_2`, `u`.`p0` AS `check_3`, `s`.`row_count` - `s`.`nn_8` AS `check_4`, `u`.`p1` AS `check_5`, `u`.`p2` AS `check_6`, `u`.`p3` AS `check_7`, `u`.`p4` AS `check_8`, `u`.`p5` AS `check_9`, `u`.`p6` AS `check_10`, `u`.`p7` AS `check_11`, `u`.`p8` AS `check_12`, `s`.`row_count` AS `check_13`, `u`.`p9` AS `check_14`, `u`.`p10` AS `check_15`, `u`.`p11` AS `check_16`, `s`.`row_count` - `s`.`nn_1` AS `check_17`, `s`.`row_count` - `s`.`nn_3` AS `check_18`, `s`.`row_count` - `s`.`nn_4` AS `check_19`, `s`.`row_count` - `s`.`nn_5` AS `check_20`, `s`.`row_count` - `s`.`nn_6` AS `check_21`, `s`.`row_count` - `s`.`nn_7` AS `check_22` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`order_id`) AS `nn_0`, COUNT(`t`.`customer_id`) AS `nn_1`, COUNT(`t`.`order_date`) AS `nn_2`, COUNT(`t`.`ordered_at`) AS `nn_3`, COUNT(`t`.`order_channel`) AS `nn_4`, COUNT(`t`.`order_status`) AS `nn_5`, COUNT(`t`.`net_amount`) AS `nn_6`, COUNT(`t`.`returned_amount`) AS `nn_7`, COUNT(`t`.`attribution`) AS `nn_8` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_attribution` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`order_id` AS `k0` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_attribution` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5`, MAX(CASE WHEN `f`.`k` = 6 THEN `f`.`failing` END) AS `p6`, MAX(CASE WHEN `f`.`k` = 7 THEN `f`.`failing` END) AS `p7`, MAX(CASE WHEN `f`.`k` = 8 THEN `f`.`failing` END) AS `p8`, MAX(CASE WHEN `f`.`k` = 9 THEN `f`.`failing` END) AS `p9`, MAX(CASE WHEN `f`.`k` = 10 THEN `f`.`failing` END) AS `p10`, MAX(CASE WHEN `f`.`k` = 11 THEN `f`.`failing` END) AS `p11` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_attribution` AS t WHERE `t`.`order_id` IS NOT NULL AND `t`.`order_id` NOT IN (SELECT `r`.`order_id` FROM `retail-mesh-prod`.`order`.`order_transactions` AS r WHERE `r`.`order_id` IS NOT NULL)) UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_attribution` AS t WHERE `t`.`attribution` <> 'last_touch' AND `t`.`attribution` <> 'unattributed') UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_attribution` AS t WHERE `t`.`order_channel` <> 'store' AND `t`.`order_channel` <> 'online' AND `t`.`order_channel` <> 'mobile') UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_attribution` AS t WHERE `t`.`order_status` <> 'completed' AND `t`.`order_status` <> 'cancelled' AND `t`.`order_status` <> 'returned' AND `t`.`order_status` <> 'partially_returned') UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_attribution` AS t WHERE `t`.`campaign_channel` <> 'email' AND `t`.`campaign_channel` <> 'social' AND `t`.`campaign_channel` <> 'search' AND `t`.`campaign_channel` <> 'display' AND `t`.`campaign_channel` <> 'sms') UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_attribution` AS t WHERE `t`.`touch_event_type` <> 'click' AND `t`.`touch_event_type` <> 'conversion') UNION ALL (SELECT 6 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_attribution` AS t WHERE `t`.`campaign_id` IS NOT NULL AND `t`.`campaign_id` NOT IN (SELECT `r`.`campaign_id` FROM `retail-mesh-prod`.`marketing`.`marketing_campaigns` AS r WHERE `r`.`campaign_id` IS NOT NULL)) UNION ALL (SELECT 7 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_attribution` AS t WHERE `t`.`days_to_order` < 0 OR `t`.`days_to_order` > 7) UNION ALL (SELECT 8 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_attribution` AS t WHERE NOT COALESCE(((attribution = 'last_touch' AND campaign_id IS NOT NULL AND (touched_at <= ordered_at OR touch_event_type = 'conversion')) OR (attribution = 'unattributed' AND campaign_id IS NULL)), FALSE)) UNION ALL (SELECT 9 AS `k`, COUNT(*) AS `failing` FROM (SELECT t.campaign_id FROM `retail-mesh-prod`.`marketing`.`raw_touchpoints` AS t WHERE t.event_type IN ('click', 'conversion') AND NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`marketing`.`marketing_campaigns` AS c WHERE c.campaign_id = t.campaign_id) GROUP BY t.campaign_id) AS a) UNION ALL (SELECT 10 AS `k`, COUNT(*) AS `failing` FROM (WITH ordering AS (SELECT DISTINCT customer_id FROM `retail-mesh-prod`.`order`.`order_transactions`) SELECT t.customer_id FROM (SELECT DISTINCT customer_id FROM `retail-mesh-prod`.`marketing`.`raw_touchpoints` WHERE event_type IN ('click', 'conversion')) AS t WHERE NOT EXISTS (SELECT 1 FROM ordering AS o WHERE o.customer_id = t.customer_id) AND EXISTS (SELECT 1 FROM ordering AS o WHERE LOWER(LTRIM(o.customer_id, '0')) = LOWER(LTRIM(t.customer_id, '0')))) AS a) UNION ALL (SELECT 11 AS `k`, COUNT(*) AS `failing` FROM (SELECT a.order_id FROM `retail-mesh-prod`.`marketing`.`_staging_marketing_attribution` AS a WHERE a.order_status <> 'cancelled' AND NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`marketing`.`raw_touchpoints` AS t)) AS a)) AS f) AS u;
