import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALLOCATOR_OPTIONS } from './duckdb-api.js';

// The adapter as users load it (built first: turbo's test task depends on build).
const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/**
 * A new process that loads the adapter and prints the allocator options it finds at the moment
 * DuckDB's native library is required (jemalloc reads them then, once), and after.
 */
function loadInChild(env: Record<string, string | undefined>) {
  const script = `
    const Module = require('node:module');
    const load = Module._load;
    Module._load = function (request, ...rest) {
      if (/duckdb\\.node$|node-bindings/.test(request) && !globalThis.seen) {
        globalThis.seen = true;
        console.log('at load: ' + process.env.DUCKDB_JE_MALLOC_CONF);
      }
      return load.call(this, request, ...rest);
    };
    import(${JSON.stringify(built)}).then(async ({ createDuckDbWarehouse }) => {
      const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
      await warehouse.query('SELECT 1');
      await warehouse.close();
      console.log('after: ' + process.env.DUCKDB_JE_MALLOC_CONF);
    });`;
  const clean = { ...process.env };
  delete clean.DUCKDB_JE_MALLOC_CONF;
  const child = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...clean, ...env },
  });
  expect(child.stderr).toBe('');
  return child.stdout.trim().split('\n');
}

describe("DuckDB's allocator options", () => {
  it('are set before the native library loads, so jemalloc reads them', () => {
    expect(loadInChild({})).toEqual([`at load: ${ALLOCATOR_OPTIONS}`, `after: ${ALLOCATOR_OPTIONS}`]);
  });

  it("leave the user's own options alone", () => {
    expect(loadInChild({ DUCKDB_JE_MALLOC_CONF: 'dirty_decay_ms:5000' })).toEqual([
      'at load: dirty_decay_ms:5000',
      'after: dirty_decay_ms:5000',
    ]);
  });
});
