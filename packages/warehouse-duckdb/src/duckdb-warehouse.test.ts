import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProduct, defineDataProduct, defineDomain, isMeshError, sql, z } from '@retail-mesh/sdk';
import { describeWarehouseConformance } from '@retail-mesh/warehouse-conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { createDuckDbWarehouse } from './duckdb-warehouse.js';

const dir = mkdtempSync(join(tmpdir(), 'mesh-duckdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeWarehouseConformance('duckdb (in memory)', () => createDuckDbWarehouse({ path: ':memory:' }));
describeWarehouseConformance('duckdb (file)', () =>
  createDuckDbWarehouse({ path: join(dir, 'conformance.duckdb') }),
);

describe('duckdb warehouse', () => {
  it('creates the database file and its directory', async () => {
    const path = join(dir, 'nested', 'deeper', 'mesh.duckdb');
    const warehouse = await createDuckDbWarehouse({ path });
    await warehouse.query('SELECT 1');
    await warehouse.close();
    const again = await createDuckDbWarehouse({ path });
    await again.close();
  });

  it('never downloads extensions', async () => {
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    const [row] = await warehouse.query("SELECT current_setting('autoinstall_known_extensions') AS v");
    expect(row?.v).toBe(false);
    await warehouse.close();
  });

  it('keeps the previous table after a restart when a later build fails', async () => {
    const path = join(dir, 'restart.duckdb');
    const domain = defineDomain({
      name: 'shop',
      description: 'Shop',
      owner: { team: 't', email: 't@x.example' },
    });
    const schema = z.object({ id: z.int().describe('Id').meta({ key: true }) });
    let rows = [1, 2, 3];
    const product = () =>
      defineDataProduct({
        domain,
        name: 'shop_ids',
        version: '1.0.0',
        description: 'Ids',
        tier: 'gold',
        refresh: 'daily',
        access: 'public',
        schema,
        inputs: {},
        transform: () =>
          sql.join(
            rows.map((id) => sql`SELECT ${id} AS id`),
            ' UNION ALL ',
          ),
        checks: (c) => [c.id.unique(), c.id.notNull()],
      });
    let warehouse = await createDuckDbWarehouse({ path });
    expect((await buildProduct(warehouse, product(), { runId: 'r1' })).status).toBe('published');
    await warehouse.close();
    rows = [1, 1];
    warehouse = await createDuckDbWarehouse({ path });
    expect((await buildProduct(warehouse, product(), { runId: 'r2' })).status).toBe('failed');
    await warehouse.close();
    warehouse = await createDuckDbWarehouse({ path });
    expect(await warehouse.query('SELECT id FROM shop.shop_ids ORDER BY id')).toEqual([
      { id: 1 },
      { id: 2 },
      { id: 3 },
    ]);
    const runs = await warehouse.latestRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ runId: 'r2', status: 'failed' });
    await warehouse.close();
  });

  it('names the file when another process holds it', async () => {
    const path = join(dir, 'locked.duckdb');
    const holder = await createDuckDbWarehouse({ path });
    await holder.query('SELECT 1');
    const { spawnSync } = await import('node:child_process');
    const script = `import('@duckdb/node-api').then(async ({ DuckDBInstance }) => { try { await DuckDBInstance.create(${JSON.stringify(path)}); console.log('opened'); } catch (e) { console.log(String(e.message)); } })`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: import.meta.dirname,
      encoding: 'utf8',
    });
    expect(child.stdout).toMatch(/lock/i);
    await holder.close();
  });

  it('wraps a failing statement in a WarehouseError', async () => {
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    const error = await warehouse.query('SELECT * FROM nowhere').catch((e: unknown) => e);
    expect(isMeshError(error) && error.code).toBe('statement-failed');
    await warehouse.close();
  });

  it('sorts published rows by partition and cluster columns', async () => {
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    const domain = defineDomain({
      name: 'sorted',
      description: 'Sorted',
      owner: { team: 't', email: 't@x.example' },
    });
    const product = defineDataProduct({
      domain,
      name: 'sorted_rows',
      version: '1.0.0',
      description: 'Rows',
      tier: 'bronze',
      refresh: 'daily',
      access: 'public',
      schema: z.object({ day: z.iso.date().describe('Day'), k: z.string().describe('K') }),
      partitionBy: { column: 'day' },
      clusterBy: ['k'],
      inputs: {},
      transform: () =>
        sql`SELECT ${sql.cast('2024-01-02', 'date')} AS day, ${'b'} AS k UNION ALL SELECT ${sql.cast('2024-01-01', 'date')}, ${'z'} UNION ALL SELECT ${sql.cast('2024-01-02', 'date')}, ${'a'}`,
    });
    await buildProduct(warehouse, product, { runId: 'r' });
    expect(await warehouse.query('SELECT day, k FROM sorted.sorted_rows')).toEqual([
      { day: '2024-01-01', k: 'z' },
      { day: '2024-01-02', k: 'a' },
      { day: '2024-01-02', k: 'b' },
    ]);
    await warehouse.close();
  });
});
