import {
  compileChecks,
  type DataProduct,
  type Dialect,
  fingerprintSelect,
  incrementalSelect,
  productLayout,
  type Relation,
  renderBuildQuery,
  stagingTable,
} from '@retail-mesh/sdk';
import { createTableStatement } from './bigquery-ddl.js';

/** The SQL a build of one product sends to BigQuery, statement by statement. */
export interface ProductStatements {
  /** The product's own transform, as the domain wrote it, in GoogleSQL. */
  readonly transform: string;
  /** CREATE OR REPLACE TABLE of the staging table, partitioned, clustered and labelled, AS the build query. */
  readonly materialize: string;
  /** The whole check suite, one SELECT over the staging table. */
  readonly checks: string;
  /** Incremental products: the input fingerprints per day, and the staging SELECT that rebuilds changed days. */
  readonly fingerprints?: string;
  readonly rebuild?: string;
}

/**
 * Renders every statement a build of `product` runs, exactly as the adapter does; for review,
 * snapshots and static analysis.
 */
export function productStatements(product: DataProduct, dialect: Dialect): ProductStatements {
  const staging = stagingTable(product);
  const { transform, select } = renderBuildQuery(product, dialect);
  const statements = {
    transform,
    materialize: createTableStatement(dialect, staging, productLayout(product), { select }),
    checks: compileChecks(product, product.checks, dialect, (r: Relation) =>
      r === product ? staging : r.table,
    ).sql,
  };
  if (product.materialization !== 'incremental') return statements;
  return {
    ...statements,
    fingerprints: fingerprintSelect(product, dialect, select),
    // Two example days, one of them the day of rows without one.
    rebuild: incrementalSelect(product, select, { days: ['2026-10-31', null] }, dialect),
  };
}
