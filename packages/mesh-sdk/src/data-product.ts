import { z } from 'zod';
import { type Check, type ChecksBuilder, checksBuilder, impliedChecks } from './checks.js';
import { type ColumnSpec, columnsOf } from './columns.js';
import type { Domain, Owner } from './domain.js';
import { ownerSchema } from './domain.js';
import { DURATION_PATTERN, type Duration } from './duration.js';
import { DefinitionError } from './errors.js';
import { formatIssues } from './issues.js';
import { type ReadOptions, readProduct } from './read.js';
import type { Relation, TableRef } from './relation.js';
import { isSqlFragment, type SqlFragment } from './sql.js';
import type { Warehouse } from './warehouse.js';

export const TIERS = ['gold', 'silver', 'bronze'] as const;
export const REFRESH_SCHEDULES = ['real-time', 'hourly', 'daily'] as const;
export const ACCESS_MODELS = ['public', 'restricted', 'confidential'] as const;
export const MATERIALIZATIONS = ['table', 'incremental', 'view'] as const;

export type Tier = (typeof TIERS)[number];
export type RefreshSchedule = (typeof REFRESH_SCHEDULES)[number];
/** How far apart a schedule's builds are, at most, in seconds (real-time: as files land). */
export const REFRESH_INTERVAL_SECONDS: Readonly<Record<RefreshSchedule, number>> = {
  'real-time': 0,
  hourly: 3600,
  daily: 86_400,
};
export type AccessModel = (typeof ACCESS_MODELS)[number];
export type Materialization = (typeof MATERIALIZATIONS)[number];

/**
 * The standard columns appended to every published row set, after the contract's own.
 * Prefixed so they never collide with a product's columns.
 */
export const METADATA_COLUMNS: readonly ColumnSpec[] = Object.freeze(
  (
    [
      ['_domain', 'string', 'Domain that published the row'],
      ['_product', 'string', 'Data product that published the row'],
      ['_version', 'string', 'Version of the data product that published the row'],
      ['_processed_at', 'timestamp', 'When the build that published the row ran (UTC)'],
    ] as const
  ).map(([name, type, description]) => ({
    name,
    type,
    description,
    nullable: false,
    pii: false,
    key: false,
    values: undefined,
    asString: false,
  })),
);

const slaSchema = z.object({
  freshness: z.string().regex(DURATION_PATTERN, 'a duration such as 1h or 2d').optional(),
  completeness: z.number().min(0).max(1).optional(),
  validity: z.number().min(0).max(1).optional(),
});

/** The structural rules of a definition; policies (naming, metadata, keys) are checked separately as findings. */
export const dataProductFieldsSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower snake_case'),
  version: z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, 'a semantic version such as 1.2.0'),
  description: z.string(),
  owner: ownerSchema.optional(),
  tier: z.enum(TIERS),
  refresh: z.enum(REFRESH_SCHEDULES),
  access: z.enum(ACCESS_MODELS),
  consumers: z.array(z.string()).default([]),
  sla: slaSchema.default({}),
  materialization: z.enum(MATERIALIZATIONS).default('table'),
  partitionBy: z
    .object({ column: z.string(), granularity: z.enum(['day', 'month', 'year']).default('day') })
    .optional(),
  clusterBy: z.array(z.string()).max(4, 'at most 4 clustering columns (a BigQuery limit)').default([]),
  documentation: z.string().optional(),
  tags: z.array(z.string()).default([]),
  schedule: z
    .object({
      /** A cron expression (5 or 6 fields), read by the scheduler of `mesh serve`. */
      cron: z.string().min(9, 'a cron expression such as 15 * * * *'),
      /** An IANA time zone the expression is read in; UTC when absent. */
      timezone: z.string().optional(),
    })
    .strict()
    .optional(),
  timeout: z.string().regex(DURATION_PATTERN, 'a duration such as 15m').optional(),
  previousMajor: z
    .object({
      until: z.iso.date('a date such as 2027-06-30'),
      columns: z.record(z.string(), z.string()).default({}),
    })
    .optional(),
});

export type Sla = z.infer<typeof slaSchema>;
export type Partitioning = NonNullable<z.infer<typeof dataProductFieldsSchema>['partitionBy']>;

type ColumnName<S extends z.ZodObject> = keyof z.infer<S> & string;

