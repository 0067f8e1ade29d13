import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { finished } from 'node:stream/promises';

/** A CSV record the scan refused, with its physical line and why. */
export interface CsvReject {
  readonly line: number;
  readonly reason: string;
  /** The record's text (up to 1,000 characters). */
  readonly text: string;
}

/** What one streaming pass over a CSV file found: its hash, shape and the records it refuses. */
export interface CsvScan {
  readonly sha256: string;
  /** Bytes in the file. */
  readonly bytes: number;
  readonly delimiter: string;
  /** Column names of the header line, as written (unique: a repeated name gets `_2`, `_3`). */
  readonly header: readonly string[];
  /** Header names written more than once (ignoring case): which copy a column means is unknown. */
  readonly repeated: readonly string[];
  /** Records that a reader may load (not refused, not blank). */
  readonly records: number;
  /**
   * The physical line each loadable record starts on, in order; undefined when record `i`
   * (from 0) simply starts on line `i + 2` (no blank lines, multi-line fields or refused records).
   */
  readonly lines: Uint32Array | undefined;
  /** Records refused by the scan: malformed quotes, NUL bytes, a wrong number of fields, over-long. */
  readonly rejects: readonly CsvReject[];
  /** Byte ranges of the file that a reader must not see (refused records, blank lines). */
  readonly skipped: ReadonlyArray<readonly [number, number]>;
  /**
   * Lines end in LF and in CRLF both (exports appended to each other): a reader told one line
   * ending refuses the file, so a copy with LF throughout is what it reads (`writeWithout`).
   */
  readonly mixedLineEndings: boolean;
  /** Why the file cannot be read at all (empty, not UTF-8, an unterminated quote to the end). */
  readonly unreadable: string | undefined;
}

/**
 * A record longer than this is refused by the scan. Readers are given a larger limit, so no
 * record the scan accepts is refused by them.
 */
export const MAX_RECORD_BYTES = 2_000_000;

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SPACE = 0x20;
const TAB = 0x09;
const DELIMITERS = [0x2c, 0x3b, 0x09, 0x7c]; // , ; tab |
const BOM = [0xef, 0xbb, 0xbf];

/**
 * Reads a CSV file once: its sha256, its delimiter (from the header line), the physical line of
 * every record, and the records no reader should load, each with its line and reason. Quoting is
 * RFC 4180's (`"` quotes, `""` escapes one), so a quoted field may hold delimiters and newlines.
 *
 * @example const scan = await scanCsv('exports/orders.csv'); scan.rejects[0]; // { line: 7, reason: 'malformed quote ...' }
 */
