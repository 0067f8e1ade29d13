import type { z } from 'zod';
import type { ColumnSpec } from './columns.js';
import type { Dialect } from './dialect.js';
import { BuildError, UsageError } from './errors.js';
import type { Source } from './source.js';
import { type BatchRecord, batchFlag, type IngestMapping } from './source-log.js';
import { renderSql, type SqlFragment, sql } from './sql.js';
import type { IngestResult } from './warehouse.js';

/** Where one source column's raw value comes from: a file column, a constant, or nowhere. */
export type ColumnOrigin =
  | { readonly kind: 'file'; readonly column: string }
  | { readonly kind: 'constant'; readonly value: string }
  | { readonly kind: 'absent' };

/**
 * Source column -> origin, the same on every warehouse. A constant (`--set`) wins, then an
 * explicit rename (`--map`), then the same name, then the same name ignoring case, then the
 * one file column with the same letters and digits (`Order ID` for `order_id`). Returns
 * every problem at once instead of throwing. An empty constant is no value (NULL), as an
 * empty field of a file is.
 */
export function mapColumns(
  source: Source,
  fileColumns: readonly string[],
  mapping: IngestMapping,
): {
  origins: Map<string, ColumnOrigin>;
  problems: string[];
  /** Source columns given a constant (`--set`, `set:`) though the file has a column for them. */
  overwritten: Array<{ column: string; fileColumn: string }>;
} {
  const problems: string[] = [];
  const names = new Set(source.columns.map((c) => c.name));
  // Then the same letters and digits (`Order ID`, `OrderId`, `order-id` for `order_id`), when
  // only one file column has them: exports spell headers as their tools please (`Amount (EUR)`,
  // `Active?`, `[Order ID]`). A percent or currency sign stays: it carries meaning
  // (`Discount Amount %` is a rate, `Price $` a currency), and such a header is mapped by hand.
  const folded = (name: string) => name.toLowerCase().replace(/[^\p{L}\p{N}%\p{Sc}]/gu, '');
  const exactly = (name: string) =>
    fileColumns.find((f) => f === name) ?? fileColumns.find((f) => f.toLowerCase() === name.toLowerCase());
  // A file column another source column takes by name or by --map is not spelled-alike for one more.
  const claimed = new Set<string>();
  for (const c of source.columns) {
    const taken = exactly(mapping.rename[c.name] ?? c.name);
    if (taken) claimed.add(taken);
  }
  const findFile = (name: string) => {
    const found = exactly(name);
    if (found || !folded(name)) return found;
    const alike = fileColumns.filter((f) => !claimed.has(f) && folded(f) === folded(name));
    return alike.length === 1 ? alike[0] : undefined;
  };
  for (const [target, from] of Object.entries(mapping.rename)) {
    if (!names.has(target)) problems.push(`--map ${target}=${from}: ${source.id} has no column ${target}`);
    else if (!findFile(from)) problems.push(`--map ${target}=${from}: the file has no column ${from}`);
  }
  for (const target of Object.keys(mapping.set)) {
    if (!names.has(target)) problems.push(`--set ${target}: ${source.id} has no column ${target}`);
  }
  for (const target of Object.keys(mapping.values)) {
    if (!names.has(target)) problems.push(`value map of ${target}: ${source.id} has no column ${target}`);
  }
  const origins = new Map<string, ColumnOrigin>();
  const overwritten: Array<{ column: string; fileColumn: string }> = [];
  for (const c of source.columns) {
    const constant = mapping.set[c.name];
    if (constant !== undefined) {
      origins.set(c.name, { kind: 'constant', value: constant });
      // A value for every row where the file has the column would silently replace its data.
      const fileColumn = findFile(mapping.rename[c.name] ?? c.name);
      if (fileColumn) overwritten.push({ column: c.name, fileColumn });
      continue;
    }
    const renamed = mapping.rename[c.name];
    const from = findFile(renamed ?? c.name);
    if (from) origins.set(c.name, { kind: 'file', column: from });
    else {
      origins.set(c.name, { kind: 'absent' });
      if (!c.nullable && renamed === undefined)
        problems.push(
          `column ${c.name} (required) is not in the file: map it with --map ${c.name}=<file column> or give it a value with --set ${c.name}=<value>`,
        );
    }
  }
  return { origins, problems, overwritten };
}

/**
 * Why a CSV file is refused when one of `records` (its rows whose first value is one of the
 * header's names: the candidates, with their physical lines) is its header again with the
 * columns in another order: two exports joined (`cat a.csv b.csv`). The reader takes that line
 * for a record, and the rows after it, in its order, for rows in the first line's: each value
 * would load under another column. The first such record's reason, or undefined.
 */
export function headerInOtherOrder(
  header: readonly string[],
  records: ReadonlyArray<{ readonly line: number; readonly values: readonly unknown[] }>,
): string | undefined {
  const key = (values: readonly unknown[]) =>
    values
      .map((v) =>
        String(v ?? '')
          .trim()
          .toLowerCase(),
      )
      .sort()
      .join('\u0000');
  const names = key(header);
  const again = [...records].sort((a, b) => a.line - b.line).find((r) => key(r.values) === names);
  if (!again) return undefined;
  return `repeats its header at line ${again.line} with the columns in another order (${again.values.map(String).join(', ')}), as two exports joined into one file do: the rows after it are in that order, and read by the first line's they would load each value under another column. Ingest each export as it was written, or put its columns in the first header's order.`;
}

/**
 * What a file's header left out of a batch: file columns no source column took (their values
 * are not loaded), and optional source columns the file lacks (loaded as NULL; a `--set` is no
 * lack). Both in one file is most likely a misspelt header (`delivery_date` for
 * `delivered_at`), so the batch gets a `flag` that makes the products reading it `degraded`.
 *
 * @example unmatchedColumns(shipments, ['shipment_id', 'delivery_date'], origins) // { unused: ['delivery_date'], missing: ['delivered_at'], flag: '…--map delivered_at=delivery_date…' }
 */
export function unmatchedColumns(
  source: Source,
  fileColumns: readonly string[],
  origins: ReadonlyMap<string, ColumnOrigin>,
  /** The explicit renames (`--map`, `rename:`): file columns taken by name, not by spelling. */
  renamed: Readonly<Record<string, string>> = {},
): {
  unused: string[];
  missing: string[];
  /** Source column -> the file column taken for it by its spelling (`Order ID` for order_id). */
  respelled: Record<string, string>;
  flag: string | undefined;
} {
  const used = new Set([...origins.values()].flatMap((o) => (o.kind === 'file' ? [o.column] : [])));
  const respelled: Record<string, string> = {};
  for (const [column, origin] of origins)
    if (origin.kind === 'file' && origin.column !== column && renamed[column] === undefined)
      respelled[column] = origin.column;
  const unused = fileColumns.filter((f) => !used.has(f));
  const missing = source.columns
    .filter((c) => c.nullable && origins.get(c.name)?.kind === 'absent')
    .map((c) => c.name);
  if (!unused.length || !missing.length) return { unused, missing, respelled, flag: undefined };
  // The likeliest pair for the hint: the unused column sharing most words with the missing one.
  const words = (name: string) =>
    new Set(
      name
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter(Boolean),
    );
  const target = missing[0]!;
  const shared = (f: string) => [...words(f)].filter((w) => words(target).has(w)).length;
  const from = [...unused].sort((a, b) => shared(b) - shared(a))[0]!;
  const list = (names: readonly string[]) => names.join(', ');
  const flag = `has file column${unused.length === 1 ? '' : 's'} ${list(unused)} that no column of ${source.id} takes, while its optional column${missing.length === 1 ? '' : 's'} ${list(missing)} loaded as NULL: a misspelt header? Map it (--map ${target}=${from}), revert this batch and ingest the file again`;
  return { unused, missing, respelled, flag };
}

/** `b.k = c.k` for every key column of the source: a batch row (`b`) and a stored one (`c`). */
const keysMatch = (source: Source): SqlFragment =>
  sql.join(
    source.key.map((k) => sql`${sql.id('b', k)} = ${sql.id('c', k)}`),
    ' AND ',
  );

/**
 * The optional columns an export lacks that a batch of it would erase where they are known: an
 * upsert or a snapshot replaces a row whole, so a key's earlier value of such a column would
 * become NULL. Events (`append`) only add rows. An empty `--set` says NULL on purpose.
 */
export function erasableColumns(source: Source, origins: ReadonlyMap<string, ColumnOrigin>): string[] {
  if (source.mode === 'append') return [];
  return source.columns
    .filter((c) => c.nullable && !c.key && origins.get(c.name)?.kind === 'absent')
    .map((c) => c.name);
}

/**
 * The earlier batches whose rows a batch holds again, in other bytes (CRLF, another column
 * order, another export run), where that is a change back: where the order of batches decides
 * which rows are current (a snapshot, an upsert without a cursor), an older export delivered
 * again makes its rows current over the later ones. The candidates: live exports of the same
 * row count but the latest (the latest again changes nothing). None: nothing to compare.
 */
function sameRowsCandidates(source: Source, live: readonly BatchRecord[], loaded: number): number[] {
  if (source.cursor || (source.mode !== 'snapshot' && source.mode !== 'upsert')) return [];
  const exports = live.filter((b) => b.kind === 'ingest');
  return exports
    .slice(0, -1)
    .filter((b) => b.loaded === loaded)
    .map((b) => b.batchId);
}

/**
 * The latest of `candidates` (`sameRowsCandidates`) whose rows in the source's log are the rows
 * of `batch` (a relation of the batch's valid rows, with the source's columns): as many, with
 * the same fingerprint (what an incremental product compares days by). One row (`batch_id`) or none.
 */
function sameRowsSelect(
  source: Source,
  batch: SqlFragment,
  candidates: readonly number[],
  dialect: Dialect,
): string {
  const print = (alias: string) => sql.rowFingerprint(source.columns.map((c) => sql.id(alias, c.name)));
  const id = sql.id('l', '_batch_id');
  return renderSql(
    sql`SELECT ${id} AS ${sql.id('batch_id')} FROM ${sql.raw(dialect.tableName(source.log))} AS l WHERE ${id} IN (${sql.join(candidates.map((c) => sql`${c}`))}) GROUP BY ${id} HAVING COUNT(*) = (SELECT COUNT(*) FROM ${batch} AS b) AND ${print('l')} = (SELECT ${print('b')} FROM ${batch} AS b) ORDER BY ${id} DESC LIMIT 1`,
    dialect,
  );
}

/**
 * The newest live export of a snapshot or upsert source when it loaded as many rows as the new
 * batch: the one a feed stuck re-sending its last export sends again (an event source says so
 * by its keys, see `repeatedEventsSelect`).
 */
function newestExportOfSize(
  source: Source,
  live: readonly BatchRecord[],
  loaded: number,
): number | undefined {
  if (loaded === 0 || (source.mode !== 'snapshot' && source.mode !== 'upsert')) return undefined;
  const newest = live.filter((b) => b.kind === 'ingest').at(-1);
  return newest?.loaded === loaded ? newest.batchId : undefined;
}

/**
 * The earlier batch whose rows a new batch holds again: the very bytes (`reloads`), or else the
 * very rows in other bytes (`sameRowsSelect`, asked of the warehouse through `query` only where
 * there are candidates). `reloads`: an older export, where that is a change back (see
 * `sameRowsCandidates`). `resends`: the newest export, the same rows again in other bytes, which
 * changes nothing: nothing new came (see `sameRowsFlag`). `batch` is a relation of the new
 * batch's valid rows; `loaded`, their number.
 */
export async function reloadsOf(
  source: Source,
  live: readonly BatchRecord[],
  file: { sha256: string; mapping: IngestMapping; loaded: number; batch: SqlFragment },
  query: (statement: string) => Promise<ReadonlyArray<Record<string, unknown>>>,
  dialect: Dialect,
): Promise<{ reloads?: number; resends?: number }> {
  const same = reloads(live, file.sha256, file.mapping);
  if (same.reloads !== undefined) return same;
  const candidates = sameRowsCandidates(source, live, file.loaded);
  const newest = newestExportOfSize(source, live, file.loaded);
  if (!candidates.length && newest === undefined) return {};
  // The newest first (the statement keeps the highest batch id): its rows again are no change back.
  const [row] = await query(
    sameRowsSelect(source, file.batch, [...candidates, ...(newest === undefined ? [] : [newest])], dialect),
  );
  if (!row) return {};
  const id = Number(row.batch_id);
  return id === newest ? { resends: id } : { reloads: id };
}

