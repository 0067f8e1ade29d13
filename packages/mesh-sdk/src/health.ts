import type { Anomaly } from './anomalies.js';
import { type CheckOutcome, checksNotRun } from './checks.js';
import { type DataProduct, REFRESH_INTERVAL_SECONDS } from './data-product.js';
import type { Domain } from './domain.js';
import { durationSeconds, formatAhead, formatSeconds, isAhead } from './duration.js';
import { degradingFlag, type SourceState } from './source-log.js';
import type { BuildRunRecord, TableStats } from './warehouse.js';

/** healthy: fresh, published, all checks pass; degraded: published but warnings or SLA misses; stale: older than its freshness SLA, fed by an overdue source, or built from rows its sources no longer hold; error: last build failed or never published. */
export type HealthStatus = 'healthy' | 'degraded' | 'stale' | 'error';

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, stale: 2, error: 3 };

export interface ProductHealth {
  readonly name: string;
  readonly id: string;
  readonly domain: string;
  readonly version: string;
  readonly tier: string;
  readonly status: HealthStatus;
  /** Why the status is not healthy. */
  readonly reasons: readonly string[];
  readonly rowCount: number;
  readonly bytes: number;
  /** ISO time of the last publish. */
  readonly lastUpdated: string | null;
  /** ISO time of the last check run. */
  readonly lastTestRun: string | null;
  readonly freshness: { readonly ageSeconds: number | null; readonly slaSeconds: number | null };
  /**
   * Share of checks that passed in the last run, 0..1: of the published table, so none after a
   * build that failed (its failing checks are still in `failedChecks`).
   */
  readonly qualityScore: number | null;
  readonly completeness: number | null;
  readonly validity: number | null;
  /**
   * The last run's checks, passed and failed, where they measured the published table: null
   * when no table is published, and after a build that failed (it checked rows it did not
   * publish; the table holds an earlier build's, which passed).
   */
  readonly checks: { readonly passed: number; readonly failed: number; readonly total: number } | null;
  readonly failedChecks: readonly string[];
  /** Sources it is built from (directly or upstream) that hold synthetic sample rows, not real data. */
  readonly sampleSources: readonly string[];
  /** Row count, freshness or duration far from its own history (`detectAnomalies`). */
  readonly anomalies: readonly Anomaly[];
  /** The latest build or test run of it: what, when, how long, how many bytes it processed. */
  readonly lastRun: {
    readonly runId: string;
    readonly status: string;
    readonly finishedAt: string;
    readonly durationMs: number;
    readonly bytesProcessed: number | null;
  } | null;
}

export interface DomainHealth {
  readonly name: string;
  readonly owner: string;
  readonly status: HealthStatus;
  readonly productCount: number;
  readonly healthyCount: number;
  readonly products: readonly ProductHealth[];
}

export interface MeshHealth {
  readonly generatedAt: string;
  readonly status: HealthStatus;
  readonly totals: {
    readonly domains: number;
    readonly products: number;
    readonly healthyProducts: number;
    /** Mean quality score of the products that have one, 0..1. */
    readonly qualityScore: number | null;
  };
  readonly domains: readonly DomainHealth[];
  /** Every source: what it holds, its last batch (freshness, rows, rejects) and a flag on its size. */
  readonly sources: readonly SourceState[];
}

/** What the warehouse knows of one product. */
export interface ProductObservation {
  readonly stats: TableStats | undefined;
  /** The latest run, whatever its outcome. */
  readonly lastRun: BuildRunRecord | undefined;
  /**
   * When the latest published run finished (`LatestRun.lastPublishedAt`): a check run or a
   * failed build since does not age what that run published. Undefined: the latest run's own
   * finish, when it published.
   */
  readonly lastPublishedAt?: Date | null;
  /** When that run started (`LatestRun.lastPublishedStartedAt`). */
  readonly lastPublishedStartedAt?: Date | null;
  /** The rows the run whose rows the table holds published (`LatestRun.lastPublished.rowCount`). */
  readonly lastPublishedRowCount?: number | null;
  /** The version that published them (`LatestRun.lastPublished.version`). */
  readonly lastPublishedVersion?: string | null;
  /** The states of the sources it reads, directly or upstream. */
  readonly sources?: readonly SourceState[];
  /** Staging tables its killed builds left behind (`describeLeftover`): reported, not counted against it. */
  readonly leftovers?: readonly string[];
  /** What its history makes unexpected now: each makes it degraded. */
  readonly anomalies?: readonly Anomaly[];
  /**
   * Set when the products it reads hold other data than when the rows it publishes were
   * computed (their `dataOf` against the `inputProducts` its publishing run recorded): the ids
   * of those published since it was built (none known where clocks disagree), and when the
   * first of them was.
   */
  readonly changedInputs?: { readonly products: readonly string[]; readonly since: Date | null };
}

