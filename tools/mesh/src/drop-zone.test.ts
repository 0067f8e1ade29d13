import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import {
  type BuildOutcome,
  buildMesh,
  canIngestFiles,
  type DataProduct,
  defineDataProduct,
  defineDomain,
  defineSource,
  loadSample,
  type MeshDefinition,
  sourceStates,
  sql,
  type Warehouse,
  z,
} from '@retail-mesh/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DropZoneEvent,
  type DropZones,
  describeDropZoneEvent,
  dropZonesOf,
  isTemporaryName,
  refusedDeliveries,
  startDropZones,
} from './drop-zone.js';
import { loadMesh } from './mesh.js';

const LIVE_SALES = 'store.store_live_sales';
const HEADER = 'receipt_id,store_id,till,sold_at,items,amount,payment';
const DAY = '2026-11-01';

/** A POS file: `n` receipts of one store on DAY, numbered from `from`. */
const receiptsCsv = (prefix: string, store: string, n: number, amount = 10) =>
  [
    HEADER,
    ...Array.from(
      { length: n },
      (_, i) =>
        `${prefix}-${i + 1},${store},1,${DAY} 09:${String(i % 60).padStart(2, '0')}:00,2,${amount},card`,
    ),
  ].join('\n');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A gate a build waits at while the test holds it closed. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

