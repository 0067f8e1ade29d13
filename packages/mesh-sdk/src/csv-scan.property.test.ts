import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { scanCsv, writeWithout } from './csv-scan.js';

// The scan and the copy a reader gets: whatever the fields hold (quotes, delimiters, line
// breaks of either kind), the copy holds exactly the records the scan accepts, field for
// field, and the scan says on which line each starts.

const dir = mkdtempSync(join(tmpdir(), 'mesh-csv-property-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const field = fc
  .string({
    unit: fc.oneof(
      { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 3 },
      { arbitrary: fc.constantFrom('"', ',', '\n', '\r\n', '\r', ' ', ';'), weight: 2 },
    ),
    maxLength: 8,
  })
  .map((s) => s.replaceAll('\0', ''));

type Damage = 'none' | 'extra-field' | 'stray-quote' | 'blank-line-before';

interface Plan {
  width: number;
  rows: Array<{ fields: string[]; quote: boolean[]; damage: Damage }>;
  crlf: boolean[];
}

const plan: fc.Arbitrary<Plan> = fc.integer({ min: 2, max: 4 }).chain((width) =>
  fc.record({
    width: fc.constant(width),
    rows: fc.array(
      fc.record({
        fields: fc.array(field, { minLength: width, maxLength: width }),
        quote: fc.array(fc.boolean(), { minLength: width, maxLength: width }),
        damage: fc.oneof(
          { arbitrary: fc.constant<Damage>('none'), weight: 8 },
          {
            arbitrary: fc.constantFrom<Damage>('extra-field', 'stray-quote', 'blank-line-before'),
            weight: 1,
          },
        ),
      }),
      { maxLength: 12 },
    ),
    crlf: fc.array(fc.boolean(), { minLength: 14, maxLength: 14 }),
  }),
);

const cell = (text: string, quote: boolean) =>
  quote || /[",\r\n]/.test(text) || text === '' ? `"${text.replaceAll('"', '""')}"` : text;

/** RFC 4180 records of a text with one kind of line ending outside quotes. */
function parse(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        current += '"';
        i++;
      } else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(current);
      current = '';
    } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      if (c === '\r') i++;
      fields.push(current);
      records.push(fields);
      fields = [];
      current = '';
    } else current += c;
  }
  if (current !== '' || fields.length) records.push([...fields, current]);
  return records;
}

describe('scanCsv and writeWithout', () => {
  it('give a reader exactly the accepted records, their fields unchanged', { timeout: 30_000 }, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(plan, async ({ width, rows, crlf }) => {
        const eol = (i: number) => (crlf[i % crlf.length] ? '\r\n' : '\n');
        const header = Array.from({ length: width }, (_, i) => `h${i}`);
        let text = `${header.join(',')}${eol(0)}`;
        const accepted: Array<{ fields: string[]; line: number }> = [];
        rows.forEach((row, r) => {
          if (row.damage === 'blank-line-before') text += eol(r + 7);
          const cells = row.fields.map((f, i) => cell(f, row.quote[i]!));
          if (row.damage === 'extra-field') cells.push('x');
          if (row.damage === 'stray-quote') cells[0] = 'a"b';
          const line = 1 + (text.match(/\n/g)?.length ?? 0);
          text += `${cells.join(',')}${eol(r + 1)}`;
          // A line of spaces, tabs and delimiters alone is blank, as an empty one is.
          const blank = row.fields.every((f, i) => !row.quote[i] && /^[ \t]+$/.test(f));
          if ((row.damage === 'none' || row.damage === 'blank-line-before') && !blank)
            accepted.push({ fields: row.fields, line });
        });
        const file = join(dir, `f${++n}.csv`);
        const copy = join(dir, `f${n}.copy.csv`);
        writeFileSync(file, text);
        const scan = await scanCsv(file);
        expect(scan.unreadable).toBeUndefined();
        expect(scan.header).toEqual(header);
        expect(scan.records).toBe(accepted.length);
        expect(scan.lines ? [...scan.lines] : accepted.map((_, i) => i + 2)).toEqual(
          accepted.map((a) => a.line),
        );
        await writeWithout(file, copy, scan.skipped, { lf: scan.mixedLineEndings });
        const written = readFileSync(copy, 'utf8');
        expect(parse(written)).toEqual([header, ...accepted.map((a) => a.fields)]);
      }),
      { numRuns: 300 },
    );
  });

  it('keep a CRLF inside a quoted field of a file of mixed line endings (shrunk counterexample)', async () => {
    const file = join(dir, 'mixed.csv');
    const copy = join(dir, 'mixed.copy.csv');
    writeFileSync(file, 'id,note\n1,"a\r\nb"\r\n2,c\n');
    const scan = await scanCsv(file);
    expect(scan).toMatchObject({ mixedLineEndings: true, records: 2 });
    await writeWithout(file, copy, scan.skipped, { lf: true });
    // Before: 'id,note\n1,"a\nb"\n2,c\n': the field's own CRLF became LF.
    expect(readFileSync(copy, 'utf8')).toBe('id,note\n1,"a\r\nb"\n2,c\n');
  });

  it('refuse a file whose header has a stray quote, rather than guess its names', async () => {
    const file = join(dir, 'header.csv');
    writeFileSync(file, 'id,no"te\n1,x\n');
    expect((await scanCsv(file)).unreadable).toBe(
      "has a malformed header line (malformed quote: a quote inside unquoted field 2): fix the file's first line",
    );
  });
});