/**
 * One row: per erasable column (`erasableColumns`), how many current rows of the source hold a
 * value of it under a key of the batch's valid rows (`batch`: a relation of them, with the
 * source's key columns). A row count above 0 means the batch would erase what was known.
 */
export function erasedValuesSelect(
  source: Source,
  columns: readonly string[],
  batch: SqlFragment,
  dialect: Dialect,
): string {
  const counts = columns.map((c, i) => sql`COUNT(${sql.id('c', c)}) AS ${sql.id(`n${i}`)}`);
  const sameKey = keysMatch(source);
  // By cursor, a row replaces the current one only when its cursor is not older (NULL ranks
  // last: a row without one replaces only a current row without one).
  const cursor = source.cursor;
  const replaces = cursor
    ? sql` AND (${sql.id('b', cursor)} >= ${sql.id('c', cursor)} OR ${sql.id('c', cursor)} IS NULL)`
    : sql``;
  return renderSql(
    sql`SELECT ${sql.join(counts)} FROM ${source} AS c WHERE EXISTS (SELECT 1 FROM ${batch} AS b WHERE ${sameKey}${replaces})`,
    dialect,
  );
}

/**
 * One row: `n`, the batch's valid rows (`batch`) whose key an event source (`append`) already
 * holds, never with these values (a corrected event sent again, which is not a correction), and
 * `held`, those it holds with these very values (the same event delivered again: an export
 * overlapping the last one, or re-exported in other bytes, its times to the second). The first
 * copy of an event counts, so neither changes anything, and the user should hear so: the first
 * as a warning, the second so that "loaded" is not read as new events.
 */
export function repeatedEventsSelect(source: Source, batch: SqlFragment, dialect: Dialect): string {
  // The log holds every live copy (a revert deletes its batch's rows), and reading it costs
  // less than ranking it into current rows: a key it holds, with or without these values.
  const log = sql.raw(dialect.tableName(source.log));
  const sameKey = keysMatch(source);
  // A time's fraction of a second set aside: the same receipt re-exported by a system that
  // writes whole seconds (10:00:00 for 10:00:00.437) is the event held, not a correction.
  const value = (alias: string, c: ColumnSpec) =>
    c.type === 'timestamp' ? sql.timestampTrunc('second', sql.id(alias, c.name)) : sql.id(alias, c.name);
  const sameValues = sql.join(
    source.columns
      .filter((c) => !c.key)
      .map((c) => sql` AND ${value('c', c)} IS NOT DISTINCT FROM ${value('b', c)}`),
    '',
  );
  const held = sql.id('r', 'held');
  return renderSql(
    sql`SELECT COUNT(CASE WHEN NOT ${held} THEN 1 END) AS ${sql.id('n')}, COUNT(CASE WHEN ${held} THEN 1 END) AS ${sql.id('held')}
      FROM (SELECT EXISTS (SELECT 1 FROM ${log} AS c WHERE ${sameKey}${sameValues}) AS ${sql.id('held')}
        FROM ${batch} AS b
        WHERE EXISTS (SELECT 1 FROM ${log} AS c WHERE ${sameKey})) AS r`,
    dialect,
  );
}

/**
 * The keys of a batch that its source does not hold as written, but holds written otherwise:
 * the same once leading zeros and letter case of text, and the fraction of a second of a time,
 * are set aside (`123` where it holds `00123`, what a spreadsheet or a number type makes of an
 * id; `c-7` for `C-7`; a return stamped `10:00:00.437` re-exported as `10:00:00`). Each loads
 * as another row beside the one held (an event counted twice, an update meant for a customer
 * landing on a new one), and both count in every figure: the batch is flagged
 * (`respeltKeysFlag`), which makes the products reading it `degraded`. One row, or none: `n`,
 * and the first such key with a key it holds (`example`, `held`), as text. The held keys are
 * the source's current rows, one a key. Keys of other types are compared as they are; a
 * source whose key holds no text and no time has none.
 */
export function respeltKeysSelect(source: Source, batch: SqlFragment, dialect: Dialect): string | undefined {
  const columns = source.key.map((k) => source.columns.find((c) => c.name === k)!);
  if (!columns.some((c) => c.type === 'string' || c.type === 'timestamp')) return undefined;
  const fold = (alias: string, c: (typeof columns)[number]) =>
    c.type === 'string'
      ? sql.lower(sql`LTRIM(${sql.id(alias, c.name)}, '0')`)
      : c.type === 'timestamp'
        ? sql.timestampTrunc('second', sql.id(alias, c.name))
        : sql.id(alias, c.name);
  const current = sql.raw(dialect.tableName(source.table));
  const keys = sql.join(source.key.map((k) => sql.id(k)));
  const asWritten = sql.join(
    source.key.map((k) => sql`${sql.id('c', k)} = ${sql.id('b', k)}`),
    ' AND ',
  );
  const folded = sql.join(
    columns.map((c) => sql`${fold('h', c)} = ${fold('b', c)}`),
    ' AND ',
  );
  // A key as text, its parts joined by commas.
  const text = (alias: string) =>
    sql.join(
      columns.map((c) => sql.cast(sql.id(alias, c.name), 'string')),
      " || ', ' || ",
    );
  // One row a batch key (with the first key it folds onto), then the first of them with the count.
  return renderSql(
    sql`SELECT COUNT(*) OVER () AS ${sql.id('n')}, ${sql.id('p', 'example')}, ${sql.id('p', 'held')}
      FROM (SELECT ${text('b')} AS ${sql.id('example')}, MIN(${text('h')}) AS ${sql.id('held')}
        FROM (SELECT DISTINCT ${keys} FROM ${batch} AS t) AS b
        JOIN (SELECT DISTINCT ${keys} FROM ${current} AS t) AS h ON ${folded}
        WHERE NOT EXISTS (SELECT 1 FROM ${current} AS c WHERE ${asWritten})
        GROUP BY ${text('b')}) AS p
      ORDER BY ${sql.id('p', 'example')} LIMIT 1`,
    dialect,
  );
}

/**
 * For an upsert without a cursor: one row, `n`, the lines of the batch that repeat an earlier
 * line's key with other values, and `line`, the first of them. Nothing tells which copy is
 * current (an order's lines numbered again from 1, one line number now two products), so the
 * last line of each key is taken, as the last export is: the batch is flagged
 * (`lastLineTakenFlag`), which makes the products reading it `degraded`. Undefined for other
 * sources: events and snapshots without a cursor reject such lines (`conflictingEventsSelect`);
 * a cursor ranks them.
 */
export function lastLineTakenSelect(
  source: Source,
  checked: SqlFragment,
  dialect: Dialect,
): string | undefined {
  if (source.mode !== 'upsert' || source.cursor) return undefined;
  return renderSql(
    sql`SELECT COUNT(*) AS ${sql.id('n')}, MIN(${sql.id('r', '__line')}) AS ${sql.id('line')} FROM (${sql.raw(conflictingEventsSelect(source, checked, dialect))}) AS r`,
    dialect,
  );
}

/** The flag of a batch some keys of which its lines give twice, with other values (see `lastLineTakenSelect`). */
export const lastLineTakenFlag = (lines: number, first: number) =>
  `${lines.toLocaleString('en-US')} line${lines === 1 ? ' repeats' : 's repeat'} the key of an earlier line with other values (line ${first} the first): with no cursor to tell which is current, the last line of each key was taken (lines numbered again, an id reused?): export each key once, or give the source a cursor column`;

/**
 * For an upsert without a cursor: one row, `n`, the keys of the batch (`batch`, its valid rows)
 * whose values the log holds from an earlier batch that a later one changed, and `example`, the
 * first, as text: the batch changes them back (an undated backfill of last week's orders loaded
 * after the cancellations since). Without a cursor the newest batch wins, so last week's rows
 * are current again, healthy; the batch is flagged (`keysChangedBackFlag`), and, as a change
 * back of a whole export, the products reading it stay `degraded` until it is reverted (later
 * exports replace only the keys they list). Undefined for other sources: a cursor ranks
 * revisions whatever batch brings them, and a snapshot's next export replaces every row.
 */
export function keysChangedBackSelect(
  source: Source,
  batch: SqlFragment,
  dialect: Dialect,
): string | undefined {
  // `l`, an earlier revision of the key with the batch's values; `m`, the key's newest, other.
  if (source.mode !== 'upsert' || source.cursor) return undefined;
  const others = source.columns.filter((c) => !c.key);
  if (!others.length) return undefined;
  const log = sql.raw(dialect.tableName(source.log));
  const same = (a: string, b: string, columns: typeof source.columns) =>
    sql.join(
      columns.map((c) => sql`${sql.id(a, c.name)} IS NOT DISTINCT FROM ${sql.id(b, c.name)}`),
      ' AND ',
    );
  const keyOf = source.columns.filter((c) => c.key);
  const text = sql.join(
    keyOf.map((c) => sql.cast(sql.id('b', c.name), 'string')),
    " || ', ' || ",
  );
  const batchId = (alias: string) => sql.id(alias, '_batch_id');
  return renderSql(
    sql`SELECT COUNT(DISTINCT ${text}) AS ${sql.id('n')}, MIN(${text}) AS ${sql.id('example')}
      FROM ${batch} AS b
      JOIN ${log} AS l ON ${same('l', 'b', keyOf)} AND ${same('l', 'b', others)}
      JOIN ${log} AS m ON ${same('m', 'b', keyOf)} AND ${batchId('m')} > ${batchId('l')} AND NOT (${same('m', 'b', others)})
      WHERE NOT EXISTS (SELECT 1 FROM ${log} AS x WHERE ${same('x', 'b', keyOf)} AND ${batchId('x')} > ${batchId('m')})`,
    dialect,
  );
}

/**
 * For an upsert by cursor: one row, `rows`, the batch's valid rows (`batch`), and `n`, those of
 * them whose key its source holds at no later cursor: the rows that may be current. A batch with
 * rows but none such (`olderExportFlag`) changed nothing: an export delivered late, every count
 * in it taken before the ones held. Undefined for other sources: without a cursor the newest
 * batch wins (a late export is refused by its name, or flagged as a change back), and events
 * say so by their keys (`repeatedEventsSelect`).
 */
export function newerRowsSelect(source: Source, batch: SqlFragment, dialect: Dialect): string | undefined {
  const cursor = source.cursor;
  if (source.mode !== 'upsert' || !cursor) return undefined;
  const current = sql.raw(dialect.tableName(source.table));
  const newer = sql.id('r', 'newer');
  // A time's fraction of a second set aside: the held revision re-exported without it (10:00:00
  // for 10:00:00.437, another export's format) is no late export, and changes no figure either.
  const held =
    source.columns.find((c) => c.name === cursor)?.type === 'timestamp'
      ? sql.timestampTrunc('second', sql.id('c', cursor))
      : sql.id('c', cursor);
  return renderSql(
    sql`SELECT COUNT(*) AS ${sql.id('rows')}, COUNT(CASE WHEN ${newer} THEN 1 END) AS ${sql.id('n')}
      FROM (SELECT NOT EXISTS (SELECT 1 FROM ${current} AS c WHERE ${keysMatch(source)} AND ${held} > ${sql.id('b', cursor)}) AS ${sql.id('newer')}
        FROM ${batch} AS b) AS r`,
    dialect,
  );
}

/**
 * The flag of an upsert batch every row of which is older, by its cursor, than the revision held
 * for its key (see `newerRowsSelect`): none is current. Said as nothing new, so that it does not
 * count as a delivery: a stock feed that stopped, then a late file of last week's counts, would
 * otherwise look current while every count published is a week old. It makes products
 * `degraded` until the next export, as corrections re-sent with their times written another
 * way (a local time without its offset, read as UTC and so earlier) are lost the same way.
 */
export const olderExportFlag = (cursor: string) =>
  `nothing new: every row it loaded is older, by ${cursor}, than the revision held for its key, so none is current (an export delivered late? corrections whose ${cursor} is written another way, a local time without its offset read as UTC?): it does not count as a delivery`;

