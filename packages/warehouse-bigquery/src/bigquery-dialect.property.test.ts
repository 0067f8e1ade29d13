import { ZetaSQLClient } from '@fivetrandevelopers/zetasql';
import { isMeshError, renderSql, sql } from '@retail-mesh/sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigqueryDialect } from './bigquery-dialect.js';
import { type Analyzer, closeZetaSqlServer, createAnalyzer } from './testing/zetasql-analyzer.js';

// Quoting checked against GoogleSQL's lexical rules
// (https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical): a tokenizer written
// from them reads the rendered SQL, and every literal or identifier must be exactly one token
// that decodes to the input. ZetaSQL, GoogleSQL's open-source front end, then reads a sample of
// the same statements: its analyzer names the columns, its evaluator gives the strings' values.

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'identifier'; value: string }
  | { kind: 'string'; value: string }
  | { kind: 'bytes'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'symbol'; text: string };

class LexError extends Error {}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '?': '?',
  '"': '"',
  "'": "'",
  '`': '`',
};

/** The character an escape sequence at `at` (just past the backslash) stands for, and its length. */
function decodeEscape(text: string, at: number): [string, number] {
  const c = text[at];
  if (c === undefined) throw new LexError('backslash at the end of the input');
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return [simple, 1];
  const code = (digits: string, radix: number, length: number, offset: number): number => {
    const part = text.slice(at + offset, at + offset + length);
    if (part.length !== length || ![...part].every((d) => digits.includes(d.toLowerCase()))) {
      throw new LexError(`illegal escape sequence \\${text.slice(at, at + offset + length)}`);
    }
    return Number.parseInt(part, radix);
  };
  const HEX = '0123456789abcdef';
  let point: number;
  let length: number;
  if (c >= '0' && c <= '7') {
    point = code('01234567', 8, 3, 0);
    length = 3;
    if (point > 0o377) throw new LexError('octal escape above \\377');
  } else if (c === 'x' || c === 'X') {
    point = code(HEX, 16, 2, 1);
    length = 3;
  } else if (c === 'u') {
    point = code(HEX, 16, 4, 1);
    length = 5;
  } else if (c === 'U') {
    point = code(HEX, 16, 8, 1);
    length = 9;
  } else throw new LexError(`illegal escape sequence \\${c}`);
  if ((point >= 0xd800 && point <= 0xdfff) || point > 0x10ffff) {
    throw new LexError(`escape of U+${point.toString(16)}, which is no Unicode character`);
  }
  return [String.fromCodePoint(point), length];
}

