import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { Dataset } from '@google-cloud/bigquery';
import {
  AHEAD_OF_LOAD_MINUTES,
  aheadOfLoadFlag,
  aheadOfLoadSelect,
  alreadyIngested,
  type BatchRecord,
  type Bound,
  BuildError,
  batchAuthor,
  batchFlag,
  batchOfFile,
  batchRecordOf,
  blankEnumValues,
  type ColumnOrigin,
  type ColumnSpec,
  type CsvScan,
  canonicalMapping,
  changeBackFlag,
  columnBounds,
  conflictingEventsFlag,
  conflictingEventsSelect,
  type DeletionMarkerKind,
  type Dialect,
  deletedRowReason,
  deletionMarkers,
  droppedKeysFlagOf,
  erasingBatch,
  fitFile,
  hasConflictingCopies,
  headerInOtherOrder,
  heldRowsFlags,
  INGEST_BEFORE_EARLIEST_DAY,
  INGEST_DATE_ONLY_CURSOR,
  INGEST_DATE_REFUSALS,
  INGEST_DECIMAL_COMMA_FILE_REFUSALS,
  INGEST_DECIMAL_COMMA_NUMBER,
  INGEST_DECIMAL_OUT_OF_RANGE,
  INGEST_EARLIEST_DAY,
  INGEST_EXCEL_GUARD,
  INGEST_FLOAT_WRITTEN_ID,
  INGEST_FUTURE_CURSOR,
  INGEST_FUTURE_EVENT,
  INGEST_INEXACT_FLOAT,
  INGEST_INTEGER_REFUSALS,
  INGEST_INVISIBLE_IN_KEY,
  INGEST_MIDNIGHT_DATE,
  INGEST_MOJIBAKE,
  INGEST_NONFINITE_TEXT,
  INGEST_NULL_MARK,
  INGEST_NUMBER_REFUSALS,
  INGEST_PLACEHOLDER_DAY,
  INGEST_SCIENTIFIC_TEXT,
  INGEST_SEMICOLON_NUMBER_REFUSALS,
  INGEST_SPREADSHEET_ERROR,
  INGEST_TEXT_PATTERNS,
  INGEST_TIMESTAMP_REFUSALS,
  INGEST_ZONED_TIME,
  type IngestMapping,
  type IngestOptions,
  type IngestResult,
  isIdentifierColumn,
  lastLineTakenFlag,
  lastLineTakenSelect,
  mapsToNothing,
  markedDeletedSql,
  midnightCursorSelect,
  NOTHING_NEW_FLAG,
  percentAsFractionFlag,
  percentAsFractionSelect,
  placeholderDays,
  reloadsOf,
  repeatedEventsSelect,
  repeatsInFileSelect,
  rowWord,
  type Source,
  SPREADSHEET_ERRORS,
  type SqlFragment,
  type SqlRow,
  sameRowsFlag,
  scanCsv,
  snapshotRejectsError,
  sql,
  type TableRef,
  TEXT_PADDING,
  thousandsDotFlag,
  thousandsDotSelect,
  unmatchedColumns,
  volumeFlag,
  WarehouseError,
  writeWithout,
} from '@retail-mesh/sdk';
import { batchLogStatements } from './bigquery-sources.js';

/** A file as a load job staged it: every value as the file has it, one row per record. */
export interface StagedFile {
  readonly table: TableRef;
  readonly format: 'csv' | 'parquet';
  /** The file's column names, in order (a CSV's header). */
  readonly columns: readonly string[];
  /**
   * Parquet columns holding many values or named parts (a list, a struct), with their type
   * (`ARRAY<STRING>`): refused where a source column holds one value, never cast (a cast of
   * either to STRING fails the whole query).
   */
  readonly nested?: ReadonlyMap<string, string>;
  /** Parquet floating-point columns (FLOAT64): past 2^53 no text column's value (as on DuckDB). */
  readonly floating?: ReadonlySet<string>;
  /** A CSV file's delimiter: `;` says its numbers may be written with a decimal comma. */
  readonly delimiter?: string;
}

/** How long a staging table outlives a crashed ingest. */
const STAGING_HOURS = 6;
/** Rejects listed in an ingest's result; all of them are in the rejects table. */
const SAMPLE_REJECTS = 5;

/**
 * The columns of a staged CSV: its physical line, the scan's reason for refusing the record (and
 * the record, as JSON text) or NULL, then the file's columns by position. Positions, not the
 * header's names: a header may say `Order No.` or `Qty (units)`, which are no BigQuery column names.
 */
export function csvStagingColumns(
  fileColumns: readonly string[],
): Array<{ name: string; type: string; mode?: string }> {
  return [
    { name: '__line', type: 'INTEGER', mode: 'REQUIRED' },
    { name: '__reason', type: 'STRING' },
    { name: '__record', type: 'STRING' },
    ...fileColumns.map((_, i) => ({ name: `c${i + 1}`, type: 'STRING' })),
  ];
}

/** The load job of a staged file: the table was created empty (with its expiry) just before. */
export function loadMetadata(format: 'csv' | 'parquet', scan?: CsvScan) {
  if (format === 'parquet')
    return { sourceFormat: 'PARQUET', writeDisposition: 'WRITE_TRUNCATE', createDisposition: 'CREATE_NEVER' };
  return {
    sourceFormat: 'CSV',
    schema: { fields: csvStagingColumns(scan?.header ?? []) },
    skipLeadingRows: 1,
    fieldDelimiter: scan?.delimiter ?? ',',
    quote: '"',
    allowQuotedNewlines: true,
    // Refused records carry only line, reason and record: their file columns load as NULL.
    allowJaggedRows: true,
    encoding: 'UTF-8',
    writeDisposition: 'WRITE_TRUNCATE',
    createDisposition: 'CREATE_NEVER',
  };
}

/** What text a number, date or time may be; the same on every warehouse. */
const STRICT = INGEST_TEXT_PATTERNS;

/**
 * The dates and times a warehouse holds (years 1 to 9999), in words. BigQuery's DATE and
 * TIMESTAMP end there, so text past either end does not cast; DuckDB's go further and its
 * adapter rejects the value as outside. The same text gets the same reason here: a date or time
 * in year 0, or in year 1 or 9999 with an offset that carries it past the end in UTC, is one
 * that casts in another year of the same calendar (2000 is a leap year as year 0 is, 2001 and
 * 1999 are not, as 1 and 9999 are not).
 */
const RANGES: Partial<Record<ColumnSpec['type'], string>> = {
  date: '0001-01-01 to 9999-12-31',
  timestamp: '0001-01-01 00:00:00 to 9999-12-31 23:59:59.999999 UTC',
};

