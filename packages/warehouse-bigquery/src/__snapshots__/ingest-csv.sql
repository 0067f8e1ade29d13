CREATE TABLE `retail-mesh-test`.`shop`.`_check_x`
OPTIONS(expiration_timestamp=TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 6 HOUR))
AS SELECT `__line`, COALESCE(`__refused`, NULLIF(ARRAY_TO_STRING([IF(`__text_order_id` IS NULL, 'order_id: missing', NULL),
    IF(REGEXP_CONTAINS(`__text_order_id`, '[\\x{0000}-\\x{001F}\\x{007F}-\\x{00A0}\\x{00AD}\\x{2000}-\\x{200F}\\x{2028}-\\x{202F}\\x{205F}-\\x{206F}\\x{3000}\\x{FEFF}]'), CONCAT('order_id: ', TO_JSON_STRING(`__text_order_id`), ' holds a character that shows as nothing or as a space (a control character, a tab or line break, a zero-width space or joiner, a direction mark, a line or paragraph separator, a no-break, thin or ideographic space, a soft hyphen or a byte order mark), which makes it an id that matches nothing: remove it from the export'), NULL),
    IF(REGEXP_CONTAINS(`__text_order_id`, '^(?:\\s*[0-9]+\\.0+\\s*)$'), CONCAT('order_id: ', TO_JSON_STRING(`__text_order_id`), ' is a whole number written with a decimal point, as pandas writes an integer id column that held a missing value: the same id is 1001 elsewhere, and this would be another id. Export the ids as integers (df[col].astype("Int64")) or as the system writes them'), NULL),
    IF(REGEXP_CONTAINS(`__text_order_id`, '^(?:\\s*="[^"]*"\\s*)$'), CONCAT('order_id: ', TO_JSON_STRING(`__text_order_id`), ' is wrapped in Excel\'s ="…" guard (written to keep leading zeros): export the value itself'), NULL),
    IF(`__text_order_id` IN ('#N/A', '#REF!', '#NAME?', '#VALUE!', '#DIV/0!', '#NUM!', '#NULL!', '#SPILL!', '#CALC!', '#FIELD!', '#BLOCKED!', '#CONNECT!', '#BUSY!', '#UNKNOWN!', '#GETTING_DATA', '#ERROR!'), CONCAT('order_id: ', TO_JSON_STRING(`__text_order_id`), ' is a spreadsheet\'s error cell (a formula that failed), not a value: fix the cell in the sheet, or leave it empty'), NULL),
    IF(REGEXP_CONTAINS(`__text_order_id`, '^(?:[+-]?[0-9](?:\\.[0-9]{1,16}[eE][+-]?|[eE][+-])[0-9]{1,3})$'), CONCAT('order_id: ', TO_JSON_STRING(`__text_order_id`), ' is a number in scientific notation (as a spreadsheet shows it, or R or pandas writes it), whose last digits may be lost and which matches no other spelling of the id: export the column as text (in a sheet, format it as text first)'), NULL),
    IF(`__text_quantity` IS NULL, 'quantity (file column Qty): missing', NULL),
    IF(`__text_quantity` IS NOT NULL AND NOT (REGEXP_CONTAINS(`__text_quantity`, '^(?:\\s*[+-]?[0-9]{1,3}(\\.[0-9]{3})+\\s*)$')) AND (`quantity` IS NULL OR SAFE_CAST(TRIM(`__text_quantity`) AS FLOAT64) <> CAST(`quantity` AS FLOAT64)), CASE WHEN REGEXP_CONTAINS(`__text_quantity`, '^(?:\\s*[+-]?[0-9]+,[0-9]{1,2}\\s*)$') THEN CONCAT('quantity (file column Qty): ', TO_JSON_STRING(`__text_quantity`), ' has a decimal comma: write a decimal point (12.50), or export the file with one') WHEN REGEXP_CONTAINS(`__text_quantity`, '^(?:\\s*[+-]?[0-9]{1,3}(,[0-9]{3})+(\\.[0-9]*)?\\s*)$') THEN CONCAT('quantity (file column Qty): ', TO_JSON_STRING(`__text_quantity`), ' has a comma before three digits, a thousands separator (1,234 for 1234) or a decimal comma (for 1.234): export numbers without separators and with a decimal point') ELSE CONCAT('quantity (file column Qty): ', TO_JSON_STRING(`__text_quantity`), ' is not a valid integer') END, NULL),
    IF(REGEXP_CONTAINS(`__text_quantity`, '^(?:\\s*[+-]?[0-9]{1,3}(\\.[0-9]{3})+\\s*)$'), CONCAT('quantity (file column Qty): ', TO_JSON_STRING(`__text_quantity`), ' has a dot before three digits, a thousands separator (1.000 for 1000) or a decimal point (for 1): export integers without separators'), NULL),
    IF(NOT (`quantity` >= (-9007199254740991) AND `quantity` <= 9007199254740991), CONCAT('quantity (file column Qty): ', TO_JSON_STRING(`__text_quantity`), ' is outside the range of its schema (at least -9007199254740991 and at most 9007199254740991)'), NULL),
    IF(`__text_status` IS NULL, 'status: missing', NULL),
    IF(`__text_status` IS NOT NULL AND `__text_status` NOT IN ('completed', 'cancelled'), CONCAT('status: ', TO_JSON_STRING(`__text_status`), ' is not one of completed, cancelled'), NULL)], '; '), '')) AS `__reason`, `__record`, `order_id`, `quantity`, `status`
