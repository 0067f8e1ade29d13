#!/usr/bin/env node
// mesh-contracts <module> <dir>: writes the contract of every data product a domain package
// exports (`products`) into <dir>, as ODCS v3.1.0 (YAML and JSON) and JSON Schema. A domain
// package's build runs it on its own dist, so the package ships its contracts in dist/contracts/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { contractFiles } from '../dist/index.js';

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
mkdirSync(out, { recursive: true });
for (const product of products)
  for (const [name, text] of Object.entries(contractFiles(product))) writeFileSync(join(out, name), text);
process.stderr.write(`mesh-contracts: wrote the contracts of ${products.length} products to ${out}\n`);
