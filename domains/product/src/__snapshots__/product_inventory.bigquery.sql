-- product.product_inventory 1.0.2: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

-- transform
WITH counts AS (
      SELECT product_id, stock, reorder_point, updated_at
      FROM (
        SELECT s.*, ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY updated_at DESC, stock NULLS LAST) AS newest
        FROM `retail-mesh-prod`.`product`.`raw_stock_levels` AS s
      ) AS ranked
      WHERE newest = 1
    ),
    active AS (
      SELECT c.product_id, c.name, c.category, c.brand,
             COALESCE(k.stock, 0) AS stock,
             COALESCE(k.reorder_point, 0) AS reorder_point,
             c.unit_cost, c.retail_price,
             c.retail_price - c.unit_cost AS margin,
             COALESCE(k.stock, 0) * c.unit_cost AS inventory_value,
             COALESCE(k.updated_at, c.updated_at) AS last_updated
      FROM `retail-mesh-prod`.`product`.`product_catalog` AS c
      LEFT JOIN counts AS k ON k.product_id = c.product_id
      WHERE c.active
    )
    SELECT product_id, name, category, brand, stock, reorder_point, unit_cost, retail_price,
           CASE WHEN stock <= 0 THEN 'OUT_OF_STOCK'
                WHEN stock <= reorder_point THEN 'LOW_STOCK'
                ELSE 'IN_STOCK' END AS stock_status,
           margin, inventory_value,
           AVG(margin) OVER (PARTITION BY category) AS avg_category_margin,
           SUM(CASE WHEN stock > 0 THEN inventory_value ELSE 0 END) OVER (PARTITION BY brand) AS brand_inventory_value,
           last_updated
    FROM active;