/** How long a real-time product may lag an input rebuilt since, at least: a build's length. */
const CHANGED_INPUT_GRACE_SECONDS = 300;

const worst = (statuses: HealthStatus[]): HealthStatus =>
  statuses.reduce<HealthStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), 'healthy');

/**
 * How long a real-time product may go without the batches landed since its build: `mesh serve`
 * builds a drop zone's files within seconds, and what `mesh ingest` loads at the next slot of
 * its real-time schedule (every 5 minutes unless told).
 */
export const REAL_TIME_CATCH_UP_SECONDS = 15 * 60;

/** The health of one product from what the warehouse observed. */
export function productHealth(
  product: DataProduct,
  seen: ProductObservation,
  now: Date = new Date(),
): ProductHealth {
  const { stats, lastRun } = seen;
  const reasons: string[] = [];
  const statuses: HealthStatus[] = [];
  const checks: readonly CheckOutcome[] = lastRun?.checks ?? [];
  const failed = checks.filter((c) => !c.passed);
  const lastUpdated = stats?.lastModified ?? null;
  const slaSeconds = product.sla.freshness ? (durationSeconds(product.sla.freshness) ?? null) : null;
  // Its rows are current as of their stamp, or as of the end of a later run that published
  // them: a scheduled run that found nothing it reads changed records them again (`unchanged`).
  // A `mesh test` or a failed build since changes neither.
  const lastPublished =
    seen.lastPublishedAt !== undefined
      ? seen.lastPublishedAt
      : lastRun?.status === 'published'
        ? lastRun.finishedAt
        : null;
  const published = stats ? lastPublished : null;
  // A time ahead of this machine's clock (a clock set ahead where it was written, or rows
  // stamped by hand) would make the product look fresh until the clock caught up: it is said,
  // and freshness comes from the times that are not ahead (none: freshness unknown).
  const ahead = (t: Date | null): t is Date => isAhead(t, now);
  for (const [what, t] of [
    ['its rows are stamped', lastUpdated],
    ['its last run is recorded', lastRun?.finishedAt ?? null],
    [
      'its last publish is recorded',
      published?.getTime() === lastRun?.finishedAt.getTime() ? null : published,
    ],
  ] as const) {
    if (ahead(t)) {
      statuses.push('degraded');
      reasons.push(
        `${what} ${t.toISOString().replace('T', ' ').slice(0, 19)}, ${formatAhead(t.getTime() - now.getTime())} ahead of this machine's clock: a clock set ahead, or times written by hand; its freshness cannot be told until they are corrected (build it again)`,
      );
    }
  }
  const times = [lastUpdated, published].filter((t): t is Date => t !== null && !ahead(t));
  const current = times.length ? new Date(Math.max(...times.map((t) => t.getTime()))) : null;
  const ageSeconds = current ? Math.max(0, (now.getTime() - current.getTime()) / 1000) : null;
  // When the published rows were last computed or confirmed from their inputs.
  const startedAt = stats ? (seen.lastPublishedStartedAt ?? null) : null;
  const confirmed =
    lastUpdated && startedAt && startedAt > lastUpdated ? startedAt : (lastUpdated ?? startedAt);

  if (!stats) {
    statuses.push('error');
    reasons.push('not published');
  }
  const ok = lastRun?.status === 'published' || lastRun?.status === 'tested';
  if (lastRun && !ok) {
    statuses.push('error');
    reasons.push(
      lastRun.status === 'waiting'
        ? (lastRun.error?.message ?? 'waiting for a source never loaded')
        : `last run ${lastRun.status}: ${lastRun.error?.message ?? 'unknown error'}`,
    );
  }
  // Leftovers are reported but change no status: the published table is whole either way.
  reasons.push(...(seen.leftovers ?? []));
  const real = (seen.sources ?? []).filter((s) => s.content === 'ingested').map((s) => s.source);
  const synthetic = (seen.sources ?? []).filter((s) => s.content === 'sample').map((s) => s.source);
  if (real.length && synthetic.length) {
    // Real rows joined with synthetic ones give figures that are neither.
    statuses.push('degraded');
    reasons.push(`mixes real data (${real.join(', ')}) with sample data (${synthetic.join(', ')})`);
  }
  for (const source of seen.sources ?? []) {
    const flag = degradingFlag(source.lastBatch?.flag);
    if (flag) {
      statuses.push('degraded');
      reasons.push(`${source.source}: last batch ${flag}`);
    }
    if (source.refused) {
      statuses.push('degraded');
      reasons.push(`${source.source}: ${source.refused}`);
    }
    if (source.missedExports) {
      statuses.push('degraded');
      reasons.push(`${source.source}: ${source.missedExports}`);
    }
    if (source.changedBack) {
      statuses.push('degraded');
      reasons.push(`${source.source}: ${source.changedBack}`);
    }
    if (source.earlierRejects) {
      statuses.push('degraded');
      reasons.push(`${source.source}: ${source.earlierRejects}`);
    }
    // Rows of the export it holds now are missing from every figure built on it.
    const last = source.lastBatch;
    if (source.content === 'ingested' && last && last.rejected > 0) {
      statuses.push('degraded');
      reasons.push(
        `${source.source}: last batch #${last.batchId} rejected ${last.rejected.toLocaleString('en-US')} of ${(last.loaded + last.rejected).toLocaleString('en-US')} rows (mesh ingest --rejects ${last.batchId})`,
      );
    }
    // Built from an export reverted since: what is published still holds its rows (the
    // scheduler rebuilds on its schedule; until then the figures are of rows that are gone).
    // Any of them: an export reverted since that was loaded after the build does not undo an
    // earlier one's revert.
    const builtAt =
      seen.lastPublishedStartedAt ?? (lastRun?.status === 'published' ? lastRun.startedAt : null);
    const builtFrom = builtAt
      ? (source.reverted ?? (source.lastReverted ? [source.lastReverted] : [])).filter(
          (r) => new Date(r.ingestedAt) < builtAt && new Date(r.revertedAt) > builtAt,
        )
      : [];
    const [reverted] = builtFrom;
    if (stats && reverted) {
      statuses.push('stale');
      reasons.push(
        `${source.source}: ${builtFrom.length === 1 ? `batch #${reverted.batchId} was reverted (${reverted.revertedAt})` : `batches ${builtFrom.map((r) => `#${r.batchId}`).join(', ')} were reverted (the first ${reverted.revertedAt})`} after this product was built from ${builtFrom.length === 1 ? 'it' : 'them'}: what is published still holds ${builtFrom.length === 1 ? 'its' : 'their'} rows; build it again`,
      );
    }
    // A real-time product stands for its sources' newest rows within minutes of their landing:
    // a batch landed after its last build and still not built in (the server down or killed
    // between the ingest and the build, an ingest by hand between its slots) is in no figure.
    const landed = source.lastBatch && new Date(source.lastBatch.at);
    if (
      stats &&
      product.refresh === 'real-time' &&
      builtAt &&
      landed &&
      source.content === 'ingested' &&
      source.lastBatch!.loaded > 0 &&
      landed > builtAt &&
      now.getTime() - landed.getTime() > REAL_TIME_CATCH_UP_SECONDS * 1000
    ) {
      statuses.push('stale');
      reasons.push(
        `${source.source}: batch #${source.lastBatch!.batchId} landed ${source.lastBatch!.at} (${formatSeconds((now.getTime() - landed.getTime()) / 1000)} ago), after this real-time product was last built (${builtAt.toISOString()}): its rows are in no figure; is mesh serve running? (mesh build ${product.id})`,
      );
    }
    // Published while the source held rows (its sample, since taken out, or batches since
    // reverted): the figures stand for rows that are gone.
    if (stats && source.content === 'empty' && !source.optional) {
      statuses.push('stale');
      reasons.push(
        `${source.source} holds no rows now (its sample taken out, or its batches reverted): what is published was built from rows that are gone; load it and build again`,
      );
    }
    // Its exports held no row (a header alone): every figure built on it is zero or missing,
    // which is no measurement of anything.
    if (stats && source.content === 'ingested' && source.rows === 0 && !source.optional) {
      statuses.push('stale');
      reasons.push(
        `${source.source} holds no rows: its ${source.batches === 1 ? 'export' : `${source.batches} exports`} loaded none, so what is published is built from nothing; load an export that holds rows and build again`,
      );
    }
    // Written before its source held any export: its rows come from the sample, which the
    // first export took out. Real now, by the source's account; synthetic, by the table's.
    // Unless a build that started since found them equal to what the export gives (an
    // incremental build with nothing to rebuild writes no rows, and confirms them).
    if (
      confirmed &&
      source.content === 'ingested' &&
      source.firstExportAt &&
      Date.parse(source.firstExportAt) > confirmed.getTime()
    ) {
      statuses.push('stale');
      reasons.push(
        `built before ${source.source} held the exports it holds (the first loaded ${source.firstExportAt}): what is published comes from its sample, or from batches since reverted; build it again`,
      );
    }
    // A log that lost rows (or gained some) outside the platform: what is built from it is not
    // what its batches loaded, and a revert or an upsert would recompute from it.
    if (typeof source.loggedRows === 'number' && source.loggedRows !== source.rows) {
      statuses.push('degraded');
      reasons.push(
        `${source.source}: its log holds ${source.loggedRows.toLocaleString('en-US')} rows where its batches loaded ${source.rows.toLocaleString('en-US')}: written outside the platform; ${source.content === 'sample' ? `seed it again (mesh seed ${source.source.slice(0, source.source.indexOf('.'))})` : 'revert its batches and ingest them again'}`,
      );
    }
    // An export recorded ahead of the clock says nothing of when the feed last delivered.
    if (source.clockAhead) {
      statuses.push('degraded');
      reasons.push(`${source.source}: ${source.clockAhead}`);
    }
    // Rebuilt on time from a feed that stopped is as old as the feed.
    if (source.overdue) {
      statuses.push('stale');
      reasons.push(`${source.source}: ${source.overdue}`);
    }
  }
  if (slaSeconds !== null && ageSeconds !== null && ageSeconds > slaSeconds) {
    statuses.push('stale');
    reasons.push(`older than its ${product.sla.freshness} freshness SLA`);
  }
  // The rows the last run that published or tested them counted: a table holding another
  // number was written outside a build since, and no check has vouched for what it holds. Nor
  // does a test of other rows than the last build published: its checks may pass on a table
  // missing a day (rows deleted by hand), whose figures are still wrong.
  const built = seen.lastPublishedRowCount;
  if (stats && ok && lastRun && stats.rowCount !== lastRun.rowCount) {
    statuses.push('degraded');
    reasons.push(
      `holds ${stats.rowCount.toLocaleString('en-US')} rows where its last ${lastRun.status === 'tested' ? 'test' : 'build'} counted ${lastRun.rowCount.toLocaleString('en-US')}: written outside a build since; build it again (mesh build ${product.id})`,
    );
  } else if (stats && ok && lastRun?.status === 'tested' && built != null && stats.rowCount !== built) {
    statuses.push('degraded');
    reasons.push(
      `holds ${stats.rowCount.toLocaleString('en-US')} rows where its last build published ${built.toLocaleString('en-US')}: written outside a build since (a test checks the rows it finds, not the ones gone); build it again (mesh build ${product.id})`,
    );
  }
  // Computed from what its inputs held before they were rebuilt (`mesh build order` leaves the
  // products of other domains reading them behind): its figures are of data that is gone. Said
  // at once; stale once its schedule would have rebuilt it since (a daily product lags an hourly
  // input by design, and a build in progress rebuilds it in a moment: no alarm for either).
  if (stats && seen.changedInputs) {
    const { products: changed, since } = seen.changedInputs;
    const due = Math.max(REFRESH_INTERVAL_SECONDS[product.refresh], CHANGED_INPUT_GRACE_SECONDS) * 1000;
    const overdue = !since || now.getTime() - since.getTime() > due;
    if (overdue) statuses.push('stale');
    reasons.push(
      `${changed.length ? `${changed.join(', ')} ${changed.length === 1 ? 'was' : 'were'} rebuilt with other data since it was built` : 'the products it reads hold other data than when it was built'}: what is published is computed from what ${changed.length === 1 ? 'it' : 'they'} held before; ${overdue ? `build it again (mesh build ${product.id})` : `its next ${product.refresh} build takes it in`}`,
    );
  }
  // Rows another version published (an older release's build, or a newer one's, sharing the
  // warehouse): their columns, meaning and checks are that version's, not this definition's.
  const publishedBy =
    seen.lastPublishedVersion ?? (lastRun?.status === 'published' ? lastRun.version : undefined);
  if (stats && publishedBy && publishedBy !== product.version) {
    statuses.push('degraded');
    reasons.push(
      `published by version ${publishedBy}, not ${product.version} (the definition here): its rows, columns and checks are that version's; build it with this one (mesh build ${product.id})`,
    );
  }
  // Checks of this definition that the last run did not run as they are now (added since, or
  // changed under their name, say a bound tightened): its figures answer for the checks it ran,
  // and a check that would fail on what is published must not read as passed.
  const otherVersion = publishedBy !== undefined && publishedBy !== product.version;
  if (stats && ok && lastRun && !otherVersion) {
    const notRun = checksNotRun(product, lastRun.checks);
    if (notRun.length) {
      const run = lastRun.status === 'tested' ? 'test' : 'build';
      statuses.push('degraded');
      reasons.push(
        `${notRun.length === 1 ? 'a check' : `${notRun.length} checks`} not run on what is published: ${notRun.map((c) => `${c.name} (${c.why} since its last ${run})`).join(', ')}; its quality figures are of the checks that ${run} ran: run these (mesh test ${product.id})`,
      );
    }
  }
  for (const anomaly of seen.anomalies ?? []) {
    statuses.push('degraded');
    reasons.push(anomaly.reason);
  }
  if (failed.length && ok) {
    statuses.push('degraded');
    reasons.push(`warnings: ${failed.map((c) => c.name).join(', ')}`);
  }
  // Figures of the last run describe the rows it published: none when no table holds them.
  const measured = stats ? checks : [];
  const measuredFailed = stats ? failed : [];
  // The scores are the published table's: a build that failed measured rows it did not
  // publish (the table holds an earlier build's), so it gives none.
  const scored = stats && lastRun?.status !== 'failed';
  const completeness = scored ? (lastRun?.completeness ?? null) : null;
  const validity = scored ? (lastRun?.validity ?? null) : null;
  if (
    product.sla.completeness !== undefined &&
    completeness !== null &&
    completeness < product.sla.completeness
  ) {
    statuses.push('degraded');
    reasons.push(`completeness ${completeness.toFixed(4)} below SLA ${product.sla.completeness}`);
  }
  if (product.sla.validity !== undefined && validity !== null && validity < product.sla.validity) {
    statuses.push('degraded');
    reasons.push(`validity ${validity.toFixed(4)} below SLA ${product.sla.validity}`);
  }
  return {
    name: product.name,
    id: product.id,
    domain: product.domain.name,
    version: product.version,
    tier: product.tier,
    status: worst(statuses),
    reasons,
    rowCount: stats?.rowCount ?? 0,
    bytes: stats?.bytes ?? 0,
    lastUpdated: lastUpdated?.toISOString() ?? null,
    lastTestRun: lastRun?.checks.length ? lastRun.finishedAt.toISOString() : null,
    freshness: { ageSeconds: ageSeconds === null ? null : Math.round(ageSeconds), slaSeconds },
    qualityScore:
      scored && measured.length ? (measured.length - measuredFailed.length) / measured.length : null,
    completeness,
    validity,
    checks: scored
      ? {
          passed: measured.length - measuredFailed.length,
          failed: measuredFailed.length,
          total: measured.length,
        }
      : null,
    failedChecks: measuredFailed.map((c) => c.name),
    sampleSources: (seen.sources ?? []).filter((s) => s.content === 'sample').map((s) => s.source),
    anomalies: [...(seen.anomalies ?? [])],
    lastRun: lastRun
      ? {
          runId: lastRun.runId,
          status: lastRun.status,
          finishedAt: lastRun.finishedAt.toISOString(),
          durationMs: Math.max(0, lastRun.finishedAt.getTime() - lastRun.startedAt.getTime()),
          bytesProcessed: lastRun.bytesProcessed ?? null,
        }
      : null,
  };
}

