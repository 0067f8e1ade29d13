-- product.product_inventory 1.0.0: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).

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
           SUM(inventory_value) OVER (PARTITION BY brand) AS brand_inventory_value,
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
  `brand_inventory_value` NUMERIC OPTIONS(description='Total inventory value of the active products of the brand'),
  `last_updated` TIMESTAMP OPTIONS(description='When the stock figure was counted, or the catalog revision when never counted (UTC)'),
  `_domain` STRING OPTIONS(description='Domain that published the row'),
  `_product` STRING OPTIONS(description='Data product that published the row'),
  `_version` STRING OPTIONS(description='Version of the data product that published the row'),
  `_processed_at` TIMESTAMP OPTIONS(description='When the build that published the row ran (UTC)')
)
PARTITION BY TIMESTAMP_TRUNC(`last_updated`, DAY)
CLUSTER BY `category`, `brand`, `stock_status`
OPTIONS(description='Current stock, value and margin of every active product, with category and brand aggregates.', labels=[('domain', 'product'), ('product', 'product_inventory'), ('tier', 'gold'), ('version', '1-0-0')])
AS SELECT CAST(`q`.`product_id` AS STRING) AS `product_id`, CAST(`q`.`name` AS STRING) AS `name`, CAST(`q`.`category` AS STRING) AS `category`, CAST(`q`.`brand` AS STRING) AS `brand`, CAST(`q`.`stock` AS INT64) AS `stock`, CAST(`q`.`reorder_point` AS INT64) AS `reorder_point`, CAST(`q`.`unit_cost` AS NUMERIC) AS `unit_cost`, CAST(`q`.`retail_price` AS NUMERIC) AS `retail_price`, CAST(`q`.`stock_status` AS STRING) AS `stock_status`, CAST(`q`.`margin` AS NUMERIC) AS `margin`, CAST(`q`.`inventory_value` AS NUMERIC) AS `inventory_value`, CAST(`q`.`avg_category_margin` AS NUMERIC) AS `avg_category_margin`, CAST(`q`.`brand_inventory_value` AS NUMERIC) AS `brand_inventory_value`, CAST(`q`.`last_updated` AS TIMESTAMP) AS `last_updated`, CAST('product' AS STRING) AS `_domain`, CAST('product_inventory' AS STRING) AS `_product`, CAST('1.0.0' AS STRING) AS `_version`, CURRENT_TIMESTAMP() AS `_processed_at` FROM (
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
           SUM(inventory_value) OVER (PARTITION BY brand) AS brand_inventory_value,
           last_updated
    FROM active) AS q;

-- checks (one query for the whole suite)
SELECT COUNT(*) AS `row_count`, COUNT(`t`.`product_id`) AS `nn_0`, COUNT(`t`.`name`) AS `nn_1`, COUNT(`t`.`category`) AS `nn_2`, COUNT(`t`.`brand`) AS `nn_3`, COUNT(`t`.`stock`) AS `nn_4`, COUNT(`t`.`reorder_point`) AS `nn_5`, COUNT(`t`.`unit_cost`) AS `nn_6`, COUNT(`t`.`retail_price`) AS `nn_7`, COUNT(`t`.`stock_status`) AS `nn_8`, COUNT(`t`.`margin`) AS `nn_9`, COUNT(`t`.`inventory_value`) AS `nn_10`, COUNT(`t`.`avg_category_margin`) AS `nn_11`, COUNT(`t`.`brand_inventory_value`) AS `nn_12`, COUNT(`t`.`last_updated`) AS `nn_13`, COUNT(`t`.`product_id`) - COUNT(DISTINCT `t`.`product_id`) AS `check_0`, COUNT(*) - COUNT(`t`.`product_id`) AS `check_1`, SUM(CASE WHEN `t`.`stock_status` IS NOT NULL AND `t`.`stock_status` NOT IN ('IN_STOCK', 'LOW_STOCK', 'OUT_OF_STOCK') THEN 1 ELSE 0 END) AS `check_2`, COUNT(*) - COUNT(`t`.`stock_status`) AS `check_3`, SUM(CASE WHEN `t`.`reorder_point` < 0 THEN 1 ELSE 0 END) AS `check_4`, SUM(CASE WHEN NOT COALESCE((margin = retail_price - unit_cost), FALSE) THEN 1 ELSE 0 END) AS `check_5`, SUM(CASE WHEN NOT COALESCE((inventory_value = stock * unit_cost), FALSE) THEN 1 ELSE 0 END) AS `check_6`, COUNT(*) AS `check_7`, COUNT(*) - COUNT(`t`.`last_updated`) AS `check_8` FROM `retail-mesh-prod`.`product`.`_staging_product_inventory` AS t;
