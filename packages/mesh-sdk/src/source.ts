import { z } from 'zod';
import { type ColumnSpec, columnsOf } from './columns.js';
import type { Domain } from './domain.js';
import { DURATION_PATTERN, type Duration } from './duration.js';
import { DefinitionError } from './errors.js';
import { formatIssues } from './issues.js';
import type { TableRef } from './relation.js';
import { sourceTablesOf } from './source-log.js';

/** What a sample generator is told: how much to make and from which seed. */
export interface SampleContext {
  /** 1 is the demo size; the row counts of every source grow linearly with it. */
  readonly scale: number;
  readonly seed: number;
}

/** The most values `sampleDraws` splits a hash into: 10^15 of its 2^64, so every draw is uniform to 1e-4. */
const MAX_DRAW_SPACE = 1e15;

/**
 * Independent draws from one 64-bit hash, for sample generators: SQL expressions of the hash's
 * mixed-radix digits (`h % r1`, `h // r1 % r2`, ...), each a BIGINT uniform in [0, radix).
 * Hashing a salted key costs more than the arithmetic of a draw, so one hash per row split into
 * its draws is cheaper than one hash per value. The product of the radices may be at most
 * 10^15 (the hash has 1.8e19 values): the draws are then uniform and independent to within 1e-4.
 * A BIGINT, not the hash's UBIGINT: UBIGINT arithmetic with a signed value runs in HUGEINT.
 *
 * @example
 * const d = sampleDraws('h', { category: 12, cents: 20000 });
 * // `SELECT ${d.category} AS category, 200 + ${d.cents} AS cents FROM (SELECT hash(42, i, 'product') AS h FROM numbers)`
 */
export function sampleDraws<const R extends Readonly<Record<string, number>>>(
  hash: string,
  radices: R,
): { readonly [K in keyof R]: string } {
  let below = 1;
  const draws: Record<string, string> = {};
  for (const [name, radix] of Object.entries(radices)) {
    if (!Number.isSafeInteger(radix) || radix < 2)
      throw new DefinitionError(
        'invalid-sample-draws',
        `sampleDraws: ${name} needs a whole radix of 2 or more, not ${radix}.`,
      );
    draws[name] = `CAST(${below === 1 ? hash : `(${hash} // ${below})`} % ${radix} AS BIGINT)`;
    below *= radix;
    if (below > MAX_DRAW_SPACE)
      throw new DefinitionError(
        'invalid-sample-draws',
        `sampleDraws: the radices up to ${name} make ${below.toExponential(2)} values, more than one hash splits evenly (${MAX_DRAW_SPACE.toExponential(0)}): draw the rest from another hash.`,
      );
  }
  return draws as { readonly [K in keyof R]: string };
}

/**
 * SQL of an identifier made of `prefix` and the whole number `n` zero-padded to `digits` digits,
 * as `printf('P%07d', n)` writes it, for sample generators: the decimal digits of 10^digits + n
 * less the leading 1, at about half printf's cost. A number of more digits goes through printf.
 *
 * @example sampleCode('P', 7, 'i') // P0000042 for i = 42
 */
export function sampleCode(prefix: string, digits: number, n: string): string {
  if (!Number.isSafeInteger(10 ** digits) || digits < 1)
    throw new DefinitionError('invalid-sample-code', `sampleCode: ${digits} digits cannot be padded to.`);
  const quoted = `'${prefix.replaceAll("'", "''")}'`;
  const format = `'${prefix.replaceAll("'", "''").replaceAll('%', '%%')}%0${digits}d'`;
  return `CASE WHEN ${n} BETWEEN 0 AND ${10 ** digits - 1} THEN ${quoted} || substr(CAST(${10 ** digits} + ${n} AS VARCHAR), 2) ELSE printf(${format}, ${n}) END`;
}

/**
 * How a source's exports arrive, in the vocabulary of ELT tools:
 * - `snapshot`: each export is the whole table; the latest batch replaces the current rows.
 * - `upsert`: exports carry new and changed rows; the latest row per key wins (by cursor, then
 *   by batch and line), so a row exported twice is counted once.
 * - `append`: immutable events; a key seen before is the same event, and its first copy stays.
 */
export const SYNC_MODES = ['snapshot', 'upsert', 'append'] as const;
export type SyncMode = (typeof SYNC_MODES)[number];

const sourceInputSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower snake_case'),
  description: z.string().min(1),
  system: z.string().min(1).optional(),
  mode: z.enum(SYNC_MODES),
  cursor: z.string().min(1).optional(),
  optional: z.boolean().optional(),
  keepsFormerRows: z.boolean().optional(),
  expectedEvery: z.string().regex(DURATION_PATTERN, 'a duration such as 1d or 6h').optional(),
  dropZone: z
    .string()
    .min(1)
    .refine(
      (zone) =>
        /^gs:\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/.*)?$/.test(zone) ||
        (!/^[a-z][a-z0-9+.-]*:\/\//i.test(zone) &&
          !/^([/\\]|[a-z]:)/i.test(zone) &&
          !zone.split(/[/\\]/).includes('..')),
      'a folder relative to the root of the mesh (drops/store/sales), or a Cloud Storage prefix (gs://bucket/prefix)',
    )
    .optional(),
});