export async function scanCsv(file: string): Promise<CsvScan> {
  const hash = createHash('sha256');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let unreadable: string | undefined;
  let notUtf8 = false;
  let sepLineEnd = 0; // bytes of a first line `sep=;`, when the file has one
  let bomEnd = 0; // bytes of a UTF-8 byte order mark before the header, when there is one

  let line = 1; // physical line of the byte being read
  let offset = 0; // file offset of the byte being read
  let recordStart = 0;
  let recordLine = 1;
  let inQuotes = false;
  let quoteClosed = false; // just left a quoted field: a delimiter or newline must follow
  let fieldStart = true;
  let fields = 1;
  let problem: string | undefined;
  let headerBytes: number[] = [];
  let recordIsEmpty = true;
  // The header's bytes (no BOM, no line end), and how far the record read so far matches them:
  // a record that is the header again is two exports joined (`cat a.csv b.csv`), said as such
  // rather than as a reason per field. `headerAt` is -1 once the record differs.
  let headerLine: Buffer = Buffer.alloc(0);
  let headerAt = -1;
  let bomAt_ = 0; // bytes of a byte order mark before a repeated header (the second file's)

  let delimiter = -1;
  let headerText = '';
  let header: string[] = [];
  let repeated: string[] = [];
  let expectedFields = 0;
  let sawHeader = false;

  // Line endings outside quotes: LF, CRLF, and CRs not before an LF (old Mac files).
  let lf = 0;
  let crlf = 0;
  let loneCr = 0;
  let previous = -1;
  let twoBack = -1; // the byte before `previous`
  let crCrLf = 0; // line ends CR CR LF
  let records = 0;
  let lines = new Uint32Array(1024);
  let regular = true;
  // Refused records' text is read back from the file at the end: the scan keeps offsets only.
  const rejects: Array<{ line: number; reason: string; start: number; end: number }> = [];
  const skipped: Array<[number, number]> = [];

  const endRecord = (end: number) => {
    // end: offset just past the record's newline (or the end of the file)
    if (!sawHeader) {
      sawHeader = true;
      headerText = Buffer.from(headerBytes)
        .toString('utf8')
        .replace(/\r?\n$/, '');
      headerLine = Buffer.from(headerText.replace(/^\uFEFF/, ''), 'utf8');
      headerBytes = [];
      const written = splitHeader(headerText.replace(/^\uFEFF/, ''), delimiter);
      header = uniqueNames(written);
      repeated = written.filter(
        (name, i) => name && written.findIndex((n) => n.toLowerCase() === name.toLowerCase()) !== i,
      );
      expectedFields = fields;
      // Column names come from it, and every reader splits the file by it: a header the scan
      // would refuse as a record makes the file unreadable, never a guess at its names.
      if (problem) unreadable ??= `has a malformed header line (${problem}): fix the file's first line`;
      return;
    }
    if (recordIsEmpty) {
      skipped.push([recordStart, end]);
      regular = false;
      return;
    }
    if (!problem && headerAt === headerLine.length && headerLine.length > 0)
      problem =
        'repeats the header line, as two exports joined into one file do: ingest each export as it was written, or remove the line';
    if (!problem && fields !== expectedFields)
      problem = `has ${fields} fields, the header has ${expectedFields}`;
    if (!problem && end - recordStart > MAX_RECORD_BYTES)
      problem = `is longer than ${MAX_RECORD_BYTES.toLocaleString('en-US')} bytes`;
    if (problem) {
      rejects.push({ line: recordLine, reason: problem, start: recordStart, end });
      skipped.push([recordStart, end]);
      regular = false;
      return;
    }
    if (records === lines.length) {
      const grown = new Uint32Array(lines.length * 2);
      grown.set(lines);
      lines = grown;
    }
    lines[records] = recordLine;
    if (recordLine !== records + 2) regular = false;
    records++;
  };
  const startRecord = () => {
    recordStart = offset + 1;
    recordLine = line + 1;
    inQuotes = false;
    quoteClosed = false;
    fieldStart = true;
    fields = 1;
    problem = undefined;
    recordIsEmpty = true;
    headerAt = sawHeader ? 0 : -1;
    bomAt_ = 0;
  };

  const stream = createReadStream(file);
  // The delimiter is read off the header line before any record is split.
  let pendingHeader: Buffer[] = [];
  let bytes = 0;
  const consume = (chunk: Buffer) => {
    for (let i = 0; i < chunk.length; i++, offset++) {
      const b = chunk[i]!;
      if (offset < sepLineEnd) {
        // Excel's `sep=;` line: not the header, and no reader sees it.
        if (b === LF) startRecord();
        if (b === LF) line++;
        continue;
      }
      if (!sawHeader && headerBytes.length < MAX_RECORD_BYTES) headerBytes.push(b);
      if (headerAt >= 0 && b !== LF && b !== CR) {
        if (headerAt === 0 && bomAt_ < 3 && b === BOM[bomAt_]!) bomAt_++;
        else if (headerLine[headerAt] === b) headerAt++;
        else headerAt = -1;
      }
      // A UTF-8 byte order mark before the header is no part of its first name, which may be
      // quoted after it (PowerShell's Export-Csv writes `\uFEFF"id",...`).
      if (offset < bomEnd) continue;
      if (inQuotes) {
        twoBack = previous;
        previous = b;
        if (b === QUOTE) {
          inQuotes = false;
          quoteClosed = true;
        } else if (b === LF) line++;
        else if (b === NUL) problem ??= 'contains a NUL byte';
        recordIsEmpty = false;
        continue;
      }
      if (b === LF) {
        if (previous === CR) crlf++;
        else lf++;
        if (previous === CR && twoBack === CR) crCrLf++;
        endRecord(offset + 1);
        startRecord();
        line++;
        twoBack = previous;
        previous = b;
        continue;
      }
      if (previous === CR) {
        loneCr++;
        // A CR inside an unquoted field of a file of LF or CRLF lines: readers end the record
        // there (DuckDB's refuses the whole file), so the record is refused, and said why.
        if (sawHeader)
          problem ??= `has a carriage return (CR) inside unquoted field ${fields}: quote the field or remove the CR`;
      }
      twoBack = previous;
      previous = b;
      if (b === CR) continue; // CRLF, or a stray CR before the newline
      // A line of spaces and tabs is blank, as an empty line is; so is a line of delimiters
      // alone (`,,,,`: a spreadsheet's formatted but empty row).
      if (b !== SPACE && b !== TAB && b !== delimiter) recordIsEmpty = false;
      if (b === delimiter) {
        fields++;
        fieldStart = true;
        quoteClosed = false;
        continue;
      }
      if (quoteClosed) {
        if (b === QUOTE) {
          // "" inside a quoted field: an escaped quote; the field goes on
          inQuotes = true;
          quoteClosed = false;
        } else {
          problem ??= `malformed quote: text after the closing quote of field ${fields}`;
        }
        continue;
      }
      if (b === QUOTE) {
        if (fieldStart) inQuotes = true;
        else problem ??= `malformed quote: a quote inside unquoted field ${fields}`;
      } else if (b === NUL) problem ??= 'contains a NUL byte';
      fieldStart = false;
    }
  };
  try {
    for await (const raw of stream) {
      const chunk = raw as Buffer;
      if (bytes === 0) unreadable ??= notCsv(chunk);
      bytes += chunk.length;
      hash.update(chunk);
      if (!unreadable) {
        try {
          utf8.decode(chunk, { stream: true });
        } catch {
          notUtf8 = true;
          unreadable = 'is not UTF-8 encoded';
        }
      }
      if (delimiter < 0) {
        pendingHeader.push(chunk);
        const joined = Buffer.concat(pendingHeader);
        const newline = joined.indexOf(LF);
        if (newline < 0 && joined.length < MAX_RECORD_BYTES) continue;
        // Excel writes `sep=;` first when the list separator is not a comma: it says the
        // delimiter, and the header is the line after it.
        const hint = /^(?:\uFEFF)?sep=([\t !#-~])\r?\n/.exec(joined.subarray(0, 16).toString('utf8'));
        if (hint) {
          sepLineEnd = Buffer.byteLength(hint[0]);
          skipped.push([0, sepLineEnd]);
          delimiter = hint[1]!.charCodeAt(0);
        } else delimiter = detectDelimiter(joined.subarray(0, newline < 0 ? joined.length : newline));
        bomEnd = bomAt(joined, sepLineEnd);
        pendingHeader = [];
        consume(joined);
        continue;
      }
      consume(chunk);
    }
    if (delimiter < 0 && pendingHeader.length) {
      const joined = Buffer.concat(pendingHeader);
      delimiter = detectDelimiter(joined);
      bomEnd = bomAt(joined, 0);
      consume(joined);
    }
  } catch (cause) {
    return failed(hash, bytes, `cannot be read: ${(cause as Error).message}`);
  }
  if (!unreadable) {
    try {
      utf8.decode();
    } catch {
      notUtf8 = true;
      unreadable = 'is not UTF-8 encoded';
    }
  }
  // Where, read again only for a file refused: the scan itself keeps no decoder positions.
  if (notUtf8) unreadable = `is not UTF-8 encoded${await firstBadUtf8(file)}: re-export it as UTF-8`;
  if (inQuotes) {
    // An unterminated quote swallows the rest of the file: which rows follow it cannot be
    // known, so the file is refused whole (a snapshot of its first rows would be wrong).
    unreadable ??= `has an unterminated quote (unterminated quote): the quoted field ${fields} opened on line ${recordLine} never closes`;
  }
  // A CR ending the last record of a file of LF lines: a line end no reader expects there.
  if (previous === CR && sawHeader && crlf === 0 && lf > 0)
    problem ??= `has a carriage return (CR) inside unquoted field ${fields}: quote the field or remove the CR`;
  if (offset > recordStart || !sawHeader) endRecord(offset);
  if (previous === CR) loneCr++;
  // Python's csv module on Windows, writing to a file opened without newline='', ends every
  // line so: no reader takes it, and record by record it would read as stray CRs.
  if (crCrLf > 0)
    unreadable ??=
      "ends its lines with CR CR LF (Python's csv module on Windows writes so to a file opened without newline=''): convert the line endings to CRLF or LF, or write the file with newline=''";
  if (loneCr > 0 && lf + crlf === 0)
    unreadable ??=
      'ends its lines with CR alone (line endings of classic Mac OS): re-export it with LF or CRLF line endings';
  if (!sawHeader || bytes === 0) unreadable ??= 'is empty: a CSV export needs a header line';
  if (!unreadable && !headerText.trim()) unreadable = 'has an empty header line';
  return {
    sha256: hash.digest('hex'),
    bytes,
    delimiter: String.fromCharCode(delimiter < 0 ? 0x2c : delimiter),
    header,
    repeated,
    records,
    lines: regular ? undefined : lines.subarray(0, records),
    rejects: await withText(file, rejects),
    skipped,
    mixedLineEndings: lf > 0 && crlf > 0,
    unreadable,
  };

  function splitHeader(text: string, delim: number): string[] {
    const names: string[] = [];
    let current = '';
    let quoted = false;
    const d = String.fromCharCode(delim < 0 ? 0x2c : delim);
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (quoted) {
        if (ch === '"' && text[i + 1] === '"') {
          current += '"';
          i++;
        } else if (ch === '"') quoted = false;
        else current += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === d) {
        names.push(current.trim());
        current = '';
      } else current += ch;
    }
    names.push(current.trim());
    return names;
  }
}

/** The first 1,000 bytes of each refused record, read back from the file. */
async function withText(
  file: string,
  rejects: ReadonlyArray<{ line: number; reason: string; start: number; end: number }>,
): Promise<CsvReject[]> {
  if (!rejects.length) return [];
  const handle = await open(file, 'r');
  try {
    const result: CsvReject[] = [];
    for (const r of rejects) {
      const length = Math.min(1000, r.end - r.start);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, r.start);
      result.push({
        line: r.line,
        reason: r.reason,
        text: buffer
          .subarray(0, bytesRead)
          .toString('utf8')
          .replace(/\r?\n$/, ''),
      });
    }
    return result;
  } finally {
    await handle.close();
  }
}