/** Whether a column's text (not NULL, not castable) is a date or time outside {@link RANGES}. */
function outsideRange(c: ColumnSpec, text: string, dialect: Dialect): string {
  const pattern = dialect.literal(`^(?:${STRICT[c.type]})$`);
  const year = `CASE SUBSTR(TRIM(${text}), 1, 4) WHEN '0000' THEN '2000' WHEN '0001' THEN '2001' WHEN '9999' THEN '1999' END`;
  return `REGEXP_CONTAINS(${text}, ${pattern}) AND SAFE_CAST(CONCAT(${year}, SUBSTR(TRIM(${text}), 5)) AS ${dialect.columnType(c.type)}) IS NOT NULL`;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A numeric column's range as SQL over `value` (true when inside; empty when nothing is to
 * check) and as words. An INT64 holds nothing past its own ends, so an end of the schema
 * there (`z.int64()`, `z.uint64()`) needs no check, and its literal would be no INT64.
 */
function boundsCheck(
  c: ColumnSpec,
  value: string,
  min: Bound | undefined,
  max: Bound | undefined,
  dialect: Dialect,
): [string, string] {
  const sql: string[] = [];
  const words: string[] = [];
  if (min) {
    if (c.type !== 'integer' || min.value > INT64_MIN)
      sql.push(`${value} ${min.inclusive ? '>=' : '>'} ${dialect.literal(min.value)}`);
    words.push(`${min.inclusive ? 'at least' : 'above'} ${min.value}`);
  }
  if (max) {
    if (c.type !== 'integer' || max.value < INT64_MAX)
      sql.push(`${value} ${max.inclusive ? '<=' : '<'} ${dialect.literal(max.value)}`);
    words.push(`${max.inclusive ? 'at most' : 'below'} ${max.value}`);
  }
  return [sql.join(' AND '), words.join(' and ')];
}

/**
 * An enumeration's text as the contract spells it: a value spelled as the contract spells it
 * stays itself, even beside one that differs only in case (`a` and `A`); another spelling
 * matches ignoring case and surrounding spaces, the contract's as well (` pad ` and `PAD`).
 * Text that matches nothing stays as it is, for the reject's reason.
 */
function enumerated(values: readonly string[], text: string, dialect: Dialect): string {
  const lit = dialect.literal;
  // Spaces only, as DuckDB's trim(): a tab is part of the value on both warehouses.
  const folded = (v: string) => v.replace(/^ +| +$/g, '').toLowerCase();
  return `CASE WHEN ${text} IN (${values.map(lit).join(', ')}) THEN ${text} ELSE CASE LOWER(TRIM(${text}, ${dialect.literal(TEXT_PADDING)})) ${values.map((v) => `WHEN ${lit(folded(v))} THEN ${lit(v)}`).join(' ')} ELSE ${text} END END`;
}

/** A time to the minute (zoned or not): groups 1 (up to the minutes) and 2 (the rest). */
const CLOCK_WITHOUT_SECONDS = '^(\\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[T ][0-9]{1,2}:[0-9]{2})([^:0-9].*|)$';
/** Seconds with more than six digits after the point: group 1 keeps six. */
const PAST_MICROSECONDS = '(:[0-9]{2}\\.[0-9]{6})[0-9]+';
/** Seconds followed by a point and no digit: groups 1 (the seconds) and 2 (what follows). */
const DOT_WITHOUT_DIGITS = '(:[0-9]{2})\\.([^0-9].*|)$';

/** The typed value of a column from its text; NULL when the text is not of the column's type. */
function typed(c: ColumnSpec, text: string, dialect: Dialect): string {
  const pattern = STRICT[c.type];
  const trimmed = pattern
    ? `IF(REGEXP_CONTAINS(${text}, ${dialect.literal(`^(?:${pattern})$`)}), TRIM(${text}), NULL)`
    : `TRIM(${text})`;
  switch (c.type) {
    case 'string':
      // In Unicode's composed form (NFC), as DuckDB loads it (see its adapter's `typed`).
      return `NORMALIZE(${text}, NFC)`;
    case 'integer':
      // Through NUMERIC, so 1e3 and 2.0 are integers; 2.5 becomes 3 here and a reject below.
      return `SAFE_CAST(SAFE_CAST(${trimmed} AS NUMERIC) AS INT64)`;
    case 'boolean':
      return `CASE WHEN LOWER(${trimmed}) IN ('true', 't', 'yes', 'y', '1') THEN TRUE WHEN LOWER(${trimmed}) IN ('false', 'f', 'no', 'n', '0') THEN FALSE END`;
    case 'date': {
      // As on DuckDB, a midnight timestamp is its date.
      const midnight = dialect.literal(`^(?:${INGEST_MIDNIGHT_DATE})$`);
      return `COALESCE(SAFE_CAST(${trimmed} AS DATE), SAFE_CAST(REGEXP_EXTRACT(${text}, ${midnight}) AS DATE))`;
    }
    default:
      // TIMESTAMP: an offset or a Z is honoured; a zone-less time is UTC (BigQuery's default zone).
      // BigQuery's cast wants seconds, no dot without digits after it and at most six digits,
      // where DuckDB's reads 10:00, 10:00:05. and 10:00:05.1234567 (cut to the microsecond).
      if (c.type === 'timestamp') {
        const seconds = `REGEXP_REPLACE(${trimmed}, ${dialect.literal(CLOCK_WITHOUT_SECONDS)}, '\\\\1:00\\\\2')`;
        const cut = `REGEXP_REPLACE(${seconds}, ${dialect.literal(PAST_MICROSECONDS)}, '\\\\1')`;
        return `SAFE_CAST(REGEXP_REPLACE(${cut}, ${dialect.literal(DOT_WITHOUT_DIGITS)}, '\\\\1\\\\2') AS TIMESTAMP)`;
      }
      return `SAFE_CAST(${trimmed} AS ${dialect.columnType(c.type)})`;
  }
}

/**
 * The validation of a staged file, as one script: `checked` gets every row with its line, the
 * reason it is rejected (NULL when valid), the record as JSON text and each source column typed;
 * then one SELECT counts rows and rejects and lists the first rejects. The reasons read as
 * DuckDB's: `quantity (file column Qty): "2.5" is not a valid integer`.
 */
