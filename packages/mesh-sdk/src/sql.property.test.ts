import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Dialect } from './dialect.js';
import { defineDomain } from './domain.js';
import type { Relation, TableRef } from './relation.js';
import { defineSource } from './source.js';
import { relationsOf, renderSql, type SqlFragment, type SqlValue, sql } from './sql.js';

// Whatever a fragment interpolates reaches the SQL text only through the dialect: every scalar
// through `literal`, every name through `quoteIdent` or `tableName`, and the template's own
// text as written. The adapters' property tests check that each dialect's quoting is sound.

const shop = defineDomain({ name: 'shop', description: 'Shop', owner: { team: 't', email: 't@x.example' } });
const SOURCES = ['orders', 'returns', 'stock'].map((name) =>
  defineSource({
    domain: shop,
    name,
    description: name,
    mode: 'append',
    schema: z.object({ id: z.string().meta({ key: true }) }),
  }),
);

/** A fragment as the test builds it, beside the pieces the dialect must be asked for, in order. */
type Piece =
  | { kind: 'literal'; value: unknown }
  | { kind: 'ident'; value: string }
  | { kind: 'table'; value: TableRef };
interface Built {
  fragment: SqlFragment;
  /** The rendered text, with `⟦n⟧` where the dialect's n-th answer goes. */
  expected: string;
  pieces: Piece[];
}

/** Text of the program's own templates: anything, quotes and comment starts included. */
const templateText = fc.string({
  unit: fc.constantFrom('a', ' ', "'", '"', '`', '--', '/*', ';', '(', ')', ','),
  maxLength: 6,
});
const scalar = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom("'; DROP TABLE t; --", '"', '`', '\\', '⟦0⟧'),
  fc.integer(),
  fc.double(),
  fc.bigInt(),
  fc.boolean(),
  fc.constant(null),
  fc.date({ noInvalidDate: true }),
);

/** A tree of nested fragments, with its expected rendering built alongside. */
const built: fc.Arbitrary<Built> = fc.letrec<{ node: Built }>((tie) => ({
  node: fc
    .array(
      fc.oneof(
        {
          arbitrary: scalar.map((value) => ({
            value: value as SqlValue,
            pieces: [{ kind: 'literal', value }] as Piece[],
          })),
          weight: 5,
        },
        {
          arbitrary: fc.array(scalar, { minLength: 1, maxLength: 3 }).map((values) => ({
            value: values as SqlValue,
            pieces: values.map((value): Piece => ({ kind: 'literal', value })),
            separator: ', ',
          })),
          weight: 1,
        },
        {
          arbitrary: fc.array(fc.string({ maxLength: 5 }), { minLength: 1, maxLength: 3 }).map((parts) => ({
            value: sql.id(...parts),
            pieces: parts.map((value): Piece => ({ kind: 'ident', value })),
            separator: '.',
          })),
          weight: 1,
        },
        {
          arbitrary: fc.constantFrom(...SOURCES).map((source) => ({
            value: source as SqlValue,
            pieces: [{ kind: 'table', value: source.table }] as Piece[],
          })),
          weight: 1,
        },
        { arbitrary: tie('node').map((inner) => ({ value: inner.fragment, nested: inner })), weight: 1 },
      ),
      { maxLength: 4 },
    )
    .chain((values) =>
      fc
        .array(templateText, { minLength: values.length + 1, maxLength: values.length + 1 })
        .map((strings) => {
          const pieces: Piece[] = [];
          let expected = '';
          strings.forEach((text, i) => {
            expected += text;
            const value = values[i];
            if (!value) return;
            if ('nested' in value) {
              // Renumber the nested tree's answers after the pieces already taken.
              const offset = pieces.length;
              expected += value.nested.expected.replace(/⟦(\d+)⟧/g, (_, n) => `⟦${Number(n) + offset}⟧`);
              pieces.push(...value.nested.pieces);
              return;
            }
            const separator = 'separator' in value ? value.separator : '';
            expected += value.pieces.map((_, k) => `⟦${pieces.length + k}⟧`).join(separator);
            pieces.push(...value.pieces);
          });
          const template = Object.assign([...strings], {
            raw: [...strings],
          }) as unknown as TemplateStringsArray;
          return { fragment: sql(template, ...values.map((v) => v.value)), expected, pieces };
        }),
    ),
})).node;

/** A dialect that answers each question with a numbered marker and records what it was asked. */
function recordingDialect() {
  const asked: Piece[] = [];
  const answer = (piece: Piece) => {
    asked.push(piece);
    return `⟦${asked.length - 1}⟧`;
  };
  const dialect: Dialect = {
    name: 'recording',
    quoteIdent: (value) => answer({ kind: 'ident', value }),
    tableName: (value) => answer({ kind: 'table', value }),
    literal: (value) => answer({ kind: 'literal', value }),
    columnType: () => 'T',
    call: (call, args) => `${call.fn}(${args.join(', ')})`,
  };
  return { dialect, asked };
}

describe('sql``', () => {
  it('sends every interpolated value through the dialect, once, in order', () => {
    fc.assert(
      fc.property(built, ({ fragment, expected, pieces }) => {
        const { dialect, asked } = recordingDialect();
        expect(renderSql(fragment, dialect)).toBe(expected);
        expect(asked).toEqual(pieces);
      }),
      { numRuns: 500 },
    );
  });

  it('finds every relation a fragment reads', () => {
    fc.assert(
      fc.property(built, ({ fragment, pieces }) => {
        const tables = pieces.filter((p) => p.kind === 'table').map((p) => p.value);
        const found = relationsOf(fragment).map((r: Relation) => r.table);
        expect(found).toEqual([...new Set(tables)]);
      }),
      { numRuns: 200 },
    );
  });
});
