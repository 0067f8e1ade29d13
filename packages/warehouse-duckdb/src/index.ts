export { duckdbDialect } from './duckdb-dialect.js';
export {
  createDuckDbWarehouse,
  DEFAULT_DUCKDB_PATH,
  type DuckDbWarehouseOptions,
} from './duckdb-warehouse.js';
