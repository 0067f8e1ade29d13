import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bigqueryDialect, PLATFORM_TABLES } from '@retail-mesh/bigquery';
import {
  type BigQueryStandIn,
  STAND_IN_TOKEN,
  type StandInQueryOutcome,
  startBigQueryStandIn,
} from '@retail-mesh/bigquery/testing';
import { planBuild, renderBuildQuery } from '@retail-mesh/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadMesh } from './mesh.js';
import { mesh } from './testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mesh-prod-'));
let standIn: BigQueryStandIn;
let config: string;

beforeAll(async () => {
  standIn = await startBigQueryStandIn({ projectId: 'retail-mesh-prod', location: 'EU' });
  config = join(dir, 'mesh.yaml');
  writeFileSync(
    config,
    `targets:
  local:
    type: duckdb
    path: ${join(dir, 'mesh.duckdb')}
  prod:
    type: bigquery
    project: retail-mesh-prod
    location: EU
    apiEndpoint: ${standIn.url}
cost:
  computePerTb: 5
`,
  );
  vi.stubEnv('GOOGLE_OAUTH_ACCESS_TOKEN', STAND_IN_TOKEN);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await standIn.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => vi.restoreAllMocks());

describe('mesh build --target prod --dry-run against the BigQuery stand-in', () => {
  it('stops at the first product when BigQuery cannot be reached, with one error saying what to check', async () => {
    const unreachable = join(dir, 'unreachable.yaml');
    // `.invalid` never resolves: a machine without network or DNS for the API.
    writeFileSync(
      unreachable,
      'defaultTarget: prod\ntargets:\n  prod:\n    type: bigquery\n    project: retail-mesh-prod\n    location: EU\n    apiEndpoint: http://bigquery.invalid\n',
    );
    const r = await mesh('build', '--config', unreachable, '--target', 'prod', '--dry-run', '--json');
    expect(r.code).toBe(4);
    const { error } = JSON.parse(r.stdout);
    expect(error.code).toBe('warehouse-unreachable');
    expect(error.message).toMatch(
      /^BigQuery cannot be reached: .*bigquery\.invalid.*Check the network, and the Google credentials/,
    );
    // The client's own retries take some seconds: one product's, not thirty products'.
  }, 90_000);

  it('prints no process warning of the credentials lookup beside its error', () => {
    const unreachable = join(dir, 'no-credentials.yaml');
    writeFileSync(
      unreachable,
      'defaultTarget: prod\ntargets:\n  prod:\n    type: bigquery\n    project: retail-mesh-prod\n    location: EU\n    apiEndpoint: http://bigquery.invalid\n',
    );
    // The built CLI as users run it, without credentials: Google's client then asks the GCE
    // metadata server, which is not there.
    const env: NodeJS.ProcessEnv = { ...process.env, MESH_NO_SERVER: '1' };
    for (const name of ['GOOGLE_OAUTH_ACCESS_TOKEN', 'GOOGLE_APPLICATION_CREDENTIALS', 'NODE_OPTIONS'])
      delete env[name];
    const r = spawnSync(
      process.execPath,
      [new URL('../bin/mesh.js', import.meta.url).pathname, 'health', '--config', unreachable, '--json'],
      { env, encoding: 'utf8', timeout: 80_000 },
    );
    expect(r.status).toBe(4);
    expect(JSON.parse(r.stdout).error.code).toBe('warehouse-unreachable');
    expect(r.stderr).not.toMatch(/Warning|--trace-warnings/);
  }, 90_000);

  it('dry-runs every build statement and prints bytes and cost per product and in total', async () => {
    // Each build's bytes: 1 TB per input it reads, so products differ.
    const bytes = (query: string) => (query.match(/FROM `retail-mesh-prod`/g)?.length ?? 0) * 1e12;
    standIn.onQuery((query, _params, context) => {
      expect(context.dryRun).toBe(true);
      return { totalBytesProcessed: bytes(query) };
    });
    const r = await mesh('build', '--config', config, '--target', 'prod', '--dry-run', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const dialect = bigqueryDialect({ projectId: 'retail-mesh-prod' });
    const order = planBuild((await loadMesh()).products).order;
    const expected = order.map((p) => {
      const b = bytes(renderBuildQuery(p, dialect).select);
      return { id: p.id, bytes: b, cost: (b / 1e12) * 5, method: 'dry-run', error: null };
    });
    expect(out).toEqual({
      target: 'prod',
      currency: 'USD',
      products: expected,
      totals: {
        bytes: expected.reduce((a, e) => a + e.bytes, 0),
        cost: expected.reduce((a, e) => a + e.cost, 0),
        unavailable: 0,
      },
    });
    expect(out.products.find((p: { id: string }) => p.id === 'product.product_catalog')).toMatchObject({
      bytes: 1e12,
      cost: 5,
    });
    // Exactly the queries a real build would materialize, as dry runs, and nothing else.
    const jobs = standIn.find('POST', '/projects/retail-mesh-prod/jobs').map((j) => j.body);
    expect(jobs).toEqual(
      order.map((p) => ({
        configuration: {
          dryRun: true,
          query: expect.objectContaining({ query: renderBuildQuery(p, dialect).select, useLegacySql: false }),
          // Billing exports split jobs by command, domain and product.
          labels: { mesh_command: 'build' },
        },
        jobReference: expect.objectContaining({ location: 'EU' }),
      })),
    );
    expect(standIn.find('POST', '/projects/retail-mesh-prod/datasets')).toEqual([]);
  });

  it('refuses a build over its per-build budget before anything runs, naming the largest products', async () => {
    const budgeted = join(dir, 'budget.yaml');
    writeFileSync(
      budgeted,
      `defaultTarget: prod\ntargets:\n  prod:\n    type: bigquery\n    project: retail-mesh-prod\n    location: EU\n    apiEndpoint: ${standIn.url}\n    maximumBytesPerBuild: 2000000000000\n`,
    );
    standIn.clear();
    // Each build reads 1 TB per input: product_catalog alone fits, the whole mesh does not.
    standIn.onQuery((query, _params, context) => {
      expect(context.dryRun).toBe(true);
      return { totalBytesProcessed: (query.match(/FROM `retail-mesh-prod`/g)?.length ?? 0) * 1e12 };
    });
    const r = await mesh('build', '--config', budgeted, '--target', 'prod', '--json');
    expect(r.code, r.stdout + r.stderr).toBe(4);
    const { error } = JSON.parse(r.stdout);
    expect(error).toMatchObject({
      code: 'over-budget',
      message: expect.stringMatching(
        /^The build would process [\d.]+ TB \(dry runs\), over the per-build budget of 2\.00 TB \(maximumBytesPerBuild of target prod\): \S+ [\d.]+ TB, .*Nothing was built\.$/,
      ),
    });
    const jobs = standIn.find('POST', '/projects/retail-mesh-prod/jobs');
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs.every((j) => (j.body as { configuration: { dryRun?: boolean } }).configuration.dryRun)).toBe(
      true,
    );
    expect(standIn.find('POST', '/projects/retail-mesh-prod/datasets')).toEqual([]);
  });

  it('prints a table for people', async () => {
    standIn.onQuery(() => ({ totalBytesProcessed: 1_000_000 }));
    const r = await mesh('build', '--config', config, '--target', 'prod', '--dry-run', 'product_catalog');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/product\.product_catalog\s+1,000,000\s+0\.000005 USD\s+dry-run/);
    expect(r.stdout).toMatch(/total\s+1,000,000\s+0\.000005 USD/);
    expect(r.stdout).toContain('Dry run on prod: nothing was built.');
  });

  it('reports the products whose estimate failed, and exits 1', async () => {
    standIn.onQuery((query) =>
      query.includes('`product_catalog`')
        ? {
            error: {
              code: 404,
              reason: 'notFound',
              message: 'Not found: Table retail-mesh-prod:product.product_catalog',
            },
          }
        : { totalBytesProcessed: 10 },
    );
    const r = await mesh('build', '--config', config, '--target', 'prod', '--dry-run', '--json', 'product');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.products.map((p: { id: string; bytes: number | null }) => [p.id, p.bytes])).toEqual([
      ['product.product_catalog', 10],
      ['product.product_inventory', null],
      ['product.product_pricing', null],
      ['product.product_category_summary', 10],
    ]);
    expect(out.products[1].error).toContain('Not found: Table');
    expect(out.totals).toEqual({ bytes: 20, cost: (20 / 1e12) * 5, unavailable: 2 });
  });

  it('rejects --db on a BigQuery target and an unknown target', async () => {
    expect((await mesh('health', '--config', config, '--target', 'prod', '--db', 'x.duckdb')).code).toBe(2);
    const unknown = await mesh('health', '--config', config, '--target', 'staging');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'No target is named staging. Targets in the configuration: local, prod.',
    );
  });

  it('names the file and line of a broken mesh.yaml, exit 3', async () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'targets:\n  local:\n    type: duckdb\n    pathh: x\n');
    const r = await mesh('health', '--config', broken);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${broken}:4: targets.local.pathh`);
  });
});

describe('mesh ingest --target prod against the BigQuery stand-in', () => {
  it('stages a CSV with a load job, validates it in one query and appends it as one batch', async () => {
    const file = join(dir, 'products.csv');
    writeFileSync(
      file,
      [
        'product_id,sku,name,category,brand,unit_cost,retail_price,active,launched_on,updated_at',
        'P1,SKU-1,Kettle,Kitchen,Contoso,10.50,19.99,true,2026-01-02,2026-01-02T10:00:00Z',
        'P2,SKU-2,"Socks, wool",Apparel,Nod,1.20,4.99,false,2026-02-03,2026-02-03 08:00:00+01:00',
        '',
      ].join('\n'),
    );
    const dialect = bigqueryDialect({ projectId: 'retail-mesh-prod' });
    const batchesTable = dialect.tableName(PLATFORM_TABLES.batches.ref);
    const schema = PLATFORM_TABLES.batches.layout.columns.map((c) => ({
      name: c.name,
      type: dialect.columnType(c.type),
    }));
    const batches: Array<Record<string, unknown>> = [];
    // The stand-in runs no SQL: this plays BigQuery's part for the statements of an ingest.
    standIn.onQuery((query): StandInQueryOutcome => {
      if (query.startsWith(`SELECT * FROM ${batchesTable}`)) return { schema, rows: batches };
      const validation = /^CREATE TABLE [^\n]*`_check_\w+`[\s\S]*FROM `[^`]+`\.`product`\.`(_load_\w+)`/.exec(
        query,
      );
      if (validation) {
        const staged = standIn.table('product', validation[1]!)!.rows;
        return {
          schema: [
            { name: 'rows', type: 'INT64' },
            { name: 'rejected', type: 'INT64' },
          ],
          rows: [[staged.length, 0]],
        };
      }
      if (query.startsWith('BEGIN TRANSACTION')) {
        const batch = {
          batch_id: batches.length + 1,
          source: 'product.products',
          kind: 'ingest',
          file,
          sha256: /'([0-9a-f]{64})'/.exec(query)![1],
          mapping: '{"rename":{},"set":{},"values":{}}',
          rows: 2,
          loaded: 2,
          rejected: 0,
          ingested_at: new Date('2026-03-01T10:00:00Z'),
          ingested_by: 'ci',
          reverted_at: null,
        };
        batches.push(batch);
        return { schema, rows: [batch] };
      }
      return undefined;
    });
    standIn.clear();
    const r = await mesh(
      'ingest',
      'product.products',
      '--from',
      file,
      '--config',
      config,
      '--target',
      'prod',
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.files).toEqual([
      {
        file,
        result: expect.objectContaining({ status: 'loaded', batchId: 1, rows: 2, loaded: 2, rejected: 0 }),
      },
    ]);
    expect(out.state).toMatchObject({ source: 'product.products', content: 'ingested', batches: 1, rows: 2 });

    // One upload of the file's two records, each with its physical line, into a staging table
    // that is dropped afterwards; then the validation and the append, as scripts.
    const [upload] = standIn.find('POST', '/upload/bigquery/v2/projects/retail-mesh-prod/jobs');
    expect(upload!.query.uploadType).toBe('multipart');
    expect(
      upload!.media
        ?.toString()
        .split('\n')
        .map((l) => l.split(',').slice(0, 4).join(',')),
    ).toEqual(['__line,__reason,__record,product_id', '2,,,P1', '3,,,P2', '']);
    const staging = (upload!.body as { configuration: { load: { destinationTable: { tableId: string } } } })
      .configuration.load.destinationTable.tableId;
    expect(staging).toMatch(/^_load_products_[0-9a-f]{8}$/);
    expect(standIn.table('product', staging)).toBeUndefined();
    const jobs = standIn
      .find('POST', '/projects/retail-mesh-prod/jobs')
      .map(
        (j) => (j.body as { configuration: { query?: { query: string }; dryRun?: boolean } }).configuration,
      );
    const scripts = jobs.filter((c) => !c.dryRun).map((c) => c.query?.query ?? '');
    expect(scripts.filter((q) => q.includes('_check_products_')).map((q) => q.slice(0, 16))).toEqual([
      'CREATE TABLE `re',
      'BEGIN TRANSACTIO',
    ]);
    // Priced first: the reads of the batch log only. The validation reads the file just loaded
    // (no data of the warehouse's), the rest are scripts (a transaction).
    expect(
      jobs
        .filter((c) => c.dryRun)
        .every((c) => c.query?.query.startsWith('SELECT * FROM `retail-mesh-prod`.`_mesh`.`batches`')),
    ).toBe(true);
  });
});

