import { createRequire } from 'node:module';

/**
 * The allocator options DuckDB's jemalloc reads once, when the driver's library loads: freed
 * pages stay with the process instead of going back to the system after a second. On a 2-core
 * virtual machine, a page taken back and touched again costs about 16 µs (512 MB first touched
 * in 2.2 s), and a build frees and reuses its memory statement after statement: `mesh up` at
 * scale 1 measured 4.1-5.1 s with these options against 4.6-6.0 s without (bench/RESULTS.md).
 * DuckDB still hands memory back once a task's peak passes `allocator_flush_threshold`
 * (128 MiB by default), so what is kept stays bounded. A value the user set wins.
 */
export const ALLOCATOR_OPTIONS = 'dirty_decay_ms:-1,muzzy_decay_ms:-1';
process.env.DUCKDB_JE_MALLOC_CONF ??= ALLOCATOR_OPTIONS;

/**
 * The DuckDB driver, loaded as the CommonJS package it is. Imported from ESM, Node first reads
 * each of its files for their exports (cjs-module-lexer) before running them: measured on a
 * 2-core machine, 245-285 ms to load it that way against 115-165 ms, on the start of every
 * command that opens a warehouse.
 */
export const duckdb: typeof import('@duckdb/node-api') = createRequire(import.meta.url)('@duckdb/node-api');
