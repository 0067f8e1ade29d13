import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BigQuery,
  type Dataset,
  type JobMetadata,
  type Query,
  type QueryRowsResponse,
} from '@google-cloud/bigquery';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BigQueryStandIn,
  STAND_IN_TOKEN,
  type StandInQueryContext,
  type StandInQueryParams,
  type StandInRequest,
  standInAuthClient,
  startBigQueryStandIn,
} from './bigquery-stand-in.js';

const PROJECT = 'test-project';
const API = `/bigquery/v2/projects/${PROJECT}`;

let standIn: BigQueryStandIn;
let bigquery: BigQuery;

beforeEach(async () => {
  standIn = await startBigQueryStandIn({ projectId: PROJECT });
  bigquery = new BigQuery({ projectId: PROJECT, apiEndpoint: standIn.url, authClient: standInAuthClient() });
});

afterEach(async () => {
  await standIn.close();
});

const ORDERS_SCHEMA = [
  { name: 'order_id', type: 'STRING', mode: 'REQUIRED' },
  { name: 'sold_on', type: 'DATE' },
  { name: 'store_id', type: 'INT64' },
  { name: 'amount', type: 'NUMERIC' },
];

async function salesDataset(): Promise<Dataset> {
  const [dataset] = await bigquery.createDataset('sales', { location: 'EU' });
  return dataset;
}

/** The one recorded request with this method and path. */
function only(method: string, path: string): StandInRequest {
  const found = standIn.find(method, path);
  expect(found, `${method} ${path}`).toHaveLength(1);
  return found[0]!;
}

/** The page token a recorded request was answered with. */
function pageTokenOf(request: StandInRequest | undefined): string | undefined {
  const response = request?.response as { pageToken?: string } | undefined;
  return response?.pageToken;
}

/** How many rows a recorded request was answered with. */
function rowCountOf(request: StandInRequest | undefined): number {
  const response = request?.response as { rows?: unknown[] } | undefined;
  return response?.rows?.length ?? 0;
}

const sevenRows = () => ({
  schema: [
    { name: 'n', type: 'INT64' },
    { name: 'label', type: 'STRING' },
  ],
  rows: [1, 2, 3, 4, 5, 6, 7].map((n) => [n, `row ${n}`]),
  totalBytesProcessed: 700,
});

