import { createHash } from 'node:crypto';
import { BigQuery } from '@google-cloud/bigquery';
import {
  buildProduct,
  compileChecks,
  defineDataProduct,
  inJobScope,
  productLayout,
  type Relation,
  renderBuildQuery,
  sql,
  stagingLayout,
  stagingTable,
  type Warehouse,
  z,
} from '@retail-mesh/sdk';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTableStatement } from './bigquery-ddl.js';
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
import { type AnalyzerColumnType, closeZetaSqlServer, createAnalyzer } from './testing/zetasql-analyzer.js';

const PROJECT = 'retail-mesh-test';

/** The label recording a reader the platform granted (as the adapter names it). */
const readerLabel = (member: string) =>
  `mesh-reader-${createHash('sha256').update(member).digest('hex').slice(0, 16)}`;
const API = `/bigquery/v2/projects/${PROJECT}`;

const salesSchema = tickets.schema.extend({ ticket_id: z.string().describe('Ticket').meta({ key: true }) });
/** A product of tickets, as most tests build it; variants change its name, schema or filter. */
const ticketProduct = (name: string, description: string, schema = salesSchema, where = '') =>
  defineDataProduct({
    domain: shop,
    name,
    version: '2.1.0',
    description,
    tier: 'gold',
    refresh: 'hourly',
    access: 'public',
    consumers: ['store'],
    schema,
    partitionBy: { column: 'sold_at' },
    clusterBy: ['store'],
    inputs: { tickets },
    transform: ({ tickets }) =>
      sql`SELECT ticket_id, store, amount, sold_at FROM ${tickets}${sql.raw(where)}`,
    checks: (c) => [c.ticket_id.unique(), c.ticket_id.notNull()],
  });
const sales = ticketProduct('shop_sales', 'Sales per ticket.');

const dialect = bigqueryDialect({ projectId: PROJECT });
const TYPES: Record<string, string> = {
  STRING: 'STRING',
  INT64: 'INTEGER',
  FLOAT64: 'FLOAT',
  NUMERIC: 'NUMERIC',
  BOOL: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
};
/** The columns as the ZetaSQL analyzer's catalog takes them. */
const fieldsOfAnalyzer = (relation: Relation, published = false) =>
  (published && relation.kind === 'data-product' ? relation.publishedColumns : relation.columns).map((c) => ({
    name: c.name,
    type: dialect.columnType(c.type) as AnalyzerColumnType,
  }));
const fieldsOf = (relation: Relation, published = false): StandInField[] =>
  (published && relation.kind === 'data-product' ? relation.publishedColumns : relation.columns).map((c) => ({
    name: c.name,
    type: TYPES[dialect.columnType(c.type)]!,
  }));

let standIn: BigQueryStandIn;
let warehouse: Warehouse;
let checkRow: Record<string, number>;
const inserted: Array<Record<string, unknown>> = [];