/**
 * The flags of what a batch's valid rows (`batch`) hold against the rows its source holds, for a
 * source already holding an export (`held`): keys written otherwise (`respeltKeysSelect`), keys
 * changed back (`keysChangedBackSelect`) unless the whole export is a change back (`reloads`,
 * said apart) or one is meant (`current`), and, by a cursor, no row newer than those held
 * (`newerRowsSelect`), and amounts in other units than those held (`unitsShiftedSelect`). One
 * statement each, where the source can have them; undefined when there is nothing to say.
 */
export async function heldRowsFlags(
  source: Source,
  batch: SqlFragment,
  state: { held: boolean; reloads: number | undefined; current: boolean; deleted?: number | undefined },
  query: (statement: string) => Promise<ReadonlyArray<Record<string, unknown>>>,
  dialect: Dialect,
): Promise<string | undefined> {
  if (!state.held) return undefined;
  let flags: string | undefined;
  const respelt = respeltKeysSelect(source, batch, dialect);
  if (respelt) {
    const [found] = await query(respelt);
    if (Number(found?.n ?? 0) > 0)
      flags = respeltKeysFlag(Number(found!.n), String(found!.example), String(found!.held));
  }
  const back =
    state.reloads === undefined && !state.current ? keysChangedBackSelect(source, batch, dialect) : undefined;
  if (back) {
    const [found] = await query(back);
    if (Number(found?.n ?? 0) > 0)
      flags = batchFlag(flags, keysChangedBackFlag(Number(found!.n), String(found!.example)));
  }
  const newer = newerRowsSelect(source, batch, dialect);
  if (newer) {
    const [found] = await query(newer);
    if (Number(found?.rows ?? 0) > 0 && Number(found?.n ?? 0) === 0)
      flags = batchFlag(flags, olderExportFlag(source.cursor!));
  }
  const scale = unitsShiftedSelect(source, batch, dialect);
  if (scale) flags = batchFlag(flags, unitsShiftedFlag(source, (await query(scale))[0]));
  const gone = keysGoneSelect(source, batch, dialect);
  if (gone) {
    const [found] = await query(gone);
    flags = batchFlag(
      flags,
      keysGoneFlag(source, Number(found?.n ?? 0), Number(found?.gone ?? 0), state.deleted),
    );
  }
  return flags;
}

/**
 * For a snapshot, how many keys its current rows hold (`n`) and how many of them a batch's valid
 * rows (`batch`) lack (`gone`): one row, read by `keysGoneFlag`. Not for a snapshot that keeps
 * its former rows, whose every key left out is flagged already.
 */
export function keysGoneSelect(source: Source, batch: SqlFragment, dialect: Dialect): string | undefined {
  // A list that keeps its former rows is flagged for any key left out (`droppedKeysFlagOf`).
  if (source.mode !== 'snapshot' || source.keepsFormerRows) return undefined;
  const held = sql.raw(dialect.tableName(source.table));
  const keys = sql.join(source.key.map((k) => sql.id(k)));
  const on = sql.join(
    source.key.map((k) => sql`${sql.id('h', k)} = ${sql.id('b', k)}`),
    ' AND ',
  );
  return renderSql(
    sql`SELECT COUNT(*) AS ${sql.id('n')}, COUNT(CASE WHEN ${sql.id('b', '__present')} IS NULL THEN 1 END) AS ${sql.id('gone')}
      FROM ${held} AS h LEFT JOIN (SELECT DISTINCT ${keys}, 1 AS ${sql.id('__present')} FROM ${batch} AS t) AS b ON ${on}`,
    dialect,
  );
}

/** The share of a snapshot's keys an export may lack before it is flagged, and the fewest keys. */
const GONE_SHARE = 1 / 3;
const GONE_MIN_KEYS = 5;

/**
 * The flag of a snapshot export that lacks a third or more of the keys its source holds (at
 * least 5; those it marks deleted are not counted): an export cut short or filtered on the way
 * (the first half of the staff list). Loaded, it replaces every row, and the keys it lacks
 * leave every figure built on it, which otherwise looks whole; a list shrinks by far less from
 * one export to the next. The next export, whatever it holds, is compared with this one.
 */
export function keysGoneFlag(source: Source, held: number, gone: number, deleted = 0): string | undefined {
  const lacking = gone - deleted;
  if (lacking < GONE_MIN_KEYS || lacking < held * GONE_SHARE) return undefined;
  return `lacks ${lacking.toLocaleString('en-US')} of the ${held.toLocaleString('en-US')} keys ${source.id} held before it (${Math.round((lacking / held) * 100)}%): an export cut short or filtered on the way? A snapshot replaces every row, so they are in no figure built on it; revert this batch and export the whole list (keys the system deleted: mark them deleted, or the next export confirms it)`;
}

/** How many times larger or smaller a batch's typical amount must be than those held to be flagged. */
const UNITS_FACTOR = 50;
/** The positive values each side needs before the typical amounts are compared. */
const UNITS_MIN_VALUES = 10;

/**
 * For each decimal column of a source, the count and the mean logarithm of the positive values of
 * a batch's valid rows (`batch`) and of the rows the source holds: one row, read by
 * `unitsShiftedFlag`. The mean logarithm is the typical amount's order of magnitude (a geometric
 * mean): one outlier moves it little, a change of units (cents for euros) by a factor of 100.
 */
export function unitsShiftedSelect(source: Source, batch: SqlFragment, dialect: Dialect): string | undefined {
  const columns = source.columns.filter((c) => c.type === 'decimal');
  if (!columns.length) return undefined;
  const side = (prefix: string) =>
    sql.join(
      columns.flatMap((c, i) => {
        const value = sql.id('t', c.name);
        return [
          sql`COUNT(CASE WHEN ${value} > 0 THEN 1 END) AS ${sql.id(`${prefix}n${i}`)}`,
          sql`AVG(CASE WHEN ${value} > 0 THEN LN(${sql.cast(value, 'number')}) END) AS ${sql.id(`${prefix}l${i}`)}`,
        ];
      }),
    );
  const held = sql.raw(dialect.tableName(source.table));
  return renderSql(
    sql`SELECT * FROM (SELECT ${side('b')} FROM ${batch} AS t) AS b CROSS JOIN (SELECT ${side('h')} FROM ${held} AS t) AS h`,
    dialect,
  );
}

/**
 * The flag of a batch whose typical amount in a decimal column is 50 times or more above or below
 * that of the rows its source holds (`unitsShiftedSelect`): an export that starts writing prices
 * in cents (`1299` for `12.99`), or in another currency, passes every check of a valid row, and
 * every figure built on it is off by as much, published as healthy otherwise. Growth, seasons and
 * a batch of dear or cheap items move a typical amount by far less; each side needs 10 positive
 * values.
 */
export function unitsShiftedFlag(
  source: Source,
  row: Record<string, unknown> | undefined,
): string | undefined {
  const shifted = source.columns
    .filter((c) => c.type === 'decimal')
    .flatMap((c, i) => {
      const counts = [Number(row?.[`bn${i}`] ?? 0), Number(row?.[`hn${i}`] ?? 0)];
      const [batch, held] = [row?.[`bl${i}`], row?.[`hl${i}`]];
      if (counts.some((n) => n < UNITS_MIN_VALUES) || batch == null || held == null) return [];
      const factor = Math.exp(Number(batch) - Number(held));
      if (factor < UNITS_FACTOR && factor > 1 / UNITS_FACTOR) return [];
      const typical = (log: unknown) =>
        Math.exp(Number(log)).toLocaleString('en-US', { maximumSignificantDigits: 4 });
      const times = factor >= 1 ? factor : 1 / factor;
      return [
        `${c.name} ${Math.round(times).toLocaleString('en-US')}x ${factor >= 1 ? 'larger' : 'smaller'} (typically ${typical(batch)} against ${typical(held)})`,
      ];
    });
  if (!shifted.length) return undefined;
  return `holds values of ${shifted.join(', ')} than the rows ${source.id} held before it: written in other units (cents for euros: 1299 for 12.99) or another currency? Every figure built on them would be off as much: revert this batch and export them in the units held`;
}

/** The flag of a batch that changes keys back to values an earlier export held (see `keysChangedBackSelect`). */
export const keysChangedBackFlag = (keys: number, example: string) =>
  `a change back of ${keys.toLocaleString('en-US')} key${keys === 1 ? '' : 's'}: ${keys === 1 ? 'its' : 'their'} rows as an earlier export had them, current again over the later batches that changed them (${JSON.stringify(example)} the first: an older export or an undated backfill delivered again? mesh ingest --revert this batch; a rollback on purpose: --allow-older)`;

/** The flag of a batch whose keys its source holds written otherwise (see `respeltKeysSelect`). */
export const respeltKeysFlag = (keys: number, example: string, held: string) =>
  `${keys.toLocaleString('en-US')} key${keys === 1 ? ' is' : 's are'} written otherwise than a key it holds (${JSON.stringify(example)} where it holds ${JSON.stringify(held)}: leading zeros, letter case or a time's fraction of a second changed on the way?): ${keys === 1 ? 'it loaded as another row' : 'they loaded as other rows'} beside the one held, and both count in every figure (revert this batch and export the keys as the system writes them)`;

/**
 * How far a time of when something happened (or a source's cursor) may be after its export was
 * loaded before the batch is flagged (`aheadOfLoadFlag`): clocks set a little apart. Every zone
 * is at least half an hour from UTC, so a local time written without its offset in a zone ahead
 * of UTC, and loaded within the hour, is later than this.
 */
export const AHEAD_OF_LOAD_MINUTES = 15;

/**
 * The timestamp columns of a source held to the clock of the load: its cursor and the columns of
 * when something happened (`happened` in their meta).
 */
const clockedTimes = (source: Source) =>
  source.columns.filter((c) => c.type === 'timestamp' && (c.happened || source.cursor === c.name));

/**
 * For each timestamp column held to the clock (`clockedTimes`), how many valid rows of a checked
 * batch (`checked`: `__reason` and `__line` beside the columns) hold a time after `soon` (the load
 * and `AHEAD_OF_LOAD_MINUTES`, as the warehouse writes it), and the first line of them: one row,
 * read by `aheadOfLoadFlag`. Undefined for a source with no such column. A time more than a day
 * ahead rejects its row already (`INGEST_FUTURE_EVENT`, `INGEST_FUTURE_CURSOR`).
 */
export function aheadOfLoadSelect(
  source: Source,
  checked: SqlFragment,
  soon: SqlFragment,
  dialect: Dialect,
): string | undefined {
  const columns = clockedTimes(source);
  if (!columns.length) return undefined;
  const ahead = (c: ColumnSpec) =>
    sql`${sql.id('t', '__reason')} IS NULL AND ${sql.id('t', c.name)} > ${soon}`;
  const parts = columns.flatMap((c, i) => [
    sql`COUNT(CASE WHEN ${ahead(c)} THEN 1 END) AS ${sql.id(`a${i}`)}`,
    sql`MIN(CASE WHEN ${ahead(c)} THEN ${sql.id('t', '__line')} END) AS ${sql.id(`l${i}`)}`,
  ]);
  return renderSql(sql`SELECT ${sql.join(parts)} FROM ${checked} AS t`, dialect);
}

/**
 * The flag of a batch holding times of when something happened (or revisions saved) later than
 * it was loaded (see `aheadOfLoadSelect`): what a system writes when it exports local times
 * without their offset, read as UTC, from a zone ahead of it. A till in Berlin closing a receipt
 * at 21:45 writes `2026-12-04 21:45:00` for 20:45 UTC: loaded at once, its sale is an hour in
 * the future, and one rung up at 00:30 counts on the next day. Nothing can happen after it was
 * exported, so the batch is flagged, which makes the products reading it `degraded`.
 */
