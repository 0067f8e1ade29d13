import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildMesh,
  buildProduct,
  canIngestFiles,
  defineDataProduct,
  defineDomain,
  defineSource,
  ensureSources,
  isMeshError,
  loadRows,
  odcsContract,
  type PartitionStager,
  publishPreviousMajors,
  renderSql,
  type SqlFragment,
  sql,
  stagingLeftovers,
  testProduct,
  type Warehouse,
  z,
} from '@retail-mesh/sdk';
import { describeWarehouseConformance } from '@retail-mesh/warehouse-conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { duckdbDialect } from './duckdb-dialect.js';
import { createDuckDbWarehouse } from './duckdb-warehouse.js';
import { runThenKill } from './testing/killed-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'mesh-duckdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A gold, daily, public product of a shop domain, reading nothing: what a test varies given. */
function shopProduct<S extends z.ZodObject>(fields: {
  name: string;
  schema: S;
  transform: () => SqlFragment;
}) {
  const domain = defineDomain({
    name: 'shop',
    description: 'Shop.',
    owner: { team: 'shop-data', email: 'shop@retail.example' },
  });
  return defineDataProduct({
    domain,
    version: '1.0.0',
    description: `${fields.name}.`,
    tier: 'gold',
    refresh: 'daily',
    access: 'public',
    inputs: {},
    ...fields,
  });
}

describeWarehouseConformance('duckdb (in memory)', () => createDuckDbWarehouse({ path: ':memory:' }));
describeWarehouseConformance('duckdb (file)', () =>
  createDuckDbWarehouse({ path: join(dir, 'conformance.duckdb'), create: true }),
);

/**
 * The DuckDB warehouse as one without in-place publishes that stages an incremental build's
 * changed days the way the BigQuery adapter does (a copy of the published table, those days
 * deleted and inserted again): the SDK's staged-partition path, run on a real engine, must
 * pass the same suite (an incremental build equal to a full refresh).
 */
