import { analyzeProducts, closeZetaSqlServer, statementsFile } from '@retail-mesh/bigquery/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { products, sources } from './index.js';

afterAll(() => closeZetaSqlServer());

// Every statement a BigQuery build runs, through Google's own analyzer with a catalog made
// from the zod schemas: unknown functions, wrong argument types and unknown columns fail here.
describe('order domain on BigQuery', async () => {
  const analyzed = await analyzeProducts(products, sources);

  for (const a of analyzed) {
    it(`${a.product.id}: transform, materialization and checks analyze as GoogleSQL`, async () => {
      const incremental = a.product.materialization === 'incremental';
      expect(a.results).toEqual({
        transform: { ok: true, outputColumns: expect.any(Array) },
        materialize: { ok: true, outputColumns: expect.any(Array) },
        checks: { ok: true, outputColumns: expect.any(Array) },
        // Incremental products also fingerprint their inputs and rebuild changed days.
        fingerprints: incremental ? { ok: true, outputColumns: expect.any(Array) } : undefined,
        rebuild: incremental ? { ok: true, outputColumns: expect.any(Array) } : undefined,
      });
      if (a.results.transform.ok) {
        expect(a.results.transform.outputColumns?.map((c) => c.name)).toEqual(
          a.product.columns.map((c) => c.name),
        );
      }
      await expect(statementsFile(a)).toMatchFileSnapshot(`__snapshots__/${a.product.name}.bigquery.sql`);
    });
  }
});
