import { AsyncLocalStorage } from 'node:async_hooks';
import { closeSync, existsSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type DataProduct,
  durationSeconds,
  isMeshError,
  type MeshError,
  UsageError,
  type Warehouse,
  WarehouseError,
} from '@retail-mesh/sdk';
import { loadConfig, type MeshConfig, memoryBytes, resolveTarget, type TargetConfig } from './config.js';
import { Progress } from './progress.js';

/** The command running (`build`, `health`, ...): BigQuery jobs are labelled with it (`mesh_command`). */
export const runningCommand = new AsyncLocalStorage<string>();

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

/** An Io that keeps what a command prints, for `mesh serve` to send back. */
export function capturedIo(): Io & { readonly stdout: () => string; readonly stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => {
      out += `${text}\n`;
    },
    err: (text) => {
      err += `${text}\n`;
    },
    progress: new Progress(false),
    stdout: () => out,
    stderr: () => err,
  };
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
      { option: '--db', target: name },
    );
  }
  return { config, targetName: name, target };
}

/**
 * Opens the target's warehouse; each warehouse's client is loaded only when its target is used. A DuckDB file that does not exist is created only for commands that build
 * warehouses (`create`): reading a mistyped path is an error, not an empty warehouse.
 */
export async function openWarehouse(
  context: CommandContext,
  options: { create?: boolean } = {},
): Promise<Warehouse> {
  const { target, config } = context;
  if (target.type === 'duckdb') {
    if (target.path !== ':memory:') refuseNonDatabase(resolve(target.path));
    // Loaded here, not at startup: DuckDB's native module is most of what `mesh --help`,
    // `mesh sources` or a command answered by `mesh serve` would otherwise wait for.
    const { createDuckDbWarehouse } = await import('@retail-mesh/duckdb');
    try {
      return await createDuckDbWarehouse({
        path: target.path,
        threads: target.threads,
        // In bytes: DuckDB knows neither shares of RAM nor petabytes.
        memoryLimit: target.memoryLimit === undefined ? undefined : `${memoryBytes(target.memoryLimit)}B`,
        create: options.create,
      });
    } catch (error) {
      throw withNextStep(error);
    }
  }
  const { createBigQueryWarehouse } = await import('@retail-mesh/bigquery');
  return createBigQueryWarehouse({
    projectId: target.project,
    location: target.location,
    datasetPrefix: target.datasetPrefix,
    apiEndpoint: target.apiEndpoint,
    keyFilename: target.keyFilename,
    maximumBytesBilled: target.maximumBytesBilled,
    jobTimeoutMs: target.jobTimeout ? (durationSeconds(target.jobTimeout) ?? 0) * 1000 : undefined,
    labels: { mesh_command: runningCommand.getStore() ?? 'mesh' },
    policyTags: target.policyTags,
    // The variable Google's own tools read for a ready-made token; credentials are looked up otherwise.
    accessToken: process.env.GOOGLE_OAUTH_ACCESS_TOKEN,
    access: config.access,
  });
}

/**
 * Refuses, before DuckDB sees it, a path that is no DuckDB database: a directory, a pipe or
 * device (which would be read forever), an empty file, a file of another kind. DuckDB itself
 * opens a `.csv` or `.parquet` path as an empty in-memory database, so a build there would be
 * thrown away and a read would see no table. A file that does not exist is left to DuckDB
 * (created, or `database-not-found`).
 */
function refuseNonDatabase(file: string): void {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) return;
  const fail = (why: string, next: string) => {
    throw new WarehouseError('database-unavailable', `${file} ${why}: ${next}`, { file });
  };
  const elsewhere = `name a DuckDB file with --db (mesh up creates one)`;
  if (stat.isDirectory())
    fail('is a directory, not a DuckDB database file', `${elsewhere}, e.g. ${join(file, 'mesh.duckdb')}`);
  if (!stat.isFile()) fail('is not a regular file (a pipe, socket or device)', elsewhere);
  if (stat.size === 0)
    fail(
      'is empty (0 bytes), not a DuckDB database',
      `remove it and mesh up creates a warehouse there, or ${elsewhere}`,
    );
  // A DuckDB file says DUCK at bytes 8-11 of its header.
  const head = Buffer.alloc(12);
  let read = 0;
  try {
    const fd = openSync(file, 'r');
    try {
      read = readSync(fd, head, 0, 12, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return; // Unreadable (permissions): DuckDB's own error names the file and the reason.
  }
  if (read < 12 || head.toString('latin1', 8, 12) !== 'DUCK') {
    const kind =
      head.toString('latin1', 0, 4) === 'PAR1'
        ? 'a Parquet file'
        : head.toString('latin1', 0, Math.min(read, 12)).startsWith('SQLite forma')
          ? 'an SQLite database'
          : /^[\t\n\r\x20-\x7e]*$/.test(head.toString('latin1', 0, read))
            ? 'a text file'
            : 'some other file';
    fail(
      `is not a DuckDB database (it is ${kind})`,
      `check the path; exports are loaded with mesh ingest, and ${elsewhere}`,
    );
  }
}

/** DuckDB's reasons for not opening a file, with what the user can do about each. */
const NEXT_STEPS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /permission denied|read-only/i,
    'check the permissions of the file and its directory (DuckDB writes a .wal file beside it), or pass another --db',
  ],
  [
    /checksum|could not read enough bytes|corrupt|not a valid duckdb/i,
    'the file is damaged or cut short: restore it from a backup, or build a new warehouse in another file (mesh up --db <file>)',
  ],
];

