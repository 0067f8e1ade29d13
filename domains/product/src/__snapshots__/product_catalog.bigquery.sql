-- product.product_catalog 1.0.2: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
SELECT product_id, sku, TRIM(name, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS name, TRIM(category, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS category, TRIM(brand, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS brand,
           unit_cost, retail_price, active, launched_on, updated_at
    FROM (
      SELECT p.*, ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY updated_at DESC, sku NULLS LAST) AS revision
      FROM `retail-mesh-prod`.`product`.`raw_products` AS p
    ) AS latest
    WHERE revision = 1;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`product`.`_staging_product_catalog` (
  `product_id` STRING OPTIONS(description='Catalog identifier'),
  `sku` STRING OPTIONS(description='Stock keeping unit printed on the label'),
  `name` STRING OPTIONS(description='Product name as shown to customers'),
  `category` STRING OPTIONS(description='Merchandise category'),
  `brand` STRING OPTIONS(description='Brand the product is sold under'),
  `unit_cost` NUMERIC OPTIONS(description='Purchase cost of one unit'),
  `retail_price` NUMERIC OPTIONS(description='Shelf price of one unit, before promotions'),
  `active` BOOL OPTIONS(description='Sold at present; discontinued products are inactive'),
  `launched_on` DATE OPTIONS(description='First day the product was on sale'),
  `updated_at` TIMESTAMP OPTIONS(description='When the current revision was saved in the PIM (UTC)'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
CLUSTER BY `category`, `brand`
OPTIONS(description='The current revision of every product in the PIM, active and discontinued.', labels=[('domain', 'product'), ('product', 'product_catalog'), ('tier', 'gold'), ('version', '1-0-2')])
AS SELECT CAST(`q`.`product_id` AS STRING) AS `product_id`, CAST(`q`.`sku` AS STRING) AS `sku`, CAST(`q`.`name` AS STRING) AS `name`, CAST(`q`.`category` AS STRING) AS `category`, CAST(`q`.`brand` AS STRING) AS `brand`, CAST(`q`.`unit_cost` AS NUMERIC) AS `unit_cost`, CAST(`q`.`retail_price` AS NUMERIC) AS `retail_price`, CAST(`q`.`active` AS BOOL) AS `active`, CAST(`q`.`launched_on` AS DATE) AS `launched_on`, CAST(`q`.`updated_at` AS TIMESTAMP) AS `updated_at`, CAST('product' AS STRING) AS `_domain`, CAST('product_catalog' AS STRING) AS `_product`, CAST('1.0.2' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    SELECT product_id, sku, TRIM(name, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS name, TRIM(category, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS category, TRIM(brand, CODE_POINTS_TO_STRING([9, 10, 11, 12, 13, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288])) AS brand,
           unit_cost, retail_price, active, launched_on, updated_at
    FROM (
      SELECT p.*, ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY updated_at DESC, sku NULLS LAST) AS revision
      FROM `retail-mesh-prod`.`product`.`raw_products` AS p
    ) AS latest
    WHERE revision = 1) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_9` AS `nn_9`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `s`.`row_count` - `s`.`nn_1` AS `check_2`, `s`.`row_count` - `s`.`nn_3` AS `check_3`, `u`.`p0` AS `check_4`, `u`.`p1` AS `check_5`, `s`.`row_count` AS `check_6`, `u`.`p2` AS `check_7`, `s`.`row_count` - `s`.`nn_2` AS `check_8`, `s`.`row_count` - `s`.`nn_4` AS `check_9`, `s`.`row_count` - `s`.`nn_5` AS `check_10`, `s`.`row_count` - `s`.`nn_6` AS `check_11`, `s`.`row_count` - `s`.`nn_7` AS `check_12`, `s`.`row_count` - `s`.`nn_8` AS `check_13`, `s`.`row_count` - `s`.`nn_9` AS `check_14` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`product_id`) AS `nn_0`, COUNT(`t`.`sku`) AS `nn_1`, COUNT(`t`.`name`) AS `nn_2`, COUNT(`t`.`category`) AS `nn_3`, COUNT(`t`.`brand`) AS `nn_4`, COUNT(`t`.`unit_cost`) AS `nn_5`, COUNT(`t`.`retail_price`) AS `nn_6`, COUNT(`t`.`active`) AS `nn_7`, COUNT(`t`.`launched_on`) AS `nn_8`, COUNT(`t`.`updated_at`) AS `nn_9` FROM `retail-mesh-prod`.`product`.`_staging_product_catalog` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`product_id` AS `k0` FROM `retail-mesh-prod`.`product`.`_staging_product_catalog` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`product`.`_staging_product_catalog` AS t WHERE `t`.`unit_cost` < 0) UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`product`.`_staging_product_catalog` AS t WHERE `t`.`retail_price` < 0) UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM (SELECT folded FROM (SELECT LOWER(REGEXP_REPLACE(category, '[\\x{9}\\x{A}\\x{B}\\x{C}\\x{D}\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}\\x{2001}\\x{2002}\\x{2003}\\x{2004}\\x{2005}\\x{2006}\\x{2007}\\x{2008}\\x{2009}\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{AD}\\x{200B}\\x{200C}\\x{200D}\\x{2060}\\x{FEFF}]', '')) AS folded, category FROM `retail-mesh-prod`.`product`.`_staging_product_catalog`) AS c GROUP BY folded HAVING COUNT(DISTINCT category) > 1) AS a)) AS f) AS u;
