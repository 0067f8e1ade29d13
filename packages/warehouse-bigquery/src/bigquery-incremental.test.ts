import {
  buildProduct,
  defineDataProduct,
  digestTable,
  planIncremental,
  type Relation,
  renderBuildQuery,
  STATE_COLUMNS,
  sql,
  stagingTable,
  stateTable,
  type TableRef,
  type Warehouse,
  z,
} from '@retail-mesh/sdk';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bigqueryDialect } from './bigquery-dialect.js';
import { createBigQueryWarehouse } from './bigquery-warehouse.js';
import {
  type BigQueryStandIn,
  STAND_IN_TOKEN,
  type StandInField,
  type StandInQueryOutcome,
  startBigQueryStandIn,
} from './testing/bigquery-stand-in.js';
import { shop, tickets } from './testing/shop-fixtures.js';
import {
  type AnalyzerColumnType,
  type AnalyzerTable,
  closeZetaSqlServer,
  createAnalyzer,
} from './testing/zetasql-analyzer.js';

// An incremental product over a full-refresh upstream, on BigQuery: what a one-day change
// upstream makes the incremental build read. The stand-in is not a SQL engine: it answers the
// few reads planning makes, and the test pins every statement the build runs.
const PROJECT = 'retail-mesh-test';
const dialect = bigqueryDialect({ projectId: PROJECT });
/** Rebuilt whole by every build (every day restamped), partitioned by day. */
const sold = defineDataProduct({
  domain: shop,
  name: 'shop_sold',
  version: '1.0.0',
  description: 'Tickets by day.',
  tier: 'silver',
  refresh: 'hourly',
  access: 'confidential',
  schema: z.object({
    ticket_id: z.string().describe('Ticket'),
    store: z.string().describe('Store'),
    amount: z.number().meta({ type: 'decimal' }).describe('Amount'),
    sale_date: z.iso.date().describe('Day of the sale'),
  }),
  partitionBy: { column: 'sale_date' },
  inputs: { tickets },
  transform: ({ tickets }) =>
    sql`SELECT ticket_id, store, amount, DATE(sold_at) AS sale_date FROM ${tickets}`,
  checks: () => [],
});
const revenue = defineDataProduct({
  domain: shop,
  name: 'shop_revenue',
  version: '1.0.0',
  description: 'Revenue per day and store.',
  tier: 'gold',
  refresh: 'hourly',
  access: 'confidential',
  schema: z.object({
    sale_date: z.iso.date().describe('Day'),
    store: z.string().describe('Store'),
    revenue: z.number().meta({ type: 'decimal' }).describe('Revenue'),
  }),
  partitionBy: { column: 'sale_date' },
  materialization: 'incremental',
  incremental: { sold: 'sale_date' },
  inputs: { sold },
  transform: ({ sold }) => sql`SELECT sale_date, store, SUM(amount) AS revenue FROM ${sold} GROUP BY 1, 2`,
  checks: (c) => [c.table.uniqueCombination(['sale_date', 'store']), c.revenue.range({ min: 0 })],
});

const TYPES: Record<string, string> = {
  STRING: 'STRING',
  INT64: 'INTEGER',
  NUMERIC: 'NUMERIC',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
};
const fields = (columns: Relation['columns']): StandInField[] =>
  columns.map((c) => ({ name: c.name, type: TYPES[dialect.columnType(c.type)]! }));
const name = (ref: TableRef) => dialect.tableName(ref);
const DAYS = ['2024-05-01', '2024-05-02', '2024-05-03'];

let standIn: BigQueryStandIn;
let warehouse: Warehouse;

beforeEach(async () => {
  standIn = await startBigQueryStandIn({ projectId: PROJECT, location: 'EU' });
  warehouse = await createBigQueryWarehouse({
    projectId: PROJECT,
    location: 'EU',
    apiEndpoint: standIn.url,
    accessToken: STAND_IN_TOKEN,
  });
});
afterEach(async () => {
  await warehouse.close();
  await standIn.close();
});
afterAll(() => closeZetaSqlServer());

