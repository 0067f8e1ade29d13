import type { ColumnSpec } from './columns.js';
import type { DataProduct } from './data-product.js';
import { BuildError, UsageError } from './errors.js';
import { columnsOf, explainFailedRead } from './published-columns.js';
import { majorOf, previousMajorTable, type TableRef } from './relation.js';
import { columnLiteral, renderSql, type SqlFragment, type SqlValue, sql } from './sql.js';
import type { SqlRow, Warehouse } from './warehouse.js';

/** Filters, projection and paging of a typed read. */
export interface ReadOptions<Row, K extends keyof Row> {
  /** Equality per column; an array means any of its values. */
  where?: { [C in keyof Row]?: Row[C] | readonly Row[C][] };
  columns?: readonly K[];
  limit?: number;
  /** Rows fetched from the warehouse at a time; memory stays bounded by it. Default 2048. */
  chunkSize?: number;
}

/** The SELECT a typed read runs, rendered for the warehouse's dialect. */
export function readQuery(
  product: DataProduct,
  warehouse: Pick<Warehouse, 'dialect'>,
  options: ReadOptions<Record<string, unknown>, string> = {},
  /** The table read: the product's own, or the view that keeps its previous major published. */
  from: TableRef = product.table,
): { text: string; columns: ColumnSpec[] } {
  checkReadOptions(product, options);
  const byName = new Map(product.columns.map((c) => [c.name, c]));
  // Each column once: a row has one property per name.
  const names = [...new Set(options.columns ?? product.columns.map((c) => c.name))];
  const wanted = names.map((name) => {
    const column = byName.get(name);
    if (!column) {
      throw new UsageError('unknown-column', `${product.id} has no column ${name}.`, {
        domain: product.domain.name,
        product: product.name,
        column: name,
      });
    }
    return column;
  });
  const filters: SqlFragment[] = [];
  for (const [name, value] of Object.entries(options.where ?? {})) {
    const column = byName.get(name);
    if (!column) {
      throw new UsageError('unknown-column', `${product.id} has no column ${name} to filter on.`, {
        domain: product.domain.name,
        product: product.name,
        column: name,
      });
    }
    if (value === undefined) continue;
    const values: readonly unknown[] = Array.isArray(value) ? value : [value];
    // Any of the values: NULL as IS NULL (never equal to anything, in a list too), instants a
    // read hands out as the span of stored values that read back as them (see `instantSpan`),
    // the rest by equality.
    const id = sql.id(name);
    const instant = (v: unknown): v is Date | string => column.type === 'timestamp' && isReadInstant(v);
    const equal = values
      .filter((v) => v !== null && !instant(v))
      .map((v) => filterLiteral(product, column, v));
    const alternatives = [
      ...(values.includes(null) ? [sql`${id} IS NULL`] : []),
      ...(equal.length === 1 ? [sql`${id} = ${equal[0]!}`] : []),
      ...(equal.length > 1 ? [sql`${id} IN (${sql.join(equal)})`] : []),
      ...values.filter(instant).map((v) => instantSpan(name, v, column, product)),
    ];
    filters.push(
      alternatives.length === 0
        ? sql`FALSE`
        : alternatives.length === 1
          ? alternatives[0]!
          : sql`(${sql.join(alternatives, ' OR ')})`,
    );
  }
  const where = filters.length ? sql` WHERE ${sql.join(filters, ' AND ')}` : sql``;
  const limit = options.limit !== undefined ? sql` LIMIT ${sql.raw(String(options.limit))}` : sql``;
  const table = sql.raw(warehouse.dialect.tableName(from));
  const query = sql`SELECT ${sql.join(wanted.map((c) => sql.id(c.name)))} FROM ${table}${where}${limit}`;
  return { text: renderSql(query, warehouse.dialect), columns: wanted };
}

/**
 * Refuses options a read cannot mean (`where` that is no object of columns, no column, a limit or
 * a chunk size that is no count): rendered, they would be an engine's error, or a chunk size
 * that is not a whole number would hold the whole result in memory.
 */
