import {
  type ColumnSpec,
  type DataProduct,
  type Dialect,
  type Relation,
  readDaily,
  type Source,
  STATE_COLUMNS,
  stagingTable,
  stateTable,
} from '@retail-mesh/sdk';
import { bigqueryDialect, datasetName } from '../bigquery-dialect.js';
import { type ProductStatements, productStatements } from '../bigquery-sql.js';
import {
  type AnalyzeResult,
  type AnalyzerColumnType,
  type AnalyzerTable,
  createAnalyzer,
} from './zetasql-analyzer.js';

export * from './bigquery-stand-in.js';
export * from './same-figures.js';
export * from './zetasql-analyzer.js';

/** The project the SQL of tests and snapshots is rendered for. */
export const TEST_PROJECT = 'retail-mesh-prod';

function catalogTable(
  project: string,
  schema: string,
  name: string,
  columns: readonly ColumnSpec[],
  dialect: Dialect,
): AnalyzerTable {
  return {
    path: [project, datasetName(schema), name],
    columns: columns.map((c) => ({ name: c.name, type: dialect.columnType(c.type) as AnalyzerColumnType })),
  };
}

/** One product's statements with the analyzer's verdict on each. */
export interface AnalyzedProduct {
  readonly product: DataProduct;
  readonly statements: ProductStatements;
  readonly results: {
    readonly transform: AnalyzeResult;
    readonly materialize: AnalyzeResult;
    readonly checks: AnalyzeResult;
    readonly markers?: AnalyzeResult | undefined;
    readonly fingerprints?: AnalyzeResult | undefined;
    readonly changedFingerprints?: AnalyzeResult | undefined;
    readonly state?: AnalyzeResult | undefined;
    readonly rebuild?: AnalyzeResult | undefined;
    readonly dayDigest?: AnalyzeResult | undefined;
  };
}

/**
 * Renders every statement a build of each product sends to BigQuery and runs each through
 * ZetaSQL with a catalog built from the products' and sources' zod schemas: published
 * tables, staging tables and raw sources, all typed as BigQuery types them.
 */
export async function analyzeProducts(
  products: readonly DataProduct[],
  sources: readonly Source[],
  project = TEST_PROJECT,
): Promise<AnalyzedProduct[]> {
  const dialect = bigqueryDialect({ projectId: project });
  const relations = new Map<string, Relation>();
  const add = (r: Relation) => relations.set(`${r.kind}:${r.domain.name}.${r.name}`, r);
  sources.forEach(add);
  for (const p of products) {
    add(p);
    for (const input of Object.values(p.inputs)) add(input);
    // A relationships check reads a product it does not take as an input.
    for (const check of p.checks) if (check.reference) add(check.reference.relation);
  }
  const tables: AnalyzerTable[] = [];
  for (const r of relations.values()) {
    const columns = r.kind === 'data-product' ? r.publishedColumns : r.columns;
    tables.push(catalogTable(project, r.table.schema, r.table.name, columns, dialect));
    if (r.kind === 'data-product') {
      const staging = stagingTable(r);
      tables.push(catalogTable(project, staging.schema, staging.name, columns, dialect));
      if (r.materialization === 'incremental') {
        const state = stateTable(r);
        tables.push(catalogTable(project, state.schema, state.name, STATE_COLUMNS, dialect));
      }
    }
  }
  const analyzer = await createAnalyzer(tables, { defaultProject: project });
  try {
    const analyzed: AnalyzedProduct[] = [];
    const daily = readDaily(products);
    for (const product of products) {
      const statements = productStatements(product, dialect, { dayDigest: daily.has(product.id) });
      analyzed.push({
        product,
        statements,
        results: {
          transform: await analyzer.analyze(statements.transform),
          materialize: await analyzer.analyze(statements.materialize),
          checks: await analyzer.analyze(statements.checks),
          markers: statements.markers ? await analyzer.analyze(statements.markers) : undefined,
          fingerprints: statements.fingerprints ? await analyzer.analyze(statements.fingerprints) : undefined,
          changedFingerprints: statements.changedFingerprints
            ? await analyzer.analyze(statements.changedFingerprints)
            : undefined,
          state: statements.state ? await analyzer.analyze(statements.state) : undefined,
          rebuild: statements.rebuild ? await analyzer.analyze(statements.rebuild) : undefined,
          dayDigest: statements.dayDigest ? await analyzer.analyze(statements.dayDigest) : undefined,
        },
      });
    }
    return analyzed;
  } finally {
    await analyzer.close();
  }
}

/** A product's statements as one reviewable file, for a snapshot. */
export function statementsFile(analyzed: AnalyzedProduct): string {
  const { statements, product } = analyzed;
  return [
    `-- ${product.id} ${product.version}: the GoogleSQL a build runs (rendered by @retail-mesh/bigquery).`,
    '',
    '-- transform',
    `${statements.transform.trim()};`,
    '',
    '-- materialize (staging table; published by an atomic copy job)',
    `${statements.materialize};`,
    '',
    '-- checks (one query for the whole suite)',
    `${statements.checks};`,
    '',
    ...(statements.markers
      ? ['-- incremental: row counts and markers of the inputs per day', `${statements.markers};`, '']
      : []),
    ...(statements.changedFingerprints
      ? [
          '-- incremental: fingerprints of the days whose marker changed',
          `${statements.changedFingerprints};`,
          '',
        ]
      : []),
    ...(statements.state
      ? ['-- incremental: the state kept for the next build', `${statements.state};`, '']
      : []),
    ...(statements.fingerprints
      ? ['-- incremental: fingerprints of the inputs per day', `${statements.fingerprints};`, '']
      : []),
    ...(statements.rebuild
      ? ['-- incremental: staging of a build that rebuilds changed days', `${statements.rebuild};`, '']
      : []),
    ...(statements.dayDigest
      ? [
          '-- day digest, kept at publish for the incremental products that read it one day at a time',
          `${statements.dayDigest};`,
          '',
        ]
      : []),
  ].join('\n');
}
export * from './describe-domain.js';
