export { accessTokenAuthClient } from './access-token.js';
export { createTableStatement, labelValue, partitionExpression } from './bigquery-ddl.js';
export { type BigQueryDialectOptions, bigqueryDialect, datasetName } from './bigquery-dialect.js';
export { type ProductStatements, productStatements, sourceStatement } from './bigquery-sql.js';
export {
  accessEntity,
  type BigQueryWarehouseOptions,
  canonicalValue,
  createBigQueryWarehouse,
  runLogStatements,
} from './bigquery-warehouse.js';
