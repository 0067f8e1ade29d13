import type { HealthSnapshot, ProductHealth } from '@retail-mesh/sdk';
import type { AlertTransition, MeshConfig } from './config.js';

/** One alert: a product's health changed in a way a webhook asked to hear of. */
export interface Alert {
  readonly url: string;
  readonly transition: AlertTransition;
  readonly product: ProductHealth;
  readonly before: HealthSnapshot['status'] | undefined;
}

/** What sending an alert gave: the receiver's HTTP status, or why it was not reached. */
export interface AlertDelivery {
  readonly url: string;
  readonly product: string;
  readonly transition: AlertTransition;
  readonly status: number | null;
  readonly error?: string;
}

/**
 * The transitions from a product's previous snapshot to its health now. Into `error`, `stale`
 * or `degraded` when its status becomes that; `anomaly` when an anomaly appears that the
 * previous snapshot did not have; `recovery` when it is healthy again. A product with no
 * snapshot yet counts as having been healthy. The same state twice is no transition: one
 * alert per change, not one per run.
 */
export function transitionsOf(now: ProductHealth, before: HealthSnapshot | undefined): AlertTransition[] {
  const was = before?.status ?? 'healthy';
  const found: AlertTransition[] = [];
  if (now.status !== was && now.status !== 'healthy') found.push(now.status);
  const seen = new Set(before?.anomalies ?? []);
  if (now.anomalies.some((a) => !seen.has(a.metric))) found.push('anomaly');
  if (before && was !== 'healthy' && now.status === 'healthy') found.push('recovery');
  return found;
}

/** The alerts each webhook of mesh.yaml asks for, given each product's health and previous snapshot. */
export function alertsFor(
  webhooks: MeshConfig['alerts'],
  products: ReadonlyArray<{ now: ProductHealth; before: HealthSnapshot | undefined }>,
): Alert[] {
  const alerts: Alert[] = [];
  for (const { now, before } of products) {
    const transitions = transitionsOf(now, before);
    for (const hook of webhooks) {
      if (hook.only && !hook.only.some((o) => o === now.id || o === now.domain)) continue;
      for (const transition of transitions)
        if (hook.on.includes(transition))
          alerts.push({ url: hook.url, transition, product: now, before: before?.status });
    }
  }
  return alerts;
}

const EMOJI: Record<AlertTransition, string> = {
  error: ':red_circle:',
  stale: ':hourglass:',
  degraded: ':large_yellow_circle:',
  anomaly: ':chart_with_downwards_trend:',
  recovery: ':large_green_circle:',
};

const COLOR: Record<AlertTransition, string> = {
  error: '#d93025',
  stale: '#e8710a',
  degraded: '#f9ab00',
  anomaly: '#f9ab00',
  recovery: '#1e8e3e',
};

/**
 * A Slack-compatible payload (incoming webhooks read `text`, and `attachments` for colour),
 * with the same facts for machines under `retail_mesh`.
 */
export function alertPayload(alert: Alert): Record<string, unknown> {
  const p = alert.product;
  const what =
    alert.transition === 'recovery'
      ? `is healthy again (was ${alert.before})`
      : alert.transition === 'anomaly'
        ? 'shows an anomaly'
        : `is ${alert.transition} (was ${alert.before ?? 'healthy'})`;
  const reasons = alert.transition === 'anomaly' ? p.anomalies.map((a) => a.reason) : p.reasons;
  const text = `${EMOJI[alert.transition]} ${p.id} ${p.version} ${what}${reasons.length ? `: ${reasons.join('; ')}` : ''}`;
  return {
    text,
    attachments: [
      {
        color: COLOR[alert.transition],
        fields: [
          { title: 'Status', value: p.status, short: true },
          { title: 'Rows', value: p.rowCount.toLocaleString('en-US'), short: true },
          { title: 'Tier', value: p.tier, short: true },
          { title: 'Last updated', value: p.lastUpdated ?? 'never', short: true },
        ],
      },
    ],
    retail_mesh: {
      transition: alert.transition,
      product: p.id,
      domain: p.domain,
      version: p.version,
      status: p.status,
      previousStatus: alert.before ?? null,
      reasons: p.reasons,
      anomalies: p.anomalies,
      rowCount: p.rowCount,
      lastUpdated: p.lastUpdated,
    },
  };
}

/**
 * Posts every alert, each once (a receiver down is reported, not retried forever: the next
 * transition alerts again). Never throws: an alert that cannot be sent must not fail a build.
 */
export async function sendAlerts(alerts: readonly Alert[], timeoutMs = 5000): Promise<AlertDelivery[]> {
  return Promise.all(
    alerts.map(async (alert): Promise<AlertDelivery> => {
      const base = { url: alert.url, product: alert.product.id, transition: alert.transition };
      try {
        const response = await fetch(alert.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(alertPayload(alert)),
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.arrayBuffer().catch(() => undefined);
        return response.ok
          ? { ...base, status: response.status }
          : { ...base, status: response.status, error: `HTTP ${response.status}` };
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        return { ...base, status: null, error: cause ?? (error as Error).message };
      }
    }),
  );
}
