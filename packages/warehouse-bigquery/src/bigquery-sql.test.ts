import {
  type HealthSnapshot,
  healthHistoryInsertSql,
  healthHistorySelectSql,
  renderSql,
  sql,
} from '@retail-mesh/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { bigqueryDialect } from './bigquery-dialect.js';
import { PLATFORM_TABLES, tableStatement } from './bigquery-sources.js';
import { runLogStatements } from './bigquery-warehouse.js';
import { closeZetaSqlServer, createAnalyzer } from './testing/zetasql-analyzer.js';

afterAll(() => closeZetaSqlServer());

const PROJECT = 'retail-mesh-prod';
const dialect = bigqueryDialect({ projectId: PROJECT });
const events = {
  path: [PROJECT, 'shop', 'events'] as [string, string, string],
  columns: [
    { name: 'at', type: 'TIMESTAMP' as const },
    { name: 'day', type: 'DATE' as const },
    { name: 'amount', type: 'NUMERIC' as const },
    { name: 'units', type: 'INT64' as const },
    { name: 'note', type: 'STRING' as const },
  ],
};
const table = { schema: 'shop', name: 'events' };

describe('GoogleSQL the adapter writes, through ZetaSQL', () => {
  it('renders every portable helper as valid GoogleSQL with the right result types', async () => {
    const analyzer = await createAnalyzer([events]);
    const t = (c: string) => sql.id('e', c);
    const query = sql`SELECT
      ${sql.safeDivide(t('amount'), t('units'))} AS ratio,
      ${sql.decimalDivide(t('units'), t('units'))} AS exact_ratio,
      ${sql.dateTrunc('week', t('at'))} AS week_of_timestamp,
      ${sql.dateTrunc('month', t('day'))} AS month_of_date,
      ${sql.timestampTrunc('hour', t('at'))} AS hour,
      ${sql.dateAdd('quarter', t('day'), 2)} AS later,
      ${sql.dateDiff('day', sql.currentDate(), t('day'))} AS age_days,
      ${sql.toDate(t('at'))} AS day_of,
      ${sql.cast(t('units'), 'decimal')} AS units_numeric,
      ${sql.conform(t('amount'), 'integer', 'amount')} AS whole_amount,
      ${sql.conform(t('note'), 'integer', 'note')} AS whole_note,
      ${sql.conform(t('units'), 'integer', 'units')} AS whole_units,
      ${sql.conform(t('day'), 'date', 'day')} AS same_day,
      ${sql.regexpMatches(t('note'), "^it's\\d+$")} AS matches,
      ${sql.trim(t('note'))} AS trimmed,
      ${sql.regexpReplace(t('note'), '[\\x{200B}\\s]', '')} AS replaced,
      ${sql.upper(t('note'))} AS upper_note,
      ${sql.lower(t('note'))} AS lower_note,
      ${sql.currentTimestamp()} AS now,
      ${new Date('2024-01-01T00:00:00Z')} AS literal_ts
    FROM ${sql.raw(dialect.tableName(table))} AS e`;
    const stamps = sql`SELECT ${sql.stampSum(t('at'))} AS stamp_sum FROM ${sql.raw(dialect.tableName(table))} AS e`;
    expect(await analyzer.analyze(renderSql(stamps, dialect))).toEqual({
      ok: true,
      outputColumns: [{ name: 'stamp_sum', type: 'STRING' }],
    });
    const packed = sql`SELECT ${sql.rowsJson('u')} AS packed FROM (SELECT e.day, e.units FROM ${sql.raw(dialect.tableName(table))} AS e) AS u`;
    expect(await analyzer.analyze(renderSql(packed, dialect))).toEqual({
      ok: true,
      outputColumns: [{ name: 'packed', type: 'STRING' }],
    });
    const result = await analyzer.analyze(renderSql(query, dialect));
    expect(result).toEqual({
      ok: true,
      outputColumns: [
        { name: 'ratio', type: 'NUMERIC' },
        { name: 'exact_ratio', type: 'NUMERIC' },
        { name: 'week_of_timestamp', type: 'DATE' },
        { name: 'month_of_date', type: 'DATE' },
        { name: 'hour', type: 'TIMESTAMP' },
        { name: 'later', type: 'DATE' },
        { name: 'age_days', type: 'INT64' },
        { name: 'day_of', type: 'DATE' },
        { name: 'units_numeric', type: 'NUMERIC' },
        { name: 'whole_amount', type: 'INT64' },
        { name: 'whole_note', type: 'INT64' },
        { name: 'whole_units', type: 'INT64' },
        { name: 'same_day', type: 'DATE' },
        { name: 'matches', type: 'BOOL' },
        { name: 'trimmed', type: 'STRING' },
        { name: 'replaced', type: 'STRING' },
        { name: 'upper_note', type: 'STRING' },
        { name: 'lower_note', type: 'STRING' },
        { name: 'now', type: 'TIMESTAMP' },
        { name: 'literal_ts', type: 'TIMESTAMP' },
      ],
    });
    await analyzer.close();
  });

  it('writes a run log that analyzes: create, insert with parameters, latest and since', async () => {
    const runLog = runLogStatements(dialect);
    const analyzer = await createAnalyzer([]);
    const [create, insert, latest, latestAt, since] = await analyzer.analyzeAll([
      runLog.create,
      runLog.insert,
      runLog.latest(),
      runLog.latest(new Date('2026-01-01T00:00:00Z')),
      runLog.since(new Date('2026-01-01T00:00:00Z')),
    ]);
    expect([create, insert, latest?.ok, latestAt?.ok, since?.ok]).toEqual([
      { ok: true },
      { ok: true },
      true,
      true,
      true,
    ]);
    // The run whose rows the table holds, as latestRunOf reads it.
    const columns = latest?.ok ? (latest.outputColumns ?? []) : [];
    expect(columns.filter((c) => c.name.startsWith('last_published'))).toEqual([
      { name: 'last_published_at', type: 'TIMESTAMP' },
      { name: 'last_published_started_at', type: 'TIMESTAMP' },
      { name: 'last_published_run_id', type: 'STRING' },
      { name: 'last_published_run_started_at', type: 'TIMESTAMP' },
      { name: 'last_published_version', type: 'STRING' },
      { name: 'last_published_definition', type: 'STRING' },
      { name: 'last_published_source_batches', type: 'STRING' },
      { name: 'last_published_input_products', type: 'STRING' },
      { name: 'last_published_row_count', type: 'INT64' },
    ]);
    expect(columns.some((c) => c.name === 'published' || c.name === 'newest')).toBe(false);
    await analyzer.close();
  });

  it('writes a health history that analyzes: create, one insert of every snapshot, and the per-product select', async () => {
    const snapshot: HealthSnapshot = {
      at: '2026-11-30T10:00:00.000Z',
      runId: 'r1',
      kind: 'build',
      product: 'order.order_items',
      domain: 'order',
      version: '1.0.0',
      status: 'healthy',
      rowCount: 1200,
      bytes: 40960,
      freshnessAgeSeconds: 3,
      qualityScore: 1,
      completeness: 0.99,
      validity: 1,
      durationMs: 812.5,
      bytesProcessed: 1_000_000,
      lastUpdated: '2026-11-30T09:59:57.000Z',
      anomalies: ['row_count'],
    };
    const never: HealthSnapshot = {
      ...snapshot,
      product: "order.o'brien",
      status: 'error',
      freshnessAgeSeconds: null,
      qualityScore: null,
      completeness: null,
      validity: null,
      durationMs: null,
      bytesProcessed: null,
      lastUpdated: null,
    };
    const analyzer = await createAnalyzer([]);
    const results = await analyzer.analyzeAll([
      tableStatement(dialect, PLATFORM_TABLES.healthHistory),
      healthHistoryInsertSql(dialect, [snapshot, never]),
      healthHistorySelectSql(dialect, {}),
      healthHistorySelectSql(dialect, {
        products: ['order.order_items'],
        since: new Date('2026-11-01T00:00:00Z'),
        perProduct: 15,
      }),
    ]);
    expect(results.map((r) => (r?.ok ? true : r))).toEqual([true, true, true, true]);
    await analyzer.close();
  });

  it('rejects what only DuckDB accepts, so a transform that is not portable fails in tests', async () => {
    const analyzer = await createAnalyzer([events]);
    const duckdbOnly = await analyzer.analyze(
      `SELECT e.at::DATE FROM \`${PROJECT}\`.\`shop\`.\`events\` AS e`,
    );
    expect(duckdbOnly.ok).toBe(false);
    const wrongType = await analyzer.analyze(
      `SELECT SAFE_DIVIDE(e.note, 2) FROM \`${PROJECT}\`.\`shop\`.\`events\` AS e`,
    );
    expect(wrongType).toMatchObject({ ok: false, message: expect.stringContaining('SAFE_DIVIDE') });
    await analyzer.close();
  });
});