FROM (
  SELECT *, NORMALIZE(`__text_order_id`, NFC) AS `order_id`,
    SAFE_CAST(SAFE_CAST(IF(REGEXP_CONTAINS(`__text_quantity`, '^(?:\\s*[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?\\s*)$'), TRIM(`__text_quantity`), NULL) AS NUMERIC) AS INT64) AS `quantity`,
    NORMALIZE(`__text_status`, NFC) AS `status`
  FROM (
    SELECT `t`.`__line` AS `__line`, `t`.`__reason` AS `__refused`, COALESCE(`t`.`__record`, TO_JSON_STRING(STRUCT(`t`.`c1` AS `order_id`, `t`.`c2` AS `Qty`, `t`.`c3` AS `status`))) AS `__record`,
    IF(LOWER(TRIM(`t`.`c1`, '   ')) = 'null' OR TRIM(`t`.`c1`, '   ') = '\\N', NULL, NULLIF(TRIM(`t`.`c1`, '   '), '')) AS `__text_order_id`,
    IF(LOWER(TRIM(`t`.`c2`, '   ')) = 'null' OR TRIM(`t`.`c2`, '   ') = '\\N', NULL, IF(TRIM(`t`.`c2`, '   ') = '', NULL, `t`.`c2`)) AS `__text_quantity`,
    CASE WHEN IF(LOWER(TRIM(`t`.`c3`, '   ')) = 'null' OR TRIM(`t`.`c3`, '   ') = '\\N', NULL, IF(TRIM(`t`.`c3`, '   ') = '', NULL, `t`.`c3`)) IN ('completed', 'cancelled') THEN IF(LOWER(TRIM(`t`.`c3`, '   ')) = 'null' OR TRIM(`t`.`c3`, '   ') = '\\N', NULL, IF(TRIM(`t`.`c3`, '   ') = '', NULL, `t`.`c3`)) ELSE CASE LOWER(TRIM(IF(LOWER(TRIM(`t`.`c3`, '   ')) = 'null' OR TRIM(`t`.`c3`, '   ') = '\\N', NULL, IF(TRIM(`t`.`c3`, '   ') = '', NULL, `t`.`c3`)), '   ')) WHEN 'completed' THEN 'completed' WHEN 'cancelled' THEN 'cancelled' ELSE IF(LOWER(TRIM(`t`.`c3`, '   ')) = 'null' OR TRIM(`t`.`c3`, '   ') = '\\N', NULL, IF(TRIM(`t`.`c3`, '   ') = '', NULL, `t`.`c3`)) END END AS `__text_status`
    FROM `retail-mesh-test`.`shop`.`_load_x` AS `t`
  )
);
SELECT COUNT(*) AS `rows`, COUNTIF(`__reason` IS NOT NULL) AS `rejected`, (SELECT ARRAY_AGG(STRUCT(`__line` AS `line`, [IFNULL(`c1`, ''), IFNULL(`c2`, ''), IFNULL(`c3`, '')] AS `values`) ORDER BY `__line` LIMIT 100) FROM `retail-mesh-test`.`shop`.`_load_x` WHERE `__reason` IS NULL AND LOWER(TRIM(`c1`)) IN ('order_id', 'qty', 'status')) AS `header_like`,
  ARRAY_AGG(IF(`__reason` IS NULL, NULL, STRUCT(`__line` AS `line`, `__reason` AS `reason`)) IGNORE NULLS ORDER BY `__line` LIMIT 5) AS `sample`
