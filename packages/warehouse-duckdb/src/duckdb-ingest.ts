import {
  type Bound,
  blankEnumValues,
  type ColumnOrigin,
  type ColumnSpec,
  type CsvScan,
  columnBounds,
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
  INGEST_INEXACT_SINGLE,
  INGEST_INEXACT_SINGLE_DECIMAL,
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
  INGEST_SINGLE_DECIMAL_LIMIT,
  INGEST_SPREADSHEET_ERROR,
  INGEST_TEXT_PATTERNS,
  INGEST_TIMESTAMP_REFUSALS,
  INGEST_ZONED_TIME,
  INGEST_ZONED_WITHOUT_SECONDS,
  type IngestMapping,
  isIdentifierColumn,
  MAX_RECORD_BYTES,
  mapsToNothing,
  placeholderDays,
  type Source,
  SPREADSHEET_ERRORS,
  TEXT_PADDING,
} from '@retail-mesh/sdk';
import { duckdbDialect } from './duckdb-dialect.js';

const q = (name: string) => duckdbDialect.quoteIdent(name);
const lit = (value: string) => duckdbDialect.literal(value);
/** What text is unpadded of (TEXT_PADDING), as SQL. */
const PAD = lit(TEXT_PADDING);

/**
 * DuckDB's reader of a file. A CSV is read with the dialect its scan found and the header's
 * names as VARCHAR columns, never sniffed: a sniffer that guesses "no quoting" from one bad
 * quote would split every quoted field, and validation must see what the file says.
 */
export function readFileSql(file: string, format: 'csv' | 'parquet', scan?: CsvScan): string {
  if (format === 'parquet' || !scan) return `read_parquet(${lit(file)})`;
  const columns = scan.header.map((h) => `${lit(h)}: 'VARCHAR'`).join(', ');
  return `read_csv(${lit(file)}, header = true, auto_detect = false, delim = ${lit(scan.delimiter)}, quote = '"', escape = '"', columns = {${columns}}, strict_mode = true, max_line_size = ${2 * MAX_RECORD_BYTES})`;
}

export function formatOf(file: string, format?: 'csv' | 'parquet'): 'csv' | 'parquet' {
  return format ?? (/\.parquet$/i.test(file) ? 'parquet' : 'csv');
}

/** What text a number, date or time may be; the same on every warehouse. */
const STRICT = INGEST_TEXT_PATTERNS;
/** A date, or a date and time, with no offset, Z or zone name after it. */
const ZONELESS_TIMESTAMP =
  '\\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([T ]([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]*)?)?)?\\s*';

/**
 * The dates and times BigQuery holds (years 1 to 9999), which are also those a JS `Date` turns
 * into a four-digit ISO year: DuckDB goes on to year 294247 and before year 1, and an offset
 * can carry a valid local time past either end in UTC.
 */
const RANGES: Partial<Record<ColumnSpec['type'], [string, string, string]>> = {
  date: ["DATE '0001-01-01'", "DATE '9999-12-31'", '0001-01-01 to 9999-12-31'],
  timestamp: [
    "TIMESTAMP '0001-01-01 00:00:00'",
    "TIMESTAMP '9999-12-31 23:59:59.999999'",
    '0001-01-01 00:00:00 to 9999-12-31 23:59:59.999999 UTC',
  ],
};

/** A numeric column's range as SQL over `value` (true when inside) and as words. */
function boundsCheck(value: string, min: Bound | undefined, max: Bound | undefined): [string, string] {
  const sql: string[] = [];
  const words: string[] = [];
  if (min) {
    sql.push(`${value} ${min.inclusive ? '>=' : '>'} ${duckdbDialect.literal(min.value)}`);
    words.push(`${min.inclusive ? 'at least' : 'above'} ${min.value}`);
  }
  if (max) {
    sql.push(`${value} ${max.inclusive ? '<=' : '<'} ${duckdbDialect.literal(max.value)}`);
    words.push(`${max.inclusive ? 'at most' : 'below'} ${max.value}`);
  }
  return [sql.join(' AND '), words.join(' and ')];
}

