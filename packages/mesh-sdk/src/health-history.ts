import type { Dialect } from './dialect.js';
import type { HealthStatus, ProductHealth } from './health.js';
import type { TableRef } from './relation.js';
import type { SqlRow } from './warehouse.js';

/**
 * One product's health as a build or test run left it: a row of the warehouse's health
 * history, what trends, anomalies and alerts are computed from.
 */
export interface HealthSnapshot {
  /** ISO time the snapshot was taken (the end of the run). */
  readonly at: string;
  readonly runId: string;
  /** What took it: a build (the product was published or failed) or a test run. */
  readonly kind: 'build' | 'test';
  /** `domain.product`. */
  readonly product: string;
  readonly domain: string;
  readonly version: string;
  readonly status: HealthStatus;
  readonly rowCount: number;
  readonly bytes: number;
  /** Seconds since the product was last published, when the snapshot was taken. */
  readonly freshnessAgeSeconds: number | null;
  readonly qualityScore: number | null;
  readonly completeness: number | null;
  readonly validity: number | null;
  /** How long the run took for this product. */
  readonly durationMs: number | null;
  readonly bytesProcessed: number | null;
  /** ISO time of the publish the snapshot saw (equal across snapshots of one publish). */
  readonly lastUpdated: string | null;
  /** The metrics found anomalous then (`row_count`, `freshness`, `duration`). */
  readonly anomalies: readonly string[];
}

/** The history's columns, in order, with their types and whether they may be NULL: what both adapters create. */
export const HEALTH_HISTORY_COLUMNS = [
  ['at', 'timestamp'],
  ['run_id', 'string'],
  ['kind', 'string'],
  ['product', 'string'],
  ['domain', 'string'],
  ['version', 'string'],
  ['status', 'string'],
  ['row_count', 'integer'],
  ['bytes', 'integer'],
  ['freshness_age_seconds', 'number'],
  ['quality_score', 'number'],
  ['completeness', 'number'],
  ['validity', 'number'],
  ['duration_ms', 'number'],
  ['bytes_processed', 'integer'],
  ['last_updated', 'timestamp'],
  ['anomalies', 'string'],
] as const;

/** A product's snapshot from its health and the run that just finished. */
export function snapshotOf(
  health: ProductHealth,
  run: { runId: string; kind: 'build' | 'test'; at: Date; durationMs?: number; bytesProcessed?: number },
): HealthSnapshot {
  return {
    at: run.at.toISOString(),
    runId: run.runId,
    kind: run.kind,
    product: health.id,
    domain: health.domain,
    version: health.version,
    status: health.status,
    rowCount: health.rowCount,
    bytes: health.bytes,
    freshnessAgeSeconds: health.freshness.ageSeconds,
    qualityScore: health.qualityScore,
    completeness: health.completeness,
    validity: health.validity,
    durationMs: run.durationMs ?? null,
    bytesProcessed: run.bytesProcessed ?? null,
    lastUpdated: health.lastUpdated,
    anomalies: health.anomalies.map((a) => a.metric),
  };
}

/** Options of `Warehouse.healthHistory`. */
export interface HealthHistoryQuery {
  /** Only these products (`domain.product`); every product when absent. */
  readonly products?: readonly string[];
  /** Only snapshots taken at or after this time. */
  readonly since?: Date;
  /** At most this many of each product's newest snapshots. */
  readonly perProduct?: number;
}

/** Where the adapters keep the history: beside the run log, in the platform's schema. */
export const HEALTH_HISTORY_TABLE: TableRef = Object.freeze({ schema: '_mesh', name: 'health_history' });

const NOT_NULL = new Set([
  'at',
  'run_id',
  'kind',
  'product',
  'domain',
  'version',
  'status',
  'row_count',
  'bytes',
]);

/** `CREATE TABLE IF NOT EXISTS` of the history, in a dialect. */
export function healthHistoryCreateSql(dialect: Dialect, table: TableRef = HEALTH_HISTORY_TABLE): string {
  const columns = HEALTH_HISTORY_COLUMNS.map(
    ([name, type]) =>
      `${dialect.quoteIdent(name)} ${dialect.columnType(type)}${NOT_NULL.has(name) ? ' NOT NULL' : ''}`,
  );
  return `CREATE TABLE IF NOT EXISTS ${dialect.tableName(table)} (${columns.join(', ')})`;
}