function checkReadOptions(product: DataProduct, options: ReadOptions<Record<string, unknown>, string>): void {
  const refuse = (option: string, message: string) => {
    throw new UsageError('invalid-option', `${product.id}: ${message}`, {
      domain: product.domain.name,
      product: product.name,
      option,
    });
  };
  const { where, columns, limit, chunkSize } = options as Record<string, unknown>;
  // JSON has no BigInt (JSON.stringify throws on one): 5n is shown as written.
  const shown = (value: unknown) =>
    typeof value === 'bigint' ? `${value}n` : (JSON.stringify(value) ?? String(value));
  if (where !== undefined && (where === null || typeof where !== 'object' || Array.isArray(where)))
    refuse(
      'where',
      `where is ${shown(where)}: give an object of column names and values ({ status: 'completed' }).`,
    );
  if (columns !== undefined && (!Array.isArray(columns) || columns.some((c) => typeof c !== 'string')))
    refuse('columns', `columns is ${shown(columns)}: give an array of column names.`);
  if (Array.isArray(columns) && columns.length === 0)
    refuse('columns', 'columns is empty: name at least one column, or leave it out to read them all.');
  // A number, whole and safe (1e21 is whole, and an engine's error): a count of rows.
  if (limit !== undefined && !(typeof limit === 'number' && Number.isSafeInteger(limit) && limit >= 0))
    refuse('limit', `limit is ${shown(limit)}: give a whole number of rows (a number), 0 or more.`);
  if (
    chunkSize !== undefined &&
    !(typeof chunkSize === 'number' && Number.isSafeInteger(chunkSize) && chunkSize >= 1)
  )
    refuse(
      'chunkSize',
      `chunkSize is ${shown(chunkSize)}: give a whole number of rows (a number), 1 or more.`,
    );
}

/** `YYYY-MM-DD HH:MM[:SS][.f…]`, then Z or an offset (±hh, ±hhmm, ±hh:mm) or nothing (UTC). */
const TIMESTAMP_TEXT =
  /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d{1,9})?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
/** A decimal's exact text: at most the 9 places a decimal column keeps. */
const DECIMAL_TEXT = /^[+-]?\d+(\.\d{1,9})?$/;

/**
 * A filter's value as a literal of its column, or a refusal naming the column where no row could
 * hold it and equality would find none, or another (a fraction against an integer column was
 * cast to the integer: 2.5 found the rows of 2): a number that is no integer, not finite, or
 * with more places than a decimal keeps; a day that is no day, or given as a Date (an instant,
 * whose day depends on the zone); a time whose text the warehouse would read otherwise (an
 * offset, which a cast to TIMESTAMP drops: +01:00 found the row of an hour later).
 */
function filterLiteral(product: DataProduct, column: ColumnSpec, value: unknown): SqlFragment {
  const refuse = (why: string) => {
    throw new UsageError(
      'invalid-value',
      `${product.id}: the filter on ${column.name} (${column.type}) is ${value instanceof Date ? `the Date ${value.toISOString()}` : (JSON.stringify(value) ?? String(value))}, ${why}.`,
      { domain: product.domain.name, product: product.name, column: column.name },
    );
  };
  switch (column.type) {
    case 'integer':
      if (typeof value === 'number' && !Number.isInteger(value))
        refuse('which no row holds: an integer column holds whole numbers');
      break;
    case 'number':
      if (typeof value === 'number' && !Number.isFinite(value))
        refuse('which no row holds: give a finite number');
      break;
    case 'decimal':
      if (typeof value === 'number') {
        if (!Number.isFinite(value)) refuse('which no row holds: give a finite number');
        if (Number(value.toFixed(9)) !== value)
          refuse('which no row holds: a decimal column keeps 9 places after the point');
      } else if (typeof value === 'string') {
        if (!DECIMAL_TEXT.test(value.trim()))
          refuse("which is no decimal: give a number, or its text ('96.66')");
        // Exact text: no double in between.
        return sql.cast(value.trim() as SqlValue, 'decimal');
      }
      break;
    case 'date': {
      if (value instanceof Date)
        refuse("a Date, which is an instant whose day depends on the zone: give the day as 'YYYY-MM-DD'");
      if (typeof value === 'string') {
        const day = value.trim();
        const parsed = /^\d{4}-\d{2}-\d{2}$/.test(day) ? new Date(`${day}T00:00:00Z`) : undefined;
        if (!parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== day)
          refuse("which is no day of the calendar: give it as 'YYYY-MM-DD'");
        return sql.cast(day as SqlValue, 'date');
      }
      break;
    }
    case 'timestamp': {
      if (typeof value !== 'string') break;
      const m = TIMESTAMP_TEXT.exec(value.trim());
      if (!m) refuse("which is no time: give a Date, or ISO 8601 text ('2026-11-30T10:00:00Z')");
      const [, day, time, fraction = '', zone] = m!;
      const seconds = time!.length === 5 ? `${time}:00` : time!;
      const offset =
        !zone || /^z$/i.test(zone)
          ? 'Z'
          : zone.length === 3
            ? `${zone}:00`
            : zone.includes(':')
              ? zone
              : `${zone.slice(0, 3)}:${zone.slice(3)}`;
      const ms = Date.parse(`${day}T${seconds}${offset}`);
      if (Number.isNaN(ms))
        refuse("which is no time: give a Date, or ISO 8601 text ('2026-11-30T10:00:00Z')");
      // The instant in UTC, as the warehouse holds it, with the text's own fraction.
      return sql.cast(
        `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}${fraction}` as SqlValue,
        'timestamp',
      );
    }
  }
  return columnLiteral(column, value, product.name);
}

