import type { LogicalType } from './columns.js';
import type { Dialect } from './dialect.js';

const TYPES: Record<LogicalType, string> = {
  string: 'TEXT',
  integer: 'BIGINT',
  number: 'DOUBLE',
  decimal: 'DECIMAL',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
};

/**
 * A plain ANSI dialect: what the SDK renders, without a vendor's spelling. Warehouse-free tests
 * render with it, and a product's transform is fingerprinted in it (the same whatever warehouse
 * builds it). ANSI spelling: "identifiers", 'strings' with '' escaping, CAST(x AS T); other
 * calls as FN(args).
 */
export const ansi: Dialect = {
  name: 'ansi',
  quoteIdent: (name) => `"${name.replaceAll('"', '""')}"`,
  tableName: (ref) => `${ansi.quoteIdent(ref.schema)}.${ansi.quoteIdent(ref.name)}`,
  literal(value) {
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    if (value instanceof Date) return `TIMESTAMP '${value.toISOString()}'`;
    throw new TypeError(`no literal for ${typeof value}`);
  },
  columnType: (type) => TYPES[type],
  call(call, args) {
    if (call.fn === 'cast' || call.fn === 'conform') return `CAST(${args[0]} AS ${TYPES[call.type]})`;
    const parts =
      'unit' in call
        ? [call.unit, ...args]
        : 'pattern' in call
          ? [
              ...args,
              ansi.literal(call.pattern),
              ...('replacement' in call ? [ansi.literal(call.replacement)] : []),
            ]
          : args;
    return `${call.fn.toUpperCase()}(${parts.join(', ')})`;
  },
};
