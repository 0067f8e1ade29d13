import {
  compileChecks,
  type DataProduct,
  type Dialect,
  dayDigestSelect,
  incrementalSelect,
  markerSelect,
  newStateSelect,
  productLayout,
  type Relation,
  renderBuildQuery,
  stagingTable,
  stateRowsSelect,
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
  /**
   * Incremental products: row counts and markers per input day, fingerprints of every day and
   * of changed ones, the state kept for the next build, and the staging SELECT that rebuilds
   * changed days.
   */
  readonly markers?: string | undefined;
  readonly fingerprints?: string | undefined;
  readonly changedFingerprints?: string | undefined;
  readonly state?: string;
  readonly rebuild?: string;
  /** Products an incremental product reads one day at a time: the day digest kept at publish. */
  readonly dayDigest?: string | undefined;
}

/**
 * Renders every statement a build of `product` runs, exactly as the adapter does; for review,
 * snapshots and static analysis.
 */
export function productStatements(
  product: DataProduct,
  dialect: Dialect,
  options: { dayDigest?: boolean } = {},
): ProductStatements {
  const staging = stagingTable(product);
  const { transform, select } = renderBuildQuery(product, dialect);
  const statements = {
    transform,
    materialize: createTableStatement(dialect, staging, productLayout(product), { select }),
    checks: compileChecks(product, product.checks, dialect, (r: Relation) =>
      r === product ? staging : r.table,
    ).sql,
    ...(options.dayDigest
      ? {
          dayDigest: dayDigestSelect(product, dialect, {
            rowCount: 1_000,
            bytes: 0,
            lastModified: new Date('2026-10-31T00:00:00Z'),
          }),
        }
      : {}),
  };
  if (product.materialization !== 'incremental') return statements;
  return {
    ...statements,
    markers: markerSelect(product, dialect),
    // Every day of every input (the state of a full build), then two example days, one of them
    // the day of rows without one.
    fingerprints: stateRowsSelect(
      product,
      dialect,
      new Map(Object.keys(product.inputs).map((i) => [i, 'all'])),
      'example-build-query-hash',
    ),
    changedFingerprints: stateRowsSelect(
      product,
      dialect,
      new Map(Object.keys(product.inputs).map((i) => [i, ['2026-10-31', null]])),
    ),
    state: newStateSelect(
      product,
      {
        kind: 'rows',
        deleteWhere: "`input` = 'example' AND `day` IN (DATE '2026-10-31')",
        insert: stateRowsSelect(
          product,
          dialect,
          new Map(Object.keys(product.inputs).map((i) => [i, ['2026-10-31']])),
        ),
      },
      dialect,
    ),
    rebuild: incrementalSelect(product, select, { days: ['2026-10-31', null] }, dialect),
  };
}
