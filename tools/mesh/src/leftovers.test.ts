import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
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

  it('finds sources whose current rows disagree with their log, and doctor rebuilds them from it', async () => {
    // customer.preferences' sample holds some customers twice: its current rows are a table
    // (where a sample's keys are unique they are a view of its log, which cannot disagree).
    expect(
      await tables(
        `SELECT count(*) AS n FROM duckdb_tables() WHERE schema_name = 'customer' AND table_name = 'raw_preferences'`,
      ),
    ).toEqual([{ n: 1 }]);
    const digest = () =>
      tables(`SELECT count(*) AS n, CAST(sum(hash(p)) AS VARCHAR) AS h FROM customer.raw_preferences AS p`);
    const comment = () =>
      tables(
        `SELECT comment FROM duckdb_tables() WHERE schema_name = 'customer' AND table_name = 'raw_preferences'`,
      );
    const described = await comment();
    expect(described[0]!.comment).toBeTruthy();
    const before = await digest();
    const n = Number(before[0]!.n);
    expect(n).toBeGreaterThan(10);
    // What a crash seen once left (every current row twice, the log whole), and a key lost.
    await tables('INSERT INTO customer.raw_preferences SELECT * FROM customer.raw_preferences');
    await tables(
      'DELETE FROM customer.raw_preferences WHERE customer_id = (SELECT min(customer_id) FROM customer.raw_preferences)',
    );
    const drift = { source: 'customer.preferences', rows: 2 * (n - 1), keys: n - 1, expected: n };

    // A product built from the doubled rows: doctor rebuilds it whole, nothing else would (no
    // definition or batch changed, and an incremental build keeps the days it holds).
    const product = () =>
      tables(
        `SELECT count(*) AS n, CAST(sum(hash(p)) AS VARCHAR) AS h FROM (SELECT * EXCLUDE (_processed_at) FROM customer.customer_preferences) AS p`,
      );
    const published = await product();
    expect((await mesh('build', 'customer.customer_preferences', '--full-refresh', '--db', db)).code).toBe(0);
    const fromDrift = await product();
    expect(fromDrift).not.toEqual(published);

    const dry = await mesh('doctor', '--dry-run', '--db', db, '--json');
    expect(dry.code).toBe(0);
    const { products, ...rest } = dry.json();
    expect(rest).toEqual({ leftovers: [], sources: [{ ...drift, rebuilt: false }] });
    expect(products).toContainEqual({ product: 'customer.customer_preferences', rebuilt: false });
    expect(Number((await digest())[0]!.n)).toBe(2 * (n - 1));

    const fixed = await mesh('doctor', '--db', db);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stdout).toContain(
      `rebuilt customer.preferences: its current rows hold ${(2 * (n - 1)).toLocaleString('en-US')} rows for ${(n - 1).toLocaleString('en-US')} keys, its log ${n.toLocaleString('en-US')} keys: rebuilt from its log`,
    );
    expect(fixed.stdout).toMatch(
      /rebuilt the products built from the rows before: .*customer\.customer_preferences/,
    );
    expect(await digest()).toEqual(before);
    expect(await product()).toEqual(published);
    // Described as before: the next command finds the source in place, as ensureSources left it.
    expect(await comment()).toEqual(described);
    expect((await mesh('doctor', '--db', db)).stdout).toContain(
      'every source holds the current rows its log says',
    );
  });

  it('keeps every product its complete old or new version when builds are killed at random moments', async () => {
    // Two versions of the sources (two seeds) and of every product built from them, the second
    // built to the end on a copy: how long a build takes spreads the kills over it.
    const versions: Record<number, Record<string, string>> = { 42: await productDigests(db) };
    const other = join(dir, 'seed-7.duckdb');
    copyFileSync(db, other);
    expect((await mesh('seed', '--seed', '7', '--scale', '0.02', '--db', other)).code).toBe(0);
    const complete = await killAfter(['build', '--full-refresh', '--db', other]);
    expect(complete.signal).toBeNull();
    versions[7] = await productDigests(other);
    const products = Object.keys(versions[42]!);
    expect(Object.keys(versions[7]!)).toEqual(products);
    expect(products.filter((p) => versions[7]![p] !== versions[42]![p]).length).toBeGreaterThan(
      products.length / 2,
    );

    const next = random(7);
    let seed = 42;
    let before = versions[42]!;
    const done: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      // Sources of the other version once most products are built from these: each kill then
      // interrupts a build that changes products.
      if (products.filter((p) => before[p] === versions[seed]![p]).length > products.length / 2) {
        seed = seed === 42 ? 7 : 42;
        expect((await mesh('seed', '--seed', String(seed), '--scale', '0.02', '--db', db)).code).toBe(0);
      }
      const target = versions[seed]!;
      // Once a random number of products have started, and a random moment later: inside a
      // product's transaction, or between two, whatever the machine's speed.
      await killAfter(['build', '--full-refresh', '--db', db], {
        started: 1 + Math.floor(next() * products.length),
        delayMs: next() * 40,
      });
      const now = await productDigests(db);
      expect(Object.keys(now)).toEqual(products);
      // Every product is as it was or its new version whole, never a mix or a part.
      const torn = products.filter((p) => now[p] !== before[p] && now[p] !== target[p]);
      expect(torn, `kill ${i}`).toEqual([]);
      done.push(products.filter((p) => now[p] !== before[p]).length);
      before = now;
    }
    // The kills fell at moments that found different numbers of products done: none, some, all.
    expect(new Set(done).size).toBeGreaterThan(3);
    // The next build leaves no staging table, and every product the version of its sources.
    expect((await mesh('build', '--full-refresh', '--db', db)).code).toBe(0);
    expect(await stagingTables(db)).toEqual([]);
    expect(await productDigests(db)).toEqual(versions[seed]);
    // 20 kills, each after a random number of products began: about a minute alone, more on a busy CI.
  }, 600_000);

  it('keeps every batch wholly in or wholly out when ingests are killed at random moments', async () => {
    // Exports of 150,000 order lines, each in other bytes (never "already ingested"), and over
    // the same keys: each batch that lands supersedes the one before, key by key.
    const exports = Array.from({ length: KILLS + 1 }, (_, i) => join(dir, `lines-${i}.csv`));
    const warehouse = await createDuckDbWarehouse({ path: db });
    try {
      for (const [i, path] of exports.entries()) {
        await warehouse.query(
          `COPY (SELECT printf('K%09d', i // 3) AS order_id, i % 3 + 1 AS line_number, 'P0000001' AS product_id,
            ${i + 1} AS quantity, 2.5 AS unit_price, 0 AS discount_amount FROM range(150000) t(i)) TO '${path}' (HEADER)`,
        );
      }
    } finally {
      await warehouse.close();
    }
    const ingest = (file: string) => ['ingest', 'order.order_lines', '--from', file, '--db', db];
    // One ingest to the end: its duration spreads the kills.
    const complete = await killAfter(ingest(exports[KILLS]!));
    expect(complete.signal).toBeNull();
    const next = random(11);
    let live = await liveBatches();
    let landed = 0;
    for (let i = 0; i < KILLS; i++) {
      const { signal } = await killAfter(ingest(exports[i]!), complete.ms * (0.1 + 0.9 * next()));
      // Left for the next open to replay (and to recover the current rows from: see
      // recoverCurrentRows in the DuckDB adapter); said when an assertion fails.
      const replayed = existsSync(`${db}.wal`);
      const [check] = await tables(`
        SELECT
          (SELECT count(*) FROM _mesh.batches WHERE source = 'order.order_lines' AND reverted_at IS NULL) AS live,
          (SELECT count(*) FROM (SELECT b.batch_id FROM _mesh.batches b LEFT JOIN (SELECT _batch_id, count(*) AS n FROM "order".raw_order_lines_log GROUP BY 1) l ON l._batch_id = b.batch_id
            WHERE b.source = 'order.order_lines' AND b.reverted_at IS NULL AND COALESCE(l.n, 0) <> b.loaded)) AS short_batches,
          (SELECT count(*) FROM "order".raw_order_lines_log l WHERE NOT EXISTS (SELECT 1 FROM _mesh.batches b WHERE b.batch_id = l._batch_id AND b.reverted_at IS NULL)) AS orphan_rows,
          (SELECT count(*) FROM "order".raw_order_lines) AS current_rows,
          (SELECT count(*) FROM (SELECT 1 FROM "order".raw_order_lines GROUP BY order_id, line_number HAVING count(*) > 1)) AS duplicate_keys,
          (SELECT count(*) FROM (SELECT DISTINCT order_id, line_number FROM "order".raw_order_lines_log)) AS keys`);
      // Every live batch holds exactly the rows it says it loaded; no row belongs to no batch.
      expect(
        { short: Number(check?.short_batches), orphans: Number(check?.orphan_rows) },
        `kill ${i}`,
      ).toEqual({
        short: 0,
        orphans: 0,
      });
      // One current row per key of the log, whatever moment the kill hit.
      const said = `kill ${i} (${signal ?? 'exited'}, ${replayed ? 'a write-ahead log replayed' : 'no write-ahead log'})`;
      expect(Number(check?.duplicate_keys), said).toBe(0);
      expect(Number(check?.current_rows), said).toBe(Number(check?.keys));
      // The batch is in whole (one more live batch) or not at all; an ingest not killed landed.
      const now = Number(check?.live);
      expect(now - live).toBeOneOf([0, 1]);
      if (now > live) landed++;
      else expect(signal).toBe('SIGKILL');
      live = now;
    }
    // The kills fell before and after batches committed.
    expect(landed).toBeLessThan(KILLS);
  }, 600_000);
});

