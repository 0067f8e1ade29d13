import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  aheadOfLoadFlag,
  canIngestFiles,
  changeBackFlag,
  conflictingEventsFlag,
  defineDomain,
  defineSource,
  type FileIngester,
  INGEST_MIDNIGHT_CURSOR,
  isMeshError,
  loadRows,
  NOTHING_NEW_FLAG,
  olderExportFlag,
  rejectsSelect,
  renderSql,
  type Source,
  sameRowsFlag,
  sql,
  type Warehouse,
  z,
} from '@retail-mesh/sdk';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * What sources mean on every warehouse: a log of batches, current rows by sync mode, reverts,
 * mappings, rejects with physical lines, and sample rows that never mix with real ones. Runs
 * inside `describeWarehouseConformance`, on the warehouse it connected.
 */
export function describeSourceSemantics(warehouse: () => Warehouse, prefix: string) {
  const fx = sourceFixtures(`${prefix}_src`);
  const dir = mkdtempSync(join(tmpdir(), 'mesh-conformance-'));
  let n = 0;
  const file = (content: string) => {
    const path = join(dir, `export-${n++}.csv`);
    writeFileSync(path, content);
    return path;
  };
  const ingester = () => {
    const w = warehouse();
    if (!canIngestFiles(w)) throw new Error(`${w.name} cannot ingest files`);
    return w as Warehouse & FileIngester;
  };
  const current = async (source: Source, order: string) =>
    warehouse().query(
      renderSql(
        sql`SELECT * FROM ${source} ORDER BY ${sql.raw(warehouse().dialect.quoteIdent(order))}`,
        warehouse().dialect,
      ),
    );

  describe('sources', () => {
    beforeAll(async () => {
      for (const s of [fx.orders, fx.stores, fx.events, fx.customers])
        await warehouse().ensureDomain(s.domain);
    });

    it('reads a source that was never loaded as empty, with no batch', async () => {
      await warehouse().ensureSource(fx.events);
      expect(await current(fx.events, 'event_id')).toEqual([]);
      expect(await warehouse().listBatches({ source: fx.events.id })).toEqual([]);
    });

    it('upsert: a re-export in other bytes changes nothing, a status update replaces its row, a revert restores it', async () => {
      const w = ingester();
      const first = await w.ingestFile(
        fx.orders,
        file('order_id,status,amount\nO1,completed,10.50\nO2,completed,4\n'),
      );
      expect(first).toMatchObject({ status: 'loaded', rows: 2, loaded: 2, rejected: 0 });
      // The same rows: CRLF, another column order, quoted values.
      const again = await w.ingestFile(
        fx.orders,
        file('"amount","order_id","status"\r\n"4","O2","completed"\r\n"10.5","O1","completed"\r\n'),
      );
      expect(again.status).toBe('loaded');
      expect(again.batchId).toBeGreaterThan(first.batchId);
      // Nothing new came, and the batch says so, as the log does: a feed stuck re-sending its
      // last export is no more current than one that sends nothing (sourceStates).
      expect(again.flag).toBe(sameRowsFlag(first.batchId));
      expect((await w.listBatches({ source: fx.orders.id })).at(-1)?.flag).toBe(sameRowsFlag(first.batchId));
      const rows = await current(fx.orders, 'order_id');
      expect(rows).toEqual([
        { order_id: 'O1', status: 'completed', amount: 10.5 },
        { order_id: 'O2', status: 'completed', amount: 4 },
      ]);
      // The very same bytes as the latest batch, with the same mapping: one batch, not two.
      const same = await w.ingestFile(
        fx.orders,
        file('"amount","order_id","status"\r\n"4","O2","completed"\r\n"10.5","O1","completed"\r\n'),
      );
      expect(same).toMatchObject({ status: 'already-ingested', batchId: again.batchId });

      const update = await w.ingestFile(fx.orders, file('order_id,status,amount\nO1,cancelled,10.50\n'));
      // A row that changed is news; so is one more row, however like the last export the rest is.
      expect(update.flag).toBeUndefined();
      expect(await current(fx.orders, 'order_id')).toEqual([
        { order_id: 'O1', status: 'cancelled', amount: 10.5 },
        { order_id: 'O2', status: 'completed', amount: 4 },
      ]);
      const reverted = await w.revertBatch(fx.orders, update.batchId);
      expect(reverted.revertedAt).toBeInstanceOf(Date);
      expect((await current(fx.orders, 'order_id'))[0]).toMatchObject({ status: 'completed' });
      const live = await w.listBatches({ source: fx.orders.id });
      expect(live.map((b) => b.batchId)).toEqual([first.batchId, again.batchId]);
      const all = await w.listBatches({ source: fx.orders.id, includeReverted: true });
      expect(all.map((b) => b.batchId)).toEqual([first.batchId, again.batchId, update.batchId]);
      expect(all[0]).toMatchObject({ kind: 'ingest', loaded: 2, rejected: 0, sha256: first.sha256 });
      await expect(w.revertBatch(fx.orders, update.batchId)).rejects.toMatchObject({
        code: 'batch-reverted',
      });
      await expect(w.revertBatch(fx.stores, first.batchId)).rejects.toMatchObject({
        code: 'batch-of-another-source',
      });
      await expect(w.revertBatch(fx.orders, 999_999)).rejects.toMatchObject({ code: 'unknown-batch' });
      // A reverted file may be loaded again.
      expect(
        (await w.ingestFile(fx.orders, file('order_id,status,amount\nO1,cancelled,10.50\n'))).status,
      ).toBe('loaded');
    });

    it('refuses an export without an optional column that would erase its known values, unless told to', async () => {
      const w = ingester();
      await w.ingestFile(
        fx.customers,
        file('customer_id,segment,country,updated_at\nC7,consumer,FR,2026-02-01T00:00:00Z\n'),
      );
      const batches = (await w.listBatches({ source: fx.customers.id })).length;
      const lacking = file('customer_id,segment,updated_at\nC7,corporate,2026-02-02T00:00:00Z\n');
      const refused = await w.ingestFile(fx.customers, lacking).catch((e: unknown) => e);
      expect(isMeshError(refused) && refused.code).toBe('ingest-would-erase');
      expect((refused as Error).message).toMatch(
        new RegExp(
          `^${lacking.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} has no column country, which ${fx.customers.id} holds for 1 of the rows it updates \\(country\\).*nothing was loaded.*--set country=$`,
        ),
      );
      expect((refused as { subject: unknown }).subject).toMatchObject({ column: 'country', file: lacking });
      expect(await w.listBatches({ source: fx.customers.id })).toHaveLength(batches);
      const c7 = async () => (await current(fx.customers, 'customer_id')).find((r) => r.customer_id === 'C7');
      expect(await c7()).toMatchObject({ segment: 'consumer', country: 'FR' });
      // The column there but empty on every row (an export that stopped filling it): the same.
      const blank = file(
        'customer_id,segment,country,updated_at\nC7,corporate,,2026-02-02T00:00:00Z\nC9,consumer,,2026-02-02T00:00:00Z\n',
      );
      const emptied = await w.ingestFile(fx.customers, blank).catch((e: unknown) => e);
      expect(emptied).toMatchObject({
        code: 'ingest-would-erase',
        subject: { column: 'country', file: blank },
      });
      expect((emptied as Error).message).toContain(
        `has column country empty on every row, which ${fx.customers.id} holds for 1 of the rows it updates (country)`,
      );
      expect(await c7()).toMatchObject({ segment: 'consumer', country: 'FR' });
      // Filled on some rows, an empty one is a value cleared: data.
      const cleared = await w.ingestFile(
        fx.customers,
        file(
          'customer_id,segment,country,updated_at\nC7,consumer,,2026-02-03T00:00:00Z\nC9,consumer,DE,2026-02-03T00:00:00Z\n',
        ),
      );
      expect(cleared).toMatchObject({ status: 'loaded', loaded: 2 });
      expect(await c7()).toMatchObject({ country: null });
      await w.revertBatch(fx.customers, cleared.batchId);
      expect(await c7()).toMatchObject({ segment: 'consumer', country: 'FR' });
      // Keys the source knows no country of load as they are.
      await w.ingestFile(
        fx.customers,
        file('customer_id,segment,updated_at\nC8,consumer,2026-02-02T00:00:00Z\n'),
      );
      // So does an older revision (by cursor): it replaces nothing, so it erases nothing.
      const late = await w.ingestFile(
        fx.customers,
        file('customer_id,segment,updated_at\nC7,small_business,2026-01-15T00:00:00Z\n'),
      );
      expect(late).toMatchObject({ status: 'loaded', loaded: 1 });
      expect(await c7()).toMatchObject({ segment: 'consumer', country: 'FR' });
      // An empty --set says NULL on purpose.
      const told = await w.ingestFile(fx.customers, lacking, { mapping: { set: { country: '' } } });
      expect(told).toMatchObject({ status: 'loaded', loaded: 1 });
      expect(await c7()).toMatchObject({ segment: 'corporate', country: null });
      // Leave the source as the next tests expect it.
      const mine = (await w.listBatches({ source: fx.customers.id })).slice(batches - 1);
      for (const b of mine.reverse()) await w.revertBatch(fx.customers, b.batchId);
    });

    it('upsert by cursor: the newest version wins whatever the order batches arrive in', async () => {
      const w = ingester();
      await w.ingestFile(
        fx.customers,
        file('customer_id,segment,updated_at\nC1,consumer,2026-01-02T00:00:00Z\n'),
      );
      const late = await w.ingestFile(
        fx.customers,
        file('customer_id,segment,updated_at\nC1,corporate,2026-01-01T00:00:00Z\n'),
      );
      expect(await current(fx.customers, 'customer_id')).toMatchObject([
        { customer_id: 'C1', segment: 'consumer' },
      ]);
      // No row of it is current: delivered late, it is no delivery (a stopped feed would look
      // current with last week's rows), and the log says so.
      expect(late.flag).toBe(olderExportFlag('updated_at'));
      expect((await w.listBatches({ source: fx.customers.id })).at(-1)?.flag).toBe(
        olderExportFlag('updated_at'),
      );
      // One row newer than the one held is news, however old the others are.
      const mixed = await w.ingestFile(
        fx.customers,
        file(
          'customer_id,segment,updated_at\nC1,corporate,2026-01-01T12:00:00Z\nC2,consumer,2026-01-01T00:00:00Z\n',
        ),
      );
      expect(mixed.flag ?? '').not.toContain('nothing new');
      await w.revertBatch(fx.customers, mixed.batchId);
      // The held revision re-exported without its fraction of a second: no late export.
      const saved = await w.ingestFile(
        fx.customers,
        file('customer_id,segment,updated_at\nC2,consumer,2026-01-03T10:00:00.437Z\n'),
      );
      const again = await w.ingestFile(
        fx.customers,
        file('customer_id,segment,updated_at\nC2,consumer,2026-01-03 10:00:00\n'),
      );
      expect(again.flag ?? '').not.toContain('nothing new');
      await w.revertBatch(fx.customers, again.batchId);
      await w.revertBatch(fx.customers, saved.batchId);
    });

    it('flags times later than the load: local times written without their offset, read as UTC', async () => {
      const w = ingester();
      // A system in a zone ahead of UTC writes its wall clock: saved a minute ago in Berlin, an
      // hour from now as UTC. Written with its offset, the same time is a minute ago.
      const wall = (minutes: number) =>
        new Date(Date.now() + minutes * 60_000).toISOString().slice(0, 19).replace('T', ' ');
      const local = await w.ingestFile(
        fx.customers,
        file(`customer_id,segment,updated_at\nC3,consumer,${wall(-2)}\nC4,consumer,${wall(59)}\n`),
      );
      expect(local).toMatchObject({ status: 'loaded', loaded: 2 });
      expect(local.flag).toBe(aheadOfLoadFlag(fx.customers, { a0: 1, l0: 3 }));
      expect(local.flag).toMatch(/^1 value of updated_at \(line 3 the first\) is more than 15 minutes after/);
      expect((await w.listBatches({ source: fx.customers.id })).at(-1)?.flag).toBe(local.flag);
      await w.revertBatch(fx.customers, local.batchId);
      // Clocks a few minutes apart are no sign of it.
      const skewed = await w.ingestFile(
        fx.customers,
        file(`customer_id,segment,updated_at\nC3,consumer,${wall(5)}\n`),
      );
      expect(skewed.flag).toBeUndefined();
      await w.revertBatch(fx.customers, skewed.batchId);
    });

    it('snapshot: the latest export is the table; append: an event is kept once', async () => {
      const w = ingester();
      await w.ingestFile(fx.stores, file('store_id,name\nS1,North\nS2,South\n'));
      await w.ingestFile(fx.stores, file('store_id,name\nS2,South II\n'));
      expect(await current(fx.stores, 'store_id')).toEqual([{ store_id: 'S2', name: 'South II' }]);
      // The first export again, byte for byte: the list went back to it, so it is the table again.
      const back = await w.ingestFile(fx.stores, file('store_id,name\nS1,North\nS2,South\n'));
      expect(back.status).toBe('loaded');
      // A change back, said: delivered again by mistake, last week's list would look current.
      expect(back.flag).toBe(changeBackFlag(back.reloads!));
      expect(await current(fx.stores, 'store_id')).toEqual([
        { store_id: 'S1', name: 'North' },
        { store_id: 'S2', name: 'South' },
      ]);
      // That list again in other bytes: the rows of the first export too, but of the newest
      // above all, so no change back; nothing new came.
      const listAgain = await w.ingestFile(fx.stores, file('name,store_id\r\nSouth,S2\r\nNorth,S1\r\n'));
      expect(listAgain).toMatchObject({ status: 'loaded', flag: sameRowsFlag(back.batchId) });
      expect(listAgain.reloads).toBeUndefined();
      // The second list again, meant (a rollback, or dated the newest): current, and not flagged.
      const meant = await w.ingestFile(fx.stores, file('store_id,name\nS2,South II\n'), { current: true });
      expect(meant).toMatchObject({ status: 'loaded', flag: undefined });
      expect(meant.reloads).toBeDefined();
      expect(await current(fx.stores, 'store_id')).toEqual([{ store_id: 'S2', name: 'South II' }]);

      const firstEvents = await w.ingestFile(fx.events, file('event_id,kind\nE1,click\nE2,view\n'));
      expect(firstEvents.repeatedEvents ?? 0).toBe(0);
      // E2 again with another kind: kept as first loaded, and said so; E1 again as it was (in
      // other bytes: spaces around it): held already, and counted apart, so that the rows
      // loaded are not read as new events.
      const repeated = await w.ingestFile(
        fx.events,
        file('event_id,kind\nE2,changed\nE3,click\n E1 , click \n'),
      );
      expect(repeated).toMatchObject({ loaded: 3, repeatedEvents: 1, heldEvents: 1 });
      expect(repeated.flag ?? '').not.toContain(NOTHING_NEW_FLAG);
      // E2's other kind is in no figure: the batch says so, and its products are degraded.
      expect(repeated.flag).toBe(conflictingEventsFlag(1));
      // Only events already held, re-exported in other bytes: nothing new came, and the batch
      // says so, as the batch log does (its source is then no more current than before).
      const resent = await w.ingestFile(fx.events, file('kind,event_id\nclick,E3\nview,E2\n'));
      expect(resent).toMatchObject({ loaded: 2, heldEvents: 2 });
      expect(resent.flag).toContain(NOTHING_NEW_FLAG);
      const logged = await w.listBatches({ source: fx.events.id });
      expect(logged.find((b) => b.batchId === resent.batchId)?.flag).toContain(NOTHING_NEW_FLAG);
      expect(await current(fx.events, 'event_id')).toEqual([
        { event_id: 'E1', kind: 'click' },
        { event_id: 'E2', kind: 'view' },
        { event_id: 'E3', kind: 'click' },
      ]);
    });

    it('append: rejects a later copy of an event with other values in one file, counts an identical one', async () => {
      const w = ingester();
      // E7 twice with other values: the second would vanish unseen (an event is kept once).
      const result = await w.ingestFile(
        fx.events,
        file('event_id,kind\nE7,click\nE7,refund\nE8,view\nE8,view\n'),
      );
      expect(result).toMatchObject({ rows: 4, loaded: 3, rejected: 1, repeatedEvents: 1 });
      const rejects = await warehouse().query(rejectsSelect(fx.events, result.batchId, warehouse().dialect));
      expect(rejects).toHaveLength(1);
      expect(rejects[0]).toMatchObject({ line: 3 });
      expect(String(rejects[0]!.reason)).toMatch(/^event_id E7: the key of line 2 with other values/);
      const kept = (await current(fx.events, 'event_id')).filter((r) =>
        ['E7', 'E8'].includes(String(r.event_id)),
      );
      expect(kept).toEqual([
        { event_id: 'E7', kind: 'click' },
        { event_id: 'E8', kind: 'view' },
      ]);
    });

    it('flags a batch whose file column no source column takes while an optional one loads as NULL', async () => {
      const w = ingester();
      // `Land` was meant to be `country`: nothing fills it, and nothing would say so.
      const result = await w.ingestFile(
        fx.customers,
        file('customer_id,segment,Land,updated_at\nC9,consumer,NL,2026-03-01T00:00:00Z\n'),
      );
      expect(result).toMatchObject({ loaded: 1, unusedColumns: ['Land'], missingColumns: ['country'] });
      expect(result.flag).toContain('--map country=Land');
      const [batch] = (await w.listBatches({ source: fx.customers.id })).filter(
        (b) => b.batchId === result.batchId,
      );
      // Stored with the batch: health reads it from there.
      expect(batch?.flag).toBe(result.flag);
      // Undone, as its fix says, so the tests after it see the customers as they were.
      await w.revertBatch(fx.customers, result.batchId);
    });

    it('leaves out of a snapshot the rows its export marks deleted, and rejects them from an upsert', async () => {
      const w = ingester();
      const before = await current(fx.stores, 'store_id');
      // A store list exported with its soft-deleted stores: S8 closed, S9 open.
      const list = await w.ingestFile(
        fx.stores,
        file('store_id,name,Deleted At\nS8,Harbour,2026-03-01 10:00:00\nS9,Station,\n'),
      );
      expect(list).toMatchObject({ status: 'loaded', rows: 1, loaded: 1, rejected: 0, deletedRows: 1 });
      expect(await current(fx.stores, 'store_id')).toEqual([{ store_id: 'S9', name: 'Station' }]);
      await w.revertBatch(fx.stores, list.batchId);
      expect(await current(fx.stores, 'store_id')).toEqual(before);

      // A CRM export whose deleted customer comes as its last revision, flagged: an upsert
      // cannot remove the key, so the row is rejected (and the batch says so) rather than
      // loaded as if the customer were still there.
      const customers = await current(fx.customers, 'customer_id');
      const crm = await w.ingestFile(
        fx.customers,
        file(
          'customer_id,segment,country,updated_at,is_deleted\nC7,consumer,NL,2026-03-02T00:00:00Z,false\nC8,consumer,NL,2026-03-02T00:00:00Z,TRUE\n',
        ),
      );
      expect(crm).toMatchObject({ status: 'loaded', rows: 2, loaded: 1, rejected: 1 });
      expect(crm.deletedRows).toBeUndefined();
      expect(crm.sampleRejects).toEqual([
        {
          line: 3,
          reason: `marked deleted by file column is_deleted, which ${fx.customers.id} cannot apply: an upsert keeps a key's last values, so the deleted row would stay current in every figure`,
        },
      ]);
      expect((await current(fx.customers, 'customer_id')).map((r) => r.customer_id)).toContain('C7');
      expect((await current(fx.customers, 'customer_id')).map((r) => r.customer_id)).not.toContain('C8');
      await w.revertBatch(fx.customers, crm.batchId);
      expect(await current(fx.customers, 'customer_id')).toEqual(customers);
    });

    it('rejects a revision stamped midnight of a day a later revision of its key was saved', async () => {
      const w = ingester();
      const customers = await current(fx.customers, 'customer_id');
      // C5 opted for another segment at 08:00, then the CRM exported its next change with the
      // day alone, as midnight: it would rank below the 08:00 revision and never be current.
      const morning = await w.ingestFile(
        fx.customers,
        file('customer_id,segment,country,updated_at\nC5,consumer,NL,2026-03-05T08:00:00Z\n'),
      );
      const dated = await w.ingestFile(
        fx.customers,
        file(
          'customer_id,segment,country,updated_at\nC5,corporate,NL,2026-03-05 00:00:00\nC6,consumer,BE,2026-03-05 00:00:00\nC5,corporate,NL,2026-03-06 00:00:00\n',
        ),
      );
      // C6 (no revision held) and the next day's midnight (after every revision held) load.
      expect(dated).toMatchObject({ status: 'loaded', rows: 3, loaded: 2, rejected: 1 });
      expect(dated.sampleRejects).toEqual([{ line: 2, reason: `updated_at${INGEST_MIDNIGHT_CURSOR}` }]);
      await w.revertBatch(fx.customers, dated.batchId);
      await w.revertBatch(fx.customers, morning.batchId);
      expect(await current(fx.customers, 'customer_id')).toEqual(customers);
    });

    it('maps an export: renames, constants, value maps and enumerations in any case', async () => {
      const w = ingester();
      const result = await w.ingestFile(
        fx.customers,
        file(
          'CustNo,Segment,Saved\nC2,Home Office,2026-02-01T00:00:00Z\nC3, CORPORATE ,2026-02-01T00:00:00Z\n',
        ),
        {
          mapping: {
            rename: { customer_id: 'CustNo', updated_at: 'Saved' },
            set: { country: 'NL' },
            values: { segment: { 'Home Office': 'small_business' } },
          },
        },
      );
      expect(result).toMatchObject({ loaded: 2, rejected: 0 });
      const rows = (await current(fx.customers, 'customer_id')).filter((r) =>
        ['C2', 'C3'].includes(String(r.customer_id)),
      );
      expect(rows).toMatchObject([
        { customer_id: 'C2', segment: 'small_business', country: 'NL' },
        { customer_id: 'C3', segment: 'corporate', country: 'NL' },
      ]);
      const [batch] = (await w.listBatches({ source: fx.customers.id })).slice(-1);
      expect(batch!.mapping).toEqual({
        rename: { customer_id: 'CustNo', updated_at: 'Saved' },
        set: { country: 'NL' },
        values: { segment: { 'Home Office': 'small_business' } },
      });
    });

    it('rejects rows with their physical line and reason; malformed quotes and NUL bytes are not loaded', async () => {
      const w = ingester();
      const result = await w.ingestFile(
        fx.events,
        file('event_id,kind\nE10,"two\nlines"\n\nE11,ab"c\nE12,ok\u0000\nE13,\nE14,fine\n'),
      );
      expect(result).toMatchObject({ rows: 5, loaded: 2, rejected: 3 });
      expect(result.sampleRejects).toEqual([
        { line: 5, reason: 'malformed quote: a quote inside unquoted field 2' },
        { line: 6, reason: 'contains a NUL byte' },
        { line: 7, reason: 'kind: missing' },
      ]);
      const stored = await w.query(rejectsSelect(fx.events, result.batchId, w.dialect));
      expect(stored.map((r) => [Number(r.line), r.reason])).toEqual([
        [5, 'malformed quote: a quote inside unquoted field 2'],
        [6, 'contains a NUL byte'],
        [7, 'kind: missing'],
      ]);
      const log = await w.query(
        renderSql(
          sql`SELECT event_id, _line FROM ${sql.raw(w.dialect.tableName(fx.events.log))} WHERE _batch_id = ${result.batchId} ORDER BY _line`,
          w.dialect,
        ),
      );
      expect(log).toEqual([
        { event_id: 'E10', _line: 2 },
        { event_id: 'E14', _line: 8 },
      ]);
    });

    it('keeps sample rows and real rows apart', async () => {
      const w = ingester();
      await expect(
        loadRows(w, fx.orders, [{ order_id: 'X', status: 'completed', amount: 1 }]),
      ).rejects.toSatisfy((e: unknown) => isMeshError(e) && e.code === 'source-holds-ingested-rows');
      const sample = await loadRows(w, fx.samples, [{ event_id: 'S1', kind: 'sample' }]);
      expect(sample.rowCount).toBe(1);
      const [state] = await w.listBatches({ source: fx.samples.id });
      expect(state).toMatchObject({ kind: 'sample', loaded: 1 });
      const real = await w.ingestFile(fx.samples, file('event_id,kind\nR1,real\n'));
      expect(real.replacedSample).toBe(true);
      expect(await current(fx.samples, 'event_id')).toEqual([{ event_id: 'R1', kind: 'real' }]);
      expect((await w.listBatches({ source: fx.samples.id })).map((b) => b.kind)).toEqual(['ingest']);
    });
  });
}

