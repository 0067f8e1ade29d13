import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ColumnSpec,
  canIngestFiles,
  defineDomain,
  defineSource,
  type FileIngester,
  INGEST_DECIMAL_COMMA_FILE_REFUSALS,
  INGEST_DECIMAL_COMMA_NUMBER,
  INGEST_INVISIBLE_IN_KEY,
  INGEST_MOJIBAKE,
  INGEST_NULL_MARK,
  ingestRows,
  isMeshError,
  placeholderDays,
  type Source,
  type SyncMode,
  schemaConverter,
  type Warehouse,
  z,
} from '@retail-mesh/sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdbDialect } from './duckdb-dialect.js';
import { createDuckDbWarehouse } from './duckdb-warehouse.js';

// The ingest path never loads a row its source's schema refuses: random schemas, random CSV
// files of valid and invalid cells, ingested by the real adapter. Every row in the log parses
// with the zod schema, every record is either loaded or rejected, and a valid row is loaded as
// it was written.

const dir = mkdtempSync(join(tmpdir(), 'mesh-ingest-property-'));
const domain = defineDomain({
  name: 'prop',
  description: 'Property tests',
  owner: { team: 't', email: 't@x.example' },
});

let warehouse: Warehouse & FileIngester;
beforeAll(async () => {
  const opened = await createDuckDbWarehouse({ path: ':memory:' });
  if (!canIngestFiles(opened)) throw new Error('DuckDB ingests files');
  warehouse = opened;
});
afterAll(async () => {
  await warehouse?.close();
  rmSync(dir, { recursive: true, force: true });
});

// --- schemas ---

const KINDS = [
  'int',
  'int32',
  'number',
  'decimal',
  'string',
  'enum',
  'date',
  'timestamp',
  'isoTimestamp',
  'boolean',
] as const;
type Kind = (typeof KINDS)[number];

interface ColumnPlan {
  name: string;
  kind: Kind;
  nullable: boolean;
  values: string[];
}

function zodOf(column: ColumnPlan): z.ZodType {
  const base = {
    int: () => z.int(),
    int32: () => z.int32(),
    number: () => z.number(),
    decimal: () => z.number().meta({ type: 'decimal' }),
    string: () => z.string(),
    enum: () => z.enum(column.values as [string, ...string[]]),
    date: () => z.iso.date(),
    timestamp: () => z.date(),
    isoTimestamp: () => z.iso.datetime(),
    boolean: () => z.boolean(),
  }[column.kind]();
  return column.nullable ? base.nullable() : base;
}

/** Enumeration values: quotes, commas, spaces, case twins and accents among them. */
const enumValues = fc.uniqueArray(
  fc.oneof(
    fc.constantFrom(
      'store',
      'online',
      'Store',
      'ONLINE',
      "it's",
      'a,b',
      'x y',
      ' pad ',
      'é',
      'É',
      '"q"',
      'ß',
    ),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }),
  ),
  { minLength: 1, maxLength: 4 },
);

const columnPlan = (name: string, key: boolean): fc.Arbitrary<ColumnPlan> =>
  fc.record({
    name: fc.constant(name),
    kind: key ? fc.constantFrom<Kind>('int', 'string', 'date') : fc.constantFrom(...KINDS),
    nullable: key ? fc.constant(false) : fc.boolean(),
    values: enumValues,
  });

interface SourcePlan {
  columns: ColumnPlan[];
  mode: SyncMode;
}

const sourcePlan: fc.Arbitrary<SourcePlan> = fc.integer({ min: 1, max: 5 }).chain((others) =>
  fc.record({
    columns: fc.tuple(
      columnPlan('id', true),
      ...Array.from({ length: others }, (_, i) => columnPlan(`c${i + 1}`, false)),
    ),
    mode: fc.constantFrom<SyncMode>('append', 'upsert', 'snapshot'),
  }),
);