/** What a domain team writes for a product; see `defineDataProduct`. */
export interface DataProductInput<S extends z.ZodObject, I extends Record<string, Relation>> {
  domain: Domain;
  name: string;
  version: string;
  description: string;
  /** Defaults to the domain's owner. */
  owner?: Owner;
  tier: Tier;
  refresh: RefreshSchedule;
  access: AccessModel;
  /** Teams or products that rely on this one. */
  consumers?: string[];
  sla?: { freshness?: Duration; completeness?: number; validity?: number };
  schema: S;
  materialization?: Materialization;
  partitionBy?: { column: ColumnName<S>; granularity?: 'day' | 'month' | 'year' };
  /**
   * For `materialization: 'incremental'`: per input, its date or timestamp column whose day
   * is the day of the output rows it contributes to. When inputs change, only the output days
   * whose input days changed are rebuilt; rows of other days must depend on no changed row.
   */
  incremental?: { [K in keyof I]?: string };
  clusterBy?: ColumnName<S>[];
  /** Products (of any domain, imported from their packages) and sources this product reads. */
  inputs: I;
  /** The SELECT producing the contract's columns, over the inputs. */
  transform: (inputs: I) => SqlFragment;
  checks?: (c: ChecksBuilder<S>) => Check[];
  documentation?: string;
  tags?: string[];
  /**
   * When the scheduler of `mesh serve` builds it, instead of the mesh's default time for its
   * `refresh` (hourly, daily): `{ cron: '15 6 * * 1-5', timezone: 'Europe/Paris' }`.
   */
  schedule?: { cron: string; timezone?: string };
  /**
   * How long a build of it may run before it is cancelled: the statement running is
   * interrupted where the warehouse can, nothing is published, the published version stays.
   */
  timeout?: Duration;
  /**
   * After a breaking change under a new major version: the previous major stays published
   * beside this one, as the view `<name>_v<major>` in the shape of its released contract, until
   * `until` (the announced deprecation date), so consumers migrate on their own schedule.
   * `columns` gives, as SQL over this version's rows, each released column this version no
   * longer has or has with another type.
   */
  previousMajor?: { until: string; columns?: Record<string, string> };
}

/** A data product: contract, code, checks and metadata, ready to build on any warehouse. */
export interface DataProduct<
  S extends z.ZodObject = z.ZodObject,
  I extends Record<string, Relation> = Record<string, Relation>,
> {
  readonly kind: 'data-product';
  readonly domain: Domain;
  readonly name: string;
  /** `domain.name`, unique across the mesh. */
  readonly id: string;
  readonly version: string;
  readonly description: string;
  readonly owner: Owner;
  readonly tier: Tier;
  readonly refresh: RefreshSchedule;
  readonly access: AccessModel;
  readonly consumers: readonly string[];
  readonly sla: Sla;
  readonly schema: S;
  /** The contract's columns, in schema order. */
  readonly columns: readonly ColumnSpec[];
  /** The columns of the published table: the contract's, then `METADATA_COLUMNS`. */
  readonly publishedColumns: readonly ColumnSpec[];
  readonly materialization: Materialization;
  readonly partitionBy: Partitioning | undefined;
  /** Input name -> its column giving the output day, for incremental products. */
  readonly incremental: Readonly<Record<string, string>>;
  readonly clusterBy: readonly string[];
  readonly inputs: I;
  readonly query: SqlFragment;
  readonly checks: readonly Check[];
  readonly table: TableRef;
  readonly documentation: string | undefined;
  readonly tags: readonly string[];
  /** Its own cron schedule, when it has one; see `DataProductInput`. */
  readonly schedule: { readonly cron: string; readonly timezone?: string } | undefined;
  readonly timeout: Duration | undefined;
  /** The previous major, published beside this one until a date; see `DataProductInput`. */
  readonly previousMajor:
    | { readonly until: string; readonly columns: Readonly<Record<string, string>> }
    | undefined;
  /**
   * Streams the published rows, typed by the schema, in bounded memory.
   *
   * @example
   * for await (const row of inventory.read(warehouse, { where: { stock_status: 'LOW_STOCK' } })) row.product_id;
   */
  read<K extends ColumnName<S> = ColumnName<S>>(
    warehouse: Warehouse,
    options?: ReadOptions<z.infer<S>, K>,
  ): AsyncIterable<Pick<z.infer<S>, K>>;
}

/**
 * Declares a data product. Structural mistakes (a bad version, an unknown tier) throw a
 * `DefinitionError`; policy questions (naming, metadata, keys) are answered by `checkMesh`.
 *
 * @example
 * export const inventory = defineDataProduct({
 *   domain: productDomain, name: 'product_inventory', version: '1.0.0',
 *   description: 'Current stock, value and margin of every active product.',
 *   tier: 'gold', refresh: 'hourly', access: 'public', consumers: ['store'],
 *   schema: z.object({ product_id: z.string().describe('Catalog id').meta({ key: true }) }),
 *   inputs: { catalog },
 *   transform: ({ catalog }) => sql`SELECT product_id FROM ${catalog}`,
 *   checks: (c) => [c.product_id.unique(), c.product_id.notNull()],
 * });
 */
