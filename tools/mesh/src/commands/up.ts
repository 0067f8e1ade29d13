import { type GlobalOptions, type Io, refuseDamagedWarehouse, withWarehouse } from '../context.js';
import { buildFailure, healthFailure, withError } from '../failure.js';
import { enforcePolicies } from '../governance.js';
import { alertsReport, recordHealth } from '../history.js';
import { loadMesh } from '../mesh.js';
import { formatMs } from '../style.js';
import {
  buildProducts,
  buildReport,
  buildSummary,
  outcomeJson,
  previousMajorJson,
  previousMajorsReport,
  runProductOf,
} from './build.js';
import { healthExitCode, healthReport } from './health.js';
import { seedMesh, seedOptionsOf, seedReport } from './seed.js';

export async function run(
  values: Record<string, unknown> & GlobalOptions,
  _names: string[],
  io: Io,
): Promise<number> {
  const mesh = await loadMesh(values);
  enforcePolicies(mesh, io, values.json === true);
  const seedOptions = { ...seedOptionsOf(values), onlyEmpty: values.reseed !== true };
  const started = performance.now();
  const result = await withWarehouse(
    values,
    async (warehouse, context) => {
      const seeded = await seedMesh(warehouse, mesh, seedOptions, io);
      const { runId, outcomes, previousMajors } = await buildProducts(warehouse, mesh, [], io);
      refuseDamagedWarehouse(outcomes);
      const { health, alerts } = await recordHealth(warehouse, mesh, context.config, {
        runId,
        kind: 'build',
        products: outcomes.map(runProductOf),
        scope: 'mesh',
      });
      return { seeded, runId, outcomes, previousMajors, health, alerts };
    },
    { create: true },
  );
  const summary = buildSummary(result.outcomes);
  const ms = performance.now() - started;
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          seed: { ...seedOptions, sources: result.seeded },
          build: {
            runId: result.runId,
            summary,
            products: result.outcomes.map(outcomeJson),
            previousMajors: result.previousMajors.map(previousMajorJson),
            alerts: result.alerts,
          },
          health: result.health,
          durationMs: Math.round(ms),
          ...withError(buildFailure(result.outcomes) ?? healthFailure(result.health)),
        },
        null,
        2,
      ),
    );
  } else {
    io.out(`Sources\n${seedReport(result.seeded)}\n`);
    io.out(
      `Build\n${[buildReport(result.outcomes), ...previousMajorsReport(result.previousMajors)].join('\n')}\n`,
    );
    io.out(`Health\n${healthReport(result.health)}`);
    for (const line of alertsReport(result.alerts)) io.err(line);
    io.out(`\nDone in ${formatMs(ms)}.`);
  }
  return summary.failed + summary.skipped + summary.waiting > 0 ? 1 : healthExitCode(result.health);
}
