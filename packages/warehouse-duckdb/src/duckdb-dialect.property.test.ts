import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { type ColumnSpec, isMeshError, renderSql, selectOfRows, sql, type Warehouse } from '@retail-mesh/sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdbDialect } from './duckdb-dialect.js';
import { createDuckDbWarehouse } from './duckdb-warehouse.js';

// Quoting checked against the engine itself: whatever text a literal or an identifier is made
// of, DuckDB reads back exactly that text, sees one statement, and runs nothing after a quote.

/** Pieces that end a literal, an identifier, a statement or a comment in some SQL dialect. */
const NASTY = [
  "'",
  '"',
  '`',
  '\\',
  "''",
  '""',
  "\\'",
  '\n',
  '\r',
  '\r\n',
  '\t',
  '--',
  '/*',
  '*/',
  ';',
  '$$',
  '$q$',
  '?',
  '$1',
  ':x',
  'E',
  'U&',
  "'; DROP TABLE canary; --",
  '"; DROP TABLE canary; --',
  '\u2028',
  '\u0085',
  '\uFEFF',
  '\u00e9',
  'e\u0301',
  '\u007f',
  '\u001b',
  '\u{1F600}',
  '\u{10FFFF}',
];

const unit = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 4 },
  { arbitrary: fc.constantFrom(...NASTY), weight: 3 },
  { arbitrary: fc.constantFrom('a', 'Z', '0', ' ', '_'), weight: 2 },
);
/** Any text DuckDB's SQL can carry: full Unicode, without NUL (its parser reads C strings). */
const text = fc.string({ unit, maxLength: 24 }).map((s) => s.replaceAll('\0', ''));
/** Text with at least one NUL. */
const withNul = fc.tuple(text, text).map(([a, b]) => `${a}\0${b}`);
/** Text with a lone UTF-16 surrogate: not Unicode text, so no warehouse can hold it. */
const withLoneSurrogate = fc
  .tuple(text, fc.integer({ min: 0xd800, max: 0xdfff }), text)
  .map(([a, code, b]) => `${a}${String.fromCharCode(code)}${b.replace(/^[\udc00-\udfff]/, '')}`)
  .filter((s) => /\p{Cs}/u.test(s));

const RUNS = { numRuns: 250 };

let instance: DuckDBInstance;
let connection: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await connection.run('CREATE TABLE canary AS SELECT 1 AS alive');
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

/** Runs one statement after checking DuckDB's parser sees exactly one; the canary must survive. */
async function runOne(statement: string) {
  expect((await connection.extractStatements(statement)).count).toBe(1);
  const rows = (await connection.runAndReadAll(statement)).getRowObjectsJS();
  const canary = (await connection.runAndReadAll('SELECT alive FROM canary')).getRowObjectsJS();
  expect(canary).toEqual([{ alive: 1 }]);
  return rows;
}

/** The UTF-8 bytes of text in hex, as DuckDB's `hex()` writes them. */
const utf8Hex = (s: string) => Buffer.from(s, 'utf8').toString('hex').toUpperCase();

/**
 * The text as @duckdb/node-api reads it back: its TextDecoder strips a leading U+FEFF (a byte
 * order mark) from every VARCHAR it decodes. The engine holds the character (its bytes are
 * compared in hex); only the driver's decoding drops it.
 */
const asDecoded = (s: string) => (s.startsWith('\uFEFF') ? s.slice(1) : s);

