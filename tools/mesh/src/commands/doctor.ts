import {
  describeDrift,
  describeLeftover,
  rebuildCurrentRows,
  sourceDrifts,
  stagingLeftovers,
} from '@retail-mesh/sdk';
import { type GlobalOptions, type Io, withWarehouse } from '../context.js';
import { loadMesh } from '../mesh.js';
import { color } from '../style.js';

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
  const { found, drifts } = await withWarehouse(values, async (warehouse) => {
    const leftovers = await stagingLeftovers(warehouse, mesh.products);
    if (repair) for (const l of leftovers) await warehouse.dropTable(l.table);
    // A pass over every source's current rows and log: seconds on a large warehouse.
    const drifted = await sourceDrifts(warehouse, mesh.sources, (source, i, of) =>
      io.progress.step(`checking ${source.id}'s current rows (${i + 1} of ${of})`),
    );
    io.progress.done();
    if (repair) for (const d of drifted) await rebuildCurrentRows(warehouse, d.source);
    return { found: leftovers, drifts: drifted };
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
          ? `${color.green('rebuilt')} ${describeDrift(d)}: rebuilt from its log (build the products that read it again)`
          : `${color.yellow('found')} ${describeDrift(d)}`,
      );
    if (!repair) io.out('Run mesh doctor without --dry-run to repair them.');
  }
  return 0;
}