function stagingPartitions(warehouse: Warehouse): Warehouse {
  const stagePartitions: PartitionStager['stagePartitions'] = async (
    staging,
    published,
    partitions,
    select,
  ) => {
    const t = duckdbDialect.tableName(staging);
    const column = duckdbDialect.quoteIdent(partitions.column);
    const days = partitions.days.filter((d): d is string => d !== null);
    const where = [
      ...(days.length ? [`CAST(${column} AS DATE) IN (${days.map((d) => `DATE '${d}'`).join(', ')})`] : []),
      ...(partitions.days.includes(null) ? [`${column} IS NULL`] : []),
    ].join(' OR ');
    await warehouse.query(
      `CREATE OR REPLACE TABLE ${t} AS SELECT * FROM ${duckdbDialect.tableName(published)}`,
    );
    await warehouse.query(`DELETE FROM ${t} WHERE ${where}`);
    await warehouse.query(`INSERT INTO ${t} BY NAME SELECT * FROM (${select}) AS s`);
    const [row] = await warehouse.query(`SELECT count(*) AS n FROM ${t}`);
    return { rowCount: Number(row?.n ?? 0) };
  };
  return new Proxy(warehouse, {
    get(target, prop) {
      if (prop === 'capabilities') return { ...target.capabilities, publishInPlace: false };
      if (prop === 'stagePartitions') return stagePartitions;
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
describeWarehouseConformance('duckdb (staged partitions, as on BigQuery)', async () =>
  stagingPartitions(await createDuckDbWarehouse({ path: ':memory:' })),
);

describe('duckdb warehouse', () => {
  it('creates the database file and its directory when asked, and only then', async () => {
    const path = join(dir, 'nested', 'deeper', 'mesh.duckdb');
    await expect(createDuckDbWarehouse({ path })).rejects.toMatchObject({
      code: 'database-not-found',
      message: expect.stringContaining(`No DuckDB warehouse at ${path}`),
    });
    expect(existsSync(join(dir, 'nested'))).toBe(false);
    const warehouse = await createDuckDbWarehouse({ path, create: true });
    await warehouse.query('SELECT 1');
    await warehouse.close();
    const again = await createDuckDbWarehouse({ path });
    await again.close();
  });

  it('takes a path as a string, refuses other arguments, and says what to do without CLI flags', async () => {
    const path = join(dir, 'by-string.duckdb');
    const missing = await createDuckDbWarehouse(path).catch((e: unknown) => e);
    expect(missing).toMatchObject({
      code: 'database-not-found',
      subject: { file: path },
      message: `No DuckDB warehouse at ${path}: check the path, or pass create: true to make a new one there.`,
    });
    expect((missing as Error).message).not.toMatch(/--db|MESH_DB|mesh up/);
    const created = await createDuckDbWarehouse({ path, create: true });
    await created.query('CREATE TABLE t AS SELECT 42 AS answer');
    await created.close();
    const opened = await createDuckDbWarehouse(path);
    expect(await opened.query('SELECT answer FROM t')).toEqual([{ answer: 42 }]);
    await opened.close();
    for (const wrong of [42, null, [path]])
      await expect(createDuckDbWarehouse(wrong as never)).rejects.toMatchObject({
        kind: 'usage',
        code: 'bad-arguments',
        message: expect.stringMatching(
          /^createDuckDbWarehouse takes the database file's path or an options object/,
        ),
      });
    // A misspelt option would open the default file instead.
    await expect(createDuckDbWarehouse({ pth: path } as never)).rejects.toMatchObject({
      kind: 'usage',
      code: 'bad-arguments',
      subject: { option: 'pth' },
      message:
        'createDuckDbWarehouse has no option pth (did you mean path?): its options are path, create, threads, memoryLimit, onStatement.',
    });
  });

  it('refuses every use after close by name, and closes once', async () => {
    const path = join(dir, 'closed.duckdb');
    const warehouse = await createDuckDbWarehouse({ path, create: true });
    await warehouse.query('CREATE TABLE t AS SELECT 1 AS x');
    await warehouse.close();
    const closed = {
      kind: 'warehouse',
      code: 'warehouse-closed',
      subject: { file: path },
      message: `The DuckDB warehouse ${path} was closed: open it again (createDuckDbWarehouse) to use it.`,
    };
    await expect(warehouse.query('SELECT x FROM t')).rejects.toMatchObject(closed);
    const reading = (async () => {
      for await (const _ of warehouse.stream('SELECT x FROM t'));
    })();
    await expect(reading).rejects.toMatchObject(closed);
    await expect(warehouse.tableStats({ schema: 'main', name: 't' })).rejects.toMatchObject(closed);
    await expect(warehouse.close()).resolves.toBeUndefined();
    // The file was released: another warehouse opens it.
    const again = await createDuckDbWarehouse(path);
    expect(await again.query('SELECT x FROM t')).toEqual([{ x: 1 }]);
    await again.close();
  });

  it('says what to do when the write-ahead log beside a file is not its own', async () => {
    const restored = join(dir, 'restored.duckdb');
    const other = join(dir, 'other.duckdb');
    const clean = await createDuckDbWarehouse({ path: restored, create: true });
    await clean.query('CREATE TABLE kept AS SELECT 1 AS x');
    await clean.close();
    // Another file's log, as a process killed before its checkpoint leaves it: a write to a
    // table the restored file does not have (DuckDB replays a log it can onto any file).
    runThenKill(other, [
      'CREATE SCHEMA elsewhere; CREATE TABLE elsewhere.t AS SELECT 2 AS x; CHECKPOINT',
      'INSERT INTO elsewhere.t VALUES (3)',
    ]);
    expect(existsSync(`${other}.wal`)).toBe(true);
    writeFileSync(`${restored}.wal`, readFileSync(`${other}.wal`));
    const error = await createDuckDbWarehouse({ path: restored }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      kind: 'warehouse',
      code: 'database-unavailable',
      subject: { file: restored },
      message: expect.stringContaining(
        `Its write-ahead log ${restored}.wal cannot be replayed onto it. If the file was copied or restored without its own .wal, the one beside it belongs to another copy: move it aside`,
      ),
    });
    // Moved aside, the file opens as it was.
    rmSync(`${restored}.wal`);
    const again = await createDuckDbWarehouse({ path: restored });
    expect(await again.query('SELECT x FROM kept')).toEqual([{ x: 1 }]);
    await again.close();
  });

  it('says a corrupted file is unreadable, not that another process holds it', async () => {
    const path = join(dir, 'corrupted.duckdb');
    const warehouse = await createDuckDbWarehouse({ path, create: true });
    await warehouse.query('CREATE TABLE t AS SELECT range AS i FROM range(100000)');
    await warehouse.close();
    // Scribble over the blocks after the file header: DuckDB's checksum check says "block".
    const bytes = readFileSync(path);
    bytes.fill(0x5a, 12_288, Math.min(bytes.length, 200_000));
    writeFileSync(path, bytes);
    const error = await createDuckDbWarehouse({ path })
      .then(async (w) => {
        await w.query('SELECT sum(i) FROM t');
        await w.close();
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      kind: 'warehouse',
      code: 'database-unavailable',
      message: expect.stringMatching(/Corrupt database file|checksum/),
    });
  });

  it('says a file damaged where a later statement reads it is unavailable, not a failed statement', async () => {
    const path = join(dir, 'damaged-later.duckdb');
    const warehouse = await createDuckDbWarehouse({ path, create: true });
    await warehouse.query('CREATE TABLE t AS SELECT hash(range) AS h FROM range(2000000)');
    await warehouse.close();
    // Damage a data block in the middle: the header and the catalog still open.
    const bytes = readFileSync(path);
    const middle = Math.floor(bytes.length / 2);
    bytes.fill(0x5a, middle, middle + 4096);
    writeFileSync(path, bytes);
    const damaged = await createDuckDbWarehouse({ path });
    try {
      const expected = {
        kind: 'warehouse',
        code: 'database-unavailable',
        subject: { file: path },
        message: expect.stringMatching(
          /^Cannot read DuckDB database .*damaged-later\.duckdb: .*Corrupt database file[^\n]*$/,
        ),
      };
      await expect(damaged.query('SELECT sum(h) FROM t')).rejects.toMatchObject(expected);
      const streamed = (async () => {
        for await (const _ of damaged.stream('SELECT h FROM t', { chunkSize: 100_000 })) {
          // read every chunk
        }
      })();
      await expect(streamed).rejects.toMatchObject(expected);
      // A statement that is wrong on its own is still just that.
      await expect(damaged.query('SELECT nope FROM t')).rejects.toMatchObject({ code: 'statement-failed' });
    } finally {
      await damaged.close();
    }
  });

  it('finds by a time a read handed out the rows stored with microseconds of their own', async () => {
    const product = defineDataProduct({
      domain: defineDomain({ name: 'shop', description: 'Shop', owner: { team: 't', email: 't@x.example' } }),
      name: 'shop_visits',
      version: '1.0.0',
      description: 'Visits',
      tier: 'gold',
      refresh: 'daily',
      access: 'public',
      schema: z.object({
        id: z.int().describe('Id').meta({ key: true }),
        visited_at: z.date().describe('When'),
        seen: z.iso.datetime().describe('When, as text'),
      }),
      inputs: {},
      transform: () => sql`SELECT 1 AS id`,
    });
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    const readAll = async (options?: Parameters<typeof product.read>[1]) => {
      const rows: Array<{ id: number; visited_at: Date; seen: string }> = [];
      for await (const row of product.read(warehouse, options)) rows.push(row);
      return rows;
    };
    try {
      await warehouse.query('CREATE SCHEMA shop');
      await warehouse.query(
        `CREATE TABLE shop.shop_visits AS SELECT id, visited_at, visited_at AS seen FROM (VALUES
           (1, TIMESTAMP '2024-03-01 10:00:00.123456'), (2, TIMESTAMP '2024-03-01 10:00:00.124'),
           (3, TIMESTAMP '1969-12-31 23:59:59.999500'), (4, TIMESTAMP '2024-03-01 10:00:00.122999')) AS v(id, visited_at)`,
      );
      const all = await readAll();
      const byId = new Map(all.map((r) => [r.id, r]));
      // Each row is found again by the time it was read with, and only it.
      for (const row of all) {
        expect((await readAll({ where: { visited_at: row.visited_at } })).map((r) => r.id)).toEqual([row.id]);
        expect((await readAll({ where: { seen: row.seen } })).map((r) => r.id)).toEqual([row.id]);
      }
      expect(byId.get(1)?.seen).toBe('2024-03-01T10:00:00.123Z');
      const some = await readAll({
        where: { visited_at: [byId.get(1)!.visited_at, byId.get(3)!.visited_at] },
      });
      expect(some.map((r) => r.id).sort()).toEqual([1, 3]);
      // Text in another form is the exact time it says.
      expect(await readAll({ where: { seen: '2024-03-01 10:00:00.124' } })).toEqual([byId.get(2)]);
    } finally {
      await warehouse.close();
    }
  });

  it("says in the product's terms why a typed read finds no table, or not the contract's columns", async () => {
    const domain = defineDomain({
      name: 'shop',
      description: 'Shop',
      owner: { team: 't', email: 't@x.example' },
    });
    const product = defineDataProduct({
      domain,
      name: 'shop_items',
      version: '2.0.0',
      description: 'Items',
      tier: 'gold',
      refresh: 'daily',
      access: 'public',
      schema: z.object({
        id: z.int().describe('Id').meta({ key: true }),
        label: z.string().describe('Label'),
        price: z.number().describe('Price'),
      }),
      inputs: {},
      transform: () => sql`SELECT 1 AS id, 'a' AS label, 1.5 AS price`,
    });
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    const readAll = async (options?: Parameters<typeof product.read>[1]) => {
      const rows: unknown[] = [];
      for await (const row of product.read(warehouse, options)) rows.push(row);
      return rows;
    };
    try {
      await expect(readAll()).rejects.toMatchObject({
        code: 'not-published',
        subject: { domain: 'shop', product: 'shop_items' },
        message: expect.stringMatching(/^shop\.shop_items is not published in this warehouse: build it/),
      });
      // Published by version 1, before label and price were added: another major's columns,
      // whose meaning may differ too. None is read.
      await warehouse.query('CREATE SCHEMA shop');
      await warehouse.query(`CREATE TABLE shop.shop_items AS SELECT 1 AS id, '1.0.0' AS _version`);
      for (const columns of [undefined, ['id' as const]])
        await expect(readAll({ columns })).rejects.toMatchObject({
          code: 'version-mismatch',
          subject: { domain: 'shop', product: 'shop_items' },
          message: expect.stringMatching(
            /^shop\.shop_items: the warehouse holds version 1\.0\.0, an older major than this reader's 2\.0\.0: build it with this version \(mesh build shop\.shop_items\) before reading it/,
          ),
        });
      // Written under this major without label and price (by hand, or an earlier 2.0.0).
      await warehouse.query(`CREATE OR REPLACE TABLE shop.shop_items AS SELECT 1 AS id, '2.0.0' AS _version`);
      await expect(readAll()).rejects.toMatchObject({
        code: 'missing-columns',
        subject: { domain: 'shop', product: 'shop_items', column: 'label' },
        message:
          'shop.shop_items 2.0.0 (the contract installed here) has columns label, price, which its published table (version 2.0.0) lacks: build it with this version, or install the version that published it.',
      });
      // A test of it fails the same way, though no check names label or price.
      expect(await testProduct(warehouse, product, { runId: 't1' })).toMatchObject({
        status: 'test-failed',
        error: { code: 'missing-columns', subject: { column: 'label' } },
      });
      // Only the columns read are asked for.
      expect(await readAll({ columns: ['id'] })).toEqual([{ id: 1 }]);
      await expect(readAll({ columns: ['id', 'price'] })).rejects.toMatchObject({
        code: 'missing-columns',
        message: expect.stringMatching(/has column price, which/),
      });
      // An id beyond 2^53 is refused, not rounded to another id; the ids below it read exactly.
      await warehouse.query(
        `CREATE OR REPLACE TABLE shop.shop_items AS SELECT * FROM (VALUES (9007199254740991, 'a', 1.5), (9007199254740993, 'b', 2.5)) AS v(id, label, price) ORDER BY id`,
      );
      const rows: unknown[] = [];
      await expect(
        (async () => {
          for await (const row of product.read(warehouse, { chunkSize: 1 })) rows.push(row);
        })(),
      ).rejects.toMatchObject({
        code: 'unsafe-integer',
        subject: { domain: 'shop', product: 'shop_items', column: 'id' },
        message: expect.stringMatching(/^shop\.shop_items\.id holds 9007199254740993, beyond the integers/),
      });
      expect(rows).toEqual([{ id: 9007199254740991, label: 'a', price: 1.5 }]);
    } finally {
      await warehouse.close();
    }
  });

  it("reads a newer major's table through the view that keeps the reader's major, or refuses it", async () => {
    const domain = defineDomain({
      name: 'shop',
      description: 'Shop.',
      owner: { team: 'shop-data', email: 'shop@retail.example' },
    });
    const shelf = (version: string, brand: 'brand' | 'brand_name', color = false) =>
      defineDataProduct({
        domain,
        name: 'shop_shelf',
        version,
        description: 'Shelves.',
        tier: 'gold',
        refresh: 'daily',
        access: 'public',
        schema: z.object({
          id: z.int().describe('Id').meta({ key: true }),
          [brand]: z.string().describe('Brand'),
          ...(color && { color: z.string().describe('Colour') }),
        }),
        inputs: {},
        transform: () =>
          sql`SELECT 1 AS id, 'Acme' AS ${sql.id(brand)}${color ? sql`, 'red' AS color` : sql``}`,
        // v2 renamed brand: its v1 view gives brand_name under v1's name.
        ...(brand === 'brand_name' && {
          previousMajor: { until: '2099-12-31', columns: { brand: 'brand_name' } },
        }),
      });
    const v1 = shelf('1.2.0', 'brand');
    const v2 = shelf('2.0.0', 'brand_name');
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    const readAll = async (product: typeof v1 | typeof v2) => {
      const rows: unknown[] = [];
      for await (const row of product.read(warehouse)) rows.push(row);
      return rows;
    };
    try {
      expect((await buildProduct(warehouse, v1, { runId: 'r1' })).status).toBe('published');
      expect(await readAll(v1)).toEqual([{ id: 1, brand: 'Acme' }]);
      expect((await buildProduct(warehouse, v2, { runId: 'r2' })).status).toBe('published');
      await publishPreviousMajors(warehouse, [v2], () => odcsContract(v1));
      // A consumer still on 1.x reads v1's columns from the view, v2's rows underneath.
      expect(await readAll(v1)).toEqual([{ id: 1, brand: 'Acme' }]);
      expect(await readAll(v2)).toEqual([{ id: 1, brand_name: 'Acme' }]);
      // A 1.x reader later than the release the view keeps (1.3.0 added a column): told which
      // column the view lacks, not the engine's binder error.
      const v13 = shelf('1.3.0', 'brand', true);
      await expect(readAll(v13)).rejects.toMatchObject({
        code: 'missing-columns',
        subject: { domain: 'shop', product: 'shop_shelf', column: 'color' },
        message:
          'shop.shop_shelf 1.3.0 (the contract installed here) has column color, which "shop"."shop_shelf_v1" lacks: the warehouse holds version 2.0.0, and that view keeps version 1 published as its last 1.x release had it. Read without it (columns), install the shop domain package whose shop_shelf is 2.0.0, or install that 1.x release.',
      });
      // Read without it, it reads.
      const rows: unknown[] = [];
      for await (const row of v13.read(warehouse, { columns: ['id', 'brand'] as never })) rows.push(row);
      expect(rows).toEqual([{ id: 1, brand: 'Acme' }]);
      // Once the view is gone (its date passed), the 1.x reader is told, not handed v2's rows.
      await warehouse.query('DROP VIEW shop.shop_shelf_v1');
      await expect(readAll(v1)).rejects.toMatchObject({
        code: 'version-mismatch',
        subject: { domain: 'shop', product: 'shop_shelf' },
        message: expect.stringMatching(
          /^shop\.shop_shelf: the warehouse holds version 2\.0\.0, a newer major than this reader's 1\.2\.0, and no "shop"\."shop_shelf_v1" keeps version 1 published beside it \(.*Table with name shop_shelf_v1 does not exist.*\): install the shop domain package whose shop_shelf is 2\.0\.0/,
        ),
      });
    } finally {
      await warehouse.close();
    }
  });

  it('finds a time written with an offset as the instant it names, and refuses a fraction of an integer', async () => {
    const sales = shopProduct({
      name: 'shop_sales',
      schema: z.object({
        sale_id: z.string().describe('Sale').meta({ key: true }),
        items: z.int().describe('Items'),
        sold_at: z.date().describe('When'),
      }),
      transform: () =>
        sql`SELECT 'S1' AS sale_id, 2 AS items, TIMESTAMP '2025-11-01 19:49:56' AS sold_at UNION ALL SELECT 'S2', 3, TIMESTAMP '2025-11-01 20:49:56'`,
    });
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    const ids = async (where: Record<string, unknown>) => {
      const found: unknown[] = [];
      for await (const row of sales.read(warehouse, { where, columns: ['sale_id'] } as never))
        found.push((row as { sale_id: string }).sale_id);
      return found;
    };
    try {
      expect((await buildProduct(warehouse, sales, { runId: 'r1' })).status).toBe('published');
      // The same instant three ways; the +01:00 text found S2 (the engine's cast drops offsets).
      expect(await ids({ sold_at: '2025-11-01T19:49:56Z' })).toEqual(['S1']);
      expect(await ids({ sold_at: '2025-11-01T20:49:56+01:00' })).toEqual(['S1']);
      expect(await ids({ sold_at: '2025-11-01 14:49:56-05:00' })).toEqual(['S1']);
      expect(await ids({ items: 3 })).toEqual(['S2']);
      // 2.5 was cast to an integer and found the sales of 2 (or 3).
      await expect(ids({ items: 2.5 })).rejects.toMatchObject({
        code: 'invalid-value',
        subject: { column: 'items' },
      });
    } finally {
      await warehouse.close();
    }
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
    let warehouse = await createDuckDbWarehouse({ path, create: true });
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

  it("cancels a build that runs past its product's timeout, interrupting it; the published rows stay", async () => {
    const domain = defineDomain({
      name: 'shop',
      description: 'Shop',
      owner: { team: 't', email: 't@x.example' },
    });
    const schema = z.object({ n: z.int().describe('A number').meta({ key: true }) });
    const product = (transform: string, timeout?: '1s') =>
      defineDataProduct({
        domain,
        name: 'shop_slow',
        version: '1.0.0',
        description: 'Slow or not',
        tier: 'bronze',
        refresh: 'hourly',
        access: 'public',
        schema,
        inputs: {},
        transform: () => sql.raw(transform),
        ...(timeout ? { timeout } : {}),
      });
    const downstream = (upstream: ReturnType<typeof product>) =>
      defineDataProduct({
        domain,
        name: 'shop_after',
        version: '1.0.0',
        description: 'Reads the slow one',
        tier: 'bronze',
        refresh: 'hourly',
        access: 'public',
        schema,
        inputs: { upstream },
        transform: ({ upstream: u }) => sql`SELECT n FROM ${u}`,
      });
    const warehouse = await createDuckDbWarehouse({ path: join(dir, 'timeout.duckdb'), create: true });
    try {
      const fast = product('SELECT range AS n FROM range(3)');
      expect((await buildMesh(warehouse, [fast])).map((o) => o.status)).toEqual(['published']);
      // A filter over a cross join of ten billion rows: minutes, unless interrupted (a bare
      // count(*) of it DuckDB answers in a second).
      const slow = product(
        'SELECT count(*) AS n FROM range(100000) AS a, range(100000) AS b WHERE (a.range + b.range) % 7 = 3',
        '1s',
      );
      const started = Date.now();
      const outcomes = await buildMesh(warehouse, [slow, downstream(slow)]);
      const took = Date.now() - started;
      expect(outcomes.map((o) => o.status)).toEqual(['failed', 'skipped']);
      expect(outcomes[0]!.error).toMatchObject({
        code: 'build-timeout',
        message: 'shop.shop_slow ran past its 1s timeout and was cancelled; the published version stays.',
        subject: { domain: 'shop', product: 'shop_slow' },
      });
      expect(took).toBeLessThan(30_000);
      // Interrupted while writing its staging table, which is gone with it.
      expect(await warehouse.listTables('shop')).not.toContain('_staging_shop_slow');
      expect(await warehouse.query('SELECT n FROM shop.shop_slow ORDER BY n')).toEqual([
        { n: 0 },
        { n: 1 },
        { n: 2 },
      ]);
      expect((await warehouse.latestRuns()).find((r) => r.product === 'shop_slow')).toMatchObject({
        status: 'failed',
        error: { code: 'build-timeout' },
      });
      // The connection it ran on builds the next product as usual.
      expect((await buildMesh(warehouse, [fast])).map((o) => o.status)).toEqual(['published']);
    } finally {
      await warehouse.close();
    }
  }, 120_000);

  it('neither reports nor drops as left over the staging table of a build running in this process', async () => {
    const domain = defineDomain({
      name: 'shop',
      description: 'Shop',
      owner: { team: 't', email: 't@x.example' },
    });
    const product = defineDataProduct({
      domain,
      name: 'shop_checked_slowly',
      version: '1.0.0',
      description: 'Its check takes seconds',
      tier: 'bronze',
      refresh: 'hourly',
      access: 'public',
      schema: z.object({ n: z.int().describe('A number').meta({ key: true }) }),
      inputs: {},
      transform: () => sql`SELECT range AS n FROM range(3)`,
      // Seconds of work while the build's transaction holds the new rows: the committed staging
      // table is what every other connection sees meanwhile.
      checks: (c) => [
        c.table.assert(
          'slow',
          () => sql`SELECT 1 FROM range(40000) AS a, range(40000) AS b WHERE (a.range + b.range) % 7 = 9`,
        ),
      ],
    });
    const warehouse = await createDuckDbWarehouse({ path: join(dir, 'in-flight.duckdb'), create: true });
    try {
      const staged = async () =>
        (await warehouse.listTables('shop')).includes('_staging_shop_checked_slowly');
      const build = buildMesh(warehouse, [product]);
      while (!(await staged())) await new Promise((r) => setTimeout(r, 10));
      const [reported, stillStaged] = [await stagingLeftovers(warehouse, [product]), await staged()];
      expect(stillStaged).toBe(true);
      expect(reported).toEqual([]);
      expect((await build).map((o) => o.status)).toEqual(['published']);
      expect(await staged()).toBe(false);
      // Once no build runs, one left is reported.
      await warehouse.query('CREATE TABLE shop._staging_shop_checked_slowly AS SELECT 1 AS x');
      expect((await stagingLeftovers(warehouse, [product])).map((l) => l.table.name)).toEqual([
        '_staging_shop_checked_slowly',
      ]);
    } finally {
      await warehouse.close();
    }
  }, 120_000);

  it('ensures many sources at once: the ones in place untouched, the others repaired', async () => {
    const path = join(dir, 'sources.duckdb');
    const domain = defineDomain({
      name: 'shop',
      description: 'Shop',
      owner: { team: 't', email: 't@x.example' },
    });
    const source = (name: string, schema: z.ZodObject, description: string) =>
      defineSource({ domain, name, description, mode: 'append', schema });
    const orders = source(
      'orders',
      z.object({ id: z.int().describe('Id').meta({ key: true }), total: z.number().describe('Total') }),
      'Orders',
    );
    const stores = source('stores', z.object({ id: z.int().describe('Id').meta({ key: true }) }), 'Stores');
    let warehouse = await createDuckDbWarehouse({ path, create: true });
    await ensureSources(warehouse, [orders, stores]);
    await loadRows(warehouse, orders, [{ id: 1, total: 5 }]);
    // Broken behind the platform's back: a column gone from one log, a description changed.
    await warehouse.query('ALTER TABLE shop.raw_orders_log DROP COLUMN total');
    await warehouse.close();
    const storesAgain = source(
      'stores',
      z.object({ id: z.int().describe('Id').meta({ key: true }) }),
      'Shops',
    );
    warehouse = await createDuckDbWarehouse({ path });
    await ensureSources(warehouse, [orders, storesAgain]);
    const columns = await warehouse.query(
      `SELECT column_name FROM duckdb_columns() WHERE schema_name = 'shop' AND table_name = 'raw_orders_log' ORDER BY column_index`,
    );
    expect(columns.map((c) => c.column_name)).toEqual(['id', '_batch_id', '_line', 'total']);
    expect(
      await warehouse.query(
        `SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'shop' AND table_name IN ('raw_orders', 'raw_stores') ORDER BY 1`,
      ),
    ).toEqual([
      { table_name: 'raw_orders', comment: 'Orders' },
      { table_name: 'raw_stores', comment: 'Shops' },
    ]);
    expect(await warehouse.query('SELECT id FROM shop.raw_orders')).toEqual([{ id: 1 }]);
    await warehouse.close();
  });

  it('creates new sources together exactly as one by one, and finds them in place afterwards', async () => {
    const domain = (name: string) =>
      defineDomain({ name, description: name, owner: { team: 't', email: 't@x.example' } });
    const sources = [
      defineSource({
        domain: domain('shop'),
        name: 'orders',
        description: 'Orders',
        mode: 'upsert',
        schema: z.object({
          id: z.int().describe('Id').meta({ key: true }),
          total: z.number().meta({ type: 'decimal' }).describe('Total'),
          placed: z.iso.datetime().describe('Placed at'),
        }),
      }),
      defineSource({
        domain: domain('depot'),
        name: 'stock',
        description: 'Stock',
        mode: 'snapshot',
        schema: z.object({ sku: z.string().describe('SKU').meta({ key: true }) }),
      }),
    ];
    const catalog = async (warehouse: Warehouse) => ({
      tables: await warehouse.query(
        `SELECT schema_name, table_name, comment, estimated_size FROM duckdb_tables() WHERE schema_name IN ('shop', 'depot') ORDER BY 1, 2`,
      ),
      columns: await warehouse.query(
        `SELECT schema_name, table_name, column_name, data_type, column_index, is_nullable FROM duckdb_columns() WHERE schema_name IN ('shop', 'depot') ORDER BY 1, 2, 5`,
      ),
      definitions: await warehouse.query('SELECT * FROM _mesh.current_rows ORDER BY source'),
    });
    const together = await createDuckDbWarehouse({ path: join(dir, 'together.duckdb'), create: true });
    const oneByOne = await createDuckDbWarehouse({ path: join(dir, 'one-by-one.duckdb'), create: true });
    try {
      await ensureSources(together, sources);
      for (const s of sources) await oneByOne.ensureSource(s);
      const made = await catalog(together);
      expect(made.tables.map((t) => t.table_name)).toEqual([
        'raw_stock',
        'raw_stock_log',
        'raw_stock_rejects',
        'raw_orders',
        'raw_orders_log',
        'raw_orders_rejects',
      ]);
      expect(made).toEqual(await catalog(oneByOne));
    } finally {
      await together.close();
      await oneByOne.close();
    }
    // Found in place by another process: nothing is written again.
    const again = await createDuckDbWarehouse({ path: join(dir, 'together.duckdb') });
    try {
      const before = await again.query('SELECT count(*) AS n FROM duckdb_tables()');
      const changes = await again.query(
        "SELECT count(*) AS n FROM duckdb_tables() WHERE schema_name IN ('shop', 'depot')",
      );
      await ensureSources(again, sources);
      expect(await again.query('SELECT count(*) AS n FROM duckdb_tables()')).toEqual(before);
      expect(changes).toEqual([{ n: 6 }]);
      await loadRows(again, sources[0]!, [{ id: 1, total: 2.5, placed: '2026-01-01T00:00:00Z' }]);
      expect(await again.query('SELECT id, total FROM shop.raw_orders')).toEqual([{ id: 1, total: 2.5 }]);
    } finally {
      await again.close();
    }
  });

  it("keeps a sample's current rows as a view of its log when its keys are unique, and as a table otherwise", async () => {
    const path = join(dir, 'sample-views.duckdb');
    const domain = defineDomain({
      name: 'lab',
      description: 'Lab',
      owner: { team: 't', email: 't@x.example' },
    });
    const readings = defineSource({
      domain,
      name: 'readings',
      description: 'Readings',
      mode: 'upsert',
      schema: z.object({ id: z.int().describe('Id').meta({ key: true }), value: z.int().describe('Value') }),
    });
    const kind = async () =>
      (
        await warehouse.query(
          `SELECT table_type AS kind FROM information_schema.tables WHERE table_schema = 'lab' AND table_name = 'raw_readings'`,
        )
      )[0]?.kind;
    const rows = () => warehouse.query('SELECT id, value FROM lab.raw_readings ORDER BY id');
    let warehouse = await createDuckDbWarehouse({ path, create: true });
    await warehouse.ensureDomain(domain);

    await loadRows(warehouse, readings, [
      { id: 1, value: 10 },
      { id: 2, value: 20 },
    ]);
    expect(await kind()).toBe('VIEW');
    expect(await rows()).toEqual([
      { id: 1, value: 10 },
      { id: 2, value: 20 },
    ]);
    // Counted as rows that store nothing of their own: the log holds them.
    expect(await warehouse.tableStats(readings.table)).toMatchObject({ rowCount: 2, bytes: 0 });
    expect((await warehouse.tableStats(readings.log))?.bytes).toBeGreaterThan(0);
    expect(
      await warehouse.query(
        `SELECT comment FROM duckdb_views() WHERE schema_name = 'lab' AND view_name = 'raw_readings'`,
      ),
    ).toEqual([{ comment: 'Readings' }]);
    // Another process finds the source in place and leaves the view as it is.
    await warehouse.close();
    warehouse = await createDuckDbWarehouse({ path });
    await ensureSources(warehouse, [readings]);
    expect(await kind()).toBe('VIEW');

    // A sample whose keys repeat: its current rows are computed (one per key), as a table.
    await loadRows(warehouse, readings, [
      { id: 1, value: 10 },
      { id: 1, value: 11 },
      { id: 3, value: 30 },
    ]);
    expect(await kind()).toBe('BASE TABLE');
    expect((await rows()).map((r) => r.id)).toEqual([1, 3]);
    await loadRows(warehouse, readings, [{ id: 4, value: 40 }]);
    expect(await kind()).toBe('VIEW');
    expect(await rows()).toEqual([{ id: 4, value: 40 }]);

    // Real rows replace the sample: a table of them; reverting them leaves an empty table.
    const csv = join(dir, 'readings.csv');
    writeFileSync(csv, 'id,value\n7,70\n8,80\n');
    if (!canIngestFiles(warehouse)) throw new Error('DuckDB ingests files');
    const ingested = await warehouse.ingestFile(readings, csv);
    expect(ingested.replacedSample).toBe(true);
    expect(await kind()).toBe('BASE TABLE');
    expect(await rows()).toEqual([
      { id: 7, value: 70 },
      { id: 8, value: 80 },
    ]);
    await warehouse.revertBatch(readings, ingested.batchId!);
    expect(await kind()).toBe('BASE TABLE');
    expect(await rows()).toEqual([]);
    await warehouse.close();
  });

  it("reports as a build's bytes processed the size of what it reads: a source's log, sized once", async () => {
    const domain = defineDomain({
      name: 'meter',
      description: 'Meters',
      owner: { team: 't', email: 't@x.example' },
    });
    const readings = defineSource({
      domain,
      name: 'readings',
      description: 'Readings',
      mode: 'append',
      schema: z.object({ id: z.int().describe('Id').meta({ key: true }), kwh: z.int().describe('Energy') }),
    });
    const product = (name: string) =>
      defineDataProduct({
        domain,
        name,
        version: '1.0.0',
        description: 'Readings copied.',
        tier: 'bronze',
        refresh: 'daily',
        access: 'public',
        consumers: ['ops'],
        schema: z.object({ id: z.int().describe('Id'), kwh: z.int().describe('Energy') }),
        inputs: { readings },
        transform: ({ readings: r }) => sql`SELECT id, kwh FROM ${r}`,
      });
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    try {
      await warehouse.ensureDomain(domain);
      await loadRows(
        warehouse,
        readings,
        Array.from({ length: 5000 }, (_, i) => ({ id: i, kwh: i % 7 })),
      );
      const outcomes = await buildMesh(warehouse, [product('meter_a'), product('meter_b')]);
      const logBytes = await warehouse.storageBytes([readings.log]);
      expect(logBytes).toBeGreaterThan(0);
      expect(outcomes.map((o) => [o.status, o.bytesProcessed])).toEqual([
        ['published', logBytes],
        ['published', logBytes],
      ]);
    } finally {
      await warehouse.close();
    }
  }, 60_000);

  it('names the file when another process holds it', async () => {
    const path = join(dir, 'locked.duckdb');
    const holder = await createDuckDbWarehouse({ path, create: true });
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

  it.each([
    [
      'a failed cast',
      "SELECT CAST(CASE WHEN i < 300000 THEN '1' ELSE 'x' END AS INTEGER) AS n FROM range(1000000) AS t(i)",
      /Conversion Error/,
    ],
    [
      'error()',
      "SELECT CASE WHEN i = 500000 THEN error('boom') ELSE i END AS n FROM range(1000000) AS t(i)",
      /boom/,
    ],
  ])('fails a read whose query fails part-way (%s), never ending it short', async (_label, query, reason) => {
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    let rows = 0;
    const error = await (async () => {
      for await (const chunk of warehouse.stream(query)) rows += chunk.length;
    })().catch((e: unknown) => e);
    expect(isMeshError(error) && error.code).toBe('statement-failed');
    expect((error as Error).message).toMatch(reason);
    // Rows before the failure may have been handed over, but the read ends in the error.
    expect(rows).toBeLessThan(1_000_000);
    // The connection of the read is gone; the warehouse still answers.
    expect(await warehouse.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await warehouse.close();
  });

  it('fails a read whose query fails before its first row', async () => {
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    const error = await (async () => {
      for await (const _ of warehouse.stream('SELECT * FROM nowhere')) throw new Error('no rows expected');
    })().catch((e: unknown) => e);
    expect(isMeshError(error) && error.code).toBe('statement-failed');
    await warehouse.close();
  });

  it('streams canonical values in chunks of the size asked, without holding the result', async () => {
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    const query = `SELECT i AS n, CAST(i AS HUGEINT) * 9007199254740993 AS big, DATE '2024-05-01' + CAST(i AS INTEGER) AS day,
      TIMESTAMP '2024-05-01 12:00:00' AS at, CAST(i AS DECIMAL(10, 2)) / 4 AS price, 'x' || i AS s,
      CASE WHEN i = 1 THEN NULL ELSE i % 2 = 0 END AS even FROM range(5000) AS t(i)`;
    const sizes: number[] = [];
    const rows: Array<Record<string, unknown>> = [];
    for await (const chunk of warehouse.stream(query, { chunkSize: 1500 })) {
      sizes.push(chunk.length);
      rows.push(...chunk);
    }
    expect(sizes).toEqual([1500, 1500, 1500, 500]);
    expect(rows[1]).toEqual({
      n: 1,
      big: '9007199254740993',
      day: '2024-05-02',
      at: new Date('2024-05-01T12:00:00.000Z'),
      price: 0.25,
      s: 'x1',
      even: null,
    });
    expect(rows[0]).toMatchObject({ big: 0, even: true });
    expect(rows[4999]).toMatchObject({ n: 4999, day: '2038-01-07' });
    await warehouse.close();
  });

  it('leaves a read stopped early without a trace', async () => {
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    for await (const chunk of warehouse.stream('SELECT i FROM range(100000) AS t(i)', { chunkSize: 10 })) {
      expect(chunk).toHaveLength(10);
      break;
    }
    expect(await warehouse.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await warehouse.close();
  });

  it('wraps a failing statement in a WarehouseError', async () => {
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    const error = await warehouse.query('SELECT * FROM nowhere').catch((e: unknown) => e);
    expect(isMeshError(error) && error.code).toBe('statement-failed');
    await warehouse.close();
  });
});

describe('duckdb dialect', () => {
  // Expected values are BigQuery's, so one transform gives one answer on both warehouses.
  it('packs rows as one JSON text: keys, numbers, dates as days, NULL, quotes; no row is NULL', async () => {
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    const packed = (where: string) =>
      renderSql(
        sql`SELECT ${sql.rowsJson('u')} AS ${sql.id('rows')} FROM (SELECT * FROM (VALUES ('a"b', DATE '2025-11-04', 3::BIGINT, NULL::VARCHAR), ('c', NULL, 9007199254740991::BIGINT, '2026-12-01 10:00:00.000001')) AS v(input, day, row_count, marker) WHERE ${sql.raw(where)}) AS u`,
        warehouse.dialect,
      );
    const [row] = await warehouse.query(packed('true'));
    expect(JSON.parse(String(row?.rows))).toEqual([
      { input: 'a"b', day: '2025-11-04', row_count: 3, marker: null },
      { input: 'c', day: null, row_count: 9007199254740991, marker: '2026-12-01 10:00:00.000001' },
    ]);
    const [none] = await warehouse.query(packed('false'));
    expect(none?.rows).toBeNull();
    await warehouse.close();
  });

  it('sums stamps exactly, to the microsecond, beyond what a BIGINT holds', async () => {
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    // Ten million rows of a 2026 stamp: about 1.8e22 microseconds, far past 2^63.
    const [row] = await warehouse.query(
      renderSql(
        sql`SELECT ${sql.stampSum(sql.id('t', 'at'))} AS total FROM (SELECT TIMESTAMP '2026-12-01 10:00:00.000001' + to_microseconds(range % 2) AS at FROM range(10000000)) AS t`,
        warehouse.dialect,
      ),
    );
    const one = BigInt(Date.parse('2026-12-01T10:00:00Z')) * 1000n + 1n;
    expect(row?.total).toBe(String(one * 10_000_000n + 5_000_000n));
    await warehouse.close();
  });

  it('gives the portable date helpers BigQuery semantics', async () => {
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    const d = (iso: string) => sql.cast(iso, 'date');
    const query = sql`SELECT
      ${sql.dateTrunc('week', d('2024-03-09'))} AS saturday_week,
      ${sql.dateTrunc('week', d('2024-03-10'))} AS sunday_week,
      ${sql.dateTrunc('month', sql.cast(new Date('2024-03-09T10:00:00Z'), 'timestamp'))} AS month_of_timestamp,
      ${sql.dateTrunc('quarter', d('2024-05-20'))} AS quarter,
      ${sql.timestampTrunc('hour', sql.cast(new Date('2024-03-09T10:42:13Z'), 'timestamp'))} AS hour,
      ${sql.dateAdd('month', d('2024-01-31'), 1)} AS month_later,
      ${sql.dateAdd('week', d('2024-01-31'), 2)} AS two_weeks_later,
      ${sql.dateDiff('week', d('2024-03-10'), d('2024-03-09'))} AS weeks_across_sunday,
      ${sql.dateDiff('week', d('2024-03-16'), d('2024-03-10'))} AS weeks_within,
      ${sql.dateDiff('day', d('2024-03-10'), d('2024-03-01'))} AS days,
      ${sql.dateDiff('month', d('2024-03-01'), d('2024-01-31'))} AS months,
      ${sql.toDate(sql.cast(new Date('2024-03-09T23:59:59Z'), 'timestamp'))} AS day_of,
      ${sql.safeDivide(1, 0)} AS by_zero,
      ${sql.safeDivide(1, 4)} AS quarter_of_one,
      ${sql.regexpMatches('abc', '^a.c$')} AS matches,
      ${sql.regexpReplace('a\u200bb\u200bc d', '[\\x{200B}\\s]', '')} AS replaced,
      ${sql.cast('2024-03-10 02:30:00.5+05:30', 'timestamp')} AS offset_text,
      ${sql.cast('2024-03-10 02:30:00', 'timestamp')} AS plain_text,
      ${sql.cast(d('2024-03-10'), 'timestamp')} AS midnight,
      ${sql.cast(2.5, 'integer')} AS half_up,
      ${sql.cast(-2.5, 'integer')} AS half_down,
      ${sql.cast(0.5, 'integer')} AS half,
      ${sql.cast(2.4999999999999996, 'integer')} AS below_half,
      ${sql.cast(sql.cast('3.5', 'decimal'), 'integer')} AS decimal_half,
      ${sql.cast(2 ** 62, 'integer')} AS large,
      ${sql.cast(sql.decimalDivide(sql.cast('123456789.01', 'decimal'), 7), 'string')} AS decimal_seventh,
      ${sql.cast(sql.decimalDivide(sql`${sql.cast('20000000.03', 'decimal')} * 31`, 31), 'string')} AS decimal_back,
      ${sql.cast(sql.decimalDivide(-1, 2_000_000_000), 'string')} AS decimal_half_away,
      ${sql.decimalDivide(sql.cast('5', 'decimal'), sql.cast('0', 'decimal'))} AS decimal_by_zero`;
    const [row] = await warehouse.query(renderSql(query, warehouse.dialect));
    expect(row).toEqual({
      saturday_week: '2024-03-03',
      sunday_week: '2024-03-10',
      month_of_timestamp: '2024-03-01',
      quarter: '2024-04-01',
      hour: new Date('2024-03-09T10:00:00Z'),
      month_later: '2024-02-29',
      two_weeks_later: '2024-02-14',
      weeks_across_sunday: 1,
      weeks_within: 0,
      days: 9,
      months: 2,
      day_of: '2024-03-09',
      by_zero: null,
      quarter_of_one: 0.25,
      matches: true,
      // Every match, as BigQuery replaces: DuckDB's regexp_replace alone replaced the first.
      replaced: 'abcd',
      // The instant the text names, as BigQuery's cast reads it: its offset applied.
      offset_text: new Date('2024-03-09T21:00:00.500Z'),
      plain_text: new Date('2024-03-10T02:30:00Z'),
      midnight: new Date('2024-03-10T00:00:00Z'),
      // A double halfway between two integers away from zero, as BigQuery's cast rounds it
      // (DuckDB's own cast: 2, -2, 0).
      half_up: 3,
      half_down: -3,
      half: 1,
      below_half: 2,
      decimal_half: 4,
      large: '4611686018427387904',
      // Exact, as BigQuery's NUMERIC: DuckDB's / divides a DECIMAL as a DOUBLE (17636684.144285716).
      // As text: the client reads a DECIMAL as a double.
      decimal_seventh: '17636684.144285714',
      decimal_back: '20000000.030000000',
      decimal_half_away: '-0.000000001',
      decimal_by_zero: null,
    });
    await warehouse.close();
  });

  it('escapes literals so any text round-trips', async () => {
    const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    const text = "quote ' backslash \\ newline \n tab \t unicode é 𝄞";
    const [row] = await warehouse.query(renderSql(sql`SELECT ${text} AS t`, warehouse.dialect));
    expect(row?.t).toBe(text);
    await warehouse.close();
  });
});

describe('duckdb warehouse: the stats of many tables', () => {
  /** The bulk catalog (BulkCatalog) the SDK's health and builds reach through statsOfTables. */
  interface Bulk {
    tableStatsOf(
      refs: ReadonlyArray<{ schema: string; name: string }>,
    ): Promise<Array<{ rowCount: number; bytes: number; lastModified: Date | undefined } | undefined>>;
    listTablesIn(schemas: readonly string[]): Promise<Map<string, string[]>>;
  }
  const schemas = Array.from({ length: 30 }, (_, s) => `many_${s}`);
  const refs = schemas.flatMap((schema) => Array.from({ length: 10 }, (_, t) => ({ schema, name: `t${t}` })));

  /**
   * 300 tables in 30 schemas: products (with _processed_at; t8 empty), a log without it (t9) and
   * a view; days deleted and inserted again the way incremental products rewrite them, some
   * before a checkpoint and some after (in memory, not yet in the file's blocks), and the newest
   * rows of one table deleted, so that its latest stamp is an older one.
   */
  async function manyTables(warehouse: Awaited<ReturnType<typeof createDuckDbWarehouse>>) {
    for (const [s, schema] of schemas.entries()) {
      const tables = Array.from({ length: 10 }, (_, t) => {
        const rows = t === 8 ? 0 : 5 + ((s * 7 + t * 3) % 40);
        return t === 9
          ? `CREATE TABLE ${schema}.t9 AS SELECT range AS id FROM range(${rows})`
          : `CREATE TABLE ${schema}.t${t} AS SELECT range AS id, DATE '2026-01-01' + CAST(range % 5 AS INTEGER) AS day,
               TIMESTAMPTZ '2026-02-01 00:00:00+00' + to_minutes(range) AS _processed_at FROM range(${rows})`;
      });
      await warehouse.query([`CREATE SCHEMA ${schema}`, ...tables].join(';\n'));
    }
    await warehouse.query(`CREATE VIEW many_0.v AS SELECT * FROM many_0.t0 WHERE id % 2 = 0`);
    await warehouse.checkpoint();
    for (const schema of schemas.slice(0, 10)) {
      await warehouse.query(
        `DELETE FROM ${schema}.t1 WHERE day = DATE '2026-01-02';
         INSERT INTO ${schema}.t1 SELECT id + 1000, DATE '2026-01-02', _processed_at - INTERVAL 1 DAY FROM ${schema}.t1 WHERE day = DATE '2026-01-03'`,
      );
    }
    await warehouse.query(
      `DELETE FROM many_3.t2 WHERE _processed_at > (SELECT max(_processed_at) - INTERVAL 3 MINUTE FROM many_3.t2)`,
    );
    await warehouse.checkpoint();
    for (const schema of schemas.slice(10, 20)) {
      await warehouse.query(
        `DELETE FROM ${schema}.t3 WHERE id % 3 = 0;
         INSERT INTO ${schema}.t4 SELECT id + 500, day, now() FROM ${schema}.t4 LIMIT 4`,
      );
    }
  }

  /**
   * What plain SQL says of one table, asked on its own in one statement the way the adapter of
   * before did: its count, its latest _processed_at (`stamped`), its storage (none for a view).
   */
  async function byItself(
    warehouse: Awaited<ReturnType<typeof createDuckDbWarehouse>>,
    ref: { schema: string; name: string },
    kind: 'stamped' | 'table' | 'view' | 'missing',
  ) {
    if (kind === 'missing') return undefined;
    const t = `${ref.schema}.${ref.name}`;
    const [row] = await warehouse.query(
      `SELECT (SELECT count(*) FROM ${t}) AS n,
         ${kind === 'stamped' ? `(SELECT max(_processed_at) FROM ${t})` : 'NULL'} AS m,
         ${
           kind === 'view'
             ? '0'
             : `(SELECT CASE WHEN any_value(d.block_size) > 0
                  THEN coalesce(sum(s.blocks), 0) * any_value(d.block_size) + coalesce(sum(s.in_memory), 0) * 8
                  ELSE coalesce(sum(s.all_values), 0) * 8 END
                FROM (SELECT count(DISTINCT block_id) FILTER (WHERE block_id >= 0) AS blocks,
                        coalesce(sum(count) FILTER (WHERE block_id IS NULL), 0) AS in_memory,
                        coalesce(sum(count), 0) AS all_values FROM pragma_storage_info('${t}')) AS s,
                     (SELECT block_size FROM pragma_database_size() LIMIT 1) AS d)`
         } AS b`,
    );
    return {
      rowCount: Number(row?.n),
      bytes: Number(row?.b),
      lastModified: row?.m instanceof Date ? row.m : undefined,
    };
  }

  for (const where of ['file', 'memory'] as const) {
    it(`reads the stats of hundreds of tables exactly as table by table, after deletes too (${where})`, async () => {
      const warehouse = await createDuckDbWarehouse(
        where === 'file' ? { path: join(dir, 'many-tables.duckdb'), create: true } : { path: ':memory:' },
      );
      try {
        await manyTables(warehouse);
        const bulk = warehouse as unknown as Bulk;
        const asked = [
          ...refs.map((ref) => ({
            ref,
            kind: ref.name === 't9' ? ('table' as const) : ('stamped' as const),
          })),
          { ref: { schema: 'many_0', name: 'v' }, kind: 'view' as const },
          { ref: { schema: 'many_0', name: 'missing' }, kind: 'missing' as const },
          { ref: { schema: 'nowhere', name: 't0' }, kind: 'missing' as const },
          { ref: refs[41]!, kind: 'stamped' as const },
        ];
        const stats = await bulk.tableStatsOf(asked.map((a) => a.ref));
        const expected = [];
        for (const { ref, kind } of asked) expected.push(await byItself(warehouse, ref, kind));
        expect(stats).toEqual(expected);
        // The deletes matter: the catalog's estimate still counts the rows deleted from many_10.t3
        // since the checkpoint, and many_3.t2's latest stamp is that of the newest row it kept.
        const [estimate] = await warehouse.query(
          `SELECT estimated_size AS n FROM duckdb_tables() WHERE schema_name = 'many_10' AND table_name = 't3'`,
        );
        expect(Number(estimate?.n)).toBeGreaterThan(stats[103]!.rowCount);
        expect(stats[32]?.lastModified?.toISOString()).toBe(
          new Date(Date.parse('2026-02-01T00:00:00Z') + (stats[32]!.rowCount - 1) * 60_000).toISOString(),
        );
        expect(stats[8]).toEqual({ rowCount: 0, bytes: 0, lastModified: undefined });
        expect(stats[9]?.lastModified).toBeUndefined();
        expect(stats.slice(-4, -1)).toEqual([expect.objectContaining({ bytes: 0 }), undefined, undefined]);
        expect(stats.at(-1)).toEqual(stats[41]);
      } finally {
        await warehouse.close();
      }
    }, 120_000);
  }

  it('bills no block for constant columns: the tables never add up to more than the file', async () => {
    const warehouse = await createDuckDbWarehouse({
      path: join(dir, 'constant-columns.duckdb'),
      create: true,
    });
    try {
      // Every column constant (block -1 in pragma_storage_info), and tables beside it that store.
      await warehouse.query(
        `CREATE SCHEMA c;
         CREATE TABLE c.flat AS SELECT 7 AS n, DATE '2026-01-01' AS day FROM range(5000);
         CREATE TABLE c.t0 AS SELECT range AS id, 'x' AS tag FROM range(20000);
         CREATE TABLE c.t1 AS SELECT range AS id, 'y' AS tag FROM range(30000)`,
      );
      await warehouse.checkpoint();
      const refs = ['flat', 't0', 't1'].map((name) => ({ schema: 'c', name }));
      const sizes = await (
        warehouse as unknown as { storageBytesOf(r: typeof refs): Promise<number[]> }
      ).storageBytesOf(refs);
      expect(sizes[0]).toBe(0);
      const [file] = await warehouse.query(
        'SELECT used_blocks * block_size AS b FROM pragma_database_size()',
      );
      expect(sizes[1]! + sizes[2]!).toBeGreaterThan(0);
      expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(Number(file?.b));
    } finally {
      await warehouse.close();
    }
  });

  it('counts a table too large to gather with the others as its rows stream, exactly', async () => {
    const warehouse = await createDuckDbWarehouse({ path: join(dir, 'large-table.duckdb'), create: true });
    try {
      // More rows than the adapter gathers before counting: they go through a GROUP BY of their own.
      await warehouse.query(
        `CREATE SCHEMA big;
         CREATE TABLE big.rows AS SELECT range AS id, TIMESTAMP '2026-03-01' + to_seconds(range % 1000) AS _processed_at
           FROM range(10000001);
         CREATE TABLE big.few AS SELECT range AS id, TIMESTAMPTZ '2026-03-02 00:00:00+00' AS _processed_at FROM range(3);
         CREATE TABLE big.plain AS SELECT range AS id FROM range(5);
         DELETE FROM big.rows WHERE id % 1000 = 999`,
      );
      const bulk = warehouse as unknown as Bulk;
      const asked = [
        { ref: { schema: 'big', name: 'rows' }, kind: 'stamped' as const },
        { ref: { schema: 'big', name: 'few' }, kind: 'stamped' as const },
        { ref: { schema: 'big', name: 'plain' }, kind: 'table' as const },
      ];
      const stats = await bulk.tableStatsOf(asked.map((a) => a.ref));
      const expected = [];
      for (const { ref, kind } of asked) expected.push(await byItself(warehouse, ref, kind));
      expect(stats).toEqual(expected);
      expect(stats[0]).toMatchObject({ rowCount: 9_990_001, lastModified: new Date('2026-03-01T00:16:38Z') });
    } finally {
      await warehouse.close();
    }
  }, 120_000);

  it('splits the storage of a thousand tables over its connections, exactly as table by table', async () => {
    let statements = 0;
    const warehouse = await createDuckDbWarehouse({
      path: ':memory:',
      threads: 2,
      onStatement: () => {
        statements++;
      },
    });
    try {
      const many = Array.from({ length: 1000 }, (_, t) => ({ schema: `split_${t % 20}`, name: `t${t}` }));
      for (let s = 0; s < 20; s++) {
        await warehouse.query(
          [
            `CREATE SCHEMA split_${s}`,
            ...many
              .filter((ref) => ref.schema === `split_${s}`)
              .map(
                (ref, n) =>
                  `CREATE TABLE ${ref.schema}.${ref.name} AS SELECT range AS id, TIMESTAMP '2026-04-01' + to_hours(range) AS _processed_at FROM range(${1 + (n % 7)})`,
              ),
          ].join(';\n'),
        );
      }
      await warehouse.query(`DELETE FROM split_3.t3 WHERE id > 0`);
      const before = statements;
      const stats = await (warehouse as unknown as Bulk).tableStatsOf(many);
      // The catalog, the counts, and the storage in two parts, one a thread.
      expect(statements - before).toBe(4);
      const expected = [];
      for (const ref of many) expected.push(await byItself(warehouse, ref, 'stamped'));
      expect(stats).toEqual(expected);
      expect(stats[3]).toMatchObject({ rowCount: 1, lastModified: new Date('2026-04-01T00:00:00Z') });
    } finally {
      await warehouse.close();
    }
  }, 120_000);

  it('counts and sizes again only the tables written since it last did, and never keeps a rolled-back write', async () => {
    const seen: string[] = [];
    const warehouse = await createDuckDbWarehouse({
      path: join(dir, 'kept-stats.duckdb'),
      create: true,
      onStatement: (statement) => {
        seen.push(statement);
      },
    });
    try {
      await manyTables(warehouse);
      await warehouse.checkpoint();
      const bulk = warehouse as unknown as Bulk;
      const asked = [...refs, { schema: 'many_0', name: 'v' }];
      const kinds: Array<'stamped' | 'table' | 'view' | 'missing'> = asked.map((ref) =>
        ref.name === 'v' ? ('view' as const) : ref.name === 't9' ? ('table' as const) : ('stamped' as const),
      );
      const exact = async () => {
        const expected = [];
        for (const [i, ref] of asked.entries()) expected.push(await byItself(warehouse, ref, kinds[i]!));
        return expected;
      };
      // The statements it took, and how many tables its count read (`SELECT <i> AS i` each).
      const stats = async () => {
        const before = seen.length;
        const found = await bulk.tableStatsOf(asked);
        const issued = seen.slice(before);
        const counted = issued.find((s) => s.includes('count(*) AS row_count'))?.match(/SELECT \d+ AS i\b/g);
        return { found, statements: issued.length, counted: counted?.length ?? 0 };
      };
      const first = await stats();
      expect(first).toMatchObject({ statements: 3, counted: asked.length });
      expect(first.found).toEqual(await exact());
      // Nothing written since: the catalog, then only the view (a view is always counted).
      const again = await stats();
      expect(again.found).toEqual(first.found);
      expect(again).toMatchObject({ statements: 2, counted: 1 });
      // A write through query() (as a consumer's SQL would): that table is counted again.
      await warehouse.query(`DELETE FROM many_4.t2 WHERE id % 2 = 0`);
      const deleted = await stats();
      expect(deleted).toMatchObject({ statements: 3, counted: 2 });
      expect(deleted.found).toEqual(await exact());
      expect(deleted.found[42]!.rowCount).toBeLessThan(first.found[42]!.rowCount);
      // A write in a transaction: seen inside it, never kept after it rolled back.
      await warehouse.query('BEGIN TRANSACTION');
      await warehouse.query(`INSERT INTO many_5.t1 (id) SELECT range FROM range(1000)`);
      const inside = await stats();
      expect(inside.found[51]!.rowCount).toBe(first.found[51]!.rowCount + 1000);
      await warehouse.query('ROLLBACK');
      const rolledBack = await stats();
      expect(rolledBack.found).toEqual(await exact());
      expect(rolledBack.found[51]!.rowCount).toBe(first.found[51]!.rowCount);
      // A publish on a connection of its own, then what the mesh's API writes.
      await warehouse.replaceTable({ schema: 'many_6', name: 't3' }, 'SELECT 1 AS id', { columns: [] });
      await warehouse.dropTable({ schema: 'many_7', name: 't4' });
      kinds[63] = 'table';
      kinds[74] = 'missing';
      const published = await stats();
      // The view, many_6.t3, and the two written above: until a checkpoint their sizes are an
      // estimate, so they are sized (and counted) each time.
      expect(published.counted).toBe(4);
      expect(published.found).toEqual(await exact());
      expect(published.found[63]).toMatchObject({ rowCount: 1 });
      expect(published.found[74]).toBeUndefined();
      await warehouse.checkpoint();
      await stats();
      expect((await stats()).counted).toBe(1);
      // A statement it cannot read forgets every table.
      await warehouse.query('VACUUM');
      await warehouse.checkpoint();
      const vacuumed = await stats();
      expect(vacuumed.counted).toBe(asked.length - 1);
      expect(vacuumed.found).toEqual(await exact());
    } finally {
      await warehouse.close();
    }
  }, 120_000);

  it('asks in as many statements for three hundred tables as for ten', async () => {
    let statements = 0;
    const warehouse = await createDuckDbWarehouse({
      path: join(dir, 'many-statements.duckdb'),
      create: true,
      onStatement: () => {
        statements++;
      },
    });
    try {
      await manyTables(warehouse);
      const bulk = warehouse as unknown as Bulk;
      const count = async (work: () => Promise<unknown>) => {
        const before = statements;
        await work();
        return statements - before;
      };
      const few = await count(() => bulk.tableStatsOf(refs.slice(0, 10)));
      const many = await count(() => bulk.tableStatsOf([...refs, { schema: 'many_0', name: 'v' }]));
      expect(few).toBe(3);
      expect(many).toBe(few);
      expect(await count(() => bulk.listTablesIn(schemas.slice(0, 1)))).toBe(1);
      expect(await count(() => bulk.listTablesIn([...schemas, 'nowhere']))).toBe(1);
      expect(await count(() => warehouse.storageBytes(refs))).toBe(1);
      const listed = await bulk.listTablesIn([...schemas, 'nowhere']);
      for (const schema of [...schemas, 'nowhere'])
        expect(listed.get(schema)).toEqual(await warehouse.listTables(schema));
    } finally {
      await warehouse.close();
    }
  }, 120_000);
});
