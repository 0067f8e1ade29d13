import { writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { duckdbDialect } from '@retail-mesh/duckdb';
import { type ContractServer, contractFiles, ensureDirectory, UsageError } from '@retail-mesh/sdk';
import { loadConfig, type MeshConfig } from '../config.js';
import type { GlobalOptions, Io } from '../context.js';
import { loadMesh, selectProducts } from '../mesh.js';

/** The servers of a contract: every target of mesh.yaml, as ODCS names them. */
export function contractServers(config: MeshConfig): ContractServer[] {
  return Object.entries(config.targets).map(([server, target]) =>
    target.type === 'bigquery'
      ? {
          server,
          type: 'bigquery',
          environment: server,
          project: target.project,
          datasetPrefix: target.datasetPrefix,
        }
      : { server, type: 'duckdb', environment: server, path: target.path },
  );
}

export async function run(
  values: GlobalOptions & { out?: string },
  names: string[],
  io: Io,
): Promise<number> {
  const [action, ...rest] = names;
  if (action !== 'export')
    throw new UsageError(
      'bad-arguments',
      action
        ? `mesh contract has no action ${action}: use mesh contract export [names...] [--out <dir>].`
        : 'mesh contract needs an action: mesh contract export [names...] [--out <dir>].',
    );
  const { config } = loadConfig(values.config);
  const mesh = loadMesh();
  const products = selectProducts(mesh, rest);
  const servers = contractServers(config);
  const out = resolve(values.out ?? 'contracts');
  ensureDirectory(out, '--out');
  const written: Array<{ product: string; files: string[] }> = [];
  for (const product of products) {
    const dir = join(out, product.domain.name);
    ensureDirectory(dir, '--out');
    // Rendered for DuckDB, the default target: `expect` and `assert` checks carry their SQL.
    const files = contractFiles(product, { servers, dialect: duckdbDialect });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    written.push({ product: product.id, files: Object.keys(files).map((f) => join(dir, f)) });
  }
  if (values.json) io.out(JSON.stringify({ out, products: written }, null, 2));
  else
    io.out(
      `Wrote the contracts of ${written.length} products (ODCS v3.1.0 as YAML and JSON, and JSON Schema) to ${relative(process.cwd(), out) || '.'}.`,
    );
  return 0;
}