export function validationStatements(
  source: Source,
  staged: StagedFile,
  checked: TableRef,
  mapping: IngestMapping,
  origins: ReadonlyMap<string, ColumnOrigin>,
  dialect: Dialect,
  /** File columns that mark rows deleted (see `deletionMarkers`). */
  markers: ReadonlyArray<{ column: string; kind: DeletionMarkerKind }> = [],
): string[] {
  const q = dialect.quoteIdent;
  const lit = dialect.literal;
  const csv = staged.format === 'csv';
  const nested = staged.nested ?? new Map<string, string>();
  const fileColumn = (name: string) =>
    csv
      ? `${q('t')}.${q(`c${staged.columns.indexOf(name) + 1}`)}`
      : nested.has(name)
        ? 'CAST(NULL AS STRING)'
        : `SAFE_CAST(${q('t')}.${q(name)} AS STRING)`;
  const text = (c: ColumnSpec) => q(`__text_${c.name}`);
  // Step 1: each column's text, after constants, value maps and the spelling of an enumeration;
  // an empty value is no value, as DuckDB's reader reads it.
  const texts = source.columns.map((c) => {
    const origin = origins.get(c.name) ?? { kind: 'absent' };
    // Text without the spaces and no-break spaces around it (TEXT_PADDING), as on DuckDB:
    // fixed-width exports pad values, and a padded key would load as another entity. An
    // enumeration keeps its text, matched ignoring that padding (`enumerated`).
    const unpad = c.type === 'string' && !c.values?.length;
    // Spaces only are no value, unless the enumeration holds that very text (as on DuckDB).
    const keptBlank = (column: ColumnSpec, value: string) => {
      const blank = blankEnumValues(column);
      return blank.length ? ` AND ${value} NOT IN (${blank.map(lit).join(', ')})` : '';
    };
    // The word NULL, in any case, and `\N` (INGEST_NULL_MARK) are no value in every column, as
    // on DuckDB.
    const notNullWord = (column: string, value: string) =>
      `IF(LOWER(TRIM(${fileColumn(column)}, ${dialect.literal(TEXT_PADDING)})) = 'null' OR TRIM(${fileColumn(column)}, ${dialect.literal(TEXT_PADDING)}) = ${dialect.literal(INGEST_NULL_MARK)}, NULL, ${value})`;
    const raw =
      origin.kind === 'constant'
        ? origin.value === ''
          ? 'CAST(NULL AS STRING)'
          : lit(origin.value)
        : origin.kind === 'absent'
          ? 'CAST(NULL AS STRING)'
          : notNullWord(
              origin.column,
              unpad
                ? `NULLIF(TRIM(${fileColumn(origin.column)}, ${dialect.literal(TEXT_PADDING)}), '')`
                : `IF(TRIM(${fileColumn(origin.column)}, ${dialect.literal(TEXT_PADDING)}) = ''${keptBlank(c, fileColumn(origin.column))}, NULL, ${fileColumn(origin.column)})`,
            );
    const map = Object.entries(mapping.values[c.name] ?? {});
    // Value maps see unpadded text in every column, as on DuckDB: a typed or enumerated
    // column's text is unpadded for them only (its reasons show the text as written).
    const mapped =
      map.length && !unpad && origin.kind === 'file'
        ? `NULLIF(TRIM(${raw}, ${dialect.literal(TEXT_PADDING)}), '')`
        : raw;
    const value = map.length
      ? `CASE ${mapped} ${map.map(([a, b]) => `WHEN ${lit(a)} THEN ${mapsToNothing(b) ? 'CAST(NULL AS STRING)' : lit(b)}`).join(' ')} ELSE ${mapped} END`
      : raw;
    return `${c.values?.length ? enumerated(c.values, value, dialect) : value} AS ${text(c)}`;
  });
  // Parquet text stored as plain BINARY loads as BYTES, which SAFE_CAST decodes as UTF-8: bytes
  // that are not UTF-8 come out NULL, and are said so rather than read as a missing value.
  const notUtf8 = (c: ColumnSpec) => q(`__not_utf8_${c.name}`);
  const fromFile = (c: ColumnSpec) => {
    const origin = origins.get(c.name);
    return origin?.kind === 'file' ? origin.column : undefined;
  };
  const binaryChecked = source.columns.filter((c) => {
    const from = fromFile(c);
    return !csv && from !== undefined && !nested.has(from);
  });
  for (const c of binaryChecked) {
    const column = `${q('t')}.${q(fromFile(c)!)}`;
    texts.push(`(${column} IS NOT NULL AND SAFE_CAST(${column} AS STRING) IS NULL) AS ${notUtf8(c)}`);
  }
  // A float past 2^53 in a text column has lost its last digits: said, as on DuckDB.
  const inexact = (c: ColumnSpec) => q(`__inexact_${c.name}`);
  const floatChecked = source.columns.filter(
    (c) => !csv && c.type === 'string' && staged.floating?.has(fromFile(c) ?? ''),
  );
  for (const c of floatChecked) {
    const column = `${q('t')}.${q(fromFile(c)!)}`;
    texts.push(
      `COALESCE(NOT IS_INF(${column}) AND NOT IS_NAN(${column}) AND ABS(${column}) >= 9007199254740992, FALSE) AS ${inexact(c)}`,
      // As on DuckDB: NaN and infinity are no text of anything.
      `COALESCE(IS_INF(${column}) OR IS_NAN(${column}), FALSE) AS ${q(`__nonfinite_${c.name}`)}`,
    );
  }
  // A list or struct in the file where the column holds one value: said, as on DuckDB.
  const isNested = (c: ColumnSpec) => q(`__nested_${c.name}`);
  const nestedChecked = source.columns.filter((c) => !csv && nested.has(fromFile(c) ?? ''));
  for (const c of nestedChecked) {
    const type = nested.get(fromFile(c)!)!;
    const column = `${q('t')}.${q(fromFile(c)!)}`;
    texts.push(
      `${type.startsWith('ARRAY') ? `ARRAY_LENGTH(${column}) > 0` : `${column} IS NOT NULL`} AS ${isNested(c)}`,
    );
  }
  // As on DuckDB: whether the CSV is written with decimal commas (delimited by semicolons, or a
  // number of it written with one, `12,50` or `1.234,56`), so that its `1.500` is refused.
  const numberColumns = [
    ...new Set(
      source.columns.flatMap((c) => {
        const from = fromFile(c);
        return (c.type === 'decimal' || c.type === 'number') && from !== undefined ? [from] : [];
      }),
    ),
  ];
  const decimalComma = INGEST_DECIMAL_COMMA_NUMBER;
  const commaFile =
    !csv || !numberColumns.length
      ? undefined
      : staged.delimiter === ';'
        ? 'TRUE'
        : `(SELECT COALESCE(LOGICAL_OR(${numberColumns.map((f) => `REGEXP_CONTAINS(${fileColumn(f)}, ${lit(`^(?:${decimalComma})$`)})`).join(' OR ')}), FALSE) FROM ${dialect.tableName(staged.table)} AS ${q('t')})`;
  if (commaFile) texts.push(`${commaFile} AS ${q('__comma_file')}`);
  // Rows the exporting system deleted, as on DuckDB: a snapshot leaves them out, a source that
  // keeps rows rejects them (it cannot remove one).
  const deleted = markers.length ? markedDeletedSql(markers, fileColumn, dialect) : undefined;
  if (deleted) texts.push(`${deleted} AS ${q('__deleted')}`);
  // CSV: lines travel with the rows (a load job keeps no order). Parquet has rows, not lines: they
  // are numbered by ROW_NUMBER() OVER (), in an order BigQuery does not promise to be the file's.
  const line = csv ? `${q('t')}.${q('__line')}` : 'ROW_NUMBER() OVER ()';
  const record = csv
    ? `COALESCE(${q('t')}.${q('__record')}, TO_JSON_STRING(STRUCT(${staged.columns.map((name, i) => `${q('t')}.${q(`c${i + 1}`)} AS ${q(name)}`).join(', ')})))`
    : `TO_JSON_STRING(${q('t')})`;
  const refused = csv ? `${q('t')}.${q('__reason')}` : 'CAST(NULL AS STRING)';
  // Step 2: typed values; step 3: the reasons, from texts and values.
  const values = source.columns.map((c) => `${typed(c, text(c), dialect)} AS ${q(c.name)}`);
  const reasons = source.columns.flatMap((c) => {
    const origin = origins.get(c.name);
    const from = origin?.kind === 'file' ? origin.column : undefined;
    const label = `${c.name}${from !== undefined && from !== c.name ? ` (file column ${from})` : ''}`;
    const shown = (what: string) => `CONCAT(${lit(`${label}: `)}, TO_JSON_STRING(${text(c)}), ${lit(what)})`;
    // Why text that is no number of the column was refused, where its form tells (as on DuckDB).
    const numberReason = (why: ReadonlyArray<readonly [string, string]>, otherwise: string) =>
      `CASE ${why.map(([pattern, words]) => `WHEN REGEXP_CONTAINS(${text(c)}, ${lit(`^(?:${pattern})$`)}) THEN ${shown(words)}`).join(' ')} ELSE ${shown(otherwise)} END`;
    const out: string[] = [];
    const value = q(c.name);
    const utf8 = binaryChecked.includes(c);
    if (utf8) out.push(`IF(${notUtf8(c)}, ${lit(`${label}: is not UTF-8 text`)}, NULL)`);
    if ((c.type === 'decimal' || c.type === 'number') && commaFile && from !== undefined)
      for (const [pattern, words] of staged.delimiter === ';'
        ? INGEST_SEMICOLON_NUMBER_REFUSALS
        : INGEST_DECIMAL_COMMA_FILE_REFUSALS)
        out.push(
          `IF(REGEXP_CONTAINS(${text(c)}, ${lit(`^(?:${pattern})$`)}) AND ${q('__comma_file')}, ${shown(words)}, NULL)`,
        );
    if (floatChecked.includes(c))
      out.push(
        `IF(${inexact(c)}, ${shown(INGEST_INEXACT_FLOAT)}, NULL)`,
        `IF(${q(`__nonfinite_${c.name}`)}, ${shown(INGEST_NONFINITE_TEXT)}, NULL)`,
      );
    const many = nestedChecked.includes(c);
    if (many) {
      const type = nested.get(fromFile(c)!)!;
      out.push(
        `IF(${isNested(c)}, ${lit(`${label}: is ${type.startsWith('ARRAY') ? 'a list' : 'a struct'} in the file (${type}), not one value: export the column as a plain value`)}, NULL)`,
      );
    }
    if (!c.nullable)
      out.push(
        `IF(${text(c)} IS NULL${utf8 ? ` AND NOT ${notUtf8(c)}` : ''}${many ? ` AND NOT ${isNested(c)}` : ''}, ${lit(`${label}: missing`)}, NULL)`,
      );
    if (c.type === 'integer') {
      // A fraction is no integer, nor is 1e-20 (NUMERIC rounds it to 0): the text and the
      // value compare as FLOAT64, as a JS number would read the text. As on DuckDB, text that
      // may hold a thousands separator says so instead, whether it converts or not.
      const separated = INGEST_INTEGER_REFUSALS.map(
        ([pattern]) => `REGEXP_CONTAINS(${text(c)}, ${lit(`^(?:${pattern})$`)})`,
      ).join(' OR ');
      out.push(
        `IF(${text(c)} IS NOT NULL AND NOT (${separated}) AND (${value} IS NULL OR SAFE_CAST(TRIM(${text(c)}) AS FLOAT64) <> CAST(${value} AS FLOAT64)), ${numberReason(INGEST_NUMBER_REFUSALS, ' is not a valid integer')}, NULL)`,
        ...INGEST_INTEGER_REFUSALS.map(
          ([pattern, words]) =>
            `IF(REGEXP_CONTAINS(${text(c)}, ${lit(`^(?:${pattern})$`)}), ${shown(words)}, NULL)`,
        ),
      );
    } else if (RANGES[c.type]) {
      const outside = outsideRange(c, text(c), dialect);
      // As on DuckDB: a zone abbreviation, an offset past 14 hours or a day written otherwise says so.
      const refusals =
        c.type === 'timestamp' ? INGEST_TIMESTAMP_REFUSALS : c.type === 'date' ? INGEST_DATE_REFUSALS : [];
      const invalid = refusals.length
        ? `CASE ${refusals.map(([pattern, words]) => `WHEN REGEXP_CONTAINS(${text(c)}, ${lit(`^(?:${pattern})$`)}) THEN ${shown(words)}`).join(' ')} ELSE ${shown(` is not a valid ${c.type}`)} END`
        : shown(` is not a valid ${c.type}`);
      out.push(
        `IF(${text(c)} IS NOT NULL AND ${value} IS NULL AND NOT (${outside}), ${invalid}, NULL)`,
        `IF(${text(c)} IS NOT NULL AND ${value} IS NULL AND ${outside}, ${shown(` is outside the ${c.type}s a warehouse holds (${RANGES[c.type]})`)}, NULL)`,
      );
    } else if (c.type === 'decimal')
      // Text of a number that NUMERIC cannot hold is out of its range, as DuckDB's DECIMAL(38,9).
      out.push(
        `IF(${text(c)} IS NOT NULL AND ${value} IS NULL, ${numberReason([[STRICT.decimal!, INGEST_DECIMAL_OUT_OF_RANGE], ...INGEST_NUMBER_REFUSALS], ' is not a valid decimal')}, NULL)`,
      );
    else if (c.type === 'number')
      out.push(
        `IF(${text(c)} IS NOT NULL AND ${value} IS NULL, ${numberReason(INGEST_NUMBER_REFUSALS, ' is not a valid number')}, NULL)`,
      );
    else if (c.type !== 'string')
      out.push(
        `IF(${text(c)} IS NOT NULL AND ${value} IS NULL, ${shown(` is not a valid ${c.type}`)}, NULL)`,
      );
    if (c.type === 'number')
      // 1e999 reads as infinity, which a zod number refuses.
      out.push(`IF(IS_INF(${value}) OR IS_NAN(${value}), ${shown(' is not a finite number')}, NULL)`);
    if (c.type === 'date' || c.type === 'timestamp') {
      // As on DuckDB: inside what a warehouse holds, but no day of a record.
      const day = (d: string) => (c.type === 'date' ? `DATE '${d}'` : `TIMESTAMP '${d} 00:00:00+00'`);
      out.push(
        `IF(${value} < ${day(INGEST_EARLIEST_DAY)}, ${shown(INGEST_BEFORE_EARLIEST_DAY)}, NULL)`,
        `IF(${value} IN (${placeholderDays(c.type).map(day).join(', ')}), ${shown(INGEST_PLACEHOLDER_DAY)}, NULL)`,
      );
    }
    if (c.type === 'timestamp' && source.cursor === c.name) {
      const [pattern, words] = INGEST_DATE_ONLY_CURSOR;
      out.push(
        `IF(${value} IS NOT NULL AND REGEXP_CONTAINS(${text(c)}, ${lit(`^(?:${pattern})$`)}), ${shown(words)}, NULL)`,
      );
    }
    if (c.type === 'timestamp' && (source.cursor === c.name || c.happened)) {
      const words = source.cursor === c.name ? INGEST_FUTURE_CURSOR : INGEST_FUTURE_EVENT;
      out.push(`IF(${value} > TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY), ${shown(words)}, NULL)`);
    }
    if (c.type === 'date' && c.happened)
      out.push(
        `IF(${value} > DATE_ADD(CURRENT_DATE(), INTERVAL 1 DAY), ${shown(INGEST_FUTURE_EVENT)}, NULL)`,
      );
    if (c.type === 'timestamp') {
      // As on DuckDB: a local time in a zone named that its clocks skip or show twice.
      const { local, zone, skipped, repeated } = INGEST_ZONED_TIME;
      const wall = `SAFE_CAST(REPLACE(REGEXP_EXTRACT(${text(c)}, ${lit(`^(?:${local})$`)}), 'T', ' ') AS DATETIME)`;
      const at = (instant: string) =>
        `DATETIME(${instant}, REGEXP_EXTRACT(${text(c)}, ${lit(`^(?:${zone})$`)}))`;
      const twice = ['1 HOUR', '30 MINUTE']
        .flatMap((step) => [
          `${at(`TIMESTAMP_SUB(${value}, INTERVAL ${step})`)} = ${wall}`,
          `${at(`TIMESTAMP_ADD(${value}, INTERVAL ${step})`)} = ${wall}`,
        ])
        .join(' OR ');
      out.push(
        `IF(${value} IS NOT NULL AND STRPOS(${text(c)}, '/') > 0 AND REGEXP_CONTAINS(${text(c)}, ${lit(`^(?:${local})$`)}), CASE WHEN ${at(value)} <> ${wall} THEN ${shown(skipped)} WHEN ${twice} THEN ${shown(repeated)} END, NULL)`,
      );
    }
    const bounds = columnBounds(source, c.name);
    if (bounds?.min || bounds?.max) {
      const [inside, words] = boundsCheck(c, value, bounds.min, bounds.max, dialect);
      if (inside)
        out.push(`IF(NOT (${inside}), ${shown(` is outside the range of its schema (${words})`)}, NULL)`);
    }
    if (c.values?.length)
      out.push(
        `IF(${text(c)} IS NOT NULL AND ${text(c)} NOT IN (${c.values.map(lit).join(', ')}), ${shown(` is not one of ${c.values.join(', ')}`)}, NULL)`,
      );
    else if (c.type === 'string') {
      if (isIdentifierColumn(c) && from !== undefined) {
        const [invisible, says] = INGEST_INVISIBLE_IN_KEY;
        out.push(`IF(REGEXP_CONTAINS(${text(c)}, ${lit(invisible)}), ${shown(says)}, NULL)`);
        const [floated, written] = INGEST_FLOAT_WRITTEN_ID;
        out.push(`IF(REGEXP_CONTAINS(${text(c)}, ${lit(`^(?:${floated})$`)}), ${shown(written)}, NULL)`);
      }
      const [pattern, words] = INGEST_EXCEL_GUARD;
      const [scientific, notation] = INGEST_SCIENTIFIC_TEXT;
      out.push(
        `IF(REGEXP_CONTAINS(${text(c)}, ${lit(`^(?:${pattern})$`)}), ${shown(words)}, NULL)`,
        `IF(${text(c)} IN (${SPREADSHEET_ERRORS.map(lit).join(', ')}), ${shown(INGEST_SPREADSHEET_ERROR)}, NULL)`,
        `IF(REGEXP_CONTAINS(${text(c)}, ${lit(INGEST_MOJIBAKE[0])}), ${shown(INGEST_MOJIBAKE[1])}, NULL)`,
      );
      // A float of a Parquet file is written so by the cast, and said of otherwise (floatChecked).
      if (!floatChecked.includes(c))
        out.push(`IF(REGEXP_CONTAINS(${text(c)}, ${lit(`^(?:${scientific})$`)}), ${shown(notation)}, NULL)`);
    }
    return out;
  });
  const rejectedDeleted =
    deleted && source.mode !== 'snapshot'
      ? `IF(${q('__deleted')}, ${lit(deletedRowReason(source, markers))}, NULL)`
      : undefined;
  const reason = reasons.length
    ? `COALESCE(${q('__refused')}, NULLIF(ARRAY_TO_STRING([${reasons.join(',\n    ')}], '; '), '')${rejectedDeleted ? `, ${rejectedDeleted}` : ''})`
    : rejectedDeleted
      ? `COALESCE(${q('__refused')}, ${rejectedDeleted})`
      : q('__refused');
  const names = source.columns.map((c) => q(c.name));
  const create = `CREATE TABLE ${dialect.tableName(checked)}
OPTIONS(expiration_timestamp=TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL ${STAGING_HOURS} HOUR))
AS SELECT ${q('__line')}, ${reason} AS ${q('__reason')}, ${q('__record')}, ${names.join(', ')}
FROM (
  SELECT *, ${values.join(',\n    ')}
  FROM (
    SELECT ${line} AS ${q('__line')}, ${refused} AS ${q('__refused')}, ${record} AS ${q('__record')},
    ${texts.join(',\n    ')}
    FROM ${dialect.tableName(staged.table)} AS ${q('t')}
  )
)${deleted && source.mode === 'snapshot' ? `\nWHERE NOT ${q('__deleted')}` : ''}`;
  const table = dialect.tableName(checked);
  // An event file (append): a later copy of a key with other values would be dropped unseen, so
  // it is rejected; identical copies are repeated events, counted. A snapshot's too (it holds a
  // key once), unless its cursor ranks the copies, and an upsert's at the same cursor.
  const conflicts = hasConflictingCopies(source)
    ? [
        `UPDATE ${table} AS ${q('c')} SET ${q('__reason')} = ${q('x')}.${q('reason')}
FROM (${conflictingEventsSelect(source, sql.raw(table), dialect)}) AS ${q('x')}
WHERE ${q('c')}.${q('__line')} = ${q('x')}.${q('__line')}`,
      ]
    : [];
  // As on DuckDB: an upsert's revision stamped midnight of a day a later revision was saved.
  const midnight = midnightCursorSelect(source, sql.raw(table), dialect);
  if (midnight)
    conflicts.push(`UPDATE ${table} AS ${q('c')} SET ${q('__reason')} = ${q('x')}.${q('reason')}
FROM (${midnight}) AS ${q('x')}
WHERE ${q('c')}.${q('__line')} = ${q('x')}.${q('__line')}`);
  const repeated =
    source.mode === 'append'
      ? `, (${repeatsInFileSelect(source, sql.raw(table), dialect)}) AS ${q('repeated')}`
      : '';
  // The records whose first value is one of the header's names, for `headerInOtherOrder`: read
  // from the staged file, where every value is still the text written.
  const headerLike =
    staged.format === 'csv' && staged.columns.length > 1
      ? `, (SELECT ARRAY_AGG(STRUCT(${q('__line')} AS ${q('line')}, [${staged.columns.map((_, i) => `IFNULL(${q(`c${i + 1}`)}, '')`).join(', ')}] AS ${q('values')}) ORDER BY ${q('__line')} LIMIT 100) FROM ${dialect.tableName(staged.table)} WHERE ${q('__reason')} IS NULL AND LOWER(TRIM(${q('c1')})) IN (${staged.columns.map((c) => dialect.literal(c.trim().toLowerCase())).join(', ')})) AS ${q('header_like')}`
      : '';
  const leftOut =
    deleted && source.mode === 'snapshot'
      ? `, (SELECT COUNTIF(${deleted}) FROM ${dialect.tableName(staged.table)} AS ${q('t')}) AS ${q('deleted')}`
      : '';
  // Numbers written as thousands grouped by dots (see thousandsDotFlag), counted in the file.
  const numbers = csvNumberColumns(source, staged, origins, dialect);
  const counted = thousandsDotSelect(numbers, sql.raw(dialect.tableName(staged.table)), dialect);
  const dots = counted ? `, (SELECT AS STRUCT * FROM (${counted})) AS ${q('dots')}` : '';
  // Keys an upsert without a cursor is given twice with other values (see lastLineTakenSelect).
  const twice = lastLineTakenSelect(source, sql.raw(table), dialect);
  const lastLine = twice ? `, (SELECT AS STRUCT * FROM (${twice})) AS ${q('last_line_taken')}` : '';
  // Times later than the load: local times without their offset (see aheadOfLoadFlag).
  const later = aheadOfLoadSelect(
    source,
    sql.raw(table),
    sql.raw(`TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL ${AHEAD_OF_LOAD_MINUTES} MINUTE)`),
    dialect,
  );
  const ahead = later ? `, (SELECT AS STRUCT * FROM (${later})) AS ${q('ahead')}` : '';
  // Rates of a column in percent exported as fractions (see percentAsFractionFlag).
  const fractions = percentAsFractionSelect(source, sql.raw(table), dialect);
  const percent = fractions ? `, (SELECT AS STRUCT * FROM (${fractions})) AS ${q('percent')}` : '';
  const summary = `SELECT COUNT(*) AS ${q('rows')}, COUNTIF(${q('__reason')} IS NOT NULL) AS ${q('rejected')}${repeated}${headerLike}${leftOut}${dots}${lastLine}${ahead}${percent},
  ARRAY_AGG(IF(${q('__reason')} IS NULL, NULL, STRUCT(${q('__line')} AS ${q('line')}, ${q('__reason')} AS ${q('reason')})) IGNORE NULLS ORDER BY ${q('__line')} LIMIT ${SAMPLE_REJECTS}) AS ${q('sample')}
FROM ${table}`;
  return [create, ...conflicts, summary];
}

