export { accessTokenAuthClient } from './access-token.js';
export { createTableStatement, labelValue, partitionExpression } from './bigquery-ddl.js';
export { type BigQueryDialectOptions, bigqueryDialect, datasetName } from './bigquery-dialect.js';
export { type StagedFile, validationStatements } from './bigquery-ingest.js';
export {
  batchLogStatements,
  META_DATASET,
  META_DESCRIPTION,
  PLATFORM_TABLES,
  type PlatformTable,
  sourceStatements,
  sourceTables,
} from './bigquery-sources.js';
export { type ProductStatements, productStatements } from './bigquery-sql.js';
export {
  accessEntity,
  type BigQueryWarehouseOptions,
  canonicalValue,
  createBigQueryWarehouse,
  runLogStatements,
} from './bigquery-warehouse.js';
