import type { HealthSnapshot } from './health-history.js';

/** What is compared with a product's own history. */
export type AnomalyMetric = 'row_count' | 'freshness' | 'duration';

/** A value far from what a product's own recent runs make expected. */
export interface Anomaly {
  readonly metric: AnomalyMetric;
  readonly value: number;
  /** Mean and standard deviation of the training window. */
  readonly mean: number;
  readonly stddev: number;
  /** How many standard deviations the value is from the mean (signed). */
  readonly sigma: number;
  /** How many runs the mean is over. */
  readonly window: number;
  readonly direction: 'above' | 'below';
  /** For a person: `row count 40,112 is 4.2 sigma below its 14-run mean 98,230`. */
  readonly reason: string;
}

export interface AnomalyOptions {
  /** How many of the latest runs train the expectation (14, as Elementary's default days). */
  readonly window?: number;
  /** Fewer runs than this: no expectation yet, no anomaly. */
  readonly minRuns?: number;
  /** How many standard deviations away is an anomaly (3, Elementary's default). */
  readonly sensitivity?: number;
}

export const ANOMALY_DEFAULTS: Required<AnomalyOptions> = { window: 14, minRuns: 5, sensitivity: 3 };

/** Mean and (population) standard deviation. */
export function meanAndStddev(values: readonly number[]): { mean: number; stddev: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, stddev: Math.sqrt(variance) };
}

/**
 * The deviation a steady history still tolerates. A history of identical row counts (a daily
 * full rebuild of the same data) has no spread at all; without a floor the next run one row
 * off would be infinitely anomalous, and with none at all halving it would never be. The floor
 * is a share of the mean, with an absolute minimum per metric.
 */
const FLOOR: Record<AnomalyMetric, { share: number; min: number }> = {
  row_count: { share: 0.01, min: 1 },
  // Publishing intervals and durations jitter with the scheduler and the machine.
  freshness: { share: 0.1, min: 60 },
  // A build of under a second is as long as the machine's other work and the warehouse's queue
  // make it (a 12-row product waited 5 s behind an ingest): seconds are what a slow build costs.
  duration: { share: 0.1, min: 1000 },
};

/** Which way a metric is anomalous: fewer rows and more rows both are; only late and slow are. */
const DIRECTIONS: Record<AnomalyMetric, ReadonlyArray<'above' | 'below'>> = {
  row_count: ['above', 'below'],
  freshness: ['above'],
  duration: ['above'],
};

const LABEL: Record<AnomalyMetric, (n: number) => string> = {
  row_count: (n) => Math.round(n).toLocaleString('en-US'),
  freshness: (n) => formatAge(n),
  duration: (n) => `${Math.round(n).toLocaleString('en-US')} ms`,
};

const NAME: Record<AnomalyMetric, string> = {
  row_count: 'row count',
  freshness: 'time since the last publish',
  duration: 'build duration',
};

