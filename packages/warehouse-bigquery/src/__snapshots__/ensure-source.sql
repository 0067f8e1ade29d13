CREATE TABLE IF NOT EXISTS `retail-mesh-test`.`shop`.`raw_orders_log` (
  `order_id` STRING OPTIONS(description='Order'),
  `quantity` INT64 OPTIONS(description='Units'),
  `status` STRING OPTIONS(description='Status'),
  `_batch_id` INT64 NOT NULL OPTIONS(description='Batch the row was loaded in (mesh ingest --list)'),
  `_line` INT64 OPTIONS(description='Physical line of the row in its batch\'s file (row number for Parquet)')
)
CLUSTER BY `_batch_id`
OPTIONS(description='Every batch loaded into shop.orders, append-only (mesh ingest --list); its current rows are raw_orders.');
CREATE TABLE IF NOT EXISTS `retail-mesh-test`.`shop`.`raw_orders_rejects` (
  `_batch_id` INT64 NOT NULL OPTIONS(description='Batch the row was rejected from'),
  `file` STRING NOT NULL OPTIONS(description='File the row came from'),
  `line` INT64 NOT NULL OPTIONS(description='Physical line of the row in the file'),
  `reason` STRING NOT NULL OPTIONS(description='Why the row was rejected'),
  `record` STRING OPTIONS(description='The row as the file had it, as JSON text')
)
CLUSTER BY `_batch_id`
OPTIONS(description='Rows of shop.orders that failed validation, with their batch, file, line and reason.');
CREATE VIEW IF NOT EXISTS `retail-mesh-test`.`shop`.`raw_orders` OPTIONS(description='Orders from the tills')
AS SELECT `order_id`, `quantity`, `status` FROM (SELECT `order_id`, `quantity`, `status`, ROW_NUMBER() OVER (PARTITION BY `order_id` ORDER BY `_batch_id` DESC, `_line` DESC NULLS LAST, `quantity` DESC NULLS LAST, `status` DESC NULLS LAST) AS `_version_rank` FROM `retail-mesh-test`.`shop`.`raw_orders_log`) AS `l` WHERE `_version_rank` = 1;