export function defineDataProduct<S extends z.ZodObject, I extends Record<string, Relation>>(
  input: DataProductInput<S, I>,
): DataProduct<S, I> {
  const subject = { domain: input.domain?.name, product: String(input.name) };
  const parsed = dataProductFieldsSchema.safeParse(input);
  if (!parsed.success) {
    throw new DefinitionError(
      'invalid-data-product',
      `Data product ${subject.product} is invalid: ${formatIssues(parsed.error)}`,
      subject,
    );
  }
  const fields = parsed.data;
  const columns = Object.freeze(columnsOf(input.schema, subject));
  const names = new Set(columns.map((c) => c.name));
  for (const c of columns) {
    if (c.name.startsWith('_')) {
      throw new DefinitionError(
        'reserved-column',
        `Column ${c.name} starts with "_", which is reserved for the platform's metadata columns.`,
        { ...subject, column: c.name },
      );
    }
  }
  for (const column of [fields.partitionBy?.column, ...fields.clusterBy]) {
    if (column !== undefined && !names.has(column)) {
      throw new DefinitionError(
        'unknown-column',
        `Partitioning or clustering names ${column}, which is not in the schema.`,
        {
          ...subject,
          column,
        },
      );
    }
  }
  fields.clusterBy.forEach((name, i) => {
    if (fields.clusterBy.indexOf(name) !== i) {
      throw new DefinitionError('duplicate-column', `clusterBy names ${name} twice.`, {
        ...subject,
        column: name,
      });
    }
  });
  if (fields.materialization === 'incremental') {
    const partition = fields.partitionBy;
    const column = partition && columns.find((c) => c.name === partition.column);
    if (partition?.granularity !== 'day' || (column?.type !== 'date' && column?.type !== 'timestamp')) {
      throw new DefinitionError(
        'incremental-needs-day-partitions',
        'An incremental product is partitioned by day on a date or timestamp column (partitionBy).',
        subject,
      );
    }
    const mapping = Object.entries(input.incremental ?? {});
    if (!mapping.length) {
      throw new DefinitionError(
        'incremental-needs-inputs',
        'An incremental product names, in `incremental`, the day column of at least one input.',
        subject,
      );
    }
    for (const [name, inputColumn] of mapping) {
      const relation = (input.inputs as Record<string, Relation>)[name];
      const found = relation?.columns.find((c) => c.name === inputColumn);
      if (!found || (found.type !== 'date' && found.type !== 'timestamp')) {
        throw new DefinitionError(
          'unknown-column',
          `incremental: ${relation ? `${name} has no date or timestamp column ${inputColumn}` : `no input is named ${name}`}.`,
          { ...subject, column: String(inputColumn) },
        );
      }
    }
  }
  const query = input.transform(input.inputs);
  if (!isSqlFragment(query)) {
    throw new DefinitionError('invalid-transform', 'transform must return a sql`...` fragment.', subject);
  }
  const declared = input.checks?.(checksBuilder<S>(columns, fields.name)) ?? [];
  // What the contract says of every row (required columns, enums) is checked whether declared or not.
  const checks = Object.freeze([...declared, ...impliedChecks(columns, declared)]);
  const seen = new Set<string>();
  for (const check of checks) {
    if (seen.has(check.name)) {
      throw new DefinitionError(
        'duplicate-check',
        `Two checks are named ${check.name}; name one with .named().`,
        {
          ...subject,
          check: check.name,
        },
      );
    }
    seen.add(check.name);
  }
  const product: DataProduct<S, I> = {
    kind: 'data-product',
    domain: input.domain,
    name: fields.name,
    id: `${input.domain.name}.${fields.name}`,
    version: fields.version,
    description: fields.description,
    owner: fields.owner ?? input.domain.owner,
    tier: fields.tier,
    refresh: fields.refresh,
    access: fields.access,
    consumers: Object.freeze(fields.consumers),
    sla: fields.sla,
    schema: input.schema,
    columns,
    publishedColumns: Object.freeze([...columns, ...METADATA_COLUMNS]),
    materialization: fields.materialization,
    partitionBy: fields.partitionBy,
    incremental: Object.freeze({ ...(input.incremental ?? {}) }) as Readonly<Record<string, string>>,
    clusterBy: Object.freeze(fields.clusterBy),
    inputs: input.inputs,
    query,
    checks,
    table: Object.freeze({ schema: input.domain.name, name: fields.name }),
    documentation: fields.documentation,
    tags: Object.freeze(fields.tags),
    schedule: fields.schedule,
    timeout: fields.timeout as Duration | undefined,
    previousMajor: fields.previousMajor,
    read: (warehouse, options) => readProduct(product, warehouse, options),
  };
  return Object.freeze(product);
}