/** The scan of a file that could not be read to its end. */
function failed(hash: ReturnType<typeof createHash>, bytes: number, reason: string): CsvScan {
  return {
    sha256: hash.digest('hex'),
    bytes,
    delimiter: ',',
    header: [],
    repeated: [],
    records: 0,
    lines: undefined,
    rejects: [],
    skipped: [],
    mixedLineEndings: false,
    unreadable: reason,
  };
}

/** The end of a UTF-8 byte order mark at `at`, or 0 where there is none. */
function bomAt(bytes: Buffer, at: number): number {
  return bytes[at] === 0xef && bytes[at + 1] === 0xbb && bytes[at + 2] === 0xbf ? at + 3 : 0;
}

function detectDelimiter(headerLine: Buffer): number {
  let best = 0x2c;
  let bestCount = 0;
  for (const d of DELIMITERS) {
    let count = 0;
    let quoted = false;
    for (const b of headerLine) {
      if (b === QUOTE) quoted = !quoted;
      else if (b === d && !quoted) count++;
    }
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

function uniqueNames(names: string[]): string[] {
  // A repeated name's `_2` may be written in the header too (`amount,amount_2,amount`): the
  // numbering skips every name taken, so no two columns share one.
  const taken = new Set(names.map((n, i) => (n || `column${i}`).toLowerCase()));
  const seen = new Set<string>();
  return names.map((raw, i) => {
    const name = raw || `column${i}`;
    if (!seen.has(name.toLowerCase())) {
      seen.add(name.toLowerCase());
      return name;
    }
    let n = 2;
    while (taken.has(`${name}_${n}`.toLowerCase())) n++;
    const unique = `${name}_${n}`;
    taken.add(unique.toLowerCase());
    seen.add(unique.toLowerCase());
    return unique;
  });
}

/**
 * Writes `file` without the skipped byte ranges, so a reader sees exactly the loadable records;
 * with `lf`, every CRLF that ends a line becomes LF (a file of mixed line endings). A CRLF inside
 * a quoted field is the field's text and stays: quotes balance in every record the scan accepts
 * (and in its header), so the parity of the quotes written so far tells a field from a line end.
 */
export async function writeWithout(
  file: string,
  target: string,
  skipped: ReadonlyArray<readonly [number, number]>,
  options: { lf?: boolean } = {},
): Promise<void> {
  const out = createWriteStream(target);
  // A CR last in what was written is held back until the next byte says whether an LF follows.
  let heldCr = false;
  let quoted = false;
  const write = (part: Buffer) => {
    if (!part.length) return;
    if (!options.lf) {
      out.write(part);
      return;
    }
    let from = 0;
    if (heldCr) {
      if (part[0] !== LF) out.write(Buffer.from([CR]));
      heldCr = false;
    }
    for (let i = 0; i < part.length; i++) {
      if (part[i] === QUOTE) quoted = !quoted;
      if (part[i] !== CR || quoted) continue;
      if (i + 1 === part.length) {
        out.write(part.subarray(from, i));
        heldCr = true;
        return;
      }
      if (part[i + 1] === LF) {
        out.write(part.subarray(from, i));
        from = i + 1;
      }
    }
    out.write(part.subarray(from));
  };
  let offset = 0;
  let next = 0;
  for await (const raw of createReadStream(file)) {
    const chunk = raw as Buffer;
    let from = 0;
    while (from < chunk.length) {
      const range = skipped[next];
      const at = offset + from;
      if (!range || range[0] >= offset + chunk.length) {
        write(chunk.subarray(from));
        break;
      }
      if (at < range[0]) {
        const upto = range[0] - offset;
        write(chunk.subarray(from, upto));
        from = upto;
        continue;
      }
      // inside a skipped range
      const end = Math.min(chunk.length, range[1] - offset);
      from = end;
      if (offset + from >= range[1]) next++;
    }
    offset += chunk.length;
  }
  if (heldCr) out.write(Buffer.from([CR]));
  out.end();
  await finished(out);
}

/** What a file that is not a CSV is, from its first bytes, and what to do instead. */
function notCsv(head: Buffer): string | undefined {
  if (head[0] === 0x1f && head[1] === 0x8b)
    return 'is gzip-compressed (compressed file): decompress it (gunzip) and ingest the CSV inside';
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))
    return `is UTF-16 ${head[0] === 0xff ? 'LE' : 'BE'} encoded (it starts with the byte order mark ${head[0] === 0xff ? 'FF FE' : 'FE FF'}): save or re-export it as CSV UTF-8 and ingest that`;
  // UTF-16 without its byte order mark (SQL Server's `bcp -w`): text of ASCII letters has a NUL
  // in every other byte, which no CSV of UTF-8 has.
  const pairs = Math.min(16, Math.floor(head.length / 2));
  if (pairs >= 4) {
    const at = (parity: number) => {
      let nul = 0;
      for (let i = 0; i < pairs; i++) if (head[2 * i + parity] === 0) nul++;
      return nul;
    };
    const [even, odd] = [at(0), at(1)];
    if (odd === pairs && even === 0)
      return 'is UTF-16 LE encoded, without a byte order mark (a NUL byte after each letter): save or re-export it as CSV UTF-8 and ingest that';
    if (even === pairs && odd === 0)
      return 'is UTF-16 BE encoded, without a byte order mark (a NUL byte before each letter): save or re-export it as CSV UTF-8 and ingest that';
  }
  const magic = head.subarray(0, 4).toString('latin1');
  if (magic === 'PK\x03\x04')
    return 'is a ZIP archive or an Excel workbook (not a CSV): extract the CSV, or save the sheet as CSV UTF-8, and ingest that';
  if (magic === 'PAR1') return 'is a Parquet file: name it *.parquet, or pass --format parquet';
  const text = head
    .subarray(0, 64)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  // `{"` or `[{`, `["`, `[1`: JSON. `[OrderID],[Amount]` is a CSV header in brackets.
  if (/^(\{\s*("|\})|\[\s*[{["\]\d-])/.test(text))
    return 'holds JSON, not CSV: export it as CSV or Parquet, the formats ingest reads';
  return undefined;
}

