import { type DataProduct, readDaily, type Source } from '@retail-mesh/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { bigqueryDialect } from '../bigquery-dialect.js';
import { sourceStatements } from '../bigquery-sources.js';
import { analyzeProducts, statementsFile, TEST_PROJECT } from './index.js';
import { closeZetaSqlServer, createAnalyzer } from './zetasql-analyzer.js';

/**
 * The BigQuery test every domain package runs: each statement a build of each product sends
 * (transform, materialization, checks; markers, fingerprints, state and rebuild for incremental
 * products; the day digest of products they read one day at a time) is
 * analyzed by ZetaSQL with a catalog made from the zod schemas, and kept as a snapshot beside
 * the calling test, in `__snapshots__/<product>.bigquery.sql`; and each source's log, rejects
 * table and view of its current rows, as the adapter creates them, analyze too.
 *
 * @example describeDomainOnBigQuery(await import('./index.js'));
 */
export function describeDomainOnBigQuery(pkg: {
  readonly domain: { readonly name: string };
  readonly products: readonly DataProduct[];
  readonly sources: readonly Source[];
}) {
  afterAll(() => closeZetaSqlServer());
  describe(`${pkg.domain.name} domain on BigQuery`, async () => {
    const analyzed = await analyzeProducts(pkg.products, pkg.sources);
    const daily = readDaily(pkg.products);
    for (const a of analyzed) {
      it(`${a.product.id}: every statement of a build analyzes as GoogleSQL`, async () => {
        const incremental = a.product.materialization === 'incremental';
        expect(a.results).toEqual({
          transform: { ok: true, outputColumns: expect.any(Array) },
          materialize: { ok: true, outputColumns: expect.any(Array) },
          checks: { ok: true, outputColumns: expect.any(Array) },
          markers: incremental ? { ok: true, outputColumns: expect.any(Array) } : undefined,
          fingerprints: incremental ? { ok: true, outputColumns: expect.any(Array) } : undefined,
          changedFingerprints: incremental ? { ok: true, outputColumns: expect.any(Array) } : undefined,
          state: incremental ? { ok: true, outputColumns: expect.any(Array) } : undefined,
          rebuild: incremental ? { ok: true, outputColumns: expect.any(Array) } : undefined,
          dayDigest: daily.has(a.product.id) ? { ok: true, outputColumns: expect.any(Array) } : undefined,
        });
        if (a.results.transform.ok) {
          expect(a.results.transform.outputColumns?.map((c) => c.name)).toEqual(
            a.product.columns.map((c) => c.name),
          );
        }
        await expect(statementsFile(a)).toMatchFileSnapshot(`__snapshots__/${a.product.name}.bigquery.sql`);
      });
    }
    const dialect = bigqueryDialect({ projectId: TEST_PROJECT });
    for (const source of pkg.sources) {
      it(`${source.id}: its log, rejects table and current-rows view analyze as GoogleSQL`, async () => {
        const analyzer = await createAnalyzer([]);
        try {
          expect(await analyzer.analyzeAll(sourceStatements(source, dialect))).toEqual([
            { ok: true },
            { ok: true },
            {
              ok: true,
              outputColumns: source.columns.map((c) => ({ name: c.name, type: dialect.columnType(c.type) })),
            },
          ]);
        } finally {
          await analyzer.close();
        }
      });
    }
  });
}
