import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Anomaly, HealthSnapshot, ProductHealth } from '@retail-mesh/sdk';
import { describe, expect, it } from 'vitest';
import { alertPayload, alertsFor, sendAlerts, transitionsOf } from './alerts.js';

const anomaly: Anomaly = {
  metric: 'row_count',
  value: 500,
  mean: 1000,
  stddev: 0,
  sigma: -50,
  window: 6,
  direction: 'below',
  reason: 'row count 500 is 50.0 sigma below its 6-run mean 1,000',
};

const health = (fields: Partial<ProductHealth> = {}): ProductHealth => ({
  name: 'order_items',
  id: 'order.order_items',
  domain: 'order',
  version: '1.2.0',
  tier: 'gold',
  status: 'healthy',
  reasons: [],
  rowCount: 1000,
  bytes: 4096,
  lastUpdated: '2026-11-30T10:00:00.000Z',
  lastTestRun: null,
  freshness: { ageSeconds: 60, slaSeconds: 3600 },
  qualityScore: 1,
  completeness: 1,
  validity: 1,
  checks: { passed: 2, failed: 0, total: 2 },
  failedChecks: [],
  sampleSources: [],
  anomalies: [],
  lastRun: null,
  ...fields,
});

const snapshot = (status: HealthSnapshot['status'], anomalies: string[] = []): HealthSnapshot => ({
  at: '2026-11-30T09:00:00.000Z',
  runId: 'r0',
  kind: 'build',
  product: 'order.order_items',
  domain: 'order',
  version: '1.2.0',
  status,
  rowCount: 1000,
  bytes: 4096,
  freshnessAgeSeconds: 1,
  qualityScore: 1,
  completeness: 1,
  validity: 1,
  durationMs: 100,
  bytesProcessed: null,
  lastUpdated: '2026-11-30T09:00:00.000Z',
  anomalies,
});

describe('transitions', () => {
  it('reports a change of state once: into a status, a new anomaly, a recovery', () => {
    expect(transitionsOf(health(), snapshot('healthy'))).toEqual([]);
    expect(transitionsOf(health({ status: 'error' }), snapshot('healthy'))).toEqual(['error']);
    expect(transitionsOf(health({ status: 'error' }), snapshot('error'))).toEqual([]);
    expect(transitionsOf(health({ status: 'stale' }), snapshot('degraded'))).toEqual(['stale']);
    const anomalous = health({ status: 'degraded', anomalies: [anomaly] });
    expect(transitionsOf(anomalous, snapshot('healthy'))).toEqual(['degraded', 'anomaly']);
    // Degraded already, for another reason: the anomaly is news, the status is not.
    expect(transitionsOf(anomalous, snapshot('degraded'))).toEqual(['anomaly']);
    expect(transitionsOf(anomalous, snapshot('degraded', ['row_count']))).toEqual([]);
    expect(transitionsOf(health(), snapshot('stale'))).toEqual(['recovery']);
  });

  it('treats a product with no snapshot yet as having been healthy', () => {
    expect(transitionsOf(health(), undefined)).toEqual([]);
    expect(transitionsOf(health({ status: 'error' }), undefined)).toEqual(['error']);
  });

  it('sends each webhook the transitions it asked for, of the products it asked for', () => {
    const now = health({ status: 'error', reasons: ['last run failed: boom'] });
    const hooks = [
      { url: 'http://a.example/hook', on: ['error' as const, 'recovery' as const] },
      { url: 'http://b.example/hook', on: ['degraded' as const], only: ['order'] },
      { url: 'http://c.example/hook', on: ['error' as const], only: ['store', 'order.order_lines'] },
    ];
    expect(
      alertsFor(hooks, [{ now, before: snapshot('healthy') }]).map((a) => [a.url, a.transition]),
    ).toEqual([['http://a.example/hook', 'error']]);
  });

  it('writes a Slack-compatible payload with the facts for machines beside it', () => {
    const [alert] = alertsFor(
      [{ url: 'http://a.example/hook', on: ['anomaly'] }],
      [
        {
          now: health({ status: 'degraded', anomalies: [anomaly], reasons: [anomaly.reason] }),
          before: snapshot('healthy'),
        },
      ],
    );
    const payload = alertPayload(alert!);
    expect(payload.text).toBe(
      ':chart_with_downwards_trend: order.order_items 1.2.0 shows an anomaly: row count 500 is 50.0 sigma below its 6-run mean 1,000',
    );
    expect(payload.retail_mesh).toMatchObject({
      transition: 'anomaly',
      previousStatus: 'healthy',
      status: 'degraded',
    });
    expect((payload.attachments as Array<{ color: string }>)[0]!.color).toMatch(/^#/);
  });
});

describe('sendAlerts', () => {
  it('posts JSON, reports the status, and reports an unreachable receiver without throwing', async () => {
    const bodies: unknown[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        bodies.push({ type: req.headers['content-type'], body: JSON.parse(body) });
        res.writeHead(req.url === '/broken' ? 500 : 204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A port nothing listens on: the one just released.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/hook`;
    await new Promise((resolve) => closed.close(resolve));
    try {
      const now = health({ status: 'error' });
      const alerts = alertsFor(
        [
          { url: `${base}/hook`, on: ['error'] },
          { url: `${base}/broken`, on: ['error'] },
          { url: dead, on: ['error'] },
        ],
        [{ now, before: undefined }],
      );
      const deliveries = await sendAlerts(alerts);
      expect(deliveries.map((d) => [d.url, d.status, d.error])).toEqual([
        [`${base}/hook`, 204, undefined],
        [`${base}/broken`, 500, 'HTTP 500'],
        [dead, null, 'ECONNREFUSED'],
      ]);
      expect(bodies).toHaveLength(2);
      expect(bodies[0]).toMatchObject({
        type: 'application/json',
        body: { retail_mesh: { transition: 'error' } },
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