describe('commands that only read, as a BigQuery viewer (dataViewer + jobUser)', () => {
  it('health, cost, lineage and contract diff send no write; test records nothing and says so', async () => {
    const products = (await loadMesh()).products;
    standIn.reset();
    // Every product published (its table, with its contract's columns), nothing of the
    // platform's own tables yet.
    for (const p of products)
      standIn.putTable(p.table.schema, p.table.name, {
        schema: p.columns.map((c) => ({ name: c.name, type: 'STRING' })),
        rows: [p.columns.map(() => 'a')],
      });
    standIn.onQuery((query, _params, context) => {
      if (query.includes('`_mesh`') && !query.startsWith('INSERT'))
        return {
          error: { code: 404, reason: 'notFound', message: 'Not found: Table retail-mesh-prod:_mesh.runs' },
        };
      if (context.dryRun) return { totalBytesProcessed: 1000 };
      // A check suite: one row.
      if (query.startsWith('SELECT `s`.`row_count`'))
        return { schema: [{ name: 'row_count', type: 'INT64' }], rows: [[1]] };
      return { schema: [], rows: [] };
    });
    standIn.viewerOnly = true;
    try {
      for (const args of [
        ['health', '--json'],
        ['cost', '--json'],
        ['lineage', '--json'],
        ['contract', 'diff', '--json'],
      ]) {
        const r = await mesh(...args, '--config', config, '--target', 'prod');
        expect([0, 1], `${args.join(' ')}: ${r.stdout.slice(0, 300)} ${r.stderr}`).toContain(r.code);
        expect(standIn.deniedWrites, args.join(' ')).toEqual([]);
      }
      const health = JSON.parse(
        (await mesh('health', '--json', '--config', config, '--target', 'prod')).stdout,
      );
      expect(health.totals.products).toBe(products.length);
      // mesh test runs the check suite, then cannot record its run: said, not a failure of its own
      // (the stand-in's answer fails the row count check: exit 1 for that, not 4).
      const tested = await mesh('test', 'product_catalog', '--config', config, '--target', 'prod', '--json');
      expect(tested.code, tested.stdout + tested.stderr).toBe(1);
      const report = JSON.parse(tested.stdout);
      expect(report.error.code).toBe('checks-failed');
      expect(report.products[0].checks.length).toBeGreaterThan(3);
      expect(report.warnings[0]).toMatch(
        /^product\.product_catalog: its test run was not recorded: .*Access Denied/,
      );
      // What it tried and was refused: the platform's run log and history (never a product's table).
      expect(standIn.deniedWrites.length).toBeGreaterThan(0);
      expect(standIn.deniedWrites.filter((w) => /tables\/|setIamPolicy|copy job|load job/.test(w))).toEqual(
        [],
      );
    } finally {
      standIn.viewerOnly = false;
    }
  });
});

