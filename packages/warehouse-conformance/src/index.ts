import {
  buildProduct,
  type ChecksBuilder,
  canPublishInPlace,
  type DataProduct,
  defineDataProduct,
  defineDomain,
  defineSource,
  type HealthSnapshot,
  isMeshError,
  loadRows,
  renderSql,
  type Source,
  type SqlRow,
  sql,
  statsOfTables,
  type TableRef,
  type Warehouse,
  z,
} from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSourceSemantics } from './source-semantics.js';

/**
 * The behaviour every warehouse adapter shares. An adapter's test file calls it with a
 * factory; the suite creates its own schemas (prefixed per run) and drops nothing it did not create.
 *
 * @example
 * describeWarehouseConformance('duckdb', () => createDuckDbWarehouse({ path: ':memory:' }));
 */
export function describeWarehouseConformance(name: string, connect: () => Promise<Warehouse>) {
  describe(`${name} warehouse conformance`, () => {
    let warehouse: Warehouse;
    const fx = fixtures(`conf_${Date.now().toString(36)}`);

    beforeAll(async () => {
      warehouse = await connect();
    });
    afterAll(async () => {
      await warehouse?.close();
    });

    const render = (fragment: ReturnType<typeof sql>) => renderSql(fragment, warehouse.dialect);

    describeSourceSemantics(() => warehouse, fx.domain.name);

    it('round-trips literals and quoted identifiers through the dialect', async () => {
      const [row] = await warehouse.query(
        render(
          sql`SELECT ${'it\'s \\ "quoted"'} AS ${sql.id('order')}, ${42} AS n, ${true} AS b, ${null} AS z`,
        ),
      );
      // `order` is reserved on every warehouse: only a quoted identifier can name a column so.
      expect(row).toEqual({ order: 'it\'s \\ "quoted"', n: 42, b: true, z: null });
    });

    it('returns canonical JS values: safe integers as numbers, dates as strings, timestamps as Dates', async () => {
      const [row] = await warehouse.query(
        render(
          sql`SELECT ${sql.cast(7, 'integer')} AS i, ${sql.cast(1.25, 'decimal')} AS d, ${sql.cast('2024-02-29', 'date')} AS day, ${sql.cast(new Date('2024-02-29T10:11:12Z'), 'timestamp')} AS ts`,
        ),
      );
      expect(row).toEqual({ i: 7, d: 1.25, day: '2024-02-29', ts: new Date('2024-02-29T10:11:12Z') });
    });

    it('creates domains idempotently and tables with rows, reporting their stats', async () => {
      await warehouse.ensureDomain(fx.domain);
      await warehouse.ensureDomain(fx.domain);
      expect(await warehouse.tableStats(fx.items.log)).toBeUndefined();
      await loadRows(warehouse, fx.items, fx.itemRows);
      // A source's rows are in its log; its table is the view of its current rows.
      const stats = await warehouse.tableStats(fx.items.log);
      expect(stats?.rowCount).toBe(fx.itemRows.length);
    });

    it('describes a query without running it', async () => {
      const columns = await warehouse.describeQuery(render(sql`SELECT item_id, price FROM ${fx.items}`));
      expect(columns.map((c) => c.name)).toEqual(['item_id', 'price']);
    });

    it('publishes a product with its metadata columns, typed on read', async () => {
      const outcome = await buildProduct(warehouse, fx.product, { runId: 'conformance-1' });
      expect(outcome.error).toBeUndefined();
      expect(outcome.status).toBe('published');
      expect(outcome.rowCount).toBe(3);
      const rows: SqlRow[] = await warehouse.query(render(sql`SELECT * FROM ${fx.product} ORDER BY item_id`));
      expect(Object.keys(rows[0]!)).toEqual([
        'item_id',
        'kind',
        'price',
        'listed_on',
        '_domain',
        '_product',
        '_version',
        '_processed_at',
      ]);
      expect(rows[0]).toMatchObject({
        item_id: 'A',
        kind: 'small',
        price: 1.5,
        listed_on: '2024-01-01',
        _version: '1.0.0',
      });
      const typed = [];
      for await (const row of fx.product.read(warehouse, { where: { kind: 'large' } })) typed.push(row);
      expect(typed).toEqual([{ item_id: 'C', kind: 'large', price: 30, listed_on: '2024-01-03' }]);
      const stats = await warehouse.tableStats(fx.product.table);
      expect(stats?.rowCount).toBe(3);
      expect(stats?.lastModified).toBeInstanceOf(Date);
      // Storage of several tables in one call: absent ones count nothing; after a checkpoint
      // the figure is the warehouse's own.
      const absent = { schema: fx.domain.name, name: 'no_such_table' };
      expect(await warehouse.storageBytes([])).toBe(0);
      expect(await warehouse.storageBytes([absent])).toBe(0);
      await warehouse.checkpoint();
      const one = await warehouse.storageBytes([fx.product.table]);
      expect(one).toBeGreaterThan(0);
      expect(one).toBe((await warehouse.tableStats(fx.product.table))?.bytes);
      expect(await warehouse.storageBytes([fx.product.table, absent, fx.items.log])).toBe(
        one + ((await warehouse.tableStats(fx.items.log))?.bytes ?? 0),
      );
    });

    it('reads the stats of many tables at once, as one at a time', async () => {
      const tables = [
        fx.product.table,
        { schema: fx.domain.name, name: 'no_such_table' },
        fx.items.log,
        fx.items.table,
      ];
      const many = await statsOfTables(warehouse, tables);
      const one = [];
      for (const t of tables) one.push(await warehouse.tableStats(t));
      expect(many).toEqual(one);
      expect(many[0]?.rowCount).toBe(3);
      expect(many[0]?.lastModified).toBeInstanceOf(Date);
      expect(many[1]).toBeUndefined();
      expect(await statsOfTables(warehouse, [])).toEqual([]);
    });

    it('keeps the published table when a blocking check fails, and drops the staging table', async () => {
      const before = await warehouse.query(
        render(sql`SELECT item_id, price FROM ${fx.product} ORDER BY item_id`),
      );
      await loadRows(warehouse, fx.items, [
        ...fx.itemRows,
        // Fixtures are not validated as ingested files are: a value outside the enumeration.
        { item_id: 'D', kind: 'medium', price: 9, listed_on: '2024-01-09' },
      ]);
      const outcome = await buildProduct(warehouse, fx.product, { runId: 'conformance-2' });
      expect(outcome.status).toBe('failed');
      expect(outcome.error?.code).toBe('checks-failed');
      expect(outcome.error?.subject).toMatchObject({ product: fx.product.name, column: 'kind' });
      expect(outcome.checks?.outcomes.find((o) => o.name === 'kind_accepted_values')).toMatchObject({
        passed: false,
        failingRows: 1,
      });
      const after = await warehouse.query(
        render(sql`SELECT item_id, price FROM ${fx.product} ORDER BY item_id`),
      );
      expect(after).toEqual(before);
      expect(
        await warehouse.tableStats({ schema: fx.domain.name, name: `_staging_${fx.product.name}` }),
      ).toBeUndefined();
      const runs = await warehouse.latestRuns();
      const latest = runs.find((r) => r.product === fx.product.name);
      expect(latest).toMatchObject({ status: 'failed', runId: 'conformance-2' });
      // What the earlier build published is as fresh as that build, not as the failure.
      expect(latest?.lastPublishedAt).toBeInstanceOf(Date);
      expect(latest!.lastPublishedAt!.getTime()).toBeLessThanOrEqual(latest!.startedAt.getTime());
      // And when it started: before it finished, after the run before it.
      expect(latest?.lastPublishedStartedAt).toBeInstanceOf(Date);
      expect(latest!.lastPublishedStartedAt!.getTime()).toBeLessThanOrEqual(
        latest!.lastPublishedAt!.getTime(),
      );
      await loadRows(warehouse, fx.items, fx.itemRows);
    });

    it('reports a transform that misses a contract column by name, publishing nothing', async () => {
      const outcome = await buildProduct(warehouse, fx.broken, { runId: 'conformance-3' });
      expect(outcome.status).toBe('failed');
      expect(outcome.error?.code).toBe('transform-missing-column');
      expect(outcome.error?.subject.column).toBe('price');
      expect(await warehouse.tableStats(fx.broken.table)).toBeUndefined();
    });

    it('promotes staging over the target and keeps the target when promotion fails', async () => {
      const target = { schema: fx.domain.name, name: 'promote_target' };
      const staging = { schema: fx.domain.name, name: 'promote_staging' };
      const layout = { columns: fx.items.columns };
      await warehouse.replaceTable(target, render(sql`SELECT * FROM ${fx.items}`), layout);
      await warehouse.replaceTable(
        staging,
        render(sql`SELECT * FROM ${fx.items} WHERE item_id = ${'A'}`),
        layout,
      );
      await warehouse.promote(staging, target);
      expect((await warehouse.tableStats(target))?.rowCount).toBe(1);
      expect(await warehouse.tableStats(staging)).toBeUndefined();
      await expect(
        warehouse.promote({ schema: fx.domain.name, name: 'no_such_staging' }, target),
      ).rejects.toSatisfy(isMeshError);
      expect((await warehouse.tableStats(target))?.rowCount).toBe(1);
    });

    it('computes every kind of check in one suite', async () => {
      const outcome = await buildProduct(warehouse, fx.checked, { runId: 'conformance-4' });
      const byName = Object.fromEntries((outcome.checks?.outcomes ?? []).map((o) => [o.name, o.failingRows]));
      expect(byName).toEqual({
        item_id_unique: 0,
        kind_not_null: 1,
        kind_accepted_values: 2,
        price_range: 2,
        item_id_matches: 1,
        item_id_references_items: 2,
        row_count: 0,
        price_positive: 2,
        expensive_rows: 1,
        kind_listed_on_unique: 1,
        // Implied by the contract (required columns), blocking, and passing here.
        item_id_not_null: 0,
        price_not_null: 0,
        listed_on_not_null: 0,
      });
      expect(outcome.status).toBe('published'); // every failing check is a warning
      expect(outcome.checks?.completeness).toBeCloseTo(19 / 20);
    });

    it('appends health snapshots and reads them back per product, newest N, since a time, oldest first', async () => {
      const product = (n: number) => `${fx.domain.name}.history_${n}`;
      const now = Date.now();
      const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
      const snapshot = (n: number, minutesAgo: number, rowCount: number): HealthSnapshot => ({
        at: at(minutesAgo),
        runId: `run-${minutesAgo}`,
        kind: 'build',
        product: product(n),
        domain: fx.domain.name,
        version: '1.0.0',
        status: 'healthy',
        rowCount,
        bytes: rowCount * 10,
        freshnessAgeSeconds: 1.5,
        qualityScore: 1,
        completeness: 0.98,
        validity: null,
        durationMs: 120.25,
        bytesProcessed: null,
        lastUpdated: at(minutesAgo),
        anomalies: minutesAgo === 10 ? ['row_count', 'duration'] : [],
      });
      const mine = [product(1), product(2)];
      expect(await warehouse.healthHistory({ products: mine })).toEqual([]);
      await warehouse.appendHealthHistory([snapshot(1, 30, 100), snapshot(2, 30, 7), snapshot(1, 20, 110)]);
      await warehouse.appendHealthHistory([snapshot(1, 10, 120)]);
      await warehouse.appendHealthHistory([]);
      const all = await warehouse.healthHistory({ products: mine });
      expect(all.map((s) => [s.product, s.rowCount])).toEqual([
        [product(1), 100],
        [product(1), 110],
        [product(1), 120],
        [product(2), 7],
      ]);
      expect(all[0]).toEqual(snapshot(1, 30, 100));
      const newest = await warehouse.healthHistory({ products: mine, perProduct: 2 });
      expect(newest.map((s) => [s.product, s.rowCount])).toEqual([
        [product(1), 110],
        [product(1), 120],
        [product(2), 7],
      ]);
      const recent = await warehouse.healthHistory({
        products: mine,
        since: new Date(Date.now() - 15 * 60_000),
      });
      expect(recent.map((s) => s.rowCount)).toEqual([120]);
      expect(recent[0]).toEqual(snapshot(1, 10, 120));
    });

    it('lists runs since a time, oldest first, with the bytes each build processed', async () => {
      const since = new Date(Date.now() - 60_000);
      const runs = await warehouse.listRuns({ since });
      const ids = runs.filter((r) => r.domain === fx.domain.name).map((r) => r.runId);
      expect(ids).toEqual(['conformance-1', 'conformance-2', 'conformance-3', 'conformance-4']);
      const published = runs.find((r) => r.runId === 'conformance-1');
      expect(published?.bytesProcessed).toBeGreaterThanOrEqual(0);
      expect(await warehouse.listRuns({ since: new Date(Date.now() + 60_000) })).toEqual([]);
    });

    it('publishes in place where DDL is transactional: rows, checks, state and run record commit or roll back together', async () => {
      if (!canPublishInPlace(warehouse)) {
        // Such a warehouse publishes through staging (the tests above); it must not claim otherwise.
        expect(warehouse.capabilities.publishInPlace).toBe(false);
        return;
      }
      const target = { schema: fx.domain.name, name: 'in_place_target' };
      const side = { schema: fx.domain.name, name: 'in_place_state' };
      const layout = { columns: fx.items.columns, description: 'Published in place' };
      await warehouse.replaceTable(target, render(sql`SELECT * FROM ${fx.items}`), layout);
      const onlyA = render(sql`SELECT * FROM ${fx.items} WHERE item_id = ${'A'}`);
      const count = async (query: (s: string) => Promise<SqlRow[]>) =>
        Number(
          (
            await query(
              render(sql`SELECT count(*) AS n FROM ${sql.raw(warehouse.dialect.tableName(target))}`),
            )
          )[0]?.n,
        );
      const record = (runId: string) => () => ({
        runId,
        domain: fx.domain.name,
        product: 'in_place_target',
        version: '1.0.0',
        status: 'published' as const,
        startedAt: new Date(),
        finishedAt: new Date(),
        rowCount: 1,
        bytesProcessed: undefined,
        checks: [],
        completeness: undefined,
        validity: undefined,
        error: undefined,
      });
      let seen = -1;
      await expect(
        warehouse.publishTable(target, onlyA, layout, {
          alongside: [{ table: side, select: 'SELECT 1 AS x' }],
          verify: async (query) => {
            seen = await count(query);
            throw new Error('a blocking check failed');
          },
          record: record('in-place-refused'),
        }),
      ).rejects.toThrow('a blocking check failed');
      // The check saw the new rows; nothing of them, the state or the record was kept.
      expect(seen).toBe(1);
      expect(await count((s) => warehouse.query(s))).toBe(3);
      expect(await warehouse.tableStats(side)).toBeUndefined();
      expect(await warehouse.listTables(fx.domain.name)).not.toContain(`_staging_in_place_target`);
      const since = new Date(Date.now() - 60_000);
      expect((await warehouse.listRuns({ since })).map((r) => r.runId)).not.toContain('in-place-refused');

      const published = await warehouse.publishTable(target, onlyA, layout, {
        alongside: [{ table: side, select: 'SELECT 1 AS x' }],
        verify: async (query) => {
          seen = await count(query);
        },
        record: record('in-place-published'),
      });
      expect(published.rowCount).toBe(1);
      expect(await count((s) => warehouse.query(s))).toBe(1);
      expect((await warehouse.tableStats(side))?.rowCount).toBe(1);
      expect((await warehouse.listRuns({ since })).map((r) => r.runId)).toContain('in-place-published');
      expect(await warehouse.listTables(fx.domain.name)).not.toContain(`_staging_in_place_target`);
    });

    it('rolls back an in-place publish whose writes fail part-way, leaving nothing, and publishes on afterwards', async () => {
      if (!canPublishInPlace(warehouse)) return; // staging builds: see the tests above
      const target = { schema: fx.domain.name, name: 'in_place_failing' };
      const layout = { columns: fx.items.columns, description: 'Failing part-way' };
      await warehouse.replaceTable(target, render(sql`SELECT * FROM ${fx.items}`), layout);
      const rows = () =>
        warehouse.query(
          render(
            sql`SELECT item_id, price FROM ${sql.raw(warehouse.dialect.tableName(target))} ORDER BY item_id`,
          ),
        );
      const before = await rows();
      const since = new Date(Date.now() - 60_000);
      const record = (runId: string) => () => ({
        runId,
        domain: fx.domain.name,
        product: 'in_place_failing',
        version: '1.0.0',
        status: 'published' as const,
        startedAt: new Date(),
        finishedAt: new Date(),
        rowCount: 0,
        bytesProcessed: undefined,
        checks: [],
        completeness: undefined,
        validity: undefined,
        error: undefined,
      });
      // Item B's price cannot be cast: the insert fails after the day's rows were deleted.
      const failing = render(
        sql`SELECT item_id, kind, price + ${sql.cast(sql`CASE WHEN item_id = ${'B'} THEN ${'x'} ELSE ${'0'} END`, 'number')} AS price, listed_on FROM ${fx.items}`,
      );
      const days = { column: 'listed_on', days: ['2024-01-01', '2024-01-02'] };
      const verify = async () => undefined;
      await expect(
        warehouse.replacePartitions(target, days, failing, { verify, record: record('part-way-days') }),
      ).rejects.toMatchObject({ code: 'statement-failed' });
      await expect(
        warehouse.publishTable(target, failing, layout, { verify, record: record('part-way-whole') }),
      ).rejects.toMatchObject({ code: 'statement-failed' });
      expect(await rows()).toEqual(before);
      expect(await warehouse.listTables(fx.domain.name)).not.toContain('_staging_in_place_failing');
      const ids = (await warehouse.listRuns({ since })).map((r) => r.runId);
      expect(ids).not.toContain('part-way-days');
      expect(ids).not.toContain('part-way-whole');
      // Nothing was left open: the next publishes commit.
      const raised = render(
        sql`SELECT item_id, kind, price + 1 AS price, listed_on FROM ${fx.items} WHERE listed_on = ${sql.cast('2024-01-01', 'date')}`,
      );
      await warehouse.replacePartitions(target, days, raised, { verify, record: record('after-days') });
      expect(await rows()).toEqual([{ item_id: 'A', price: 2.5 }, before[2]]);
      await warehouse.publishTable(target, render(sql`SELECT * FROM ${fx.items}`), layout, {
        verify,
        record: record('after-whole'),
      });
      expect(await rows()).toEqual(before);
      expect((await warehouse.listRuns({ since })).map((r) => r.runId)).toEqual(
        expect.arrayContaining(['after-days', 'after-whole']),
      );
    });

    it('publishes as many products in place at once as it says it can, each committed or refused on its own', async () => {
      if (!canPublishInPlace(warehouse)) return; // staging builds run concurrently through plain statements
      const publisher = warehouse;
      const n = publisher.capabilities.maxConcurrentBuilds;
      const layout = { columns: fx.items.columns, description: 'Published beside others' };
      const targets = Array.from({ length: Math.max(2, n) }, (_, i) => ({
        schema: fx.domain.name,
        name: `together_${i}`,
      }));
      // Every verify waits until all of the first n are inside theirs: they can only all get there
      // if their transactions are open at the same time.
      let inside = 0;
      let allInside!: () => void;
      const together = new Promise<void>((resolve) => {
        allInside = resolve;
      });
      const publish = (target: TableRef, i: number) =>
        publisher.publishTable(target, render(sql`SELECT * FROM ${fx.items}`), layout, {
          verify: async (query) => {
            if (i < n) {
              if (++inside === n) allInside();
              await Promise.race([
                together,
                new Promise((_, reject) =>
                  setTimeout(() => reject(new Error(`publish ${i} waited alone: not concurrent`)), 10_000),
                ),
              ]);
            }
            const [row] = await query(
              render(sql`SELECT count(*) AS n FROM ${sql.raw(warehouse.dialect.tableName(target))}`),
            );
            expect(Number(row?.n)).toBe(3);
            if (i === 0) throw new Error('a blocking check failed');
          },
        });
      const settled = await Promise.allSettled(targets.map(publish));
      expect(settled.map((s) => s.status)).toEqual(
        targets.map((_, i) => (i === 0 ? 'rejected' : 'fulfilled')),
      );
      expect(await warehouse.tableStats(targets[0]!)).toBeUndefined();
      for (const target of targets.slice(1)) expect((await warehouse.tableStats(target))?.rowCount).toBe(3);
    });

    it('rebuilds only the changed days of an incremental product, equal to a full refresh', async () => {
      const day = (d: string, store: string, amount: number, n = 0) => ({
        sale_id: `${d}/${store}/${amount}/${n}`,
        sold_at: new Date(`${d}T10:00:00Z`),
        store,
        amount,
      });
      await loadRows(warehouse, fx.sales, [
        day('2024-01-01', 'a', 1),
        day('2024-01-02', 'a', 2),
        day('2024-01-02', 'b', 3),
        day('2024-01-03', 'a', 4),
      ]);
      const first = await buildProduct(warehouse, fx.daily, { runId: 'inc-1' });
      expect(first).toMatchObject({ status: 'published', incremental: { mode: 'full' } });
      const read = (product: typeof fx.daily) =>
        warehouse.query(
          render(
            sql`SELECT sale_date, store, revenue, sales, _processed_at FROM ${product} ORDER BY sale_date, store`,
          ),
        );
      const before = await read(fx.daily);

      // A late sale on day 2, a correction on day 3, a new day 4; day 1 untouched.
      await loadRows(warehouse, fx.sales, [
        day('2024-01-01', 'a', 1),
        day('2024-01-02', 'a', 2),
        day('2024-01-02', 'b', 3),
        day('2024-01-02', 'b', 5),
        day('2024-01-03', 'a', 40),
        day('2024-01-04', 'c', 7),
      ]);
      const second = await buildProduct(warehouse, fx.daily, { runId: 'inc-2' });
      expect(second.error).toBeUndefined();
      // A source has no marker: every day of it is hashed, and only the changed ones rebuilt.
      expect(second.incremental).toEqual({
        mode: 'partitions',
        partitions: ['2024-01-02', '2024-01-03', '2024-01-04'],
        hashedDays: 4,
        inPlace: warehouse.capabilities.publishInPlace,
      });
      if (warehouse.capabilities.publishInPlace) {
        // Rebuilt in place: the share of the inputs those days are, of their size at the full build.
        expect(second.bytesProcessed).toBeGreaterThan(0);
        expect(second.bytesProcessed).toBeLessThan(first.bytesProcessed!);
      }

      await buildProduct(warehouse, fx.dailyFull, { runId: 'inc-full' });
      const incremental = await read(fx.daily);
      const full = await read(fx.dailyFull);
      const facts = (rows: typeof full) => rows.map(({ _processed_at, ...r }) => r);
      expect(facts(incremental)).toEqual(facts(full));
      expect(facts(incremental)).toEqual([
        { sale_date: '2024-01-01', store: 'a', revenue: 1, sales: 1 },
        { sale_date: '2024-01-02', store: 'a', revenue: 2, sales: 1 },
        { sale_date: '2024-01-02', store: 'b', revenue: 8, sales: 2 },
        { sale_date: '2024-01-03', store: 'a', revenue: 40, sales: 1 },
        { sale_date: '2024-01-04', store: 'c', revenue: 7, sales: 1 },
      ]);
      // Day 1 was not rebuilt: its row is the one the first build wrote.
      expect(incremental[0]!._processed_at).toEqual(before[0]!._processed_at);

      const third = await buildProduct(warehouse, fx.daily, { runId: 'inc-3' });
      expect(third).toMatchObject({
        status: 'published',
        incremental: { mode: 'up-to-date', partitions: [] },
        rowCount: 5,
      });
      expect(third.checks?.passRate).toBe(1);
      const refreshed = await buildProduct(warehouse, fx.daily, { runId: 'inc-4', fullRefresh: true });
      expect(refreshed.incremental?.mode).toBe('full');

      // The same change to two equal rows of one day is still a change.
      const twins = [day('2024-01-05', 'd', 1), day('2024-01-05', 'd', 1, 1)];
      await loadRows(warehouse, fx.sales, twins);
      const gone = await buildProduct(warehouse, fx.daily, { runId: 'inc-5' });
      // Days 1 to 4 left the input and day 5 came: five days rebuilt over an input of one. What
      // it read is at most the input (it was counted five times it).
      if (warehouse.capabilities.publishInPlace) {
        expect(gone.incremental).toMatchObject({ mode: 'partitions' });
        expect(gone.bytesProcessed).toBeLessThanOrEqual(refreshed.bytesProcessed!);
      }
      await loadRows(
        warehouse,
        fx.sales,
        twins.map((r) => ({ ...r, amount: 2 })),
      );
      const twinsChanged = await buildProduct(warehouse, fx.daily, { runId: 'inc-6' });
      expect(twinsChanged.incremental).toMatchObject({ mode: 'partitions', partitions: ['2024-01-05'] });
      expect(await read(fx.daily).then(facts)).toEqual([
        { sale_date: '2024-01-05', store: 'd', revenue: 4, sales: 2 },
      ]);

      // Another transform under the same version may change every day: a full build.
      const changedTransform = await buildProduct(warehouse, fx.dailyDoubled, { runId: 'inc-7' });
      expect(changedTransform.incremental?.mode).toBe('full');
      expect(await read(fx.daily).then(facts)).toEqual([
        { sale_date: '2024-01-05', store: 'd', revenue: 8, sales: 2 },
      ]);
    });

    it('builds whole an incremental product whose published rows were removed outside a build', async () => {
      const sale = (d: string, store: string, amount: number) => ({
        sale_id: `${d}/${store}/${amount}`,
        sold_at: new Date(`${d}T10:00:00Z`),
        store,
        amount,
      });
      const sales = [sale('2024-06-01', 'a', 1), sale('2024-06-01', 'b', 2), sale('2024-06-02', 'a', 3)];
      await loadRows(warehouse, fx.sales, sales);
      expect((await buildProduct(warehouse, fx.daily, { runId: 'hand-1' })).incremental?.mode).toBe('full');
      // One day rebuilt, so that the state was last written by a rebuild of some days.
      await loadRows(warehouse, fx.sales, [...sales, sale('2024-06-02', 'b', 4)]);
      expect((await buildProduct(warehouse, fx.daily, { runId: 'hand-2' })).incremental).toMatchObject({
        mode: 'partitions',
        partitions: ['2024-06-02'],
      });
      const read = () =>
        warehouse.query(
          render(sql`SELECT sale_date, store, revenue FROM ${fx.daily} ORDER BY sale_date, store`),
        );
      const published = await read();
      expect(published).toHaveLength(4);
      // A row deleted by hand: no input day moved, yet the build is whole and brings it back.
      await warehouse.query(render(sql`DELETE FROM ${fx.daily} WHERE store = 'b' AND revenue = 2`));
      const repaired = await buildProduct(warehouse, fx.daily, { runId: 'hand-3' });
      expect(repaired).toMatchObject({ status: 'published', rowCount: 4, incremental: { mode: 'full' } });
      expect(await read()).toEqual(published);
      expect((await buildProduct(warehouse, fx.daily, { runId: 'hand-4' })).incremental?.mode).toBe(
        'up-to-date',
      );
    });

    it('reports, after rebuilding some days, the row count, checks and completeness a full refresh reports', async () => {
      const sale = (d: string, store: string | null, amount: number) => ({
        sale_id: `${d}/${store}/${amount}`,
        sold_at: new Date(`${d}T08:00:00Z`),
        store,
        amount,
      });
      // A store missing where the contract requires one: on a day left alone and on a day rebuilt.
      const kept = [sale('2024-03-01', null, 1), sale('2024-03-01', 'a', 2), sale('2024-03-02', 'a', 3)];
      await loadRows(warehouse, fx.sales, [...kept, sale('2024-03-03', 'b', 4)]);
      await buildProduct(warehouse, fx.daily, { runId: 'kept-1', fullRefresh: true });
      await loadRows(warehouse, fx.sales, [
        ...kept,
        sale('2024-03-03', null, 4),
        sale('2024-03-03', 'b', 5),
        sale('2024-03-03', 'b', 6),
      ]);
      const rebuilt = await buildProduct(warehouse, fx.daily, { runId: 'kept-2' });
      expect(rebuilt.incremental).toMatchObject({ mode: 'partitions', partitions: ['2024-03-03'] });
      const full = await buildProduct(warehouse, fx.dailyFull, { runId: 'kept-full' });
      expect(full.status).toBe('published');
      expect(rebuilt.rowCount).toBe(5);
      expect(rebuilt.rowCount).toBe(full.rowCount);
      // Two stores missing of five rows of four required columns.
      expect(rebuilt.checks?.completeness).toBe(18 / 20);
      expect(rebuilt.checks?.completeness).toBe(full.checks?.completeness);
      expect(rebuilt.checks?.outcomes).toEqual(full.checks?.outcomes);
      const runs = await warehouse.listRuns({ since: new Date(Date.now() - 60_000) });
      expect(runs.find((r) => r.runId === 'kept-2')).toMatchObject({ rowCount: 5, completeness: 18 / 20 });
    });

    it('rebuilds the changed days of an incremental product joining day inputs on another key, equal to a full refresh', async () => {
      const sale = (d: string, store: string, amount: number) => ({
        sale_id: `${d}/${store}`,
        sold_at: new Date(`${d}T11:00:00Z`),
        store,
        amount,
      });
      const days = ['2024-06-01', '2024-06-02', '2024-06-03'];
      await loadRows(warehouse, fx.items, fx.itemRows);
      await loadRows(warehouse, fx.sales, [...days.map((d) => sale(d, 'a', 10)), sale(days[1]!, 'b', 5)]);
      const build = async (p: DataProduct, runId: string) => {
        const outcome = await buildProduct(warehouse, p, { runId });
        expect(outcome.error).toBeUndefined();
        return outcome;
      };
      const same = async () => {
        await build(fx.joinedFull, `${Math.random()}`);
        const read = (p: DataProduct) =>
          warehouse.query(
            render(sql`SELECT sale_date, store, revenue, copied, listed FROM ${p} ORDER BY sale_date, store`),
          );
        const rows = await read(fx.joined);
        expect(rows).toEqual(await read(fx.joinedFull));
        return rows;
      };
      await build(fx.copy, 'join-1');
      expect((await build(fx.joined, 'join-2')).incremental?.mode).toBe('full');
      const stamp = () =>
        warehouse.query(
          render(sql`SELECT _processed_at FROM ${fx.joined} WHERE sale_date = ${sql.cast(days[0]!, 'date')}`),
        );
      const firstDay = await stamp();
      await same();

      // Day 2 changes, day 4 is new: only they are rebuilt, each joined with its copy.
      await loadRows(warehouse, fx.sales, [
        sale(days[0]!, 'a', 10),
        sale(days[1]!, 'a', 11),
        sale(days[1]!, 'b', 5),
        sale(days[2]!, 'a', 10),
        sale('2024-06-04', 'c', 7),
      ]);
      await build(fx.copy, 'join-3');
      expect((await build(fx.joined, 'join-4')).incremental).toMatchObject({
        mode: 'partitions',
        partitions: ['2024-06-02', '2024-06-04'],
      });
      expect(await same()).toEqual([
        { sale_date: '2024-06-01', store: 'a', revenue: 10, copied: 1, listed: 3 },
        { sale_date: '2024-06-02', store: 'a', revenue: 11, copied: 1, listed: 3 },
        { sale_date: '2024-06-02', store: 'b', revenue: 5, copied: 1, listed: 3 },
        { sale_date: '2024-06-03', store: 'a', revenue: 10, copied: 1, listed: 3 },
        { sale_date: '2024-06-04', store: 'c', revenue: 7, copied: 1, listed: 3 },
      ]);
      expect(await stamp()).toEqual(firstDay);

      // The input read whole changes: every day may depend on it, so the product is built whole.
      await loadRows(warehouse, fx.items, [
        ...fx.itemRows,
        { item_id: 'D', kind: 'large', price: 4, listed_on: '2024-01-04' },
      ]);
      expect((await build(fx.joined, 'join-5')).incremental?.mode).toBe('full');
      expect((await same()).map((r) => r.listed)).toEqual([4, 4, 4, 4, 4]);
    });

    it('hashes only the input days an upstream product rewrote, and rolls back a failing in-place rebuild', async () => {
      const sale = (d: string, store: string, amount: number) => ({
        sale_id: `${d}/${store}`,
        sold_at: new Date(`${d}T09:00:00Z`),
        store,
        amount,
      });
      const days = ['2024-02-01', '2024-02-02', '2024-02-03', '2024-02-04'];
      await loadRows(
        warehouse,
        fx.sales,
        days.map((d) => sale(d, 'a', 10)),
      );
      const build = (p: DataProduct, runId: string) => buildProduct(warehouse, p, { runId });
      expect((await build(fx.copy, 'up-1')).status).toBe('published');
      const first = await build(fx.overCopy, 'up-2');
      expect(first.incremental).toMatchObject({ mode: 'full' });

      // Nothing upstream moved: counts and markers say so, nothing is hashed.
      expect((await build(fx.overCopy, 'up-3')).incremental).toMatchObject({
        mode: 'up-to-date',
        hashedDays: 0,
      });

      // One day changes at the source: the upstream rewrites that day only, and downstream
      // hashes and rebuilds that day only.
      await loadRows(warehouse, fx.sales, [
        ...days.map((d) => sale(d, 'a', 10)).slice(0, 2),
        sale(days[2]!, 'a', 99),
        sale(days[3]!, 'a', 10),
      ]);
      expect((await build(fx.copy, 'up-4')).incremental).toMatchObject({
        mode: 'partitions',
        partitions: ['2024-02-03'],
      });
      const second = await build(fx.overCopy, 'up-5');
      expect(second.incremental).toEqual({
        mode: 'partitions',
        partitions: ['2024-02-03'],
        hashedDays: 1,
        inPlace: warehouse.capabilities.publishInPlace,
      });
      const read = () =>
        warehouse.query(render(sql`SELECT sale_date, revenue FROM ${fx.overCopy} ORDER BY sale_date`));
      expect(await read()).toEqual([
        { sale_date: '2024-02-01', revenue: 10 },
        { sale_date: '2024-02-02', revenue: 10 },
        { sale_date: '2024-02-03', revenue: 99 },
        { sale_date: '2024-02-04', revenue: 10 },
      ]);

      // A rebuilt day that fails a blocking check: nothing of it is published, and the state
      // still describes the published rows (the next build tries that day again).
      await loadRows(warehouse, fx.sales, [
        ...days.slice(0, 3).map((d) => sale(d, 'a', 10)),
        sale(days[3]!, 'a', -5),
      ]);
      await build(fx.copy, 'up-6');
      const refused = await build(fx.overCopy, 'up-7');
      expect(refused.status).toBe('failed');
      expect(refused.error?.code).toBe('checks-failed');
      expect(await read()).toEqual([
        { sale_date: '2024-02-01', revenue: 10 },
        { sale_date: '2024-02-02', revenue: 10 },
        { sale_date: '2024-02-03', revenue: 99 },
        { sale_date: '2024-02-04', revenue: 10 },
      ]);
      const retried = await build(fx.overCopy, 'up-8');
      expect(retried.incremental).toMatchObject({ partitions: ['2024-02-03', '2024-02-04'] });
      expect(retried.status).toBe('failed');
      await loadRows(
        warehouse,
        fx.sales,
        days.map((d) => sale(d, 'a', 10)),
      );
      await build(fx.copy, 'up-9');
      expect((await build(fx.overCopy, 'up-10')).status).toBe('published');
      expect((await read()).map((r) => r.revenue)).toEqual([10, 10, 10, 10]);
    });

    it('still finds rows removed from an upstream day that kept its stamps, a day gone, and a day stamped in the past', async () => {
      const sale = (d: string, store: string, amount: number) => ({
        sale_id: `gone/${d}/${store}`,
        sold_at: new Date(`${d}T10:00:00Z`),
        store,
        amount,
      });
      const days = ['2024-03-01', '2024-03-02', '2024-03-03'];
      await loadRows(
        warehouse,
        fx.sales,
        days.flatMap((d) => [sale(d, 'a', 10), sale(d, 'b', 5)]),
      );
      const build = (p: DataProduct, runId: string) => buildProduct(warehouse, p, { runId });
      await build(fx.copy, 'gone-1');
      expect((await build(fx.overCopy, 'gone-2')).status).toBe('published');
      const revenue = async () =>
        (
          await warehouse.query(render(sql`SELECT sale_date, revenue FROM ${fx.overCopy} ORDER BY sale_date`))
        ).map((r) => `${r.sale_date}=${Number(r.revenue)}`);

      // A row deleted from the upstream by hand: no row carries a newer stamp, the count says it.
      await warehouse.query(
        render(sql`DELETE FROM ${fx.copy} WHERE ${sql.id('sale_id')} = ${'gone/2024-03-02/b'}`),
      );
      expect((await build(fx.overCopy, 'gone-3')).incremental).toMatchObject({
        mode: 'partitions',
        partitions: ['2024-03-02'],
      });
      expect(await revenue()).toEqual(['2024-03-01=15', '2024-03-02=10', '2024-03-03=15']);

      // A whole day deleted by hand, and another day's row rewritten with a newer stamp, as a
      // build of that day writes it: both days are rebuilt.
      await warehouse.query(
        render(sql`DELETE FROM ${fx.copy} WHERE ${sql.id('sale_date')} = ${sql.cast('2024-03-01', 'date')}`),
      );
      await warehouse.query(
        render(
          sql`UPDATE ${fx.copy} SET ${sql.id('amount')} = 30, ${sql.id('_processed_at')} = ${sql.currentTimestamp()} WHERE ${sql.id('sale_id')} = ${'gone/2024-03-03/a'}`,
        ),
      );
      expect((await build(fx.overCopy, 'gone-4')).incremental).toMatchObject({
        mode: 'partitions',
        partitions: ['2024-03-01', '2024-03-03'],
      });
      expect(await revenue()).toEqual(['2024-03-02=10', '2024-03-03=35']);

      // A day rewritten under a clock set back: its stamp is older than the state's, its count
      // and the table's latest stamp are unchanged. The sum of the stamps moved.
      await warehouse.query(
        render(
          sql`UPDATE ${fx.copy} SET ${sql.id('amount')} = 12, ${sql.id('_processed_at')} = ${sql.cast(new Date('2001-01-01T00:00:00Z'), 'timestamp')} WHERE ${sql.id('sale_id')} = ${'gone/2024-03-02/a'}`,
        ),
      );
      expect((await build(fx.overCopy, 'gone-5')).incremental).toMatchObject({
        mode: 'partitions',
        partitions: ['2024-03-02'],
      });
      expect(await revenue()).toEqual(['2024-03-02=12', '2024-03-03=35']);
      const full = await buildProduct(warehouse, fx.overCopy, { runId: 'gone-6', fullRefresh: true });
      expect(full.status).toBe('published');
      expect(await revenue()).toEqual(['2024-03-02=12', '2024-03-03=35']);
    });

    it('hashes only the upstream days stamped since the last build: a day restamped as it was is not rebuilt, many days moved are', async () => {
      const days = Array.from({ length: 12 }, (_, i) => `2024-05-${String(i + 1).padStart(2, '0')}`);
      await loadRows(
        warehouse,
        fx.sales,
        days.map((d) => ({
          sale_id: `few/${d}`,
          sold_at: new Date(`${d}T09:00:00Z`),
          store: 'a',
          amount: 10,
        })),
      );
      const build = (p: DataProduct, runId: string) => buildProduct(warehouse, p, { runId });
      await build(fx.copy, 'few-1');
      expect((await build(fx.overCopy, 'few-2')).status).toBe('published');
      const restamp = (on: readonly string[], amount?: number) =>
        warehouse.query(
          render(
            sql`UPDATE ${fx.copy} SET ${sql.id('_processed_at')} = ${sql.currentTimestamp()}${amount === undefined ? sql`` : sql`, ${sql.id('amount')} = ${amount}`} WHERE ${sql.id('sale_date')} IN (${sql.join(on.map((d) => sql.cast(d, 'date')))})`,
          ),
        );
      const revenue = async () =>
        (
          await warehouse.query(render(sql`SELECT sale_date, revenue FROM ${fx.overCopy} ORDER BY sale_date`))
        ).map((r) => Number(r.revenue));

      // One day written again as it was (an upstream rebuild of that day): hashed, equal, kept.
      await restamp([days[4]!]);
      expect((await build(fx.overCopy, 'few-3')).incremental).toMatchObject({
        mode: 'up-to-date',
        partitions: [],
        hashedDays: 1,
      });
      // One day changed: that day alone.
      await restamp([days[7]!], 25);
      expect((await build(fx.overCopy, 'few-4')).incremental).toMatchObject({
        partitions: [days[7]],
        hashedDays: 1,
      });
      // Four of twelve days moved, one of them changed: more than a quarter, planned as before.
      await restamp(days.slice(0, 3));
      await restamp([days[9]!], 40);
      expect((await build(fx.overCopy, 'few-5')).incremental).toMatchObject({ partitions: [days[9]] });
      expect(await revenue()).toEqual(days.map((_, i) => (i === 7 ? 25 : i === 9 ? 40 : 10)));
    });

    it('plans from the day digest an upstream keeps: a whole rebuild upstream reads no day downstream', async () => {
      const sale = (d: string, amount: number) => ({
        sale_id: `digest/${d}`,
        sold_at: new Date(`${d}T08:00:00Z`),
        store: 'a',
        amount,
      });
      const load = (amounts: number[]) =>
        loadRows(
          warehouse,
          fx.sales,
          amounts.map((a, i) => sale(`2024-04-0${i + 1}`, a)),
        );
      const upstream = (runId: string, dayDigest = true) =>
        buildProduct(warehouse, fx.copyWhole, { runId, dayDigest });
      const downstream = (runId: string, fullRefresh = false) =>
        buildProduct(warehouse, fx.overWhole, { runId, fullRefresh });
      const revenue = async () =>
        (
          await warehouse.query(
            render(sql`SELECT sale_date, revenue FROM ${fx.overWhole} ORDER BY sale_date`),
          )
        ).map((r) => `${r.sale_date}=${Number(r.revenue)}`);

      await load([10, 10, 10]);
      expect((await upstream('digest-1')).status).toBe('published');
      expect((await downstream('digest-2')).incremental).toMatchObject({ mode: 'full' });
      // Rebuilt whole with the same rows: every day restamped, none changed, none read.
      await upstream('digest-3');
      expect((await downstream('digest-4')).incremental).toEqual({
        mode: 'up-to-date',
        partitions: [],
        hashedDays: 0,
        inPlace: false,
      });
      // One day changes at the source and the upstream is rebuilt whole: that day only is
      // rebuilt downstream, and no day of the upstream was read to find it.
      await load([10, 50, 10]);
      await upstream('digest-5');
      expect((await downstream('digest-6')).incremental).toEqual({
        mode: 'partitions',
        partitions: ['2024-04-02'],
        hashedDays: 0,
        inPlace: warehouse.capabilities.publishInPlace,
      });
      expect(await revenue()).toEqual(['2024-04-01=10', '2024-04-02=50', '2024-04-03=10']);

      // A digest that no longer describes the table (the upstream rebuilt without keeping it)
      // is not trusted: the upstream's days are read, and the change is found all the same.
      await load([10, 50, 70]);
      await upstream('digest-7', false);
      const fallback = await downstream('digest-8');
      expect(fallback.incremental).toMatchObject({
        mode: 'partitions',
        partitions: ['2024-04-03'],
        hashedDays: 3,
      });
      expect(await revenue()).toEqual(['2024-04-01=10', '2024-04-02=50', '2024-04-03=70']);
      // Kept again, and a day that disappears upstream disappears downstream.
      await loadRows(warehouse, fx.sales, [sale('2024-04-01', 10), sale('2024-04-03', 70)]);
      await upstream('digest-9');
      expect((await downstream('digest-10')).incremental).toMatchObject({
        mode: 'partitions',
        partitions: ['2024-04-02'],
        hashedDays: 0,
      });
      const incremental = await revenue();
      await downstream('digest-11', true);
      expect(incremental).toEqual(await revenue());
      expect(incremental).toEqual(['2024-04-01=10', '2024-04-03=70']);
    });

    it('keeps the markers a digest gives in the state: a later build without a current digest hashes only what moved', async () => {
      const sale = (d: string, amount: number) => ({
        sale_id: `marker/${d}`,
        sold_at: new Date(`${d}T08:00:00Z`),
        store: 'a',
        amount,
      });
      const days = ['2024-05-01', '2024-05-02', '2024-05-03', '2024-05-04'];
      await loadRows(
        warehouse,
        fx.sales,
        days.map((d) => sale(d, 10)),
      );
      const upstream = (runId: string, options: { dayDigest?: boolean; fullRefresh?: boolean } = {}) =>
        buildProduct(warehouse, fx.copy, { runId, ...options });
      await upstream('marker-1', { dayDigest: true, fullRefresh: true });
      await buildProduct(warehouse, fx.overCopy, { runId: 'marker-2', fullRefresh: true });
      // The upstream rebuilt whole with the same rows: every day restamped, planned from the digest.
      await upstream('marker-3', { dayDigest: true, fullRefresh: true });
      expect((await buildProduct(warehouse, fx.overCopy, { runId: 'marker-4' })).incremental).toMatchObject({
        mode: 'up-to-date',
        hashedDays: 0,
      });
      // One day changes and the upstream rewrites it alone, keeping no digest: downstream reads
      // markers, and only that day's moved since the state took the digest's.
      await loadRows(warehouse, fx.sales, [...days.slice(0, 3).map((d) => sale(d, 10)), sale(days[3]!, 40)]);
      expect((await upstream('marker-5')).incremental).toMatchObject({ partitions: ['2024-05-04'] });
      expect((await buildProduct(warehouse, fx.overCopy, { runId: 'marker-6' })).incremental).toMatchObject({
        mode: 'partitions',
        partitions: ['2024-05-04'],
        hashedDays: 1,
      });
    });

    it('counts a warning over every day when it rebuilds some, and builds whole when a check changes', async () => {
      const sale = (d: string, amount: number) => ({
        sale_id: `w/${d}/${amount}`,
        sold_at: new Date(`${d}T09:00:00Z`),
        store: 'a',
        amount,
      });
      await loadRows(warehouse, fx.sales, [sale('2024-03-01', 100), sale('2024-03-02', 1)]);
      const first = await buildProduct(warehouse, fx.watched, { runId: 'w-1' });
      expect(first).toMatchObject({ status: 'published', incremental: { mode: 'full' } });
      const warning = (outcome: typeof first) => outcome.checks?.outcomes.find((o) => o.kind === 'range');
      expect(warning(first)).toMatchObject({ passed: false, failingRows: 1 });

      // Only day 2 changes and is rebuilt; day 1's row still fails the warning, and says so.
      await loadRows(warehouse, fx.sales, [sale('2024-03-01', 100), sale('2024-03-02', 2)]);
      const second = await buildProduct(warehouse, fx.watched, { runId: 'w-2' });
      expect(second).toMatchObject({
        status: 'published',
        incremental: { mode: 'partitions', partitions: ['2024-03-02'] },
      });
      expect(warning(second)).toMatchObject({ passed: false, failingRows: 1, observed: '1 failing of 2' });

      // The warning made blocking: day 1 was never checked against it, so the build is whole,
      // and refused.
      await loadRows(warehouse, fx.sales, [sale('2024-03-01', 100), sale('2024-03-02', 3)]);
      const strict = await buildProduct(warehouse, fx.watchedStrict, { runId: 'w-3' });
      expect(strict.incremental?.mode).toBe('full');
      expect(strict.status).toBe('failed');
      expect(strict.error?.code).toBe('checks-failed');
      expect(warning(strict)).toMatchObject({ passed: false, failingRows: 1 });
    });

    /**
     * A published run of a product of its own (`domain`.probe), copied from one this suite
     * recorded: the other tests count theirs. With the latest run of that probe.
     */
    const probe = async (domain: string) => {
      const [built] = (await warehouse.latestRuns()).filter((r) => r.product === fx.product.name);
      return {
        run: { ...built!, domain, product: 'probe', status: 'published' as const, error: undefined },
        latest: async () => (await warehouse.latestRuns()).find((r) => r.domain === domain),
      };
    };

    it('puts a run recorded ahead of the clock after the runs since, and takes no publish from it', async () => {
      const { run: latest, latest: latestOfProbe } = await probe('clock');
      const tomorrow = new Date(Date.now() + 24 * 3600_000);
      await warehouse.recordRun({
        ...latest,
        runId: 'clock-ahead',
        startedAt: tomorrow,
        finishedAt: tomorrow,
      });
      const now = new Date();
      await warehouse.recordRun({ ...latest, runId: 'clock-right', startedAt: now, finishedAt: now });
      expect(await latestOfProbe()).toMatchObject({ runId: 'clock-right', lastPublishedAt: now });
    });

    it('takes as the latest run the one recorded last, though its clock is behind the one before', async () => {
      const { run, latest } = await probe('behind');
      const now = new Date();
      await warehouse.recordRun({ ...run, runId: 'first', rowCount: 100, startedAt: now, finishedAt: now });
      // The next build, on a machine whose clock is an hour behind.
      const behind = new Date(now.getTime() - 3600_000);
      await warehouse.recordRun({
        ...run,
        runId: 'second',
        rowCount: 120,
        startedAt: behind,
        finishedAt: behind,
      });
      expect(await latest()).toMatchObject({ runId: 'second', rowCount: 120 });
    });

    it('keeps with a run what its inputs held when it began, and reads none back for a run without', async () => {
      const { run, latest } = await probe('batches');
      const earlier = new Date(Date.now() - 1000);
      await warehouse.recordRun({
        ...run,
        runId: 'without',
        startedAt: earlier,
        finishedAt: earlier,
        sourceBatches: undefined,
        inputProducts: undefined,
      });
      expect(await latest()).toMatchObject({ sourceBatches: undefined, inputProducts: undefined });
      const now = new Date();
      await warehouse.recordRun({
        ...run,
        runId: 'with',
        startedAt: now,
        finishedAt: now,
        sourceBatches: '3,5r,8',
        inputProducts: 'a1b2',
      });
      expect(await latest()).toMatchObject({ runId: 'with', sourceBatches: '3,5r,8', inputProducts: 'a1b2' });
      const listed = await warehouse.listRuns({ since: new Date(Date.now() - 60_000) });
      expect(listed.find((r) => r.runId === 'with')).toMatchObject({
        sourceBatches: '3,5r,8',
        inputProducts: 'a1b2',
      });
    });

    it('names the run whose rows the table holds: the published one recorded last, whatever ran or what clocks said since', async () => {
      const { run, latest } = await probe('held');
      const now = Date.now();
      const at = (ms: number) => new Date(now + ms);
      const published = { ...run, definition: 'd1', sourceBatches: '4', inputProducts: 'p1' };
      await warehouse.recordRun({
        ...published,
        runId: 'held-1',
        startedAt: at(-3000),
        finishedAt: at(-3000),
      });
      // Published again by a machine whose clock is an hour behind: recorded last, so its rows are there.
      // By another version (an older release's build): health compares it with the definition.
      await warehouse.recordRun({
        ...published,
        runId: 'held-2',
        version: '0.9.0',
        sourceBatches: '4,7',
        startedAt: at(-3600_000),
        finishedAt: at(-3600_000),
      });
      expect((await latest())?.lastPublished).toEqual({
        runId: 'held-2',
        startedAt: at(-3600_000),
        version: '0.9.0',
        definition: 'd1',
        sourceBatches: '4,7',
        inputProducts: 'p1',
        // The rows it published: a test of other rows vouches for no table that run left.
        rowCount: run.rowCount,
      });
      // A test and a failed build since leave the table, and so the run that filled it, as they were.
      await warehouse.recordRun({
        ...run,
        runId: 'held-test',
        status: 'tested',
        startedAt: at(-1000),
        finishedAt: at(-1000),
      });
      await warehouse.recordRun({
        ...run,
        runId: 'held-failed',
        status: 'failed',
        definition: 'd2',
        sourceBatches: '4,7,9',
        error: { code: 'checks-failed', message: 'failed' },
        startedAt: at(0),
        finishedAt: at(0),
      });
      const after = await latest();
      expect(after).toMatchObject({ runId: 'held-failed', status: 'failed' });
      expect(after?.lastPublished).toMatchObject({ runId: 'held-2', version: '0.9.0', sourceBatches: '4,7' });
      expect(after?.version).not.toBe('0.9.0');
    });

    it('streams a large result in bounded chunks', async () => {
      const digits = sql.join(
        Array.from({ length: 10 }, (_, d) => sql`SELECT ${d} AS d`),
        ' UNION ALL ',
      );
      const query = render(
        sql`SELECT a.d * 1000 + b.d * 100 + c.d * 10 + e.d AS n FROM (${digits}) AS a CROSS JOIN (${digits}) AS b CROSS JOIN (${digits}) AS c CROSS JOIN (${digits}) AS e`,
      );
      let total = 0;
      let sum = 0;
      let largest = 0;
      for await (const chunk of warehouse.stream(query, { chunkSize: 1000 })) {
        largest = Math.max(largest, chunk.length);
        total += chunk.length;
        for (const row of chunk) sum += Number(row.n);
      }
      expect(total).toBe(10_000);
      expect(sum).toBe((9999 * 10000) / 2);
      expect(largest).toBeLessThanOrEqual(1000);
    });
  });
}

