BEGIN TRANSACTION;
INSERT INTO `retail-mesh-test`.`shop`.`raw_orders_log` (`order_id`, `quantity`, `status`, `_batch_id`, `_line`)
SELECT `s`.`order_id`, `s`.`quantity`, `s`.`status`, (SELECT COALESCE(MAX(`batch_id`), 0) + 1 FROM `retail-mesh-test`.`_mesh`.`batches`), NULL
FROM (SELECT 'o1' AS `order_id`, 2 AS `quantity`, 'completed' AS `status`) AS `s`;
INSERT INTO `retail-mesh-test`.`_mesh`.`batches` (`batch_id`, `source`, `kind`, `file`, `sha256`, `mapping`, `rows`, `loaded`, `rejected`, `ingested_at`, `ingested_by`, `flag`)
SELECT COALESCE(MAX(`batch_id`), 0) + 1, 'shop.orders', 'sample', 'fixture rows', '', '{}', (SELECT COUNT(*) FROM `retail-mesh-test`.`shop`.`raw_orders_log` WHERE `_batch_id` = (SELECT COALESCE(MAX(`batch_id`), 0) + 1 FROM `retail-mesh-test`.`_mesh`.`batches`)), (SELECT COUNT(*) FROM `retail-mesh-test`.`shop`.`raw_orders_log` WHERE `_batch_id` = (SELECT COALESCE(MAX(`batch_id`), 0) + 1 FROM `retail-mesh-test`.`_mesh`.`batches`)), 0, CURRENT_TIMESTAMP(), 'mesh-ci', CAST(NULL AS STRING) FROM `retail-mesh-test`.`_mesh`.`batches`;
DELETE FROM `retail-mesh-test`.`shop`.`raw_orders_log` WHERE `_batch_id` IN (SELECT `batch_id` FROM `retail-mesh-test`.`_mesh`.`batches` WHERE `source` = 'shop.orders' AND `kind` = 'sample' AND `batch_id` < (SELECT MAX(`batch_id`) FROM `retail-mesh-test`.`_mesh`.`batches`));
DELETE FROM `retail-mesh-test`.`shop`.`raw_orders_rejects` WHERE `_batch_id` IN (SELECT `batch_id` FROM `retail-mesh-test`.`_mesh`.`batches` WHERE `source` = 'shop.orders' AND `kind` = 'sample' AND `batch_id` < (SELECT MAX(`batch_id`) FROM `retail-mesh-test`.`_mesh`.`batches`));
DELETE FROM `retail-mesh-test`.`_mesh`.`batches` WHERE `source` = 'shop.orders' AND `kind` = 'sample' AND `batch_id` < (SELECT MAX(`batch_id`) FROM `retail-mesh-test`.`_mesh`.`batches`);
SELECT * FROM `retail-mesh-test`.`_mesh`.`batches` WHERE `batch_id` = (SELECT MAX(`batch_id`) FROM `retail-mesh-test`.`_mesh`.`batches`);
COMMIT TRANSACTION;