/** An ISO instant as a read hands out a timestamp column declared as text (`toISOString`). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A value as a typed read hands out a timestamp: a Date, or the ISO text of one. */
function isReadInstant(value: unknown): value is Date | string {
  return value instanceof Date || (typeof value === 'string' && ISO_INSTANT.test(value));
}

/**
 * The stored timestamps that read back as `value`: a warehouse keeps microseconds, a read hands
 * out milliseconds, cut toward zero (both adapters' readers), so a row read and then looked up
 * again by its time would not be found by equality whenever its time had microseconds of its
 * own. A range of literals, which warehouses prune by as by equality.
 */
function instantSpan(
  name: string,
  value: Date | string,
  column: ColumnSpec,
  product: DataProduct,
): SqlFragment {
  const ms = new Date(value).getTime();
  if (!Number.isFinite(ms)) {
    throw new UsageError(
      'invalid-value',
      `${product.id}: the filter on ${name} is an invalid Date; give a Date or an ISO 8601 text.`,
      { domain: product.domain.name, product: product.name, column: column.name },
    );
  }
  const first = ms > 0 ? ms * 1000 : ms * 1000 - 999;
  const last = ms < 0 ? ms * 1000 : ms * 1000 + 999;
  return sql`${sql.id(name)} BETWEEN ${sql.cast(microsecondText(first), 'timestamp')} AND ${sql.cast(microsecondText(last), 'timestamp')}`;
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` (UTC) of microseconds since 1970: text both dialects cast. */
function microsecondText(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const rest = micros - ms * 1000;
  return `${new Date(ms).toISOString().slice(0, 23).replace('T', ' ')}${String(rest).padStart(3, '0')}`;
}

/** Turns a warehouse value into the JS type the zod schema promises. */
export function toSchemaValue(column: ColumnSpec, value: unknown, product?: DataProduct): unknown {
  return schemaConverter(column, product)(value);
}

/**
 * The converter of one column, chosen once for a whole read: each value then costs one call
 * and, when the warehouse already gave the promised type, one `typeof` check.
 *
 * @example
 * const toStock = schemaConverter(stockColumn);
 * toStock(3n); // 3
 */
export function schemaConverter(column: ColumnSpec, product?: DataProduct): (value: unknown) => unknown {
  switch (column.type) {
    case 'integer':
      if (column.bigint) return (value) => (value == null ? null : BigInt(value as bigint));
      // Adapters hand an integer beyond 2^53 over as text (a number would round it): a read
      // that promises a number refuses it rather than hand out another id or count.
      return (value) => {
        if (typeof value === 'number' || value == null) return value ?? null;
        const n = Number(value);
        if (Number.isSafeInteger(n) || !/^-?\d+$/.test(String(value).trim())) return n;
        const owner = product ? `${product.id}.` : '';
        throw new UsageError(
          'unsafe-integer',
          `${owner}${column.name} holds ${String(value)}, beyond the integers a JS number holds exactly (±${Number.MAX_SAFE_INTEGER}): a typed read would round it. Read the column with warehouse.query, where it stays text, or declare it a string in the schema.`,
          { ...(product && { domain: product.domain.name, product: product.name }), column: column.name },
        );
      };
    case 'number':
      return (value) => (typeof value === 'number' ? value : value == null ? null : Number(value));
    case 'decimal': {
      // A decimal is an exact figure: past 2^53 a JS number holds not even its whole part (an
      // amount 12345678901234567.12 read as ...568), as for integers (`unsafe-integer`); nor
      // just below it with a fraction (9007199254740990.75 read as ...991). Adapters hand such
      // a value over as its exact text, whose whole part is compared with the number's.
      const unsafe = (value: unknown) => {
        const owner = product ? `${product.id}.` : '';
        throw new UsageError(
          'unsafe-decimal',
          `${owner}${column.name} holds ${String(value)}, whose whole part a JS number does not hold exactly (beyond ±${Number.MAX_SAFE_INTEGER}, or next to it with a fraction): a typed read would round it. Read the column with warehouse.query and a CAST to text.`,
          { ...(product && { domain: product.domain.name, product: product.name }), column: column.name },
        );
      };
      return (value) => {
        if (value == null) return null;
        const n = typeof value === 'number' ? value : Number(value);
        if (n >= 2 ** 53 || n <= -(2 ** 53)) return unsafe(value);
        if (typeof value !== 'number' && Number.isFinite(n)) {
          const whole = /^\s*([+-]?\d+)(?:\.\d*)?\s*$/.exec(String(value))?.[1];
          if (whole !== undefined && BigInt(whole) !== BigInt(Math.trunc(n))) return unsafe(value);
        }
        return n;
      };
    }
    case 'timestamp': {
      const toDate = (value: unknown) => (value instanceof Date ? value : new Date(String(value)));
      return column.asString
        ? (value) => (value == null ? null : toDate(value).toISOString())
        : (value) => (value == null ? null : toDate(value));
    }
    case 'date':
      return (value) =>
        typeof value === 'string'
          ? value
          : value == null
            ? null
            : value instanceof Date
              ? value.toISOString().slice(0, 10)
              : String(value);
    case 'boolean':
      return (value) => (typeof value === 'boolean' ? value : value == null ? null : Boolean(value));
    default:
      return (value) => (typeof value === 'string' ? value : value == null ? null : String(value));
  }
}

/**
 * The rows of a typed read. An async generator would cost a suspension per row (about 0.3 µs,
 * 3 s over 10M rows); this iterator hands out the rows of the current chunk from resolved
 * promises and awaits only between chunks. Rows are converted in place: the warehouse built
 * each row once, and no second object is made of it.
 */
class RowReader<Row> implements AsyncIterator<Row> {
  private source: AsyncIterator<SqlRow[]> | undefined;
  private convert: ((rows: SqlRow[]) => void) | undefined;
  private rows: SqlRow[] = [];
  private at = 0;
  private finished = false;
  private loading: Promise<void> | undefined;
  /** Whether the warehouse has answered with a chunk, even an empty one. */
  private received = false;

  constructor(
    private readonly product: DataProduct,
    private readonly warehouse: Warehouse,
    private readonly options: ReadOptions<Record<string, unknown>, string>,
  ) {}

  next(): Promise<IteratorResult<Row>> {
    if (this.at < this.rows.length)
      return Promise.resolve({ value: this.rows[this.at++] as Row, done: false });
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    // Calls that overlap wait for the one chunk being fetched, then take their rows in order.
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading.then(() => this.next());
  }

  async return(): Promise<IteratorResult<Row>> {
    this.finished = true;
    this.rows = [];
    // Lets the warehouse release the stream (its connection, its result).
    await this.source?.return?.();
    return { value: undefined, done: true };
  }

  private async load(): Promise<void> {
    try {
      for (;;) {
        const next = this.source ? await this.source.next() : await this.open();
        // Stopped while the chunk was on its way: its rows go nowhere.
        if (this.finished) return;
        if (next.done) {
          this.finished = true;
          this.rows = [];
          return;
        }
        this.received = true;
        if (next.value.length === 0) continue;
        this.convert!(next.value);
        this.rows = next.value;
        this.at = 0;
        return;
      }
    } catch (error) {
      this.finished = true;
      const first = !this.received;
      this.rows = [];
      await this.source?.return?.().catch(() => undefined);
      // Only a read that got nothing can fail for want of the table or its columns.
      throw first ? await explainFailedRead(this.product, this.warehouse, error, this.wanted()) : error;
    }
  }

  /** The columns the read names: those it returns and those it filters on. */
  private wanted(): string[] {
    return [
      ...new Set([
        ...(this.options.columns ?? this.product.columns.map((c) => c.name)),
        ...Object.keys(this.options.where ?? {}),
      ]),
    ];
  }

  /** Starts the read of `table`: the stream is asked for its first chunk. */
  private start(table: TableRef): Promise<IteratorResult<SqlRow[]>> {
    const { text, columns } = readQuery(this.product, this.warehouse, this.options, table);
    this.convert = chunkConverter(columns, this.product);
    this.source = this.warehouse
      .stream(text, { chunkSize: this.options.chunkSize ?? 2048 })
      [Symbol.asyncIterator]();
    return this.source.next();
  }

  /**
   * Starts the read and makes sure its rows are of this reader's major version. A table that
   * another major published holds other columns, or other meanings under the same names (a
   * new major is how a product says so), and its figures would pass for this version's. Rows
   * of a newer major are read through the view that keeps this reader's major published
   * beside it (`previousMajor`), when there is one; otherwise the read is refused. A table
   * holds one version (a build of another rebuilds it whole), so one row says it; an empty one
   * says nothing, and is read as it is. Asked beside the first chunk: one more statement, and
   * no more waiting where the warehouse runs both at once.
   */
  private async open(): Promise<IteratorResult<SqlRow[]>> {
    const probe = this.warehouse.query(
      renderSql(
        sql`SELECT ${sql.id('_version')} AS ${sql.id('v')} FROM ${this.product} LIMIT 1`,
        this.warehouse.dialect,
      ),
    );
    const [first, version] = await Promise.allSettled([this.start(this.product.table), probe]);
    // The rows came but not their version: a table no build wrote (no `_version`), which has
    // no version to compare with.
    const published = version.status === 'fulfilled' ? version.value[0]?.v : undefined;
    const reader = majorOf(this.product.version);
    if (published == null || majorOf(published) === reader) {
      if (first.status === 'rejected') throw first.reason;
      return first.value;
    }
    // Another major's table: whatever its read gave (rows, or a column it lacks) is not this
    // reader's.
    if (first.status === 'fulfilled') await this.source!.return?.();
    const subject = { domain: this.product.domain.name, product: this.product.name };
    const install = `install the ${this.product.domain.name} domain package whose ${this.product.name} is ${String(published)}`;
    if (majorOf(published) < reader) {
      throw new BuildError(
        'version-mismatch',
        `${this.product.id}: the warehouse holds version ${String(published)}, an older major than this reader's ${this.product.version}: build it with this version (mesh build ${this.product.id}) before reading it, or ${install}.`,
        subject,
      );
    }
    const view = previousMajorTable(this.product.table, reader);
    try {
      return await this.start(view);
    } catch (cause) {
      // The view is there but lacks columns this reader asks for: it keeps the columns of the
      // last release of this major, and this reader is of a later one (its contract added them).
      const present = await columnsOf(this.warehouse, view);
      const missing = present && this.wanted().filter((name) => !present.has(name));
      if (missing?.length) {
        throw new BuildError(
          'missing-columns',
          `${this.product.id} ${this.product.version} (the contract installed here) has ${missing.length === 1 ? 'column' : 'columns'} ${missing.join(', ')}, which ${this.warehouse.dialect.tableName(view)} lacks: the warehouse holds version ${String(published)}, and that view keeps version ${reader} published as its last ${reader}.x release had it. Read without ${missing.length === 1 ? 'it' : 'them'} (columns), ${install}, or install that ${reader}.x release.`,
          { ...subject, column: missing[0] },
          { cause },
        );
      }
      throw new BuildError(
        'version-mismatch',
        `${this.product.id}: the warehouse holds version ${String(published)}, a newer major than this reader's ${this.product.version}, and no ${this.warehouse.dialect.tableName(view)} keeps version ${reader} published beside it (${(cause as Error).message?.split('\n')[0] ?? cause}): ${install} and read what changed in its changelog.`,
        subject,
        { cause },
      );
    }
  }
}

