import { defineConfig } from 'vitest/config';

const live = Boolean(process.env.MESH_BIGQUERY_PROJECT);
if (!live) {
  console.log(
    'BigQuery live suite skipped: set MESH_BIGQUERY_PROJECT (and Google credentials) to run the conformance suite on BigQuery.',
  );
}

export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', '**/dist/**', ...(live ? [] : ['**/*.live.test.ts'])],
    // A live run creates datasets and waits on jobs.
    testTimeout: live ? 300_000 : 20_000,
    hookTimeout: live ? 300_000 : 20_000,
  },
});
