import {
  type BuildOutcome,
  type BuildRunRecord,
  type DataProduct,
  DefinitionError,
  durationSeconds,
  isAhead,
  type LatestRun,
  type MeshDefinition,
} from '@retail-mesh/sdk';
import { Cron } from 'croner';
import type { MeshConfig } from './config.js';

export type ScheduleConfig = MeshConfig['schedule'];

/** When a product is built: its own cron, or the mesh's for its `refresh`. */
export interface ProductSchedule {
  readonly product: DataProduct;
  readonly cron: string;
  readonly timezone: string;
  /** Where the expression comes from. */
  readonly from: 'product' | 'mesh.yaml';
}

const REFRESH_KEY = { hourly: 'hourly', daily: 'daily', 'real-time': 'realTime' } as const;

/** The schedule of a product, its expression checked by croner (never a hand-written parser). */
export function scheduleOf(product: DataProduct, config: ScheduleConfig): ProductSchedule {
  const schedule: ProductSchedule = product.schedule
    ? {
        product,
        cron: product.schedule.cron,
        timezone: product.schedule.timezone ?? 'UTC',
        from: 'product',
      }
    : { product, cron: config[REFRESH_KEY[product.refresh]], timezone: config.timezone, from: 'mesh.yaml' };
  try {
    cronOf(schedule);
  } catch (cause) {
    throw new DefinitionError(
      'invalid-schedule',
      schedule.from === 'product'
        ? `${product.id}: schedule ${schedule.cron} (${schedule.timezone}) is no cron schedule: ${(cause as Error).message}`
        : `mesh.yaml: schedule: ${REFRESH_KEY[product.refresh]}: ${schedule.cron} (${schedule.timezone}) is no cron schedule: ${(cause as Error).message}`,
      schedule.from === 'product'
        ? { domain: product.domain.name, product: product.name }
        : { key: `schedule.${REFRESH_KEY[product.refresh]}` },
      { cause },
    );
  }
  return schedule;
}

const crons = new Map<string, Cron>();

/** A paused croner job: asked for times, never run by croner itself (the scheduler runs builds). */
function cronOf(schedule: Pick<ProductSchedule, 'cron' | 'timezone'>): Cron {
  const key = `${schedule.cron}\u0000${schedule.timezone}`;
  let cron = crons.get(key);
  if (!cron) {
    cron = new Cron(schedule.cron, { timezone: schedule.timezone, paused: true });
    crons.set(key, cron);
  }
  return cron;
}

/** The first slot after `after`. */
export function nextRunOf(schedule: ProductSchedule, after: Date): Date | null {
  return cronOf(schedule).nextRun(after);
}

/** The latest slot at or before `now`. */
export function lastSlotOf(schedule: ProductSchedule, now: Date): Date | null {
  // previousRuns looks strictly before its reference: a slot exactly now counts as passed.
  return cronOf(schedule).previousRuns(1, new Date(now.getTime() + 1))[0] ?? null;
}

/**
 * When each product was last built, whatever came of it: the start of its latest build in the
 * run log (a test run is no build). A run recorded ahead of `now` (by a machine whose clock was
 * set ahead) is passed over: as the latest it would make the product due at every tick until
 * the clock caught up, and hide the builds since.
 */
export function lastBuilds(runs: readonly BuildRunRecord[], now?: Date): Map<string, Date> {
  const last = new Map<string, Date>();
  for (const run of runs) {
    if (run.status === 'tested' || run.status === 'test-failed') continue;
    if (now && isAhead(run.startedAt, now)) continue;
    const id = `${run.domain}.${run.product}`;
    const seen = last.get(id);
    if (!seen || run.startedAt > seen) last.set(id, run.startedAt);
  }
  return last;
}

/**
 * The products due at `now`: those whose latest slot passed since they were last built. However
 * many slots were missed (the server was down), a product is due once.
 */
export function dueAt(
  schedules: readonly ProductSchedule[],
  lastBuilt: ReadonlyMap<string, Date>,
  now: Date,
): ProductSchedule[] {
  return schedules.filter((s) => {
    const slot = lastSlotOf(s, now);
    if (!slot) return false;
    const built = lastBuilt.get(s.product.id);
    // A build recorded ahead of this clock (a clock set ahead, or the run log edited) does not
    // put its product off until the clock catches up.
    return !built || built < slot || built > now;
  });
}

/** A product whose scheduled build failed: when it is tried again. */
export interface Retry {
  readonly attempts: number;
  readonly at: Date;
}

/**
 * What follows a scheduled build's outcomes: a failed product is tried again after the
 * backoff, doubling each time, `retries` times at most; then left to its next slot (in error,
 * which alerts). A product that built is forgotten.
 */
export function nextRetries(
  retries: ReadonlyMap<string, Retry>,
  outcomes: readonly BuildOutcome[],
  config: Pick<ScheduleConfig, 'retries' | 'backoff'>,
  now: Date,
): Map<string, Retry> {
  const next = new Map(retries);
  const base = (durationSeconds(config.backoff) ?? 60) * 1000;
  for (const o of outcomes) {
    if (o.status !== 'failed') {
      next.delete(o.product.id);
      continue;
    }
    const attempts = (retries.get(o.product.id)?.attempts ?? 0) + 1;
    if (attempts > config.retries) next.delete(o.product.id);
    else next.set(o.product.id, { attempts, at: new Date(now.getTime() + base * 2 ** (attempts - 1)) });
  }
  return next;
}