export function aheadOfLoadFlag(
  source: Source,
  row: Record<string, unknown> | undefined,
): string | undefined {
  let total = 0;
  const flagged = clockedTimes(source).flatMap((c, i) => {
    const n = Number(row?.[`a${i}`] ?? 0);
    total += n;
    return n > 0
      ? [
          `${n.toLocaleString('en-US')} ${n === 1 ? 'value' : 'values'} of ${c.name} (line ${Number(row?.[`l${i}`])} the first)`,
        ]
      : [];
  });
  if (!flagged.length) return undefined;
  return `${flagged.join(', ')} ${total === 1 ? 'is' : 'are'} more than ${AHEAD_OF_LOAD_MINUTES} minutes after this export was loaded: local times written without their offset, from a zone ahead of UTC, read as UTC? They count as later than they were, near midnight on the next day; export the times with their offset (+01:00) or in UTC, revert this batch and load it again (a clock set ahead: set it right)`;
}

/**
 * One row: `n`, the keys of a snapshot's current rows that a batch (`batch`: every row of the
 * file, valid or not) leaves out, `held`, how many keys it holds, and `first`, the least of
 * them by the first key column.
 */
export function droppedKeysSelect(source: Source, batch: SqlFragment, dialect: Dialect): string {
  const first = sql.id('c', source.key[0]!);
  return renderSql(
    sql`SELECT COUNT(*) AS ${sql.id('n')}, (SELECT COUNT(*) FROM ${source}) AS ${sql.id('held')}, MIN(CAST(${first} AS ${sql.raw(dialect.columnType('string'))})) AS ${sql.id('first')} FROM ${source} AS c WHERE NOT EXISTS (SELECT 1 FROM ${batch} AS b WHERE ${keysMatch(source)})`,
    dialect,
  );
}

/**
 * The flag of an export to a snapshot that keeps its former rows (`keepsFormerRows`: a closed
 * store stays on the list) that leaves out keys the current rows hold: such a list loses no row
 * by design, so the export was cut short (at a line's end, which no reader can tell) or filtered
 * (a first page, one region); loaded, it removes those stores or staff from every figure while
 * every check holds. Flagged, so the products reading it are `degraded` until an export that
 * holds them; undefined when it leaves out none, or for any other source. `query` runs a
 * statement; `batch` is every row of the file.
 */
export async function droppedKeysFlagOf(
  source: Source,
  batch: SqlFragment,
  query: (statement: string) => Promise<ReadonlyArray<Record<string, unknown>>>,
  dialect: Dialect,
): Promise<string | undefined> {
  if (source.mode !== 'snapshot' || !source.keepsFormerRows) return undefined;
  const [row] = await query(droppedKeysSelect(source, batch, dialect));
  const n = Number(row?.n ?? 0);
  if (!n) return undefined;
  const held = Number(row?.held ?? 0);
  const first = source.key.length === 1 && row?.first != null ? ` (${String(row.first)} the first)` : '';
  return `leaves out ${n.toLocaleString('en-US')} of the ${held.toLocaleString('en-US')} ${held === 1 ? 'key' : 'keys'} the rows before it held${first}, where ${source.id} keeps its former rows (closed, left: marked so, not removed): an export cut short or filtered? Their rows are in no figure now; export the whole list, revert this batch and load it again`;
}

/** A source's number and decimal columns in percent (`percent` in their meta). */
const percentColumns = (source: Source) =>
  source.columns.filter((c) => c.percent && (c.type === 'decimal' || c.type === 'number'));

/**
 * For each number column of a source in percent (`percentColumns`), how many valid rows of a
 * checked batch (`checked`: `__reason` and `__line` beside the columns) hold a value other than
 * 0, how many of them lie between -1 and 1, and the first line of those: one row, read by
 * `percentAsFractionFlag`. Undefined for a source with no such column.
 */
export function percentAsFractionSelect(
  source: Source,
  checked: SqlFragment,
  dialect: Dialect,
): string | undefined {
  const columns = percentColumns(source);
  if (!columns.length) return undefined;
  const valid = sql`${sql.id('t', '__reason')} IS NULL`;
  const parts = columns.flatMap((c, i) => {
    const value = sql.id('t', c.name);
    const fraction = sql`${valid} AND ${value} <> 0 AND ${value} > -1 AND ${value} < 1`;
    return [
      sql`COUNT(CASE WHEN ${valid} AND ${value} <> 0 THEN 1 END) AS ${sql.id(`n${i}`)}`,
      sql`COUNT(CASE WHEN ${fraction} THEN 1 END) AS ${sql.id(`f${i}`)}`,
      sql`MIN(CASE WHEN ${fraction} THEN ${sql.id('t', '__line')} END) AS ${sql.id(`l${i}`)}`,
    ];
  });
  return renderSql(sql`SELECT ${sql.join(parts)} FROM ${checked} AS t`, dialect);
}

/**
 * The flag of a batch whose every value other than 0 of a column in percent lies between -1 and
 * 1 (see `percentAsFractionSelect`): what a system that holds rates as fractions exports (0.15
 * for a 15% discount). The values load, within the column's range, as percents a hundred times
 * too small, and every figure built on them is wrong while every check holds; every value of an
 * export below 1% (every discount code's) is rare enough that the batch is flagged, not refused,
 * which makes the products reading it `degraded` until the next export.
 */
export function percentAsFractionFlag(
  source: Source,
  row: Record<string, unknown> | undefined,
): string | undefined {
  const flagged = percentColumns(source).flatMap((c, i) => {
    const n = Number(row?.[`n${i}`] ?? 0);
    const fractions = Number(row?.[`f${i}`] ?? 0);
    return n > 0 && fractions === n
      ? [
          `${c.name} (${n.toLocaleString('en-US')} ${n === 1 ? 'value' : 'values'}, line ${Number(row?.[`l${i}`])} the first)`,
        ]
      : [];
  });
  if (!flagged.length) return undefined;
  return `every value other than 0 of ${flagged.join(', ')} lies between -1 and 1, where the column is in percent (15 for 15%): fractions (0.15 for 15%)? They loaded as percents a hundred times too small; export the column in percent, revert this batch and load it again (values below 1% on purpose: the next export clears the flag)`;
}

/** A number written with a dot before each group of three digits and nothing else (`15.000`). */
const DOT_GROUPED = '^\\s*[+-]?[0-9]{1,3}(\\.[0-9]{3})+\\s*$';

/**
 * For each number or decimal column a CSV fills, how many values hold a dot and how many of them
 * are written as thousands grouped by dots (`15.000`, `2.500`), with the first: one row, read
 * by `thousandsDotFlag`. `fileColumn` is a column of the file, as text, in `from`.
 */
export function thousandsDotSelect(
  columns: ReadonlyArray<readonly [column: string, fileColumn: SqlFragment]>,
  from: SqlFragment,
  dialect: Dialect,
): string | undefined {
  if (!columns.length) return undefined;
  const parts = columns.flatMap(([, value], i) => [
    sql`COUNT(CASE WHEN ${sql.regexpMatches(value, '\\.')} THEN 1 END) AS ${sql.id(`d${i}`)}`,
    sql`COUNT(CASE WHEN ${sql.regexpMatches(value, DOT_GROUPED)} THEN 1 END) AS ${sql.id(`g${i}`)}`,
    sql`MIN(CASE WHEN ${sql.regexpMatches(value, DOT_GROUPED)} THEN ${value} END) AS ${sql.id(`e${i}`)}`,
  ]);
  return renderSql(sql`SELECT ${sql.join(parts)} FROM ${from} AS t`, dialect);
}

/**
 * The flag of a CSV batch a number column of which writes every value that has a dot as
 * thousands grouped by dots (`15.000`, `2.500`, at least two of them): what a German or Dutch
 * spreadsheet writes for 15000 when its amounts are round (no decimal comma to tell it, and
 * not delimited by semicolons: both are refused). They load as 15 and 2.5, a figure wrong by
 * a thousand; a price with three decimals is rare enough that the batch is flagged, not
 * refused, which makes the products reading it `degraded` until the next export.
 */
export function thousandsDotFlag(
  columns: ReadonlyArray<readonly [column: string, fileColumn: SqlFragment]>,
  row: Record<string, unknown> | undefined,
): string | undefined {
  const flagged = columns.flatMap(([column], i) => {
    const dotted = Number(row?.[`d${i}`] ?? 0);
    const grouped = Number(row?.[`g${i}`] ?? 0);
    return grouped >= 2 && grouped === dotted
      ? [`${column} (${JSON.stringify(String(row?.[`e${i}`]))})`]
      : [];
  });
  if (!flagged.length) return undefined;
  return `every value of ${flagged.join(', ')} written with a dot has three digits after it, as thousands are written where the comma is the decimal mark: they loaded as decimals (15.000 as 15); export numbers without thousands separators, or revert this batch if they are not decimals`;
}

/**
 * Whether two lines of one file with a key and other values cannot both count, and which does
 * cannot be told (see `conflictingEventsSelect`): events, and snapshots without a cursor. An
 * upsert takes the file's last line of each key at its highest cursor, as its batches take the
 * last export: its exports list a key's saves in order (two saves in one second of a cursor).
 */
export function hasConflictingCopies(source: Source): boolean {
  return source.mode === 'append' || (source.mode === 'snapshot' && !source.cursor);
}

/**
 * The rows of an event file (`append`) or a snapshot that repeat an earlier line's key with
 * other values: `__line` and the reject `reason`, naming the key and the line it conflicts
 * with. An event is kept once, so such a copy would vanish silently; a snapshot holds a key
 * once, so one of the copies would (the last read): it is rejected instead, and the batch's
 * rejects make the products reading it degraded (an identical copy of an event is a repeated
 * event, `repeatsInFileSelect`). `checked` is a relation of the batch's rows with
 * `__line`, `__reason` (NULL when valid) and the source's columns: only valid rows count.
 */
export function conflictingEventsSelect(source: Source, checked: SqlFragment, dialect: Dialect): string {
  const id = (table: string, column: string) => sql.id(table, column);
  const keys = source.key.map((k) => sql.id(k));
  const sameKey = (a: string, b: string) =>
    sql.join(
      source.key.map((k) => sql`${id(a, k)} = ${id(b, k)}`),
      ' AND ',
    );
  const sameValues = sql.join(
    source.columns
      .filter((c) => !c.key)
      .map((c) => sql`${id('b', c.name)} IS NOT DISTINCT FROM ${id('a', c.name)}`),
    ' AND ',
  );
  const keyText = sql.join(
    source.key.map((k, i) => sql`${`${i ? ', ' : ''}${k} `}, ${sql.cast(id('b', k), 'string')}`),
  );
  const valid = sql`${sql.id('__reason')} IS NULL`;
  const lost =
    source.mode === 'snapshot'
      ? ' with other values; a snapshot holds each key once, so which copy is current cannot be told: export each key once'
      : ' with other values; an event is loaded once, so this copy would be lost: send each event once (correct the export, or load the right copy alone)';
  // A source with key columns only has nothing that could differ.
  const differs = source.columns.some((c) => !c.key) ? sql`NOT (${sameValues})` : sql`FALSE`;
  return renderSql(
    sql`SELECT ${id('b', '__line')} AS ${sql.id('__line')}, CONCAT(${keyText}, ${': the key of line '}, ${sql.cast(id('f', '__first'), 'string')}, ${lost}) AS ${sql.id('reason')}
      FROM ${checked} AS b
      JOIN (SELECT ${sql.join(keys)}, MIN(${sql.id('__line')}) AS ${sql.id('__first')} FROM ${checked} WHERE ${valid} GROUP BY ${sql.join(keys)} HAVING COUNT(*) > 1) AS f ON ${sameKey('b', 'f')}
      JOIN ${checked} AS a ON ${id('a', '__line')} = ${id('f', '__first')}
      WHERE ${id('b', '__reason')} IS NULL AND ${id('b', '__line')} > ${id('f', '__first')} AND ${differs}`,
    dialect,
  );
}

/**
 * The rows of an upsert file whose cursor is exactly midnight of a day on which the revision
 * held for their key was saved later: `__line` and the reject `reason`. A date written as a
 * time (a spreadsheet's or pandas' date column: `2026-12-03 00:00:00`) reads as midnight, so the
 * revision ranks below the one saved that morning and never becomes current (a customer's
 * opt-out lost) while loading as valid. Undefined where there is no timestamp cursor. `checked`:
 * the batch's rows with `__line`, `__reason` (NULL when valid) and the source's typed columns.
 */
