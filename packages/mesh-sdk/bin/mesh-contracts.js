#!/usr/bin/env node
// mesh-contracts <module> <dir>: writes the contract of every data product a domain package
// exports (`products`) into <dir>, as ODCS v3.1.0 (YAML and JSON) and JSON Schema. A domain
// package's build runs it on its own dist, so the package ships its contracts in dist/contracts/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { contractFiles } from '../dist/index.js';

/**
 * The dialect `mesh contract export` writes the SQL of `expect` and `assert` checks in (DuckDB's),
 * so the shipped files are the same as exported ones but for the servers. It comes from the
 * DuckDB adapter the domain package builds and tests with, found from the package itself: the
 * SDK depends on no adapter. Without one, the files say no SQL, and this says so.
 */
async function exportDialect(module) {
  try {
    const require = createRequire(resolve(module));
    const manifest = require.resolve('@retail-mesh/duckdb/package.json');
    // Its entry as Node resolves it (`default` since the packages load from CommonJS too).
    const { exports, main } = JSON.parse(readFileSync(manifest, 'utf8'));
    const dot =
      typeof exports?.['.'] === 'string' ? exports['.'] : (exports?.['.']?.default ?? exports?.['.']?.import);
    const entry = dot ?? main;
    return (await import(pathToFileURL(join(dirname(manifest), entry)).href)).duckdbDialect;
  } catch {
    process.stderr.write(
      `mesh-contracts: @retail-mesh/duckdb is not installed beside ${module}: the contracts are written without the SQL of expect and assert checks\n`,
    );
    return undefined;
  }
}

const [module, out] = process.argv.slice(2);
if (!module || !out) {
  process.stderr.write('Usage: mesh-contracts <module> <dir>\n');
  process.exit(2);
}
const loaded = await import(pathToFileURL(resolve(module)).href);
const products = loaded.products ?? [];
if (!products.length) {
  process.stderr.write(`mesh-contracts: ${module} exports no products\n`);
  process.exit(1);
}
const dialect = await exportDialect(module);
mkdirSync(out, { recursive: true });
for (const product of products)
  for (const [name, text] of Object.entries(contractFiles(product, { dialect })))
    writeFileSync(join(out, name), text);
process.stderr.write(`mesh-contracts: wrote the contracts of ${products.length} products to ${out}\n`);