/**
 * Writes the copy of a scanned CSV that a load job gets: `__line`, `__reason` and `__record`
 * before the file's columns. BigQuery keeps no row order in a load, so each loadable record
 * carries its physical line; the records the scan refused follow at the end with their line,
 * reason and record (`{"text": ...}`, as DuckDB records them), so one query sees every reject. `input` holds exactly the
 * loadable records (the file, or a copy without the scan's skipped ranges). Returns how many
 * records it wrote, which must be the scan's count.
 */
export async function writeStagingCsv(input: string, target: string, scan: CsvScan): Promise<number> {
  const out = createWriteStream(target);
  const d = scan.delimiter;
  const quoted = (text: string) => `"${text.replaceAll('"', '""')}"`;
  let record = -1; // the header, then loadable record 0, 1, ...
  let atStart = true;
  let inQuotes = false;
  let last = 0x0a;
  for await (const raw of createReadStream(input)) {
    const chunk = raw as Buffer;
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (atStart) {
        out.write(chunk.subarray(from, i));
        from = i;
        out.write(
          record < 0
            ? `__line${d}__reason${d}__record${d}`
            : `${scan.lines?.[record] ?? record + 2}${d}${d}${d}`,
        );
        atStart = false;
      }
      // Quoting is RFC 4180's, as the scan's: `""` toggles twice, and a newline in quotes is data.
      const b = chunk[i]!;
      if (b === 0x22) inQuotes = !inQuotes;
      else if (b === 0x0a && !inQuotes) {
        atStart = true;
        record++;
      }
    }
    out.write(chunk.subarray(from));
    if (chunk.length) last = chunk[chunk.length - 1]!;
  }
  if (!atStart) record++;
  if (last !== 0x0a) out.write('\n');
  for (const r of scan.rejects)
    out.write(`${r.line}${d}${quoted(r.reason)}${d}${quoted(JSON.stringify({ text: r.text }))}\n`);
  out.end();
  await finished(out);
  return record;
}

