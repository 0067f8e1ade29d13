import { UsageError, unpublishedProducts } from '@retail-mesh/sdk';
import { type GlobalOptions, type Io, withWarehouse } from '../context.js';
import { loadMesh, selectProducts } from '../mesh.js';
import { Scheduler, serving } from '../scheduler.js';
import { color, table } from '../style.js';

const time = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').slice(0, 16) : '-');

/** `mesh schedule`: when each product is built next by the scheduler of `mesh serve`. */
export async function run(values: GlobalOptions, names: string[], io: Io): Promise<number> {
  const mesh = await loadMesh(values);
  const chosen = new Set(selectProducts(mesh, names).map((p) => p.id));
  const plan = await withWarehouse(values, (warehouse, context) =>
    new Scheduler({
      mesh,
      config: context.config.schedule,
      clock: () => new Date(),
      runs: (since) => warehouse.listRuns({ since }),
      build: () => {
        throw new UsageError('bad-arguments', 'mesh schedule builds nothing.');
      },
      unpublished: () => unpublishedProducts(warehouse, mesh.products),
      latest: () => warehouse.latestRuns(),
    }).plan(),
  );
  const rows = plan.filter((p) => chosen.has(p.product.id));
  // Answered by a mesh serve that runs no scheduler, nothing due is built by it.
  const scheduled = !serving.withoutScheduler;
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          ...(scheduled ? {} : { scheduler: 'off' }),
          products: rows.map((p) => ({
            product: p.product.id,
            refresh: p.product.refresh,
            cron: p.cron,
            timezone: p.timezone,
            from: p.from,
            lastBuilt: p.lastBuilt?.toISOString() ?? null,
            nextRun: p.next?.toISOString() ?? null,
            due: p.due,
          })),
        },
        null,
        2,
      ),
    );
    return 0;
  }
  io.out(
    table(
      ['PRODUCT', 'REFRESH', 'SCHEDULE', 'LAST BUILD (UTC)', 'NEXT RUN (UTC)', 'DUE'],
      rows.map((p) => [
        p.product.id,
        p.product.refresh,
        `${p.cron}${p.timezone === 'UTC' ? '' : ` ${p.timezone}`}${p.from === 'product' ? '' : color.dim(' (mesh.yaml)')}`,
        time(p.lastBuilt),
        time(p.next),
        p.due ? color.yellow('due') : '',
      ]),
    ),
  );
  const due = rows.filter((p) => p.due).length;
  io.out(
    `\n${due ? (scheduled ? `${due} due now: mesh serve builds them (mesh serve --once, once).` : `${due} due now, but this mesh serve runs no scheduler (--no-scheduler): build them with mesh build, or restart it without --no-scheduler.`) : 'Nothing is due now.'}`,
  );
  return 0;
}
