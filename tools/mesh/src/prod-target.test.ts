import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bigqueryDialect } from '@retail-mesh/bigquery';
import { type BigQueryStandIn, STAND_IN_TOKEN, startBigQueryStandIn } from '@retail-mesh/bigquery/testing';
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
    const order = planBuild(loadMesh().products).order;
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
        },
        jobReference: expect.objectContaining({ location: 'EU' }),
      })),
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