const refusal = (fn: () => unknown): { code: string; message: string } => {
  try {
    fn();
  } catch (error) {
    if (isMeshError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('DuckDB string literals', () => {
  it('read back as exactly the text, several to a statement', { timeout: 30_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 3 }), async (values) => {
        const select = values.map((v, i) => `${duckdbDialect.literal(v)} AS v${i}`).join(', ');
        const bytes = values.map((_, i) => `hex(v${i}) AS h${i}`).join(', ');
        const rows = await runOne(`SELECT *, ${bytes} FROM (SELECT ${select})`);
        expect(rows).toEqual([
          Object.fromEntries(
            values.flatMap((v, i) => [
              [`v${i}`, asDecoded(v)],
              [`h${i}`, utf8Hex(v)],
            ]),
          ),
        ]);
      }),
      RUNS,
    );
  });

  it('read back as exactly the rows of a table of values, typed as its columns say', {
    timeout: 30_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.option(text, { nil: null }),
            fc.integer(),
            fc.option(fc.constant('2024-02-29'), { nil: null }),
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        async (rows) => {
          const table = duckdbDialect.valuesTable!(
            [
              { name: "it's", type: 'string' },
              { name: 'n', type: 'integer' },
              { name: 'day', type: 'date' },
            ],
            rows,
          );
          const read = await runOne(
            `SELECT hex("it's") AS h, n, CAST(day AS VARCHAR) AS day FROM (${table})`,
          );
          expect(read).toEqual(
            rows.map(([v, n, day]) => ({ h: v === null ? null : utf8Hex(v), n: BigInt(n), day })),
          );
        },
      ),
      RUNS,
    );
  });

  it('compare equal to the text in a WHERE, an IN list and a CASE', { timeout: 30_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(text, text, async (a, b) => {
        const [la, lb] = [duckdbDialect.literal(a), duckdbDialect.literal(b)];
        const rows = await runOne(
          `SELECT hex(x) AS x, x IN (${lb}, ${la}) AS found, CASE x WHEN ${la} THEN 'a' ELSE 'other' END AS which FROM (SELECT ${la} AS x) WHERE x = ${la}`,
        );
        expect(rows).toEqual([{ x: utf8Hex(a), found: true, which: 'a' }]);
        expect(b === a || (await runOne(`SELECT ${la} = ${lb} AS same`))[0]?.same === false).toBe(true);
      }),
      RUNS,
    );
  });

  it('refuse text with NUL, which no DuckDB literal can hold, instead of cutting it short', async () => {
    // The engine stores NUL in a VARCHAR (chr(0)), but its parser reads the statement as a C
    // string: a NUL in the SQL text ends the statement there.
    expect(await runOne("SELECT length('a' || chr(0) || 'b') AS n")).toEqual([{ n: 3n }]);
    await expect(connection.run("SELECT 'a\0b' AS v")).rejects.toThrow(/unterminated quoted string/);
    expect(() => duckdbDialect.literal('a\0b')).toThrow(
      'Text "a\\u0000b" contains NUL (U+0000) at index 1, which DuckDB\'s SQL text cannot hold: remove or replace that character before it reaches SQL.',
    );
    fc.assert(
      fc.property(withNul, (s) => {
        const { code, message } = refusal(() => duckdbDialect.literal(s));
        expect(code).toBe('unrepresentable-text');
        expect(message).toMatch(/NUL/);
      }),
    );
  });

  it('refuse text with a lone surrogate instead of turning it into U+FFFD', () => {
    fc.assert(
      fc.property(withLoneSurrogate, (s) => {
        const { code, message } = refusal(() => duckdbDialect.literal(s));
        expect(code).toBe('unrepresentable-text');
        expect(message).toMatch(/surrogate/);
      }),
    );
  });
});

describe('reading text back through @duckdb/node-api', () => {
  it('loses a leading U+FEFF the engine holds (shrunk counterexample, the driver not the quoting)', async () => {
    // The driver decodes VARCHARs with a default TextDecoder, which strips a byte order mark.
    const rows = await runOne(`SELECT v, hex(v) AS h FROM (SELECT ${duckdbDialect.literal('\uFEFF')} AS v)`);
    expect(rows).toEqual([{ v: '', h: 'EFBBBF' }]);
  });
});

