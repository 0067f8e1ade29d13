import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { duckdbDialect } from '@retail-mesh/duckdb';
import {
  type ContractServer,
  contractFiles,
  DefinitionError,
  diffContracts,
  ensureDirectory,
  odcsContract,
  type ProductDiff,
  UsageError,
} from '@retail-mesh/sdk';
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

const USAGE = 'mesh contract export [names...] [--out <dir>] | mesh contract diff --against <dir>';

export async function run(
  values: GlobalOptions & { out?: string; against?: string },
  names: string[],
  io: Io,
): Promise<number> {
  const [action, ...rest] = names;
  if (action === 'diff') return diff(values, rest, io);
  if (action !== 'export')
    throw new UsageError(
      'bad-arguments',
      action
        ? `mesh contract has no action ${action}: use ${USAGE}.`
        : `mesh contract needs an action: ${USAGE}.`,
    );
  const { config } = loadConfig(values.config);
  const mesh = await loadMesh(values);
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

/** Every ODCS document (`*.odcs.json`) under a directory, at any depth. */
function releasedContracts(dir: string): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.odcs.json')) {
        try {
          found.push(JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>);
        } catch (cause) {
          throw new DefinitionError(
            'invalid-contract',
            `${path} is no JSON contract: ${(cause as Error).message}`,
            {
              file: path,
            },
          );
        }
      }
    }
  };
  walk(dir);
  return found;
}

/**
 * Compares every product's contract with the released ones (a directory of `*.odcs.json`, as
 * `mesh contract export` or a domain package's dist/contracts holds them). Exit 1 when a
 * product changes in a breaking way under the same major version.
 */
async function diff(values: GlobalOptions & { against?: string }, names: string[], io: Io): Promise<number> {
  if (names.length)
    throw new UsageError('bad-arguments', `mesh contract diff takes no names (got ${names.join(' ')}).`);
  if (!values.against)
    throw new UsageError(
      'bad-arguments',
      'mesh contract diff needs --against <dir>: the released contracts.',
    );
  const against = resolve(values.against);
  if (!existsSync(against) || !statSync(against).isDirectory())
    throw new UsageError(
      'bad-arguments',
      `--against ${values.against}: no such directory of released contracts.`,
      {
        file: against,
      },
    );
  const released = releasedContracts(against);
  if (!released.length)
    throw new UsageError('bad-arguments', `--against ${values.against}: no *.odcs.json contract there.`, {
      file: against,
    });
  const current = (await loadMesh(values)).products.map((p) => odcsContract(p));
  const diffs = diffContracts(released, current).filter((d) => d.changes.length);
  const blocked = diffs.filter((d) => d.needsMajor);
  const advice = (d: ProductDiff) =>
    d.after
      ? `give ${d.product} version ${Number(d.after.split('.')[0]) + 1}.0.0 and its domain package a major changeset`
      : `release its domain package as a major version (changeset)`;
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          against,
          products: diffs,
          ...(blocked.length
            ? {
                error: {
                  code: 'breaking-change',
                  message: `${blocked.length} products change in a breaking way without a major version.`,
                  subject: { product: blocked[0]!.product },
                },
              }
            : {}),
        },
        null,
        2,
      ),
    );
  } else {
    if (!diffs.length) io.out('No contract changed.');
    for (const d of diffs) {
      io.out(`${d.product} ${d.before ?? '(new)'} -> ${d.after ?? '(removed)'}`);
      for (const c of d.changes) io.out(`  ${c.breaking ? 'BREAKING' : 'safe    '} ${c.detail}`);
    }
    for (const d of blocked) {
      const change = d.changes.find((c) => c.breaking)!;
      io.err(`${d.product}: ${change.detail}, a breaking change under version ${d.before}: ${advice(d)}.`);
    }
  }
  return blocked.length ? 1 : 0;
}
