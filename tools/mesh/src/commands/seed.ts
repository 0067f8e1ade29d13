import {
  DefinitionError,
  ensureSources,
  loadSample,
  type MeshDefinition,
  type Source,
  sourceStates,
  suggestion,
  UsageError,
  type Warehouse,
  withdrawSamples,
} from '@retail-mesh/sdk';
import { type GlobalOptions, type Io, withWarehouse } from '../context.js';
import { withError } from '../failure.js';
import { loadMesh } from '../mesh.js';
import { color, formatInt, formatMs, table } from '../style.js';
import { numberFlag } from './options.js';

export interface SeedOptions {
  scale: number;
  seed: number;
  /** Only these domains' (or sources') sources; all when empty. */
  domains?: readonly string[];
  /** Only sources with no rows yet (a source holding sample rows keeps them). */
  onlyEmpty?: boolean;
  /** Sources (`domain.source`) to seed even beside real data. */
  sample?: readonly string[];
  /** Samples written at once, at most (never more than the warehouse allows, its default). */
  concurrency?: number;
}

export interface SeededSource {
  readonly source: string;
  readonly rows: number;
  readonly durationMs: number;
  /** seeded; kept (already had sample rows); skipped (holds ingested rows); refused (beside real data). */
  readonly status: 'seeded' | 'kept' | 'skipped' | 'refused';
  readonly skipped: boolean;
  readonly reason?: string;
}

/**
 * Generates the selected sources' samples inside the warehouse, never mixing them with real
 * data: a source holding ingested rows is never seeded, and one beside real data (another
 * source of its domain, or a source its sample reads, holds ingested rows) only when named in
 * `sample`.
 */
export async function seedMesh(
  warehouse: Warehouse,
  mesh: MeshDefinition,
  options: SeedOptions,
  io?: Io,
): Promise<SeededSource[]> {
  const known = new Set([...mesh.domains.map((d) => d.name), ...mesh.sources.map((s) => s.id)]);
  for (const d of options.domains ?? []) {
    if (!known.has(d))
      throw new UsageError(
        'unknown-domain',
        `No domain or source is named ${d}. ${suggestion(d, [...known], 'Known')}`,
      );
  }
  for (const s of options.sample ?? []) {
    if (!mesh.sources.some((source) => source.id === s))
      throw new UsageError(
        'unknown-source',
        `--sample ${s}: no source is named so. ${suggestion(
          s,
          mesh.sources.map((x) => x.id),
          'Sources',
        )}`,
        { source: s },
      );
  }
  const wanted = (s: Source) =>
    !options.domains?.length || options.domains.includes(s.domain.name) || options.domains.includes(s.id);
  const sources = sampleOrder(mesh.sources.filter((s) => s.sample && wanted(s)));
  // A warehouse of an older release adopts its raw tables as batches before states are read.
  await ensureSources(warehouse, mesh.sources);
  const states = new Map(sourceStates(mesh.sources, await warehouse.listBatches()).map((s) => [s.source, s]));
  const content = new Map([...states].map(([id, s]) => [id, s.content] as const));
  const byId = new Map(mesh.sources.map((s) => [s.id, s]));
  const real = (id: string) => content.get(id) === 'ingested';
  // A source's sample reads these (transitively): real rows there make its sample a mix.
  const readsOf = (source: Source, seen = new Set<string>()): string[] => {
    for (const id of source.sampleAfter) {
      if (seen.has(id)) continue;
      seen.add(id);
      const upstream = byId.get(id);
      if (upstream) readsOf(upstream, seen);
    }
    return [...seen];
  };
  // In sample order, whatever order they finish in.
  const results: SeededSource[] = [];
  const result = (
    source: Source,
    status: SeededSource['status'],
    reason?: string,
    rows = states.get(source.id)?.rows ?? 0,
    durationMs = 0,
  ): SeededSource => {
    const entry = { source: source.id, rows, durationMs, status, skipped: status !== 'seeded', reason };
    results.push(entry);
    return entry;
  };
  // Samples under way, by source: a source whose sample reads another waits for it. Up to
  // `concurrency` at once; the first failure (or an error of the loop) starts no more, and is
  // thrown once the samples under way have ended.
  const seeding = new Map<string, Promise<unknown>>();
  const slots = new Set<Promise<unknown>>();
  const concurrency = Math.max(
    1,
    Math.min(
      options.concurrency ?? Number.POSITIVE_INFINITY,
      warehouse.capabilities.maxConcurrentSamples ?? 1,
    ) || 1,
  );
  let failure: { error: unknown } | undefined;
  // Each domain's schema first: asked for by a sample, it would wait for the samples under way.
  if (warehouse.capabilities.sampleData)
    for (const domain of new Set(sources.map((s) => s.domain))) await warehouse.ensureDomain(domain);
  try {
    for (const [i, source] of sources.entries()) {
      if (failure) break;
      const state = content.get(source.id) ?? 'empty';
      if (state === 'ingested') {
        result(source, 'skipped', 'holds ingested rows');
        continue;
      }
      if (!options.sample?.includes(source.id)) {
        const sibling = mesh.sources.find((s) => s.domain.name === source.domain.name && real(s.id));
        const read = readsOf(source).find(real);
        if (sibling || read) {
          const other = sibling?.id ?? read!;
          // A sample already there (real data landed beside it later) goes too: never both.
          const withdrawn = state === 'sample' && (await withdrawSamples(warehouse, [source])).length > 0;
          result(
            source,
            'refused',
            `${other} holds ingested rows; sample rows beside them would mix synthetic and real data${withdrawn ? ', so its sample rows were taken out' : ''} (mesh seed --sample ${source.id} to seed it anyway)`,
            0,
          );
          continue;
        }
      }
      if (options.onlyEmpty && state === 'sample') {
        result(source, 'kept', 'has sample rows');
        continue;
      }
      const missing = source.sampleAfter.find(
        (id) => !seeding.has(id) && (content.get(id) ?? 'empty') === 'empty',
      );
      if (missing) {
        if (sources.some((s) => s.id === missing) || !byId.has(missing)) {
          result(source, 'refused', `its sample reads ${missing}, which was not seeded`);
        } else {
          throw new UsageError(
            'seed-order',
            `${source.id} references ${missing}, which has no rows: seed ${missing.split('.')[0]} first (or seed everything).`,
            { domain: source.domain.name, source: source.name },
          );
        }
        continue;
      }
      while (slots.size >= concurrency) await Promise.race(slots);
      if (failure) break;
      const entry = result(source, 'seeded');
      const upstream = source.sampleAfter.flatMap((id) => seeding.get(id) ?? []);
      const work = (async () => {
        await Promise.all(upstream);
        // Another sample failed meanwhile: this one is not written.
        const stopped = failure as { error: unknown } | undefined;
        if (stopped) throw stopped.error;
        io?.progress.step(`seeding ${source.id} (${i + 1}/${sources.length})`);
        const started = performance.now();
        const { rowCount } = await loadSample(warehouse, source, {
          scale: options.scale,
          seed: options.seed,
        });
        Object.assign(entry, { rows: rowCount, durationMs: performance.now() - started });
      })();
      seeding.set(source.id, work);
      const slot: Promise<unknown> = work
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => slots.delete(slot));
      slots.add(slot);
    }
  } catch (error) {
    failure ??= { error };
  } finally {
    await Promise.all(slots);
  }
  io?.progress.done();
  if (failure) throw failure.error;
  return results;
}