export function midnightCursorSelect(
  source: Source,
  checked: SqlFragment,
  dialect: Dialect,
): string | undefined {
  const cursor = source.cursor ? source.columns.find((c) => c.name === source.cursor) : undefined;
  if (source.mode !== 'upsert' || cursor?.type !== 'timestamp') return undefined;
  const at = sql.id('b', cursor.name);
  const held = sql.id('h', cursor.name);
  const day = (t: SqlFragment) => sql.cast(t, 'date');
  const sameKey = sql.join(
    source.key.map((k) => sql`${sql.id('b', k)} = ${sql.id('h', k)}`),
    ' AND ',
  );
  return renderSql(
    sql`SELECT DISTINCT ${sql.id('b', '__line')} AS ${sql.id('__line')}, ${`${cursor.name}${INGEST_MIDNIGHT_CURSOR}`} AS ${sql.id('reason')}
      FROM ${checked} AS b JOIN ${source} AS h ON ${sameKey}
      WHERE ${sql.id('b', '__reason')} IS NULL AND ${at} < ${held}
        AND ${at} = ${sql.cast(day(at), 'timestamp')} AND ${day(at)} = ${day(held)}`,
    dialect,
  );
}

/** See `midnightCursorSelect`. */
export const INGEST_MIDNIGHT_CURSOR =
  " is midnight of a day on which the revision held for this key was saved later: a date written as a time (a spreadsheet's or pandas' date column), which would rank below that revision and never become current; export the time the revision was saved";

/**
 * One row, `n`: valid rows of an event file (`append`) that copy an earlier line exactly (same
 * key, same values), once conflicting copies are rejected: repeated events, counted once.
 */
export function repeatsInFileSelect(source: Source, checked: SqlFragment, dialect: Dialect): string {
  const keys = sql.join(source.key.map((k) => sql.id(k)));
  return renderSql(
    sql`SELECT COALESCE(SUM(${sql.id('copies')} - 1), 0) AS ${sql.id('n')} FROM (SELECT COUNT(*) AS ${sql.id('copies')} FROM ${checked} WHERE ${sql.id('__reason')} IS NULL GROUP BY ${keys}) AS r`,
    dialect,
  );
}

/** The error of a batch that would erase values of optional columns its file lacks. */
export function erasingBatchError(
  source: Source,
  file: string,
  columns: readonly string[],
  row: Record<string, unknown> | undefined,
  /** Those of `columns` the file has, empty on every row (see `erasingBatch`). */
  blank: ReadonlySet<string> = new Set(),
): BuildError | undefined {
  const erased = columns.map((c, i) => [c, Number(row?.[`n${i}`] ?? 0)] as const).filter(([, n]) => n > 0);
  if (!erased.length) return undefined;
  const how =
    source.mode === 'snapshot' ? 'a snapshot replaces every row' : 'an upsert replaces each row it holds';
  const [first] = erased;
  const lacking = erased.filter(([c]) => !blank.has(c)).map(([c]) => c);
  const empty = erased.filter(([c]) => blank.has(c)).map(([c]) => c);
  const has = [
    ...(lacking.length ? [`has no column ${lacking.join(', ')}`] : []),
    ...(empty.length
      ? [`has column${empty.length === 1 ? '' : 's'} ${empty.join(', ')} empty on every row`]
      : []),
  ].join(' and ');
  return new BuildError(
    'ingest-would-erase',
    `${file} ${has}, which ${source.id} holds for ${erased.map(([c, n]) => `${n.toLocaleString('en-US')} of the rows it updates (${c})`).join(', ')}: ${how} whole, so they would lose it; nothing was loaded. ${empty.length ? 'Export the values, or' : 'Add the column to the export, map it with --map ' + first![0] + '=<file column>, or'} load it empty on purpose with --set ${first![0]}=`,
    { domain: source.domain.name, source: source.name, file, column: first![0] },
  );
}

/**
 * The error of a batch that would erase what a source holds of its optional columns (see
 * `erasableColumns`), asked of the warehouse through `query`: columns the export lacks, and
 * columns it has but left empty on every row (an export run that wrote the header of a column
 * it no longer fills: delivered parcels would turn back to in transit). A column that some
 * rows fill is data: a value cleared on those rows. `batch` is a relation of the batch's valid
 * rows. Undefined when nothing would be erased.
 */
export async function erasingBatch(
  source: Source,
  origins: ReadonlyMap<string, ColumnOrigin>,
  file: string,
  batch: SqlFragment,
  query: (statement: string) => Promise<ReadonlyArray<Record<string, unknown>>>,
  dialect: Dialect,
): Promise<BuildError | undefined> {
  if (source.mode === 'append') return undefined;
  const present = source.columns
    .filter((c) => c.nullable && !c.key && origins.get(c.name)?.kind === 'file')
    .map((c) => c.name);
  const blank = new Set<string>();
  if (present.length) {
    const counts = present.map((c, i) => sql`COUNT(${sql.id('b', c)}) AS ${sql.id(`n${i}`)}`);
    const [row] = await query(
      renderSql(
        sql`SELECT ${sql.join([sql`COUNT(*) AS ${sql.id('total')}`, ...counts])} FROM ${batch} AS b`,
        dialect,
      ),
    );
    if (Number(row?.total ?? 0) > 0)
      present.forEach((c, i) => {
        if (Number(row?.[`n${i}`] ?? 0) === 0) blank.add(c);
      });
  }
  const columns = [...erasableColumns(source, origins), ...blank];
  if (!columns.length) return undefined;
  const [erased] = await query(erasedValuesSelect(source, columns, batch, dialect));
  return erasingBatchError(source, file, columns, erased, blank);
}

/**
 * The error of a snapshot with rejected rows, unless rejects were allowed (`--max-rejects`):
 * a snapshot replaces the whole table, so loaded without its rejected rows it would remove
 * their keys from the current rows (a file cut mid-record, or one of 621 staff with 600 dates
 * another way, published 310 or 21 staff). On every warehouse alike.
 */
export function snapshotRejectsError(
  source: Source,
  file: string,
  counts: { rows: number; rejected: number },
  maxRejects: number | undefined,
  firstRejects: ReadonlyArray<{ line: number; reason: string }>,
  format: 'csv' | 'parquet',
): BuildError | undefined {
  if (source.mode !== 'snapshot' || maxRejects !== undefined || counts.rejected === 0) return undefined;
  return new BuildError(
    'snapshot-rejects',
    `${file}: ${counts.rejected.toLocaleString('en-US')} of ${counts.rows.toLocaleString('en-US')} rows are invalid; ${source.id} is a snapshot, which replaces the whole table, so loading the others would remove those rows' keys from it. Nothing was loaded: fix them, or pass --max-rejects ${counts.rejected} to load the file without them. First: ${firstRejects.map((r) => `${rowWord(format)} ${r.line}: ${r.reason}`).join(' | ')}`,
    { domain: source.domain.name, source: source.name, file, line: firstRejects[0]?.line },
  );
}

/** The origins of a file's columns, or a `ingest-mapping` error naming every problem and the file's columns. */
export function fitFile(
  source: Source,
  file: string,
  fileColumns: readonly string[],
  mapping: IngestMapping,
  /** Header names the file repeats (`CsvScan.repeated`): a column that would take one is ambiguous. */
  repeated: readonly string[] = [],
): Map<string, ColumnOrigin> {
  const { origins, problems, overwritten } = mapColumns(source, fileColumns, mapping);
  const [first] = overwritten;
  if (first) {
    // Refused before any other problem: it is the command line (or the mapping file) that is
    // wrong, whatever else the file holds.
    throw new UsageError(
      'ingest-set-overwrites',
      `${file} has a column ${first.fileColumn} for ${first.column}, which a set value would overwrite in every row: drop --set ${first.column} (or ${first.column} under set: in the mapping file) to load the file's values, or map ${first.column} from another file column with --map ${first.column}=<file column>.`,
      { domain: source.domain.name, source: source.name, file, column: first.column },
    );
  }
  for (const [target, origin] of origins) {
    const name = origin.kind === 'file' ? origin.column.toLowerCase() : undefined;
    const twice = name !== undefined && repeated.find((r) => r.toLowerCase() === name);
    // The reader numbers the copies after the first (amount, Amount_2): a numbered one can be
    // mapped; the first keeps the repeated name, which a saved mapping may name for another
    // file, so it is never taken on its name alone.
    if (twice) {
      const copies = fileColumns.filter(
        (f) => f.toLowerCase() === name || f.toLowerCase().startsWith(`${name}_`),
      );
      const numbered = copies.filter((f) => f.toLowerCase() !== name);
      problems.push(
        `column ${twice} appears more than once in the header (${copies.join(', ')}), so which one is ${target} is unknown: rename the copies in the file${numbered.length ? `, or map ${target} to a later copy with --map ${target}=${numbered[0]}` : ''}`,
      );
    }
  }
  const subject = { domain: source.domain.name, source: source.name, file };
  const nothingFound =
    problems.length > 0 &&
    fileColumns.length > 0 &&
    !Object.keys(mapping.rename).length &&
    ![...origins.values()].some((o) => o.kind === 'file') &&
    !/\.parquet$/i.test(file);
  // A file without a header, or with a title above it: its first line is read as the header,
  // and a reason per column would hide that. Told by that line: values where names should be
  // (a number, a date), or one column where the source has several.
  const valueLike = new RegExp(`^(?:${NUMBER_TEXT}|\\s*${DATE_TEXT}(${TIME_TEXT})?.*)$`);
  const headerless = nothingFound && fileColumns.some((name) => valueLike.test(name));
  const titled = nothingFound && !headerless && fileColumns.length === 1 && source.columns.length > 1;
  if (headerless || titled) {
    const shown = fileColumns.slice(0, 8).join(', ') + (fileColumns.length > 8 ? ', …' : '');
    throw new BuildError(
      'ingest-mapping',
      `${file} has none of the columns of ${source.id}: its first line, read as the header, ${headerless ? `holds values (${shown}): a file without its header line?` : `has one column (${shown}): a title above the header?`} The first line must be the header, naming the columns (${source.columns.map((c) => c.name).join(', ')}).`,
      subject,
    );
  }
  if (problems.length) {
    throw new BuildError(
      'ingest-mapping',
      `${file} does not fit ${source.id}: ${problems.join('; ')}. The file has columns ${fileColumns.join(', ')}.`,
      subject,
    );
  }
  return origins;
}

/**
 * The live batch that already holds these bytes under this mapping, when loading them again
 * would change nothing: in `append` and in `upsert` by cursor, rows decide by their own key
 * and version, so any earlier copy counts; in `snapshot` and in `upsert` without a cursor the
 * latest batch wins, so only a copy of the latest one does (an export identical to an older
 * one is a real change back).
 */
export function batchOfFile(
  live: readonly BatchRecord[],
  sha256: string,
  mapping: IngestMapping,
  source: Source,
): BatchRecord | undefined {
  const json = JSON.stringify(mapping);
  const ingested = live.filter((b) => b.kind === 'ingest');
  const orderMatters = source.mode === 'snapshot' || (source.mode === 'upsert' && !source.cursor);
  const candidates = orderMatters ? ingested.slice(-1) : ingested;
  return candidates.find((b) => b.sha256 === sha256 && JSON.stringify(b.mapping) === json);
}

/**
 * The earlier batch with the same bytes and mapping as a file loaded again because batches came
 * after it (`batchOfFile` skips only the newest, where order matters): loading it makes its rows
 * current again over the later ones. Meant as a rollback, or an export delivered twice: said.
 */
export function reloads(
  live: readonly BatchRecord[],
  sha256: string,
  mapping: IngestMapping,
): { reloads?: number } {
  const json = JSON.stringify(mapping);
  // The latest such batch: the one whose rows these are again.
  const earlier = live
    .filter((b) => b.kind === 'ingest' && b.sha256 === sha256 && JSON.stringify(b.mapping) === json)
    .sort((a, b) => b.batchId - a.batchId)[0];
  return earlier ? { reloads: earlier.batchId } : {};
}

/** What ingesting a file already held by `batch` did: nothing (its counts are the batch's). */
export function alreadyIngested(
  source: Source,
  file: string,
  sha256: string,
  batch: BatchRecord,
): IngestResult {
  return {
    file,
    sha256,
    status: 'already-ingested',
    batchId: batch.batchId,
    rows: 0,
    loaded: 0,
    rejected: 0,
    replacedSample: false,
    flag: undefined,
    sampleRejects: [],
    rejectsTable: source.rejects,
  };
}