/**
 * Where a file's first byte that is not UTF-8 is: ` (line 3, byte 81)`, lines counted from 1 and
 * bytes from 0 as an editor's hex view shows them; empty if the file cannot be read again.
 */
async function firstBadUtf8(file: string): Promise<string> {
  let line = 1;
  let offset = 0;
  // Continuation bytes still due, and the lowest and highest the next one may be (RFC 3629).
  let due = 0;
  let low = 0x80;
  let high = 0xbf;
  let start = 0; // offset of the sequence being read
  let startLine = 1;
  let lineStart = 0; // offset of the line's first byte
  let startLineAt = 0; // that of the sequence's line
  // Where a byte is, as a person finds it in an editor: its line, and its place in that line.
  const at = (l: number, byte: number, from: number) => ` (line ${l}, byte ${byte - from + 1} of that line`;
  try {
    for await (const raw of createReadStream(file)) {
      for (const b of raw as Buffer) {
        if (due > 0) {
          if (b < low || b > high) return `${at(startLine, start, startLineAt)})`;
          due--;
          low = 0x80;
          high = 0xbf;
        } else {
          start = offset;
          startLine = line;
          startLineAt = lineStart;
          if (b === LF) {
            line++;
            lineStart = offset + 1;
          }
          if (b < 0x80) due = 0;
          else if (b >= 0xc2 && b <= 0xdf) due = 1;
          else if (b >= 0xe0 && b <= 0xef) {
            due = 2;
            if (b === 0xe0) low = 0xa0;
            if (b === 0xed) high = 0x9f;
          } else if (b >= 0xf0 && b <= 0xf4) {
            due = 3;
            if (b === 0xf0) low = 0x90;
            if (b === 0xf4) high = 0x8f;
          } else return `${at(line, offset, lineStart)})`;
        }
        offset++;
      }
    }
  } catch {
    return '';
  }
  return due > 0 ? `${at(startLine, start, startLineAt)}: it ends inside a character)` : '';
}
