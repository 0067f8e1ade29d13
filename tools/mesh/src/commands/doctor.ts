import { describeLeftover, stagingLeftovers } from '@retail-mesh/sdk';
import { type GlobalOptions, type Io, withWarehouse } from '../context.js';
import { loadMesh } from '../mesh.js';
import { color } from '../style.js';

/**
 * Finds what interrupted work left in the warehouse (staging tables of builds that did not
 * finish) and removes it; `--dry-run` only lists. Published tables are never touched.
 */
export async function run(
  values: GlobalOptions & { 'dry-run'?: boolean },
  _names: string[],
  io: Io,
): Promise<number> {
  const mesh = await loadMesh(values);
  const found = await withWarehouse(values, async (warehouse) => {
    const leftovers = await stagingLeftovers(warehouse, mesh.products);
    if (!values['dry-run']) for (const l of leftovers) await warehouse.dropTable(l.table);
    return leftovers;
  });
  const removed = !values['dry-run'];
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          leftovers: found.map((l) => ({
            product: l.product.id,
            table: `${l.table.schema}.${l.table.name}`,
            removed,
          })),
        },
        null,
        2,
      ),
    );
  } else if (!found.length) io.out('Nothing to repair: no build left a staging table behind.');
  else {
    for (const l of found)
      io.out(`${removed ? color.green('removed') : color.yellow('found')} ${describeLeftover(l)}`);
    if (!removed) io.out('Run mesh doctor without --dry-run to remove them.');
  }
  return 0;
}