describe('mesh cost --target prod', () => {
  it("takes each domain's compute from the bytes its labelled jobs billed (INFORMATION_SCHEMA.JOBS)", async () => {
    standIn.reset();
    const asked: string[] = [];
    standIn.onQuery((query) => {
      asked.push(query);
      if (query.includes('INFORMATION_SCHEMA.JOBS_BY_PROJECT'))
        return {
          schema: [
            { name: 'domain', type: 'STRING' },
            { name: 'bytes', type: 'INT64' },
          ],
          rows: [
            ['order', 3e12],
            ['customer', 1e12],
          ],
        };
      return {
        error: { code: 404, reason: 'notFound', message: 'Not found: Table retail-mesh-prod:_mesh.runs' },
      };
    });
    const r = await mesh('cost', '--config', config, '--target', 'prod', '--days', '30', '--json');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const bill = JSON.parse(r.stdout);
    expect(bill.computeFrom).toBe('job labels');
    const byDomain = Object.fromEntries(bill.domains.map((d: { domain: string }) => [d.domain, d]));
    expect(byDomain.order).toMatchObject({ processedBytes: 3e12, computeCost: 15 });
    expect(byDomain.customer).toMatchObject({ processedBytes: 1e12, computeCost: 5 });
    expect(byDomain.store).toMatchObject({ processedBytes: 0, computeCost: 0 });
    const jobs = asked.find((q) => q.includes('INFORMATION_SCHEMA'))!;
    expect(jobs).toContain('`retail-mesh-prod`.`region-eu`.INFORMATION_SCHEMA.JOBS_BY_PROJECT');
    expect(jobs).toMatch(/creation_time >= TIMESTAMP '[^']+'/);
    expect(jobs).toContain("key = 'mesh_domain'");
  });
});
