import type { Dialect, TableLayout, TableRef } from '@retail-mesh/sdk';

/** A BigQuery label value: lower-case letters, digits, `_` and `-`, at most 63 characters. */
export function labelValue(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .slice(0, 63);
}

function options(entries: Array<[string, string | undefined]>): string {
  const set = entries.filter((e): e is [string, string] => e[1] !== undefined);
  return set.length ? ` OPTIONS(${set.map(([k, v]) => `${k}=${v}`).join(', ')})` : '';
}

/** The PARTITION BY expression of a layout: DAY (or MONTH/YEAR) partitions on a date or timestamp column. */
export function partitionExpression(dialect: Dialect, layout: TableLayout): string | undefined {
  const spec = layout.partitionBy;
  if (!spec) return undefined;
  const column = layout.columns.find((c) => c.name === spec.column);
  const id = dialect.quoteIdent(spec.column);
  const unit = spec.granularity.toUpperCase();
  if (column?.type === 'date') return spec.granularity === 'day' ? id : `DATE_TRUNC(${id}, ${unit})`;
  return `TIMESTAMP_TRUNC(${id}, ${unit})`;
}

/**
 * CREATE [OR REPLACE] TABLE with typed, described columns, partitioning, clustering,
 * description and labels; `AS SELECT` when `select` is given. Columns named in `required` are
 * NOT NULL (the platform's own columns: a product's NOT NULL is a check the build runs).
 */
export function createTableStatement(
  dialect: Dialect,
  ref: TableRef,
  layout: TableLayout,
  spec: { select?: string; ifNotExists?: boolean; required?: readonly string[] },
): string {
  const columns = layout.columns
    .map((c) => {
      const notNull = spec.required?.includes(c.name) ? ' NOT NULL' : '';
      const description = c.description === undefined ? undefined : dialect.literal(c.description);
      return `  ${dialect.quoteIdent(c.name)} ${dialect.columnType(c.type)}${notNull}${options([['description', description]])}`;
    })
    .join(',\n');
  const partition = partitionExpression(dialect, layout);
  const labels = Object.entries(layout.labels ?? {});
  const lines = [
    `CREATE ${spec.ifNotExists ? 'TABLE IF NOT EXISTS' : 'OR REPLACE TABLE'} ${dialect.tableName(ref)} (\n${columns}\n)`,
  ];
  if (partition) lines.push(`PARTITION BY ${partition}`);
  if (layout.clusterBy?.length)
    lines.push(`CLUSTER BY ${layout.clusterBy.map((c) => dialect.quoteIdent(c)).join(', ')}`);
  const tableOptions = options([
    ['description', layout.description === undefined ? undefined : dialect.literal(layout.description)],
    ['expiration_timestamp', layout.expiresAt ? dialect.literal(layout.expiresAt) : undefined],
    [
      'labels',
      labels.length
        ? `[${labels.map(([k, v]) => `(${dialect.literal(labelValue(k))}, ${dialect.literal(labelValue(v))})`).join(', ')}]`
        : undefined,
    ],
  ]).trim();
  if (tableOptions) lines.push(tableOptions);
  if (spec.select) lines.push(`AS ${spec.select}`);
  return lines.join('\n');
}