let sources = 0;
function sourceOf(plan: SourcePlan): Source {
  const shape = Object.fromEntries(
    plan.columns.map((c) => {
      const schema = zodOf(c).describe(c.name);
      return [c.name, c.name === 'id' ? schema.meta({ key: true }) : schema];
    }),
  );
  return defineSource({
    domain,
    name: `s${++sources}`,
    description: 'A generated source',
    mode: plan.mode,
    schema: z.object(shape),
  });
}

// --- cells ---

/** One CSV cell as written, whether the schema takes it, and then what the source must hold. */
interface Cell {
  text: string;
  valid: boolean;
  expected?: unknown;
}

const quoted = (text: string) => `"${text.replaceAll('"', '""')}"`;
/** A value written bare or quoted, quoted whenever CSV needs it. */
const written = (text: string) => fc.boolean().map((q) => (q || /[",\r\n]/.test(text) ? quoted(text) : text));
const valid = (text: string, expected: unknown) =>
  written(text).map((t): Cell => ({ text: t, valid: true, expected }));
const invalid = (...texts: string[]) =>
  fc
    .constantFrom(...texts)
    .chain(written)
    .map((t): Cell => ({ text: t, valid: false }));

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
/**
 * Dates a source takes (from the year 1000 to what BigQuery holds), with a day's margin so that
 * any offset stays inside in UTC; none on a day systems write for no date.
 */
const instant = fc
  .date({
    min: new Date('1000-01-02T00:00:00.000Z'),
    max: new Date('9999-12-30T23:59:59.999Z'),
    noInvalidDate: true,
  })
  .filter((d) => !placeholderDays('timestamp').includes(d.toISOString().slice(0, 10)));

/** A timestamp written as ISO with Z, as a zone-less UTC time, or with an offset. */
const timestampText = (at: Date): fc.Arbitrary<string> => {
  const iso = at.toISOString();
  return fc.oneof(
    fc.constant(iso),
    fc.constant(iso.replace('T', ' ').replace('Z', '')),
    fc.integer({ min: -14 * 4, max: 14 * 4 }).map((quarters) => {
      const minutes = quarters * 15;
      const local = new Date(at.getTime() + minutes * 60_000).toISOString().replace('Z', '');
      const sign = minutes < 0 ? '-' : '+';
      return `${local}${sign}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
    }),
  );
};

/** INGEST_EXCEL_GUARD's pattern, whole, with RE2's \s (no Unicode spaces). */
const EXCEL_GUARD = /^[\t\n\f\r ]*="[^"]*"[\t\n\f\r ]*$/;

const MOJIBAKE = new RegExp(INGEST_MOJIBAKE[0].replaceAll('\\x{', '\\u{'), 'u');

/**
 * Text for string cells: anything but NUL, which a CSV record may not hold, and the word NULL
 * alone (in any case, padded) or `\N`, which are no value in every column (tested beside this
 * file).
 */
const stringValue = fc
  .string({
    unit: fc.oneof(
      { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 4 },
      {
        arbitrary: fc.constantFrom('"', ',', '\n', '\r\n', '\r', ' ', "'", ';', '\t', '|', '\uFEFF', 'NULL'),
        weight: 2,
      },
    ),
    minLength: 1,
    maxLength: 10,
  })
  .filter(
    (s) =>
      !s.includes('\0') &&
      // Text is loaded in composed form (NFC): a character this Node's Unicode does not know
      // may compose in DuckDB's, which is newer.
      !/\p{Cn}/u.test(s) &&
      // Text converted twice on its way is refused (tested beside this file).
      !MOJIBAKE.test(s) &&
      s.replace(/^ +| +$/g, '').toLowerCase() !== 'null' &&
      s.replace(/^ +| +$/g, '') !== INGEST_NULL_MARK,
  );

/** Text without the spaces around it (trim takes spaces only). */
const unpadded = (s: string) => s.replace(/^[ \u00a0\u202f]+|[ \u00a0\u202f]+$/g, '');
/** Text as a source holds it: unpadded, in composed form (NFC). */
const loaded = (s: string) => unpadded(s).normalize('NFC');
/** A key (`id`) holding an invisible character is refused (a key that would match nothing). */
const INVISIBLE = new RegExp(INGEST_INVISIBLE_IN_KEY[0].replaceAll('\\x{', '\\u{'), 'u');
const refusedKey = (column: ColumnPlan, s: string) => column.name === 'id' && INVISIBLE.test(s);

/** DuckDB's lower(trim(x)) for ASCII text: trim takes spaces only. */
const folded = (s: string) => unpadded(s).toLowerCase();

function cellOf(column: ColumnPlan): fc.Arbitrary<Cell> {
  const good = goodCell(column);
  const bad = badCell(column);
  const empty = fc
    .constantFrom('', '""')
    .map((text): Cell => (column.nullable ? { text, valid: true, expected: null } : { text, valid: false }));
  return fc.oneof(
    { arbitrary: good, weight: 8 },
    { arbitrary: bad, weight: 2 },
    { arbitrary: empty, weight: 1 },
  );
}

function goodCell(column: ColumnPlan): fc.Arbitrary<Cell> {
  switch (column.kind) {
    case 'int':
      return fc.oneof(fc.integer(), fc.maxSafeInteger()).chain((n) => valid(String(n), n));
    case 'int32':
      return fc.integer().chain((n) => valid(String(n), n));
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true }).chain((n) => valid(String(n), n));
    case 'decimal':
      return fc
        .tuple(fc.boolean(), fc.stringMatching(/^[1-9][0-9]{0,19}$|^0$/), fc.stringMatching(/^[0-9]{0,9}$/))
        .chain(([negative, whole, fraction]) => {
          const text = `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
          return valid(text, Number(text));
        });
    case 'string':
      // Spaces only are no value, as an empty field is; a value in Excel's ="…" guard is refused.
      return stringValue.chain((s) =>
        EXCEL_GUARD.test(unpadded(s)) || refusedKey(column, s)
          ? written(s).map((t): Cell => ({ text: t, valid: false }))
          : unpadded(s) !== ''
            ? valid(s, loaded(s))
            : column.nullable
              ? valid(s, null)
              : written(s).map((t): Cell => ({ text: t, valid: false })),
      );
    case 'enum':
      return fc.constantFrom(...column.values).chain((v) => {
        const twins = column.values.filter((w) => folded(w) === folded(v));
        // Another spelling only where it names one value (ASCII, where lower() agrees with JS).
        const spellings =
          twins.length === 1 && /^[\x20-\x7e]+$/.test(v)
            ? [v, v.toUpperCase(), v.toLowerCase(), ` ${v} `].filter(
                (s) => s === v || !column.values.includes(s),
              )
            : [v];
        return fc.constantFrom(...spellings).chain((s) => valid(s, v));
      });
    case 'date':
      return fc.tuple(instant, fc.boolean()).chain(([at, short]) => {
        const day = at.toISOString().slice(0, 10);
        const [y, m, d] = day.split('-');
        return valid(short ? `${y}-${Number(m)}-${Number(d)}` : day, day);
      });
    case 'timestamp':
      return instant.chain((at) => timestampText(at).chain((t) => valid(t, at)));
    case 'isoTimestamp':
      return instant.chain((at) => timestampText(at).chain((t) => valid(t, at.toISOString())));
    case 'boolean':
      return fc
        .tuple(
          fc.boolean(),
          fc.constantFrom<(s: string) => string>(
            (s) => s,
            (s) => s.toUpperCase(),
            (s) => s[0]!.toUpperCase() + s.slice(1),
          ),
        )
        .chain(([b, spell]) => valid(spell(String(b)), b));
  }
}

function badCell(column: ColumnPlan): fc.Arbitrary<Cell> {
  switch (column.kind) {
    case 'int':
      return invalid(
        'abc',
        '1.5',
        '9223372036854775808',
        '9007199254740992',
        '-9007199254740993',
        '1e999',
        '0x10',
        '1_000',
        '12abc',
        'NaN',
      );
    case 'int32':
      return invalid('2147483648', '-2147483649', '1.5', 'x', '1e10');
    case 'number':
      return invalid('NaN', 'inf', 'Infinity', '-Infinity', '1e999', '-1e400', 'abc', '1,5', '0x1p3', '--1');
    case 'decimal':
      return invalid('1e999', 'abc', `1${'0'.repeat(29)}`, 'NaN', '1.2.3', 'inf');
    case 'string':
      return invalid('a\0b');
    case 'enum':
      return fc
        .constantFrom('nope', 'NOPE', 'x-y-z', 'onlin', 'stor e')
        .filter((s) => !column.values.some((v) => folded(v) === folded(s)))
        .chain((s) => invalid(s));
    case 'date':
      return invalid(
        '2020-02-30',
        '2021-02-29',
        '2020-13-01',
        '2020-00-10',
        '0000-01-01',
        '0026-11-30',
        '1899-12-30',
        '10000-01-01',
        'yesterday',
        '20200101',
        '2020/01/01',
        'infinity',
        '2020-01-01T10:00:00',
        '-2020-01-01',
      );
    case 'timestamp':
    case 'isoTimestamp':
      return invalid(
        'infinity',
        '-infinity',
        'epoch',
        'now',
        'yesterday',
        '2020-01-01T25:00:00',
        '10000-01-01 00:00:00',
        '0000-06-01 00:00:00',
        '0999-12-31 23:59:59',
        '1970-01-01T00:00:00Z',
        '2020-13-01 00:00:00',
        '290000-01-01 00:00:00',
        '-2020-01-01 00:00:00',
        '0001-01-01 00:00:00+01:00',
        '9999-12-31 23:00:00-02:00',
      );
    case 'boolean':
      return invalid('maybe', 'tru', '2', 'on', 'off', 'truee');
  }
}

// --- files ---

type Damage = 'none' | 'extra-cell' | 'missing-cell' | 'stray-quote' | 'text-after-quote';

interface RowPlan {
  cells: Cell[];
  damage: Damage;
}

const rowPlan = (columns: ColumnPlan[]): fc.Arbitrary<RowPlan> =>
  fc.record({
    cells: fc.tuple(...columns.map(cellOf)),
    damage: fc.oneof(
      { arbitrary: fc.constant<Damage>('none'), weight: 12 },
      {
        arbitrary: fc.constantFrom<Damage>('extra-cell', 'missing-cell', 'stray-quote', 'text-after-quote'),
        weight: 1,
      },
    ),
  });

interface FilePlan {
  source: SourcePlan;
  /** The file's column order (a permutation of the source's), and the header's spelling. */
  order: number[];
  upper: boolean[];
  rows: RowPlan[];
  endings: 'lf' | 'crlf' | 'mixed';
  mixed: boolean[];
  finalNewline: boolean;
}

const filePlan: fc.Arbitrary<FilePlan> = sourcePlan.chain((source) => {
  const n = source.columns.length;
  return fc.record({
    source: fc.constant(source),
    order: fc.shuffledSubarray(
      Array.from({ length: n }, (_, i) => i),
      { minLength: n, maxLength: n },
    ),
    upper: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    rows: fc.array(rowPlan(source.columns), { minLength: 1, maxLength: 25 }),
    endings: fc.constantFrom<FilePlan['endings']>('lf', 'crlf', 'mixed'),
    mixed: fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
    finalNewline: fc.boolean(),
  });
});

/** A record as written, whether the source must load it, and what its row must hold. */
interface Record_ {
  line: number;
  valid: boolean;
  expected: Record<string, unknown>;
}

/** The file's text and its records, each with the physical line it starts on. */
function render(plan: FilePlan): { text: string; records: Record_[] } {
  const columns = plan.order.map((i) => plan.source.columns[i]!);
  const eol = (i: number) =>
    plan.endings === 'lf' ? '\n' : plan.endings === 'crlf' ? '\r\n' : plan.mixed[i % 30] ? '\r\n' : '\n';
  let text = `${columns.map((c, i) => (plan.upper[i] ? c.name.toUpperCase() : c.name)).join(',')}${eol(0)}`;
  const records: Record_[] = [];
  // A file that writes a decimal comma in a number (`"1,5"`, refused itself) is read as one
  // written where the comma is the decimal mark: its numbers with a dot before three digits
  // (`0.000`, `1.500`) are refused too, as a thousands separator or a decimal point.
  const numeric = plan.source.columns.map((c) => c.kind === 'number' || c.kind === 'decimal');
  const unquoted = (text: string) => (/^".*"$/s.test(text) ? text.slice(1, -1).replaceAll('""', '"') : text);
  const commaFile = plan.rows.some((row) =>
    row.cells.some(
      (c, i) => numeric[i] && new RegExp(`^${INGEST_DECIMAL_COMMA_NUMBER}$`).test(unquoted(c.text)),
    ),
  );
  const dotThousands = new RegExp(`^${INGEST_DECIMAL_COMMA_FILE_REFUSALS[0]![0]}$`);
  plan.rows.forEach((row, r) => {
    if (commaFile)
      row = {
        ...row,
        cells: row.cells.map((c, i) =>
          numeric[i] && c.valid && dotThousands.test(unquoted(c.text)) ? { text: c.text, valid: false } : c,
        ),
      };
    const cells = plan.order.map((i) => row.cells[i]!);
    const texts = cells.map((c) => c.text);
    let damaged = true;
    if (row.damage === 'extra-cell') texts.push('x');
    else if (row.damage === 'missing-cell' && texts.slice(0, -1).join(',') !== '') texts.pop();
    else if (row.damage === 'stray-quote') texts[texts.length - 1] = 'ab"c';
    else if (row.damage === 'text-after-quote') texts[0] = '"ab"c';
    else damaged = false;
    const line = 1 + (text.match(/\n/g)?.length ?? 0);
    const last = r === plan.rows.length - 1;
    text += `${texts.join(',')}${last && !plan.finalNewline ? '' : eol(r + 1)}`;
    // A line of delimiters, spaces and tabs alone is blank (a spreadsheet's empty row): no record.
    if (/^[ ,\t]*$/.test(texts.join(','))) return;
    records.push({
      line,
      valid: !damaged && cells.every((c) => c.valid),
      expected: Object.fromEntries(plan.source.columns.map((c, i) => [c.name, row.cells[i]!.expected])),
    });
  });
  return { text, records };
}

// --- checks ---

const utf8Hex = (s: string) => Buffer.from(s, 'utf8').toString('hex').toUpperCase();

/** What the source holds for a valid row, compared value by value. */
function expectRow(
  column: ColumnPlan,
  spec: ColumnSpec,
  actual: unknown,
  hex: unknown,
  expected: unknown,
  line: number,
) {
  const where = `${column.name} (${column.kind}) on line ${line}`;
  if (expected === null) {
    expect(actual, where).toBeNull();
    return;
  }
  if (column.kind === 'string' || column.kind === 'enum') {
    // In hex: the driver's TextDecoder drops a leading U+FEFF from text it reads.
    expect(hex, where).toBe(utf8Hex(expected as string));
    return;
  }
  const value = schemaConverter(spec)(actual);
  if (column.kind === 'decimal') {
    const want = expected as number;
    expect(Math.abs((value as number) - want), where).toBeLessThanOrEqual(Math.abs(want) * 1e-15);
  } else if (column.kind === 'timestamp') {
    expect((value as Date).getTime(), where).toBe((expected as Date).getTime());
  } else {
    expect(value === expected, `${where}: ${String(value)} is not ${String(expected)}`).toBe(true);
  }
}

/** A value as the warehouse compares it: decimals at their 9 places, instants by their time. */
function comparable(column: ColumnPlan, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return String(value.getTime());
  if (column.kind === 'decimal') return String(Math.round((value as number) * 1e9));
  // -0 and 0 are one number to the warehouse, as to String.
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/**
 * The records of an event file (`append`), or of a snapshot (these have no cursor), as the
 * warehouse takes them: a valid record that repeats an earlier valid record's key (`id`) with
 * other values is rejected (it would be lost, or which copy is current could not be told); an
 * identical copy is loaded (a repeated event; the same row of a snapshot).
 */
function withConflictsRejected(plan: FilePlan, records: readonly Record_[]): Record_[] {
  if (plan.source.mode !== 'append' && plan.source.mode !== 'snapshot') return [...records];
  const first = new Map<string, string>();
  return records.map((record) => {
    if (!record.valid) return record;
    const values = plan.source.columns.map((c) => comparable(c, record.expected[c.name]));
    const key = values[plan.source.columns.findIndex((c) => c.name === 'id')]!;
    const seen = first.get(key);
    if (seen === undefined) first.set(key, values.join('\u0000'));
    else if (seen !== values.join('\u0000')) return { ...record, valid: false };
    return record;
  });
}

async function checkFile(plan: FilePlan) {
  const source = sourceOf(plan.source);
  const rendered = render(plan);
  const { text } = rendered;
  const records = withConflictsRejected(plan, rendered.records);
  const path = join(dir, `${source.name}.csv`);
  writeFileSync(path, text);
  // A file with rows none of which fit, or a snapshot without rows, is refused whole.
  const refusal =
    records.length > 0 && !records.some((r) => r.valid)
      ? 'all-rows-rejected'
      : records.length === 0 && plan.source.mode === 'snapshot'
        ? 'empty-snapshot'
        : undefined;
  if (refusal) {
    const error = await warehouse.ingestFile(source, path).catch((e: unknown) => e);
    expect(isMeshError(error) && error.code).toBe(refusal);
    const batches = await warehouse.listBatches({ source: source.id, includeReverted: true });
    expect(batches).toEqual([]);
    return;
  }
  // A snapshot with a reject is refused whole unless rejects are allowed (it would remove the
  // rejected rows' keys); allowed, its rows are checked as any other file's.
  const snapshot = plan.source.mode === 'snapshot';
  if (snapshot && records.some((r) => !r.valid)) {
    const error = await warehouse.ingestFile(source, path).catch((e: unknown) => e);
    expect(isMeshError(error) && error.code).toBe('snapshot-rejects');
    expect(await warehouse.listBatches({ source: source.id, includeReverted: true })).toEqual([]);
  }
  const result = await warehouse.ingestFile(source, path, snapshot ? { maxRejects: records.length } : {});
  expect(result.status).toBe('loaded');
  expect(result.rows).toBe(records.length);
  expect(result.loaded + result.rejected).toBe(result.rows);

  const q = duckdbDialect.quoteIdent;
  const texts = plan.source.columns.filter((c) => c.kind === 'string' || c.kind === 'enum');
  const log = await warehouse.query(
    `SELECT *${texts.map((c) => `, hex(${q(c.name)}) AS ${q(`hex_${c.name}`)}`).join('')} FROM ${duckdbDialect.tableName(source.log)} WHERE _batch_id = ${result.batchId} ORDER BY _line`,
  );
  const rejects = await warehouse.query(
    `SELECT line FROM ${duckdbDialect.tableName(source.rejects)} WHERE _batch_id = ${result.batchId} ORDER BY line`,
  );
  expect(log).toHaveLength(result.loaded);
  expect(rejects).toHaveLength(result.rejected);

  // Every row the source holds parses with its schema.
  const converters = source.columns.map((c) => [c.name, schemaConverter(c)] as const);
  for (const row of log) {
    const converted = Object.fromEntries(converters.map(([name, convert]) => [name, convert(row[name])]));
    const parsed = source.schema.safeParse(converted);
    expect(parsed.success, `line ${row._line}: ${parsed.error?.message}`).toBe(true);
  }

  // Every record is loaded or rejected, never both; valid ones loaded as written.
  const loadedLines = log.map((r) => Number(r._line));
  const rejectedLines = rejects.map((r) => Number(r.line));
  expect([...loadedLines, ...rejectedLines].sort((a, b) => a - b)).toEqual(records.map((r) => r.line));
  const byLine = new Map(log.map((r) => [Number(r._line), r]));
  for (const record of records) {
    const row = byLine.get(record.line);
    expect(
      row !== undefined,
      `line ${record.line} ${record.valid ? 'valid, not loaded' : 'invalid, loaded'}`,
    ).toBe(record.valid);
    if (!row) continue;
    plan.source.columns.forEach((c, i) => {
      expectRow(
        c,
        source.columns[i]!,
        row[c.name],
        row[`hex_${c.name}`],
        record.expected[c.name],
        record.line,
      );
    });
  }
}

describe('ingesting a CSV file into a source', () => {
  it('loads exactly the valid records and rejects every other one', { timeout: 240_000 }, async () => {
    await fc.assert(fc.asyncProperty(filePlan, checkFile), { numRuns: 60 });
  });
});

// --- ingestRows: fixture rows as a CSV export of them ---

/** A JS value of a column's schema (never '' nor spaces only), the way a fixture writes it. */
function jsValue(column: ColumnPlan): fc.Arbitrary<unknown> {
  const value: fc.Arbitrary<unknown> = {
    int: () => fc.maxSafeInteger(),
    int32: () => fc.integer(),
    number: () => fc.double({ noNaN: true, noDefaultInfinity: true }),
    decimal: () => fc.integer({ min: -(10 ** 9), max: 10 ** 9 }).map((n) => n / 1000),
    string: () => stringValue.filter((v) => unpadded(v) !== '' && !refusedKey(column, v)),
    enum: () => fc.constantFrom(...column.values),
    date: () => instant.map((d) => d.toISOString().slice(0, 10)),
    timestamp: () => instant,
    isoTimestamp: () => instant.map((d) => d.toISOString()),
    boolean: () => fc.boolean(),
  }[column.kind]();
  return column.nullable ? fc.option(value, { nil: null }) : value;
}

describe('ingestRows', () => {
  it('loads every valid fixture row as it was given', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        sourcePlan.chain((plan) =>
          fc.tuple(
            fc.constant(plan),
            // An event file, or a snapshot without a cursor, repeating a key with other values
            // has its later rows rejected (see the conformance suite): one row a key here.
            plan.mode === 'append' || plan.mode === 'snapshot'
              ? fc.uniqueArray(fc.tuple(...plan.columns.map(jsValue)), {
                  minLength: 1,
                  maxLength: 10,
                  selector: (row) => {
                    const id = row[plan.columns.findIndex((c) => c.name === 'id')];
                    return id instanceof Date
                      ? id.getTime()
                      : typeof id === 'string'
                        ? loaded(id)
                        : String(id);
                  },
                })
              : fc.array(fc.tuple(...plan.columns.map(jsValue)), { minLength: 1, maxLength: 10 }),
          ),
        ),
        async ([plan, rows]) => {
          const source = sourceOf(plan);
          const objects = rows.map((row) => Object.fromEntries(plan.columns.map((c, i) => [c.name, row[i]])));
          const result = await ingestRows(warehouse, source, objects);
          expect(result).toMatchObject({ rows: rows.length, loaded: rows.length, rejected: 0 });
          const q = duckdbDialect.quoteIdent;
          const texts = plan.columns.filter((c) => c.kind === 'string' || c.kind === 'enum');
          const log = await warehouse.query(
            `SELECT *${texts.map((c) => `, hex(${q(c.name)}) AS ${q(`hex_${c.name}`)}`).join('')} FROM ${duckdbDialect.tableName(source.log)} ORDER BY _line`,
          );
          log.forEach((row, r) => {
            plan.columns.forEach((c, i) => {
              const given = rows[r]![i];
              const expected = c.kind === 'string' && typeof given === 'string' ? loaded(given) : given;
              expectRow(c, source.columns[i]!, row[c.name], row[`hex_${c.name}`], expected, r + 2);
            });
          });
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('counterexamples the properties found', () => {
  const found = defineSource({
    domain,
    name: 'found',
    description: 'Shrunk counterexamples',
    mode: 'append',
    schema: z.object({
      id: z.int().describe('Id').meta({ key: true }),
      small: z.int32().nullable().describe('A 32-bit count'),
      ratio: z.number().nullable().describe('A ratio'),
      day: z.iso.date().nullable().describe('A day'),
      at: z.date().nullable().describe('A time'),
      kind: z.enum(['a', 'A', ' pad ']).nullable().describe('A kind'),
    }),
  });

  it('rejects what the schema refuses though DuckDB reads it, and keeps the spelling of an enumeration', async () => {
    const path = join(dir, 'found.csv');
    writeFileSync(
      path,
      [
        'id,small,ratio,day,at,kind',
        '9007199254740992,,,,,',
        '3,2147483648,,,,',
        '4,,1e999,,,',
        '5,,,0000-01-01,,',
        '6,,,,infinity,',
        '7,,,,epoch,',
        '8,,,,290000-01-01 00:00:00,',
        '9,,,,0001-01-01 00:00:00+01:00,',
        '10,,,,,A',
        '11,,,,,PAD',
        '12,,,,, a',
      ].join('\n'),
    );
    const result = await warehouse.ingestFile(found, path);
    expect(result).toMatchObject({ rows: 11, loaded: 3, rejected: 8 });
    // Before, DuckDB's reading won: each of these was loaded (year 0, infinity, 1970 for
    // `epoch`, year 290000), and `A` was stored as `a`, its twin ignoring case.
    expect(await warehouse.query('SELECT line, reason FROM prop.raw_found_rejects ORDER BY line')).toEqual([
      {
        line: 2,
        reason:
          'id: "9007199254740992" is outside the range of its schema (at least -9007199254740991 and at most 9007199254740991)',
      },
      {
        line: 3,
        reason:
          'small: "2147483648" is outside the range of its schema (at least -2147483648 and at most 2147483647)',
      },
      { line: 4, reason: 'ratio: "1e999" is not a finite number' },
      {
        line: 5,
        reason: 'day: "0000-01-01" is outside the dates a warehouse holds (0001-01-01 to 9999-12-31)',
      },
      { line: 6, reason: 'at: "infinity" is not a valid timestamp' },
      { line: 7, reason: 'at: "epoch" is not a valid timestamp' },
      { line: 8, reason: 'at: "290000-01-01 00:00:00" is not a valid timestamp' },
      {
        line: 9,
        reason:
          'at: "0001-01-01 00:00:00+01:00" is outside the timestamps a warehouse holds (0001-01-01 00:00:00 to 9999-12-31 23:59:59.999999 UTC)',
      },
    ]);
    expect(await warehouse.query('SELECT id, kind FROM prop.raw_found ORDER BY id')).toEqual([
      { id: 10, kind: 'A' },
      { id: 11, kind: ' pad ' },
      { id: 12, kind: 'a' },
    ]);
  });
});