/** The typed value of a raw file value for a column; NULL when it does not convert. */
function typed(column: ColumnSpec, text: string): string {
  const pattern = STRICT[column.type];
  const raw = pattern ? `CASE WHEN regexp_full_match(${text}, ${lit(pattern)}) THEN ${text} END` : text;
  switch (column.type) {
    case 'string': {
      // In Unicode's composed form (NFC), as BigQuery loads it: an accent written as a letter of
      // its own (NFD: macOS, some Java exports) is the same text, and left as it came a category
      // or city would split in two, a key would join nothing, and an export re-sent so would
      // look changed. Text of ASCII alone (a byte per character) has one form: not normalized.
      const text = `CAST(${raw} AS VARCHAR)`;
      return `CASE WHEN strlen(${text}) = length(${text}) THEN ${text} ELSE nfc_normalize(${text}) END`;
    }
    case 'timestamp':
      // A zone-less time is UTC: cast as a TIMESTAMP, never through TIMESTAMPTZ, where DuckDB
      // (1.5) reads every zone-less value after one with a zone name (`America/New_York`) in
      // that zone, to the end of the statement. An offset, a Z or a zone name is honoured.
      // Seconds are added to a zoned time without them, which TIMESTAMPTZ does not read.
      return `CASE WHEN regexp_full_match(${text}, ${lit(ZONELESS_TIMESTAMP)}) THEN TRY_CAST(${text} AS TIMESTAMP) ELSE CAST(TRY_CAST(regexp_replace(${raw}, ${lit(INGEST_ZONED_WITHOUT_SECONDS)}, '\\1:00\\2') AS TIMESTAMPTZ) AS TIMESTAMP) END`;
    case 'decimal':
      // Text to DECIMAL(38,9) parses through 128-bit integers, 25x slower than to DECIMAL(18,9):
      // the narrow type first, the wide one only for values beyond a billion.
      return `CAST(COALESCE(TRY_CAST(${raw} AS DECIMAL(18,9)), TRY_CAST(${raw} AS DECIMAL(38,9))) AS ${duckdbDialect.columnType('decimal')})`;
    case 'boolean':
      // Padded as exports pad numbers and dates, which their patterns allow.
      return `TRY_CAST(trim(${raw}, ${PAD}) AS BOOLEAN)`;
    case 'date':
      return `COALESCE(TRY_CAST(${raw} AS DATE), CASE WHEN regexp_full_match(${text}, ${lit(INGEST_MIDNIGHT_DATE)}) THEN TRY_CAST(regexp_extract(${text}, ${lit(INGEST_MIDNIGHT_DATE)}, 1) AS DATE) END)`;
    default:
      return `TRY_CAST(${raw} AS ${duckdbDialect.columnType(column.type)})`;
  }
}

/**
 * Text without the spaces around it, and none at all when that leaves nothing: fixed-width and
 * legacy exports pad values (`O1   `), and a padded key would load as another entity beside
 * the real one. Spaces and no-break spaces (TEXT_PADDING), as on BigQuery: never `trim(x)`,
 * whose set of spaces is DuckDB's own; a tab is part of the value. An enumeration keeps its
 * text: its spelling is matched ignoring those spaces (see `mappedRaw`), and text that matches
 * none is rejected as written.
 */
