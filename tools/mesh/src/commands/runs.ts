import { durationSeconds, UsageError } from '@retail-mesh/sdk';
import { type GlobalOptions, type Io, withWarehouse } from '../context.js';
import { loadMesh, selectProducts } from '../mesh.js';
import { formatInt, formatMs, table } from '../style.js';
import { statusLabel } from './build.js';

/** `mesh runs [--product p] [--since 1d]`: the run log, newest last. */
export async function run(
  values: GlobalOptions & { product?: string; since?: string },
  names: string[],
  io: Io,
): Promise<number> {
  if (names.length)
    throw new UsageError('bad-arguments', `mesh runs takes no names: give --product ${names[0]}.`);
  const seconds = durationSeconds(values.since ?? '1d');
  if (seconds === undefined)
    throw new UsageError('bad-arguments', `--since ${values.since}: give a duration such as 1d, 12h or 30m.`);
  const since = new Date(Date.now() - seconds * 1000);
  const products = values.product
    ? new Set(selectProducts(await loadMesh(values), [values.product]).map((p) => p.id))
    : undefined;
  const runs = (await withWarehouse(values, (warehouse) => warehouse.listRuns({ since }))).filter(
    (r) => !products || products.has(`${r.domain}.${r.product}`),
  );
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          since: since.toISOString(),
          runs: runs.map((r) => ({
            runId: r.runId,
            product: `${r.domain}.${r.product}`,
            version: r.version,
            status: r.status,
            startedAt: r.startedAt.toISOString(),
            finishedAt: r.finishedAt.toISOString(),
            durationMs: r.finishedAt.getTime() - r.startedAt.getTime(),
            rowCount: r.rowCount,
            bytesProcessed: r.bytesProcessed ?? null,
            error: r.error ?? null,
          })),
        },
        null,
        2,
      ),
    );
    return 0;
  }
  if (!runs.length) {
    io.out(`No run since ${since.toISOString()}.`);
    return 0;
  }
  io.out(
    table(
      ['STARTED (UTC)', 'RUN', 'PRODUCT', 'STATUS', 'TIME', 'ROWS', 'ERROR'],
      runs.map((r) => [
        r.startedAt.toISOString().replace('T', ' ').slice(0, 19),
        r.runId,
        `${r.domain}.${r.product}`,
        statusLabel(r.status),
        formatMs(r.finishedAt.getTime() - r.startedAt.getTime()),
        formatInt(r.rowCount),
        r.error ? `${r.error.code}: ${r.error.message}`.slice(0, 80) : '',
      ]),
    ),
  );
  return 0;
}
