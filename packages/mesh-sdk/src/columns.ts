import { z } from 'zod';
import { DefinitionError, type Subject } from './errors.js';

/**
 * The column types a contract may use. Each dialect maps them to its own SQL types,
 * so a zod schema is all a product says about its columns.
 */
export type LogicalType = 'string' | 'integer' | 'number' | 'decimal' | 'boolean' | 'date' | 'timestamp';

/** What the platform reads from a schema field's `.meta()` besides its description. */
export interface ColumnMeta {
  /** Part of the product's key: gold products must check it unique and not null. */
  key?: boolean;
  /** Personally identifiable: such a column may not be in a public product. */
  pii?: boolean;
  /** Overrides the type inferred from zod, e.g. `decimal` for money held in `z.number()`. */
  type?: LogicalType;
  /**
   * A source's timestamp or date of when something happened (an order placed, a parcel
   * delivered, a trading day reported): an export is loaded after it, so a time or day more than
   * a day after the load (a device clock set ahead, a year mistyped, 9999-12-31 written for "not
   * yet") rejects its row. A source's cursor is held so too.
   */
  happened?: boolean;
  /**
   * A source's number in percent (15 for 15%, as `discount_pct`): a batch whose every value
   * other than 0 lies between 0 and 1 was most likely exported as fractions (0.15 for 15%), a
   * hundred times too small, and is flagged.
   */
  percent?: boolean;
}

declare module 'zod' {
  interface GlobalMeta extends ColumnMeta {}
}

/** One column of a contract, derived from the zod schema. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: LogicalType;
  readonly nullable: boolean;
  readonly description: string | undefined;
  readonly pii: boolean;
  readonly key: boolean;
  /** The accepted values of an enum column. */
  readonly values: readonly string[] | undefined;
  /** A timestamp held as an ISO string in the schema (z.iso.datetime) rather than a Date. */
  readonly asString: boolean;
  /** When something happened (`happened` in its meta): never after its export was loaded. */
  readonly happened?: boolean;
  /** A number in percent (`percent` in its meta): fractions (0.15 for 15%) are flagged. */
  readonly percent?: boolean;
  /** An integer the schema types as a bigint (`z.bigint()`): a typed read hands out a BigInt. */
  readonly bigint?: boolean;
  /** Optional but not nullable in the schema (`.optional()`): a typed read hands out undefined for NULL. */
  readonly optional?: boolean;
}

const LOGICAL_TYPE_NAMES: readonly LogicalType[] = [
  'string',
  'integer',
  'number',
  'decimal',
  'boolean',
  'date',
  'timestamp',
];

/**
 * The types `.meta({ type })` may give a column of each inferred type: those a typed read
 * hands out as the same JavaScript value the schema says (a number as a decimal, text as an
 * ISO date or time). Others would read as another kind of value than the types promise.
 */
const OVERRIDES: Readonly<Record<LogicalType, readonly LogicalType[]>> = {
  string: ['date', 'timestamp'],
  integer: ['number', 'decimal'],
  number: ['integer', 'decimal'],
  decimal: ['number', 'integer'],
  boolean: [],
  date: ['string'],
  timestamp: [],
};

// zod 4 exposes its definition tree on `_zod.def`; only the parts read here are typed.
interface ZodDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  entries?: Record<string, string | number>;
  format?: string;
  checks?: Array<{ _zod: { def: { check?: string; format?: string } } }>;
}

function defOf(schema: z.ZodType): ZodDef {
  return (schema as unknown as { _zod: { def: ZodDef } })._zod.def;
}

const INT_FORMATS = new Set(['safeint', 'int32', 'uint32']);

function hasIntFormat(def: ZodDef): boolean {
  if (def.format !== undefined && INT_FORMATS.has(def.format)) return true;
  return (def.checks ?? []).some((c) => INT_FORMATS.has(c._zod.def.format ?? ''));
}

/** The logical type of literal or enum values: integer or number when all are numbers. */
function typeOfValues(values: readonly unknown[]): LogicalType {
  if (values.length && values.every((v) => typeof v === 'number')) {
    return values.every((v) => Number.isInteger(v)) ? 'integer' : 'number';
  }
  if (values.length && values.every((v) => typeof v === 'boolean')) return 'boolean';
  return 'string';
}

function stringFormat(def: ZodDef): string | undefined {
  return def.format ?? def.checks?.map((c) => c._zod.def.format).find((f) => f !== undefined);
}

/**
 * Derives the column list of a contract from its zod object schema.
 *
 * @example
 * columnsOf(z.object({ id: z.string().describe('Id').meta({ key: true }) }))
 * // [{ name: 'id', type: 'string', key: true, nullable: false, ... }]
 */