function unpadded(column: ColumnSpec, text: string): string {
  // The word NULL, in any case, is no value in every column (and `\N`: see NULL_MARK): database
  // exports write it for one,
  // and a text column storing "NULL" beside a date column rejecting it is no rule at all. Text
  // is told here (strlen first: a byte count costs nothing, lower() only runs on four bytes);
  // a number, date, time or boolean "NULL" converts to nothing anyway, and only its reason
  // reads the word (`nullWord`), off the path of valid rows.
  if (column.values?.length) {
    // Spaces only are no value, unless the enumeration holds that very text.
    const blank = blankEnumValues(column);
    const kept = blank.length ? ` AND ${text} NOT IN (${blank.map(lit).join(', ')})` : '';
    return `CASE WHEN trim(${text}, ${PAD}) ILIKE 'null' OR trim(${text}, ${PAD}) = ${NULL_MARK} OR (trim(${text}, ${PAD}) = ''${kept}) THEN NULL ELSE ${text} END`;
  }
  if (column.type !== 'string') return text;
  return `CASE WHEN strlen(trim(${text}, ${PAD})) = 4 AND lower(trim(${text}, ${PAD})) = 'null' THEN NULL WHEN strlen(trim(${text}, ${PAD})) = 2 AND trim(${text}, ${PAD}) = ${NULL_MARK} THEN NULL ELSE NULLIF(trim(${text}, ${PAD}), '') END`;
}

/**
 * `\N`: how MySQL (`INTO OUTFILE`), Hive and PostgreSQL's text COPY write no value. As text it
 * would load as a value of its own (a store `\N` beside the orders with none), and no column
 * means it.
 */
const NULL_MARK = lit(INGEST_NULL_MARK);

/**
 * Whether text is no value though not NULL: the word NULL, in any case and padding (see
 * `unpadded`), or spaces only (or nothing: a Parquet string). A typed column's such text
 * converts to nothing, and this is read only then, off the path of valid rows (a trim() of
 * every typed value cost 5% of an ingest of order lines).
 */
const nullWord = (text: string) =>
  `(trim(${text}, ${PAD}) ILIKE 'null' OR trim(${text}, ${PAD}) = ${NULL_MARK} OR trim(${text}, ${PAD}) = '')`;

/** Text without the spaces around it, and none when that leaves nothing: for a value map. */
const unpaddedTyped = (text: string) =>
  `CASE WHEN prefix(${text}, ' ') OR suffix(${text}, ' ') THEN NULLIF(trim(${text}, ${PAD}), '') ELSE NULLIF(${text}, '') END`;

/**
 * A file column's value as text. Parquet writers of Hive, Impala and older parquet-mr store
 * text as plain BINARY, which DuckDB reads as a BLOB and casts to escapes (`K\xC3\xB8benhavn`):
 * its bytes are decoded as UTF-8, and bytes that are not UTF-8 are no text (see `notUtf8`).
 * A whole number in a floating-point column is written without its `.0`: an integer column
 * with a gap is exported as floats (pandas turns it to float64 for its NaN), and its ids
 * would load as `1042.0`, which no other export of that id matches.
 */
function fileText(column: string, files: FileColumnTypes): string {
  const value = `t.${q(column)}`;
  if (files.binary.has(column)) return `try(decode(${value}))`;
  if (files.floating.has(column))
    return `CASE WHEN isfinite(${value}) AND ${value} = trunc(${value}) AND abs(${value}) < ${wholeLimit(column, files)} THEN CAST(CAST(${value} AS BIGINT) AS VARCHAR) ELSE CAST(${value} AS VARCHAR) END`;
  // A Parquet DECIMAL reads with its scale (`1001.0000000000`, an Oracle NUMBER through AWS
  // DMS): written as BigQuery writes a NUMERIC, without trailing zeros, so ids match other
  // exports of them (`1001`) and the same file loads alike on both warehouses.
  if (files.decimal?.has(column))
    return `CASE WHEN ${value} = trunc(${value}) THEN CAST(CAST(${value} AS HUGEINT) AS VARCHAR) ELSE rtrim(rtrim(CAST(${value} AS VARCHAR), '0'), '.') END`;
  return `CAST(${value} AS VARCHAR)`;
}

/** Whole numbers below this (2^53) are exact in a double, and so are their digits. */
const WHOLE_FLOAT_LIMIT = '9007199254740992';
/** The same for a 32-bit float (2^24): 123456789 stored as FLOAT reads 123456792. */
const WHOLE_SINGLE_LIMIT = '16777216';
const wholeLimit = (column: string, files: FileColumnTypes) =>
  files.single?.has(column) ? WHOLE_SINGLE_LIMIT : WHOLE_FLOAT_LIMIT;

