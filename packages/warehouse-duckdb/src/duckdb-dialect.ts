import {
  type Dialect,
  type LogicalType,
  type PortableCall,
  type TableRef,
  UsageError,
  WHITESPACE_CODE_POINTS,
} from '@retail-mesh/sdk';

const TYPES: Record<LogicalType, string> = {
  string: 'VARCHAR',
  integer: 'BIGINT',
  number: 'DOUBLE',
  // BigQuery NUMERIC's precision and scale, so a product gives the same figures on both.
  decimal: 'DECIMAL(38,9)',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

/** The Sunday that starts the week of a date: DuckDB's own weeks start on Monday. */
const sundayWeek = (value: string) => `(CAST(date_trunc('week', CAST(${value} AS DATE) + 1) AS DATE) - 1)`;

/** RE2's escape of a code point, for a character class. */
const re2 = (cp: number) => `\\x{${cp.toString(16).toUpperCase()}}`;
/** Ranges of code points written in hex, `df 1e96-1e9a`, as `[first, last]` pairs. */
const ranges = (text: string) =>
  text.split(' ').map((range) => {
    const [first, last = first] = range.split('-').map((hex) => Number.parseInt(hex, 16));
    return [first!, last!] as const;
  });
/** A character class's body (without brackets) of ranges of code points. */
const classOf = (text: string) =>
  ranges(text)
    .map(([first, last]) => (first === last ? re2(first) : `${re2(first)}-${re2(last)}`))
    .join('');

/**
 * The characters whose upper case is several (Unicode's SpecialCasing, unconditional): ß, ŉ,
 * ǰ, Greek with a iota subscript or breathing, the Latin and Armenian ligatures (ﬁ). BigQuery's
 * UPPER (ICU) maps them to several characters (ß to SS), DuckDB's upper to one or none (ß to ẞ).
 */
const UPPER_EXPANSIONS = ranges(
  'df 149 1f0 390 3b0 587 1e96-1e9a 1f50 1f52 1f54 1f56 1f80-1faf 1fb2-1fb4 1fb6-1fb7 1fbc 1fc2-1fc4 1fc6-1fc7 1fcc 1fd2-1fd3 1fd6-1fd7 1fe2-1fe4 1fe6-1fe7 1ff2-1ff4 1ff6-1ff7 1ffc fb00-fb06 fb13-fb17',
).flatMap(([first, last]) => Array.from({ length: last - first + 1 }, (_, i) => first + i));

/** Unicode's Cased: upper, lower and title case letters, and the Other_Lowercase/Uppercase ones. */
const CASED = `\\p{Lu}\\p{Ll}\\p{Lt}${classOf(
  'aa ba 2b0-2b8 2c0-2c1 2e0-2e4 345 37a 10fc 1d2c-1d6a 1d78 1d9b-1dbf 2071 207f 2090-209c 2160-217f 24b6-24e9 2c7c-2c7d a69c-a69d a770 a7f1-a7f4 a7f8-a7f9 ab5c-ab5f ab69 10780 10783-10785 10787-107b0 107b2-107ba 1e030-1e06d 1f130-1f149 1f150-1f169 1f170-1f189',
)}`;
/** Unicode's Case_Ignorable: marks, format characters, modifiers, apostrophes and the like. */
const CASE_IGNORABLE = `\\p{Mn}\\p{Me}\\p{Cf}\\p{Lm}\\p{Sk}${classOf('27 2e 3a b7 387 55f 5f4 2018-2019 2024 2027 fe13 fe52 fe55 ff07 ff0e ff1a')}`;
/**
 * A capital sigma that ends a word (Unicode's Final_Sigma: after a cased letter, and before no
 * cased letter, case-ignorable characters between): groups 1 and 2 what surrounds it, 3 the
 * character after them (or nothing at the end).
 */
const FINAL_SIGMA = `([${CASED}][${CASE_IGNORABLE}]*)\\x{3A3}([${CASE_IGNORABLE}]*)([^${CASED}${CASE_IGNORABLE}]|$)`;

/** The first 40 characters of a value, for a message. */
const preview = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/**
 * Why DuckDB's SQL text cannot carry `value`, if it cannot: a NUL ends the statement (the parser
 * reads a C string, so a literal would be cut short there), and a lone UTF-16 surrogate is no
 * Unicode character (the driver would store U+FFFD instead). Refused, never altered.
 */
function unrepresentable(value: string): string | undefined {
  const nul = value.indexOf('\0');
  if (nul >= 0) return `contains NUL (U+0000) at index ${nul}, which DuckDB's SQL text cannot hold`;
  // With the u flag a surrogate pair is one code point: only a lone half matches.
  const lone = /\p{Cs}/u.exec(value);
  if (lone) {
    const unit = lone[0].charCodeAt(0).toString(16).toUpperCase();
    return `contains a lone UTF-16 surrogate (U+${unit}) at index ${lone.index}, which is not Unicode text and which no warehouse stores`;
  }
  return undefined;
}

function quoteString(value: string): string {
  const problem = unrepresentable(value);
  if (problem) {
    throw new UsageError(
      'unrepresentable-text',
      `Text ${preview(value)} ${problem}: remove or replace that character before it reaches SQL.`,
    );
  }
  return `'${value.replaceAll("'", "''")}'`;
}

function quoteIdent(name: string): string {
  const problem = name === '' ? 'is empty' : unrepresentable(name);
  if (problem) {
    throw new UsageError(
      'unrepresentable-identifier',
      `Name ${preview(name)} ${problem}, so it cannot name a DuckDB column, table or schema: choose another name.`,
    );
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/** A number's literal; a negative one in parentheses, so that `1-${-1}` never reads as a `--` comment. */
const numeric = (text: string) => (text.startsWith('-') ? `(${text})` : text);

/** DuckDB's spelling of portable SQL. Timestamps are UTC: the adapter pins the session time zone. */
export const duckdbDialect: Dialect = {
  name: 'duckdb',
  quoteIdent,
  tableName(ref: TableRef) {
    return `${this.quoteIdent(ref.schema)}.${this.quoteIdent(ref.name)}`;
  },
  literal(value: unknown): string {
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'string') return quoteString(value);
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
    if (typeof value === 'bigint') return numeric(value.toString());
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new TypeError(`Cannot write ${value} as a SQL literal.`);
      // DuckDB reads 0.1 as a DECIMAL, whose conversion to DOUBLE may miss by one unit in the
      // last place; 1e-1 it reads as the DOUBLE nearest, which is the JS number itself.
      return numeric(Number.isSafeInteger(value) ? String(value) : value.toExponential());
    }
    if (value instanceof Date)
      return `TIMESTAMP ${quoteString(value.toISOString().replace('T', ' ').replace('Z', ''))}`;
    throw new TypeError(`Cannot write a ${typeof value} as a SQL literal.`);
  },
  columnType: (type) => TYPES[type],
  valuesTable(columns, rows) {
    const names = columns.map((c) => quoteIdent(c.name));
    const values = rows.map((row) => `(${row.map((v) => this.literal(v)).join(', ')})`).join(', ');
    const cast = columns.map((c, i) => `CAST(${names[i]} AS ${TYPES[c.type]}) AS ${names[i]}`);
    return `SELECT ${cast.join(', ')} FROM (VALUES ${values}) AS v(${names.join(', ')})`;
  },
  call(call: PortableCall, args: readonly string[]): string {
    const [a, b] = args;
    switch (call.fn) {
      case 'safe_divide':
        return `(CASE WHEN (${b}) = 0 THEN NULL ELSE (${a}) / (${b}) END)`;
      case 'decimal_divide': {
        // DuckDB divides a DECIMAL in DOUBLE, 16 digits: in integers instead, as BigQuery's
        // NUMERIC does. Each side in billionths (a HUGEINT), the quotient in billionths rounded
        // half away from zero, then scaled back by a DECIMAL product (which stays a DECIMAL).
        const billionths = (x: string) => `CAST(CAST(${x} AS DECIMAL(38,9)) * 1000000000 AS HUGEINT)`;
        const [n, d] = [billionths(a!), billionths(b!)];
        const q = `((abs(${n}) * 1000000000 + abs(${d}) // 2) // abs(${d}))`;
        return `(CASE WHEN ${d} = 0 THEN NULL ELSE CAST((CASE WHEN (${n} < 0) <> (${d} < 0) THEN -${q} ELSE ${q} END) AS DECIMAL(38,0)) * CAST(0.000000001 AS DECIMAL(38,9)) END)`;
      }
      case 'current_timestamp':
        return 'CAST(current_timestamp AS TIMESTAMP)';
      case 'current_date':
        return 'current_date';
      case 'date_trunc':
        return call.unit === 'week'
          ? sundayWeek(a!)
          : `CAST(date_trunc('${call.unit}', CAST(${a} AS DATE)) AS DATE)`;
      case 'timestamp_trunc':
        return `date_trunc('${call.unit}', ${a})`;
      case 'date_add':
        return call.unit === 'week'
          ? `CAST(CAST(${a} AS DATE) + to_days(7 * CAST(${b} AS INTEGER)) AS DATE)`
          : call.unit === 'quarter'
            ? `CAST(CAST(${a} AS DATE) + to_months(3 * CAST(${b} AS INTEGER)) AS DATE)`
            : `CAST(CAST(${a} AS DATE) + to_${call.unit}s(CAST(${b} AS INTEGER)) AS DATE)`;
      case 'date_diff':
        // Sunday-based week boundaries crossed, as BigQuery counts them.
        return call.unit === 'week'
          ? `CAST((${sundayWeek(a!)} - ${sundayWeek(b!)}) / 7 AS BIGINT)`
          : `date_diff('${call.unit}', CAST(${b} AS DATE), CAST(${a} AS DATE))`;
      case 'to_date':
        return `CAST(${a} AS DATE)`;
      case 'conform':
        if (call.type === 'integer') {
          // A fraction is refused, not rounded. The type tests fold when the query is bound:
          // a transform's integer pays nothing, a DOUBLE one comparison.
          const fraction = (exact: string) =>
            `(CASE WHEN CAST(${a} AS ${exact}) <> trunc(CAST(${a} AS ${exact})) THEN error(${quoteString(`column ${call.column}: the transform gives `)} || CAST(${a} AS VARCHAR) || ${quoteString(', which an integer column would round; round, floor or cast it in the transform')}) ELSE CAST(${a} AS BIGINT) END)`;
          return `(CASE WHEN typeof(${a}) IN ('FLOAT', 'DOUBLE') THEN ${fraction('DOUBLE')} WHEN typeof(${a}) LIKE 'DECIMAL%' THEN ${fraction('DECIMAL(38,9)')} ELSE CAST(${a} AS BIGINT) END)`;
        }
        return duckdbDialect.call({ fn: 'cast', type: call.type, args: call.args }, args);
      case 'cast':
        // Text with an offset (`…+05:30`) names an instant: DuckDB's cast to TIMESTAMP drops
        // the offset where BigQuery's applies it. Text goes through TIMESTAMPTZ (the session is
        // UTC); the type test folds when the query is bound, so other values pay nothing.
        if (call.type === 'timestamp')
          return `(CASE WHEN typeof(${a}) = 'VARCHAR' THEN CAST(CAST(${a} AS TIMESTAMPTZ) AS TIMESTAMP) ELSE CAST(${a} AS TIMESTAMP) END)`;
        // A double halfway between two integers rounds away from zero, as BigQuery's cast does
        // (2.5 to 3, -0.5 to -1): DuckDB's own cast rounds it to the even one (2, 0). round()
        // rounds away from zero; the type test folds when the query is bound.
        if (call.type === 'integer')
          return `(CASE WHEN typeof(${a}) IN ('FLOAT', 'DOUBLE') THEN CAST(round(CAST(${a} AS DOUBLE)) AS BIGINT) ELSE CAST(${a} AS BIGINT) END)`;
        return `CAST(${a} AS ${TYPES[call.type]})`;
      case 'row_fingerprint': {
        // Summed as well as XORed: DuckDB's hash of several values is XOR-like, and an XOR
        // alone cancels equal changes to pairs of rows.
        const h = `hash(${args.join(', ')})`;
        return `(CAST(sum(${h} % 2147483647) AS VARCHAR) || ':' || CAST(bit_xor(${h}) AS VARCHAR))`;
      }
      case 'regexp_matches':
        return `regexp_matches(${a}, ${quoteString(call.pattern)})`;
      case 'regexp_replace':
        // 'g': every match, as BigQuery's REGEXP_REPLACE replaces (DuckDB's, the first only).
        return `regexp_replace(${a}, ${quoteString(call.pattern)}, ${quoteString(call.replacement)}, 'g')`;
      case 'trim_whitespace':
        // chr(): a literal may hold no tab or line break (see quoteString). Folded once.
        return `trim(${a}, ${WHITESPACE_CODE_POINTS.map((c) => `chr(${c})`).join(' || ')})`;
      case 'upper': {
        // Unicode's full mapping, as BigQuery's UPPER: on the rows holding a character whose
        // upper case is several, each is replaced by it before upper(). One CASE over the
        // characters, not a replace() per character: DuckDB took 55 ms to plan 102 nested calls.
        const several = UPPER_EXPANSIONS.map(
          (cp) =>
            `WHEN ${quoteString(String.fromCodePoint(cp))} THEN ${quoteString(String.fromCodePoint(cp).toUpperCase())}`,
        );
        const expanded = `array_to_string(list_transform(string_split(${a}, ''), lambda ch: CASE ch ${several.join(' ')} ELSE ch END), '')`;
        return `upper(CASE WHEN regexp_matches(${a}, '[${UPPER_EXPANSIONS.map(re2).join('')}]') THEN ${expanded} ELSE ${a} END)`;
      }
      case 'lower':
        // Unicode's full mapping, as BigQuery's LOWER: İ is i and a combining dot, and a capital
        // sigma ending a word is ς (replaced before lower(), which would make it σ).
        return `lower(CASE WHEN regexp_matches(${a}, '[\\x{130}\\x{3A3}]') THEN regexp_replace(replace(${a}, 'İ', ${quoteString('i\u0307')}), ${quoteString(FINAL_SIGMA)}, ${quoteString('\\1\u03c2\\2\\3')}, 'g') ELSE ${a} END)`;
      case 'stamp_sum':
        // A sum of BIGINTs is a HUGEINT: exact.
        return `CAST(sum(epoch_us(${a})) AS VARCHAR)`;
      case 'rows_json':
        // Each row's JSON joined as text, not a JSON of the list of rows: over a UNION of
        // aggregates (the incremental plan's query) list() made it dearer by 5 ms of 11.
        return `('[' || string_agg(CAST(to_json(${a}) AS VARCHAR), ',') || ']')`;
    }
  },
};