function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)}h`;
  return `${(seconds / 86400).toFixed(1)}d`;
}

/**
 * The z-score of `value` against `training` (the product's own recent values), or undefined
 * when the history is too short or the value is within `sensitivity` standard deviations.
 */
export function scoreAnomaly(
  metric: AnomalyMetric,
  value: number,
  training: readonly number[],
  options: AnomalyOptions = {},
): Anomaly | undefined {
  const { minRuns, sensitivity } = { ...ANOMALY_DEFAULTS, ...options };
  if (training.length < minRuns || !Number.isFinite(value)) return undefined;
  const { mean, stddev } = meanAndStddev(training);
  const floor = Math.max(FLOOR[metric].min, Math.abs(mean) * FLOOR[metric].share);
  const spread = Math.max(stddev, floor);
  const sigma = (value - mean) / spread;
  const direction = sigma >= 0 ? 'above' : 'below';
  if (Math.abs(sigma) <= sensitivity || !DIRECTIONS[metric].includes(direction)) return undefined;
  return {
    metric,
    value,
    mean,
    stddev,
    sigma,
    window: training.length,
    direction,
    reason: `${NAME[metric]} ${LABEL[metric](value)} is ${Math.abs(sigma).toFixed(1)} sigma ${direction} its ${training.length}-run mean ${LABEL[metric](mean)}`,
  };
}

/** What a product is now: its published rows and the run that last built it. */
export interface CurrentObservation {
  readonly rowCount: number;
  /** ISO time of the publish now in place; null when never published. */
  readonly lastUpdated: string | null;
  /** The latest build: its run and duration (a test run is not a build). */
  readonly build?: { readonly runId: string; readonly durationMs: number } | undefined;
  /**
   * How long publishes may be apart by the product's schedule (`refresh`), in seconds: a
   * publish is never late sooner, however often it came before (a developer rebuilding every
   * few seconds makes no hourly product late after a minute).
   */
  readonly scheduledEverySeconds?: number | undefined;
  /**
   * ISO time its rows were last confirmed current (`LatestRun.lastPublishedAt`): a scheduled run
   * that found nothing it reads changed publishes no new rows, yet the product is as fresh as
   * that run, and no publish is late.
   */
  readonly confirmedAt?: string | null | undefined;
}

/**
 * A product's anomalies now, against its own history (`history`: its snapshots, any order).
 * Row count: the rows published now against earlier publishes. Duration: the latest build
 * against the builds before it. Freshness: the time since the last publish (at `now`) against
 * the intervals between earlier publishes, so a publish that does not come is seen before any
 * SLA says so. The snapshot of the current publish or build, when the history already holds
 * it, is never its own training.
 */
export function detectAnomalies(
  history: readonly HealthSnapshot[],
  current: CurrentObservation,
  now: Date,
  options: AnomalyOptions = {},
): Anomaly[] {
  const { window } = { ...ANOMALY_DEFAULTS, ...options };
  const found: Anomaly[] = [];
  if (current.lastUpdated === null) return found;
  const builds = history.filter((s) => s.kind === 'build' && s.status !== 'error');
  // One value per publish: a failed build or a test run sees the same rows again.
  const publishes = [
    ...new Map(
      builds
        .filter((s) => s.lastUpdated !== null && s.lastUpdated !== current.lastUpdated)
        .map((s) => [s.lastUpdated!, s]),
    ).values(),
  ].sort((a, b) => a.at.localeCompare(b.at));
  const rows = scoreAnomaly(
    'row_count',
    current.rowCount,
    publishes.slice(-window).map((s) => s.rowCount),
    options,
  );
  if (rows) found.push(rows);
  // Durations of the runs that published: a run that found its inputs unchanged publishes
  // nothing and takes milliseconds, and mixed in, every real build would look slow.
  const runId = current.build?.runId;
  const republished = builds.some((s) => s.runId !== runId && s.lastUpdated === current.lastUpdated);
  if (current.build && !republished) {
    const firstOfEach = new Map<string, HealthSnapshot>();
    for (const s of [...builds].sort((a, b) => a.at.localeCompare(b.at)))
      if (s.lastUpdated !== null && !firstOfEach.has(s.lastUpdated)) firstOfEach.set(s.lastUpdated, s);
    const earlier = [...firstOfEach.values()]
      .filter((s) => s.runId !== runId && s.lastUpdated !== current.lastUpdated && s.durationMs !== null)
      .slice(-window);
    const slow = scoreAnomaly(
      'duration',
      current.build.durationMs,
      earlier.map((s) => s.durationMs!),
      options,
    );
    if (slow) found.push(slow);
  }
  const times = [
    ...new Set(
      [...history.map((s) => s.lastUpdated), current.lastUpdated].filter((t): t is string => t !== null),
    ),
  ]
    .map((t) => Date.parse(t))
    .sort((a, b) => a - b);
  if (times.length > 1) {
    const intervals = times
      .slice(1)
      .map((t, i) => (t - times[i]!) / 1000)
      .slice(-window);
    const confirmed = current.confirmedAt ? Date.parse(current.confirmedAt) : Number.NaN;
    const age = (now.getTime() - Math.max(times.at(-1)!, Number.isNaN(confirmed) ? 0 : confirmed)) / 1000;
    const late = scoreAnomaly('freshness', age, intervals, options);
    if (late && age > (current.scheduledEverySeconds ?? 0)) found.push(late);
  }
  return found;
}