FROM `retail-mesh-test`.`shop`.`_check_x`;

BEGIN TRANSACTION;
INSERT INTO `retail-mesh-test`.`shop`.`raw_orders_log` (`order_id`, `quantity`, `status`, `_batch_id`, `_line`)
SELECT `order_id`, `quantity`, `status`, (SELECT COALESCE(MAX(`batch_id`), 0) + 1 FROM `retail-mesh-test`.`_mesh`.`batches`), `__line` FROM `retail-mesh-test`.`shop`.`_check_x` WHERE `__reason` IS NULL;
INSERT INTO `retail-mesh-test`.`shop`.`raw_orders_rejects` (`_batch_id`, `file`, `line`, `reason`, `record`)
SELECT (SELECT COALESCE(MAX(`batch_id`), 0) + 1 FROM `retail-mesh-test`.`_mesh`.`batches`), 'orders.csv', `__line`, `__reason`, `__record` FROM `retail-mesh-test`.`shop`.`_check_x` WHERE `__reason` IS NOT NULL;
INSERT INTO `retail-mesh-test`.`_mesh`.`batches` (`batch_id`, `source`, `kind`, `file`, `sha256`, `mapping`, `rows`, `loaded`, `rejected`, `ingested_at`, `ingested_by`, `flag`)
SELECT COALESCE(MAX(`batch_id`), 0) + 1, 'shop.orders', 'ingest', 'orders.csv', 'cae9bdcde691e5c896853224bec1fd5f11e9e2487f900ffb312e6b2b136c24a7', '{"rename":{"quantity":"Qty"},"set":{},"values":{}}', 5, 3, 2, CURRENT_TIMESTAMP(), 'mesh-ci', CAST(NULL AS STRING) FROM `retail-mesh-test`.`_mesh`.`batches`;
DELETE FROM `retail-mesh-test`.`shop`.`raw_orders_log` WHERE `_batch_id` IN (SELECT `batch_id` FROM `retail-mesh-test`.`_mesh`.`batches` WHERE `source` = 'shop.orders' AND `kind` = 'sample' AND `batch_id` < (SELECT MAX(`batch_id`) FROM `retail-mesh-test`.`_mesh`.`batches`));
DELETE FROM `retail-mesh-test`.`shop`.`raw_orders_rejects` WHERE `_batch_id` IN (SELECT `batch_id` FROM `retail-mesh-test`.`_mesh`.`batches` WHERE `source` = 'shop.orders' AND `kind` = 'sample' AND `batch_id` < (SELECT MAX(`batch_id`) FROM `retail-mesh-test`.`_mesh`.`batches`));
DELETE FROM `retail-mesh-test`.`_mesh`.`batches` WHERE `source` = 'shop.orders' AND `kind` = 'sample' AND `batch_id` < (SELECT MAX(`batch_id`) FROM `retail-mesh-test`.`_mesh`.`batches`);
SELECT * FROM `retail-mesh-test`.`_mesh`.`batches` WHERE `batch_id` = (SELECT MAX(`batch_id`) FROM `retail-mesh-test`.`_mesh`.`batches`);
COMMIT TRANSACTION;
