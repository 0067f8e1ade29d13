import {
  type BuildOutcome,
  describeDrift,
  describeLeftover,
  rebuildCurrentRows,
  sourceDrifts,
  sourcesOf,
  stagingLeftovers,
} from '@retail-mesh/sdk';
import { type GlobalOptions, type Io, withWarehouse } from '../context.js';
import { loadMesh } from '../mesh.js';
import { color } from '../style.js';
import { buildProducts } from './build.js';

/**
 * Finds what interrupted work left in the warehouse and repairs it; `--dry-run` only lists:
 * staging tables of builds that did not finish (dropped), and sources whose current rows
 * disagree with their log (rebuilt from it). Published tables are never touched.
 */
export async function run(
  values: GlobalOptions & { 'dry-run'?: boolean },
  _names: string[],
  io: Io,
): Promise<number> {
  const mesh = await loadMesh(values);
  const repair = !values['dry-run'];
  const { found, drifts, reading, outcomes } = await withWarehouse(values, async (warehouse) => {
    const leftovers = await stagingLeftovers(warehouse, mesh.products);
    if (repair) for (const l of leftovers) await warehouse.dropTable(l.table);
    // A pass over every source's current rows and log: seconds on a large warehouse.
    const drifted = await sourceDrifts(warehouse, mesh.sources, (source, i, of) =>
      io.progress.step(`checking ${source.id}'s current rows (${i + 1} of ${of})`),
    );
    io.progress.done();
    if (repair) for (const d of drifted) await rebuildCurrentRows(warehouse, d.source);
    // The products built from the rows a source held before its repair: rebuilt whole, since
    // nothing a scheduled build compares (definitions, batches) changed, and an incremental
    // build would keep the days it holds.
    const repaired = new Set(drifted.map((d) => d.source.id));
    const reading = mesh.products.filter((p) => sourcesOf(p).some((s) => repaired.has(s.id)));
    const outcomes: BuildOutcome[] =
      repair && reading.length
        ? (
            await buildProducts(
              warehouse,
              mesh,
              reading.map((p) => p.id),
              io,
              { fullRefresh: true },
            )
          ).outcomes
        : [];
    return { found: leftovers, drifts: drifted, reading, outcomes };
  });
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          leftovers: found.map((l) => ({
            product: l.product.id,
            table: `${l.table.schema}.${l.table.name}`,
            removed: repair,
          })),
          sources: drifts.map((d) => ({
            source: d.source.id,
            rows: d.rows,
            keys: d.keys,
            expected: d.expected,
            rebuilt: repair,
          })),
          products: reading.map((p) => ({
            product: p.id,
            rebuilt: repair ? (outcomes.find((o) => o.product.id === p.id)?.status ?? 'not built') : false,
          })),
        },
        null,
        2,
      ),
    );
  } else if (!found.length && !drifts.length) {
    io.out(
      'Nothing to repair: no build left a staging table behind, and every source holds the current rows its log says.',
    );
  } else {
    for (const l of found)
      io.out(`${repair ? color.green('removed') : color.yellow('found')} ${describeLeftover(l)}`);
    for (const d of drifts)
      io.out(
        repair
          ? `${color.green('rebuilt')} ${describeDrift(d)}: rebuilt from its log`
          : `${color.yellow('found')} ${describeDrift(d)}`,
      );
    if (reading.length)
      io.out(
        repair
          ? `${color.green('rebuilt')} the products built from the rows before: ${reading
              .map((p) => {
                const status = outcomes.find((o) => o.product.id === p.id)?.status ?? 'not built';
                return status === 'published' ? p.id : `${p.id} (${status})`;
              })
              .join(', ')}`
          : `${color.yellow('to rebuild')} the products built from them: ${reading.map((p) => p.id).join(', ')}`,
      );
    if (!repair) io.out('Run mesh doctor without --dry-run to repair them.');
  }
  // A product that could not be rebuilt still publishes figures of the rows before the repair.
  return outcomes.some((o) => o.status !== 'published') ? 1 : 0;
}