/** What the file's own types say of its columns, where they change how a value reads. */
export interface FileColumnTypes {
  /** Binary columns (a Parquet BINARY without its UTF-8 annotation): decoded as UTF-8. */
  readonly binary: ReadonlySet<string>;
  /** Columns of nested type (a Parquet list, struct or map), with their type: refused. */
  readonly nested: ReadonlyMap<string, string>;
  /** Floating-point columns (FLOAT, DOUBLE): a whole number reads without a fraction. */
  readonly floating: ReadonlySet<string>;
  /** Of those, the 32-bit ones (FLOAT): exact to 2^24 only. */
  readonly single?: ReadonlySet<string>;
  /** Decimal columns: read without the zeros of their scale. */
  readonly decimal?: ReadonlySet<string>;
}

/** A CSV file's columns: text, all of them. */
const TEXT_COLUMNS: FileColumnTypes = { binary: new Set(), nested: new Map(), floating: new Set() };

/**
 * A column's raw text after the mapping: its value map, then (for an enumeration) the
 * contract's spelling of a value that matches ignoring case and surrounding spaces.
 */
function mappedRaw(
  column: ColumnSpec,
  origin: ColumnOrigin,
  mapping: IngestMapping,
  files: FileColumnTypes,
): string {
  if (origin.kind === 'absent') return 'NULL';
  // An empty constant is no value, as an empty field is (the reader reads it as NULL).
  let raw =
    origin.kind === 'constant'
      ? origin.value === ''
        ? 'CAST(NULL AS VARCHAR)'
        : lit(origin.value)
      : unpadded(column, fileText(origin.column, files));
  const values = Object.entries(mapping.values[column.name] ?? {});
  // Value maps see unpadded text in every column: a typed or enumerated one's is unpadded for
  // them only (its reasons show the text as written).
  if (values.length && origin.kind === 'file' && (column.type !== 'string' || column.values?.length))
    raw = unpaddedTyped(raw);
  if (values.length) {
    // A value mapped to nothing ('' or null in a mapping file, or the word NULL) is no value,
    // in every column.
    raw = `CASE ${raw} ${values.map(([from, to]) => `WHEN ${lit(from)} THEN ${mapsToNothing(to) ? 'CAST(NULL AS VARCHAR)' : lit(to)}`).join(' ')} ELSE ${raw} END`;
  }
  if (column.values?.length) {
    // A value spelled as the contract spells it stays itself, even beside one that differs
    // only in case (`a` and `A`): the match ignoring case is for the other spellings.
    const values = column.values.map(lit).join(', ');
    // Both sides without their surrounding spaces, so ` pad ` matches `PAD`.
    const folded = (v: string) => v.replace(/^ +| +$/g, '').toLowerCase();
    raw = `CASE WHEN ${raw} IN (${values}) THEN ${raw} ELSE CASE lower(trim(${raw}, ${PAD})) ${column.values.map((v) => `WHEN ${lit(folded(v))} THEN ${lit(v)}`).join(' ')} ELSE ${raw} END END`;
  }
  return raw;
}

/**
 * SELECT over the loaded file: each source column typed, the row's position in the loaded
 * table (`__row`) and its physical line, and the reason a row is rejected (NULL when it is
 * valid): a required value missing, a value that is not of the column's type, a value outside
 * the column's enumeration. `line` is the SQL of a row's physical line (`t.rowid + 2`, or a
 * joined column), and `row` that of its position (`t.rowid` unless the file has a column of
 * that name). Raw and typed values are computed once, in an inner SELECT, and the reasons
 * read them: every cast is paid once per row.
 */