describe('DuckDB identifiers', () => {
  const builtIn = new Set(['main', 'temp', 'system', 'information_schema', 'pg_catalog', 'memory']);

  it('name a schema, a table and a column exactly, in one statement each', { timeout: 30_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(text, text, text, async (schema, name, column) => {
        fc.pre(schema !== '' && name !== '' && column !== '');
        fc.pre(!builtIn.has(schema.toLowerCase()) && name.toLowerCase() !== 'canary');
        const q = (s: string) => duckdbDialect.quoteIdent(s);
        await runOne(`CREATE SCHEMA ${q(schema)}`);
        try {
          await runOne(
            `CREATE TABLE ${duckdbDialect.tableName({ schema, name })} (${q(column)} VARCHAR, "other" VARCHAR)`,
          );
          const found = await runOne(
            `SELECT hex(schema_name) AS s, hex(table_name) AS t, hex(column_name) AS c FROM duckdb_columns() WHERE NOT internal AND table_name <> 'canary' AND column_name <> 'other'`,
          );
          expect(found).toEqual([{ s: utf8Hex(schema), t: utf8Hex(name), c: utf8Hex(column) }]);
          // Names from the result's columns: a row object would lose a column called __proto__.
          const alias = await connection.runAndReadAll(`SELECT 1 AS ${q(column)}`);
          expect(alias.columnNames()).toEqual([column]);
        } finally {
          await connection.run(`DROP SCHEMA ${q(schema)} CASCADE`);
        }
      }),
      RUNS,
    );
  });

  it('refuse a name DuckDB cannot hold: empty, with NUL, with a lone surrogate', () => {
    expect(refusal(() => duckdbDialect.quoteIdent(''))).toMatchObject({ code: 'unrepresentable-identifier' });
    fc.assert(
      fc.property(fc.oneof(withNul, withLoneSurrogate), (s) => {
        expect(refusal(() => duckdbDialect.quoteIdent(s)).code).toBe('unrepresentable-identifier');
      }),
    );
  });
});