describe('drop zones on a DuckDB warehouse', () => {
  const root = mkdtempSync(join(tmpdir(), 'mesh-drop-zone-'));
  const zone = join(root, 'drops', 'store', 'receipts');
  const orderZone = join(root, 'drops', 'order', 'orders');
  let warehouse: Warehouse;
  let mesh: MeshDefinition;
  let zones: DropZones | undefined;
  const events: DropZoneEvent[] = [];
  const builds: string[][] = [];
  let running = 0;
  let mostAtOnce = 0;
  let hold: ReturnType<typeof gate> | undefined;

  /** Builds what the watcher asks for, as mesh serve does: those products only, in one DAG. */
  const build = async (products: DataProduct[]): Promise<BuildOutcome[]> => {
    running++;
    mostAtOnce = Math.max(mostAtOnce, running);
    builds.push(products.map((p) => p.id));
    try {
      await hold?.opened;
      return await buildMesh(warehouse, products, { mesh: mesh.products });
    } finally {
      running--;
    }
  };
  const start = (options: { pollMs?: number; clock?: () => Date } = {}) =>
    startDropZones({
      warehouse,
      mesh,
      root,
      build,
      pollMs: options.pollMs ?? 20,
      clock: options.clock,
      onEvent: (e) => events.push(e),
    });
  /** Writes a file under a temporary name in the zone, then renames it in: as writers must. */
  const drop = (name: string, text: string, into = zone) => {
    mkdirSync(into, { recursive: true });
    writeFileSync(join(into, `.${name}.tmp`), text);
    renameSync(join(into, `.${name}.tmp`), join(into, name));
    return join(into, name);
  };
  const of = <T extends DropZoneEvent['type']>(type: T) =>
    events.filter((e): e is Extract<DropZoneEvent, { type: T }> => e.type === type);
  const batches = async () =>
    (await warehouse.listBatches({ source: 'store.receipts' })).filter((b) => b.kind === 'ingest');
  const todayRows = async () =>
    (
      await warehouse.query(
        `SELECT store_id, receipts, revenue FROM store.store_live_sales WHERE business_date = DATE '${DAY}' ORDER BY store_id`,
      )
    ).map((r) => ({
      store_id: String(r.store_id),
      receipts: Number(r.receipts),
      revenue: Number(r.revenue),
    }));

  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: join(root, 'mesh.duckdb'), create: true });
    mesh = await loadMesh();
    // The store domain's sample at scale 0.2: stores and a week of receipts, and the real-time
    // product built on them, as mesh up leaves them.
    const source = (id: string) => mesh.sources.find((s) => s.id === id)!;
    for (const id of ['store.stores', 'store.receipts'])
      await loadSample(warehouse, source(id), { scale: 0.2, seed: 42 });
    const outcomes = await buildMesh(warehouse, [mesh.products.find((p) => p.id === LIVE_SALES)!]);
    expect(outcomes.map((o) => o.status)).toEqual(['published']);
  }, 120_000);
  afterAll(async () => {
    await zones?.stop();
    await warehouse?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('knows the zones of the mesh: each source, its folder and the real-time products it feeds', () => {
    const found = dropZonesOf(mesh, root).map((z) => [z.source.id, z.dir, z.products.map((p) => p.id)]);
    expect(found).toEqual([
      ['store.receipts', zone, [LIVE_SALES]],
      ['order.orders', orderZone, ['order.order_live_orders']],
    ]);
    expect(canIngestFiles(warehouse)).toBe(true);
  });

  it('ingests each new complete file once, as one batch, moves it to .done and publishes the real-time rows', async () => {
    zones = start();
    const a = drop('pos-0001.csv', receiptsCsv('A', 'S0001', 3));
    const b = drop('pos-0002.csv', receiptsCsv('B', 'S0002', 2, 5.5));
    await zones.idle();
    const loaded = await batches();
    expect(loaded.map((x) => [x.file, x.rows, x.loaded, x.rejected])).toEqual([
      [a, 3, 3, 0],
      [b, 2, 2, 0],
    ]);
    expect(readdirSync(zone)).toEqual(['.done']);
    expect(readdirSync(join(zone, '.done')).sort()).toEqual(['pos-0001.csv', 'pos-0002.csv']);
    expect(await todayRows()).toEqual([
      { store_id: 'S0001', receipts: 3, revenue: 30 },
      { store_id: 'S0002', receipts: 2, revenue: 11 },
    ]);
    // Each file: seen, then ingested with its batch and rows.
    expect(of('ingested').map((e) => [e.file, e.batchId, e.rows, e.movedTo])).toEqual([
      [a, loaded[0]!.batchId, 3, join(zone, '.done', 'pos-0001.csv')],
      [b, loaded[1]!.batchId, 2, join(zone, '.done', 'pos-0002.csv')],
    ]);
    expect(of('seen').map((e) => e.file)).toEqual([a, b]);
    // As mesh ingest does: the first real receipts replace the source's sample, and take the
    // sample rows out of the domain's other sources.
    expect(of('ingested')[0]?.withdrawnSamples).toEqual(['store.stores']);
    expect(await warehouse.query(`SELECT count(*) AS n FROM store.raw_receipts`)).toEqual([{ n: 5 }]);
    // Only the real-time product was built, never anything upstream; one build at a time.
    expect(builds.length).toBeGreaterThanOrEqual(1);
    for (const ids of builds) expect(ids).toEqual([LIVE_SALES]);
    expect(of('build-finished').every((e) => e.outcomes.every((o) => o.status === 'published'))).toBe(true);
    expect(of('build-finished').flatMap((e) => e.files)).toEqual([a, b]);
  }, 60_000);

  it('moves a file it cannot load to .failed with the reason, and leaves the product as it was', async () => {
    const before = await todayRows();
    const buildsBefore = builds.length;
    const bad = drop('pos-bad.csv', 'receipt_id,store_id\nX-1,S0001\n');
    await zones!.idle();
    const failed = of('failed').find((e) => e.file === bad)!;
    expect(failed).toMatchObject({
      code: 'ingest-mapping',
      retry: false,
      movedTo: join(zone, '.failed', 'pos-bad.csv'),
    });
    expect(existsSync(join(zone, '.failed', 'pos-bad.csv'))).toBe(true);
    const reason = readFileSync(join(zone, '.failed', 'pos-bad.csv.reason.txt'), 'utf8');
    expect(reason).toContain('source: store.receipts');
    expect(reason).toContain(`code: ${failed.code}`);
    expect(reason).toContain(failed.reason);
    expect(await todayRows()).toEqual(before);
    expect(builds.length).toBe(buildsBefore);
    expect(await batches()).toHaveLength(2);
    // Said by health (which reads the zone's folder): a delivery that never landed is in no batch.
    const states = () => warehouse.listBatches().then((b) => sourceStates(mesh.sources, b));
    expect(refusedDeliveries(mesh, root, await states()).get('store.receipts')).toBe(
      `its drop zone refused a file, pos-bad.csv (ingest-mapping): the figures built on it lack that delivery (reasons in ${join(zone, '.failed')}; take a file out of there once its delivery is fixed and dropped again)`,
    );
    // A file with some bad rows is loaded, its bad rows rejected, as mesh ingest loads it.
    const partly = drop(
      'pos-0003.csv',
      `${receiptsCsv('C', 'S0001', 2)}\nC-3,S0001,1,${DAY} 10:00:00,many,1,card`,
    );
    await zones!.idle();
    expect(of('ingested').find((e) => e.file === partly)).toMatchObject({ rows: 3, loaded: 2, rejected: 1 });
    expect((await todayRows())[0]).toEqual({ store_id: 'S0001', receipts: 5, revenue: 50 });
    // A later export landed: receipts are events, so it holds none of the refused file's rows;
    // said until the file is taken out of .failed.
    expect(refusedDeliveries(mesh, root, await states()).has('store.receipts')).toBe(true);
    const reasonFile = join(zone, '.failed', 'pos-bad.csv.reason.txt');
    renameSync(reasonFile, join(root, 'handled.reason.txt'));
    expect(refusedDeliveries(mesh, root, await states()).has('store.receipts')).toBe(false);
    renameSync(join(root, 'handled.reason.txt'), reasonFile);
  }, 60_000);

  it('skips a file whose bytes were loaded before (same sha256), moving it to .done', async () => {
    const buildsBefore = builds.length;
    const again = drop('pos-0001-resent.csv', receiptsCsv('A', 'S0001', 3));
    // And a file of a name already in .done: kept beside it under a new name.
    const sameName = drop('pos-0001.csv', receiptsCsv('A', 'S0001', 3));
    await zones!.idle();
    const first = (await batches())[0]!;
    expect(of('skipped').map((e) => [e.file, e.batchId, e.reason])).toEqual([
      [again, first.batchId, 'already-ingested'],
      [sameName, first.batchId, 'already-ingested'],
    ]);
    expect(await batches()).toHaveLength(3);
    expect(builds.length).toBe(buildsBefore);
    const done = readdirSync(join(zone, '.done'));
    expect(done).toContain('pos-0001-resent.csv');
    expect(done.filter((f) => f.startsWith('pos-0001.'))).toHaveLength(2);
    expect((await todayRows())[0]).toEqual({ store_id: 'S0001', receipts: 5, revenue: 50 });
  }, 60_000);

  it('ingests files that land during a build, and builds them together in the next one', async () => {
    hold = gate();
    const first = builds.length;
    const c = drop('pos-0010.csv', receiptsCsv('D', 'S0003', 1));
    await waitFor('the first build', () => builds.length === first + 1);
    const d = drop('pos-0011.csv', receiptsCsv('E', 'S0003', 2));
    const e = drop('pos-0012.csv', receiptsCsv('F', 'S0004', 4));
    await waitFor(
      'both files ingested',
      () => of('ingested').some((x) => x.file === e) && of('ingested').some((x) => x.file === d),
    );
    // Ingested while the first build is still running: no second build has started.
    expect(builds.length).toBe(first + 1);
    hold.open();
    hold = undefined;
    await zones!.idle();
    const started = of('build-started').slice(-2);
    expect(started.map((s) => s.files)).toEqual([[c], [d, e]]);
    expect(builds.length).toBe(first + 2);
    expect(mostAtOnce).toBe(1);
    expect(await todayRows()).toEqual([
      { store_id: 'S0001', receipts: 5, revenue: 50 },
      { store_id: 'S0002', receipts: 2, revenue: 11 },
      { store_id: 'S0003', receipts: 3, revenue: 30 },
      { store_id: 'S0004', receipts: 4, revenue: 40 },
    ]);
    // A micro-batch rebuilds the day it touched, not the week.
    const finished = of('build-finished').at(-1)!;
    expect(finished.outcomes).toEqual([
      { product: LIVE_SALES, status: 'published', rowCount: 4, error: undefined },
    ]);
  }, 60_000);

  it('stop() waits for the running build, then takes no more files', async () => {
    hold = gate();
    const first = builds.length;
    drop('pos-0020.csv', receiptsCsv('G', 'S0005', 1));
    await waitFor('the build', () => builds.length === first + 1);
    let stopped = false;
    const stopping = zones!.stop().then(() => {
      stopped = true;
    });
    await sleep(100);
    expect(stopped).toBe(false);
    const finishedBefore = of('build-finished').length;
    hold.open();
    hold = undefined;
    await stopping;
    expect(of('build-finished')).toHaveLength(finishedBefore + 1);
    expect(of('build-finished').at(-1)?.error).toBeUndefined();
    const seen = of('seen').length;
    const late = drop('pos-0021.csv', receiptsCsv('H', 'S0005', 1));
    await sleep(100);
    expect(of('seen')).toHaveLength(seen);
    expect(existsSync(late)).toBe(true);
    zones = undefined;
  }, 60_000);

  it('after a restart: reprocesses nothing moved, and does not load twice a file a killed process had ingested', async () => {
    // What a process killed between the ingest and the move leaves: the batch, the file in the
    // zone, and no build of it.
    const killed = drop('pos-0030.csv', receiptsCsv('K', 'S0006', 2));
    if (!canIngestFiles(warehouse)) throw new Error('unreachable');
    const batch = await warehouse.ingestFile(mesh.sources.find((s) => s.id === 'store.receipts')!, killed);
    const ingestedBefore = of('ingested').length;
    zones = start();
    await zones.idle();
    // pos-0021.csv (dropped while stopped) is new; pos-0030.csv was loaded: skipped, not reloaded.
    expect(
      of('ingested')
        .slice(ingestedBefore)
        .map((e) => e.file),
    ).toEqual([join(zone, 'pos-0021.csv')]);
    expect(of('skipped').at(-1)).toMatchObject({ file: killed, batchId: batch.batchId });
    expect((await batches()).filter((b) => b.file === killed)).toHaveLength(1);
    // Both are published: the killed process's batch too.
    const rows = await todayRows();
    expect(rows.find((r) => r.store_id === 'S0005')).toEqual({ store_id: 'S0005', receipts: 2, revenue: 20 });
    expect(rows.find((r) => r.store_id === 'S0006')).toEqual({ store_id: 'S0006', receipts: 2, revenue: 20 });
    expect(readdirSync(zone)).toEqual(expect.arrayContaining(['.done', '.failed']));
    expect(readdirSync(zone).filter((f) => !f.startsWith('.'))).toEqual([]);
  }, 60_000);

  it("publishes a source's first file: the order zone feeds order_live_orders", async () => {
    drop(
      'oms-0001.csv',
      [
        'order_id,customer_id,store_id,channel,status,ordered_at',
        `O1,C1,S0001,store,completed,${DAY} 10:00:00`,
        `O2,C2,,online,completed,${DAY} 11:00:00`,
        `O3,C3,,online,cancelled,${DAY} 12:00:00`,
      ].join('\n'),
      orderZone,
    );
    await zones!.idle();
    expect(builds.at(-1)).toEqual(['order.order_live_orders']);
    expect(
      await warehouse.query(
        'SELECT channel, orders, cancelled_orders FROM "order".order_live_orders ORDER BY channel',
      ),
    ).toEqual([
      { channel: 'online', orders: 2, cancelled_orders: 1 },
      { channel: 'store', orders: 1, cancelled_orders: 0 },
    ]);
    // A day delivered after a later one: orders keep the newest export of each order (no
    // cursor), so 1 December's file would make O1 completed again over 2 December's cancellation.
    const oms = (status: string) =>
      [
        'order_id,customer_id,store_id,channel,status,ordered_at',
        `O1,C1,S0001,store,${status},${DAY} 10:00:00`,
      ].join('\n');
    drop('oms-2026-12-02.csv', oms('cancelled'), orderZone);
    await zones!.idle();
    const late = drop('oms-2026-12-01.csv', oms('completed'), orderZone);
    await zones!.idle();
    expect(of('failed').find((e) => e.file === late)).toMatchObject({
      code: 'ingest-older-export',
      retry: false,
      movedTo: join(orderZone, '.failed', 'oms-2026-12-01.csv'),
    });
    expect(readFileSync(join(orderZone, '.failed', 'oms-2026-12-01.csv.reason.txt'), 'utf8')).toContain(
      'is dated 2026-12-01, before',
    );
    expect(await warehouse.query(`SELECT status FROM "order".raw_orders WHERE order_id = 'O1'`)).toEqual([
      { status: 'cancelled' },
    ]);
    await zones!.stop();
    zones = undefined;
    for (const e of events) expect(describeDropZoneEvent(e)).not.toMatch(/undefined|\[object/);
  }, 60_000);
});

describe('completeness of a file', () => {
  const root = mkdtempSync(join(tmpdir(), 'mesh-drop-settle-'));
  const domain = defineDomain({
    name: 'shop',
    description: 'A shop for the test.',
    owner: { team: 'shop', email: 'shop@retail.example' },
  });
  const ticketSource = (name: string, dropZone: string) =>
    defineSource({
      domain,
      name,
      description: 'Tickets.',
      mode: 'append',
      dropZone,
      schema: z.object({
        ticket_id: z.string().describe('Ticket').meta({ key: true }),
        amount: z.int().describe('Amount'),
      }),
    });
  const tickets = ticketSource('tickets', 'in/tickets');
  const total = defineDataProduct({
    domain,
    name: 'shop_total',
    version: '1.0.0',
    description: 'The total of the tickets.',
    tier: 'bronze',
    refresh: 'real-time',
    access: 'public',
    consumers: ['shop'],
    schema: z.object({ total: z.int().describe('Sum of the amounts').nullable() }),
    inputs: { tickets },
    transform: ({ tickets }) => sql`SELECT SUM(amount) AS total FROM ${tickets}`,
  });
  const mesh: MeshDefinition = { domains: [domain], sources: [tickets], products: [total] };
  const dir = join(root, 'in', 'tickets');
  let warehouse: Warehouse;
  afterAll(async () => {
    await warehouse?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('takes a file once its size and time stayed the same over a poll, never a temporary name', async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
    let now = Date.parse('2026-11-01T09:00:00Z');
    const events: DropZoneEvent[] = [];
    const built: string[][] = [];
    // A poll of a minute that the test makes pass: only its own looks run.
    const zones = startDropZones({
      warehouse,
      mesh,
      root,
      pollMs: 60_000,
      clock: () => new Date(now),
      onEvent: (e) => events.push(e),
      build: async (products) => {
        built.push(products.map((p) => p.id));
        return buildMesh(warehouse, products);
      },
    });
    mkdirSync(dir, { recursive: true });
    for (const name of ['.tickets.csv', 'b.csv.tmp', 'c.csv.partial', 'd.csv.part', 'e.csv~'])
      writeFileSync(join(dir, name), 'ticket_id,amount\nT9,9\n');
    writeFileSync(join(dir, 'notes.txt'), 'not an export');
    const growing = join(dir, 'a.csv');
    writeFileSync(growing, 'ticket_id,amount\nT1,1\n');
    const first = await zones.scanOnce();
    expect(first).toEqual({ seen: [growing], taken: [], settling: [growing] });
    // Still being written: changed since the last look.
    appendFileSync(growing, 'T2,2\n');
    now += 60_000;
    expect((await zones.scanOnce()).taken).toEqual([]);
    // Unchanged, but looked at again too soon.
    now += 1000;
    expect((await zones.scanOnce()).taken).toEqual([]);
    now += 60_000;
    expect((await zones.scanOnce()).taken).toEqual([growing]);
    await waitFor('the build', () => events.some((e) => e.type === 'build-finished'));
    expect(events.find((e) => e.type === 'ingested')).toMatchObject({ file: growing, rows: 2, loaded: 2 });
    expect(built).toEqual([['shop.shop_total']]);
    expect(await warehouse.query('SELECT total FROM shop.shop_total')).toEqual([{ total: 3 }]);
    // Renamed in: taken like any other once settled.
    renameSync(join(dir, 'c.csv.partial'), join(dir, 'c.csv'));
    expect((await zones.scanOnce()).seen).toEqual([join(dir, 'c.csv')]);
    now += 60_000;
    expect((await zones.scanOnce()).taken).toEqual([join(dir, 'c.csv')]);
    await zones.stop();
    expect(events.filter((e) => e.type === 'seen').map((e) => (e as { file: string }).file)).toEqual([
      growing,
      join(dir, 'c.csv'),
    ]);
    expect(events.filter((e) => e.type === 'ignored')).toMatchObject([{ file: join(dir, 'notes.txt') }]);
    expect(readdirSync(dir).sort()).toEqual([
      '.done',
      '.tickets.csv',
      'b.csv.tmp',
      'd.csv.part',
      'e.csv~',
      'notes.txt',
    ]);
    expect(['x.tmp', 'x.partial', '.x.csv', 'x.csv~'].every(isTemporaryName)).toBe(true);
    expect(['x.csv', 'x.parquet', 'tmp.csv'].some(isTemporaryName)).toBe(false);
  }, 60_000);

  it('takes back a file written on after it was taken: its batch reverted, then loaded whole', async () => {
    // A copy written in place that paused longer than a poll: taken with half its rows, then
    // the writer, through the handle it holds, writes the rest into the file moved to .done.
    let now = Date.parse('2026-11-02T09:00:00Z');
    const events: DropZoneEvent[] = [];
    const zones = startDropZones({
      warehouse,
      mesh,
      root,
      pollMs: 60_000,
      clock: () => new Date(now),
      onEvent: (e) => events.push(e),
      build: (products) => buildMesh(warehouse, products),
    });
    const slow = join(dir, 'slow.csv');
    const done = join(dir, '.done', 'slow.csv');
    writeFileSync(slow, 'ticket_id,amount\nS1,100\n');
    // Looks at it, then again a poll later (this one, or the watcher's own): taken.
    await zones.scanOnce();
    now += 60_000;
    await zones.scanOnce();
    await waitFor('the first build', () => events.some((e) => e.type === 'build-finished' && e.files.length));
    const first = events.find((e) => e.type === 'ingested') as Extract<DropZoneEvent, { type: 'ingested' }>;
    expect(first).toMatchObject({ file: slow, loaded: 1, movedTo: done });
    appendFileSync(done, 'S2,200\n');
    await zones.scanOnce();
    expect(events.find((e) => e.type === 'changed')).toMatchObject({ file: slow, reverted: first.batchId });
    expect(existsSync(done)).toBe(false);
    const reverted = await warehouse.listBatches({ source: tickets.id, includeReverted: true });
    expect(reverted.find((b) => b.batchId === first.batchId)?.revertedAt).toBeInstanceOf(Date);
    // Back in its zone, whole: taken again once it settles.
    now += 60_000;
    await zones.scanOnce();
    now += 60_000;
    await zones.scanOnce();
    await waitFor('the second ingest', () => events.filter((e) => e.type === 'ingested').length === 2);
    expect(events.filter((e) => e.type === 'ingested').at(-1)).toMatchObject({ file: slow, loaded: 2 });
    await zones.stop();
    expect(describeDropZoneEvent(events.find((e) => e.type === 'changed')!)).toContain(
      `batch ${first.batchId}, the part read, reverted`,
    );
  }, 60_000);

  it('reports a folder in a zone, whose files it does not take', async () => {
    const events: DropZoneEvent[] = [];
    const zones = startDropZones({
      warehouse,
      mesh,
      root,
      pollMs: 60_000,
      onEvent: (e) => events.push(e),
      build: async () => [],
    });
    mkdirSync(join(dir, '2026-12-04'), { recursive: true });
    writeFileSync(join(dir, '2026-12-04', 'tickets.csv'), 'ticket_id,amount\nF1,1\n');
    await zones.scanOnce();
    await zones.stop();
    expect(events.filter((e) => e.type === 'ignored' && !e.file.endsWith('.txt'))).toMatchObject([
      { file: join(dir, '2026-12-04'), reason: expect.stringContaining('not in folders below') },
    ]);
  });

  it('reports a Cloud Storage zone as not watched, and refuses two sources sharing a folder', () => {
    const remote = ticketSource('remote', 'gs://retail-drops/shop/remote');
    const events: DropZoneEvent[] = [];
    const zones = startDropZones({
      warehouse,
      mesh: { domains: [domain], sources: [remote], products: [] },
      root,
      build: async () => [],
      onEvent: (e) => events.push(e),
    });
    expect(events).toMatchObject([
      { type: 'not-watched', source: 'shop.remote', zone: 'gs://retail-drops/shop/remote' },
    ]);
    expect(zones.zones[0]?.dir).toBeUndefined();
    void zones.stop();
    const twin = ticketSource('twin', 'in/tickets/');
    expect(() => dropZonesOf({ domains: [domain], sources: [tickets, twin], products: [] }, root)).toThrow(
      expect.objectContaining({ code: 'drop-zone-shared' }),
    );
  });
});