/** Refuses sample rows for a source whose live batches include ingested ones: never both. */
export function refuseSampleBesideRealRows(source: Source, live: readonly BatchRecord[]): void {
  if (live.some((b) => b.kind === 'ingest')) {
    throw new UsageError(
      'source-holds-ingested-rows',
      `${source.id} holds ingested rows: sample rows are never mixed with them. Revert its batches (mesh ingest --list ${source.id}) or use another warehouse.`,
      { domain: source.domain.name, source: source.name },
    );
  }
}

/** One end of the range of a numeric column: a value, and whether the value itself is allowed. */
export interface Bound {
  readonly value: number | bigint;
  readonly inclusive: boolean;
}

/** The range a numeric column's zod schema allows; an end is absent when the schema sets none. */
export interface ColumnBounds {
  readonly min: Bound | undefined;
  readonly max: Bound | undefined;
}

// The ranges of zod's number and bigint formats (`z.int()` is `safeint`).
const FORMAT_RANGES: Record<string, readonly [number | bigint, number | bigint]> = {
  safeint: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  float32: [-3.4028234663852886e38, 3.4028234663852886e38],
  float64: [-Number.MAX_VALUE, Number.MAX_VALUE],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

interface ZodCheckDef {
  check?: string;
  format?: string;
  value?: unknown;
  inclusive?: boolean;
}
interface ZodFieldDef extends ZodCheckDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  checks?: Array<{ _zod: { def: ZodCheckDef } }>;
}
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: ZodFieldDef } })._zod.def;

/**
 * The range a source column's zod schema allows a number in: `z.int()` only safe integers,
 * `z.int32()` 32 bits, `.min(0)`, `.positive()`, `.lt(100)` their own ends. A warehouse type
 * holds more (BIGINT, DOUBLE), so ingestion rejects what lies outside, and every row a source
 * holds parses with its schema. Undefined for a column that is not a number or bigint.
 * Refinements that are not ranges (`multipleOf`, string lengths and patterns, `.refine`) are
 * not checked on ingestion.
 *
 * @example columnBounds(orders, 'items'); // { min: { value: -9007199254740991, inclusive: true }, max: ... }
 */
export function columnBounds(source: Source, column: string): ColumnBounds | undefined {
  let field = (source.schema.shape as Record<string, z.ZodType>)[column];
  while (field) {
    const def = defOf(field);
    if (['optional', 'nullable', 'default', 'catch', 'readonly'].includes(def.type)) field = def.innerType;
    else if (def.type === 'pipe') field = def.in;
    else break;
  }
  if (!field) return undefined;
  const def = defOf(field);
  if (def.type !== 'number' && def.type !== 'bigint') return undefined;
  let min: Bound | undefined;
  let max: Bound | undefined;
  // The tighter of two ends wins; at equal values, the exclusive one.
  const raise = (bound: Bound) => {
    if (!min || bound.value > min.value || (bound.value === min.value && !bound.inclusive)) min = bound;
  };
  const lower = (bound: Bound) => {
    if (!max || bound.value < max.value || (bound.value === max.value && !bound.inclusive)) max = bound;
  };
  for (const check of [def, ...(def.checks ?? []).map((c) => c._zod.def)]) {
    const range = check.format === undefined ? undefined : FORMAT_RANGES[check.format];
    if (range) {
      raise({ value: range[0], inclusive: true });
      lower({ value: range[1], inclusive: true });
    }
    const value = check.value;
    if (typeof value !== 'number' && typeof value !== 'bigint') continue;
    if (check.check === 'greater_than') raise({ value, inclusive: check.inclusive === true });
    if (check.check === 'less_than') lower({ value, inclusive: check.inclusive === true });
  }
  return { min, max };
}

const DATE_TEXT = '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}';
// Hours 0-23, minutes and seconds 0-59: a cast takes 24:00:00 (and a leap second) as the
// next day's midnight, which the refusal below names instead.
const CLOCK_TEXT = '([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]*)?)?';
const TIME_TEXT = `[T ]${CLOCK_TEXT}`;
// A time's zone: Z, an offset of at most 14 hours (±hh, ±hhmm, ±hh:mm), UTC, GMT, or an IANA
// name (Area/Location). Abbreviations are not zones: see INGEST_TIMESTAMP_REFUSALS.
const ZONE_TEXT =
  '[+-](0?[0-9]|1[0-3])(:?[0-5][0-9])?|[+-]14(:?00)?|\\s*(Z|UTC|GMT|[A-Za-z]+(/[A-Za-z0-9_+-]+)+)';
const NUMBER_TEXT = '\\s*[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?\\s*';
/**
 * The text a number, date or time may be written as in an ingested file, on every warehouse
 * (regular expressions both DuckDB and BigQuery read alike). A cast alone takes more: `0x10`,
 * digit separators, `inf` and `nan`, `infinity`, `epoch`, a year of more than four digits;
 * such text is no value of the column, so the row is rejected everywhere alike.
 */
export const INGEST_TEXT_PATTERNS: Readonly<Partial<Record<ColumnSpec['type'], string>>> = {
  integer: NUMBER_TEXT,
  number: NUMBER_TEXT,
  decimal: NUMBER_TEXT,
  date: '\\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}\\s*',
  timestamp: `\\s*${DATE_TEXT}(${TIME_TEXT}(${ZONE_TEXT})?)?\\s*`,
};

/**
 * UTF-8 text decoded as Latin-1 or Windows-1252 and saved again as UTF-8 (mojibake): `München`
 * becomes `MÃ¼nchen`, `é` `Ã©`, `É` `Ã‰`, `£` `Â£`. The file is valid UTF-8, so it loads, and
 * `MÃ¼nchen` is a city, category or name of its own beside `München` in every figure. The
 * signature is `Â` or `Ã` followed by what the second byte of a two-byte UTF-8 character reads
 * as in those encodings, which no word of any language writes. Refused in text columns, on every
 * warehouse alike.
 */
export const INGEST_MOJIBAKE: readonly [pattern: string, words: string] = [
  '[\\x{00C2}\\x{00C3}][\\x{0080}-\\x{00BF}]|\\x{00C3}[\\x{0152}\\x{0153}\\x{0160}\\x{0161}\\x{0178}\\x{017D}\\x{017E}\\x{0192}\\x{02C6}\\x{02DC}\\x{2013}\\x{2014}\\x{2018}-\\x{201E}\\x{2020}-\\x{2022}\\x{2026}\\x{2030}\\x{2039}\\x{203A}\\x{20AC}\\x{2122}]',
  ' reads as UTF-8 text decoded as Latin-1 or Windows-1252 and saved again (MÃ¼nchen for München, Ã© for é): the file was converted twice on its way; export it as UTF-8 once',
];

/**
 * Text wrapped in Excel's `="…"` guard (`="00123"`, written so that Excel keeps leading zeros):
 * loaded as it is, a key would never join. Refused in text columns, with what to do, on every
 * warehouse alike (typed columns refuse it as not of their type; enumerations as none of theirs).
 */
export const INGEST_EXCEL_GUARD: readonly [pattern: string, words: string] = [
  '\\s*="[^"]*"\\s*',
  ` is wrapped in Excel's ="…" guard (written to keep leading zeros): export the value itself`,
];

/**
 * What is said of a file's floating-point value past 2^53 in a text column: its last digits were
 * lost before it was written (pandas writes an integer id column with a gap as float64), so it
 * names nothing. On every warehouse alike.
 */
export const INGEST_INEXACT_FLOAT =
  ' is a floating-point number of the file past 2^53, whose last digits are lost: export the column as integers or text';
/** A NaN or an infinity of a file's floating-point column read into a text column: no text of anything. */
export const INGEST_NONFINITE_TEXT =
  ' is NaN or an infinity of a floating-point column of the file, no value of a text column (loaded, it would be the text nan or inf): export the column as text, empty where there is no value';

/** As INGEST_INEXACT_FLOAT, for a 32-bit float (Parquet FLOAT), exact up to 2^24 only. */
export const INGEST_INEXACT_SINGLE =
  ' is a 32-bit floating-point number of the file past 2^24, whose last digits are lost: export the column as integers or text';

/**
 * A 32-bit float (Parquet FLOAT) of 2^17 or more read into a decimal column: its steps there
 * are 1/64 or wider, so cents that differ are one float (1234567.89 is written 1234567.875 and
 * reads 1234567.9). No decimal of it can be told; below 2^17 each cent is a float of its own.
 */
export const INGEST_SINGLE_DECIMAL_LIMIT = 131_072;
export const INGEST_INEXACT_SINGLE_DECIMAL =
  ' is a 32-bit floating-point number of the file of 131,072 (2^17) or more, too coarse there to hold cents (1234567.89 is stored as 1234567.875): export the column as DOUBLE, DECIMAL or text';

/**
 * A date written as a timestamp at midnight, UTC (`Z`, `+00:00`, `+0000`) or zone-less (pandas
 * writes date columns so, and a Parquet TIMESTAMP reads so as text): its date, the one group.
 * Any other time of day, or midnight at another offset (another day in UTC), is no date. On
 * every warehouse alike.
 */
export const INGEST_MIDNIGHT_DATE =
  '\\s*([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})[ T]00:00(?::00(?:\\.0{1,9})?)?(?:Z|[+-]00(?::?00)?)?\\s*';

/**
 * What follows a decimal's text that has a number's form but does not convert: the warehouses
 * hold DECIMAL(38,9) (BigQuery's NUMERIC), 29 digits before the point.
 */
export const INGEST_DECIMAL_OUT_OF_RANGE =
  ' is out of range: a decimal holds up to 29 digits before the point (DECIMAL(38,9))';

/**
 * No value, as MySQL (`INTO OUTFILE`), Hive and PostgreSQL's text COPY write it: `\N`, in that
 * case. Read as no value in every column, as the word NULL is, on every warehouse alike.
 */
export const INGEST_NULL_MARK = '\\N';

/**
 * Whether a value map's target is no value: nothing (`''`, or null in a mapping file), or the
 * word NULL, which is no value in every column (as in a file), on every warehouse alike.
 */
export const mapsToNothing = (target: string): boolean => /^ *(null)? *$/i.test(target);

/**
 * The values of an enumeration that are spaces only: those stay values where a file holds them,
 * though spaces only are otherwise no value, on every warehouse alike.
 */
export const blankEnumValues = (column: ColumnSpec): string[] =>
  (column.values ?? []).filter((v) => /^ *$/.test(v));

/** A decimal comma alone: `12,50`. */
const DECIMAL_COMMA = '\\s*[+-]?[0-9]+,[0-9]{1,2}\\s*';
/**
 * A decimal comma after thousands grouped by dots or spaces (no-break ones too): `1.234,56`,
 * `1 234,56`, how German and French exports write every amount of a thousand or more.
 */
const GROUPED_DECIMAL_COMMA = '\\s*[+-]?[0-9]{1,3}([. \u00a0\u202f][0-9]{3})+,[0-9]+\\s*';
/**
 * A number that says its file is written with the decimal comma (see
 * INGEST_DECIMAL_COMMA_FILE_REFUSALS): `12,50`, and `1.234,56`, which a file of amounts in
 * thousands may be the only form of. One full-match pattern, on every warehouse alike.
 */
export const INGEST_DECIMAL_COMMA_NUMBER = `(?:(?:${DECIMAL_COMMA})|(?:${GROUPED_DECIMAL_COMMA}))`;

/**
 * Text of a number the patterns above refuse for a reason worth its own words, on every
 * warehouse alike: a decimal comma (`12,50`, as European exports write it, `1.234,56` with its
 * thousands grouped), and a comma before
 * three digits, which is a thousands separator (1,234 = 1234) or a decimal comma (1.234): the
 * file alone cannot tell, and a guess either way loads a wrong amount. A pattern and what
 * follows the value, in order.
 */
