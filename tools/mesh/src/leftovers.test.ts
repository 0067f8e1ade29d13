import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { mesh } from './testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mesh-leftovers-'));
const db = join(dir, 'mesh.duckdb');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const BIN = new URL('../bin/mesh.js', import.meta.url).pathname;

async function tables(query: string) {
  const warehouse = await createDuckDbWarehouse({ path: db });
  try {
    return await warehouse.query(query);
  } finally {
    await warehouse.close();
  }
}

describe('what interrupted builds leave behind', () => {
  it('is reported by health and test, removed by doctor, and by the next build of its product', async () => {
    expect((await mesh('up', '--db', db, '--scale', '0.02')).code).toBe(0);
    // What a build killed between its staging CTAS and its swap leaves.
    await tables('CREATE TABLE "order"._staging_order_returns AS SELECT 1 AS x');
    await tables('CREATE TABLE store._staging_store_locations AS SELECT 1 AS x');
    const leftover = 'leftover staging table order._staging_order_returns from a build that did not finish';

    const health = await mesh('health', '--db', db, '--json');
    const returns = health
      .json()
      .domains.flatMap((d: { products: unknown[] }) => d.products)
      .find((p: { id: string }) => p.id === 'order.order_returns');
    expect(returns.reasons).toContain(leftover);
    expect((await mesh('test', 'order', '--db', db)).stdout).toContain(leftover);

    const dry = await mesh('doctor', '--dry-run', '--db', db, '--json');
    expect(dry.json().leftovers).toEqual([
      { product: 'store.store_locations', table: 'store._staging_store_locations', removed: false },
      { product: 'order.order_returns', table: 'order._staging_order_returns', removed: false },
    ]);
    // A build of one product removes its own leftover, and only that one.
    expect((await mesh('build', 'store_locations', '--db', db)).code).toBe(0);
    expect(
      await tables(
        `SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '\\_staging\\_%' ESCAPE '\\'`,
      ),
    ).toEqual([{ table_name: '_staging_order_returns' }]);
    const fixed = await mesh('doctor', '--db', db);
    expect(fixed.stdout).toContain(`removed ${leftover}`);
    expect(
      await tables(
        `SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '\\_staging\\_%' ESCAPE '\\'`,
      ),
    ).toEqual([]);
    expect((await mesh('doctor', '--db', db)).stdout).toContain('Nothing to repair');
  });

  it('keeps every product whole when builds are killed at random moments', async () => {
    // Every published product's row count, read in one query.
    const counts = async () => {
      const products = await tables(
        `SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name <> '_mesh' AND table_name NOT LIKE 'raw\\_%' ESCAPE '\\' AND table_name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY 1, 2`,
      );
      const [row] = await tables(
        `SELECT ${products.map((p) => `(SELECT count(*) FROM "${p.schema_name}"."${p.table_name}") AS "${p.schema_name}.${p.table_name}"`).join(', ')}`,
      );
      return row;
    };
    const before = await counts();
    // A seeded pseudo-random series of kill delays, so a failure can be replayed.
    let seed = 7;
    const next = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 6; i++) {
      const child = spawn(process.execPath, [BIN, 'build', '--full-refresh', '--db', db], {
        stdio: 'ignore',
      });
      await new Promise((resolve) => setTimeout(resolve, 150 + next() * 2500));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      // Every product is still its complete old version (same rows: the same data rebuilt).
      expect(await counts()).toEqual(before);
    }
    // The next full build leaves no staging table.
    expect((await mesh('build', '--db', db)).code).toBe(0);
    expect(
      await tables(`SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '\\_staging%' ESCAPE '\\'`),
    ).toEqual([]);
    expect(await counts()).toEqual(before);
  });
});