/**
 * The tokens of GoogleSQL text: comments and whitespace dropped, quoted strings and identifiers
 * decoded. Throws on anything the lexical rules refuse (an unclosed quote, a line break in a
 * single-quoted token, an illegal escape, an empty quoted identifier).
 */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  /** The body of a quoted token opening at `i` with `quote`; i is left past its end. */
  const quoted = (quote: string, raw: boolean): string => {
    const triple = quote !== '`' && text.startsWith(quote.repeat(3), i);
    const end = triple ? quote.repeat(3) : quote;
    i += end.length;
    let value = '';
    for (;;) {
      if (i >= text.length) throw new LexError(`unclosed ${quote} quote`);
      if (text.startsWith(end, i)) {
        i += end.length;
        return value;
      }
      const c = text[i]!;
      if (!triple && (c === '\n' || c === '\r')) throw new LexError(`line break inside a ${quote} token`);
      if (c === '\\') {
        if (raw) {
          // A raw string keeps the backslash and whatever follows it, a quote included.
          value += text.slice(i, i + 2);
          i += 2;
          continue;
        }
        const [decoded, length] = decodeEscape(text, i + 1);
        value += decoded;
        i += 1 + length;
        continue;
      }
      value += c;
      i++;
    }
  };
  while (i < text.length) {
    const rest = text.slice(i);
    const c = text[i]!;
    if (/^[ \t\n\r\f\v]/.test(c)) {
      i++;
      continue;
    }
    if (rest.startsWith('--') || c === '#') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    if (rest.startsWith('/*')) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new LexError('unclosed comment');
      i = end + 2;
      continue;
    }
    const prefix = /^([rR][bB]?|[bB][rR]?)?(['"])/.exec(rest);
    if (prefix) {
      const flags = (prefix[1] ?? '').toLowerCase();
      i += flags.length;
      const value = quoted(prefix[2]!, flags.includes('r'));
      tokens.push(flags.includes('b') ? { kind: 'bytes', text: value } : { kind: 'string', value });
      continue;
    }
    if (c === '`') {
      const value = quoted('`', false);
      if (value === '') throw new LexError('empty quoted identifier');
      tokens.push({ kind: 'identifier', value });
      continue;
    }
    const number = /^(0[xX][0-9a-fA-F]+|([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?)/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', text: number[0] });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (word) {
      tokens.push({ kind: 'word', text: word[0].toUpperCase() });
      i += word[0].length;
      continue;
    }
    const symbol = /^(<=|>=|<>|!=|\|\||<<|>>|=>|->|[()[\]{},.;*+\-/=<>!|&^~@?:%])/.exec(rest);
    if (symbol) {
      tokens.push({ kind: 'symbol', text: symbol[0] });
      i += symbol[0].length;
      continue;
    }
    throw new LexError(`illegal character ${JSON.stringify(c)} at ${i}`);
  }
  return tokens;
}

const word = (text: string): Token => ({ kind: 'word', text });
const symbol = (text: string): Token => ({ kind: 'symbol', text });
const string = (value: string): Token => ({ kind: 'string', value });
const identifier = (value: string): Token => ({ kind: 'identifier', value });

/** Tokens with numbers compared by value, so `1.5` and `1.50` are alike. */
const valued = (tokens: readonly Token[]) =>
  tokens.map((t) => (t.kind === 'number' ? { kind: 'number', value: Number(t.text) } : t));
/** The tokens a number's literal must be: a negative one in parentheses, after its minus sign. */
const numberTokens = (n: number | bigint): Array<Token | { kind: 'number'; value: number }> =>
  n < 0
    ? [symbol('('), symbol('-'), { kind: 'number', value: Number(-n) }, symbol(')')]
    : [{ kind: 'number', value: Number(n) || 0 }]; // -0 is written 0

describe('the tokenizer of the test', () => {
  it('reads GoogleSQL as the lexical rules say', () => {
    expect(
      tokenize(`${String.raw`SELECT 'a\'b', "c\x41\101\u00e9\U0001F600", r'\n', '''x'y''', `}\`a\\\`b\``),
    ).toEqual([
      word('SELECT'),
      string("a'b"),
      symbol(','),
      string('cAAé😀'),
      symbol(','),
      string('\\n'),
      symbol(','),
      string("x'y"),
      symbol(','),
      identifier('a`b'),
    ]);
    expect(tokenize('SELECT 1--1 AS v')).toEqual([word('SELECT'), { kind: 'number', text: '1' }]);
    for (const bad of [
      "'a\nb'",
      "'a",
      String.raw`'\ud800'`,
      String.raw`'\x4'`,
      String.raw`'\q'`,
      '``',
      '`a\nb`',
    ]) {
      expect(() => tokenize(bad), bad).toThrow(LexError);
    }
  });
});

/** Pieces that end a literal, an identifier, a statement or a comment in some SQL dialect. */
const NASTY = [
  "'",
  '"',
  '`',
  '\\',
  "''",
  "'''",
  '"""',
  "\\'",
  '\\x',
  '\\u',
  '\n',
  '\r',
  '\r\n',
  '\t',
  '\v',
  '\0',
  '--',
  '#',
  '/*',
  '*/',
  ';',
  '@p',
  '@@x',
  '?',
  "'; DROP TABLE canary; --",
  '`; DROP TABLE canary; --',
  '\u2028',
  '\u0085',
  '\uFEFF',
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
/** Any Unicode text, NUL included (GoogleSQL writes it `\x00`). */
const text = fc.string({ unit, maxLength: 24 });
/** Text with a lone UTF-16 surrogate: not Unicode text, so no warehouse can hold it. */
const withLoneSurrogate = fc
  .tuple(text, fc.integer({ min: 0xd800, max: 0xdfff }), text)
  .map(([a, code, b]) => `${a}${String.fromCharCode(code)}${b}`)
  .filter((s) => /\p{Cs}/u.test(s));
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
const bigint = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

const RUNS = { numRuns: 500 };
const dialect = bigqueryDialect({ projectId: 'retail-mesh-prod', datasetPrefix: 'dev_' });

const refusal = (fn: () => unknown): { code: string; message: string } => {
  try {
    fn();
  } catch (error) {
    if (isMeshError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('GoogleSQL string literals', () => {
  it('are one token that decodes to the text, several to a statement', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 3 }), (values) => {
        const statement = `SELECT ${values.map((v, i) => `${dialect.literal(v)} AS v${i}`).join(', ')}`;
        expect(tokenize(statement)).toEqual([
          word('SELECT'),
          ...values.flatMap((v, i) => [...(i ? [symbol(',')] : []), string(v), word('AS'), word(`V${i}`)]),
        ]);
      }),
      RUNS,
    );
  });

  it('refuse text with a lone surrogate, which GoogleSQL cannot escape either', () => {
    fc.assert(
      fc.property(withLoneSurrogate, (s) => {
        const { code, message } = refusal(() => dialect.literal(s));
        expect(code).toBe('unrepresentable-text');
        expect(message).toMatch(/surrogate/);
      }),
    );
  });

  it('keep a line break, a quote and NUL as escapes (examples)', () => {
    expect(dialect.literal("it's\n\r\t\0\\`")).toBe(`${String.raw`'it\'s\n\r\t\x00\\`}\`'`);
    expect(dialect.literal('\x1b\x7f\v')).toBe(String.raw`'\x1b\x7f\x0b'`);
  });
});

describe('GoogleSQL identifiers', () => {
  it('are one token that decodes to the name, alone or in a table path', () => {
    fc.assert(
      fc.property(text, text, text, (schema, name, column) => {
        fc.pre(schema !== '' && name !== '' && column !== '');
        expect(tokenize(`SELECT 1 AS ${dialect.quoteIdent(column)}`)).toEqual([
          word('SELECT'),
          { kind: 'number', text: '1' },
          word('AS'),
          identifier(column),
        ]);
        expect(tokenize(`SELECT * FROM ${dialect.tableName({ schema, name })}`)).toEqual([
          word('SELECT'),
          symbol('*'),
          word('FROM'),
          identifier('retail-mesh-prod'),
          symbol('.'),
          identifier(`dev_${schema}`),
          symbol('.'),
          identifier(name),
        ]);
      }),
      RUNS,
    );
  });

  it('refuse an empty name and one with a lone surrogate', () => {
    expect(refusal(() => dialect.quoteIdent(''))).toMatchObject({ code: 'unrepresentable-identifier' });
    fc.assert(
      fc.property(withLoneSurrogate, (s) => {
        expect(refusal(() => dialect.quoteIdent(s)).code).toBe('unrepresentable-identifier');
      }),
    );
  });

  it('escape a line break, which ends a quoted identifier (shrunk counterexample)', () => {
    // Before: `a<LF>b` unescaped, which ZetaSQL reads as "Unclosed identifier literal".
    expect(dialect.quoteIdent('a\nb')).toBe('`a\\nb`');
    expect(tokenize(`SELECT 1 AS ${dialect.quoteIdent('\r')}`).at(-1)).toEqual(identifier('\r'));
  });
});

/** The statement of the template property, and the tokens it must be made of. */
function templateCase(s: string, n: number, b: bigint, flag: boolean, name: string) {
  const statement = renderSql(
    sql`SELECT ${s} AS s, 0-${n} AS minus, -${n} AS negated, 1-${b} AS b, ${flag} AS flag, ${null} AS nothing, ${s} IN (${[s, 'x']}) AS listed, ${sql`${n}`} AS nested, 1 AS ${sql.id(name)}`,
    dialect,
  );
  const expected = [
    word('SELECT'),
    string(s),
    word('AS'),
    word('S'),
    symbol(','),
    { kind: 'number', value: 0 },
    symbol('-'),
    ...numberTokens(n),
    word('AS'),
    word('MINUS'),
    symbol(','),
    symbol('-'),
    ...numberTokens(n),
    word('AS'),
    word('NEGATED'),
    symbol(','),
    { kind: 'number', value: 1 },
    symbol('-'),
    ...numberTokens(b),
    word('AS'),
    word('B'),
    symbol(','),
    word(flag ? 'TRUE' : 'FALSE'),
    word('AS'),
    word('FLAG'),
    symbol(','),
    word('NULL'),
    word('AS'),
    word('NOTHING'),
    symbol(','),
    string(s),
    word('IN'),
    symbol('('),
    string(s),
    symbol(','),
    string('x'),
    symbol(')'),
    word('AS'),
    word('LISTED'),
    symbol(','),
    ...numberTokens(n),
    word('AS'),
    word('NESTED'),
    symbol(','),
    { kind: 'number', value: 1 },
    word('AS'),
    identifier(name),
  ];
  return { statement, expected };
}

describe('sql`` rendered for BigQuery', () => {
  it('interpolates every value as one literal, even after a minus sign', () => {
    fc.assert(
      fc.property(text, number, bigint, fc.boolean(), text, (s, n, b, flag, name) => {
        fc.pre(name !== '');
        const { statement, expected } = templateCase(s, n, b, flag, name);
        expect(valued(tokenize(statement))).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('writes a negative number in parentheses (shrunk counterexample)', () => {
    // Before: `0--5e-324`, a comment from the minus sign on: the rest of the line was lost.
    expect(renderSql(sql`SELECT 0-${-5e-324} AS v`, dialect)).toBe('SELECT 0-(-5e-324) AS v');
    expect(renderSql(sql`SELECT 1-${-1n} AS v`, dialect)).toBe('SELECT 1-(-1) AS v');
    // Before: 9223372036854775808, an integer literal past INT64 that GoogleSQL refuses.
    expect(dialect.literal(2 ** 63)).toBe('9.223372036854776e+18');
  });
});

describe('ZetaSQL reads the same SQL', () => {
  let analyzer: Analyzer;
  beforeAll(async () => {
    analyzer = await createAnalyzer([]);
  }, 60_000);
  afterAll(async () => {
    await analyzer?.close();
    await closeZetaSqlServer();
  });

  /** The value of a GoogleSQL expression, by ZetaSQL's reference evaluator. */
  const evaluate = async (expression: string): Promise<string | undefined> => {
    const client = ZetaSQLClient.getInstance();
    const response = await client.promisify(
      { sql: expression },
      ZetaSQLClient.API.evaluate.bind(ZetaSQLClient.API),
    );
    return (response as { value?: { stringValue?: string } } | undefined)?.value?.stringValue;
  };

  it('as one statement whose literal is the text and whose column is the name', {
    timeout: 30_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(text, text, async (s, name) => {
        fc.pre(name !== '');
        expect(await evaluate(dialect.literal(s))).toBe(s);
        expect(await analyzer.analyze(`SELECT ${dialect.literal(s)} AS ${dialect.quoteIdent(name)}`)).toEqual(
          {
            ok: true,
            outputColumns: [{ name, type: 'STRING' }],
          },
        );
      }),
      { numRuns: 100 },
    );
  });

  it('as one statement for the template property', { timeout: 30_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(text, number, bigint, fc.boolean(), text, async (s, n, b, flag, name) => {
        const lower = name.toLowerCase();
        fc.pre(
          name !== '' &&
            !['s', 'minus', 'negated', 'b', 'flag', 'nothing', 'listed', 'nested'].includes(lower),
        );
        const { statement } = templateCase(s, n, b, flag, name);
        const result = await analyzer.analyze(statement);
        expect(result).toMatchObject({ ok: true });
        expect(result.ok && result.outputColumns?.map((c) => c.name)).toEqual([
          's',
          'minus',
          'negated',
          'b',
          'flag',
          'nothing',
          'listed',
          'nested',
          name,
        ]);
      }),
      { numRuns: 100 },
    );
  });
});