describe('the client against the stand-in', () => {
  it('sends every request to /bigquery/v2 under apiEndpoint with the fake bearer token', async () => {
    await bigquery.getDatasets();
    const [request] = standIn.requests;
    expect(request).toMatchObject({
      method: 'GET',
      path: `${API}/datasets`,
      query: { prettyPrint: 'false' },
      status: 200,
      response: { kind: 'bigquery#datasetList', datasets: [] },
    });
    expect(request?.headers.authorization).toBe(`Bearer ${STAND_IN_TOKEN}`);
    expect(request?.headers['user-agent']).toMatch(/gcloud-node-bigquery/);
    expect(bigquery.apiEndpoint).toBe(standIn.url);
    // Without a scheme the client would talk TLS to the stand-in.
    const schemeless = new BigQuery({
      ...standIn.clientOptions(),
      apiEndpoint: standIn.url.replace('http://', ''),
    });
    expect(schemeless.apiEndpoint).toBe(standIn.url.replace('http://', 'https://'));
  });

  it('answers in the REST error shape: 401 without a token, 501 for what it does not implement', async () => {
    const anonymous = await fetch(`${standIn.url}${API}/datasets`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({
      error: {
        code: 401,
        message: expect.stringMatching(/missing required authentication credential/),
        errors: [{ message: expect.any(String), domain: 'global', reason: 'required' }],
        status: 'UNAUTHENTICATED',
      },
    });
    const routine = await fetch(`${standIn.url}${API}/datasets/sales/routines`, {
      headers: { authorization: 'Bearer x' },
    });
    expect(routine.status).toBe(501);
    expect(await routine.json()).toMatchObject({ error: { errors: [{ reason: 'notImplemented' }] } });
  });
});

describe('datasets', () => {
  it('creates a dataset with labels and access entries, and refuses a second one', async () => {
    const access = [
      { role: 'READER', groupByEmail: 'analysts@example.com' },
      { role: 'OWNER', specialGroup: 'projectOwners' },
    ];
    const [dataset, created] = await bigquery.createDataset('sales', {
      location: 'EU',
      labels: { domain: 'sales', tier: 'gold' },
      access,
      description: 'Sales data products',
    });

    expect(only('POST', `${API}/datasets`).body).toEqual({
      location: 'EU',
      labels: { domain: 'sales', tier: 'gold' },
      access,
      description: 'Sales data products',
      datasetReference: { datasetId: 'sales' },
    });
    expect(created).toMatchObject({
      kind: 'bigquery#dataset',
      id: `${PROJECT}:sales`,
      datasetReference: { projectId: PROJECT, datasetId: 'sales' },
      labels: { domain: 'sales', tier: 'gold' },
      access,
      location: 'EU',
      etag: expect.any(String),
      creationTime: expect.stringMatching(/^\d+$/),
    });
    expect(dataset.id).toBe('sales');
    expect(standIn.dataset('sales')).toMatchObject({ labels: { domain: 'sales', tier: 'gold' } });

    await expect(bigquery.createDataset('sales', { location: 'EU' })).rejects.toMatchObject({
      code: 409,
      errors: [{ reason: 'duplicate' }],
      message: `Already Exists: Dataset ${PROJECT}:sales`,
    });
  });

  it('answers 404 for a missing dataset, so exists() is false', async () => {
    await expect(bigquery.dataset('nowhere').get()).rejects.toMatchObject({
      code: 404,
      errors: [{ reason: 'notFound' }],
      message: `Not found: Dataset ${PROJECT}:nowhere`,
    });
    expect(await bigquery.dataset('nowhere').exists()).toEqual([false]);
    expect(standIn.find('GET', '/projects/*/datasets/nowhere')).toHaveLength(2);
  });

  it('patches labels and description, checking If-Match against the etag', async () => {
    const [dataset, created] = await bigquery.createDataset('sales', {
      labels: { domain: 'sales', tier: 'gold' },
    });
    const [patched] = await dataset.setMetadata({
      description: 'Sales',
      labels: { tier: 'silver', owner: 'team-a' },
    });

    const patch = only('PATCH', `${API}/datasets/sales`);
    expect(patch.body).toEqual({ description: 'Sales', labels: { tier: 'silver', owner: 'team-a' } });
    expect(patched).toMatchObject({
      description: 'Sales',
      labels: { domain: 'sales', tier: 'silver', owner: 'team-a' },
      location: 'US',
    });
    expect(patched.etag).not.toBe(created.etag);

    // The client sends the etag of the body as If-Match; the old one no longer matches.
    await expect(dataset.setMetadata({ description: 'Stale', etag: created.etag })).rejects.toMatchObject({
      code: 412,
      errors: [{ reason: 'conditionNotMet' }],
    });
    expect(standIn.find('PATCH', `${API}/datasets/sales`)[1]?.headers['if-match']).toBe(created.etag);
    expect(standIn.dataset('sales')?.description).toBe('Sales');
  });

  it('deletes a dataset with tables only with deleteContents', async () => {
    const dataset = await salesDataset();
    await dataset.createTable('orders', { schema: ORDERS_SCHEMA });

    await expect(dataset.delete()).rejects.toMatchObject({
      code: 400,
      errors: [{ reason: 'resourceInUse' }],
    });
    await dataset.delete({ force: true });

    const deletes = standIn.find('DELETE', `${API}/datasets/sales`);
    expect(deletes.map((r) => [r.query.deleteContents, r.status])).toEqual([
      ['false', 400],
      ['true', 204],
    ]);
    expect(await dataset.exists()).toEqual([false]);
    expect(standIn.table('sales', 'orders')).toBeUndefined();
  });
});

describe('tables', () => {
  it('creates a DAY-partitioned, clustered, labelled table and returns all of it', async () => {
    const dataset = await salesDataset();
    const [table, created] = await dataset.createTable('orders', {
      schema: ORDERS_SCHEMA,
      timePartitioning: { type: 'DAY', field: 'sold_on' },
      clustering: { fields: ['store_id'] },
      labels: { product: 'orders' },
      description: 'One row per order',
    });

    expect(only('POST', `${API}/datasets/sales/tables`).body).toEqual({
      schema: { fields: ORDERS_SCHEMA },
      timePartitioning: { type: 'DAY', field: 'sold_on' },
      clustering: { fields: ['store_id'] },
      labels: { product: 'orders' },
      description: 'One row per order',
      tableReference: { projectId: PROJECT, datasetId: 'sales', tableId: 'orders' },
    });
    const expected = {
      kind: 'bigquery#table',
      id: `${PROJECT}:sales.orders`,
      tableReference: { projectId: PROJECT, datasetId: 'sales', tableId: 'orders' },
      type: 'TABLE',
      location: 'EU',
      numRows: '0',
      timePartitioning: { type: 'DAY', field: 'sold_on' },
      clustering: { fields: ['store_id'] },
      labels: { product: 'orders' },
      description: 'One row per order',
    };
    expect(created).toMatchObject(expected);
    // Standard SQL type names come back in their REST spelling, as from the service.
    expect(created.schema?.fields?.map((f) => f.type)).toEqual(['STRING', 'DATE', 'INTEGER', 'NUMERIC']);
    expect(created.schema?.fields?.[0]).toMatchObject({ name: 'order_id', mode: 'REQUIRED' });

    const [fetched] = await table.getMetadata();
    expect(only('GET', `${API}/datasets/sales/tables/orders`).query).toEqual({ prettyPrint: 'false' });
    expect(fetched).toMatchObject(expected);

    const [tables] = await dataset.getTables();
    expect(tables.map((t) => t.id)).toEqual(['orders']);
    expect(only('GET', `${API}/datasets/sales/tables`).response).toMatchObject({
      tables: [{ id: `${PROJECT}:sales.orders`, timePartitioning: { type: 'DAY', field: 'sold_on' } }],
      totalItems: 1,
    });
  });

  it('refuses partitioning or clustering on a column that cannot carry it', async () => {
    const dataset = await salesDataset();
    await expect(
      dataset.createTable('bad', {
        schema: ORDERS_SCHEMA,
        timePartitioning: { type: 'DAY', field: 'order_id' },
      }),
    ).rejects.toMatchObject({
      code: 400,
      message: expect.stringMatching(/only be of type TIMESTAMP, DATE or DATETIME/),
    });
    await expect(
      dataset.createTable('bad', { schema: ORDERS_SCHEMA, clustering: { fields: ['region'] } }),
    ).rejects.toMatchObject({ code: 400, errors: [{ reason: 'invalid' }] });
    await dataset.createTable('orders', { schema: ORDERS_SCHEMA });
    await expect(dataset.createTable('orders', { schema: ORDERS_SCHEMA })).rejects.toMatchObject({
      code: 409,
      message: `Already Exists: Table ${PROJECT}:sales.orders`,
    });
  });

  it('patches description, labels and an added column, refuses a dropped column, then deletes', async () => {
    const dataset = await salesDataset();
    const [table] = await dataset.createTable('orders', {
      schema: ORDERS_SCHEMA,
      timePartitioning: { type: 'DAY', field: 'sold_on' },
      labels: { product: 'orders' },
    });

    const [patched] = await table.setMetadata({
      description: 'Orders, one row each',
      labels: { tier: 'gold' },
      schema: [...ORDERS_SCHEMA, { name: 'channel', type: 'STRING' }],
    });
    expect(only('PATCH', `${API}/datasets/sales/tables/orders`).body).toEqual({
      description: 'Orders, one row each',
      labels: { tier: 'gold' },
      schema: { fields: [...ORDERS_SCHEMA, { name: 'channel', type: 'STRING' }] },
    });
    expect(patched).toMatchObject({
      description: 'Orders, one row each',
      labels: { product: 'orders', tier: 'gold' },
      timePartitioning: { type: 'DAY', field: 'sold_on' },
    });
    expect(patched.schema?.fields?.map((f: { name?: string }) => f.name)).toEqual([
      'order_id',
      'sold_on',
      'store_id',
      'amount',
      'channel',
    ]);

    await expect(table.setMetadata({ schema: ORDERS_SCHEMA.slice(1) })).rejects.toMatchObject({
      code: 400,
      message: expect.stringMatching(/Field order_id is missing in new schema/),
    });
    await expect(
      table.setMetadata({ timePartitioning: { type: 'MONTH', field: 'sold_on' } }),
    ).rejects.toMatchObject({
      code: 400,
      message: expect.stringMatching(/Cannot change partitioning spec/),
    });

    await table.delete();
    expect(only('DELETE', `${API}/datasets/sales/tables/orders`).status).toBe(204);
    expect(await table.exists()).toEqual([false]);
    await expect(table.delete()).rejects.toMatchObject({ code: 404 });
  });

  it('stores rows from insertAll and pages them out of tabledata.list', async () => {
    const dataset = await salesDataset();
    const [table] = await dataset.createTable('orders', { schema: ORDERS_SCHEMA });
    await table.insert([
      { order_id: 'a', sold_on: '2024-05-01', store_id: 1, amount: '9.99' },
      { order_id: 'b', sold_on: '2024-05-02', store_id: 2, amount: '5' },
      { order_id: 'c', sold_on: '2024-05-02', store_id: 2, amount: null },
    ]);
    expect(only('POST', `${API}/datasets/sales/tables/orders/insertAll`).body).toMatchObject({
      rows: [{ insertId: expect.any(String), json: { order_id: 'a', store_id: 1 } }, {}, {}],
    });

    const [rows] = await table.getRows({ maxResults: 2 });
    expect(rows.map((r) => r.order_id)).toEqual(['a', 'b']);
    const [all] = await table.getRows();
    expect(all).toHaveLength(3);
    expect(all[0]).toMatchObject({ order_id: 'a', store_id: 1, sold_on: { value: '2024-05-01' } });
    expect(String(all[0]?.amount)).toBe('9.99');
    expect(all[2]?.amount).toBeNull();

    await expect(table.insert([{ order_id: 'd', colour: 'red' }])).rejects.toMatchObject({
      name: 'PartialFailureError',
      errors: [{ errors: [{ reason: 'invalid', message: 'no such field: colour.' }] }],
    });
  });
});

describe('query jobs', () => {
  it('dry-runs a query job: jobs.insert answers totalBytesProcessed without running anything', async () => {
    const seen: Array<[string, StandInQueryParams, StandInQueryContext]> = [];
    standIn.onQuery((sql, params, context) => {
      seen.push([sql, params, context]);
      return { schema: [{ name: 'revenue', type: 'NUMERIC' }], rows: [], totalBytesProcessed: 1_234_567 };
    });

    const [job, response] = await bigquery.createQueryJob({
      query: 'SELECT SUM(amount) AS revenue FROM sales.orders WHERE sold_on = @day',
      params: { day: '2024-05-01' },
      dryRun: true,
      location: 'EU',
    });

    expect(job.metadata.statistics.totalBytesProcessed).toBe('1234567');
    expect(response.statistics?.query?.totalBytesProcessed).toBe('1234567');
    expect(response.status).toEqual({ state: 'DONE' });
    // Like the service, a dry run gets no job id back and leaves no job behind.
    expect(response.jobReference).toEqual({ projectId: PROJECT, location: 'EU' });

    const insert = only('POST', `${API}/jobs`);
    expect(insert.body).toEqual({
      configuration: {
        query: {
          query: 'SELECT SUM(amount) AS revenue FROM sales.orders WHERE sold_on = @day',
          useLegacySql: false,
          parameterMode: 'named',
          queryParameters: [
            { name: 'day', parameterType: { type: 'STRING' }, parameterValue: { value: '2024-05-01' } },
          ],
        },
        dryRun: true,
      },
      jobReference: { projectId: PROJECT, jobId: expect.any(String), location: 'EU' },
    });
    expect(seen).toEqual([
      [
        'SELECT SUM(amount) AS revenue FROM sales.orders WHERE sold_on = @day',
        { day: '2024-05-01' },
        expect.objectContaining({ api: 'jobs.insert', dryRun: true, location: 'EU', projectId: PROJECT }),
      ],
    ]);
    expect(standIn.find('GET', '/projects/*/jobs/*')).toHaveLength(0);
    const jobId = (insert.body as { jobReference: { jobId: string } }).jobReference.jobId;
    await expect(bigquery.job(jobId, { location: 'EU' }).getMetadata()).rejects.toMatchObject({ code: 404 });
  });

  it('runs bigquery.query() through jobs.query and follows its page token into getQueryResults', async () => {
    standIn.defaultPageSize = 3;
    standIn.onQuery((_sql, params) => ({
      schema: [
        { name: 'store_id', type: 'INT64' },
        { name: 'day', type: 'DATE' },
        { name: 'revenue', type: 'FLOAT64' },
        { name: 'open', type: 'BOOL' },
        { name: 'closed_at', type: 'TIMESTAMP' },
        { name: 'tags', type: 'STRING', mode: 'REPEATED' },
      ],
      rows: Array.from({ length: 7 }, (_, i) => [
        i + 1,
        '2024-05-01',
        (i + 1) * Number((params as { factor: number }).factor),
        i % 2 === 0,
        new Date(Date.UTC(2024, 4, 1, 18, i)),
        ['a', `t${i}`],
      ]),
      totalBytesProcessed: 4096,
    }));

    const [rows] = await bigquery.query({
      query: 'SELECT * FROM sales.daily WHERE revenue > @factor',
      params: { factor: 1.5 },
      maxResults: 2,
    });

    expect(rows).toHaveLength(7);
    expect(rows[0]).toMatchObject({
      store_id: 1,
      day: { value: '2024-05-01' },
      revenue: 1.5,
      open: true,
      tags: ['a', 't0'],
    });
    expect(rows[0]?.closed_at.value).toBe('2024-05-01T18:00:00.000Z');
    expect(rows.map((r) => r.store_id)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    const post = only('POST', `${API}/queries`);
    expect(post.body).toEqual({
      query: 'SELECT * FROM sales.daily WHERE revenue > @factor',
      useLegacySql: false,
      maxResults: 2,
      formatOptions: { useInt64Timestamp: true },
      requestId: expect.any(String),
      queryParameters: [
        { name: 'factor', parameterType: { type: 'FLOAT64' }, parameterValue: { value: 1.5 } },
      ],
      parameterMode: 'named',
    });
    const first = post.response as { jobReference: { jobId: string; location: string }; pageToken: string };
    expect(post.response).toMatchObject({ jobComplete: true, totalRows: '7', totalBytesProcessed: '4096' });
    expect((post.response as { rows: unknown[] }).rows).toHaveLength(2);

    // The first page came with jobs.query; the client fetches the rest by page token (3 rows a page here).
    const pages = standIn.find('GET', `${API}/queries/${first.jobReference.jobId}`);
    expect(pages.map((p) => p.query.pageToken)).toEqual([first.pageToken, pageTokenOf(pages[0])]);
    expect(pages.map(rowCountOf)).toEqual([3, 2]);
    expect(pages[0]?.query).toMatchObject({ location: 'US', 'formatOptions.useInt64Timestamp': 'true' });
    expect(pageTokenOf(pages[1])).toBeUndefined();
  });

  it('pages getQueryResults of a query job by maxResults and pageToken', async () => {
    standIn.onQuery(sevenRows);
    const [job] = await bigquery.createQueryJob({
      query: 'SELECT n, label FROM UNNEST(GENERATE_ARRAY(1, 7)) AS n',
      jobId: 'paging_job',
      location: 'EU',
      labels: { product: 'orders' },
    });

    expect(only('POST', `${API}/jobs`).body).toEqual({
      configuration: {
        query: { query: 'SELECT n, label FROM UNNEST(GENERATE_ARRAY(1, 7)) AS n', useLegacySql: false },
        labels: { product: 'orders' },
      },
      jobReference: { projectId: PROJECT, jobId: 'paging_job', location: 'EU' },
    });
    expect(job.metadata).toMatchObject({
      id: `${PROJECT}:EU.paging_job`,
      status: { state: 'DONE' },
      statistics: {
        totalBytesProcessed: '700',
        query: { statementType: 'SELECT', totalBytesProcessed: '700' },
      },
    });

    const seen: number[][] = [];
    let next: Query | null = { maxResults: 3 };
    while (next) {
      const response: QueryRowsResponse = await job.getQueryResults(next);
      seen.push(response[0].map((row: { n: number }) => row.n));
      // With maxResults the client does not page by itself: it answers the query for the next page.
      next = response.length === 3 ? response[1] : null;
    }
    expect(seen).toEqual([[1, 2, 3], [4, 5, 6], [7]]);

    const gets = standIn.find('GET', `${API}/queries/paging_job`);
    expect(gets).toHaveLength(3);
    expect(gets.map((g) => g.query.maxResults)).toEqual(['3', '3', '3']);
    expect(gets.map((g) => g.query.location)).toEqual(['EU', 'EU', 'EU']);
    expect(gets[0]?.query.pageToken).toBeUndefined();
    expect(gets[1]?.query.pageToken).toBe(pageTokenOf(gets[0]));
    expect(gets[2]?.query.pageToken).toBe(pageTokenOf(gets[1]));
    expect(pageTokenOf(gets[2])).toBeUndefined();
    expect(gets[0]?.response).toMatchObject({
      kind: 'bigquery#getQueryResultsResponse',
      schema: { fields: [{ name: 'n', type: 'INTEGER', mode: 'NULLABLE' }, { name: 'label' }] },
      totalRows: '7',
      jobComplete: true,
      rows: [{ f: [{ v: '1' }, { v: 'row 1' }] }, {}, {}],
    });

    // Without maxResults the client pages by itself until no token is left.
    standIn.clear();
    standIn.defaultPageSize = 2;
    const [all] = await job.getQueryResults();
    expect(all).toHaveLength(7);
    expect(standIn.find('GET', `${API}/queries/paging_job`)).toHaveLength(4);
  });

  it('passes positional parameters and reports DDL as an empty result', async () => {
    const seen: StandInQueryParams[] = [];
    standIn.onQuery((_sql, params) => {
      seen.push(params);
      return undefined;
    });
    const [rows] = await bigquery.query({
      query: 'CREATE OR REPLACE TABLE sales.t AS SELECT ? AS a, ? AS b',
      params: [1, ['x', 'y']],
    });
    expect(rows).toEqual([]);
    expect(seen).toEqual([[1, ['x', 'y']]]);
    const [job] = await bigquery.createQueryJob('DROP TABLE sales.t');
    expect(job.metadata.statistics.query).toMatchObject({ statementType: 'DROP_TABLE' });
  });

  it('fails queries the responder rejects: jobs.query with the HTTP error, jobs.insert with a failed job', async () => {
    standIn.onQuery(() => ({
      error: { reason: 'invalidQuery', message: 'Unrecognized name: revnue at [1:8]' },
    }));

    await expect(bigquery.query('SELECT revnue FROM sales.orders')).rejects.toMatchObject({
      code: 400,
      errors: [{ reason: 'invalidQuery', message: 'Unrecognized name: revnue at [1:8]' }],
      message: 'Unrecognized name: revnue at [1:8]',
    });
    expect(only('POST', `${API}/queries`).response).toEqual({
      error: {
        code: 400,
        message: 'Unrecognized name: revnue at [1:8]',
        errors: [{ message: 'Unrecognized name: revnue at [1:8]', domain: 'global', reason: 'invalidQuery' }],
        status: 'INVALID_ARGUMENT',
      },
    });

    await expect(bigquery.createQueryJob({ query: 'SELECT revnue', jobId: 'bad_job' })).rejects.toMatchObject(
      {
        errors: [{ reason: 'invalidQuery' }],
        message: 'Unrecognized name: revnue at [1:8]',
      },
    );
    expect(only('POST', `${API}/jobs`).response).toMatchObject({
      status: { state: 'DONE', errorResult: { reason: 'invalidQuery' } },
    });
    await expect(bigquery.job('bad_job').getQueryResults()).rejects.toMatchObject({ code: 400 });
  });

  it('reports a job as running for pendingPolls reads; the client polls jobs.get with its location', async () => {
    standIn.pendingPolls = 2;
    standIn.onQuery(sevenRows);
    const [job, inserted] = await bigquery.createQueryJob({ query: 'SELECT 1', location: 'EU' });
    expect(inserted.status).toEqual({ state: 'RUNNING' });

    const [metadata] = (await job.promise()) as [JobMetadata];
    expect(metadata.status).toEqual({ state: 'DONE' });
    const polls = standIn.find('GET', `${API}/jobs/${job.id}`);
    expect(polls.map((p) => (p.response as { status: { state: string } }).status.state)).toEqual([
      'RUNNING',
      'RUNNING',
      'DONE',
    ]);
    expect(polls.every((p) => p.query.location === 'EU')).toBe(true);

    // A job is not found in another location.
    await expect(bigquery.job(job.id!, { location: 'US' }).getMetadata()).rejects.toMatchObject({
      code: 404,
    });
  });

  it('keeps bigquery.query() asking getQueryResults while jobs.query reports jobComplete: false', async () => {
    standIn.pendingPolls = 1;
    standIn.onQuery(sevenRows);
    const [rows] = await bigquery.query('SELECT n, label FROM numbers');
    expect(rows).toHaveLength(7);

    const post = only('POST', `${API}/queries`);
    expect(post.response).toMatchObject({ jobComplete: false, jobReference: { location: 'US' } });
    expect(post.response).not.toHaveProperty('rows');
    const jobId = (post.response as { jobReference: { jobId: string } }).jobReference.jobId;
    const reads = standIn.find('GET', `${API}/queries/${jobId}`);
    expect(reads.map((r) => (r.response as { jobComplete: boolean }).jobComplete)).toEqual([false, true]);
    expect(reads.map(rowCountOf)).toEqual([0, 7]);
  });

  it('writes query results to a destination table', async () => {
    const dataset = await salesDataset();
    standIn.onQuery(sevenRows);
    const [job] = await bigquery.createQueryJob({
      query: 'SELECT n, label FROM src',
      destination: dataset.table('numbers'),
      writeDisposition: 'WRITE_TRUNCATE',
      location: 'EU',
    });
    expect(only('POST', `${API}/jobs`).body).toMatchObject({
      configuration: {
        query: {
          destinationTable: { projectId: PROJECT, datasetId: 'sales', tableId: 'numbers' },
          writeDisposition: 'WRITE_TRUNCATE',
        },
      },
    });
    expect(job.metadata.status).toEqual({ state: 'DONE' });
    expect(standIn.table('sales', 'numbers')?.rows).toHaveLength(7);
  });
});

describe('copy jobs', () => {
  it('replaces the destination atomically with WRITE_TRUNCATE, keeping its labels and IAM policy', async () => {
    const dataset = await salesDataset();
    const [staging] = await dataset.createTable('orders__staging', {
      schema: ORDERS_SCHEMA,
      timePartitioning: { type: 'DAY', field: 'sold_on' },
    });
    const [live] = await dataset.createTable('orders', {
      schema: ORDERS_SCHEMA,
      labels: { product: 'orders' },
    });
    await staging.insert([
      { order_id: 'new-1', sold_on: '2024-05-02', store_id: 1, amount: '1' },
      { order_id: 'new-2', sold_on: '2024-05-02', store_id: 2, amount: '2' },
    ]);
    await live.insert([{ order_id: 'old-1', sold_on: '2024-04-30', store_id: 9, amount: '9' }]);
    await live.setIamPolicy({
      bindings: [{ role: 'roles/bigquery.dataViewer', members: ['group:analysts@example.com'] }],
    });
    standIn.clear();

    const [job, inserted] = await staging.createCopyJob(live, { writeDisposition: 'WRITE_TRUNCATE' });
    const [done] = (await job.promise()) as [JobMetadata];

    expect(only('POST', `${API}/jobs`).body).toEqual({
      configuration: {
        copy: {
          writeDisposition: 'WRITE_TRUNCATE',
          sourceTable: { projectId: PROJECT, datasetId: 'sales', tableId: 'orders__staging' },
          destinationTable: { projectId: PROJECT, datasetId: 'sales', tableId: 'orders' },
        },
      },
      jobReference: { projectId: PROJECT, jobId: expect.any(String), location: 'EU' },
    });
    expect(inserted).toMatchObject({ configuration: { jobType: 'COPY' }, jobReference: { location: 'EU' } });
    // Even for a job that is already done, the client asks jobs.get before it resolves.
    expect(only('GET', `${API}/jobs/${job.id}`).query).toEqual({ location: 'EU', prettyPrint: 'false' });
    expect(done).toMatchObject({ status: { state: 'DONE' }, statistics: { copy: { copiedRows: '2' } } });

    const [rows] = await live.getRows();
    expect(rows.map((r) => r.order_id)).toEqual(['new-1', 'new-2']);
    const after = standIn.table('sales', 'orders');
    expect(after?.resource).toMatchObject({
      labels: { product: 'orders' },
      timePartitioning: { type: 'DAY', field: 'sold_on' },
    });
    expect(after?.policy).toMatchObject({ bindings: [{ role: 'roles/bigquery.dataViewer' }] });
    expect(standIn.table('sales', 'orders__staging')?.rows).toHaveLength(2);
  });

  it('fails a WRITE_EMPTY copy onto a table with rows, and a copy from a missing table', async () => {
    const dataset = await salesDataset();
    const [source] = await dataset.createTable('a', { schema: ORDERS_SCHEMA });
    const [target] = await dataset.createTable('b', { schema: ORDERS_SCHEMA });
    await target.insert([{ order_id: 'x' }]);

    await expect(source.createCopyJob(target)).rejects.toMatchObject({
      errors: [{ reason: 'duplicate', message: `Already Exists: Table ${PROJECT}:sales.b` }],
    });
    await expect(dataset.table('missing').createCopyJob(target)).rejects.toMatchObject({
      errors: [{ reason: 'notFound' }],
    });
    // CREATE_IF_NEEDED (the default) makes the destination from the source.
    await source.copy(dataset.table('c'));
    expect(standIn.table('sales', 'c')?.resource).toMatchObject({ schema: { fields: expect.any(Array) } });
  });
});

describe('load jobs', () => {
  const csv = 'order_id;note\r\nA1;"two\nlines; and ""quotes"""\r\n\r\nA2;\r\nA3\r\n';
  const file = join(mkdtempSync(join(tmpdir(), 'stand-in-load-')), 'orders.csv');
  writeFileSync(file, csv);
  const fields = [
    { name: 'order_id', type: 'STRING', mode: 'REQUIRED' },
    { name: 'note', type: 'STRING' },
  ];

  it("takes table.load(localFile) as the client's multipart upload and reads the CSV into the table", async () => {
    const dataset = await salesDataset();
    const [job] = await dataset.table('orders').load(file, {
      sourceFormat: 'CSV',
      schema: { fields },
      skipLeadingRows: 1,
      fieldDelimiter: ';',
      allowQuotedNewlines: true,
      allowJaggedRows: true,
    });
    expect(job.status).toEqual({ state: 'DONE' });
    expect(job.statistics?.load).toMatchObject({ inputFileBytes: String(csv.length), outputRows: '3' });
    const upload = only('POST', `/upload${API}/jobs`);
    expect(upload.query.uploadType).toBe('multipart');
    expect(upload.media?.toString()).toBe(csv);
    expect(upload.body).toMatchObject({
      configuration: {
        load: {
          destinationTable: { projectId: PROJECT, datasetId: 'sales', tableId: 'orders' },
          sourceFormat: 'CSV',
          skipLeadingRows: 1,
        },
      },
      jobReference: { projectId: PROJECT, location: 'EU' },
    });
    // A quoted newline and doubled quotes are data; a blank line is no row; an unquoted empty value
    // and a missing trailing one are NULL.
    expect(standIn.table('sales', 'orders')?.rows).toEqual([
      ['A1', 'two\nlines; and "quotes"'],
      ['A2', null],
      ['A3', null],
    ]);
    const [rows] = await dataset.table('orders').getRows();
    expect(rows).toHaveLength(3);
  });

  it('fails a load the CSV does not fit, and leaves other formats to a load responder', async () => {
    const dataset = await salesDataset();
    const csvLoad = { sourceFormat: 'CSV', fieldDelimiter: ';', skipLeadingRows: 1 };
    await expect(dataset.table('orders').load(file, { ...csvLoad, schema: { fields } })).rejects.toThrow(
      /a quoted field spans lines at line 2/,
    );
    await expect(
      dataset
        .table('orders')
        .load(file, { ...csvLoad, allowQuotedNewlines: true, schema: { fields: [fields[0]!] } }),
    ).rejects.toThrow(/too many values/);
    await expect(dataset.table('orders').load(file, { sourceFormat: 'PARQUET' })).rejects.toThrow(/onLoad/);
    standIn.onLoad((_configuration, media) => ({
      schema: [{ name: 'bytes', type: 'INT64' }],
      rows: [[media.length]],
    }));
    await dataset.table('parquet').load(file, { sourceFormat: 'PARQUET' });
    expect(standIn.table('sales', 'parquet')?.rows).toEqual([[String(csv.length)]]);
  });
});

describe('table IAM', () => {
  it('sets and reads a table policy through :setIamPolicy and :getIamPolicy, refusing a stale etag', async () => {
    const dataset = await salesDataset();
    const [table] = await dataset.createTable('orders', { schema: ORDERS_SCHEMA });

    const [initial] = await table.getIamPolicy();
    expect(initial).toEqual({ version: 1, etag: 'ACAB' });
    expect(only('POST', `${API}/datasets/sales/tables/orders:getIamPolicy`).body).toEqual({ options: {} });

    const bindings = [{ role: 'roles/bigquery.dataViewer', members: ['group:analysts@example.com'] }];
    const [set] = await table.setIamPolicy({ bindings, etag: initial.etag });
    expect(only('POST', `${API}/datasets/sales/tables/orders:setIamPolicy`).body).toEqual({
      policy: { bindings, etag: 'ACAB' },
    });
    expect(set).toEqual({ version: 1, etag: expect.any(String), bindings });
    expect(set.etag).not.toBe('ACAB');

    const [read] = await table.getIamPolicy();
    expect(read).toEqual(set);
    await expect(table.setIamPolicy({ bindings: [], etag: 'ACAB' })).rejects.toMatchObject({
      code: 409,
      errors: [{ reason: 'aborted' }],
    });
    await expect(dataset.table('missing').getIamPolicy()).rejects.toMatchObject({ code: 404 });
  });
});

describe('injected failures', () => {
  it('lets the client retry a 503 and records both attempts', async () => {
    const retrying = new BigQuery({ ...standIn.clientOptions(), retryOptions: { maxRetryDelay: 0.05 } });
    await retrying.createDataset('sales');
    standIn.failNext('GET', '/projects/*/datasets/sales', {
      code: 503,
      reason: 'backendError',
      message: 'Try again',
    });

    const [metadata] = await retrying.dataset('sales').getMetadata();
    expect(metadata.id).toBe(`${PROJECT}:sales`);
    expect(standIn.find('GET', `${API}/datasets/sales`).map((r) => r.status)).toEqual([503, 200]);

    standIn.failNext('GET', /\/datasets\/sales$/, {
      code: 403,
      reason: 'accessDenied',
      message: 'Access Denied',
    });
    await expect(retrying.dataset('sales').getMetadata()).rejects.toMatchObject({
      code: 403,
      errors: [{ reason: 'accessDenied' }],
    });
  });
});