function fixtures(prefix: string) {
  const domain = defineDomain({
    name: prefix,
    description: 'Conformance fixtures',
    owner: { team: 'platform', email: 'platform@retail.example' },
  });
  const itemSchema = z.object({
    item_id: z.string().describe('Id').meta({ key: true }),
    kind: z.enum(['small', 'large']).describe('Size class'),
    price: z.number().meta({ type: 'decimal' }).describe('Price'),
    listed_on: z.iso.date().describe('Listing day'),
  });
  const items: Source = defineSource({
    domain,
    name: 'items',
    description: 'Items',
    mode: 'snapshot',
    schema: itemSchema,
  });
  const itemRows = [
    { item_id: 'A', kind: 'small', price: 1.5, listed_on: '2024-01-01' },
    { item_id: 'B', kind: 'small', price: 2.25, listed_on: '2024-01-02' },
    { item_id: 'C', kind: 'large', price: 30, listed_on: '2024-01-03' },
  ];
  const product = defineDataProduct({
    domain,
    name: `${prefix}_items`,
    version: '1.0.0',
    description: 'Items, published.',
    tier: 'gold',
    refresh: 'daily',
    access: 'public',
    consumers: ['conformance'],
    schema: itemSchema,
    partitionBy: { column: 'listed_on' },
    clusterBy: ['kind'],
    inputs: { items },
    transform: ({ items }) => sql`SELECT item_id, kind, price, listed_on FROM ${items}`,
    checks: (c) => [c.item_id.unique(), c.item_id.notNull(), c.kind.acceptedValues()],
  });
  const broken = defineDataProduct({
    domain,
    name: `${prefix}_broken`,
    version: '1.0.0',
    description: 'A transform that forgets a column.',
    tier: 'bronze',
    refresh: 'daily',
    access: 'public',
    schema: itemSchema,
    inputs: { items },
    transform: ({ items }) => sql`SELECT item_id, kind, listed_on FROM ${items}`,
  });
  // Rows chosen so every check fails a known number of times.
  const checkedSchema = z.object({
    item_id: z.string().describe('Id'),
    // Required by the contract, yet one row lacks it: the completeness score counts it.
    kind: z.string().describe('Kind'),
    price: z.number().describe('Price'),
    listed_on: z.iso.date().describe('Listing day'),
  });
  const checked: DataProduct = defineDataProduct({
    domain,
    name: `${prefix}_checked`,
    version: '1.0.0',
    description: 'Every check kind against known rows.',
    tier: 'bronze',
    refresh: 'daily',
    access: 'public',
    schema: checkedSchema,
    inputs: {},
    transform: () => sql`
      SELECT ${'A'} AS item_id, ${'small'} AS kind, ${1.5} AS price, ${sql.cast('2024-01-01', 'date')} AS listed_on
      UNION ALL SELECT ${'B'}, ${'tiny'}, ${-1}, ${sql.cast('2024-01-01', 'date')}
      UNION ALL SELECT ${'X9'}, ${null}, ${500}, ${sql.cast('2024-01-02', 'date')}
      UNION ALL SELECT ${'C'}, ${'tiny'}, ${0}, ${sql.cast('2024-01-01', 'date')}
      UNION ALL SELECT ${'D'}, ${'large'}, ${3}, ${sql.cast('2024-01-05', 'date')}`,
    checks: (c) => [
      c.item_id.unique().warn(),
      c.kind.notNull().warn(),
      c.kind.acceptedValues(['small', 'large']).warn(),
      c.price.range({ min: 0, max: 100 }).warn(),
      c.item_id.matches('^[A-D]$').warn(),
      c.item_id.references(items, 'item_id').warn(),
      c.table.rowCount({ min: 5, max: 5 }).warn(),
      c.table.expect('price_positive', sql`price > 0`).warn(),
      c.table.assert('expensive_rows', (self) => sql`SELECT * FROM ${self} WHERE price > ${100}`).warn(),
      c.table.uniqueCombination(['kind', 'listed_on']).warn(),
    ],
  });
  const sales: Source = defineSource({
    domain,
    name: 'sales',
    description: 'Sales',
    mode: 'append',
    schema: z.object({
      sale_id: z.string().describe('Sale').meta({ key: true }),
      sold_at: z.date().describe('When'),
      store: z.string().describe('Store'),
      amount: z.number().meta({ type: 'decimal' }).describe('Amount'),
    }),
  });
  const dailySchema = z.object({
    sale_date: z.iso.date().describe('Day'),
    store: z.string().describe('Store'),
    revenue: z.number().meta({ type: 'decimal' }).describe('Revenue'),
    sales: z.int().describe('Sales'),
  });
  const dailyTransform = ({ sales }: { sales: Source }) =>
    sql`SELECT ${sql.toDate(sql.id('sold_at'))} AS sale_date, store, SUM(amount) AS revenue, COUNT(*) AS sales FROM ${sales} GROUP BY 1, 2`;
  const dailyFields = {
    domain,
    version: '1.0.0',
    description: 'Sales per day and store.',
    tier: 'silver' as const,
    refresh: 'daily' as const,
    access: 'public' as const,
    schema: dailySchema,
    partitionBy: { column: 'sale_date' as const },
    inputs: { sales },
    transform: dailyTransform,
    // A store missing from a sale is a warning here, counted in completeness; else the check the
    // contract implies (store is required) would block the build.
    checks: (c: ChecksBuilder<typeof dailySchema>) => [
      c.table.uniqueCombination(['sale_date', 'store']),
      c.store.notNull().warn(),
    ],
  };
  const daily = defineDataProduct({
    ...dailyFields,
    name: `${prefix}_daily`,
    materialization: 'incremental',
    incremental: { sales: 'sold_at' },
  });
  const dailyFull = defineDataProduct({ ...dailyFields, name: `${prefix}_daily_full` });
  // The same product, version and table with another transform (as when someone forgets to bump the version).
  const dailyDoubled = defineDataProduct({
    ...dailyFields,
    name: `${prefix}_daily`,
    materialization: 'incremental',
    incremental: { sales: 'sold_at' },
    transform: ({ sales }) =>
      sql`SELECT ${sql.toDate(sql.id('sold_at'))} AS sale_date, store, SUM(amount) * 2 AS revenue, COUNT(*) AS sales FROM ${sales} GROUP BY 1, 2`,
  });
  // An incremental product over an incremental product: the upstream rewrites only changed
  // days, stamping them, so downstream hashes only those.
  const copySchema = z.object({
    sale_id: z.string().describe('Sale'),
    sale_date: z.iso.date().describe('Day of the sale'),
    store: z.string().describe('Store'),
    amount: z.number().meta({ type: 'decimal' }).describe('Amount'),
  });
  /** The sales by day, rebuilt a day at a time or (`whole`) whole, as most upstreams are. */
  const copyOf = (name: string, whole: boolean) =>
    defineDataProduct({
      ...dailyFields,
      name: `${prefix}_${name}`,
      schema: copySchema,
      ...(whole ? {} : { materialization: 'incremental' as const, incremental: { sales: 'sold_at' } }),
      partitionBy: { column: 'sale_date' as const },
      transform: ({ sales }: { sales: Source }) =>
        sql`SELECT sale_id, ${sql.toDate(sql.id('sold_at'))} AS sale_date, store, amount FROM ${sales}`,
      checks: () => [],
    });
  /** Revenue per day, an incremental product reading `copy` one day at a time. */
  const overOf = (name: string, copy: DataProduct) =>
    defineDataProduct({
      ...dailyFields,
      name: `${prefix}_${name}`,
      schema: z.object({
        sale_date: z.iso.date().describe('Day'),
        revenue: z.number().meta({ type: 'decimal' }).describe('Revenue'),
      }),
      materialization: 'incremental',
      incremental: { copy: 'sale_date' },
      partitionBy: { column: 'sale_date' as const },
      inputs: { copy },
      transform: ({ copy: c }) => sql`SELECT sale_date, SUM(amount) AS revenue FROM ${c} GROUP BY 1`,
      checks: (ch) => [ch.revenue.range({ min: 0 })],
    });
  const copy = copyOf('sales_copy', false);
  const overCopy = overOf('over_copy', copy);
  // The copy rebuilt whole (every day restamped by each build), and an incremental product
  // reading it one day at a time, planned from its day digest.
  const copyWhole = copyOf('sales_copy_whole', true);
  const overWhole = overOf('over_whole', copyWhole);
  // An incremental product joining two inputs read by day on another key (a sale and its copy),
  // and counting a third input it reads whole (items, not named in `incremental`).
  const joinedSchema = z.object({
    sale_date: z.iso.date().describe('Day'),
    store: z.string().describe('Store'),
    revenue: z.number().meta({ type: 'decimal' }).describe('Revenue'),
    copied: z.int().describe('Sales found in the copy'),
    listed: z.int().describe('Items listed'),
  });
  const joinedFields = {
    ...dailyFields,
    schema: joinedSchema,
    inputs: { sales, copy, items },
    transform: ({ sales, copy: c, items: i }: { sales: Source; copy: DataProduct; items: Source }) => sql`
      SELECT s.sale_date, s.store, SUM(s.amount) AS revenue, COUNT(c.sale_id) AS copied, MAX(l.listed) AS listed
      FROM (SELECT sale_id, ${sql.toDate(sql.id('sold_at'))} AS sale_date, store, amount FROM ${sales}) AS s
      LEFT JOIN ${c} AS c ON c.sale_id = s.sale_id
      CROSS JOIN (SELECT COUNT(*) AS listed FROM ${i}) AS l
      GROUP BY s.sale_date, s.store`,
    checks: (ch: ChecksBuilder<typeof joinedSchema>) => [
      ch.table.uniqueCombination(['sale_date', 'store']),
      ch.copied.range({ min: 1 }),
    ],
  };
  const joined = defineDataProduct({
    ...joinedFields,
    name: `${prefix}_joined`,
    materialization: 'incremental',
    incremental: { sales: 'sold_at', copy: 'sale_date' },
  });
  const joinedFull = defineDataProduct({ ...joinedFields, name: `${prefix}_joined_full` });
  // An incremental product with a warning and a blocking key; then the same product under a
  // stricter check (as when a team adds one without a new version).
  const watched = defineDataProduct({
    ...dailyFields,
    name: `${prefix}_watched`,
    materialization: 'incremental',
    incremental: { sales: 'sold_at' },
    checks: (c) => [c.table.uniqueCombination(['sale_date', 'store']), c.revenue.range({ max: 50 }).warn()],
  });
  const watchedStrict = defineDataProduct({
    ...dailyFields,
    name: `${prefix}_watched`,
    materialization: 'incremental',
    incremental: { sales: 'sold_at' },
    checks: (c) => [c.table.uniqueCombination(['sale_date', 'store']), c.revenue.range({ max: 50 })],
  });
  return {
    domain,
    items,
    itemRows,
    product,
    broken,
    checked,
    sales,
    daily,
    dailyFull,
    dailyDoubled,
    copy,
    overCopy,
    copyWhole,
    overWhole,
    joined,
    joinedFull,
    watched,
    watchedStrict,
  };
}