/** Rolls product health up to domains and the mesh. */
export function meshHealth(
  domains: readonly Domain[],
  products: readonly ProductHealth[],
  now: Date = new Date(),
  sources: readonly SourceState[] = [],
): MeshHealth {
  // Grouped once: filtering every product per domain is quadratic at a thousand domains.
  const byDomain = new Map<string, ProductHealth[]>();
  for (const p of products) {
    const list = byDomain.get(p.domain);
    if (list) list.push(p);
    else byDomain.set(p.domain, [p]);
  }
  const domainHealth = domains.map((d): DomainHealth => {
    const own = byDomain.get(d.name) ?? [];
    return {
      name: d.name,
      owner: d.owner.team,
      status: worst(own.map((p) => p.status)),
      productCount: own.length,
      healthyCount: own.filter((p) => p.status === 'healthy').length,
      products: own,
    };
  });
  const scores = products.map((p) => p.qualityScore).filter((s): s is number => s !== null);
  return {
    generatedAt: now.toISOString(),
    status: worst(domainHealth.map((d) => d.status)),
    totals: {
      domains: domainHealth.length,
      products: products.length,
      healthyProducts: products.filter((p) => p.status === 'healthy').length,
      qualityScore: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
    },
    domains: domainHealth,
    sources,
  };
}