/** Paths a local pattern names (`*`, `?`, `**`), sorted; a plain path names itself if it is a file. */
export async function listLocalFiles(pattern: string): Promise<string[]> {
  const parts = pattern.split('/');
  const wild = parts.findIndex((p) => /[*?[]/.test(p));
  if (wild < 0) return (await stat(pattern).catch(() => undefined))?.isFile() ? [pattern] : [];
  const prefix = parts.slice(0, wild).join('/');
  const rest = parts.slice(wild).join('/');
  const regex = new RegExp(
    `^${rest
      .split(/(\*\*\/|\*\*|\*|\?)/)
      .map((p) =>
        p === '**/'
          ? '(?:.*/)?'
          : p === '**'
            ? '.*'
            : p === '*'
              ? '[^/]*'
              : p === '?'
                ? '[^/]'
                : p.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
      )
      .join('')}$`,
  );
  const base = prefix || (pattern.startsWith('/') ? '/' : '.');
  const entries = await readdir(base, {
    recursive: rest.includes('/') || rest.includes('**'),
    withFileTypes: true,
  }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) =>
      join(e.parentPath, e.name)
        .slice(base === '.' ? 0 : base.length)
        .replace(/^\//, ''),
    )
    .filter((rel) => regex.test(rel))
    .map((rel) => (prefix ? `${prefix}/${rel}` : rel))
    .sort();
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** What the ingestion needs of the warehouse. */
export interface IngestContext {
  readonly dialect: Dialect;
  dataset(schema: string): Dataset;
  ensureSource(source: Source): Promise<void>;
  listBatches(options: { source: string }): Promise<BatchRecord[]>;
  /** Runs statements as one script and returns the rows of its result (see the warehouse's `script`). */
  script(statements: readonly string[]): Promise<SqlRow[]>;
  query(select: string): Promise<SqlRow[]>;
}

/** The number and decimal columns a CSV fills, with their staged column (for thousandsDotSelect). */
function csvNumberColumns(
  source: Source,
  staged: StagedFile,
  origins: ReadonlyMap<string, ColumnOrigin>,
  dialect: Dialect,
): Array<readonly [string, SqlFragment]> {
  if (staged.format !== 'csv') return [];
  const q = dialect.quoteIdent;
  return source.columns.flatMap((c) => {
    const origin = origins.get(c.name);
    return (c.type === 'decimal' || c.type === 'number') && origin?.kind === 'file'
      ? [[c.name, sql.raw(`${q('t')}.${q(`c${staged.columns.indexOf(origin.column) + 1}`)}`)] as const]
      : [];
  });
}

/**
 * Loads one local CSV or Parquet file into a source as one batch: a load job stages it, one
 * query validates every row, one transaction appends rows, rejects and the batch record.
 */
export async function ingestFile(
  context: IngestContext,
  source: Source,
  file: string,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const subject = { domain: source.domain.name, source: source.name, file };
  const format = options.format ?? (/\.parquet$/i.test(file) ? 'parquet' : 'csv');
  const mapping = canonicalMapping(options.mapping);
  const unreadable = (message: string, cause?: unknown) =>
    new WarehouseError('ingest-unreadable', message, subject, { cause });
  const scan = format === 'csv' ? await scanCsv(file) : undefined;
  if (scan?.unreadable) throw unreadable(`${file} ${scan.unreadable}`);
  let sha256: string;
  try {
    sha256 = scan?.sha256 ?? (await sha256Of(file));
  } catch (cause) {
    throw unreadable(`${file} cannot be read: ${(cause as Error).message}`, cause);
  }
  const mapped = (fileColumns: readonly string[]) => fitFile(source, file, fileColumns, mapping);
  // A CSV's header is known before anything is uploaded: a file that does not fit costs nothing.
  if (scan) mapped(scan.header);

  await context.ensureSource(source);
  const live = await context.listBatches({ source: source.id });
  const same = batchOfFile(live, sha256, mapping, source);
  // Nothing is loaded: the counts are this call's; the batch it was says what it loaded then.
  if (same) return alreadyIngested(source, file, sha256, same);
  const ingested = live.filter((b) => b.kind === 'ingest');
  // The source's first real batch takes its sample out, in the same transaction.
  const replacedSample = live.some((b) => b.kind === 'sample');

  const suffix = `${source.name}_${randomBytes(4).toString('hex')}`;
  const staging = { schema: source.domain.name, name: `_load_${suffix}` };
  const checked = { schema: source.domain.name, name: `_check_${suffix}` };
  const dataset = context.dataset(source.domain.name);
  const tmp = await mkdtemp(join(tmpdir(), 'mesh-ingest-'));
  try {
    let upload = file;
    if (scan) {
      const loadable = scan.skipped.length ? join(tmp, 'loadable.csv') : file;
      if (loadable !== file) await writeWithout(file, loadable, scan.skipped);
      upload = join(tmp, 'staging.csv');
      const records = await writeStagingCsv(loadable, upload, scan);
      if (records !== scan.records)
        throw unreadable(
          `${file} could not be split into records consistently (${scan.records} by the line scan, ${records} by the staging copy): check its line endings and quoting`,
        );
    }
    const metadata = loadMetadata(format, scan);
    // Created before the load so that it expires even if this process dies mid-way.
    await dataset
      .createTable(staging.name, {
        ...(scan ? { schema: { fields: csvStagingColumns(scan.header) } } : {}),
        expirationTime: String(Date.now() + STAGING_HOURS * 3_600_000),
        description: `Staging of ${file} for ${source.id} (mesh ingest); dropped when the ingest ends.`,
      })
      .catch((cause: Error) => {
        throw new WarehouseError(
          'ingest-failed',
          `${file}: cannot create a staging table: ${cause.message}`,
          subject,
          {
            cause,
          },
        );
      });
    let fileColumns = scan?.header ?? [];
    const nestedColumns = new Map<string, string>();
    const floatingColumns = new Set<string>();
    try {
      await dataset.table(staging.name).load(upload, metadata);
      if (!scan) {
        const [table] = await dataset.table(staging.name).getMetadata();
        const fields = (table.schema?.fields ?? []) as Array<{ name: string; type?: string; mode?: string }>;
        fileColumns = fields.map((f) => f.name);
        for (const f of fields) {
          const struct = f.type === 'RECORD' || f.type === 'STRUCT';
          if (f.mode === 'REPEATED')
            nestedColumns.set(f.name, `ARRAY<${struct ? 'STRUCT' : (f.type ?? 'STRING')}>`);
          else if (struct) nestedColumns.set(f.name, 'STRUCT');
          else if (f.type === 'FLOAT' || f.type === 'FLOAT64') floatingColumns.add(f.name);
        }
      }
    } catch (cause) {
      throw unreadable(
        `${file} is not a readable ${format.toUpperCase()} file: ${(cause as Error).message.split('\n')[0]}`,
        cause,
      );
    }
    const staged: StagedFile = {
      table: staging,
      format,
      columns: fileColumns,
      nested: nestedColumns,
      floating: floatingColumns,
      delimiter: scan?.delimiter,
    };
    const origins = mapped(fileColumns);
    const header = unmatchedColumns(source, fileColumns, origins, mapping.rename);
    const statements = validationStatements(
      source,
      staged,
      checked,
      mapping,
      origins,
      context.dialect,
      deletionMarkers(header.unused),
    );
    const [summary] = await context.script(statements);
    const rows = Number(summary?.rows ?? 0);
    const deletedRows = Number(summary?.deleted ?? 0) || undefined;
    const rejected = Number(summary?.rejected ?? 0);
    // Two exports joined whose headers differ in order (see headerInOtherOrder).
    const again = headerInOtherOrder(
      fileColumns,
      ((summary?.header_like ?? []) as Array<{ line: unknown; values: unknown[] }>).map((r) => ({
        line: Number(r.line),
        values: r.values,
      })),
    );
    if (again) throw unreadable(`${file} ${again}`);
    const sampleRejects = ((summary?.sample ?? []) as Array<{ line: unknown; reason: unknown }>).map((r) => ({
      line: Number(r.line),
      reason: String(r.reason),
    }));
    if (options.maxRejects !== undefined && rejected > options.maxRejects) {
      throw new BuildError(
        'too-many-rejects',
        `${file}: ${rejected} of ${rows} rows are invalid, more than --max-rejects ${options.maxRejects}; nothing was loaded. First: ${sampleRejects.map((r) => `${rowWord(format)} ${r.line}: ${r.reason}`).join(' | ')}`,
        { ...subject, line: sampleRejects[0]?.line },
      );
    }
    const partial = snapshotRejectsError(
      source,
      file,
      { rows, rejected },
      options.maxRejects,
      sampleRejects,
      format,
    );
    if (partial) throw partial;
    // As on DuckDB: keys of a list that keeps its former rows left out (see droppedKeysFlagOf),
    // read from every row of the file before the batch replaces them.
    const dropped =
      ingested.length && rows > rejected
        ? await droppedKeysFlagOf(
            source,
            sql.raw(context.dialect.tableName(checked)),
            (statement) => context.query(statement),
            context.dialect,
          )
        : undefined;
    // An export without an optional column, or with it empty, must not erase what earlier
    // exports said of it.
    if (ingested.length) {
      const batch = sql.raw(
        `(SELECT * FROM ${context.dialect.tableName(checked)} WHERE \`__reason\` IS NULL)`,
      );
      const error = await erasingBatch(
        source,
        origins,
        file,
        batch,
        (statement) => context.query(statement),
        context.dialect,
      );
      if (error) throw error;
    }
    // The rows of an earlier export again (its bytes, or its rows), where that is a change back.
    const { resends, ...reloaded } = await reloadsOf(
      source,
      live,
      {
        sha256,
        mapping,
        loaded: rows - rejected,
        batch: sql.raw(`(SELECT * FROM ${context.dialect.tableName(checked)} WHERE \`__reason\` IS NULL)`),
      },
      (statement) => context.query(statement),
      context.dialect,
    );
    let repeatedEvents: number | undefined;
    let heldEvents: number | undefined;
    // As on DuckDB: the newest export's rows again, nothing new came.
    let nothingNew: string | undefined = resends === undefined ? undefined : sameRowsFlag(resends);
    // As on DuckDB: an earlier export's rows current again over later ones, unless meant.
    if (reloaded.reloads !== undefined && !options.current) nothingNew = changeBackFlag(reloaded.reloads);
    // As on DuckDB: keys it holds written otherwise, or changed back (see heldRowsFlags).
    let rowFlags = await heldRowsFlags(
      source,
      sql.raw(`(SELECT * FROM ${context.dialect.tableName(checked)} WHERE \`__reason\` IS NULL)`),
      {
        held: ingested.length > 0,
        reloads: reloaded.reloads,
        current: !!options.current,
        deleted: deletedRows,
      },
      (statement) => context.query(statement),
      context.dialect,
    );
    // As on DuckDB: a key given twice with other values, where no cursor tells which (counted by
    // the validation's summary).
    const twice = summary?.last_line_taken as { n?: unknown; line?: unknown } | undefined;
    if (Number(twice?.n ?? 0) > 0)
      rowFlags = batchFlag(rowFlags, lastLineTakenFlag(Number(twice!.n), Number(twice!.line)));
    // As on DuckDB: round amounts of a spreadsheet where the comma is the decimal mark, counted
    // by the validation's summary.
    rowFlags = batchFlag(
      rowFlags,
      thousandsDotFlag(
        csvNumberColumns(source, staged, origins, context.dialect),
        summary?.dots as Record<string, unknown> | undefined,
      ),
    );
    // As on DuckDB: times later than the load, counted by the validation's summary.
    rowFlags = batchFlag(
      rowFlags,
      aheadOfLoadFlag(source, summary?.ahead as Record<string, unknown> | undefined),
    );
    rowFlags = batchFlag(rowFlags, dropped);
    // As on DuckDB: rates of a column in percent exported as fractions, counted by the summary.
    rowFlags = batchFlag(
      rowFlags,
      percentAsFractionFlag(source, summary?.percent as Record<string, unknown> | undefined),
    );
    if (source.mode === 'append') {
      // Copies of an earlier line of the file (those with other values were rejected above).
      repeatedEvents = Number(summary?.repeated ?? 0);
    }
    if (source.mode === 'append' && ingested.length) {
      const batch = sql.raw(
        `(SELECT * FROM ${context.dialect.tableName(checked)} WHERE \`__reason\` IS NULL)`,
      );
      const [repeated] = await context.query(repeatedEventsSelect(source, batch, context.dialect));
      repeatedEvents = (repeatedEvents ?? 0) + Number(repeated?.n ?? 0);
      heldEvents = Number(repeated?.held ?? 0);
      // As on DuckDB: every valid row's key already held, nothing new came.
      if (rows - rejected > 0 && Number(repeated?.n ?? 0) + heldEvents === rows - rejected)
        nothingNew = NOTHING_NEW_FLAG;
      if (Number(repeated?.n ?? 0) > 0)
        nothingNew = batchFlag(nothingNew, conflictingEventsFlag(Number(repeated?.n)));
    }
    const stored = batchFlag(header.flag, nothingNew, rowFlags);
    const append = batchLogStatements(context.dialect).append(
      source,
      checked,
      {
        source: source.id,
        kind: 'ingest',
        file,
        sha256,
        mapping: JSON.stringify(mapping),
        rows,
        loaded: rows - rejected,
        rejected,
        author: batchAuthor(process.env, () => userInfo().username),
        flag: stored,
      },
      { replaceSample: replacedSample },
    );
    const [row] = await context.script(append);
    if (!row)
      throw new WarehouseError('ingest-failed', `${file}: the batch log returned no record.`, subject);
    const batch = batchRecordOf(row);
    return {
      file,
      sha256,
      rejectsTable: source.rejects,
      status: 'loaded',
      batchId: batch.batchId,
      rows,
      loaded: rows - rejected,
      rejected,
      replacedSample,
      flag: batchFlag(
        stored,
        volumeFlag(
          rows - rejected,
          ingested.map((b) => b.loaded),
        ),
      ),
      ...(header.unused.length ? { unusedColumns: header.unused } : {}),
      ...(header.missing.length ? { missingColumns: header.missing } : {}),
      ...(Object.keys(header.respelled).length ? { respelledColumns: header.respelled } : {}),
      ...(deletedRows ? { deletedRows } : {}),
      ...(repeatedEvents !== undefined ? { repeatedEvents } : {}),
      ...(heldEvents ? { heldEvents } : {}),
      ...reloaded,
      sampleRejects,
    };
  } finally {
    for (const name of [checked.name, staging.name])
      await dataset
        .table(name)
        .delete({ ignoreNotFound: true })
        .catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
  }
}