/**
 * When a value needs no conversion: what the warehouse hands over (see `SqlRow`) is, in the
 * common case, already what the schema promises. A JS expression over `v`.
 */
function alreadyTyped(column: ColumnSpec): string | undefined {
  switch (column.type) {
    case 'integer':
      return column.bigint ? "typeof v === 'bigint'" : "typeof v === 'number'";
    case 'number':
    case 'decimal':
      return "typeof v === 'number'";
    case 'timestamp':
      return column.asString ? undefined : 'v instanceof Date';
    case 'boolean':
      return "typeof v === 'boolean'";
    default:
      return "typeof v === 'string'";
  }
}

/** Writes a row's own property, whatever its name: assigning `__proto__` would set the prototype. */
function defineOwn(row: SqlRow, key: string, value: unknown): void {
  Object.defineProperty(row, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * Converts the rows of a chunk in place, compiled once per read: each column's property is
 * read by its name, each value checked inline and passed to the column's converter only when
 * it is not already the promised type. A loop over the names instead costs about 8x as much
 * (every property access then sees every name). A name every object inherits (`__proto__`,
 * `constructor`, `toString`) is read only as the row's own property, or a row without it
 * would get the prototype's, and written as one; other names keep the plain access.
 */
function chunkConverter(columns: readonly ColumnSpec[], product: DataProduct): (rows: SqlRow[]) => void {
  const converters = columns.map((column) => schemaConverter(column, product));
  const steps = columns.map((column, i) => {
    // A JSON string is a JS string literal: no name can escape it.
    const key = JSON.stringify(column.name);
    const typed = alreadyTyped(column);
    if (column.name in Object.prototype) {
      const read = `v = hasOwn(row, ${key}) ? row[${key}] : undefined;`;
      const write = `defineOwn(row, ${key}, converters[${i}](v));`;
      if (column.optional) {
        const absent = `defineOwn(row, ${key}, undefined);`;
        return typed
          ? `${read} if (v === null) ${absent} else if (!(${typed})) ${write}`
          : `${read} if (v === null) ${absent} else ${write}`;
      }
      return typed ? `${read} if (v !== null && !(${typed})) ${write}` : `${read} ${write}`;
    }
    // An optional column's NULL is undefined, as its schema types it.
    if (column.optional) {
      return typed
        ? `v = row[${key}]; if (v === null) row[${key}] = undefined; else if (!(${typed})) row[${key}] = converters[${i}](v);`
        : `v = row[${key}]; row[${key}] = v === null ? undefined : converters[${i}](v);`;
    }
    return typed
      ? `v = row[${key}]; if (v !== null && !(${typed})) row[${key}] = converters[${i}](v);`
      : `row[${key}] = converters[${i}](row[${key}]);`;
  });
  const body = `return function convertRows(rows) {
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      let v;
      ${steps.join('\n      ')}
    }
  };`;
  return new Function('converters', 'hasOwn', 'defineOwn', body)(converters, Object.hasOwn, defineOwn) as (
    rows: SqlRow[],
  ) => void;
}

/**
 * Streams a product's rows, typed by its schema, in bounded memory: one chunk of the warehouse's
 * rows at a time. What `product.read(warehouse)` returns.
 *
 * @example
 * for await (const row of readProduct(inventory, warehouse, { where: { stock_status: 'LOW' } })) row.stock;
 */
export function readProduct<Row>(
  product: DataProduct,
  warehouse: Warehouse,
  options: ReadOptions<Record<string, unknown>, string> = {},
): AsyncIterable<Row> {
  return { [Symbol.asyncIterator]: () => new RowReader<Row>(product, warehouse, options) };
}
