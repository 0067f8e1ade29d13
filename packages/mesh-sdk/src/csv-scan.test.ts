import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { scanCsv, writeWithout } from './csv-scan.js';

const dir = mkdtempSync(join(tmpdir(), 'csv-scan-'));
let n = 0;
function file(content: string | Buffer): string {
  const path = join(dir, `f${n++}.csv`);
  writeFileSync(path, content);
  return path;
}

describe('scanCsv', () => {
  it('reads a plain file: hash, header, records on consecutive lines', async () => {
    const text = 'a,b\n1,x\n2,y\n';
    const scan = await scanCsv(file(text));
    expect(scan).toMatchObject({
      delimiter: ',',
      header: ['a', 'b'],
      records: 2,
      rejects: [],
      lines: undefined,
    });
    expect(scan.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(scan.unreadable).toBeUndefined();
  });

  it('gives physical lines past blank lines, CRLF and quoted multi-line fields', async () => {
    const scan = await scanCsv(file('a,b\r\n1,x\r\n\r\n2,"multi\r\nline, with comma"\r\n3,"say ""hi"""\r\n'));
    expect(scan.records).toBe(3);
    expect([...scan.lines!]).toEqual([2, 4, 6]);
    expect(scan.rejects).toEqual([]);
    expect(scan.skipped.length).toBe(1); // the blank line
  });

  it('refuses malformed quotes, NUL bytes and ragged rows with their lines, keeping the rest', async () => {
    const scan = await scanCsv(file('a,b\n1,x\n2,ab"c\n3,"q"q\n4,a\u0000b\n5\n6,y,z\n7,ok\n'));
    expect(scan.rejects.map((r) => [r.line, r.reason])).toEqual([
      [3, 'malformed quote: a quote inside unquoted field 2'],
      [4, 'malformed quote: text after the closing quote of field 2'],
      [5, 'contains a NUL byte'],
      [6, 'has 1 fields, the header has 2'],
      [7, 'has 3 fields, the header has 2'],
    ]);
    expect(scan.records).toBe(2);
    expect([...scan.lines!]).toEqual([2, 8]);
  });

  it('says a record that repeats the header is two exports joined, with or without its byte order mark', async () => {
    const header = 'order_id,line_number,quantity';
    const joined = `\uFEFF${header}\r\nO1,1,2\r\n\uFEFF${header}\r\nO2,1,1\r\n${header}\r\n${header},\r\norder_id,line_number,qty\r\n`;
    const scan = await scanCsv(file(joined));
    const why =
      'repeats the header line, as two exports joined into one file do: ingest each export as it was written, or remove the line';
    expect(scan.rejects.map((r) => [r.line, r.reason])).toEqual([
      [3, why],
      [5, why],
      [6, 'has 4 fields, the header has 3'],
    ]);
    // A row that only resembles it is a row: its fields are judged as values.
    expect(scan.records).toBe(3);
    expect([...scan.lines!]).toEqual([2, 4, 7]);
  });

  it('skips a line of delimiters alone, as a spreadsheet writes its formatted but empty rows', async () => {
    const scan = await scanCsv(file('a,b,c\n1,x,y\n,,\n , ,\n2,z,w\n,,\n'));
    expect(scan.records).toBe(2);
    expect(scan.rejects).toEqual([]);
    expect([...scan.lines!]).toEqual([2, 5]);
    const tabs = await scanCsv(file('a\tb\n1\tx\n\t\n'));
    expect([tabs.records, tabs.rejects.length]).toEqual([1, 0]);
    // A quoted empty field is a value written: the line is a record.
    const quoted = await scanCsv(file('a,b\n"",""\n'));
    expect(quoted.records).toBe(1);
  });

  it('refuses a file whole when a quote never closes: the rows after it cannot be known', async () => {
    const scan = await scanCsv(file('a,b\n1,x\n2,"open\n3,y\n'));
    expect(scan.unreadable).toBe(
      'has an unterminated quote (unterminated quote): the quoted field 2 opened on line 3 never closes',
    );
  });

  it('detects semicolon and tab delimiters from the header, and names repeated or empty columns', async () => {
    expect((await scanCsv(file('a;b;c\n1;2;3\n'))).delimiter).toBe(';');
    const tab = await scanCsv(file('id\tid\t\n1\t2\t3\n'));
    expect(tab).toMatchObject({ delimiter: '\t', header: ['id', 'id_2', 'column2'], records: 1 });
  });

  it('refuses a file of CR line endings, and flags mixed LF and CRLF for a copy in LF that keeps quoted fields whole', async () => {
    expect((await scanCsv(file('a,b\r1,x\r2,y\r'))).unreadable).toMatch(/CR alone/);
    // CR CR LF, as Python's csv module writes on Windows: said, not read as stray CRs.
    const doubled = await scanCsv(file('a,b\r\r\n1,x\r\r\n2,"y\r\r\nz"\r\r\n'));
    expect(doubled.unreadable).toMatch(/^ends its lines with CR CR LF \(Python's csv module/);
    // A CR CR LF inside quotes alone is the field's text.
    expect((await scanCsv(file('a,b\r\n1,"x\r\r\ny"\r\n'))).unreadable).toBeUndefined();
    const path = file('a,b\r\n1,"x\r\ny"\r\n2,y\n3,z\r\n');
    const scan = await scanCsv(path);
    expect(scan).toMatchObject({ mixedLineEndings: true, records: 3, unreadable: undefined });
    expect([...scan.lines!]).toEqual([2, 4, 5]);
    const copy = join(dir, 'lf.csv');
    await writeWithout(path, copy, scan.skipped, { lf: true });
    // Line endings between records become LF; a CRLF inside a quoted field is the field's content.
    expect(readFileSync(copy, 'utf8')).toBe('a,b\n1,"x\r\ny"\n2,y\n3,z\n');
    expect((await scanCsv(file('a,b\r\n1,x\r\n'))).mixedLineEndings).toBe(false);
  });

  it('says why a file cannot be read: empty, not UTF-8', async () => {
    expect((await scanCsv(file(''))).unreadable).toMatch(/empty/);
    expect((await scanCsv(file(Buffer.from([0x61, 0x0a, 0xff, 0xfe, 0x0a])))).unreadable).toMatch(/UTF-8/);
  });

  it('names UTF-16 without its byte order mark, as SQL Server writes it', async () => {
    const text = 'order_id,amount\r\nO1,12.50\r\n';
    const le = await scanCsv(file(Buffer.from(text, 'utf16le')));
    expect(le.unreadable).toMatch(/^is UTF-16 LE encoded, without a byte order mark/);
    const be = Buffer.from(text, 'utf16le').swap16();
    expect((await scanCsv(file(be))).unreadable).toMatch(/^is UTF-16 BE encoded, without a byte order mark/);
  });

  it('says what a file that is no CSV is: compressed, an archive or workbook, Parquet, JSON', async () => {
    const unreadable = async (content: string | Buffer) => (await scanCsv(file(content))).unreadable;
    expect(await unreadable(gzipSync('order_id\nO1\n'))).toBe(
      'is gzip-compressed (compressed file): decompress it (gunzip) and ingest the CSV inside',
    );
    expect(await unreadable(Buffer.from('PK\x03\x04\x14\x00', 'latin1'))).toMatch(
      /^is a ZIP archive or an Excel workbook/,
    );
    expect(await unreadable(Buffer.from('PAR1\x15\x04', 'latin1'))).toMatch(
      /^is a Parquet file: .*--format parquet$/,
    );
    expect(await unreadable('{"order_id": "O1"}\n{"order_id": "O2"}\n')).toMatch(/^holds JSON, not CSV/);
    expect(await unreadable('\uFEFF [{"order_id": "O1"}]')).toMatch(/^holds JSON, not CSV/);
    // A CSV whose first field is quoted braces, or whose header is bracketed, is still a CSV.
    expect(await unreadable('note,id\n"{x}",1\n')).toBeUndefined();
    expect(await unreadable('[OrderID],[Amount]\nO1,2\n')).toBeUndefined();
    expect(await unreadable('{x},y\n1,2\n')).toBeUndefined();
  });

  it('writes the file without the skipped ranges', async () => {
    const source = file('a,b\n1,x\n\n2,ab"c\n3,y\n');
    const scan = await scanCsv(source);
    const clean = join(dir, 'clean.csv');
    await writeWithout(source, clean, scan.skipped);
    expect(readFileSync(clean, 'utf8')).toBe('a,b\n1,x\n3,y\n');
  });
});