/** Sources in an order where every source comes after those its sample reads. */
export function sampleOrder(sources: readonly Source[]): Source[] {
  const byId = new Map(sources.map((s) => [s.id, s]));
  const ordered: Source[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (source: Source, path: string[]) => {
    if (state.get(source.id) === 'done') return;
    if (state.get(source.id) === 'visiting') {
      throw new DefinitionError(
        'sample-cycle',
        `Sample generators read each other: ${[...path, source.id].join(' -> ')}.`,
        {
          domain: source.domain.name,
          source: source.name,
        },
      );
    }
    state.set(source.id, 'visiting');
    for (const id of source.sampleAfter) {
      const upstream = byId.get(id);
      if (upstream) visit(upstream, [...path, source.id]);
    }
    state.set(source.id, 'done');
    ordered.push(source);
  };
  for (const source of sources) visit(source, []);
  return ordered;
}

/** The largest sample: scale 1,000 is about 100 million order lines, more than one machine builds in minutes. */
const MAX_SCALE = 1000;

export function seedOptionsOf(
  values: Record<string, unknown>,
): Pick<SeedOptions, 'scale' | 'seed' | 'sample'> {
  const scale = numberFlag(values.scale, 'scale', 1);
  if (scale > MAX_SCALE) {
    throw new UsageError(
      'bad-arguments',
      `--scale ${values.scale} is more than the sample generators support (at most ${MAX_SCALE}: about ${(MAX_SCALE * 100_000).toLocaleString('en-US')} order lines; scale 100 is about 10 million).`,
    );
  }
  return {
    scale,
    seed: numberFlag(values.seed, 'seed', 42, { integer: true }),
    sample: (values.sample as string[] | undefined) ?? [],
  };
}

export function seedReport(results: readonly SeededSource[]): string {
  const lines = [
    table(
      ['SOURCE', 'ROWS', 'SAMPLE'],
      results.map((r) => [
        r.source,
        r.status === 'refused' ? '-' : formatInt(r.rows),
        r.status === 'seeded'
          ? `seeded in ${formatMs(r.durationMs)}`
          : r.status === 'refused'
            ? color.yellow('refused')
            : color.dim(r.status === 'kept' ? 'kept' : 'real data'),
      ]),
    ),
  ];
  for (const r of results)
    if (r.status === 'refused') lines.push(`${color.yellow('!')} ${r.source}: ${r.reason}`);
  return lines.join('\n');
}

export async function run(
  values: Record<string, unknown> & GlobalOptions,
  names: string[],
  io: Io,
): Promise<number> {
  const options = { ...seedOptionsOf(values), domains: names };
  const started = performance.now();
  const mesh = await loadMesh(values);
  const results = await withWarehouse(values, (warehouse) => seedMesh(warehouse, mesh, options, io), {
    create: true,
  });
  const rows = results.filter((r) => r.status === 'seeded').reduce((a, r) => a + r.rows, 0);
  // Sources asked for by name that could not be seeded: the command did not do what was asked.
  const refused = names.length ? results.find((r) => r.status === 'refused') : undefined;
  const ms = performance.now() - started;
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          ...options,
          sources: results,
          totals: { rows, durationMs: Math.round(ms) },
          ...withError(
            refused && {
              code: 'seed-refused',
              message: `${refused.source} was not seeded: ${refused.reason}.`,
              subject: { domain: refused.source.split('.')[0], source: refused.source.split('.')[1] },
            },
          ),
        },
        null,
        2,
      ),
    );
  } else {
    io.out(seedReport(results));
    io.out(
      `\nSeeded ${formatInt(rows)} rows in ${formatMs(ms)} (scale ${options.scale}, seed ${options.seed}).`,
    );
  }
  return refused ? 1 : 0;
}