export function validationSql(
  source: Source,
  loaded: string,
  origins: ReadonlyMap<string, ColumnOrigin>,
  mapping: IngestMapping,
  line: { select: string; join?: string; row?: string },
  files: FileColumnTypes = TEXT_COLUMNS,
  /** A CSV file's delimiter: `;` says its numbers may be written with a decimal comma. */
  delimiter?: string,
): string {
  const { binary, nested } = files;
  const inner: string[] = [];
  const columns: string[] = [];
  const reasons: string[] = [];
  // Whether the CSV is written with decimal commas: delimited by semicolons, or a number of it
  // written with one (`12,50` or `1.234,56`, which are refused themselves). Its `1.500` is then
  // 1500.
  const numberColumns = [
    ...new Set(
      source.columns.flatMap((c) => {
        const origin = origins.get(c.name);
        return (c.type === 'decimal' || c.type === 'number') && origin?.kind === 'file'
          ? [origin.column]
          : [];
      }),
    ),
  ];
  const decimalComma = INGEST_DECIMAL_COMMA_NUMBER;
  const commaFile =
    delimiter === undefined || !numberColumns.length
      ? undefined
      : delimiter === ';'
        ? 'TRUE'
        : `(SELECT COALESCE(bool_or(${numberColumns.map((f) => `(contains(f.${q(f)}, ',') AND regexp_full_match(f.${q(f)}, ${lit(decimalComma)}))`).join(' OR ')}), FALSE) FROM ${loaded} AS f)`;
  if (commaFile) inner.push(`${commaFile} AS __comma_file`);
  source.columns.forEach((c, i) => {
    const origin = origins.get(c.name) ?? { kind: 'absent' };
    const mapped = mappedRaw(c, origin, mapping, files);
    inner.push(`${mapped} AS __raw_${i}`, `${typed(c, mapped)} AS ${q(c.name)}`);
    const raw = `__raw_${i}`;
    const value = q(c.name);
    columns.push(value);
    const label = lit(
      `${c.name}${origin.kind === 'file' && origin.column !== c.name ? ` (file column ${origin.column})` : ''}`,
    );
    if (origin.kind === 'file' && binary.has(origin.column)) {
      // Bytes that are not UTF-8 are no text of any column: said, not loaded as missing.
      const bytes = `t.${q(origin.column)}`;
      inner.push(`${bytes} IS NOT NULL AND try(decode(${bytes})) IS NULL AS __not_utf8_${i}`);
      reasons.push(`CASE WHEN __not_utf8_${i} THEN ${label} || ': is not UTF-8 text' END`);
    }
    if (c.type === 'string' && origin.kind === 'file' && files.floating.has(origin.column)) {
      // A float past 2^53 has lost its last digits before it was written: no id of anything
      // (123456789012345678 reads 1.2345678901234568e+17), and no other export's spelling.
      const float = `t.${q(origin.column)}`;
      const single = files.single?.has(origin.column) === true;
      inner.push(
        `isfinite(${float}) AND abs(${float}) >= ${wholeLimit(origin.column, files)} AS __inexact_${i}`,
        // NaN and infinity are no text of anything: loaded, a store would be called nan.
        `NOT isfinite(${float}) AS __nonfinite_${i}`,
      );
      reasons.push(
        `CASE WHEN __inexact_${i} THEN ${label} || ': ' || to_json(${raw}) || ${lit(single ? INGEST_INEXACT_SINGLE : INGEST_INEXACT_FLOAT)} WHEN __nonfinite_${i} THEN ${label} || ': ' || to_json(${raw}) || ${lit(INGEST_NONFINITE_TEXT)} END`,
      );
    }
    if (c.type === 'decimal' && origin.kind === 'file' && files.single?.has(origin.column)) {
      // A FLOAT's text is its shortest form: past 2^17 that is not the cents it was written from.
      const float = `t.${q(origin.column)}`;
      inner.push(`isfinite(${float}) AND abs(${float}) >= ${INGEST_SINGLE_DECIMAL_LIMIT} AS __coarse_${i}`);
      reasons.push(
        `CASE WHEN __coarse_${i} THEN ${label} || ': ' || to_json(${raw}) || ${lit(INGEST_INEXACT_SINGLE_DECIMAL)} END`,
      );
    }
    const nestedType = origin.kind === 'file' ? nested.get(origin.column) : undefined;
    if (nestedType) {
      const kind = /^STRUCT/.test(nestedType)
        ? 'a struct'
        : /^MAP/.test(nestedType)
          ? 'a map'
          : /^UNION/.test(nestedType)
            ? 'a union'
            : 'a list';
      inner.push(`t.${q((origin as { column: string }).column)} IS NOT NULL AS __nested_${i}`);
      reasons.push(
        `CASE WHEN __nested_${i} THEN ${label} || ${lit(`: is ${kind} in the file (${nestedType}), not one value: export the column as a plain value`)} END`,
      );
    }
    // A typed column's "NULL" is no value: its text stays, and only converts to nothing.
    const typedNull = c.type !== 'string' && origin.kind === 'file';
    const missing = typedNull
      ? `(${raw} IS NULL OR (${value} IS NULL AND ${nullWord(raw)}))`
      : `${raw} IS NULL`;
    if (!c.nullable)
      reasons.push(
        `CASE WHEN ${missing}${origin.kind === 'file' && binary.has(origin.column) ? ` AND NOT __not_utf8_${i}` : ''} THEN ${label} || ': missing' END`,
      );
    if (c.type === 'integer') {
      // A cast to BIGINT rounds 2.5 to 3: a fraction is not an integer, it is a reject. (As
      // DOUBLE both sides round alike past 2^53, so only a fraction differs.) Text that may
      // hold a thousands separator says so instead, whether it converts or not.
      const separated = INGEST_INTEGER_REFUSALS.map(
        ([pattern]) => `regexp_full_match(${raw}, ${lit(pattern)})`,
      );
      reasons.push(
        `CASE WHEN ${raw} IS NOT NULL AND ${value} IS NOT NULL AND TRY_CAST(${raw} AS DOUBLE) <> CAST(${value} AS DOUBLE) AND NOT (${separated.join(' OR ')}) THEN ${label} || ': ' || to_json(${raw}) || ' is not a valid integer' END`,
        ...INGEST_INTEGER_REFUSALS.map(
          ([pattern, words]) =>
            `CASE WHEN ${raw} IS NOT NULL AND regexp_full_match(${raw}, ${lit(pattern)}) THEN ${label} || ': ' || to_json(${raw}) || ${lit(words)} END`,
        ),
      );
    }
    if ((c.type === 'decimal' || c.type === 'number') && commaFile && origin.kind === 'file') {
      reasons.push(
        ...(delimiter === ';' ? INGEST_SEMICOLON_NUMBER_REFUSALS : INGEST_DECIMAL_COMMA_FILE_REFUSALS).map(
          ([pattern, words]) =>
            `CASE WHEN ${raw} IS NOT NULL AND regexp_full_match(${raw}, ${lit(pattern)}) AND __comma_file THEN ${label} || ': ' || to_json(${raw}) || ${lit(words)} END`,
        ),
      );
    }
    if (c.type !== 'string') {
      // Text of the column's form that still does not convert says why, where one can tell.
      const why = [
        ...(c.type === 'timestamp'
          ? INGEST_TIMESTAMP_REFUSALS
          : c.type === 'date'
            ? INGEST_DATE_REFUSALS
            : []),
        ...(c.type === 'decimal' ? ([[STRICT.decimal!, INGEST_DECIMAL_OUT_OF_RANGE]] as const) : []),
        ...(c.type === 'decimal' || c.type === 'number' || c.type === 'integer'
          ? INGEST_NUMBER_REFUSALS
          : []),
      ];
      const words = why.length
        ? `CASE ${why.map(([pattern, words]) => `WHEN regexp_full_match(${raw}, ${lit(pattern)}) THEN ${lit(words)}`).join(' ')} ELSE ${lit(` is not a valid ${c.type}`)} END`
        : lit(` is not a valid ${c.type}`);
      reasons.push(
        `CASE WHEN ${raw} IS NOT NULL AND ${value} IS NULL${typedNull ? ` AND NOT ${nullWord(raw)}` : ''} THEN ${label} || ': ' || to_json(${raw}) || ${words} END`,
      );
    }
    if (c.type === 'number') {
      // 1e999 reads as infinity, which a zod number refuses.
      reasons.push(
        `CASE WHEN NOT isfinite(${value}) THEN ${label} || ': ' || to_json(${raw}) || ' is not a finite number' END`,
      );
    }
    const range = RANGES[c.type];
    if (range) {
      reasons.push(
        `CASE WHEN ${value} NOT BETWEEN ${range[0]} AND ${range[1]} THEN ${label} || ': ' || to_json(${raw}) || ${lit(` is outside the ${c.type}s a warehouse holds (${range[2]})`)} END`,
      );
    }
    if (c.type === 'date' || c.type === 'timestamp') {
      // Inside what a warehouse holds, but no day of a record: a year cut short, a placeholder.
      const day = (d: string) => (c.type === 'date' ? `DATE '${d}'` : `TIMESTAMP '${d} 00:00:00'`);
      reasons.push(
        `CASE WHEN ${value} >= ${day('0001-01-01')} AND ${value} < ${day(INGEST_EARLIEST_DAY)} THEN ${label} || ': ' || to_json(${raw}) || ${lit(INGEST_BEFORE_EARLIEST_DAY)} WHEN ${value} IN (${placeholderDays(c.type).map(day).join(', ')}) THEN ${label} || ': ' || to_json(${raw}) || ${lit(INGEST_PLACEHOLDER_DAY)} END`,
      );
    }
    if (c.type === 'timestamp' && source.cursor === c.name) {
      const [pattern, words] = INGEST_DATE_ONLY_CURSOR;
      reasons.push(
        `CASE WHEN ${value} IS NOT NULL AND regexp_full_match(${raw}, ${lit(pattern)}) THEN ${label} || ': ' || to_json(${raw}) || ${lit(words)} END`,
      );
    }
    if (c.type === 'timestamp' && (source.cursor === c.name || c.happened)) {
      const words = source.cursor === c.name ? INGEST_FUTURE_CURSOR : INGEST_FUTURE_EVENT;
      // Instants compared as microseconds since 1970: the stored time is UTC, now() is zoned.
      reasons.push(
        `CASE WHEN epoch_us(${value}) > epoch_us(now()) + 86400000000 THEN ${label} || ': ' || to_json(${raw}) || ${lit(words)} END`,
      );
    }
    if (c.type === 'date' && c.happened) {
      // The day of the load in UTC (the session's zone), a day of grace for zones ahead of it.
      reasons.push(
        `CASE WHEN ${value} > CAST(now() AS DATE) + 1 THEN ${label} || ': ' || to_json(${raw}) || ${lit(INGEST_FUTURE_EVENT)} END`,
      );
    }
    if (c.type === 'timestamp') {
      // A local time in a zone named, around a change of daylight saving time: clocks skip it
      // (DuckDB reads it an hour on) or show it twice (DuckDB picks one). Read only for text
      // holding a slash, so rows without a zone name pay one strpos().
      const { local, zone, skipped, repeated } = INGEST_ZONED_TIME;
      const wall = `TRY_CAST(regexp_extract(${raw}, ${lit(local)}, 1) AS TIMESTAMP)`;
      const at = (shift: string) =>
        `timezone(regexp_extract(${raw}, ${lit(zone)}, 1), timezone('UTC', ${value})${shift})`;
      const twice = ['- INTERVAL 1 HOUR', '+ INTERVAL 1 HOUR', '- INTERVAL 30 MINUTE', '+ INTERVAL 30 MINUTE']
        .map((shift) => `${at(` ${shift}`)} = ${wall}`)
        .join(' OR ');
      reasons.push(
        `CASE WHEN ${value} IS NOT NULL AND strpos(${raw}, '/') > 0 AND regexp_full_match(${raw}, ${lit(local)}) THEN CASE WHEN ${at('')} <> ${wall} THEN ${label} || ': ' || to_json(${raw}) || ${lit(skipped)} WHEN ${twice} THEN ${label} || ': ' || to_json(${raw}) || ${lit(repeated)} END END`,
      );
    }
    const bounds = columnBounds(source, c.name);
    if (bounds?.min || bounds?.max) {
      const [inside, words] = boundsCheck(value, bounds.min, bounds.max);
      reasons.push(
        `CASE WHEN NOT (${inside}) THEN ${label} || ': ' || to_json(${raw}) || ${lit(` is outside the range of its schema (${words})`)} END`,
      );
    }
    if (c.values?.length) {
      reasons.push(
        `CASE WHEN ${raw} IS NOT NULL AND ${raw} NOT IN (${c.values.map(lit).join(', ')}) THEN ${label} || ': ' || to_json(${raw}) || ${lit(` is not one of ${c.values.join(', ')}`)} END`,
      );
    } else if (c.type === 'string') {
      if (isIdentifierColumn(c) && origin.kind === 'file') {
        // Every id is searched: control characters are ASCII, so no byte count against a
        // character count tells which to skip (a million keys: 35 ms against 17 for those
        // holding a character past ASCII or a tab only).
        const [invisible, says] = INGEST_INVISIBLE_IN_KEY;
        const [floated, written] = INGEST_FLOAT_WRITTEN_ID;
        reasons.push(
          `CASE WHEN regexp_matches(${raw}, ${lit(invisible)}) THEN ${label} || ': ' || to_json(${raw}) || ${lit(says)} WHEN contains(${raw}, '.0') AND regexp_full_match(${raw}, ${lit(floated)}) THEN ${label} || ': ' || to_json(${raw}) || ${lit(written)} END`,
        );
      }
      const [pattern, words] = INGEST_EXCEL_GUARD;
      const [scientific, notation] = INGEST_SCIENTIFIC_TEXT;
      // A float of a Parquet file is written so by the cast, and said of otherwise (fileText).
      const floated = origin.kind === 'file' && files.floating.has(origin.column);
      // A spreadsheet's error cell, or a number in scientific notation: the cheap tests first
      // (a first character, a substring), the list or the pattern only then.
      const [mojibake, converted] = INGEST_MOJIBAKE;
      reasons.push(
        `CASE WHEN ${raw} IS NOT NULL AND regexp_full_match(${raw}, ${lit(pattern)}) THEN ${label} || ': ' || to_json(${raw}) || ${lit(words)} WHEN (contains(${raw}, 'Ã') OR contains(${raw}, 'Â')) AND regexp_matches(${raw}, ${lit(mojibake)}) THEN ${label} || ': ' || to_json(${raw}) || ${lit(converted)} WHEN prefix(${raw}, '#') AND ${raw} IN (${SPREADSHEET_ERRORS.map(lit).join(', ')}) THEN ${label} || ': ' || to_json(${raw}) || ${lit(INGEST_SPREADSHEET_ERROR)}${floated ? '' : ` WHEN (contains(${raw}, 'E') OR contains(${raw}, 'e')) AND regexp_full_match(${raw}, ${lit(scientific)}) THEN ${label} || ': ' || to_json(${raw}) || ${lit(notation)}`} END`,
      );
    }
  });
  const reason = reasons.length ? `NULLIF(concat_ws('; ', ${reasons.join(', ')}), '')` : 'NULL';
  return `SELECT __row, __line, ${reason} AS __reason, ${columns.join(', ')} FROM (SELECT ${line.row ?? 't.rowid'} AS __row, ${line.select} AS __line, ${inner.join(', ')} FROM ${loaded} AS t${line.join ? ` ${line.join}` : ''}) AS v`;
}
