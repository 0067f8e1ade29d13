import { existsSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { resolve } from 'node:path';
import { DefinitionError, DURATION_PATTERN, UsageError, z } from '@retail-mesh/sdk';
import { lineOf, parseYamlFile } from './yaml-file.js';

const MAX_THREADS = 1024;
/** Below this DuckDB cannot open a database (it pins blocks of 256 KiB and more). */
const MIN_MEMORY = 16_000_000;
const MEMORY_LIMIT_FORMAT = 'a size such as 4GB or 512MiB (at least 16MB), or a share of RAM such as 80%';
const UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  PB: 1e15,
  KIB: 2 ** 10,
  MIB: 2 ** 20,
  GIB: 2 ** 30,
  TIB: 2 ** 40,
  PIB: 2 ** 50,
};

/**
 * The bytes a memory limit of mesh.yaml stands for (a share of RAM is of this machine's), or
 * undefined when it is not one DuckDB can honour.
 *
 * @example memoryBytes('512MiB') // 536870912
 */
export function memoryBytes(text: string, ram = totalmem()): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+|%)\s*$/i.exec(text);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2]!.toUpperCase();
  if (unit === '%') return amount > 0 && amount <= 100 ? Math.floor((ram * amount) / 100) : undefined;
  const bytes = UNITS[unit] === undefined ? Number.NaN : Math.floor(amount * UNITS[unit]);
  return bytes >= MIN_MEMORY && bytes <= Number.MAX_SAFE_INTEGER ? bytes : undefined;
}

const duckdbTarget = z
  .object({
    type: z.literal('duckdb'),
    /** Relative to the directory mesh runs in. */
    path: z.string().min(1).default('.mesh/mesh.duckdb'),
    // DuckDB starts every thread it is given: 100,000 of them never finish starting.
    threads: z.int().positive().max(MAX_THREADS, `at most ${MAX_THREADS}`).optional(),
    /** DuckDB's memory limit: a size such as 4GB or 512MiB, or a share of RAM such as 80%. */
    memoryLimit: z
      .string()
      .refine((text) => memoryBytes(text) !== undefined, MEMORY_LIMIT_FORMAT)
      .optional(),
  })
  .strict();

const bigqueryTarget = z
  .object({
    type: z.literal('bigquery'),
    project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a Google Cloud project id'),
    location: z.string().min(1).default('US'),
    /** Prepended to every dataset name, e.g. `dev_` to keep environments apart in one project. */
    datasetPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_]*$/, 'letters, digits and underscores')
      .default(''),
    /** REST endpoint; only for tests against a stand-in. */
    apiEndpoint: z.url().optional(),
    /** Service account key file; the application default credentials otherwise. */
    keyFilename: z.string().optional(),
    /** Queries that would bill more than this many bytes fail instead. */
    maximumBytesBilled: z.int().positive().optional(),
    /**
     * The budget of one `mesh build`: the dry runs of every product it would build summed; a build
     * over it is refused before anything runs (naming the products and their estimates).
     */
    maximumBytesPerBuild: z.int().positive().optional(),
    /**
     * The identity `mesh build` runs as in this target (`serviceAccount:mesh@p.iam.gserviceaccount.com`):
     * `mesh plan --terraform` makes it a fine-grained reader of the PII policy tags, so the checks
     * of products with PII columns can read them.
     */
    builder: z
      .string()
      .regex(
        /^(serviceAccount|user|group):[^@\s]+@[^@\s]+$/,
        'an IAM member such as serviceAccount:mesh@project.iam.gserviceaccount.com',
      )
      .optional(),
    /**
     * The PII policy tag of each domain, as `mesh plan --terraform` outputs them
     * (`pii_policy_tags`): `mesh build` sets it on the PII columns of the tables it publishes.
     */
    policyTags: z
      .record(
        z.string(),
        z
          .string()
          .regex(
            /^projects\/[^/]+\/locations\/[^/]+\/taxonomies\/[^/]+\/policyTags\/[^/]+$/,
            'a policy tag resource name',
          ),
      )
      .optional(),
    /** How long one BigQuery job may run before BigQuery cancels it (`30m`, `6h`); 6h when absent. */
    jobTimeout: z.string().regex(DURATION_PATTERN, 'a duration such as 30m or 6h').optional(),
    /**
     * The Cloud Storage bucket of the drop zones in this target: a source's local zone
     * `drops/store/receipts` is `gs://<bucket>/drops/store/receipts` there (a zone given as
     * `gs://...` stays as it is). `mesh plan --terraform` declares the bucket and notifications.
     */
    dropZoneBucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, 'a Cloud Storage bucket name')
      .optional(),
  })
  .strict();

const targetSchema = z.discriminatedUnion('type', [duckdbTarget, bigqueryTarget]);

/** The health transitions an alert can report. */
export const ALERT_TRANSITIONS = ['error', 'stale', 'degraded', 'anomaly', 'recovery'] as const;
export type AlertTransition = (typeof ALERT_TRANSITIONS)[number];