-- materialize (staging table; published by an atomic copy job)
CREATE OR REPLACE TABLE `retail-mesh-prod`.`product`.`_staging_product_inventory` (
  `product_id` STRING OPTIONS(description='Catalog identifier'),
  `name` STRING OPTIONS(description='Product name as shown to customers'),
  `category` STRING OPTIONS(description='Merchandise category'),
  `brand` STRING OPTIONS(description='Brand the product is sold under'),
  `stock` INT64 OPTIONS(description='Units on hand (0 when the WMS has no count); negative when oversold'),
  `reorder_point` INT64 OPTIONS(description='Stock level at or below which the product is reordered'),
  `unit_cost` NUMERIC OPTIONS(description='Purchase cost of one unit'),
  `retail_price` NUMERIC OPTIONS(description='Shelf price of one unit'),
  `stock_status` STRING OPTIONS(description='OUT_OF_STOCK when stock <= 0, LOW_STOCK when 0 < stock <= reorder point, else IN_STOCK'),
  `margin` NUMERIC OPTIONS(description='retail_price - unit_cost'),
  `inventory_value` NUMERIC OPTIONS(description='stock x unit_cost'),
  `avg_category_margin` NUMERIC OPTIONS(description='Average margin of the active products of the category'),
  `brand_inventory_value` NUMERIC OPTIONS(description='Inventory value of the stock on hand of the active products of the brand (oversold products count as 0)'),
  `last_updated` TIMESTAMP OPTIONS(description='When the stock figure was counted, or the catalog revision when never counted (UTC)'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
PARTITION BY TIMESTAMP_TRUNC(`last_updated`, DAY)
CLUSTER BY `category`, `brand`, `stock_status`
OPTIONS(description='Current stock, value and margin of every active product, with category and brand aggregates.', labels=[('domain', 'product'), ('product', 'product_inventory'), ('tier', 'gold'), ('version', '1-0-2')])
AS SELECT CAST(`q`.`product_id` AS STRING) AS `product_id`, CAST(`q`.`name` AS STRING) AS `name`, CAST(`q`.`category` AS STRING) AS `category`, CAST(`q`.`brand` AS STRING) AS `brand`, IF(CAST(`q`.`stock` AS FLOAT64) <> TRUNC(CAST(`q`.`stock` AS FLOAT64)), ERROR(CONCAT('column stock: the transform gives ', CAST(`q`.`stock` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`stock` AS INT64)) AS `stock`, IF(CAST(`q`.`reorder_point` AS FLOAT64) <> TRUNC(CAST(`q`.`reorder_point` AS FLOAT64)), ERROR(CONCAT('column reorder_point: the transform gives ', CAST(`q`.`reorder_point` AS STRING), ', which an integer column would round; round, floor or cast it in the transform')), CAST(`q`.`reorder_point` AS INT64)) AS `reorder_point`, CAST(`q`.`unit_cost` AS NUMERIC) AS `unit_cost`, CAST(`q`.`retail_price` AS NUMERIC) AS `retail_price`, CAST(`q`.`stock_status` AS STRING) AS `stock_status`, CAST(`q`.`margin` AS NUMERIC) AS `margin`, CAST(`q`.`inventory_value` AS NUMERIC) AS `inventory_value`, CAST(`q`.`avg_category_margin` AS NUMERIC) AS `avg_category_margin`, CAST(`q`.`brand_inventory_value` AS NUMERIC) AS `brand_inventory_value`, CAST(`q`.`last_updated` AS TIMESTAMP) AS `last_updated`, CAST('product' AS STRING) AS `_domain`, CAST('product_inventory' AS STRING) AS `_product`, CAST('1.0.2' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
    WITH counts AS (
      SELECT product_id, stock, reorder_point, updated_at
      FROM (
        SELECT s.*, ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY updated_at DESC, stock NULLS LAST) AS newest
        FROM `retail-mesh-prod`.`product`.`raw_stock_levels` AS s
      ) AS ranked
      WHERE newest = 1
    ),
    active AS (
      SELECT c.product_id, c.name, c.category, c.brand,
             COALESCE(k.stock, 0) AS stock,
             COALESCE(k.reorder_point, 0) AS reorder_point,
             c.unit_cost, c.retail_price,
             c.retail_price - c.unit_cost AS margin,
             COALESCE(k.stock, 0) * c.unit_cost AS inventory_value,
             COALESCE(k.updated_at, c.updated_at) AS last_updated
      FROM `retail-mesh-prod`.`product`.`product_catalog` AS c
      LEFT JOIN counts AS k ON k.product_id = c.product_id
      WHERE c.active
    )
    SELECT product_id, name, category, brand, stock, reorder_point, unit_cost, retail_price,
           CASE WHEN stock <= 0 THEN 'OUT_OF_STOCK'
                WHEN stock <= reorder_point THEN 'LOW_STOCK'
                ELSE 'IN_STOCK' END AS stock_status,
           margin, inventory_value,
           AVG(margin) OVER (PARTITION BY category) AS avg_category_margin,
           SUM(CASE WHEN stock > 0 THEN inventory_value ELSE 0 END) OVER (PARTITION BY brand) AS brand_inventory_value,
           last_updated
    FROM active) AS q;

-- checks (one query for the whole suite)
SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, `s`.`nn_1` AS `nn_1`, `s`.`nn_2` AS `nn_2`, `s`.`nn_3` AS `nn_3`, `s`.`nn_4` AS `nn_4`, `s`.`nn_5` AS `nn_5`, `s`.`nn_6` AS `nn_6`, `s`.`nn_7` AS `nn_7`, `s`.`nn_8` AS `nn_8`, `s`.`nn_9` AS `nn_9`, `s`.`nn_10` AS `nn_10`, `s`.`nn_11` AS `nn_11`, `s`.`nn_12` AS `nn_12`, `s`.`nn_13` AS `nn_13`, `s`.`nn_0` - `k0`.`a0` AS `check_0`, `s`.`row_count` - `s`.`nn_0` AS `check_1`, `u`.`p0` AS `check_2`, `s`.`row_count` - `s`.`nn_8` AS `check_3`, `u`.`p1` AS `check_4`, `u`.`p2` AS `check_5`, `u`.`p3` AS `check_6`, `u`.`p4` AS `check_7`, `s`.`row_count` AS `check_8`, `s`.`row_count` - `s`.`nn_13` AS `check_9`, `s`.`row_count` - `s`.`nn_1` AS `check_10`, `s`.`row_count` - `s`.`nn_2` AS `check_11`, `s`.`row_count` - `s`.`nn_3` AS `check_12`, `s`.`row_count` - `s`.`nn_4` AS `check_13`, `s`.`row_count` - `s`.`nn_5` AS `check_14`, `s`.`row_count` - `s`.`nn_6` AS `check_15`, `s`.`row_count` - `s`.`nn_7` AS `check_16`, `s`.`row_count` - `s`.`nn_9` AS `check_17`, `s`.`row_count` - `s`.`nn_10` AS `check_18`, `s`.`row_count` - `s`.`nn_11` AS `check_19`, `s`.`row_count` - `s`.`nn_12` AS `check_20` FROM (SELECT COUNT(*) AS `row_count`, COUNT(`t`.`product_id`) AS `nn_0`, COUNT(`t`.`name`) AS `nn_1`, COUNT(`t`.`category`) AS `nn_2`, COUNT(`t`.`brand`) AS `nn_3`, COUNT(`t`.`stock`) AS `nn_4`, COUNT(`t`.`reorder_point`) AS `nn_5`, COUNT(`t`.`unit_cost`) AS `nn_6`, COUNT(`t`.`retail_price`) AS `nn_7`, COUNT(`t`.`stock_status`) AS `nn_8`, COUNT(`t`.`margin`) AS `nn_9`, COUNT(`t`.`inventory_value`) AS `nn_10`, COUNT(`t`.`avg_category_margin`) AS `nn_11`, COUNT(`t`.`brand_inventory_value`) AS `nn_12`, COUNT(`t`.`last_updated`) AS `nn_13` FROM `retail-mesh-prod`.`product`.`_staging_product_inventory` AS t) AS s CROSS JOIN (SELECT COUNT(`g`.`k0`) AS `a0` FROM (SELECT DISTINCT `t`.`product_id` AS `k0` FROM `retail-mesh-prod`.`product`.`_staging_product_inventory` AS t) AS g) AS `k0` CROSS JOIN (SELECT MAX(CASE WHEN `f`.`k` = 0 THEN `f`.`failing` END) AS `p0`, MAX(CASE WHEN `f`.`k` = 1 THEN `f`.`failing` END) AS `p1`, MAX(CASE WHEN `f`.`k` = 2 THEN `f`.`failing` END) AS `p2`, MAX(CASE WHEN `f`.`k` = 3 THEN `f`.`failing` END) AS `p3`, MAX(CASE WHEN `f`.`k` = 4 THEN `f`.`failing` END) AS `p4` FROM ((SELECT 0 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`product`.`_staging_product_inventory` AS t WHERE `t`.`stock_status` <> 'IN_STOCK' AND `t`.`stock_status` <> 'LOW_STOCK' AND `t`.`stock_status` <> 'OUT_OF_STOCK') UNION ALL (SELECT 1 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`product`.`_staging_product_inventory` AS t WHERE `t`.`reorder_point` < 0) UNION ALL (SELECT 2 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`product`.`_staging_product_inventory` AS t WHERE NOT COALESCE((margin = retail_price - unit_cost), FALSE)) UNION ALL (SELECT 3 AS `k`, COUNT(*) AS `failing` FROM `retail-mesh-prod`.`product`.`_staging_product_inventory` AS t WHERE NOT COALESCE((inventory_value = stock * unit_cost), FALSE)) UNION ALL (SELECT 4 AS `k`, COUNT(*) AS `failing` FROM (SELECT s.product_id FROM `retail-mesh-prod`.`product`.`raw_stock_levels` AS s WHERE NOT EXISTS (SELECT 1 FROM `retail-mesh-prod`.`product`.`product_catalog` AS p WHERE p.product_id = s.product_id) GROUP BY s.product_id) AS a)) AS f) AS u;