function sourceFixtures(prefix: string) {
  const domain = defineDomain({
    name: prefix,
    description: 'Source conformance fixtures',
    owner: { team: 'platform', email: 'platform@retail.example' },
  });
  const orders = defineSource({
    domain,
    name: 'orders',
    description: 'Orders; a status update arrives as the order again.',
    mode: 'upsert',
    schema: z.object({
      order_id: z.string().describe('Order').meta({ key: true }),
      status: z.enum(['completed', 'cancelled']).describe('Status'),
      amount: z.number().meta({ type: 'decimal' }).describe('Amount'),
    }),
  });
  const customers = defineSource({
    domain,
    name: 'customers',
    description: 'Customer revisions.',
    mode: 'upsert',
    cursor: 'updated_at',
    schema: z.object({
      customer_id: z.string().describe('Customer').meta({ key: true }),
      segment: z.enum(['consumer', 'small_business', 'corporate']).describe('Segment'),
      country: z.string().nullable().describe('Country'),
      updated_at: z.date().describe('Saved at'),
    }),
  });
  const stores = defineSource({
    domain,
    name: 'stores',
    description: 'The store list, exported whole.',
    mode: 'snapshot',
    schema: z.object({
      store_id: z.string().describe('Store').meta({ key: true }),
      name: z.string().describe('Name'),
    }),
  });
  const eventSchema = z.object({
    event_id: z.string().describe('Event').meta({ key: true }),
    kind: z.string().describe('Kind'),
  });
  const events = defineSource({
    domain,
    name: 'events',
    description: 'Events.',
    mode: 'append',
    optional: true,
    schema: eventSchema,
  });
  const samples = defineSource({
    domain,
    name: 'samples',
    description: 'Sample, then real.',
    mode: 'append',
    schema: eventSchema,
  });
  return { orders, customers, stores, events, samples };
}
