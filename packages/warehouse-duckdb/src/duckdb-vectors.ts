import { endianness } from 'node:os';
import type { DuckDBDecimalType, DuckDBEnumType, DuckDBType, DuckDBVector } from '@duckdb/node-api';
import type { SqlRow } from '@retail-mesh/sdk';
import { duckdb } from './duckdb-api.js';

const { DuckDBTypeId, JSDuckDBValueConverter } = duckdb;

/**
 * Reads one column of a result chunk into `out[0..rows)`, as the SDK expects its values: safe
 * integers as numbers (larger ones as strings), DECIMAL as numbers, DATE as 'YYYY-MM-DD',
 * TIMESTAMP as Date, nulls as null.
 */
export type ColumnReader = (vector: DuckDBVector, rows: number, out: unknown[]) => void;

/**
 * The parts of a driver vector a reader needs: its data, and its validity mask (null when every
 * item is valid). The driver keeps them in fields of its vector classes; where a vector does not
 * have the expected shape (another driver version), the reader falls back to the driver's
 * `getItem`, which gives the same values more slowly.
 */
interface VectorParts {
  readonly items: ArrayBufferView | undefined;
  readonly dataView: DataView | undefined;
  readonly valid: Uint8Array | null;
  readonly validOffset: number;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const TWO_32 = 4294967296;
const decoder = new TextDecoder();
const chars = String.fromCharCode;

/** Bit r of a validity mask of 64-bit little-endian words, read a byte at a time. */
function isValid(valid: Uint8Array, bit: number): boolean {
  return ((valid[bit >> 3]! >> (bit & 7)) & 1) === 1;
}

function partsOf(vector: DuckDBVector): VectorParts | undefined {
  const raw = vector as unknown as {
    items?: unknown;
    dataView?: unknown;
    itemOffset?: unknown;
    validity?: { data?: unknown; offset?: unknown };
  };
  const items = ArrayBuffer.isView(raw.items) && !(raw.items instanceof DataView) ? raw.items : undefined;
  const dataView = raw.dataView instanceof DataView ? raw.dataView : undefined;
  const validity = raw.validity;
  if ((!items && !dataView) || !validity || typeof validity.offset !== 'number') return undefined;
  // A slice of a string vector starts elsewhere; the vectors of a fetched chunk never do.
  if (raw.itemOffset !== undefined && raw.itemOffset !== 0) return undefined;
  let valid: Uint8Array | null = null;
  if (validity.data != null) {
    if (!(validity.data instanceof BigUint64Array)) return undefined;
    valid = new Uint8Array(validity.data.buffer, validity.data.byteOffset, validity.data.byteLength);
  }
  return { items, dataView, valid, validOffset: validity.offset };
}

/** A reader that asks the driver for each item and converts it: every type, more slowly. */
function itemReader(convert: (value: unknown) => unknown): ColumnReader {
  return (vector, rows, out) => {
    for (let r = 0; r < rows; r++) {
      const value = vector.getItem(r);
      out[r] = value == null ? null : convert(value);
    }
  };
}

/**
 * A reader over the vector's memory when it has the expected shape, else over `getItem`.
 * `fast` gets the parts and returns false when they are not what it reads (it then wrote nothing).
 */
function withFallback(
  fast: (parts: VectorParts, vector: DuckDBVector, rows: number, out: unknown[]) => boolean,
  slow: ColumnReader,
): ColumnReader {
  return (vector, rows, out) => {
    const parts = partsOf(vector);
    if (!parts || !fast(parts, vector, rows, out)) slow(vector, rows, out);
  };
}

function bigintToSafe(value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return value <= BigInt(MAX_SAFE) && value >= BigInt(-MAX_SAFE) ? Number(value) : value.toString();
}

/** Text of an inlined string (at most 12 bytes): ASCII directly, anything else through UTF-8. */
function shortString(b: Uint8Array, o: number, length: number): string {
  let high = 0;
  for (let k = 0; k < length; k++) high |= b[o + k]!;
  if (high & 0x80) return decoder.decode(b.subarray(o, o + length));
  switch (length) {
    case 0:
      return '';
    case 1:
      return chars(b[o]!);
    case 2:
      return chars(b[o]!, b[o + 1]!);
    case 3:
      return chars(b[o]!, b[o + 1]!, b[o + 2]!);
    case 4:
      return chars(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);
    case 5:
      return chars(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!, b[o + 4]!);
    case 6:
      return chars(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!, b[o + 4]!, b[o + 5]!);
    case 7:
      return chars(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!, b[o + 4]!, b[o + 5]!, b[o + 6]!);
    case 8:
      return chars(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!, b[o + 4]!, b[o + 5]!, b[o + 6]!, b[o + 7]!);
    default:
      return chars(...b.subarray(o, o + length));
  }
}

/** DuckDB's 16-byte strings: length, then the text inline (up to 12 bytes) or a pointer. */
function varcharReader(slow: ColumnReader): ColumnReader {
  return withFallback(({ dataView, valid, validOffset }, vector, rows, out) => {
    if (!dataView || dataView.byteLength < rows * 16) return false;
    const b = new Uint8Array(dataView.buffer, dataView.byteOffset, dataView.byteLength);
    for (let r = 0; r < rows; r++) {
      if (valid && !isValid(valid, validOffset + r)) {
        out[r] = null;
        continue;
      }
      const o = r * 16;
      const length = b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
      // Longer strings live behind a pointer only the driver's native side can follow.
      out[r] = length <= 12 ? shortString(b, o + 4, length) : vector.getItem(r);
    }
    return true;
  }, slow);
}

/** Integers of up to 32 bits and floats: the typed array's items are already the JS values. */
function numberReader(slow: ColumnReader): ColumnReader {
  return withFallback(({ items, valid, validOffset }, _vector, rows, out) => {
    if (
      !(
        items instanceof Int8Array ||
        items instanceof Uint8Array ||
        items instanceof Int16Array ||
        items instanceof Uint16Array ||
        items instanceof Int32Array ||
        items instanceof Uint32Array ||
        items instanceof Float32Array ||
        items instanceof Float64Array
      ) ||
      items.length < rows
    ) {
      return false;
    }
    for (let r = 0; r < rows; r++) out[r] = valid && !isValid(valid, validOffset + r) ? null : items[r]!;
    return true;
  }, slow);
}

/** BIGINT and UBIGINT, read as two 32-bit halves: no BigInt for values in the safe range. */
function int64Reader(unsigned: boolean, slow: ColumnReader): ColumnReader {
  return withFallback(({ items, valid, validOffset }, _vector, rows, out) => {
    if (!(items instanceof BigInt64Array || items instanceof BigUint64Array) || items.length < rows)
      return false;
    if (unsigned !== items instanceof BigUint64Array) return false;
    const halves = new Int32Array(items.buffer, items.byteOffset, rows * 2);
    for (let r = 0; r < rows; r++) {
      if (valid && !isValid(valid, validOffset + r)) {
        out[r] = null;
        continue;
      }
      const hi = halves[2 * r + 1]!;
      // Exact while |value| < 2^53; beyond, rounding cannot bring it back into the safe range,
      // and the exact value goes out as its decimal string.
      const value = (unsigned ? hi >>> 0 : hi) * TWO_32 + (halves[2 * r]! >>> 0);
      out[r] = value <= MAX_SAFE && value >= -MAX_SAFE ? value : items[r]!.toString();
    }
    return true;
  }, slow);
}

/** The largest scaled decimal whose conversion to a number is exact in every digit. */
const SAFE_SCALED = BigInt(Number.MAX_SAFE_INTEGER);

/** DECIMAL of up to 18 digits: the scaled integer over 10^scale, as DuckDB's own cast to DOUBLE. */
function decimalReader(
  type: DuckDBDecimalType,
  slow: ColumnReader,
  toNumber: (value: unknown) => unknown,
): ColumnReader {
  const bytes = type.width <= 4 ? 2 : type.width <= 9 ? 4 : type.width <= 18 ? 8 : 16;
  // A value whose scaled integer is past 2^53: DuckDB's conversion where it keeps the whole part,
  // else the exact text (the SDK refuses it, `unsafe-decimal`, rather than hand out another).
  const exact = (item: unknown): unknown => {
    if (item == null) return null;
    const n = toNumber(item);
    const { value, scale } = item as { value?: bigint; scale?: number };
    if (typeof value !== 'bigint' || typeof scale !== 'number' || typeof n !== 'number') return n;
    if (value <= SAFE_SCALED && value >= -SAFE_SCALED) return n;
    const whole = value / 10n ** BigInt(scale);
    return Number.isFinite(n) && BigInt(Math.trunc(n)) === whole ? n : String(item);
  };
  if (bytes === 16) return itemReader(exact);
  const divisor = 10 ** type.scale;
  return withFallback(({ dataView, valid, validOffset }, vector, rows, out) => {
    if (!dataView || dataView.byteLength < rows * bytes) return false;
    for (let r = 0; r < rows; r++) {
      if (valid && !isValid(valid, validOffset + r)) {
        out[r] = null;
        continue;
      }
      const o = r * bytes;
      const scaled =
        bytes === 2
          ? dataView.getInt16(o, true)
          : bytes === 4
            ? dataView.getInt32(o, true)
            : dataView.getInt32(o + 4, true) * TWO_32 + dataView.getUint32(o, true);
      // Beyond 2^53 the halves lose precision: DuckDB's own conversion, for those rare values.
      out[r] = scaled <= MAX_SAFE && scaled >= -MAX_SAFE ? scaled / divisor : exact(vector.getItem(r));
    }
    return true;
  }, slow);
}

/** DATE as 'YYYY-MM-DD', through a small cache: a column holds few distinct days. */
function dateReader(slow: ColumnReader, toText: (value: unknown) => unknown): ColumnReader {
  const cache = new Map<number, string>();
  return withFallback(({ items, valid, validOffset }, vector, rows, out) => {
    if (!(items instanceof Int32Array) || items.length < rows) return false;
    for (let r = 0; r < rows; r++) {
      if (valid && !isValid(valid, validOffset + r)) {
        out[r] = null;
        continue;
      }
      const days = items[r]!;
      let text = cache.get(days);
      if (text === undefined) {
        // The driver's own conversion (it refuses days no JS Date can hold).
        text = toText(vector.getItem(r)) as string;
        if (cache.size >= 16384) cache.clear();
        cache.set(days, text);
      }
      out[r] = text;
    }
    return true;
  }, slow);
}

/** TIMESTAMP (microseconds) as Date, truncated to the millisecond like the driver does. */
function timestampReader(slow: ColumnReader, toDate: (value: unknown) => unknown): ColumnReader {
  return withFallback(({ items, valid, validOffset }, vector, rows, out) => {
    if (!(items instanceof BigInt64Array) || items.length < rows) return false;
    const halves = new Int32Array(items.buffer, items.byteOffset, rows * 2);
    for (let r = 0; r < rows; r++) {
      if (valid && !isValid(valid, validOffset + r)) {
        out[r] = null;
        continue;
      }
      const micros = halves[2 * r + 1]! * TWO_32 + (halves[2 * r]! >>> 0);
      // Exact integers below 2^53 (until the year 2255): whole milliseconds without rounding.
      out[r] =
        micros <= MAX_SAFE && micros >= -MAX_SAFE
          ? new Date((micros - (micros % 1000)) / 1000)
          : toDate(vector.getItem(r));
    }
    return true;
  }, slow);
}

/** ENUM: the index into the type's values. */
function enumReader(type: DuckDBEnumType, slow: ColumnReader): ColumnReader {
  const values = type.values;
  return withFallback(({ items, valid, validOffset }, _vector, rows, out) => {
    if (
      !(items instanceof Uint8Array || items instanceof Uint16Array || items instanceof Uint32Array) ||
      items.length < rows
    ) {
      return false;
    }
    for (let r = 0; r < rows; r++) {
      out[r] = valid && !isValid(valid, validOffset + r) ? null : (values[items[r]!] ?? null);
    }
    return true;
  }, slow);
}

// The validity mask and the integer halves are read as little-endian memory.
const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * The reader of a column of `type`, chosen once for a whole result. The common types are read
 * straight from the vector's memory: no driver value object per item, no native call per
 * DECIMAL, no BigInt per integer or timestamp, no string decoder call per short ASCII text.
 *
 * @example
 * const readers = result.columnTypes().map(columnReader);
 * readers[0](chunk.getColumnVector(0), chunk.rowCount, values);
 */
export function columnReader(type: DuckDBType): ColumnReader {
  const js = (value: unknown) => JSDuckDBValueConverter(value as never, type, JSDuckDBValueConverter);
  const slow = itemReader((value) => bigintToSafe(js(value)));
  if (!LITTLE_ENDIAN) {
    return type.typeId === DuckDBTypeId.DATE
      ? itemReader((value) => (js(value) as Date).toISOString().slice(0, 10))
      : slow;
  }
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return slow;
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return numberReader(slow);
    case DuckDBTypeId.BIGINT:
      return int64Reader(false, slow);
    case DuckDBTypeId.UBIGINT:
      return int64Reader(true, slow);
    case DuckDBTypeId.DECIMAL:
      return decimalReader(type as DuckDBDecimalType, slow, js);
    case DuckDBTypeId.VARCHAR:
      return varcharReader(slow);
    case DuckDBTypeId.ENUM:
      return enumReader(type as DuckDBEnumType, slow);
    case DuckDBTypeId.DATE: {
      const toText = (value: unknown) =>
        value == null ? null : (js(value) as Date).toISOString().slice(0, 10);
      return dateReader(itemReader(toText), toText);
    }
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return timestampReader(slow, (value) => (value == null ? null : js(value)));
    default:
      return slow;
  }
}

/**
 * A function that builds the rows of a chunk from its columns' values, one object literal per
 * row with every property at once. Filling `{}` a column at a time costs about 8x as much
 * (each row walks the shape transitions, and the property stores see every name).
 */
export function rowBuilder(names: readonly string[]): (columns: unknown[][], rows: number) => SqlRow[] {
  // `__proto__` as a literal key would set the prototype; computed, it is a property like any other.
  const key = (name: string) => (name === '__proto__' ? `[${JSON.stringify(name)}]` : JSON.stringify(name));
  const body = `return function buildRows(columns, rows) {
    ${names.map((_, i) => `const c${i} = columns[${i}];`).join('\n')}
    const out = new Array(rows);
    for (let r = 0; r < rows; r++) out[r] = { ${names.map((name, i) => `${key(name)}: c${i}[r]`).join(', ')} };
    return out;
  };`;
  return new Function(body)() as (columns: unknown[][], rows: number) => SqlRow[];
}