/** mesh.yaml: deployment targets and mesh-wide settings. */
export const meshConfigSchema = z
  .object({
    /**
     * The mesh's domain packages, in order: workspace folders relative to this file
     * (`domains/product`, or `domains/*` for every folder there holding a package.json), or
     * names of installed packages (`@retail-mesh/domain-product`).
     */
    domains: z.array(z.string().min(1)).min(1).optional(),
    defaultTarget: z.string().default('local'),
    targets: z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'lower-case target name'), targetSchema),
    access: z
      .object({
        organizationDomain: z.string().optional(),
        consumerGroups: z.record(z.string(), z.email()).default({}),
      })
      .strict()
      .default({ consumerGroups: {} }),
    cost: z
      .object({
        currency: z.string().default('USD'),
        storagePerGbMonth: z.number().nonnegative().default(0.023),
        computePerTb: z.number().nonnegative().default(0.5),
        platformPerMonth: z.number().nonnegative().default(10_000),
      })
      .strict()
      .default({ currency: 'USD', storagePerGbMonth: 0.023, computePerTb: 0.5, platformPerMonth: 10_000 }),
    audit: z.object({ sinkDestination: z.string().optional() }).strict().default({}),
    /** Volume, freshness and duration compared with each product's own history. */
    anomalies: z
      .object({
        /** How many of the latest runs train the expectation. */
        window: z.int().min(2).max(1000).default(14),
        /** Fewer runs than this: no expectation yet. */
        minRuns: z.int().min(2).default(5),
        /** How many standard deviations away is an anomaly; lower finds more. */
        sensitivity: z.number().positive().default(3),
      })
      .strict()
      .refine((a) => a.minRuns <= a.window, { message: 'minRuns must not exceed window', path: ['minRuns'] })
      .default({ window: 14, minRuns: 5, sensitivity: 3 }),
    /** When the scheduler of `mesh serve` builds products that give no cron of their own. */
    schedule: z
      .object({
        /** Products with `refresh: 'hourly'`. */
        hourly: z.string().default('0 * * * *'),
        /** Products with `refresh: 'daily'`. */
        daily: z.string().default('0 2 * * *'),
        /** Products with `refresh: 'real-time'`, besides the drop zones that trigger them. */
        realTime: z.string().default('*/5 * * * *'),
        /** The IANA time zone those are read in. */
        timezone: z.string().default('UTC'),
        /** How many times a failed scheduled build is tried again before it is left in error. */
        retries: z.int().min(0).max(10).default(3),
        /** The first retry's delay; each next one waits twice as long. */
        backoff: z
          .string()
          .regex(/^\d+(s|m|h)$/, 'a duration such as 30s, 1m or 1h')
          .default('1m'),
      })
      .strict()
      .default({
        hourly: '0 * * * *',
        daily: '0 2 * * *',
        realTime: '*/5 * * * *',
        timezone: 'UTC',
        retries: 3,
        backoff: '1m',
      }),
    /** Webhooks told when a product's health changes (Slack-compatible JSON). */
    alerts: z
      .array(
        z
          .object({
            url: z.url({ protocol: /^https?$/ }),
            /** The transitions reported; every one when absent. */
            on: z
              .array(z.enum(ALERT_TRANSITIONS))
              .min(1)
              .default([...ALERT_TRANSITIONS]),
            /** Only products of these domains, or these `domain.product` ids; all when absent. */
            only: z.array(z.string().min(1)).optional(),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export type MeshConfig = z.infer<typeof meshConfigSchema>;
export type TargetConfig = z.infer<typeof targetSchema>;
export type BigQueryTargetConfig = z.infer<typeof bigqueryTarget>;

export const CONFIG_FILE = 'mesh.yaml';

/** The configuration when there is no mesh.yaml: the local DuckDB file only. */
export const DEFAULT_CONFIG: MeshConfig = meshConfigSchema.parse({
  targets: { local: { type: 'duckdb' } },
});

/**
 * Reads and validates mesh.yaml. Every error names the file, the line and the key.
 * A missing file gives the default configuration unless it was named explicitly.
 */
export function loadConfig(
  file?: string,
  cwd = process.cwd(),
): { config: MeshConfig; file: string | undefined } {
  const path = resolve(cwd, file ?? CONFIG_FILE);
  if (!existsSync(path)) {
    if (file)
      throw new UsageError('config-not-found', `Configuration file ${path} does not exist.`, { file: path });
    return { config: DEFAULT_CONFIG, file: undefined };
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new DefinitionError(
      'invalid-config',
      `${path}: cannot be read as a configuration file: ${(cause as NodeJS.ErrnoException).code === 'EISDIR' ? 'it is a directory' : (cause as Error).message}.`,
      { file: path },
      { cause },
    );
  }
  return { config: parseConfig(text, path), file: path };
}

export function parseConfig(text: string, file: string): MeshConfig {
  const { value: config, doc, lineCounter } = parseYamlFile(meshConfigSchema, text, file, 'invalid-config');
  if (!Object.hasOwn(config.targets, config.defaultTarget)) {
    const line = lineOf(doc, ['defaultTarget'], lineCounter);
    throw new DefinitionError(
      'invalid-config',
      `${file}${line ? `:${line}` : ''}: defaultTarget: no target is named ${config.defaultTarget}.`,
      { file, line, key: 'defaultTarget' },
    );
  }
  return config;
}

/** The target a command runs on: `--target`, else the configuration's default. */
export function resolveTarget(
  config: MeshConfig,
  name: string | undefined,
): { name: string; target: TargetConfig } {
  const chosen = name ?? config.defaultTarget;
  // Own keys only: `--target constructor` is not a target.
  const target = Object.hasOwn(config.targets, chosen) ? config.targets[chosen] : undefined;
  if (!target) {
    throw new UsageError(
      'unknown-target',
      `No target is named ${chosen}. Targets in the configuration: ${Object.keys(config.targets).join(', ')}.`,
      { target: chosen },
    );
  }
  return { name: chosen, target };
}