function withNextStep(error: unknown): unknown {
  // The library's advice is its own (create: true); on the command line, flags and mesh up.
  if (isMeshError(error) && error.code === 'database-not-found' && error.subject.file)
    return new WarehouseError(
      error.code,
      `No DuckDB warehouse at ${error.subject.file}: check the path (--db, MESH_DB or the target's path), or create it with mesh up.`,
      error.subject,
      { cause: error },
    );
  if (!isMeshError(error) || error.code !== 'database-unavailable') return error;
  const next = NEXT_STEPS.find(([pattern]) => pattern.test(error.message))?.[1];
  // Said once, whether the file failed to open or a later statement found the damage.
  if (!next || error.message.includes(next.slice(1))) return error;
  return new WarehouseError(
    error.code,
    `${error.message.replace(/[.\s]*$/, '')}. ${next[0]!.toUpperCase()}${next.slice(1)}.`,
    error.subject,
    {
      cause: error.cause ?? error,
    },
  );
}

/**
 * Stops a command at the first product whose build or test found the warehouse file itself
 * damaged (a block DuckDB cannot read back): exit 4, as when the file cannot be opened, naming
 * that product; the other products' results would only repeat it or hide it.
 */
export function refuseDamagedWarehouse(
  outcomes: ReadonlyArray<{ readonly product: DataProduct; readonly error?: MeshError | undefined }>,
): void {
  const hit = outcomes.find((o) => o.error?.code === 'database-unavailable');
  if (!hit) return;
  const { product, error } = hit;
  throw withNextStep(
    new WarehouseError(
      'database-unavailable',
      `${product.id}: ${error!.message}`,
      { ...error!.subject, domain: product.domain.name, product: product.name },
      { cause: error },
    ),
  );
}

/**
 * Which warehouse a target is: a DuckDB file by its absolute path, a BigQuery project and
 * prefix. Two commands on the same identity share one warehouse inside `mesh serve`.
 */
export function warehouseIdentity(target: TargetConfig): string {
  return target.type === 'duckdb'
    ? `duckdb:${target.path === ':memory:' ? ':memory:' : resolve(target.path)}`
    : `bigquery:${target.project}/${target.datasetPrefix ?? ''}`;
}

/** Warehouses held open by `mesh serve`: commands it runs use them, and do not close them. */
const shared = new Map<string, Warehouse>();

/** Lends `warehouse` to every command on its identity until the returned function is called. */
export function shareWarehouse(identity: string, warehouse: Warehouse): () => void {
  shared.set(identity, warehouse);
  return () => {
    if (shared.get(identity) === warehouse) shared.delete(identity);
  };
}

/** Opens the warehouse for a command and closes it whatever happens. */
export async function withWarehouse<T>(
  options: GlobalOptions,
  work: (warehouse: Warehouse, context: CommandContext) => Promise<T>,
  open: { create?: boolean } = {},
): Promise<T> {
  const context = commandContext(options);
  const lent = shared.get(warehouseIdentity(context.target));
  if (lent) return work(lent, context);
  const target = context.target;
  const file = target.type === 'duckdb' && target.path !== ':memory:' ? resolve(target.path) : undefined;
  const created = open.create === true && file !== undefined && !existsSync(file);
  const warehouse = await openWarehouse(context, open);
  let refused = false;
  try {
    return await work(warehouse, context);
  } catch (error) {
    // A command line refused after the file was made (an unknown product, a missing --from):
    // nothing was done, so no database is left behind for a mistyped --db to read as empty.
    refused = isMeshError(error) && error.kind === 'usage';
    // A statement may be the first to find the file damaged: the same guidance as at opening.
    throw withNextStep(error);
  } finally {
    await warehouse.close();
    if (created && refused && file) for (const f of [file, `${file}.wal`]) rmSync(f, { force: true });
  }
}

/** A run id that sorts by time. */
export const newRunId = () =>
  new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