export const INGEST_NUMBER_REFUSALS: ReadonlyArray<readonly [pattern: string, words: string]> = [
  [DECIMAL_COMMA, ' has a decimal comma: write a decimal point (12.50), or export the file with one'],
  [
    GROUPED_DECIMAL_COMMA,
    ' has a decimal comma after thousands grouped by dots or spaces (1.234,56 for 1234.56): export numbers without separators and with a decimal point',
  ],
  [
    '\\s*[+-]?[0-9]{1,3}(,[0-9]{3})+(\\.[0-9]*)?\\s*',
    ' has a comma before three digits, a thousands separator (1,234 for 1234) or a decimal comma (for 1.234): export numbers without separators and with a decimal point',
  ],
];
/**
 * Text of an integer that converts, but to a number the file may not mean: a dot before three
 * digits (`1.000`, `12.000`) is a thousands separator in European exports (1.000 = 1000) or a
 * decimal point (1.000 = 1), and the file alone cannot tell. Refused, as a comma before three
 * digits is (`INGEST_NUMBER_REFUSALS`): loaded as 1 where the export meant a thousand, the figure
 * built on it is wrong and looks healthy.
 */
export const INGEST_INTEGER_REFUSALS: ReadonlyArray<readonly [pattern: string, words: string]> = [
  [
    '\\s*[+-]?[0-9]{1,3}(\\.[0-9]{3})+\\s*',
    ' has a dot before three digits, a thousands separator (1.000 for 1000) or a decimal point (for 1): export integers without separators',
  ],
];
/**
 * Text of a number or decimal that converts, in a CSV file delimited by semicolons, but to a
 * number the file may not mean: such files are written where a comma is the decimal mark, and a
 * dot the thousands separator (`1.500` for 1500), and `1.500` read as 1.5 is a figure wrong by
 * a thousand that looks healthy. A dot before other than three digits (`12.5`) is no separator,
 * and a comma-delimited file's `1.500` is left as a decimal point. On every warehouse alike.
 */
export const INGEST_SEMICOLON_NUMBER_REFUSALS: ReadonlyArray<readonly [pattern: string, words: string]> = [
  [
    '\\s*[+-]?[0-9]{1,3}(\\.[0-9]{3})+\\s*',
    ' has a dot before three digits in a file delimited by semicolons, as files written with a decimal comma are: a thousands separator (1.500 for 1500) or a decimal point (for 1.5); export numbers without separators and with a decimal point',
  ],
];
/**
 * As INGEST_SEMICOLON_NUMBER_REFUSALS, in a CSV file of any other delimiter that writes a decimal
 * comma in a number somewhere (`12,50`, refused itself): such a file is written where the comma
 * is the decimal mark (a German spreadsheet saved as text, tab-delimited), so its `1.500` is
 * 1500 there. Fixing only the refused `12,50` by hand would otherwise load 1.500 as 1.5 and
 * publish a figure wrong by a thousand as healthy. On every warehouse alike.
 */
export const INGEST_DECIMAL_COMMA_FILE_REFUSALS: ReadonlyArray<readonly [pattern: string, words: string]> = [
  [
    '\\s*[+-]?[0-9]{1,3}(\\.[0-9]{3})+\\s*',
    ' has a dot before three digits in a file that writes a decimal comma elsewhere (12,50): a thousands separator (1.500 for 1500) or a decimal point (for 1.5); export numbers without separators and with a decimal point',
  ],
];
/**
 * Text of a date or a timestamp that no reader takes, written as other systems export days, with
 * what to do, on every warehouse alike (rather than "is not a valid date"): a day or month first
 * (12/01/2026 is 1 December in the US and 12 January elsewhere), a year of two digits, a Unix
 * time (seconds or milliseconds since 1970, what a POS or a JavaScript export writes), a
 * spreadsheet's day number (46357 is 2026-12-01). Each entry: a pattern and what follows the value.
 */
export const INGEST_DAY_REFUSALS: ReadonlyArray<readonly [pattern: string, words: string]> = [
  [
    '\\s*[0-9]{1,2}[/.-][0-9]{1,2}[/.-](?:[0-9]{2}|[0-9]{4})(?:[T ,]+[0-9].*)?\\s*',
    ' writes its day or month first, or its year in two digits (12/01/2026: 1 December or 12 January?): write the date year first, in four digits (2026-12-01)',
  ],
  [
    '\\s*(?:[0-9]{9,10}(?:\\.[0-9]{1,9})?|[0-9]{12,13})\\s*',
    ' is a number of seconds or milliseconds since 1970 (a Unix time), not a date or time written out: export it as text (2026-12-01T08:00:00Z)',
  ],
  [
    '\\s*[0-9]{5}(?:\\.[0-9]+)?\\s*',
    " is a spreadsheet's day number (days since 1899-12-30), not a date written out: format the column as a date (yyyy-mm-dd) before saving",
  ],
  [
    '\\s*[0-9]{4}[/.][0-9]{1,2}[/.][0-9]{1,2}(?:[T ].*)?\\s*',
    ' separates the parts of its date by slashes or dots: write them with hyphens (2026-12-01)',
  ],
  ['\\s*[0-9]{8}\\s*', ' is a date without separators (20261201): write it with hyphens (2026-12-01)'],
];

/**
 * Text of a date that no reader takes, with what to do: the days written otherwise
 * (`INGEST_DAY_REFUSALS`), and a time of day or midnight at an offset besides the date (midnight
 * UTC is its date): a date read as local midnight and written out in UTC, as JavaScript's
 * toISOString does, is the day before (2026-11-24T23:00:00Z for 25 November in Berlin).
 */
export const INGEST_DATE_REFUSALS: ReadonlyArray<readonly [pattern: string, words: string]> = [
  [
    `\\s*${DATE_TEXT}[Tt ].*`,
    ' holds a time of day or an offset besides its date, which may be another day in UTC (a local midnight written in UTC is the day before): write the date alone (2026-12-01)',
  ],
  ...INGEST_DAY_REFUSALS,
];

/**
 * Text of a timestamp the patterns above refuse for a reason worth its own words, on every
 * warehouse alike: a zone abbreviation names several zones (BST is British Summer Time and
 * Bangladesh Standard Time, IST India, Ireland and Israel) and a reader picks one silently; no
 * zone is more than 14 hours from UTC. Each entry: a pattern and what follows the value.
 */
export const INGEST_TIMESTAMP_REFUSALS: ReadonlyArray<readonly [pattern: string, words: string]> = [
  ...INGEST_DAY_REFUSALS,
  // A clock reading past the clock's (a leap second, 24:00): before the abbreviations, which
  // would take its Z for one.
  [
    `\\s*${DATE_TEXT}[T ](?:[0-9]{1,2}:[6-9][0-9]|(?:2[4-9]|[3-9][0-9]):[0-9]{2}|[0-9]{1,2}:[0-9]{2}:[6-9][0-9]).*`,
    ' has an hour, minute or second past the clock (a leap second, 23:59:60, or 24:00): write a time from 00:00:00 to 23:59:59',
  ],
  // Before the abbreviations, which these would read as: a 12-hour clock, UTC or Z in lower
  // case, an offset a space away from its time.
  [
    `\\s*${DATE_TEXT}${TIME_TEXT}\\s*[AaPp]\\.?[Mm]\\.?\\s*`,
    ' is on a 12-hour clock (AM/PM): write the time on a 24-hour clock (22:00:00 for 10:00:00 PM)',
  ],
  [`\\s*${DATE_TEXT}(${TIME_TEXT})?\\s*(utc|gmt|Utc|Gmt|z)\\s*`, ' names UTC in lower case: write Z or UTC'],
  // A date cut before its time (`2026-11-30T`): no abbreviation.
  [
    `\\s*${DATE_TEXT}[Tt]\\s*`,
    ' ends in a T with no time after it: write the time (2026-11-30T10:00:00) or the date alone',
  ],
  [
    `\\s*${DATE_TEXT}${TIME_TEXT}\\s+[+-][0-9]{1,2}(:?[0-9]{2})?\\s*`,
    ' has a space before its offset: write the offset straight after the time (10:00:00+01:00)',
  ],
  // Z a space away is UTC too, not an abbreviation of a zone that could be several.
  [
    `\\s*${DATE_TEXT}${TIME_TEXT}\\s+Z\\s*`,
    ' has a space before its Z: write the Z straight after the time (10:00:00Z), or UTC',
  ],
  [
    `\\s*${DATE_TEXT}(${TIME_TEXT})?\\s*[A-Za-z]{1,6}\\s*`,
    ' ends in a zone abbreviation, which names several zones: write an offset (+01:00) or an IANA zone name such as Europe/London',
  ],
  [
    `\\s*${DATE_TEXT}${TIME_TEXT}[+-]([0-9]{3,}|1[5-9]|[2-9][0-9]|14:?(0[1-9]|[1-5][0-9]))(:?[0-9]{2})?\\s*`,
    ' has an offset beyond ±14:00, which no zone has',
  ],
];

/**
 * The first day a file's date or time may fall on, though a warehouse holds earlier ones: no
 * retail record is older, and a year before 1000 is a year cut short (`0026-11-30` for 2026) or
 * a placeholder for no date (`0001-01-01`, the smallest day of .NET and SQL Server). Loaded, such
 * a row lands on a day of its own and the figures of its real day are short, and healthy. On
 * every warehouse alike.
 */
export const INGEST_EARLIEST_DAY = '1000-01-01';
export const INGEST_BEFORE_EARLIEST_DAY =
  ' is before the year 1000: a year cut short (0026 for 2026) or a placeholder for no date (0001-01-01); write the whole year, or leave the field empty where there is no date';

/**
 * Days systems write where they hold no date: SQL Server's smallest `datetime` (1753-01-01) and
 * its default (1900-01-01), Excel's day 0 (1899-12-30, 1899-12-31 in its 1900 system), and for a
 * time the Unix epoch's zero (1970-01-01), which a missing time becomes on its way through a
 * number. A date on such a day, or a time at midnight UTC of it, is refused, on every warehouse
 * alike: loaded, a customer joins in 1900 and a tenure or a day's sales built on it is wrong and
 * looks healthy. A time of day someone wrote (1900-01-01 10:15) is kept, and so is a date of
 * 1970-01-01, an ordinary day.
 */
export function placeholderDays(type: 'date' | 'timestamp'): readonly string[] {
  const days = ['1753-01-01', '1899-12-30', '1899-12-31', '1900-01-01'];
  return type === 'timestamp' ? [...days, '1970-01-01'] : days;
}
export const INGEST_PLACEHOLDER_DAY =
  ' is a day systems write where they hold no date (1753-01-01 and 1900-01-01 in SQL Server, 1899-12-30 and 1899-12-31 in Excel, 1970-01-01 at midnight for a time): leave the field empty where there is no date';

// A local date and time, and an IANA zone name, with no group of their own (for extraction).
const LOCAL_TEXT = '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\\.[0-9]*)?)?';
const ZONE_NAME_TEXT = '[A-Za-z]+(?:/[A-Za-z0-9_+-]+)+';
/**
 * A timestamp written as a local time in an IANA zone (`2026-03-29 01:30:00 Europe/London`):
 * `local` captures its date and time, `zone` its zone name (one group each, as BigQuery's
 * REGEXP_EXTRACT takes). Around a change of daylight saving time such a local time names no
 * instant (clocks skip it) or two (clocks show it twice), and each warehouse picks one its own
 * way, silently: an order an hour off, on one warehouse and not the other. Refused, with these
 * words, on every warehouse alike: an offset says which instant was meant.
 */
export const INGEST_ZONED_TIME = {
  local: `\\s*(${LOCAL_TEXT})\\s*${ZONE_NAME_TEXT}\\s*`,
  zone: `\\s*${LOCAL_TEXT}\\s*(${ZONE_NAME_TEXT})\\s*`,
  // No offset is given as an example: the zone's own are not known here, and another zone's
  // (London's) followed by the letter would load the time hours off.
  skipped:
    ' is a local time its zone skips (its clocks go forward then): write the time with its UTC offset instead of the zone name',
  repeated:
    " is a local time its zone shows twice (its clocks go back then), so which of two instants is unknown: write the time with its UTC offset instead of the zone name (the zone's offset before the change for the first, after it for the second)",
} as const;

