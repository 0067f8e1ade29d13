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
      // Listened for at once: a process that ends before the kill must not be waited for forever.
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await new Promise((resolve) => setTimeout(resolve, 150 + next() * 2500));
      child.kill('SIGKILL');
      await exited;
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

  it('keeps every batch wholly in or wholly out when ingests are killed at random moments', async () => {
    // 300,000 order lines: long enough to be killed part-way.
    // Exports of 300,000 order lines, each in other bytes: long enough to be killed part-way,
    // and never "already ingested".
    const exports = Array.from({ length: 8 }, (_, i) => join(dir, `lines-${i}.csv`));
    for (const [i, path] of exports.entries()) {
      await tables(
        `COPY (SELECT printf('K%09d', i // 3) AS order_id, i % 3 + 1 AS line_number, 'P0000001' AS product_id,
          ${i + 1} AS quantity, 2.5 AS unit_price, 0 AS discount_amount FROM range(300000) t(i)) TO '${path}' (HEADER)`,
      );
    }
    let seed = 11;
    const next = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 8; i++) {
      const child = spawn(
        process.execPath,
        [BIN, 'ingest', 'order.order_lines', '--from', exports[i]!, '--db', db],
        {
          stdio: 'ignore',
        },
      );
      // Listened for at once: a process that ends before the kill must not be waited for forever.
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await new Promise((resolve) => setTimeout(resolve, 100 + next() * 1500));
      child.kill('SIGKILL');
      await exited;
      // Every live batch holds exactly the rows it says it loaded; no row belongs to no batch.
      const [check] = await tables(`
        SELECT
          (SELECT count(*) FROM (SELECT b.batch_id FROM _mesh.batches b LEFT JOIN (SELECT _batch_id, count(*) AS n FROM "order".raw_order_lines_log GROUP BY 1) l ON l._batch_id = b.batch_id
            WHERE b.source = 'order.order_lines' AND b.reverted_at IS NULL AND COALESCE(l.n, 0) <> b.loaded)) AS short_batches,
          (SELECT count(*) FROM "order".raw_order_lines_log l WHERE NOT EXISTS (SELECT 1 FROM _mesh.batches b WHERE b.batch_id = l._batch_id AND b.reverted_at IS NULL)) AS orphan_rows,
          (SELECT count(*) FROM "order".raw_order_lines) AS current_rows,
          (SELECT count(*) FROM (SELECT DISTINCT order_id, line_number FROM "order".raw_order_lines_log)) AS keys`);
      expect({ short: Number(check?.short_batches), orphans: Number(check?.orphan_rows) }).toEqual({
        short: 0,
        orphans: 0,
      });
      // The current rows are one per key of the log, whatever moment the kill hit.
      expect(Number(check?.current_rows)).toBe(Number(check?.keys));
    }
  });
});
