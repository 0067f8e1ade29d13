import { z } from 'zod';
import { type ColumnSpec, columnsOf } from './columns.js';
import type { Domain } from './domain.js';
import { DefinitionError } from './errors.js';
import { formatIssues } from './issues.js';
import type { TableRef } from './relation.js';

/** What a sample generator is told: how much to make and from which seed. */
export interface SampleContext {
  /** 1 is the demo size; the row counts of every source grow linearly with it. */
  readonly scale: number;
  readonly seed: number;
}

const sourceInputSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower snake_case'),
  description: z.string().min(1),
  system: z.string().min(1).optional(),
});

export interface SourceInput<S extends z.ZodObject> extends z.input<typeof sourceInputSchema> {
  domain: Domain;
  /** The columns of the raw rows, with descriptions; rows are validated against it on ingestion. */
  schema: S;
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

/** A raw table a domain lands from its operational systems or files. The platform never modifies its rows. */
export interface Source<S extends z.ZodObject = z.ZodObject> {
  readonly kind: 'source';
  readonly domain: Domain;
  readonly name: string;
  readonly description: string;
  readonly system: string | undefined;
  readonly schema: S;
  readonly columns: readonly ColumnSpec[];
  readonly table: TableRef;
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
 *   schema: z.object({ product_id: z.string().describe('Catalog id'), stock: z.int().describe('Units on hand') }),
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
  return Object.freeze({
    kind: 'source' as const,
    domain: input.domain,
    name: parsed.data.name,
    description: parsed.data.description,
    system: parsed.data.system,
    schema: input.schema,
    columns: Object.freeze(columnsOf(input.schema, subject)),
    table: Object.freeze({ schema: input.domain.name, name: `raw_${parsed.data.name}` }),
    sample: input.sample,
    sampleAfter: Object.freeze([...(input.sampleAfter ?? [])]),
    id: `${input.domain.name}.${parsed.data.name}`,
  });
}