export function columnsOf(schema: z.ZodObject, subject: Subject = {}): ColumnSpec[] {
  return Object.entries(schema.shape).map(([name, field]) => columnOf(name, field as z.ZodType, subject));
}

function columnOf(name: string, field: z.ZodType, subject: Subject): ColumnSpec {
  let nullable = false;
  // What the outermost optional or nullable wrapper gives a missing value: undefined or null.
  let missing: 'optional' | 'nullable' | undefined;
  let meta: Record<string, unknown> = {};
  let current: z.ZodType = field;
  // Walk wrappers outside-in; meta set on an outer wrapper wins over the inner schema's.
  for (;;) {
    meta = { ...(z.globalRegistry.get(current) ?? {}), ...meta };
    const def = defOf(current);
    if (
      def.type === 'optional' ||
      def.type === 'nullable' ||
      def.type === 'default' ||
      def.type === 'catch'
    ) {
      if (def.type !== 'default' && def.type !== 'catch') nullable = true;
      if (def.type === 'optional' || def.type === 'nullable') missing ??= def.type;
      else if (def.type === 'catch') missing ??= 'nullable';
      current = def.innerType as z.ZodType;
    } else if (def.type === 'pipe') {
      // A transform runs in JS, where a read never runs it: the read would hand out the stored
      // value, typed as the transform's result.
      if (defOf(def.in!).type === 'transform' || defOf(def.out!).type === 'transform') {
        throw new DefinitionError(
          'unsupported-column-type',
          `Column ${name} transforms its value in JS (.transform, z.preprocess), which no warehouse runs: a typed read would hand out the stored value, not the transformed one. Compute the value in the product's SQL and type the column as it is stored.`,
          { ...subject, column: name },
        );
      }
      current = def.in as z.ZodType;
    } else if (def.type === 'readonly') {
      current = def.innerType as z.ZodType;
    } else break;
  }
  const def = defOf(current);
  let type: LogicalType;
  let values: string[] | undefined;
  let asString = false;
  switch (def.type) {
    case 'string': {
      const format = stringFormat(def);
      if (format === 'date') type = 'date';
      else if (format === 'datetime') {
        type = 'timestamp';
        asString = true;
      } else type = 'string';
      break;
    }
    case 'number':
      type = hasIntFormat(def) ? 'integer' : 'number';
      break;
    case 'bigint':
      type = 'integer';
      break;
    case 'boolean':
      type = 'boolean';
      break;
    case 'date':
      type = 'timestamp';
      break;
    case 'enum': {
      // zod's own list: a numeric TypeScript enum's entries also hold its reverse mapping.
      const options = (current as unknown as { options: unknown[] }).options;
      type = typeOfValues(options);
      values = options.map(String);
      break;
    }
    case 'literal': {
      const literals = (def as unknown as { values: unknown[] }).values ?? [];
      type = typeOfValues(literals);
      values = type === 'string' ? literals.map(String) : undefined;
      break;
    }
    default:
      throw new DefinitionError(
        'unsupported-column-type',
        `Column ${name} has zod type ${def.type}, which no warehouse column can hold; use string, number, int, boolean, date, iso date/datetime or enum.`,
        { ...subject, column: name },
      );
  }
  const override = meta.type as LogicalType | undefined;
  // A bigint reads as a BigInt, which no other column type hands out.
  const allowed = def.type === 'bigint' ? [] : OVERRIDES[type];
  if (override !== undefined && override !== type && !allowed.includes(override)) {
    throw new DefinitionError(
      'invalid-column-type',
      `Column ${name}: .meta({ type: ${JSON.stringify(override)} }) ${
        LOGICAL_TYPE_NAMES.includes(override as LogicalType)
          ? `cannot hold what its zod type (${type}) reads as: a typed read would hand out other values than the schema says`
          : `is no column type (${LOGICAL_TYPE_NAMES.join(', ')})`
      }. ${allowed.length ? `A ${type} column may be typed ${allowed.join(' or ')}.` : `Leave the type to the zod schema.`}`,
      { ...subject, column: name },
    );
  }
  if (override === 'timestamp' && type === 'string') asString = true;
  return {
    name,
    type: override ?? type,
    nullable,
    description: typeof meta.description === 'string' ? meta.description : undefined,
    pii: meta.pii === true,
    key: meta.key === true,
    values,
    asString,
    ...(meta.happened === true ? { happened: true } : {}),
    ...(meta.percent === true ? { percent: true } : {}),
    ...(def.type === 'bigint' ? { bigint: true } : {}),
    ...(missing === 'optional' ? { optional: true } : {}),
  };
}