export interface SourceInput<S extends z.ZodObject> extends z.input<typeof sourceInputSchema> {
  domain: Domain;
  /**
   * The columns of the raw rows, with descriptions; rows are validated against it on ingestion.
   * The primary key is the columns marked `.meta({ key: true })` (at least one, never NULL).
   */
  schema: S;
  /** How exports arrive: see {@link SyncMode}. */
  mode: SyncMode;
  /** The column that versions a row (e.g. `updated_at`): in `upsert`, the highest wins. */
  cursor?: string;
  /** A source the domain may never receive (returns, sessions): until loaded it reads as empty. */
  optional?: boolean;
  /**
   * A snapshot of a list that keeps its former rows (a closed store with its `closed_on`, a
   * leaver marked inactive): a key the previous export held that an export leaves out is not a
   * removal but rows lost on the way (an export cut at a line's end, a first page only), and
   * the batch is flagged, so the products reading it are `degraded`. Snapshots only.
   */
  keepsFormerRows?: boolean;
  /**
   * How often its system delivers an export (`1d`, `6h`): once loaded from that system, a source
   * whose newest batch is older is overdue, and every product it feeds, directly or upstream,
   * is reported stale, however recently it was rebuilt or confirmed. A stalled feed otherwise
   * looks healthy: its products are rebuilt from the same old rows on schedule.
   */
  expectedEvery?: Duration;
  /**
   * Where the source's exports are dropped to be loaded as they land: a folder relative to the
   * root of the mesh (the folder of `mesh.yaml`), e.g. `drops/store/sales`, which `mesh serve`
   * watches: each complete CSV or Parquet file put there is ingested as one batch (as `mesh
   * ingest` does) and the `refresh: 'real-time'` products it feeds are built. A writer writes
   * the file elsewhere, or under a temporary name (`*.tmp`, `*.partial`, a dotfile), and renames
   * it in. In production, a Cloud Storage prefix (`gs://bucket/prefix`): accepted here and
   * documented with the source, but not watched by a local `mesh serve`.
   */
  dropZone?: string;
  /**
   * A deterministic generator of synthetic rows: a DuckDB SELECT whose columns are the
   * schema's. It runs inside the warehouse (no rows pass through JavaScript) and must derive
   * every value from `seed` and a row number, so the same seed gives the same data.
   */
  sample?: (context: SampleContext) => string;
  /**
   * Sources (`domain.source`) whose sample this one reads, so that references stay consistent
   * (orders of existing customers): they are seeded first. The generator reads their tables
   * (`customer.raw_customers`) by name: sample SQL is DuckDB-only demo code, not a transform.
   */
  sampleAfter?: readonly string[];
}

/**
 * Raw data a domain lands from its operational systems or files. What lands is an append-only
 * log of batches (`log`); products read `table`, the source's current rows (its mode applied
 * to the log).
 */