export interface SchedulerEvent {
  readonly type: 'run' | 'idle';
  readonly at: Date;
  readonly products?: readonly string[];
  readonly outcomes?: readonly BuildOutcome[];
}

/**
 * The scheduler of `mesh serve`: at each tick, builds the products whose slot passed or whose
 * retry is due, in one DAG (the build includes what they read), then sleeps until the next
 * slot. The clock, the run log and the build are given: tests drive it with a clock they set.
 */
export class Scheduler {
  private retries = new Map<string, Retry>();
  private schedules: ProductSchedule[] = [];

  constructor(
    private readonly options: {
      readonly mesh: MeshDefinition;
      readonly config: ScheduleConfig;
      readonly clock: () => Date;
      /** The run log since a time. */
      readonly runs: (since: Date) => Promise<readonly BuildRunRecord[]>;
      /** Builds these products (and what they read) and records their health. */
      readonly build: (products: readonly DataProduct[]) => Promise<readonly BuildOutcome[]>;
      /**
       * The products whose published table is gone (dropped, or never published): due at every
       * tick until they are back, whatever their slot. None when not given.
       */
      readonly unpublished?: () => Promise<ReadonlySet<string>>;
      /**
       * Each product's latest run, whenever it was (`Warehouse.latestRuns`): `plan` names the
       * last build of a product built before the run log it reads for slots (yesterday's build
       * of a daily product whose slot passed). Without it such a build is not named.
       */
      readonly latest?: () => Promise<readonly LatestRun[]>;
    },
  ) {
    this.schedules = options.mesh.products.map((p) => scheduleOf(p, options.config));
  }

  /** Every product's schedule, its last build and its next slot. */
  async plan(): Promise<
    Array<ProductSchedule & { lastBuilt: Date | null; next: Date | null; due: boolean }>
  > {
    const now = this.options.clock();
    const built = await this.lastBuilt(now);
    const due = await this.dueNow(built, now);
    const earlier = new Map<string, Date>();
    if (this.schedules.some((s) => !built.has(s.product.id)))
      for (const run of (await this.options.latest?.()) ?? []) {
        // A test is no build: the build before it is the one its published rows came from.
        const start =
          run.status === 'tested' || run.status === 'test-failed'
            ? run.lastPublished?.startedAt
            : run.startedAt;
        if (start) earlier.set(`${run.domain}.${run.product}`, start);
      }
    return this.schedules.map((s) => ({
      ...s,
      lastBuilt: built.get(s.product.id) ?? earlier.get(s.product.id) ?? null,
      next: nextRunOf(s, now),
      due:
        due.has(s.product.id) || (this.retries.get(s.product.id)?.at.getTime() ?? Infinity) <= now.getTime(),
    }));
  }

  /** Builds what is due now, if anything. */
  async tick(): Promise<SchedulerEvent> {
    const now = this.options.clock();
    const built = await this.lastBuilt(now);
    const due = await this.dueNow(built, now);
    for (const [id, retry] of this.retries) if (retry.at <= now) due.add(id);
    if (!due.size) return { type: 'idle', at: now };
    const products = this.schedules.filter((s) => due.has(s.product.id)).map((s) => s.product);
    const outcomes = await this.options.build(products);
    this.retries = nextRetries(this.retries, outcomes, this.options.config, this.options.clock());
    return { type: 'run', at: now, products: products.map((p) => p.id), outcomes };
  }

  /** When the next tick has something to do: the earliest next slot or retry. */
  nextWake(): Date | null {
    const now = this.options.clock();
    const times = [
      ...this.schedules.map((s) => nextRunOf(s, now)?.getTime()),
      ...[...this.retries.values()].map((r) => r.at.getTime()),
    ].filter((t): t is number => t !== undefined);
    return times.length ? new Date(Math.min(...times)) : null;
  }

  /** The retries waiting now. */
  pendingRetries(): ReadonlyMap<string, Retry> {
    return this.retries;
  }

  /** Whose slot passed since they were built, and the scheduled ones that have no table. */
  private async dueNow(built: ReadonlyMap<string, Date>, now: Date): Promise<Set<string>> {
    const due = new Set(dueAt(this.schedules, built, now).map((s) => s.product.id));
    const gone = (await this.options.unpublished?.()) ?? new Set<string>();
    for (const s of this.schedules) if (gone.has(s.product.id) && lastSlotOf(s, now)) due.add(s.product.id);
    return due;
  }

  private async lastBuilt(now: Date): Promise<Map<string, Date>> {
    // Runs since the oldest slot that matters: a product not built since its slot is due anyway.
    const slots = this.schedules
      .map((s) => lastSlotOf(s, now)?.getTime())
      .filter((t): t is number => t !== undefined);
    const since = new Date(slots.length ? Math.min(...slots) : now.getTime());
    return lastBuilds(await this.options.runs(since), now);
  }
}

/**
 * Whether this process serves a warehouse without building on schedule (`mesh serve
 * --no-scheduler`): commands answered by it (`mesh schedule`) must not say it builds what is due.
 */
export const serving = { withoutScheduler: false };
