import { createRequire } from 'node:module';

/**
 * The DuckDB driver, loaded as the CommonJS package it is. Imported from ESM, Node first reads
 * each of its files for their exports (cjs-module-lexer) before running them: measured on a
 * 2-core machine, 245-285 ms to load it that way against 115-165 ms, on the start of every
 * command that opens a warehouse.
 */
export const duckdb: typeof import('@duckdb/node-api') = createRequire(import.meta.url)('@duckdb/node-api');
