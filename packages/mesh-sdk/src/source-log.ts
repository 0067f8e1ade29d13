import type { ColumnSpec } from './columns.js';
import type { Dialect } from './dialect.js';
import { durationSeconds, formatAhead, formatSeconds, isAhead } from './duration.js';
import { UsageError } from './errors.js';
import type { TableRef } from './relation.js';
import type { Source } from './source.js';
import { renderSql, type SqlFragment, sql } from './sql.js';

/**
 * The columns a source's log adds to its contract: the batch a row came from and its physical
 * line in that batch's file (its row number for Parquet; NULL for sample rows).
 */
export const LOG_COLUMNS: readonly ColumnSpec[] = Object.freeze([
  logColumn('_batch_id', 'Batch the row was loaded in (mesh ingest --list)'),
  logColumn('_line', "Physical line of the row in its batch's file (row number for Parquet)", true),
]);

/** The columns of a source's rejects table. */
export const REJECT_COLUMNS: readonly ColumnSpec[] = Object.freeze([
  logColumn('_batch_id', 'Batch the row was rejected from'),
  { ...logColumn('file', 'File the row came from'), type: 'string' },
  logColumn('line', 'Physical line of the row in the file'),
  { ...logColumn('reason', 'Why the row was rejected'), type: 'string' },
  { ...logColumn('record', 'The row as the file had it, as JSON text', true), type: 'string' },
]);

function logColumn(name: string, description: string, nullable = false): ColumnSpec {
  return {
    name,
    type: 'integer',
    nullable,
    description,
    pii: false,
    key: false,
    values: undefined,
    asString: false,
  };
}

