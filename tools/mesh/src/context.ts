import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { UsageError, type Warehouse } from '@retail-mesh/sdk';
import { loadConfig, type MeshConfig, resolveTarget, type TargetConfig } from './config.js';
import { Progress } from './progress.js';

/** Options every command takes. */
export interface GlobalOptions {
  /** A target of mesh.yaml; its defaultTarget when omitted. */
  target?: string;
  /** Configuration file; `mesh.yaml` in the working directory by default. */
  config?: string;
  /** DuckDB database file of a DuckDB target; overrides the target's path (also `MESH_DB`). */
  db?: string;
  json?: boolean;
}

/** Where a command writes: stdout for results, stderr for progress and diagnostics. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  readonly progress: Progress;
}

export function processIo(options: GlobalOptions): Io {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    progress: new Progress(!options.json),
  };
}

/** The configuration and the chosen target of a command. */
export interface CommandContext {
  readonly config: MeshConfig;
  readonly targetName: string;
  readonly target: TargetConfig;
}

export function commandContext(options: GlobalOptions): CommandContext {
  const { config } = loadConfig(options.config);
  const { name, target } = resolveTarget(config, options.target);
  const db = options.db ?? process.env.MESH_DB;
  if (db && target.type === 'duckdb') return { config, targetName: name, target: { ...target, path: db } };
  if (options.db && target.type !== 'duckdb') {
    throw new UsageError(
      'bad-arguments',
      `--db applies to DuckDB targets; target ${name} is ${target.type}.`,
    );
  }
  return { config, targetName: name, target };
}

/**
 * Opens the target's warehouse; BigQuery's client is loaded only when a BigQuery target is
 * used. A DuckDB file that does not exist is created only for commands that build
 * warehouses (`create`): reading a mistyped path is an error, not an empty warehouse.
 */
export async function openWarehouse(
  context: CommandContext,
  options: { create?: boolean } = {},
): Promise<Warehouse> {
  const { target, config } = context;
  if (target.type === 'duckdb') {
    return createDuckDbWarehouse({
      path: target.path,
      threads: target.threads,
      memoryLimit: target.memoryLimit,
      create: options.create,
    });
  }
  const { createBigQueryWarehouse } = await import('@retail-mesh/bigquery');
  return createBigQueryWarehouse({
    projectId: target.project,
    location: target.location,
    datasetPrefix: target.datasetPrefix,
    apiEndpoint: target.apiEndpoint,
    keyFilename: target.keyFilename,
    maximumBytesBilled: target.maximumBytesBilled,
    // The variable Google's own tools read for a ready-made token; credentials are looked up otherwise.
    accessToken: process.env.GOOGLE_OAUTH_ACCESS_TOKEN,
    access: config.access,
  });
}

/** Opens the warehouse for a command and closes it whatever happens. */
export async function withWarehouse<T>(
  options: GlobalOptions,
  work: (warehouse: Warehouse, context: CommandContext) => Promise<T>,
  open: { create?: boolean } = {},
): Promise<T> {
  const context = commandContext(options);
  const warehouse = await openWarehouse(context, open);
  try {
    return await work(warehouse, context);
  } finally {
    await warehouse.close();
  }
}

/** A run id that sorts by time. */
export const newRunId = () =>
  new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