const numberOrNull = (n: number | null) => (n !== null && Number.isFinite(n) ? n : null);

/**
 * One INSERT of every snapshot, as literals: a run appends one row per product, and one
 * statement per run keeps the count of statements independent of the mesh's size.
 */
export function healthHistoryInsertSql(
  dialect: Dialect,
  snapshots: readonly HealthSnapshot[],
  table: TableRef = HEALTH_HISTORY_TABLE,
): string {
  const lit = (v: unknown) => dialect.literal(v);
  const cast = (v: unknown, type: (typeof HEALTH_HISTORY_COLUMNS)[number][1]) =>
    `CAST(${lit(v)} AS ${dialect.columnType(type)})`;
  const rows = snapshots.map((s) =>
    [
      cast(new Date(s.at), 'timestamp'),
      lit(s.runId),
      lit(s.kind),
      lit(s.product),
      lit(s.domain),
      lit(s.version),
      lit(s.status),
      cast(Math.round(s.rowCount), 'integer'),
      cast(Math.round(s.bytes), 'integer'),
      cast(numberOrNull(s.freshnessAgeSeconds), 'number'),
      cast(numberOrNull(s.qualityScore), 'number'),
      cast(numberOrNull(s.completeness), 'number'),
      cast(numberOrNull(s.validity), 'number'),
      cast(numberOrNull(s.durationMs), 'number'),
      cast(s.bytesProcessed === null ? null : Math.round(s.bytesProcessed), 'integer'),
      cast(s.lastUpdated === null ? null : new Date(s.lastUpdated), 'timestamp'),
      lit(s.anomalies.join(',')),
    ].join(', '),
  );
  const names = HEALTH_HISTORY_COLUMNS.map(([name]) => dialect.quoteIdent(name)).join(', ');
  return `INSERT INTO ${dialect.tableName(table)} (${names}) VALUES ${rows.map((r) => `(${r})`).join(', ')}`;
}

/** The SELECT of `Warehouse.healthHistory`: newest `perProduct` of each product, oldest first. */
export function healthHistorySelectSql(
  dialect: Dialect,
  query: HealthHistoryQuery = {},
  table: TableRef = HEALTH_HISTORY_TABLE,
): string {
  // Quoted throughout: `at` is a reserved word in GoogleSQL.
  const at = dialect.quoteIdent('at');
  const product = dialect.quoteIdent('product');
  const where: string[] = [];
  if (query.products?.length)
    where.push(`${product} IN (${query.products.map((p) => dialect.literal(p)).join(', ')})`);
  if (query.since)
    where.push(`${at} >= CAST(${dialect.literal(query.since)} AS ${dialect.columnType('timestamp')})`);
  const filtered = `SELECT * FROM ${dialect.tableName(table)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  if (query.perProduct === undefined) return `${filtered} ORDER BY ${product}, ${at}`;
  // A window in a subquery, not QUALIFY: both engines read it the same way.
  const names = HEALTH_HISTORY_COLUMNS.map(([name]) => dialect.quoteIdent(name)).join(', ');
  return `SELECT ${names} FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY ${product} ORDER BY ${at} DESC) AS newest FROM (${filtered}) AS h) AS ranked WHERE newest <= ${Math.max(1, Math.floor(query.perProduct))} ORDER BY ${product}, ${at}`;
}

const numberOf = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const isoOf = (v: unknown): string | null =>
  v === null || v === undefined
    ? null
    : v instanceof Date
      ? v.toISOString()
      : new Date(String(v)).toISOString();

/** A snapshot from a row of the history table, as either adapter returns it. */
export function snapshotOfRow(row: SqlRow): HealthSnapshot {
  return {
    at: isoOf(row.at)!,
    runId: String(row.run_id),
    kind: row.kind === 'test' ? 'test' : 'build',
    product: String(row.product),
    domain: String(row.domain),
    version: String(row.version),
    status: row.status as HealthStatus,
    rowCount: Number(row.row_count),
    bytes: Number(row.bytes),
    freshnessAgeSeconds: numberOf(row.freshness_age_seconds),
    qualityScore: numberOf(row.quality_score),
    completeness: numberOf(row.completeness),
    validity: numberOf(row.validity),
    durationMs: numberOf(row.duration_ms),
    bytesProcessed: numberOf(row.bytes_processed),
    lastUpdated: isoOf(row.last_updated),
    anomalies: row.anomalies ? String(row.anomalies).split(',') : [],
  };
}