/** Renames, constants and value maps that fit an export onto a source. */
export interface IngestMapping {
  /** Source column -> file column. */
  readonly rename: Readonly<Record<string, string>>;
  /** Source column -> the value every row gets (the export lacks the column). */
  readonly set: Readonly<Record<string, string>>;
  /** Source column -> (file value -> source value). */
  readonly values: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export const EMPTY_MAPPING: IngestMapping = Object.freeze({ rename: {}, set: {}, values: {} });

/** One batch of a source's log: a file ingested, or the synthetic sample. */
export interface BatchRecord {
  readonly batchId: number;
  /** `domain.source`. */
  readonly source: string;
  /** `ingest`: a user's export; `sample`: synthetic rows of `mesh seed` or a fixture. */
  readonly kind: 'ingest' | 'sample';
  /** The file's path as given (for samples, a description such as `sample scale=1 seed=42`). */
  readonly file: string;
  readonly sha256: string;
  readonly mapping: IngestMapping;
  /** Data rows in the file. */
  readonly rows: number;
  readonly loaded: number;
  readonly rejected: number;
  readonly ingestedAt: Date;
  /** Who loaded it: `MESH_USER`, else the OS user. */
  readonly ingestedBy: string;
  /** Set when the batch was reverted: its rows left the log then. */
  readonly revertedAt: Date | undefined;
  /** Why the batch was flagged when loaded (a likely misspelt header), if it was. */
  readonly flag?: string | undefined;
}

/** Whether a source holds nothing, synthetic rows, or rows of the user's own systems. */
export type SourceContent = 'empty' | 'sample' | 'ingested';

/** What the warehouse knows of one source, from its batches. */
export interface SourceState {
  readonly source: string;
  readonly content: SourceContent;
  /** An optional source reads as empty until loaded; a required one holds what products read. */
  readonly optional?: boolean;
  /** Batches in the log (not reverted). */
  readonly batches: number;
  /** Rows loaded by those batches (the log; current rows may be fewer). */
  readonly rows: number;
  /** Current rows, where the warehouse keeps them as a table it can count cheaply (health). */
  readonly currentRows?: number | null;
  /**
   * Rows its log holds now, where counted (health): other than `rows` when rows were deleted
   * from it or written to it outside `mesh ingest` and `mesh seed`.
   */
  readonly loggedRows?: number | null;
  readonly lastBatch:
    | {
        readonly batchId: number;
        readonly file: string;
        readonly at: string;
        readonly loaded: number;
        readonly rejected: number;
        /** Why its row count looks wrong next to the source's recent batches, if it does. */
        readonly flag: string | undefined;
      }
    | undefined;
  /**
   * When its first live export was loaded (ISO): a product written before it holds the sample
   * (or batches since reverted).
   */
  readonly firstExportAt?: string;
  /**
   * Why the source is late, when its system delivers every `expectedEvery` and its newest
   * ingested batch is older: its products are stale whatever their own age.
   */
  readonly overdue?: string | undefined;
  /**
   * Why its newest export's time is not believed, when it is recorded ahead of this machine's
   * clock (a clock set ahead where it was ingested): it does not make the source current.
   */
  readonly clockAhead?: string | undefined;
  /**
   * Why an earlier export's rows may still be current, when a batch that changed them back (an
   * older export delivered again, `changeBackFlag`) is live but no longer the last: an upsert's
   * later exports replace only the keys they list, so the flag stands until the batch is
   * reverted (a snapshot's next export replaces every row, and clears it).
   */
  readonly changedBack?: string | undefined;
  /**
   * Why rows an earlier export of an event or upsert source rejected are still in no figure,
   * when a batch other than the last rejected some and is live: a later export adds events or
   * replaces the keys it lists, never the rows another one lacked, so the flag stands until
   * that batch is reverted (and loaded again corrected). A snapshot's next export replaces
   * every row, so only its last batch's rejects count (`lastBatch.rejected`).
   */
  readonly earlierRejects?: string | undefined;
  /**
   * Deliveries its drop zone refused after the newest export it holds (files in `.failed`),
   * said by whoever reads the zone's folder (`mesh health`, `mesh serve`): products built on
   * the source lack them.
   */
  readonly refused?: string | undefined;
  /**
   * The days its feed delivered no export on between the first and the newest it holds, told
   * from the days their names give (said by `mesh health` and `mesh serve`): products built on
   * it lack those days' rows, though the feed is on time.
   */
  readonly missedExports?: string | undefined;
  /**
   * Its export reverted last, where the batches given include reverted ones (health): a product
   * built from it before the revert still publishes its rows.
   */
  readonly lastReverted?: RevertedBatch;
  /**
   * Every export of it reverted, in the order they were reverted (`lastReverted` last): a
   * product built from any of them before its revert still publishes its rows, whatever was
   * reverted after.
   */
  readonly reverted?: readonly RevertedBatch[];
}

/** An export taken out of a source's log by `mesh ingest --revert`. */
export interface RevertedBatch {
  readonly batchId: number;
  readonly ingestedAt: string;
  readonly revertedAt: string;
}

/** How many earlier batches a batch's size is compared with, and how many it needs. */
const FLAG_WINDOW = 10;
const FLAG_MIN_HISTORY = 3;
/** A batch more than this factor below or above the median of its predecessors is flagged. */
const FLAG_FACTOR = 3;

/**
 * Why a batch's row count is far off the source's recent batches (their median), or undefined.
 * `previous` are the source's earlier live batches, oldest first.
 *
 * @example volumeFlag(120, [10_000, 9_800, 10_150]) // 'loaded 120 rows, 83x fewer than the median 10,000 of the previous 3 batches'
 */
export function volumeFlag(loaded: number, previous: readonly number[]): string | undefined {
  const window = previous.slice(-FLAG_WINDOW);
  // No row where an earlier batch held some needs no history to be told; nor does a first
  // export with none (a header alone: an export that failed upstream, most likely).
  if (window.length < FLAG_MIN_HISTORY)
    return loaded === 0 && window.some((n) => n > 0)
      ? 'loaded no rows, where the batch before held rows'
      : loaded === 0 && window.every((n) => n === 0)
        ? 'loaded no rows, and no export before it held any'
        : undefined;
  const sorted = [...window].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  if (median <= 0) return undefined;
  const ratio = loaded / median;
  if (ratio >= 1 / FLAG_FACTOR && ratio <= FLAG_FACTOR) return undefined;
  if (ratio === 0)
    return `loaded no rows, against the median ${median.toLocaleString('en-US')} of the previous ${window.length} batches`;
  const factor = ratio < 1 ? 1 / ratio : ratio;
  return `loaded ${loaded.toLocaleString('en-US')} rows, ${factor.toFixed(factor < 10 ? 1 : 0)}x ${ratio < 1 ? 'fewer' : 'more'} than the median ${median.toLocaleString('en-US')} of the previous ${window.length} batches`;
}

/** A batch's flags (stored when loaded, and on its size) as one, or undefined when none. */
export function batchFlag(...flags: ReadonlyArray<string | undefined>): string | undefined {
  const set = flags.filter((f): f is string => !!f);
  return set.length ? set.join('; ') : undefined;
}

/**
 * The flag of an event batch every row of which has a key an earlier batch holds (the same
 * events sent again, in other bytes, or corrected copies, which change nothing): it delivered
 * nothing new, so it does not make its source current. A feed stuck re-sending its last export
 * is as late as one that sends nothing, and its products should not look fresh.
 */
export const NOTHING_NEW_FLAG = 'nothing new: every row it loaded is an event an earlier batch holds';

/**
 * The flag of an event batch some rows of which carry the key of an event an earlier batch holds
 * with other values (a till whose receipt numbers restart each day, a corrected event sent
 * again): the first copy counts, so their values are in no figure. Within one file such a row
 * is rejected, which makes products `degraded`; across batches the flag does the same.
 */
export const conflictingEventsFlag = (rows: number) =>
  `${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'} carr${rows === 1 ? 'ies' : 'y'} the key of an event an earlier batch holds with other values: the first copy counts, so ${rows === 1 ? 'its values are' : 'their values are'} in no figure (keys reused by the system, or a correction: revert the batch that first loaded them and load a corrected copy)`;

/**
 * The flag of a snapshot or upsert batch whose rows are those of the newest export before it,
 * sent again in other bytes (another export run, CRLF, another column order): it changed no
 * row, so, as a file identical to one held (which is skipped), it does not make its source
 * current. Unlike events sent again, it does not make products `degraded`: a list that did
 * not change since its last export (the stores) is sent again so, every day.
 */
export const sameRowsFlag = (batchId: number) =>
  `nothing new: the same rows as batch ${batchId}, the newest export before it, sent again`;

/**
 * The flag of a snapshot or upsert batch that holds the rows of an earlier export again (its
 * bytes, or its rows in other bytes) while batches came after that one: its rows are current
 * again over theirs, a change back. A rollback says so (`IngestOptions.current`); delivered
 * again by mistake, the figures built on it would be last week's, and healthy: so it makes
 * products `degraded` until reverted or followed by a newer export.
 */
export const changeBackFlag = (batchId: number) =>
  `a change back: the rows of batch ${batchId} again, current again over the batches after it (an older export delivered again? mesh ingest --revert this batch; a rollback on purpose: --allow-older)`;

/**
 * Whether a batch's flag says it delivered nothing new (an event or a row sent again), or only
 * an older export's rows again (a change back not meant): its source is no more current for it.
 */
export function deliveredNothingNew(flag: string | undefined): boolean {
  return (flag ?? '').split('; ').some((f) => f.startsWith('nothing new:') || f.startsWith('a change back:'));
}

/**
 * A batch's flags but the one that says the newest export came again (`sameRowsFlag`): what
 * makes products built on it `degraded`. Undefined when none is left.
 */
export function degradingFlag(flag: string | undefined): string | undefined {
  return batchFlag(
    ...(flag ?? '').split('; ').filter((f) => f && !/^nothing new: the same rows as batch \d+/.test(f)),
  );
}

/** A source is overdue once its newest export is older than its cadence times this. */
export const OVERDUE_GRACE = 1.25;

/** The state of every source, from the batches the warehouse lists (one query for the mesh). */
export function sourceStates(
  sources: readonly Source[],
  batches: readonly BatchRecord[],
  now: Date = new Date(),
): SourceState[] {
  return sources.map((source) => {
    const own = batches
      .filter((b) => b.source === source.id && !b.revertedAt)
      .sort((a, b) => a.batchId - b.batchId);
    const last = own.at(-1);
    const content: SourceContent = !own.length
      ? 'empty'
      : own.some((b) => b.kind === 'ingest')
        ? 'ingested'
        : 'sample';
    // Sample rows come from no system, so nothing is late. An ingested source is as current as
    // the newest export it holds: a file identical to one it holds is skipped (nothing new
    // came), a reverted one is not held. A quarter of the cadence is grace, so a delivery a
    // little later than the day before is not late.
    const every = source.expectedEvery === undefined ? undefined : durationSeconds(source.expectedEvery);
    const exports = own.filter((b) => b.kind === 'ingest');
    // An export recorded ahead of this clock (ingested where the clock was set ahead) would
    // keep the feed current until this clock caught up with it: it is said, and the feed is as
    // late as the newest export recorded before now.
    const ahead = exports.filter((b) => isAhead(b.ingestedAt, now)).at(-1);
    const believed = exports.filter((b) => !isAhead(b.ingestedAt, now));
    // An export that loaded no row (a header alone), only events already held or the rows of
    // the export before it, delivered nothing: the feed is as late as the newest that brought rows.
    const newest = believed.filter((b) => b.loaded > 0 && !deliveredNothingNew(b.flag)).at(-1) ?? believed[0];
    const firstExport = exports[0];
    const age = newest ? (now.getTime() - newest.ingestedAt.getTime()) / 1000 : 0;
    const overdue =
      every === undefined
        ? undefined
        : newest && age > every * OVERDUE_GRACE
          ? `the newest export it holds was loaded ${newest.ingestedAt.toISOString()} (${formatSeconds(age)} ago), expected every ${source.expectedEvery}`
          : !newest && ahead
            ? `no export it holds was loaded before now, expected every ${source.expectedEvery}: when it last delivered cannot be told`
            : undefined;
    const clockAhead =
      ahead &&
      `its batch ${ahead.batchId} (${ahead.file}) is recorded loaded ${ahead.ingestedAt.toISOString()}, ${formatAhead(ahead.ingestedAt.getTime() - now.getTime())} ahead of this machine's clock: ingested where the clock was set ahead, so it does not count as a delivery; set that clock right`;
    const reverted = batches
      .filter((b) => b.source === source.id && b.kind === 'ingest' && b.revertedAt)
      .sort((a, b) => a.revertedAt!.getTime() - b.revertedAt!.getTime())
      .map(
        (b): RevertedBatch => ({
          batchId: b.batchId,
          ingestedAt: b.ingestedAt.toISOString(),
          revertedAt: b.revertedAt!.toISOString(),
        }),
      );
    const back =
      source.mode === 'upsert'
        ? own
            .slice(0, -1)
            .filter((b) =>
              (b.flag ?? '')
                .split('; ')
                .some((f) => f.startsWith('a change back:') || f.startsWith('a change back of ')),
            )
            .at(-1)
        : undefined;
    const changedBack =
      back &&
      `batch ${back.batchId} (${back.file}) made an older export's rows current again, and later exports replace only the keys they list: mesh ingest --revert ${back.batchId} if it was delivered by mistake (a rollback on purpose: revert it and load the file again with --allow-older)`;
    const rejecting =
      source.mode === 'snapshot' ? [] : own.slice(0, -1).filter((b) => b.kind === 'ingest' && b.rejected > 0);
    const earlierRejects = rejecting.length ? earlierRejectsReason(rejecting) : undefined;
    return {
      source: source.id,
      content,
      ...(source.optional ? { optional: true } : {}),
      ...(changedBack ? { changedBack } : {}),
      ...(earlierRejects ? { earlierRejects } : {}),
      ...(reverted.length ? { lastReverted: reverted.at(-1)!, reverted } : {}),
      ...(firstExport ? { firstExportAt: firstExport.ingestedAt.toISOString() } : {}),
      ...(overdue ? { overdue } : {}),
      ...(clockAhead ? { clockAhead } : {}),
      batches: own.length,
      rows: own.reduce((a, b) => a + b.loaded, 0),
      lastBatch: last && {
        batchId: last.batchId,
        file: last.file,
        at: last.ingestedAt.toISOString(),
        loaded: last.loaded,
        rejected: last.rejected,
        flag: batchFlag(
          last.flag,
          last.kind === 'ingest'
            ? volumeFlag(
                last.loaded,
                own
                  .slice(0, -1)
                  .filter((b) => b.kind === 'ingest')
                  .map((b) => b.loaded),
              )
            : undefined,
        ),
      },
    };
  });
}

/** What `SourceState.earlierRejects` says of the live batches, before the last, that rejected rows. */
function earlierRejectsReason(batches: readonly BatchRecord[]): string {
  const rows = batches.reduce((n, b) => n + b.rejected, 0);
  const named = batches
    .slice(0, 3)
    .map((b) => `#${b.batchId} (${b.file})`)
    .join(', ');
  const more = batches.length > 3 ? ` and ${batches.length - 3} more` : '';
  const first = batches[0]!.batchId;
  return `${rows.toLocaleString('en-US')} row${rows === 1 ? '' : 's'} rejected by ${batches.length === 1 ? 'batch' : 'batches'} ${named}${more} ${rows === 1 ? 'is' : 'are'} in no figure, whatever came after (later exports add or replace only the rows they hold): mesh ingest --rejects ${first} lists them; revert the batch and ingest it again corrected`;
}

/**
 * The SELECT of a source's current rows: its mode applied to its log. Portable: one window
 * per key, ordered so that the winner is the same on every warehouse.
 *
 * - snapshot: the rows of the newest batch that holds rows, one per key (an export whose every
 *   row was rejected must not empty the source);
 * - upsert: per key, the highest cursor, then the newest batch, then the last line;
 * - append: per key, the first copy (oldest batch, first line).
 */
export function currentRowsSelect(source: Source, dialect: Dialect, options: { from?: string } = {}): string {
  // `from`: a relation of the log's rows to rank instead of the whole log (the rows of some
  // keys, when an adapter refreshes only the keys a batch touched). Not for snapshots.
  const log = sql.raw(options.from ?? dialect.tableName(source.log));
  const batch = sql.id('_batch_id');
  const line = sql.id('_line');
  const newest: SqlFragment[] = [];
  if (source.mode !== 'append' && source.cursor) newest.push(sql`${sql.id(source.cursor)} DESC NULLS LAST`);
  if (source.mode === 'append') newest.push(sql`${batch} ASC`, sql`${line} ASC NULLS LAST`);
  else newest.push(sql`${batch} DESC`, sql`${line} DESC NULLS LAST`);
  // Two copies of a key in one sample batch (no lines): the order must still be total.
  const ordered = source.mode !== 'append' ? source.cursor : undefined;
  for (const c of source.columns)
    if (!c.key && c.name !== ordered) newest.push(sql`${sql.id(c.name)} DESC NULLS LAST`);
  const columns = sql.join(source.columns.map((c) => sql.id(c.name)));
  const where =
    source.mode === 'snapshot'
      ? sql` WHERE ${batch} = (SELECT MAX(${batch}) FROM ${sql.raw(dialect.tableName(source.log))})`
      : sql``;
  return renderSql(
    sql`SELECT ${columns} FROM (SELECT ${columns}, ROW_NUMBER() OVER (PARTITION BY ${sql.join(
      source.key.map((k) => sql.id(k)),
    )} ORDER BY ${sql.join(newest)}) AS ${sql.id('_version_rank')} FROM ${log}${where}) AS ${sql.id('l')} WHERE ${sql.id('_version_rank')} = 1`,
    dialect,
  );
}

/** Who loads a batch: `MESH_USER` when set (CI, services), else the OS user. */
export function batchAuthor(
  env: Readonly<Record<string, string | undefined>> = process.env,
  osUser?: () => string,
): string {
  if (env.MESH_USER) return env.MESH_USER;
  try {
    return osUser?.() ?? env.USER ?? env.USERNAME ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A batch-log row, as both adapters store it (snake_case, mapping as JSON text), back into a record. */
export function batchRecordOf(row: Record<string, unknown>): BatchRecord {
  const date = (v: unknown) =>
    v instanceof Date ? v : v === null || v === undefined ? undefined : new Date(String(v));
  const mapping = row.mapping ? (JSON.parse(String(row.mapping)) as Partial<IngestMapping>) : {};
  return {
    batchId: Number(row.batch_id),
    source: String(row.source),
    kind: row.kind === 'sample' ? 'sample' : 'ingest',
    file: String(row.file),
    sha256: String(row.sha256 ?? ''),
    mapping: { rename: mapping.rename ?? {}, set: mapping.set ?? {}, values: mapping.values ?? {} },
    rows: Number(row.rows ?? 0),
    loaded: Number(row.loaded ?? 0),
    rejected: Number(row.rejected ?? 0),
    ingestedAt: date(row.ingested_at) ?? new Date(0),
    ingestedBy: String(row.ingested_by ?? ''),
    revertedAt: date(row.reverted_at),
    flag: row.flag === null || row.flag === undefined ? undefined : String(row.flag),
  };
}

/** Whether a mapping does anything. */
export function isEmptyMapping(mapping: IngestMapping): boolean {
  return (
    !Object.keys(mapping.rename).length &&
    !Object.keys(mapping.set).length &&
    !Object.keys(mapping.values).length
  );
}

/** The SELECT of one batch's rejects, in line order. */
export function rejectsSelect(source: Source, batchId: number, dialect: Dialect, limit = 1000): string {
  return renderSql(
    sql`SELECT ${sql.id('line')}, ${sql.id('reason')}, ${sql.id('record')} FROM ${sql.raw(dialect.tableName(source.rejects))} WHERE ${sql.id('_batch_id')} = ${batchId} ORDER BY ${sql.id('line')} LIMIT ${limit}`,
    dialect,
  );
}

/**
 * A mapping in its canonical form: every part present, keys sorted, so that equal mappings give
 * equal JSON (a file ingested again with the same mapping is recognised; with another, it is not).
 */
export function canonicalMapping(mapping: Partial<IngestMapping> | undefined): IngestMapping {
  const sorted = <T>(o: Readonly<Record<string, T>> | undefined) =>
    Object.fromEntries(Object.entries(o ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    rename: sorted(mapping?.rename),
    set: sorted(mapping?.set),
    values: Object.fromEntries(Object.entries(sorted(mapping?.values)).map(([k, v]) => [k, sorted(v)])),
  };
}

/** The log and rejects tables of a source named `domain.source`, as `defineSource` names them. */
export function sourceTablesOf(sourceId: string): { log: TableRef; rejects: TableRef } {
  const at = sourceId.indexOf('.');
  const schema = sourceId.slice(0, at);
  const name = sourceId.slice(at + 1);
  return { log: { schema, name: `raw_${name}_log` }, rejects: { schema, name: `raw_${name}_rejects` } };
}

/**
 * The batch a revert of `batchId` in `source` removes, from its row in the batch log; throws
 * `unknown-batch`, `batch-of-another-source` or `batch-reverted` with what to do instead.
 */
export function revertableBatch(
  row: Record<string, unknown> | undefined,
  batchId: number,
  source: Source,
): BatchRecord {
  const subject = { domain: source.domain.name, source: source.name };
  if (!row)
    throw new UsageError(
      'unknown-batch',
      `No batch ${batchId}: mesh ingest --list shows the batches.`,
      subject,
    );
  const batch = batchRecordOf(row);
  if (batch.source !== source.id)
    throw new UsageError(
      'batch-of-another-source',
      `Batch ${batchId} is of ${batch.source}, not ${source.id}.`,
      subject,
    );
  if (batch.revertedAt)
    throw new UsageError(
      'batch-reverted',
      `Batch ${batchId} (${batch.source}, ${batch.file}) was already reverted at ${batch.revertedAt.toISOString()}.`,
      { ...subject, file: batch.file },
    );
  return batch;
}