/** Plays BigQuery's part for the statements a build sends: the stand-in is not a SQL engine. */
function respond(query: string, params: unknown, context: { dryRun: boolean }): StandInQueryOutcome {
  if (context.dryRun) return { schema: fieldsOf(sales), totalBytesProcessed: 73_400_320 };
  const created = /^CREATE OR REPLACE TABLE `([^`]+)`\.`([^`]+)`\.`([^`]+)`/.exec(query);
  if (created) {
    // What the DDL's PARTITION BY, CLUSTER BY and OPTIONS give the new table.
    standIn.putTable(
      created[2]!,
      created[3]!,
      {
        schema: fieldsOf(sales, true),
        rows: [],
        metadata: {
          timePartitioning: { type: 'DAY', field: 'sold_at' },
          clustering: { fields: ['store'] },
          description: 'Sales per ticket.',
          labels: { domain: 'shop', product: 'shop_sales', tier: 'gold', version: '2-1-0' },
        },
      },
      created[1],
    );
    return { totalBytesProcessed: 52_428_800, statementType: 'CREATE_TABLE_AS_SELECT' };
  }
  if (query.startsWith('SELECT COUNT(*) AS n FROM'))
    return { schema: [{ name: 'n', type: 'INTEGER' }], rows: [[3]] };
  if (query.startsWith('SELECT `s`.`row_count`')) {
    return {
      schema: Object.keys(checkRow).map((name) => ({ name, type: 'INTEGER' })),
      rows: [Object.values(checkRow)],
    };
  }
  if (query.startsWith('INSERT INTO')) {
    inserted.push(params as Record<string, unknown>);
    return { numDmlAffectedRows: 1 };
  }
  return undefined;
}

beforeEach(async () => {
  standIn = await startBigQueryStandIn({ projectId: PROJECT, location: 'EU' });
  standIn.onQuery(respond);
  inserted.length = 0;
  checkRow = { row_count: 3, nn_0: 3, nn_1: 3, nn_2: 3, nn_3: 3, check_0: 0, check_1: 0 };
  warehouse = await createBigQueryWarehouse({
    projectId: PROJECT,
    location: 'EU',
    apiEndpoint: standIn.url,
    accessToken: STAND_IN_TOKEN,
    access: {
      organizationDomain: 'retail.example',
      consumerGroups: { store: 'store-analytics@retail.example' },
    },
  });
});

afterEach(async () => {
  await warehouse.close();
  await standIn.close();
});
afterAll(() => closeZetaSqlServer());

const queries = () =>
  standIn
    .find('POST', `${API}/jobs`)
    .map((r) => (r.body as { configuration: { query?: { query: string }; dryRun?: boolean } }).configuration);

describe('bigquery warehouse against the REST stand-in', () => {
  it('creates a domain dataset with labels and owner access, then keeps it up to date', async () => {
    await warehouse.ensureDomain(shop);
    const insert = standIn.find('POST', `${API}/datasets`);
    expect(insert).toHaveLength(1);
    expect(insert[0]!.headers.authorization).toBe(`Bearer ${STAND_IN_TOKEN}`);
    expect(insert[0]!.body).toEqual({
      datasetReference: { datasetId: 'shop' },
      projectId: PROJECT,
      location: 'EU',
      description: 'Point of sale',
      labels: { domain: 'shop', owner: 'shop-data', 'data-mesh': 'true' },
      access: [
        { role: 'OWNER', specialGroup: 'projectOwners' },
        { role: 'OWNER', groupByEmail: 'shop-data@retail.example' },
      ],
    });
    // Someone grants a reader outside the platform; the next ensureDomain keeps it.
    await new BigQuery({ ...standIn.clientOptions(), projectId: PROJECT }).dataset('shop').setMetadata({
      access: [
        { role: 'OWNER', specialGroup: 'projectOwners' },
        { role: 'OWNER', groupByEmail: 'shop-data@retail.example' },
        { role: 'READER', groupByEmail: 'auditors@retail.example' },
      ],
    });
    await warehouse.ensureDomain(shop);
    expect(standIn.find('POST', `${API}/datasets`)).toHaveLength(1);
    expect(standIn.dataset('shop')?.access).toEqual([
      { role: 'OWNER', specialGroup: 'projectOwners' },
      { role: 'OWNER', groupByEmail: 'shop-data@retail.example' },
      { role: 'READER', groupByEmail: 'auditors@retail.example' },
    ]);
  });

  it('changes a dataset only when it differs from what the domain asks, with its etag', async () => {
    await warehouse.ensureDomain(shop);
    const patches = () => standIn.find('PATCH', `${API}/datasets/shop`);
    for (let i = 0; i < 3; i++) await warehouse.ensureDomain(shop);
    expect(patches()).toEqual([]);
    // The domain's description changes: one PATCH, conditional on the dataset read.
    const etag = standIn.dataset('shop')?.etag;
    await warehouse.ensureDomain({ ...shop, description: 'Point of sale, every till' });
    expect(patches()).toHaveLength(1);
    expect(patches()[0]!.headers['if-match']).toBe(etag);
    expect(patches()[0]!.body).toMatchObject({ description: 'Point of sale, every till' });
    expect(patches()[0]!.body).not.toHaveProperty('access');
    await warehouse.ensureDomain({ ...shop, description: 'Point of sale, every till' });
    expect(patches()).toHaveLength(1);
  });

  it('publishes through a partitioned, clustered, labelled staging table and an atomic copy', async () => {
    const outcome = await buildProduct(warehouse, sales, { runId: 'run-1' });
    expect(outcome.error).toBeUndefined();
    expect(outcome).toMatchObject({ status: 'published', rowCount: 3, bytesProcessed: 52_428_800 });

    const staging = stagingTable(sales);
    const { transform, select } = renderBuildQuery(sales, dialect);
    const product = queries().filter((q) => !q.query?.query.includes('`_mesh`'));
    const [describe] = product;
    const [materialize, count, checks] = product.filter((q) => !q.dryRun);
    expect(describe).toMatchObject({ dryRun: true, query: { query: transform, useLegacySql: false } });
    // Each job that reads data is priced by a dry run of the same statement first, then capped
    // (twice the estimate, at least 1 GiB), labelled and given a timeout.
    for (const job of [materialize, count, checks]) {
      const at = product.indexOf(job!);
      expect(product[at - 1]).toMatchObject({ dryRun: true, query: { query: job!.query!.query } });
      expect(job).toMatchObject({
        query: { maximumBytesBilled: String(1024 ** 3) },
        jobTimeoutMs: String(6 * 3600 * 1000),
      });
    }
    // The staging table: the product's layout, no readers, deleted by BigQuery after a day.
    const expires = /expiration_timestamp=TIMESTAMP '([^']+)'/.exec(materialize?.query?.query ?? '')?.[1];
    expect(Date.parse(expires!) - Date.now()).toBeGreaterThan(23 * 3600_000);
    expect(Date.parse(expires!) - Date.now()).toBeLessThan(24 * 3600_000 + 60_000);
    expect(materialize?.query?.query).toBe(
      createTableStatement(
        dialect,
        staging,
        { ...stagingLayout(sales), expiresAt: new Date(expires!) },
        { select },
      ),
    );
    expect(materialize?.query?.query).toContain(
      'PARTITION BY TIMESTAMP_TRUNC(`sold_at`, DAY)\nCLUSTER BY `store`',
    );
    expect(materialize?.query?.query).toContain(
      "labels=[('domain', 'shop'), ('product', 'shop_sales'), ('tier', 'gold'), ('version', '2-1-0')]",
    );
    expect(count?.query?.query).toBe(
      'SELECT COUNT(*) AS n FROM `retail-mesh-test`.`shop`.`_staging_shop_sales`',
    );
    // A staging table of a few rows: its columns counted in one scan.
    expect(checks?.query?.query).toBe(
      compileChecks(sales, sales.checks, dialect, (r) => (r === sales ? staging : r.table), {
        nullCounting: 'scan',
      }).sql,
    );

    // Readers by access model (public: the organisation and the named consumer's group), on
    // the published table only, once its checks passed: the staging table never had any.
    const grants = standIn.find('POST', `${API}/datasets/shop/tables/*:setIamPolicy`);
    expect(grants.map((g) => [g.path.split('/').at(-1), g.body])).toEqual([
      [
        'shop_sales:setIamPolicy',
        {
          policy: {
            etag: expect.any(String),
            bindings: [
              {
                role: 'roles/bigquery.dataViewer',
                members: ['domain:retail.example', 'group:store-analytics@retail.example'],
              },
            ],
          },
        },
      ],
    ]);
    // What the copy did: the checks ran on the staging table before any grant.
    const order = standIn.requests
      .filter((r) => r.path.endsWith(':setIamPolicy') || r.path.endsWith('/jobs'))
      .map((r) =>
        r.path.endsWith(':setIamPolicy')
          ? 'grant'
          : (r.body as { configuration: { copy?: unknown } }).configuration.copy
            ? 'copy'
            : 'query',
      );
    expect(order.indexOf('grant')).toBeGreaterThan(order.indexOf('copy'));
    const copy = standIn
      .find('POST', `${API}/jobs`)
      .map((r) => (r.body as { configuration: { copy?: unknown } }).configuration.copy)
      .filter(Boolean);
    expect(copy).toEqual([
      {
        sourceTable: { projectId: PROJECT, datasetId: 'shop', tableId: '_staging_shop_sales' },
        destinationTable: { projectId: PROJECT, datasetId: 'shop', tableId: 'shop_sales' },
        writeDisposition: 'WRITE_TRUNCATE',
        createDisposition: 'CREATE_IF_NEEDED',
      },
    ]);
    expect(standIn.find('DELETE', `${API}/datasets/shop/tables/_staging_shop_sales`)).toHaveLength(1);
    expect(standIn.table('shop', 'shop_sales')?.resource).toMatchObject({
      labels: {
        domain: 'shop',
        product: 'shop_sales',
        tier: 'gold',
        version: '2-1-0',
        // The readers the platform granted, recorded: a later publish revokes only those.
        [readerLabel('domain:retail.example')]: 'dataviewer',
        [readerLabel('group:store-analytics@retail.example')]: 'dataviewer',
      },
      description: 'Sales per ticket.',
      timePartitioning: { type: 'DAY', field: 'sold_at' },
      clustering: { fields: ['store'] },
    });
    expect(standIn.table('shop', 'shop_sales')?.policy).toMatchObject({
      bindings: [
        {
          role: 'roles/bigquery.dataViewer',
          members: ['domain:retail.example', 'group:store-analytics@retail.example'],
        },
      ],
    });
    expect(standIn.table('shop', '_staging_shop_sales')).toBeUndefined();
    expect(inserted).toEqual([
      expect.objectContaining({
        run_id: 'run-1',
        product: 'shop_sales',
        status: 'published',
        row_count: 3,
        bytes_processed: 52_428_800,
      }),
    ]);
  });

  it('sends no dataset PATCH and no grant when it rebuilds what did not change', async () => {
    expect((await buildProduct(warehouse, sales, { runId: 'run-1' })).status).toBe('published');
    standIn.clear();
    expect((await buildProduct(warehouse, sales, { runId: 'run-2' })).status).toBe('published');
    expect(standIn.requests.filter((r) => r.method === 'PATCH' && /\/datasets\/[^/]+$/.test(r.path))).toEqual(
      [],
    );
    expect(standIn.find('POST', `${API}/datasets/shop/tables/*:setIamPolicy`)).toEqual([]);
    // The copy replaced the rows; labels, description and schema were already right.
    expect(standIn.find('PATCH', `${API}/datasets/shop/tables/shop_sales`)).toEqual([]);
  });

  it('leaves the published table untouched when a blocking check fails', async () => {
    standIn.putTable('shop', 'shop_sales', {
      schema: fieldsOf(sales, true),
      rows: [['T1', 'S1', '9.5', '1700000000000000', 'shop', 'shop_sales', '2.0.0', '1700000000000000']],
    });
    const before = standIn.table('shop', 'shop_sales');
    checkRow = { ...checkRow, check_0: 2 };
    const outcome = await buildProduct(warehouse, sales, { runId: 'run-2' });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatchObject({
      code: 'checks-failed',
      subject: { product: 'shop_sales', column: 'ticket_id', check: 'ticket_id_unique' },
    });
    const copies = standIn
      .find('POST', `${API}/jobs`)
      .filter((r) => (r.body as { configuration: { copy?: unknown } }).configuration.copy);
    expect(copies).toEqual([]);
    expect(standIn.table('shop', 'shop_sales')).toEqual(before);
    expect(standIn.table('shop', '_staging_shop_sales')).toBeUndefined();
    expect(inserted.at(-1)).toMatchObject({ run_id: 'run-2', status: 'failed', error_code: 'checks-failed' });
  });

  it('narrows readers to those of both versions while the rows change, and keeps every grant made elsewhere', async () => {
    const client = new BigQuery({ ...standIn.clientOptions(), projectId: PROJECT });
    const published = client.dataset('shop').table('shop_sales');
    standIn.putTable('shop', 'shop_sales', {
      schema: fieldsOf(sales, true),
      metadata: {
        // The platform granted the organisation (and once a group someone has since removed by
        // hand); an auditor was granted by hand.
        labels: {
          [readerLabel('domain:retail.example')]: 'dataviewer',
          [readerLabel('group:gone@retail.example')]: 'dataviewer',
        },
      },
    });
    standIn.putTable('shop', '_staging_shop_sales', { schema: fieldsOf(sales, true) });
    await published.setIamPolicy({
      bindings: [
        {
          role: 'roles/bigquery.dataViewer',
          members: ['domain:retail.example', 'user:auditor@retail.example'],
        },
        { role: 'roles/bigquery.dataEditor', members: ['serviceAccount:loader@p.iam.gserviceaccount.com'] },
      ],
    });
    standIn.clear();
    // The new version is restricted to its consumer's group; the first attempt at the policy
    // meets a concurrent change of it.
    standIn.failNext('POST', `${API}/datasets/shop/tables/shop_sales:setIamPolicy`, {
      code: 409,
      reason: 'aborted',
      message: 'There were concurrent policy changes.',
    });
    const result = await warehouse.promote(
      { schema: 'shop', name: '_staging_shop_sales' },
      { schema: 'shop', name: 'shop_sales' },
      {
        ...stagingLayout(sales),
        access: 'restricted',
        consumers: ['store'],
      },
    );
    expect(result?.warnings).toEqual([]);
    const steps = standIn.requests
      .filter(
        (r) =>
          r.method === 'POST' && (r.path.endsWith('shop_sales:setIamPolicy') || r.path.endsWith('/jobs')),
      )
      .map((r) =>
        r.path.endsWith('/jobs')
          ? 'copy'
          : (r.body as { policy: { bindings: Array<{ role: string; members: string[] }> } }).policy.bindings
              .filter((b) => b.role === 'roles/bigquery.dataViewer')
              .flatMap((b) => b.members),
      );
    // Before the copy: the organisation (the platform's, not wanted now) loses access; the
    // refused attempt is read again and retried; after the copy the consumer's group is granted.
    expect(steps).toEqual([
      ['user:auditor@retail.example'],
      ['user:auditor@retail.example'],
      'copy',
      ['user:auditor@retail.example', 'group:store-analytics@retail.example'],
    ]);
    const [policy] = await published.getIamPolicy();
    expect(policy.bindings).toEqual([
      { role: 'roles/bigquery.dataEditor', members: ['serviceAccount:loader@p.iam.gserviceaccount.com'] },
      {
        role: 'roles/bigquery.dataViewer',
        members: ['user:auditor@retail.example', 'group:store-analytics@retail.example'],
      },
    ]);
    const labels = standIn.table('shop', 'shop_sales')?.resource.labels as Record<string, string>;
    expect(Object.keys(labels).filter((k) => k.startsWith('mesh-reader-'))).toEqual([
      readerLabel('group:store-analytics@retail.example'),
    ]);
    expect(standIn.table('shop', '_staging_shop_sales')).toBeUndefined();
  });

  it("tags the PII columns with their domain's policy tag on the staging table, before any reader", async () => {
    const tag = 'projects/retail-mesh-test/locations/eu/taxonomies/7/policyTags/9';
    const tagged = await createBigQueryWarehouse({
      projectId: PROJECT,
      location: 'EU',
      apiEndpoint: standIn.url,
      accessToken: STAND_IN_TOKEN,
      access: { organizationDomain: 'retail.example' },
      policyTags: { shop: tag },
    });
    const pii = ticketProduct(
      'shop_sales',
      'Sales per ticket.',
      salesSchema.extend({ store: z.string().describe('Store').meta({ pii: true }) }),
    );
    expect((await buildProduct(tagged, pii, { runId: 'run-1' })).status).toBe('published');
    const tagsOf = () => {
      const schema = standIn.table('shop', 'shop_sales')?.resource.schema as
        | { fields: Array<Record<string, unknown>> }
        | undefined;
      return (schema?.fields ?? []).filter((f) => f.policyTags).map((f) => [f.name, f.policyTags]);
    };
    expect(tagsOf()).toEqual([['store', { names: [tag] }]]);
    // The staging table was tagged before the copy; the published one was granted after it.
    const steps = standIn.requests
      .filter(
        (r) =>
          (r.method === 'PATCH' && r.path.endsWith('/_staging_shop_sales')) ||
          r.path.endsWith('shop_sales:setIamPolicy') ||
          (r.path.endsWith('/jobs') && (r.body as { configuration: { copy?: unknown } }).configuration.copy),
      )
      .map((r) => (r.method === 'PATCH' ? 'tag staging' : r.path.endsWith('/jobs') ? 'copy' : 'grant'));
    expect(steps).toEqual(['tag staging', 'copy', 'grant']);
    // Built again: the copy keeps the tags, nothing to PATCH on the published table.
    standIn.clear();
    expect((await buildProduct(tagged, pii, { runId: 'run-2' })).status).toBe('published');
    expect(tagsOf()).toEqual([['store', { names: [tag] }]]);
    expect(standIn.find('PATCH', `${API}/datasets/shop/tables/shop_sales`)).toEqual([]);
  });

  it('stages an incremental rebuild from a free copy of the published table, replacing only the changed days', async () => {
    const sent: Array<{ query: string; dryRun: boolean }> = [];
    standIn.onQuery((query, _params, context) => {
      sent.push({ query, dryRun: context.dryRun });
      if (context.dryRun) return { totalBytesProcessed: query.startsWith('INSERT') ? 4_096 : 0 };
      if (query.startsWith('SELECT COUNT(*)'))
        return { schema: [{ name: 'n', type: 'INTEGER' }], rows: [[7]] };
      return { totalBytesProcessed: query.startsWith('INSERT') ? 4_096 : 0, numDmlAffectedRows: 2 };
    });
    standIn.putTable('shop', 'shop_sales', {
      schema: fieldsOf(sales, true),
      rows: [['T1', 'S1', '9.5', '1700000000000000', 'shop', 'shop_sales', '2.1.0', '1700000000000000']],
      metadata: { timePartitioning: { type: 'DAY', field: 'sold_at' } },
    });
    const staging = stagingTable(sales);
    const rebuilt = `SELECT * FROM (${renderBuildQuery(sales, dialect).select}) AS b WHERE DATE(\`b\`.\`sold_at\`) IN (DATE '2024-05-01')`;
    const layout = stagingLayout(sales);
    const result = await (
      warehouse as Warehouse & {
        stagePartitions: (...args: unknown[]) => Promise<{ rowCount: number; bytesProcessed?: number }>;
      }
    ).stagePartitions(
      staging,
      sales.table,
      { column: 'sold_at', days: ['2024-05-01', null] },
      rebuilt,
      layout,
    );
    expect(result).toEqual({ rowCount: 7, bytesProcessed: 4_096 });
    // The copy: the published rows into staging, billed nothing, expiring as staging does.
    const copies = standIn
      .find('POST', `${API}/jobs`)
      .map((r) => (r.body as { configuration: { copy?: Record<string, unknown> } }).configuration.copy)
      .filter(Boolean);
    expect(copies).toEqual([
      {
        sourceTable: { projectId: PROJECT, datasetId: 'shop', tableId: 'shop_sales' },
        destinationTable: { projectId: PROJECT, datasetId: 'shop', tableId: '_staging_shop_sales' },
        writeDisposition: 'WRITE_TRUNCATE',
        createDisposition: 'CREATE_IF_NEEDED',
        destinationExpirationTime: layout.expiresAt!.toISOString(),
      },
    ]);
    // Then only the changed day (and the rows without one) replaced, by literal day: both
    // statements prune to those partitions; none reads the published table again.
    const names = sales.publishedColumns.map((c) => `\`${c.name}\``).join(', ');
    const run = sent.filter((q) => !q.dryRun).map((q) => q.query);
    expect(run).toEqual([
      "DELETE FROM `retail-mesh-test`.`shop`.`_staging_shop_sales` WHERE DATE(`sold_at`) IN (DATE '2024-05-01') OR `sold_at` IS NULL",
      `INSERT INTO \`retail-mesh-test\`.\`shop\`.\`_staging_shop_sales\` (${names})\nSELECT ${names} FROM (${rebuilt}) AS s`,
      'SELECT COUNT(*) AS n FROM `retail-mesh-test`.`shop`.`_staging_shop_sales`',
    ]);
    expect(run.some((q) => q.includes('`shop`.`shop_sales`'))).toBe(false);
    expect(standIn.find('POST', `${API}/datasets/shop/tables/_staging_shop_sales:setIamPolicy`)).toEqual([]);
    // Both statements are GoogleSQL as BigQuery reads it.
    const analyzer = await createAnalyzer([
      { path: [PROJECT, 'shop', '_staging_shop_sales'], columns: fieldsOfAnalyzer(sales, true) },
      { path: [PROJECT, 'shop', 'raw_tickets'], columns: fieldsOfAnalyzer(tickets) },
    ]);
    try {
      expect((await analyzer.analyzeAll(run.slice(0, 2))).filter((r) => !r.ok)).toEqual([]);
    } finally {
      await analyzer.close();
    }
  });

  it('reports what failed after the copy as warnings: the rows are published', async () => {
    standIn.putTable('shop', '_staging_shop_sales', { schema: fieldsOf(sales, true) });
    standIn.failNext('POST', `${API}/datasets/shop/tables/shop_sales:setIamPolicy`, {
      code: 403,
      reason: 'accessDenied',
      message: 'Permission bigquery.tables.setIamPolicy denied',
    });
    standIn.failNext('DELETE', `${API}/datasets/shop/tables/_staging_shop_sales`, {
      code: 403,
      reason: 'accessDenied',
      message: 'Permission bigquery.tables.delete denied',
    });
    const result = await warehouse.promote(
      { schema: 'shop', name: '_staging_shop_sales' },
      { schema: 'shop', name: 'shop_sales' },
      productLayout(sales),
    );
    expect(standIn.table('shop', 'shop_sales')).toBeDefined();
    expect(result?.warnings).toEqual([
      expect.stringMatching(/^shop\.shop_sales: its readers were not granted: .*setIamPolicy denied/),
      expect.stringMatching(
        /^shop\.shop_sales: the staging table _staging_shop_sales was not removed \(it expires within a day\)/,
      ),
    ]);
  });

  it('lists the tables of a dataset, and none of a dataset that does not exist', async () => {
    for (const name of ['a', '_staging_x', 'c'])
      standIn.putTable('shop', name, { schema: [{ name: 'id', type: 'STRING' }] });
    expect((await warehouse.listTables('shop')).sort()).toEqual(['_staging_x', 'a', 'c']);
    expect(await warehouse.listTables('nowhere')).toEqual([]);
  });

  it('estimates bytes with a dry run, running nothing', async () => {
    const bytes = await (
      warehouse as Warehouse & { estimateBytes(s: string): Promise<number> }
    ).estimateBytes('SELECT 1');
    expect(bytes).toBe(73_400_320);
    const [job] = standIn.find('POST', `${API}/jobs`);
    expect(job?.body).toMatchObject({
      configuration: { dryRun: true, query: { query: 'SELECT 1', useLegacySql: false } },
    });
    expect(standIn.find('GET', `${API}/queries/*`)).toEqual([]);
  });

  it('streams typed rows page by page', async () => {
    standIn.onQuery(() => ({
      schema: [
        { name: 'id', type: 'INTEGER' },
        { name: 'price', type: 'NUMERIC' },
        { name: 'day', type: 'DATE' },
        { name: 'at', type: 'TIMESTAMP' },
        { name: 'ok', type: 'BOOLEAN' },
      ],
      rows: Array.from({ length: 5 }, (_, i) => [
        i + 1,
        `${i}.25`,
        `2024-01-0${i + 1}`,
        String(Date.UTC(2024, 0, i + 1) * 1000),
        i % 2 === 0,
      ]),
    }));
    const chunks = [];
    for await (const chunk of warehouse.stream('SELECT 1', { chunkSize: 2 })) chunks.push(chunk);
    expect(chunks.map((c) => c.length)).toEqual([2, 2, 1]);
    expect(chunks.flat()[4]).toEqual({
      id: 5,
      price: 4.25,
      day: '2024-01-05',
      at: new Date('2024-01-05T00:00:00Z'),
      ok: true,
    });
    const pages = standIn.find('GET', `${API}/queries/*`);
    expect(pages.map((p) => [p.query.maxResults, p.query.pageToken])).toEqual([
      ['2', undefined],
      ['2', (pages[0]!.response as { pageToken: string }).pageToken],
      ['2', (pages[1]!.response as { pageToken: string }).pageToken],
    ]);
  });

  it('reads a time with microseconds as DuckDB does: cut to the millisecond toward zero', async () => {
    // A typed read's where finds a row again by the Date it was read as (see readQuery), on
    // either warehouse: before 1970 a Date parsed from the text would floor instead.
    standIn.onQuery(() => ({
      schema: [{ name: 'at', type: 'TIMESTAMP' }],
      rows: [['1704103200123456'], ['-500'], ['-1500'], ['-2000'], ['1704103200000000']],
    }));
    const rows = [];
    for await (const chunk of warehouse.stream('SELECT 1')) rows.push(...chunk);
    expect(rows.map((r) => (r.at as Date).getTime())).toEqual([1704103200123, 0, -1, -2, 1704103200000]);
  });

  it('fetches a page only when the reader takes it, and none once it stops', async () => {
    standIn.onQuery(() => ({
      schema: [{ name: 'id', type: 'INTEGER' }],
      rows: Array.from({ length: 10 }, (_, i) => [i]),
    }));
    const pages = () => standIn.find('GET', `${API}/queries/*`);
    const iterator = warehouse.stream('SELECT 1', { chunkSize: 3 })[Symbol.asyncIterator]();
    expect(pages()).toHaveLength(0);
    expect((await iterator.next()).value).toEqual([{ id: 0 }, { id: 1 }, { id: 2 }]);
    expect(pages()).toHaveLength(1);
    expect((await iterator.next()).value).toEqual([{ id: 3 }, { id: 4 }, { id: 5 }]);
    expect(pages()).toHaveLength(2);
    await iterator.return?.();
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    // Two pages of three rows asked for and answered: never the whole result at once.
    expect(
      pages().map((p) => [p.query.maxResults, (p.response as { rows?: unknown[] }).rows?.length]),
    ).toEqual([
      ['3', 3],
      ['3', 3],
    ]);
  });

  it('reads a product row by row, fetching its pages as the rows are taken', async () => {
    const at = (day: number) => String(Date.UTC(2024, 0, day) * 1000);
    // The read asks beside its first page which version published the rows: this one.
    const probe = `SELECT \`_version\` AS \`v\` FROM \`${PROJECT}\`.\`shop\`.\`shop_sales\` LIMIT 1`;
    standIn.onQuery((query) =>
      query === probe
        ? { schema: [{ name: 'v', type: 'STRING' }], rows: [[sales.version]] }
        : {
            schema: [
              { name: 'ticket_id', type: 'STRING' },
              { name: 'store', type: 'STRING' },
              { name: 'amount', type: 'NUMERIC' },
              { name: 'sold_at', type: 'TIMESTAMP' },
            ],
            rows: Array.from({ length: 7 }, (_, i) => [`T${i}`, 'S1', `${i}.5`, at(i + 1)]),
          },
    );
    const rows = [];
    for await (const row of sales.read(warehouse, { chunkSize: 2 })) {
      rows.push(row);
      if (rows.length === 3) break;
    }
    expect(rows[2]).toEqual({
      ticket_id: 'T2',
      store: 'S1',
      amount: 2.5,
      sold_at: new Date('2024-01-03T00:00:00Z'),
    });
    const jobs = standIn
      .find('POST', `${API}/jobs`)
      .map((job) => (job.body as { configuration: { query: { query: string } } }).configuration.query.query);
    expect(new Set(jobs).size).toBe(2);
    expect(jobs).toContain(probe);
    const read = jobs.find((query) => query !== probe);
    expect(read).toMatch(/^SELECT `ticket_id`, `store`, `amount`, `sold_at` FROM .*shop_sales`$/);
    // Rows 1-2 from the first page, row 3 from the second; the third page was never asked for
    // (one more page is the probe's).
    expect(standIn.find('GET', `${API}/queries/*`)).toHaveLength(3);
  });

  it('reports table stats from table metadata, and nothing for a missing table', async () => {
    standIn.putTable('shop', 'shop_sales', {
      schema: [{ name: 'ticket_id', type: 'STRING' }],
      rows: [['T1'], ['T2'], ['T3']],
    });
    const stats = await warehouse.tableStats(sales.table);
    const [get] = standIn.find('GET', `${API}/datasets/shop/tables/shop_sales`);
    const resource = get!.response as Record<string, string>;
    expect(stats).toEqual({
      rowCount: 3,
      bytes: Number(resource.numBytes),
      lastModified: new Date(Number(resource.lastModifiedTime)),
    });
    expect(stats!.bytes).toBeGreaterThan(0);
    expect(await warehouse.tableStats({ schema: 'shop', name: 'nothing_here' })).toBeUndefined();
  });

  describe('cost guards, labels and retries', () => {
    const other = ticketProduct('shop_refunds', 'Refunds per ticket.', salesSchema, ' WHERE amount < 0');
    /** A product's build as buildMesh runs it: its jobs in its scope. */
    const build = (w: Warehouse, product: typeof sales, runId: string) =>
      inJobScope(w, { domain: 'shop', product: product.name, runId }, () =>
        buildProduct(w, product, { runId }),
      );
    const guarded = (options: Partial<Parameters<typeof createBigQueryWarehouse>[0]> = {}) =>
      createBigQueryWarehouse({
        projectId: PROJECT,
        location: 'EU',
        apiEndpoint: standIn.url,
        accessToken: STAND_IN_TOKEN,
        access: { organizationDomain: 'retail.example' },
        labels: { mesh_command: 'build' },
        retry: { attempts: 3, delayMs: 1 },
        ...options,
      });
    const run = () => queries().filter((q) => !q.dryRun);

    it('refuses a job whose dry run is over the per-job budget before anything runs, naming the product', async () => {
      const budgeted = await guarded({ maximumBytesBilled: 50_000_000 });
      const outcome = await build(budgeted, sales, 'run-9');
      expect(outcome).toMatchObject({
        status: 'failed',
        error: {
          code: 'over-budget',
          message:
            'shop.shop_sales would process 73.4 MB (dry run), over the per-job budget of 50.0 MB (maximumBytesBilled): nothing was run.',
          subject: { domain: 'shop', product: 'shop_sales' },
        },
      });
      expect(run().filter((q) => !q.query?.query.includes('`_mesh`'))).toEqual([]);
      expect(standIn.table('shop', '_staging_shop_sales')).toBeUndefined();
    });

    it('caps each job at twice its estimate, within the budget, and labels it with what it is for', async () => {
      const budgeted = await guarded({ maximumBytesBilled: 10 * 1024 ** 3 });
      standIn.onQuery((query, params, context) =>
        context.dryRun
          ? { schema: fieldsOf(sales), totalBytesProcessed: 3 * 1024 ** 3 }
          : respond(query, params, context),
      );
      const outcome = await build(budgeted, sales, 'run-7');
      expect(outcome?.status).toBe('published');
      const materialize = run().find((q) => q.query?.query.startsWith('CREATE OR REPLACE TABLE'));
      expect(materialize).toMatchObject({
        query: { maximumBytesBilled: String(6 * 1024 ** 3) },
        labels: {
          mesh_command: 'build',
          mesh_domain: 'shop',
          mesh_product: 'shop_sales',
          mesh_run_id: 'run-7',
        },
      });
      // Every job of the build carries the labels, its dry runs too (billing exports split by them).
      const jobs = standIn
        .find('POST', `${API}/jobs`)
        .map((r) => (r.body as { configuration: { labels?: Record<string, string> } }).configuration);
      expect(jobs.every((j) => j.labels?.mesh_command === 'build')).toBe(true);
      expect(jobs.filter((j) => j.labels?.mesh_product === 'shop_sales').length).toBeGreaterThan(5);
    });

    it('runs a job again after a rate limit or a backend error; one that fails for good stops its product only', async () => {
      const failures = new Map<string, number>();
      standIn.onQuery((query, params, context) => {
        if (!context.dryRun && query.startsWith('CREATE OR REPLACE TABLE')) {
          const product = /`(_staging_[a-z_]+)`/.exec(query)?.[1] ?? '';
          const n = (failures.get(product) ?? 0) + 1;
          failures.set(product, n);
          // shop_sales: twice a passing failure, then it runs; shop_refunds: always.
          if (product === '_staging_shop_refunds' || n <= 2)
            return {
              error:
                n % 2
                  ? {
                      code: 403,
                      reason: 'rateLimitExceeded',
                      message: 'Exceeded rate limits: too many table update operations',
                    }
                  : { code: 500, reason: 'backendError', message: 'Backend error. Please try again.' },
            };
        }
        return respond(query, params, context);
      });
      const w = await guarded();
      const outcomes = [await build(w, sales, 'run-5'), await build(w, other, 'run-5')];
      expect(outcomes.map((o) => [o.product.name, o.status])).toEqual([
        ['shop_sales', 'published'],
        ['shop_refunds', 'failed'],
      ]);
      expect(failures.get('_staging_shop_sales')).toBe(3);
      expect(failures.get('_staging_shop_refunds')).toBe(3);
      expect(outcomes[1]!.error?.message).toMatch(/Exceeded rate limits/);
    });

    it('does not run again a statement BigQuery refused for what it is', async () => {
      let runs = 0;
      standIn.onQuery(() => {
        runs++;
        return { error: { code: 400, reason: 'invalidQuery', message: 'Unrecognized name: nope' } };
      });
      await expect((await guarded()).query('SELECT nope FROM `x`.`y`.`z`')).rejects.toMatchObject({
        code: 'statement-failed',
      });
      // The dry run said so already: nothing ran.
      expect(runs).toBe(1);
    });
  });

  it('names the statement that BigQuery rejected', async () => {
    standIn.onQuery(() => ({
      error: { code: 400, reason: 'invalidQuery', message: 'Unrecognized name: nope at [1:8]' },
    }));
    await expect(warehouse.query('SELECT nope')).rejects.toMatchObject({
      code: 'statement-failed',
      message: expect.stringContaining('Unrecognized name: nope'),
    });
  });
  it("appends a run's health snapshots in one DML job and reads the history back typed", async () => {
    const sent: string[] = [];
    standIn.onQuery((query) => {
      sent.push(query);
      if (query.startsWith('INSERT INTO')) return { numDmlAffectedRows: 2 };
      if (query.includes('health_history') && query.startsWith('SELECT'))
        return {
          schema: [
            { name: 'at', type: 'TIMESTAMP' },
            { name: 'run_id', type: 'STRING' },
            { name: 'kind', type: 'STRING' },
            { name: 'product', type: 'STRING' },
            { name: 'domain', type: 'STRING' },
            { name: 'version', type: 'STRING' },
            { name: 'status', type: 'STRING' },
            { name: 'row_count', type: 'INTEGER' },
            { name: 'bytes', type: 'INTEGER' },
            { name: 'freshness_age_seconds', type: 'FLOAT' },
            { name: 'quality_score', type: 'FLOAT' },
            { name: 'completeness', type: 'FLOAT' },
            { name: 'validity', type: 'FLOAT' },
            { name: 'duration_ms', type: 'FLOAT' },
            { name: 'bytes_processed', type: 'INTEGER' },
            { name: 'last_updated', type: 'TIMESTAMP' },
            { name: 'anomalies', type: 'STRING' },
          ],
          rows: [
            [
              '2026-11-30T10:00:00Z',
              'r1',
              'build',
              'shop.shop_sales',
              'shop',
              '2.1.0',
              'healthy',
              3,
              2048,
              2,
              1,
              1,
              1,
              640,
              52428800,
              '2026-11-30T09:59:58Z',
              'row_count',
            ],
          ],
        };
      return undefined;
    });
    const snapshot = {
      at: '2026-11-30T10:00:00.000Z',
      runId: 'r1',
      kind: 'build' as const,
      product: 'shop.shop_sales',
      domain: 'shop',
      version: '2.1.0',
      status: 'healthy' as const,
      rowCount: 3,
      bytes: 2048,
      freshnessAgeSeconds: 2,
      qualityScore: 1,
      completeness: 1,
      validity: 1,
      durationMs: 640,
      bytesProcessed: 52_428_800,
      lastUpdated: '2026-11-30T09:59:58.000Z',
      anomalies: ['row_count'],
    };
    await warehouse.appendHealthHistory([
      snapshot,
      { ...snapshot, product: 'shop.shop_returns', lastUpdated: null },
    ]);
    const inserts = sent.filter((q) => q.startsWith('INSERT INTO'));
    expect(inserts).toHaveLength(1);
    expect(inserts[0]).toContain(`INSERT INTO \`${PROJECT}\`.\`_mesh\`.\`health_history\``);
    expect(inserts[0]).toContain("'shop.shop_returns'");
    const history = await warehouse.healthHistory({ products: ['shop.shop_sales'], perProduct: 14 });
    expect(sent.at(-1)).toContain("WHERE `product` IN ('shop.shop_sales')");
    expect(history).toEqual([snapshot]);
  });
});