/** Kills per test: builds and ingests each, at random moments. */
const KILLS = 20;

/** A seeded series in [0, 1), so that a failure can be replayed. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

/** Runs the built CLI and kills it after `ms` (never, when undefined); how long it ran, and how it ended. */
/**
 * Runs the CLI; with `when`, kills it (SIGKILL) that many ms after it started, or `delayMs`
 * after the `started`-th product began building, as its progress lines say (MESH_PROGRESS=plain).
 */
async function killAfter(args: string[], when?: number | { started: number; delayMs: number }) {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MESH_PROGRESS: 'plain' },
  });
  let stderr = '';
  let timer: NodeJS.Timeout | undefined;
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    const begun = stderr.match(/^building /gm)?.length ?? 0;
    if (typeof when === 'object' && !timer && begun >= when.started)
      timer = setTimeout(() => child.kill('SIGKILL'), when.delayMs);
  });
  if (typeof when === 'number') timer = setTimeout(() => child.kill('SIGKILL'), when);
  // Listened for at once: a process that ends before the kill must not be waited for forever.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const { code, signal } = await exited;
  clearTimeout(timer);
  // A process that was not killed did its work to the end.
  if (!signal) expect(code, stderr).toBe(0);
  return { signal, ms: performance.now() - started };
}

/**
 * Every published product's rows, as a count and a hash (the time they were processed left
 * out: a rebuild of the same inputs is the same version), in one query.
 */
