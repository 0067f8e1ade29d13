import {
  type HealthSnapshot,
  type MeshDefinition,
  type MeshHealth,
  snapshotOf,
  sourcesOf,
  type Warehouse,
} from '@retail-mesh/sdk';
import { type AlertDelivery, alertsFor, sendAlerts } from './alerts.js';
import { collectHealth } from './commands/health.js';
import type { MeshConfig } from './config.js';

/** What a run did to one product: how long it took and what it processed. */
export interface RunProduct {
  readonly id: string;
  readonly durationMs?: number;
  readonly bytesProcessed?: number;
}

/**
 * After a build or test run: the mesh's health, a snapshot of each product the run touched
 * appended to the history, and the alerts its transitions call for sent. The transition of a
 * product is from its previous snapshot, so a state is reported once, not once per run.
 */
export async function recordHealth(
  warehouse: Warehouse,
  mesh: MeshDefinition,
  config: Pick<MeshConfig, 'anomalies' | 'alerts'>,
  run: {
    readonly runId: string;
    readonly kind: 'build' | 'test';
    readonly products: readonly RunProduct[];
    /** `mesh`: the health returned covers every product (what `mesh up` reports); else the run's. */
    readonly scope?: 'mesh' | 'run';
  },
  now: Date = new Date(),
): Promise<{ health: MeshHealth; snapshots: HealthSnapshot[]; alerts: AlertDelivery[] }> {
  // A run's products only, by default: a micro-batch of one real-time product must not size
  // every table of the mesh.
  const part = run.scope !== 'mesh';
  const health = await collectHealth(warehouse, part ? partOf(mesh, run.products) : mesh, now, {
    anomalies: config.anomalies,
    part,
  });
  const byId = new Map(health.domains.flatMap((d) => d.products.map((p) => [p.id, p] as const)));
  const touched = run.products.filter((p) => byId.has(p.id));
  const previous = config.alerts.length
    ? await previousSnapshots(
        warehouse,
        touched.map((p) => p.id),
      )
    : new Map<string, HealthSnapshot>();
  const snapshots = touched.map((p) =>
    snapshotOf(byId.get(p.id)!, {
      runId: run.runId,
      kind: run.kind,
      at: now,
      durationMs: p.durationMs,
      bytesProcessed: p.bytesProcessed,
    }),
  );
  await warehouse.appendHealthHistory(snapshots);
  const alerts = config.alerts.length
    ? await sendAlerts(
        alertsFor(
          config.alerts,
          touched.map((p) => ({ now: byId.get(p.id)!, before: previous.get(p.id) })),
        ),
      )
    : [];
  return { health, snapshots, alerts };
}

/** Each product's latest snapshot (one statement). */
async function previousSnapshots(warehouse: Warehouse, products: readonly string[]) {
  const latest = new Map<string, HealthSnapshot>();
  if (!products.length) return latest;
  for (const s of await warehouse.healthHistory({ products, perProduct: 1 })) latest.set(s.product, s);
  return latest;
}

/** One line per alert sent, or not: for the CLI's report. */
export function alertsReport(deliveries: readonly AlertDelivery[]): string[] {
  return deliveries.map((d) =>
    d.error
      ? `Alert ${d.transition} of ${d.product} not delivered to ${d.url}: ${d.error}.`
      : `Alerted ${d.url}: ${d.product} ${d.transition}.`,
  );
}

/** The mesh narrowed to these products, the sources they read and their domains. */
function partOf(mesh: MeshDefinition, products: readonly RunProduct[]): MeshDefinition {
  const ids = new Set(products.map((p) => p.id));
  const chosen = mesh.products.filter((p) => ids.has(p.id));
  const read = new Set(chosen.flatMap((p) => sourcesOf(p).map((s) => s.id)));
  return {
    domains: mesh.domains.filter((d) => chosen.some((p) => p.domain.name === d.name)),
    sources: mesh.sources.filter((s) => read.has(s.id)),
    products: chosen,
  };
}
