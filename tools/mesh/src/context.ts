import { createDuckDbWarehouse, DEFAULT_DUCKDB_PATH } from '@retail-mesh/duckdb';
import type { Warehouse } from '@retail-mesh/sdk';
import { Progress } from './progress.js';

/** Options every command takes. */
export interface GlobalOptions {
  /** DuckDB database file; `MESH_DB` or `.mesh/mesh.duckdb` by default. */
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

export function databasePath(options: GlobalOptions): string {
  return options.db ?? process.env.MESH_DB ?? DEFAULT_DUCKDB_PATH;
}

/** Opens the warehouse for a command and closes it whatever happens. */
export async function withWarehouse<T>(
  options: GlobalOptions,
  work: (warehouse: Warehouse) => Promise<T>,
): Promise<T> {
  const warehouse = await createDuckDbWarehouse({ path: databasePath(options) });
  try {
    return await work(warehouse);
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
