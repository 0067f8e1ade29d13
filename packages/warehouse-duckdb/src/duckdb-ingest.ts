import type { ColumnSpec, Source } from '@retail-mesh/sdk';
import { duckdbDialect } from './duckdb-dialect.js';

const q = (name: string) => duckdbDialect.quoteIdent(name);
const lit = (value: string) => duckdbDialect.literal(value);

/** DuckDB's reader of a file: every CSV value as text, so that validation sees what the file says. */
export function readFileSql(file: string, format: 'csv' | 'parquet'): string {
  return format === 'parquet'
    ? `read_parquet(${lit(file)})`
    : `read_csv(${lit(file)}, header = true, all_varchar = true, auto_detect = true)`;
}

export function formatOf(file: string, format?: 'csv' | 'parquet'): 'csv' | 'parquet' {
  return format ?? (/\.parquet$/i.test(file) ? 'parquet' : 'csv');
}

/**
 * Source column -> file column. An explicit mapping wins; otherwise the same name, ignoring
 * case. Returns the problems instead of throwing, so all of them are reported at once.
 */
export function mapColumns(
  source: Source,
  fileColumns: readonly string[],
  map: Readonly<Record<string, string>> = {},
): { mapping: Map<string, string | undefined>; problems: string[] } {
  const problems: string[] = [];
  const names = new Set(source.columns.map((c) => c.name));
  for (const [target, from] of Object.entries(map)) {
    if (!names.has(target)) problems.push(`--map ${target}=${from}: ${source.id} has no column ${target}`);
    else if (!fileColumns.includes(from))
      problems.push(`--map ${target}=${from}: the file has no column ${from}`);
  }
  const mapping = new Map<string, string | undefined>();
  for (const c of source.columns) {
    const from =
      map[c.name] ??
      fileColumns.find((f) => f === c.name) ??
      fileColumns.find((f) => f.toLowerCase() === c.name.toLowerCase());
    if (!from && !c.nullable)
      problems.push(
        `column ${c.name} (required) is not in the file: map it with --map ${c.name}=<file column>`,
      );
    mapping.set(c.name, from);
  }
  return { mapping, problems };
}

/** The typed value of a raw file value for a column; NULL when it does not convert. */
function typed(column: ColumnSpec, raw: string): string {
  switch (column.type) {
    case 'string':
      return `CAST(${raw} AS VARCHAR)`;
    case 'timestamp':
      // An offset or a Z is honoured; a zone-less time is UTC (the session zone).
      return `CAST(TRY_CAST(${raw} AS TIMESTAMPTZ) AS TIMESTAMP)`;
    default:
      return `TRY_CAST(${raw} AS ${duckdbDialect.columnType(column.type)})`;
  }
}

/**
 * SELECT over the loaded file: each source column typed, the file's line, and the reason a
 * row is rejected (NULL when it is valid): a required value missing, a value that is not of
 * the column's type, a value outside the column's enumeration.
 */
export function validationSql(
  source: Source,
  loaded: string,
  mapping: ReadonlyMap<string, string | undefined>,
  firstLine: number,
): string {
  const columns: string[] = [];
  const reasons: string[] = [];
  for (const c of source.columns) {
    const from = mapping.get(c.name);
    const raw = from ? `t.${q(from)}` : 'NULL';
    const value = typed(c, raw);
    columns.push(`${value} AS ${q(c.name)}`);
    const label = lit(`${c.name}${from && from !== c.name ? ` (file column ${from})` : ''}`);
    if (!c.nullable) reasons.push(`CASE WHEN ${raw} IS NULL THEN ${label} || ': missing' END`);
    if (c.type === 'integer') {
      // A cast to BIGINT rounds 2.5 to 3: a fraction is not an integer, it is a reject.
      reasons.push(
        `CASE WHEN ${raw} IS NOT NULL AND ${value} IS NOT NULL AND TRY_CAST(${raw} AS DECIMAL(38,9)) <> ${value} THEN ${label} || ': ' || to_json(CAST(${raw} AS VARCHAR)) || ' is not a valid integer' END`,
      );
    }
    if (c.type !== 'string') {
      reasons.push(
        `CASE WHEN ${raw} IS NOT NULL AND ${value} IS NULL THEN ${label} || ': ' || to_json(CAST(${raw} AS VARCHAR)) || ' is not a valid ${c.type}' END`,
      );
    }
    if (c.values?.length) {
      reasons.push(
        `CASE WHEN ${raw} IS NOT NULL AND CAST(${raw} AS VARCHAR) NOT IN (${c.values.map(lit).join(', ')}) THEN ${label} || ': ' || to_json(CAST(${raw} AS VARCHAR)) || ' is not one of ${c.values.join(', ').replaceAll("'", "''")}' END`,
      );
    }
  }
  const reason = reasons.length ? `NULLIF(concat_ws('; ', ${reasons.join(', ')}), '')` : 'NULL';
  return `SELECT t.rowid + ${firstLine} AS __line, ${reason} AS __reason, to_json(t) AS __record, ${columns.join(', ')} FROM ${loaded} AS t`;
}