async function productDigests(path: string): Promise<Record<string, string>> {
  const warehouse = await createDuckDbWarehouse({ path });
  try {
    const products = await warehouse.query(
      `SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name <> '_mesh' AND table_name NOT LIKE 'raw\\_%' ESCAPE '\\' AND table_name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY 1, 2`,
    );
    const [row] = await warehouse.query(
      `SELECT ${products
        .map(
          (p, i) =>
            `(SELECT count(*) || ':' || COALESCE(CAST(sum(hash(CAST(to_json(r) AS VARCHAR))) AS VARCHAR), '') FROM (SELECT COLUMNS(c -> c <> '_processed_at') FROM "${p.schema_name}"."${p.table_name}") AS r) AS t${i}`,
        )
        .join(', ')}`,
    );
    return Object.fromEntries(
      products.map((p, i) => [`${p.schema_name}.${p.table_name}`, String(row?.[`t${i}`])]),
    );
  } finally {
    await warehouse.close();
  }
}

async function stagingTables(path: string) {
  const warehouse = await createDuckDbWarehouse({ path });
  try {
    return await warehouse.query(
      `SELECT schema_name, table_name FROM duckdb_tables() WHERE table_name LIKE '\\_staging%' ESCAPE '\\'`,
    );
  } finally {
    await warehouse.close();
  }
}

async function liveBatches() {
  const [row] = await tables(
    `SELECT count(*) AS n FROM _mesh.batches WHERE source = 'order.order_lines' AND reverted_at IS NULL`,
  );
  return Number(row?.n);
}
