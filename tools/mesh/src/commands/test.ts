import {
  describeLeftover,
  describeSubject,
  stagingLeftovers,
  type TestOutcome,
  testProduct,
} from '@retail-mesh/sdk';
import { type GlobalOptions, type Io, newRunId, refuseDamagedWarehouse, withWarehouse } from '../context.js';
import { testFailure, withError } from '../failure.js';
import { enforcePolicies } from '../governance.js';
import { alertsReport, recordHealth } from '../history.js';
import { loadMesh, selectProducts } from '../mesh.js';
import { color, formatMs, formatPercent, table } from '../style.js';
import { checkedWithPreviousMajors, statusLabel } from './build.js';

export async function run(values: GlobalOptions, names: string[], io: Io): Promise<number> {
  const mesh = await loadMesh(values);
  const findings = enforcePolicies(mesh, io, values.json === true);
  const products = selectProducts(mesh, names);
  const runId = newRunId();
  const { outcomes, leftovers, alerts, warnings } = await withWarehouse(
    values,
    async (warehouse, context) => {
      const results: TestOutcome[] = [];
      const checked = checkedWithPreviousMajors(mesh, warehouse.dialect);
      for (const [i, product] of products.entries()) {
        io.progress.step(`testing ${product.id} (${i + 1}/${products.length})`);
        // With what its previous major's view promises, as a build checks it.
        results.push(await testProduct(warehouse, checked(product), { runId }));
      }
      io.progress.done();
      refuseDamagedWarehouse(results);
      // A test only reads: one who may not write the run log or the health history (a viewer on
      // BigQuery) still gets the checks' results, and is told what was not recorded.
      const warnings = results.flatMap((o) =>
        o.notRecorded ? [`${o.product.id}: its test run was not recorded: ${o.notRecorded}`] : [],
      );
      const recorded = await recordHealth(warehouse, mesh, context.config, {
        runId,
        kind: 'test',
        products: results.map((o) => ({ id: o.product.id, durationMs: o.durationMs })),
      }).catch((error: unknown) => {
        warnings.push(`the health history was not appended: ${(error as Error)?.message ?? error}`);
        return { alerts: [] };
      });
      return {
        outcomes: results,
        leftovers: (await stagingLeftovers(warehouse, products)).map(describeLeftover),
        alerts: recorded.alerts,
        warnings,
      };
    },
  );
  const failed = outcomes.filter((o) => o.status === 'test-failed').length;
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          runId,
          policies: { errors: 0, warnings: findings.length, findings },
          leftovers,
          alerts,
          warnings,
          summary: { tested: outcomes.length, passed: outcomes.length - failed, failed },
          ...withError(testFailure(outcomes)),
          products: outcomes.map((o) => ({
            id: o.product.id,
            status: o.status,
            durationMs: Math.round(o.durationMs),
            rowCount: o.checks?.rowCount ?? null,
            passRate: o.checks?.passRate ?? null,
            checks: o.checks?.outcomes ?? [],
            error: o.error
              ? { code: o.error.code, message: o.error.message, subject: o.error.subject }
              : null,
          })),
        },
        null,
        2,
      ),
    );
  } else {
    io.out(
      table(
        ['PRODUCT', 'STATUS', 'CHECKS', 'PASS RATE', 'TIME'],
        outcomes.map((o) => [
          o.product.id,
          statusLabel(o.status),
          o.checks ? `${o.checks.outcomes.filter((c) => c.passed).length}/${o.checks.outcomes.length}` : '-',
          formatPercent(o.checks?.passRate ?? null),
          formatMs(o.durationMs),
        ]),
      ),
    );
    for (const o of outcomes) {
      for (const c of o.checks?.outcomes ?? []) {
        if (!c.passed) {
          const mark = c.severity === 'error' ? color.red('✗') : color.yellow('!');
          io.out(
            `${mark} ${o.product.id} ${c.name}${c.column ? ` (column ${c.column})` : ''}: ${c.observed}`,
          );
        }
      }
      if (o.error && !o.checks)
        io.out(`${color.red('✗')} ${o.error.code} (${describeSubject(o.error.subject)}): ${o.error.message}`);
    }
    for (const l of leftovers) io.out(`${color.yellow('!')} ${l} (mesh doctor removes it)`);
    for (const line of alertsReport(alerts)) io.err(line);
    for (const w of warnings) io.err(`${color.yellow('!')} ${w}`);
    io.out(
      `\nPolicies: ${findings.length} warnings, no errors. Products: ${outcomes.length - failed} passed, ${failed} failed.`,
    );
  }
  return failed ? 1 : 0;
}
