import { describe, expect, it } from 'vitest';
import { detectAnomalies, meanAndStddev, scoreAnomaly } from './anomalies.js';
import type { HealthSnapshot } from './health-history.js';

const hour = 3_600_000;
const start = Date.parse('2026-11-01T00:00:00Z');

/** A product built hourly: run i published at hour i with these rows and this duration. */
function builds(
  rows: readonly number[],
  durations: readonly number[] = rows.map(() => 1000),
): HealthSnapshot[] {
  return rows.map((rowCount, i) => ({
    at: new Date(start + i * hour + 5_000).toISOString(),
    runId: `run-${i}`,
    kind: 'build',
    product: 'order.order_items',
    domain: 'order',
    version: '1.0.0',
    status: 'healthy',
    rowCount,
    bytes: rowCount * 100,
    freshnessAgeSeconds: 5,
    qualityScore: 1,
    completeness: 1,
    validity: 1,
    durationMs: durations[i]!,
    bytesProcessed: null,
    lastUpdated: new Date(start + i * hour).toISOString(),
    anomalies: [],
  }));
}

describe('the statistics', () => {
  it('computes the mean and the population standard deviation', () => {
    expect(meanAndStddev([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, stddev: 2 });
    expect(meanAndStddev([3, 3, 3])).toEqual({ mean: 3, stddev: 0 });
  });

  it('scores a value by its distance from the mean in standard deviations, beyond the sensitivity only', () => {
    const training = [90, 110, 90, 110, 90, 110]; // mean 100, stddev 10
    expect(scoreAnomaly('row_count', 125, training)).toBeUndefined(); // 2.5 sigma
    expect(scoreAnomaly('row_count', 140, training)).toMatchObject({
      sigma: 4,
      mean: 100,
      stddev: 10,
      window: 6,
      direction: 'above',
      reason: 'row count 140 is 4.0 sigma above its 6-run mean 100',
    });
    expect(scoreAnomaly('row_count', 60, training)?.reason).toBe(
      'row count 60 is 4.0 sigma below its 6-run mean 100',
    );
    // Sensitivity: 2 sigma flags what 3 does not.
    expect(scoreAnomaly('row_count', 125, training, { sensitivity: 2 })?.sigma).toBe(2.5);
  });

  it('says nothing before the history has minRuns runs', () => {
    expect(scoreAnomaly('row_count', 1, [100, 100, 100, 100])).toBeUndefined();
    expect(scoreAnomaly('row_count', 1, [100, 100, 100, 100], { minRuns: 4 })).toBeDefined();
  });

  it('floors the spread of a steady history: a one-row wobble is normal, half the rows is not', () => {
    const steady = Array.from({ length: 14 }, () => 98_230);
    expect(scoreAnomaly('row_count', 98_231, steady)).toBeUndefined();
    expect(scoreAnomaly('row_count', 40_112, steady)?.reason).toBe(
      'row count 40,112 is 59.2 sigma below its 14-run mean 98,230',
    );
  });

  it('flags only late publishes and slow builds: early and fast are good news', () => {
    const intervals = [3600, 3500, 3700, 3600, 3600];
    expect(scoreAnomaly('freshness', 60, intervals)).toBeUndefined();
    expect(scoreAnomaly('freshness', 4 * 3600, intervals)?.reason).toBe(
      'time since the last publish 4.0h is 30.0 sigma above its 5-run mean 60m',
    );
    expect(scoreAnomaly('duration', 10, [1000, 1000, 1000, 1000, 1000])).toBeUndefined();
    expect(scoreAnomaly('duration', 5000, [1000, 1000, 1000, 1000, 1000])?.direction).toBe('above');
  });
});

describe('detectAnomalies', () => {
  const now = (hours: number) => new Date(start + hours * hour + 10_000);

  it('compares the rows published now with earlier publishes, never with itself', () => {
    const history = builds([1000, 1010, 990, 1005, 995, 1000, 500]);
    const current = { rowCount: 500, lastUpdated: history.at(-1)!.lastUpdated };
    const [rows] = detectAnomalies(history, current, now(6));
    expect(rows).toMatchObject({ metric: 'row_count', window: 6, direction: 'below' });
    expect(rows!.reason).toMatch(/^row count 500 is \d+\.\d sigma below its 6-run mean 1,000$/);
    // The same before its snapshot is appended.
    expect(detectAnomalies(history.slice(0, -1), current, now(6))).toEqual([rows]);
  });

  it('uses the latest window of runs only, and no failed build', () => {
    const old = builds([10, 10, 10, 10, 10, 10, 10, 10, 10, 10]);
    const recent = builds([1000, 1000, 1000, 1000, 1000, 1000, 1000]).map((s, i) => ({
      ...s,
      at: new Date(start + (20 + i) * hour).toISOString(),
      runId: `recent-${i}`,
      lastUpdated: new Date(start + (20 + i) * hour).toISOString(),
    }));
    // A failed build's zero rows would widen the spread until half the rows looked normal.
    const failed = {
      ...recent[6]!,
      runId: 'failed',
      status: 'error' as const,
      rowCount: 0,
      lastUpdated: 'x',
    };
    const history = [...old, ...recent, failed];
    const current = { rowCount: 500, lastUpdated: new Date(start + 27 * hour).toISOString() };
    const [rows] = detectAnomalies(history, current, now(27), { window: 7 });
    expect(rows?.reason).toBe('row count 500 is 50.0 sigma below its 7-run mean 1,000');
    // A wider window takes in the old runs of 10 rows: 500 is then within 3 sigma.
    expect(detectAnomalies(history, current, now(27), { window: 17 })).toEqual([]);
  });

  it('sees a publish that does not come, and a build that takes far longer than usual', () => {
    const history = builds([100, 100, 100, 100, 100, 100], [900, 1100, 1000, 950, 1050, 1000]);
    const current = {
      rowCount: 100,
      lastUpdated: history.at(-1)!.lastUpdated,
      build: { runId: 'run-5', durationMs: 1000 },
    };
    expect(detectAnomalies(history, current, now(5.5))).toEqual([]);
    expect(detectAnomalies(history, current, now(10)).map((a) => a.metric)).toEqual(['freshness']);
    // Built hourly by hand, scheduled daily: not late before a day has passed.
    const daily = { ...current, scheduledEverySeconds: 86_400 };
    expect(detectAnomalies(history, daily, now(10))).toEqual([]);
    expect(detectAnomalies(history, daily, now(31)).map((a) => a.metric)).toEqual(['freshness']);
    // Confirmed current by a scheduled run that found nothing changed: as fresh as that run.
    const confirmed = { ...current, confirmedAt: new Date(now(9.5).getTime()).toISOString() };
    expect(detectAnomalies(history, confirmed, now(10))).toEqual([]);
    // A build that published, nine times as long as the publishes before it.
    const slow = {
      ...current,
      lastUpdated: now(5.2).toISOString(),
      build: { runId: 'run-6', durationMs: 9000 },
    };
    expect(detectAnomalies(history, slow, now(5.5)).map((a) => [a.metric, a.direction])).toEqual([
      ['duration', 'above'],
    ]);
  });

  it('times builds against the builds that published, never the runs that found nothing changed', () => {
    // Six publishes of about a second, each followed by scheduled runs that published nothing
    // in 15 ms: the next real build is not slow for taking a second, nor a no-op run for 300 ms.
    const publishes = builds([100, 100, 100, 100, 100, 100], [900, 1100, 1000, 950, 1050, 1000]);
    const noOps = publishes.flatMap((p, i) =>
      [1, 2, 3].map((k) => ({
        ...p,
        runId: `noop-${i}-${k}`,
        at: new Date(Date.parse(p.at) + k * 60_000).toISOString(),
        durationMs: 15,
      })),
    );
    const history = [...publishes, ...noOps];
    const real = {
      rowCount: 100,
      lastUpdated: now(5.2).toISOString(),
      build: { runId: 'run-6', durationMs: 1200 },
    };
    expect(detectAnomalies(history, real, now(5.5))).toEqual([]);
    const noOp = {
      rowCount: 100,
      lastUpdated: publishes.at(-1)!.lastUpdated,
      build: { runId: 'noop-x', durationMs: 300 },
    };
    expect(detectAnomalies(history, noOp, now(5.5))).toEqual([]);
    // Under a second of noise is no anomaly either: 800 ms against builds of 20.
    const quick = builds([100, 100, 100, 100, 100, 100], [20, 20, 20, 20, 20, 20]);
    expect(
      detectAnomalies(
        quick,
        { rowCount: 100, lastUpdated: now(5.2).toISOString(), build: { runId: 'run-6', durationMs: 800 } },
        now(5.5),
      ),
    ).toEqual([]);
  });

  it('has nothing to say of a product never published', () => {
    expect(detectAnomalies(builds([1, 1, 1, 1, 1, 1]), { rowCount: 0, lastUpdated: null }, now(6))).toEqual(
      [],
    );
  });
});