describe('sql`` rendered for DuckDB', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await createDuckDbWarehouse({ path: ':memory:' });
  });
  afterAll(() => warehouse.close());

  const number = fc.oneof(
    fc.integer(),
    fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  );
  const bigint = fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n });

  const COLUMNS = new Set(['s', 'minus', 'negated', 'b', 'flag', 'nothing', 'listed', 'nested']);

  it('interpolates every value as a literal, even after a minus sign', { timeout: 30_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(text, number, bigint, fc.boolean(), text, async (s, n, b, flag, name) => {
        // Rows are plain objects, where a column called __proto__ sets the prototype instead.
        fc.pre(name !== '' && name !== '__proto__' && !COLUMNS.has(name.toLowerCase()));
        const statement = renderSql(
          sql`SELECT ${s} AS s, CAST(0-${n} AS DOUBLE) AS minus, CAST(-${n} AS DOUBLE) AS negated, 1-${b} AS b, ${flag} AS flag, ${null} AS nothing, ${s} IN (${[s, 'x']}) AS listed, ${sql`${n}`} IS NOT NULL AS nested, 1 AS ${sql.id(name)}`,
          duckdbDialect,
        );
        expect((await connection.extractStatements(statement)).count).toBe(1);
        const rows = await warehouse.query(statement);
        expect(rows).toHaveLength(1);
        const row = rows[0]!;
        expect(row.s).toBe(asDecoded(s));
        // == : -0 and 0 are one number here
        expect(row.minus === 0 - n && row.negated === -n).toBe(true);
        expect(BigInt(row.b as number | string)).toBe(1n - b);
        expect(row.flag).toBe(flag);
        expect(row.nothing).toBeNull();
        expect(row.listed).toBe(true);
        expect(row.nested).toBe(true);
        expect(row[name]).toBe(1);
      }),
      { numRuns: 150 },
    );
  });

  it('selects literal rows (fixtures) of any names and text exactly', { timeout: 30_000 }, async () => {
    const column = (name: string, type: ColumnSpec['type']): ColumnSpec => ({
      name,
      type,
      nullable: true,
      description: undefined,
      pii: false,
      key: false,
      values: undefined,
      asString: false,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(text, { minLength: 2, maxLength: 2, selector: (s) => s.toLowerCase() }),
        fc.array(fc.tuple(fc.option(text, { nil: null }), fc.option(fc.maxSafeInteger(), { nil: null })), {
          maxLength: 4,
        }),
        async ([a, b], rows) => {
          fc.pre(a !== '' && b !== '');
          const columns = [column(a!, 'string'), column(b!, 'integer')];
          const select = renderSql(
            selectOfRows(
              columns,
              rows.map(([s, n]) => ({ [a!]: s, [b!]: n })),
            ),
            duckdbDialect,
          );
          const q = duckdbDialect.quoteIdent;
          const found = await runOne(
            `SELECT hex(${q(a!)}) AS s, CAST(${q(b!)} AS VARCHAR) AS n FROM (${select})`,
          );
          // UNION ALL promises no order: compared as sorted lists.
          const sorted = (list: unknown[]) => list.map((r) => JSON.stringify(r)).sort();
          const expected = rows.map(([s, n]) => ({
            s: s === null ? null : utf8Hex(s),
            n: n === null ? null : String(n),
          }));
          expect(sorted(found)).toEqual(sorted(expected));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps a negative number from starting a comment (shrunk counterexample)', async () => {
    // Before: `SELECT 0--5e-324 AS v`: the rest of the line a comment, the statement broken.
    expect(renderSql(sql`SELECT 0-${-5e-324} AS v`, duckdbDialect)).toBe('SELECT 0-(-5e-324) AS v');
    expect(await warehouse.query(renderSql(sql`SELECT 1-${-1} AS v, 1-${-2n} AS w`, duckdbDialect))).toEqual([
      { v: 2, w: 3 },
    ]);
  });

  it('writes a fraction as the DOUBLE it is (shrunk counterexample)', async () => {
    // Before: 0.0009297578373606339, a DECIMAL(20,19) whose DOUBLE is one unit in the last place off.
    const n = 0.0009297578373606339;
    expect(duckdbDialect.literal(n)).toBe('9.297578373606339e-4');
    expect(await warehouse.query(`SELECT ${duckdbDialect.literal(n)} AS v`)).toEqual([{ v: n }]);
  });
});

describe('sql.upper and sql.lower on DuckDB', () => {
  // Unicode's full case mapping, as BigQuery's UPPER and LOWER (ICU) and JavaScript map: where
  // DuckDB's own upper and lower differ from it, and what decides a final sigma.
  const SPECIAL = [
    ...'ßŉǰΐΰևẖẗẘẙẚὐὒὔὖᾀᾏᾐᾟᾠᾯᾲᾳᾴᾶᾷᾼῂῃῄῆῇῌῒΐῖῗῢΰῤῦῧῲῳῴῶῷῼﬀﬁﬂﬃﬄﬅﬆﬓﬔﬕﬖﬗ',
    ...'İIıiΣσςΑαΒΔΟ',
    "'",
    '.',
    ':',
    '\u00b7',
    '\u2019',
    '\u0301',
    '\u0308',
    '\u200d',
    '\u02b0',
    '\u00aa',
    '\u2160',
    '1',
    ' ',
    '-',
    'a',
    'Z',
  ];
  const cased = fc.string({ unit: fc.constantFrom(...SPECIAL), maxLength: 8 });
  const run = async (value: string, fn: (v: string) => ReturnType<typeof sql.upper>) =>
    (
      await connection.runAndReadAll(`SELECT ${renderSql(fn(value), duckdbDialect)} AS v`)
    ).getRowObjectsJS()[0]?.v;

  it('maps as JavaScript does, letters that case to several and final sigmas included', {
    timeout: 30_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(cased, text), async (value) => {
        expect(await run(value, sql.upper)).toBe(asDecoded(value.toUpperCase()));
        expect(await run(value, sql.lower)).toBe(asDecoded(value.toLowerCase()));
      }),
      { numRuns: 100 },
    );
  });

  it('upper-cases every letter whose upper case is several as ICU does (examples)', async () => {
    // DuckDB's upper alone: STRAẞE, ﬁ kept, ᾳ as ᾼ.
    expect(await run('straße ﬁx ᾳ', sql.upper)).toBe('STRASSE FIX ΑΙ');
    // DuckDB's lower alone: istanbul, σασ.
    expect(await run('İSTANBUL ΣΑΣ', sql.lower)).toBe('i\u0307stanbul σας');
    expect(await run('ΑΣ\u2019Β Σ ΑΣ1', sql.lower)).toBe('ασ\u2019β σ ας1');
    // Every one, found as JavaScript finds them: SpecialCasing's 102.
    const several = Array.from({ length: 0x30000 }, (_, cp) => cp)
      .filter((cp) => cp < 0xd800 || cp > 0xdfff)
      .map((cp) => String.fromCodePoint(cp))
      .filter((c) => [...c.toUpperCase()].length > 1);
    expect(several).toHaveLength(102);
    expect(await run(several.join(' '), sql.upper)).toBe(several.join(' ').toUpperCase());
    expect(await run(null as never, sql.upper)).toBeNull();
    expect(await run(null as never, sql.lower)).toBeNull();
  });
});