export interface Source<S extends z.ZodObject = z.ZodObject> {
  readonly kind: 'source';
  readonly domain: Domain;
  readonly name: string;
  readonly description: string;
  readonly system: string | undefined;
  readonly schema: S;
  readonly columns: readonly ColumnSpec[];
  /** The current rows, `raw_<name>`: a view over the log. */
  readonly table: TableRef;
  /** The append-only log of every batch, `raw_<name>_log`: the columns plus `_batch_id` and `_line`. */
  readonly log: TableRef;
  /** Rows that failed validation, `raw_<name>_rejects`, with their batch, file, line and reason. */
  readonly rejects: TableRef;
  /** Primary key columns, in schema order. */
  readonly key: readonly string[];
  readonly mode: SyncMode;
  readonly cursor: string | undefined;
  readonly optional: boolean;
  /** A snapshot that keeps its former rows (see `SourceInput.keepsFormerRows`). */
  readonly keepsFormerRows?: boolean;
  /** How often an export is expected (see `SourceInput.expectedEvery`); undefined: no expectation. */
  readonly expectedEvery: Duration | undefined;
  /**
   * Where its exports are dropped to be loaded as they land: a folder relative to the root of the
   * mesh, or a Cloud Storage prefix (`gs://bucket/prefix`, not watched locally); see
   * `SourceInput.dropZone`.
   */
  readonly dropZone: string | undefined;
  readonly sample: ((context: SampleContext) => string) | undefined;
  readonly sampleAfter: readonly string[];
  /** `domain.name`, unique across the mesh. */
  readonly id: string;
}

/**
 * Declares a source: a raw table of a domain, held in the domain's schema as `raw_<name>`.
 *
 * @example
 * export const stockLevels = defineSource({
 *   domain: productDomain,
 *   name: 'stock_levels',
 *   description: 'Stock on hand per product, from the warehouse management system.',
 *   mode: 'upsert',
 *   cursor: 'counted_at',
 *   schema: z.object({
 *     product_id: z.string().describe('Catalog id').meta({ key: true }),
 *     stock: z.int().describe('Units on hand'),
 *     counted_at: z.date().describe('When the count was taken'),
 *   }),
 * });
 */
export function defineSource<S extends z.ZodObject>(input: SourceInput<S>): Source<S> {
  const parsed = sourceInputSchema.safeParse(input);
  const subject = { domain: input.domain?.name, source: String(input.name) };
  if (!parsed.success) {
    throw new DefinitionError(
      'invalid-source',
      `Source ${subject.source} is invalid: ${formatIssues(parsed.error)}`,
      subject,
    );
  }
  const columns = columnsOf(input.schema, subject);
  const key = columns.filter((c) => c.key);
  if (!key.length) {
    throw new DefinitionError(
      'source-without-key',
      `Source ${subject.source} declares no primary key: mark its key columns with .meta({ key: true }).`,
      subject,
    );
  }
  const nullableKey = key.find((c) => c.nullable);
  if (nullableKey) {
    throw new DefinitionError(
      'nullable-key',
      `Source ${subject.source}: key column ${nullableKey.name} may not be nullable.`,
      { ...subject, column: nullableKey.name },
    );
  }
  const cursor = parsed.data.cursor;
  if (cursor !== undefined) {
    const column = columns.find((c) => c.name === cursor);
    if (!column || !['timestamp', 'date', 'integer', 'number', 'decimal'].includes(column.type)) {
      throw new DefinitionError(
        'invalid-cursor',
        `Source ${subject.source}: cursor ${cursor} must be a timestamp, date or numeric column of its schema.`,
        { ...subject, column: cursor },
      );
    }
  }
  if (parsed.data.keepsFormerRows && parsed.data.mode !== 'snapshot') {
    throw new DefinitionError(
      'invalid-source',
      `Source ${subject.source}: keepsFormerRows is for a snapshot, whose exports replace its rows; an ${parsed.data.mode} source never removes a key.`,
      subject,
    );
  }
  const table = parsed.data.name;
  const tables = sourceTablesOf(`${input.domain.name}.${table}`);
  return Object.freeze({
    kind: 'source' as const,
    domain: input.domain,
    name: parsed.data.name,
    description: parsed.data.description,
    system: parsed.data.system,
    schema: input.schema,
    columns: Object.freeze(columns),
    table: Object.freeze({ schema: input.domain.name, name: `raw_${table}` }),
    log: Object.freeze(tables.log),
    rejects: Object.freeze(tables.rejects),
    key: Object.freeze(key.map((c) => c.name)),
    mode: parsed.data.mode,
    cursor,
    optional: parsed.data.optional ?? false,
    ...(parsed.data.keepsFormerRows ? { keepsFormerRows: true } : {}),
    expectedEvery: parsed.data.expectedEvery as Duration | undefined,
    dropZone: parsed.data.dropZone,
    sample: input.sample,
    sampleAfter: Object.freeze([...(input.sampleAfter ?? [])]),
    id: `${input.domain.name}.${parsed.data.name}`,
  });
}
