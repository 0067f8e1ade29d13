-- order.order_items 1.0.1: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH line_returns AS (
      SELECT order_id, line_number, SUM(returned_quantity) AS returned_quantity
      FROM `retail-mesh-prod`.`order`.`raw_returns`
      GROUP BY order_id, line_number
    )
    SELECT l.order_id, l.line_number, l.product_id, c.category, l.quantity, l.unit_price, l.discount_amount,
           l.quantity * l.unit_price - l.discount_amount AS line_amount,
           COALESCE(r.returned_quantity, 0) AS returned_quantity,
           CAST(o.ordered_at AS DATE) AS order_date
    FROM `retail-mesh-prod`.`order`.`raw_order_lines` AS l
    JOIN `retail-mesh-prod`.`order`.`raw_orders` AS o ON o.order_id = l.order_id
    LEFT JOIN `retail-mesh-prod`.`product`.`product_catalog` AS c ON c.product_id = l.product_id
    LEFT JOIN line_returns AS r ON r.order_id = l.order_id AND r.line_number = l.line_number;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`order`.`_staging_order_items` (
  `order_id` STRING OPTIONS(description='Order the line belongs to'),
  `line_number` INT64 OPTIONS(description='Position of the line in its order, from 1'),
  `product_id` STRING OPTIONS(description='Catalog identifier of the product sold'),
  `category` STRING OPTIONS(description='Merchandise category of the product, from product_catalog'),
  `quantity` INT64 OPTIONS(description='Units sold'),
  `unit_price` NUMERIC OPTIONS(description='Price of one unit before discount'),
  `discount_amount` NUMERIC OPTIONS(description='Discount on the whole line, 0 when none'),
  `line_amount` NUMERIC OPTIONS(description='quantity x unit_price - discount_amount: what the line was charged'),
  `returned_quantity` INT64 OPTIONS(description='Units of the line returned so far, 0 when none'),
  `order_date` DATE OPTIONS(description='UTC date the order was placed'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
PARTITION BY `order_date`
CLUSTER BY `product_id`
OPTIONS(description='Every line of every order (cancelled orders included: join order_transactions for the status), with the product category, line amount and units returned.', labels=[('domain', 'order'), ('product', 'order_items'), ('tier', 'gold'), ('version', '1-0-1')])
AS SELECT CAST(`q`.`order_id` AS STRING) AS `order_id`, IF(CAST(`q`.`line_number` AS FLOAT64) <> TRUNC(CAST(`q`.`line_number` AS FLOAT64)), ERROR(CONCAT('column line_number: the transform gives ', CAST(`q`.`line_number` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`line_number` AS INT64)) AS `line_number`, CAST(`q`.`product_id` AS STRING) AS `product_id`, CAST(`q`.`category` AS STRING) AS `category`, IF(CAST(`q`.`quantity` AS FLOAT64) <> TRUNC(CAST(`q`.`quantity` AS FLOAT64)), ERROR(CONCAT('column quantity: the transform gives ', CAST(`q`.`quantity` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`quantity` AS INT64)) AS `quantity`, CAST(`q`.`unit_price` AS NUMERIC) AS `unit_price`, CAST(`q`.`discount_amount` AS NUMERIC) AS `discount_amount`, CAST(`q`.`line_amount` AS NUMERIC) AS `line_amount`, IF(CAST(`q`.`returned_quantity` AS FLOAT64) <> TRUNC(CAST(`q`.`returned_quantity` AS FLOAT64)), ERROR(CONCAT('column returned_quantity: the transform gives ', CAST(`q`.`returned_quantity` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`returned_quantity` AS INT64)) AS `returned_quantity`, CAST(`q`.`order_date` AS DATE) AS `order_date`, CAST('order' AS STRING) AS `_domain`, CAST('order_items' AS STRING) AS `_product`, CAST('1.0.1' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH line_returns AS (
      SELECT order_id, line_number, SUM(returned_quantity) AS returned_quantity
      FROM `retail-mesh-prod`.`order`.`raw_returns`
      GROUP BY order_id, line_number
    )
    SELECT l.order_id, l.line_number, l.product_id, c.category, l.quantity, l.unit_price, l.discount_amount,
           l.quantity * l.unit_price - l.discount_amount AS line_amount,
           COALESCE(r.returned_quantity, 0) AS returned_quantity,
           CAST(o.ordered_at AS DATE) AS order_date
    FROM `retail-mesh-prod`.`order`.`raw_order_lines` AS l
    JOIN `retail-mesh-prod`.`order`.`raw_orders` AS o ON o.order_id = l.order_id
    LEFT JOIN `retail-mesh-prod`.`product`.`product_catalog` AS c ON c.product_id = l.product_id
    LEFT JOIN line_returns AS r ON r.order_id = l.order_id AND r.line_number = l.line_number) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_9` AS `nn_9`, `s`.`row_count` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_1` AS `check_2`, `u`.`p0` AS `check_3`, `s`.`row_count` - `s`.`nn_2` AS `check_4`, `u`.`p1` AS `check_5`, `s`.`row_count` - `s`.`nn_3` AS `check_6`, `u`.`p2` AS `check_7`, `u`.`p3` AS `check_8`, `u`.`p4` AS `check_9`, `u`.`p5` AS `check_10`, `u`.`p6` AS `check_11`, `u`.`p7` AS `check_12`, `s`.`row_count` - `s`.`nn_9` AS `check_13`, `s`.`row_count` AS `check_14`, `u`.`p8` AS `check_15`, `u`.`p9` AS `check_16`, `s`.`row_count` - `s`.`nn_4` AS `check_17`, `s`.`row_count` - `s`.`nn_5` AS `check_18`, `s`.`row_count` - `s`.`nn_6` AS `check_19`, `s`.`row_count` - `s`.`nn_7` AS `check_20`, `s`.`row_count` - `s`.`nn_8` AS `check_21` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`order_id`) AS `nn_0`, COUNT(`t`.`line_number`) AS `nn_1`, COUNT(`t`.`product_id`) AS `nn_2`, COUNT(`t`.`category`) AS `nn_3`, COUNT(`t`.`quantity`) AS `nn_4`, COUNT(`t`.`unit_price`) AS `nn_5`, COUNT(`t`.`discount_amount`) AS `nn_6`, COUNT(`t`.`line_amount`) AS `nn_7`, COUNT(`t`.`returned_quantity`) AS `nn_8`, COUNT(`t`.`order_date`) AS `nn_9` FROM `retail-mesh-prod`.`order`.`_staging_order_items` AS t) AS s CROSS JOIN (SELECT COUNT(*) AS `a0` FROM (SELECT DISTINCT `t`.`order_id` AS `k0`, `t`.`line_number` AS `k1` FROM `retail-mesh-prod`.`order`.`_staging_order_items` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4`, MAX(CASE WHEN `f`.`k` = 5 THEN `f`.`failing` END) AS `p5`, MAX(CASE WHEN `f`.`k` = 6 THEN `f`.`failing` END) AS `p6`, MAX(CASE WHEN `f`.`k` = 7 THEN `f`.`failing` END) AS `p7`, MAX(CASE WHEN `f`.`k` = 8 THEN `f`.`failing` END) AS `p8`, MAX(CASE WHEN `f`.`k` = 9 THEN `f`.`failing` END) AS `p9` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_items` AS t WHERE `t`.`line_number` < 1) UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_items` AS t WHERE `t`.`product_id` IS NOT NULL AND `t`.`product_id` NOT IN (SELECT `r`.`product_id` FROM `retail-mesh-prod`.`product`.`product_catalog` AS r WHERE `r`.`product_id` IS NOT NULL)) UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_items` AS t WHERE `t`.`quantity` < 1) UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_items` AS t WHERE `t`.`unit_price` < 0) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_items` AS t WHERE `t`.`discount_amount` < 0) UNION ALL (SELECT 5 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_items` AS t WHERE `t`.`line_amount` < 0) UNION ALL (SELECT 6 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_items` AS t WHERE `t`.`returned_quantity` < 0) UNION ALL (SELECT 7 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`order`.`_staging_order_items` AS t WHERE NOT COALESCE((returned_quantity <= quantity), FALSE)) UNION ALL (SELECT 8 AS `k`, COUNT(*) AS `failing` FROM (SELECT l.order_id FROM `retail-mesh-prod`.`order`.`raw_order_lines` AS l
    WHERE (SELECT COUNT(*) FROM `retail-mesh-prod`.`order`.`raw_order_lines` AS n) <> (SELECT COUNT(*) FROM `retail-mesh-prod`.`order`.`_staging_order_items` AS i) AND l.order_id NOT IN (SELECT h.order_id FROM `retail-mesh-prod`.`order`.`raw_orders` AS h WHERE (SELECT COUNT(*) FROM `retail-mesh-prod`.`order`.`raw_order_lines` AS n) <> (SELECT COUNT(*) FROM `retail-mesh-prod`.`order`.`_staging_order_items` AS i))) AS a) UNION ALL (SELECT 9 AS `k`, COUNT(*) AS `failing` FROM (SELECT l.order_id, l.line_number FROM `retail-mesh-prod`.`order`.`_staging_order_items` AS l
    JOIN `retail-mesh-prod`.`product`.`product_catalog` AS p ON p.product_id = l.product_id
    WHERE p.retail_price > 0 AND l.unit_price > 0
      AND (l.unit_price > 10 * p.retail_price OR l.unit_price * 10 < p.retail_price)) AS a)) AS f) AS u;

-- day digest, kept at publish for the incremental products that read it one day at a time
SELECT '_day' AS `input`, `t`.`order_date` AS `day`, COUNT(*) AS `row_count`, CAST(MAX(`t`.`_processed_at`) AS STRING) AS `marker`, CONCAT(CAST(SUM(MOD(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`line_number`, `t`.`product_id`, `t`.`category`, `t`.`quantity`, `t`.`unit_price`, `t`.`discount_amount`, `t`.`line_amount`, `t`.`returned_quantity`, `t`.`order_date`))), 2147483647)) AS STRING), ':', CAST(BIT_XOR(FARM_FINGERPRINT(TO_JSON_STRING(STRUCT(`t`.`order_id`, `t`.`line_number`, `t`.`product_id`, `t`.`category`, `t`.`quantity`, `t`.`unit_price`, `t`.`discount_amount`, `t`.`line_amount`, `t`.`returned_quantity`, `t`.`order_date`)))) AS STRING)) AS `fingerprint` FROM `retail-mesh-prod`.`order`.`order_items` AS t GROUP BY `t`.`order_date` UNION ALL SELECT CAST('_table' AS STRING) AS `input`, CAST(NULL AS DATE) AS `day`, CAST(1000 AS INT64) AS `row_count`, CAST('2026-10-31T00:00:00.000Z' AS STRING) AS `marker`, CAST('' AS STRING) AS `fingerprint`;