describe('incremental builds on BigQuery', () => {
  it('reads only the changed day of a full-refresh upstream, planning from its day digest', async () => {
    // The upstream as its last build left it: 100 tickets a day, and the digest kept then.
    const publishUpstream = () =>
      standIn.putTable('shop', sold.table.name, {
        schema: fields(sold.publishedColumns),
        rows: Array.from({ length: 300 }, (_, i) => [
          `T${i}`,
          'S1',
          '1',
          DAYS[i % 3],
          'shop',
          'shop_sold',
          '1.0.0',
          '1',
        ]),
        metadata: { timePartitioning: { type: 'DAY', field: 'sale_date' } },
      });
    let fingerprints = ['f1', 'f2', 'f3'];
    const digestRows = async () => {
      const stats = await warehouse.tableStats(sold.table);
      return [
        ['_table', null, String(stats!.rowCount), stats!.lastModified!.toISOString(), ''],
        ...DAYS.map((d, i) => ['_day', d, '100', null, fingerprints[i]!]),
      ];
    };
    publishUpstream();
    let digest = await digestRows();
    // What the last build of the product kept: the digest's days, under its build query.
    const { select } = renderBuildQuery(revenue, dialect);
    let state: unknown[][] = [];
    const sent: string[] = [];
    standIn.onQuery((query, _params, context): StandInQueryOutcome | undefined => {
      if (!context.dryRun) sent.push(query);
      if (context.dryRun) return { totalBytesProcessed: 1_000 };
      if (query === `SELECT * FROM ${name(digestTable(sold.table))}`)
        return { schema: fields(STATE_COLUMNS), rows: digest };
      if (query.startsWith("SELECT 'state' AS `_kind`"))
        return {
          schema: [
            { name: '_kind', type: 'STRING' },
            ...fields(STATE_COLUMNS),
            { name: '_published_version', type: 'STRING' },
            { name: '_published_rows', type: 'INTEGER' },
          ],
          // The published table holds the rows the state says it did.
          rows: state.map((r) => ['state', ...r, '1.0.0', '9']),
        };
      if (query.startsWith('SELECT COUNT(*)'))
        return { schema: [{ name: 'n', type: 'INTEGER' }], rows: [[9]] };
      if (query.startsWith('SELECT `s`.`row_count`'))
        return {
          schema: ['row_count', 'check_0', 'check_1'].map((n) => ({ name: n, type: 'INTEGER' })),
          rows: [[9, 0, 0]],
        };
      if (/^(DELETE|INSERT)/.test(query)) return { numDmlAffectedRows: 3 };
      return undefined;
    });
    const whole = await planIncremental(warehouse, revenue, select, { fullRefresh: true });
    const hash = /'([0-9a-f]{64})'/.exec(whole.update?.kind === 'whole' ? whole.update.select : '')![1]!;
    state = [
      ['_build_query', null, '0', null, hash],
      ['_published_rows', null, '9', null, ''],
      ...DAYS.map((d, i) => ['sold', d, '100', null, fingerprints[i]]),
    ];
    standIn.putTable('shop', revenue.table.name, {
      schema: fields(revenue.publishedColumns),
      rows: [],
      metadata: { timePartitioning: { type: 'DAY', field: 'sale_date' } },
    });

    // The upstream rebuilt whole, one day's rows changed: a new table, and a new digest.
    sent.length = 0;
    publishUpstream();
    fingerprints = ['f1', 'f2-changed', 'f3'];
    digest = await digestRows();
    const outcome = await buildProduct(warehouse, revenue, { runId: 'run-2' });
    expect(outcome.error).toBeUndefined();
    expect(outcome.incremental).toEqual({
      mode: 'partitions',
      partitions: ['2024-05-02'],
      hashedDays: 0,
      inPlace: false,
    });

    // Every statement the build ran, in order. Only one reads the upstream's rows, and only
    // the changed day of them; the rest read the small digest and state tables, or the
    // product's own staging table (its checks).
    const staging = name(stagingTable(revenue));
    const reads = (ref: TableRef) => sent.filter((q) => q.includes(name(ref)));
    expect(reads(sold.table)).toHaveLength(1);
    const [rebuild] = reads(sold.table);
    expect(rebuild).toMatch(new RegExp(`^INSERT INTO ${staging.replaceAll('.', '\\.')} `));
    // The filter on the partition column, over the transform: BigQuery pushes it through the
    // GROUP BY on that column to the upstream's scan, which prunes to the day's partition.
    expect(rebuild).toContain(
      "FROM `retail-mesh-test`.`shop`.`shop_sold` GROUP BY 1, 2) AS q) AS b WHERE (`b`.`sale_date` IN (CAST('2024-05-02' AS DATE)))",
    );
    const stateStaging = name({ schema: 'shop', name: '_staging_state_shop_revenue' });
    const head = (q: string) => q.replace(/\s+/g, ' ').slice(0, 60);
    expect(sent.slice(0, 8).map(head)).toEqual(
      [
        `SELECT * FROM ${name(digestTable(sold.table))}`,
        "SELECT 'state' AS `_kind`, `r`.`input`, `r`.`day`, `r`.`row_count`",
        `DELETE FROM ${staging} WHERE \`sale_date\` IN (DATE '2024-05-02')`,
        `INSERT INTO ${staging} (\`sale_date\`, \`store\``,
        `SELECT COUNT(*) AS n FROM ${staging}`,
        // The state staged once the product's rows are: it keeps their count.
        `CREATE OR REPLACE TABLE ${stateStaging} (`,
        `SELECT COUNT(*) AS n FROM ${stateStaging}`,
        'SELECT `s`.`row_count` AS `row_count`, `s`.`nn_0` AS `nn_0`, ',
      ].map(head),
    );
    // Then the run log.
    expect(sent.slice(8).every((q) => q.includes('`_mesh`'))).toBe(true);
    // The product's unique key and range check run on the rebuilt day only.
    expect(sent[7]).toContain("`t`.`sale_date` IN (CAST('2024-05-02' AS DATE))");
    // The published product is read only by the state's version probe; the state whole (small).
    expect(reads(revenue.table).every((q) => q.startsWith("SELECT 'state'"))).toBe(true);
    expect(reads(stateTable(revenue))).toHaveLength(2);

    // Each is GoogleSQL as BigQuery reads it.
    const table = (ref: TableRef, columns: Relation['columns']): AnalyzerTable => ({
      path: [PROJECT, ref.schema, ref.name],
      columns: columns.map((c) => ({ name: c.name, type: dialect.columnType(c.type) as AnalyzerColumnType })),
    });
    const analyzer = await createAnalyzer([
      table(sold.table, sold.publishedColumns),
      table(revenue.table, revenue.publishedColumns),
      table(stagingTable(revenue), revenue.publishedColumns),
      table(stateTable(revenue), STATE_COLUMNS),
      table({ schema: 'shop', name: '_staging_state_shop_revenue' }, STATE_COLUMNS),
      table(digestTable(sold.table), STATE_COLUMNS),
    ]);
    try {
      expect((await analyzer.analyzeAll(sent.slice(0, 8))).filter((r) => !r.ok)).toEqual([]);
    } finally {
      await analyzer.close();
    }
  });

  it('keeps the day digest of an upstream after its publish, naming the version of the table it read', async () => {
    const sent: string[] = [];
    standIn.onQuery((query, _params, context): StandInQueryOutcome | undefined => {
      if (context.dryRun) return { schema: fields(sold.columns), totalBytesProcessed: 1_000 };
      sent.push(query);
      const created = /^CREATE OR REPLACE TABLE `[^`]+`\.`([^`]+)`\.`([^`]+)`/.exec(query);
      if (created) {
        const digest = created[2]!.startsWith('_days_');
        standIn.putTable(created[1]!, created[2]!, {
          schema: fields(digest ? STATE_COLUMNS : sold.publishedColumns),
          rows: [],
          metadata: digest ? {} : { timePartitioning: { type: 'DAY', field: 'sale_date' } },
        });
        return { statementType: 'CREATE_TABLE_AS_SELECT' };
      }
      if (query.startsWith('SELECT COUNT(*)'))
        return { schema: [{ name: 'n', type: 'INTEGER' }], rows: [[300]] };
      if (query.startsWith('SELECT `s`.`row_count`'))
        return { schema: [{ name: 'row_count', type: 'INTEGER' }], rows: [[300]] };
      return undefined;
    });
    const outcome = await buildProduct(warehouse, sold, { runId: 'run-1', dayDigest: true });
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe('published');
    const digest = sent.filter((q) =>
      q.startsWith(`CREATE OR REPLACE TABLE ${name(digestTable(sold.table))}`),
    );
    expect(digest).toHaveLength(1);
    // Read from the published table after the copy, with the table's version as its header.
    const published = await warehouse.tableStats(sold.table);
    expect(digest[0]).toContain(
      `FROM ${name(sold.table)} AS t GROUP BY \`t\`.\`sale_date\` UNION ALL SELECT CAST('_table' AS STRING) AS \`input\`, CAST(NULL AS DATE) AS \`day\`, CAST(${published!.rowCount} AS INT64) AS \`row_count\`, CAST('${published!.lastModified!.toISOString()}' AS STRING) AS \`marker\``,
    );
    expect(sent.indexOf(digest[0]!)).toBeGreaterThan(
      sent.findIndex((q) => q.startsWith('SELECT `s`.`row_count`')),
    );
    expect(standIn.table('shop', '_days_shop_sold')).toBeDefined();
  });
});