/**
 * Whether a text column holds identifiers: a key, or a column named as one (`store_id`, `id`):
 * the id of another source's row, which products join on. A spelling of an id that only looks
 * like it (`1001.0`, `0012` and a zero-width space) joins nothing, and its rows make a store or
 * customer of their own in every figure, healthy; so such columns are held to what keys are.
 */
export function isIdentifierColumn(column: Pick<ColumnSpec, 'name' | 'key' | 'type'>): boolean {
  return column.type === 'string' && (column.key || /(^|_)id$/i.test(column.name));
}

/**
 * Characters no key is written with, that show as nothing or as a space: zero-width spaces and
 * joiners, the word joiner, a byte order mark, no-break, thin, figure and ideographic spaces, a
 * tab, a soft hyphen (copied from a web page, a PDF or a spreadsheet). In a key or another id
 * (`isIdentifierColumn`) they make it an id that matches nothing, and the rows joined on it
 * vanish from every figure, healthy. An id with one is refused, on every warehouse alike; free
 * text keeps them (an emoji is joined by U+200D).
 */
export const INGEST_INVISIBLE_IN_KEY: readonly [pattern: string, words: string] = [
  '[\\x{0000}-\\x{001F}\\x{007F}-\\x{00A0}\\x{00AD}\\x{2000}-\\x{200F}\\x{2028}-\\x{202F}\\x{205F}-\\x{206F}\\x{3000}\\x{FEFF}]',
  ' holds a character that shows as nothing or as a space (a control character, a tab or line break, a zero-width space or joiner, a direction mark, a line or paragraph separator, a no-break, thin or ideographic space, a soft hyphen or a byte order mark), which makes it an id that matches nothing: remove it from the export',
];

/**
 * A whole number written with a decimal point in a text key (`1001.0`): what pandas writes for an
 * integer id column once it held a missing value (the column became float). The same id read
 * from the system's Parquet is `1001`: loaded as text, `1001.0` is another key, and the entity
 * counted twice. Refused in text keys and other ids (`isIdentifierColumn`), on every warehouse
 * alike.
 */
export const INGEST_FLOAT_WRITTEN_ID: readonly [pattern: string, words: string] = [
  '\\s*[0-9]+\\.0+\\s*',
  ' is a whole number written with a decimal point, as pandas writes an integer id column that held a missing value: the same id is 1001 elsewhere, and this would be another id. Export the ids as integers (df[col].astype("Int64")) or as the system writes them',
];

/**
 * What a spreadsheet writes for a cell whose formula failed (Excel, Google Sheets, LibreOffice):
 * no value of any column. Loaded as text, `#N/A` becomes a store or a customer of its own, and
 * the rows it names vanish from their real one's figures. Refused in text columns, on every
 * warehouse alike (typed columns refuse it as not of their type).
 */
export const SPREADSHEET_ERRORS: readonly string[] = [
  '#N/A',
  '#REF!',
  '#NAME?',
  '#VALUE!',
  '#DIV/0!',
  '#NUM!',
  '#NULL!',
  '#SPILL!',
  '#CALC!',
  '#FIELD!',
  '#BLOCKED!',
  '#CONNECT!',
  '#BUSY!',
  '#UNKNOWN!',
  '#GETTING_DATA',
  '#ERROR!',
];
export const INGEST_SPREADSHEET_ERROR =
  " is a spreadsheet's error cell (a formula that failed), not a value: fix the cell in the sheet, or leave it empty";

/**
 * A number written in scientific notation: a spreadsheet shows an id of a dozen digits so
 * (`1.23457E+11`, LibreOffice's `1.23457E+011`, a round one `1E+11`), R's write.csv writes
 * 100000 as `1e+05`, pandas a float id as `1.2345678901234568e+17`. Its last digits may be
 * gone (ids that differed there become one), and as a key it matches no other export's
 * spelling. Refused in text columns, on every warehouse alike (a typed number column reads it
 * as a number). A sign after the E, or a point before it, tells notation from a code (`3E10`).
 */
export const INGEST_SCIENTIFIC_TEXT: readonly [pattern: string, words: string] = [
  '[+-]?[0-9](?:\\.[0-9]{1,16}[eE][+-]?|[eE][+-])[0-9]{1,3}',
  ' is a number in scientific notation (as a spreadsheet shows it, or R or pandas writes it), whose last digits may be lost and which matches no other spelling of the id: export the column as text (in a sheet, format it as text first)',
];

/**
 * What text is unpadded of, on every warehouse alike: spaces, and the no-break spaces exports
 * pad with (U+00A0, and U+202F, which French number formats write), at either end. Inside a
 * value they stay (a key with one is refused: INGEST_INVISIBLE_IN_KEY).
 */
export const TEXT_PADDING = ' \u00a0\u202f';

/**
 * A source's cursor more than a day after the export was loaded (a day for clocks set apart):
 * a revision "saved" in the future ranks above every revision saved until then, so none of
 * them would become current, silently (a customer's opt-out ignored). Written for "never"
 * (9999-12-31) or by a clock set wrong. Refused in the cursor column, on every warehouse alike.
 */
export const INGEST_FUTURE_CURSOR =
  " is more than a day after this export was loaded, in the column that orders a key's revisions: it would rank above every revision saved until then, and none of them would become current (a date written for never, 9999-12-31, or a clock set wrong); export when the revision was saved";

/**
 * A time more than a day after the export was loaded in a column of when something happened
 * (`happened` in its meta): a device or system clock set ahead, or a date written for "not
 * yet". Loaded, it would move every figure taken as of the newest time (a customer's days
 * since the last visit), or stand for an event that never was.
 */
export const INGEST_FUTURE_EVENT =
  ' is more than a day after this export was loaded, in a column of when something happened: a clock set ahead, or a date written for not yet (9999-12-31); loaded, it would move every figure taken as of the newest time. Export the time it happened, or none';

/**
 * A date alone in a source's cursor, a timestamp (what a spreadsheet leaves of a time in a cell
 * formatted as a date): read as midnight, it ranks below every revision saved later that day,
 * so a newer revision would not become current, silently. Refused in the cursor column, on
 * every warehouse alike; other timestamp columns read a date as its midnight.
 */
export const INGEST_DATE_ONLY_CURSOR: readonly [pattern: string, words: string] = [
  `\\s*${DATE_TEXT}\\s*`,
  " is a date without its time, in the column that orders a key's revisions: read as midnight, this revision would rank below any saved later that day; export the time too",
];

/**
 * A time with a zone but without seconds (`2026-11-01T10:00Z`, `10:00+01:00`, `10:00 Europe/Paris`),
 * valid ISO 8601 that DuckDB's reader of zoned times refuses: groups 1 (up to the minutes) and
 * 2 (the zone), for `$1:00$2`, on every warehouse alike.
 */
export const INGEST_ZONED_WITHOUT_SECONDS = `^(\\s*${DATE_TEXT}[T ][0-9]{1,2}:[0-9]{2})(\\s*(?:Z|UTC|GMT|[+-][0-9]|[A-Za-z]+/).*)$`;

/**
 * What a reject's position is called: a CSV's physical line, a Parquet file's row (it has no
 * lines, and `file.parquet:1` would send a reader to a line of binary).
 *
 * @example `${rowWord('parquet')} 3` // 'row 3'
 */
export const rowWord = (format: 'csv' | 'parquet'): 'line' | 'row' => (format === 'parquet' ? 'row' : 'line');

/**
 * Where a reject is, for a message: `orders.csv:7` or `orders.parquet row 7`. The format is the
 * one the file was read as, or (for a batch listed later) told by its name.
 */
export function rejectPosition(file: string, line: number, format?: 'csv' | 'parquet'): string {
  const read = format ?? (/\.parquet$/i.test(file) ? 'parquet' : 'csv');
  return read === 'parquet' ? `${file} row ${line}` : `${file}:${line}`;
}

/** How a file column no source column takes marks a row deleted in the system that exported it. */
export type DeletionMarkerKind = 'flag' | 'stamp' | 'operation';

// Soft-delete flags and stamps, and the operation column of change-data-capture exports
// (Debezium's `op`, Fivetran's `_fivetran_deleted`, DMS's `Op`), by name without case or
// punctuation. Only columns no source column takes: a source that declares one reads it itself.
const DELETION_MARKERS: Readonly<Record<string, DeletionMarkerKind>> = {
  isdeleted: 'flag',
  deleted: 'flag',
  deletedflag: 'flag',
  deleteflag: 'flag',
  delflag: 'flag',
  isremoved: 'flag',
  removed: 'flag',
  softdeleted: 'flag',
  issoftdeleted: 'flag',
  tombstone: 'flag',
  fivetrandeleted: 'flag',
  deletedat: 'stamp',
  deletedon: 'stamp',
  deletedtime: 'stamp',
  deletedtimestamp: 'stamp',
  deleteddate: 'stamp',
  deletiondate: 'stamp',
  deletiontime: 'stamp',
  removedat: 'stamp',
  op: 'operation',
  optype: 'operation',
  operation: 'operation',
  operationtype: 'operation',
  changetype: 'operation',
  changeop: 'operation',
  changeoperation: 'operation',
  cdcop: 'operation',
  cdcoperation: 'operation',
  dmltype: 'operation',
  rowoperation: 'operation',
};

/** What each kind of marker holds on a deleted row, lowercased and trimmed. */
const DELETED_VALUES: Readonly<Record<Exclude<DeletionMarkerKind, 'stamp'>, readonly string[]>> = {
  flag: ['true', 't', '1', '1.0', 'y', 'yes'],
  // Not `r`: Debezium's rows read by a snapshot.
  operation: ['d', 'del', 'delete', 'deleted', 'remove', 'removed'],
};
/** A stamp marks a deleted row when it holds a time: these say it holds none. */
const NO_STAMP = ['null', 'none', 'nan', 'false', '0', INGEST_NULL_MARK.toLowerCase()];

/**
 * The file columns, of those no source column took, that mark rows deleted (`is_deleted`,
 * `deleted_at`, a CDC `op`). A source keeps the rows it is given: a snapshot holds what its
 * export lists, an upsert a key's last values, an event source every event. Loaded as any
 * other row, a row the system deleted would stay in every figure, unseen.
 */
export function deletionMarkers(
  unused: readonly string[],
): Array<{ column: string; kind: DeletionMarkerKind }> {
  return unused.flatMap((column) => {
    const kind = DELETION_MARKERS[column.toLowerCase().replace(/[^a-z0-9]/g, '')];
    return kind ? [{ column, kind }] : [];
  });
}

/**
 * A boolean SQL expression (both dialects) that is true when some marker marks the row deleted;
 * `text` gives the SQL of a file column's value as text.
 */
export function markedDeletedSql(
  markers: ReadonlyArray<{ column: string; kind: DeletionMarkerKind }>,
  text: (column: string) => string,
  dialect: Dialect,
): string {
  const list = (values: readonly string[]) => values.map((v) => dialect.literal(v)).join(', ');
  return markers
    .map(({ column, kind }) => {
      // sql.trim, not TRIM: DuckDB's keeps a tab or a line break that BigQuery's strips, so
      // `TRUE<tab>` marked a row deleted on BigQuery only, and a stamp of a lone tab on DuckDB only.
      const value = `LOWER(${renderSql(sql.trim(sql.raw(text(column))), dialect)})`;
      return kind === 'stamp'
        ? `COALESCE(${value} <> '' AND ${value} NOT IN (${list(NO_STAMP)}), FALSE)`
        : `COALESCE(${value} IN (${list(DELETED_VALUES[kind])}), FALSE)`;
    })
    .join(' OR ');
}

/**
 * Why a row marked deleted is rejected from a source that keeps its rows (an upsert, events):
 * its key or event would stay in every figure. A snapshot leaves such rows out instead: it
 * holds what exists.
 */
export function deletedRowReason(
  source: Source,
  markers: ReadonlyArray<{ column: string; kind: DeletionMarkerKind }>,
): string {
  const by = markers.map((m) => m.column).join(' or ');
  return source.mode === 'append'
    ? `marked deleted by file column ${by}, which ${source.id} cannot apply: an event source keeps every event it is given, so the deleted one would count in every figure`
    : `marked deleted by file column ${by}, which ${source.id} cannot apply: an upsert keeps a key's last values, so the deleted row would stay current in every figure`;
}
