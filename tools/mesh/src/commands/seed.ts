import {
  DefinitionError,
  loadSample,
  type MeshDefinition,
  type Source,
  UsageError,
  type Warehouse,
} from '@retail-mesh/sdk';
import { type GlobalOptions, type Io, withWarehouse } from '../context.js';
import { loadMesh } from '../mesh.js';
import { color, formatInt, formatMs, table } from '../style.js';
import { numberFlag } from './options.js';

export interface SeedOptions {
  scale: number;
  seed: number;
  /** Only these domains' sources; all when empty. */
  domains?: readonly string[];
  /** Only sources with no rows yet. */
  onlyEmpty?: boolean;
}

export interface SeededSource {
  readonly source: string;
  readonly rows: number;
  readonly durationMs: number;
  readonly skipped: boolean;
}

/** Generates every selected source's sample inside the warehouse. */
export async function seedMesh(
  warehouse: Warehouse,
  mesh: MeshDefinition,
  options: SeedOptions,
  io?: Io,
): Promise<SeededSource[]> {
  const known = new Set(mesh.domains.map((d) => d.name));
  for (const d of options.domains ?? []) {
    if (!known.has(d))
      throw new UsageError('unknown-domain', `No domain is named ${d}. Known: ${[...known].join(', ')}.`);
  }
  const sources = sampleOrder(
    mesh.sources.filter(
      (s: Source) => s.sample && (!options.domains?.length || options.domains.includes(s.domain.name)),
    ),
  );
  // A generator reads the sources it references: they must be seeded, now or before.
  const seeding = new Set(sources.map((s) => s.id));
  for (const source of sources) {
    for (const needed of source.sampleAfter) {
      if (seeding.has(needed)) continue;
      const upstream = mesh.sources.find((s) => s.id === needed);
      const stats = upstream && (await warehouse.tableStats(upstream.table));
      if (!stats?.rowCount) {
        throw new UsageError(
          'seed-order',
          `${source.id} references ${needed}, which has no rows: seed ${needed.split('.')[0]} first (or seed everything).`,
          { domain: source.domain.name, source: source.name },
        );
      }
    }
  }
  const results: SeededSource[] = [];
  for (const [i, source] of sources.entries()) {
    const id = `${source.domain.name}.${source.name}`;
    if (options.onlyEmpty) {
      const stats = await warehouse.tableStats(source.table);
      if (stats && stats.rowCount > 0) {
        results.push({ source: id, rows: stats.rowCount, durationMs: 0, skipped: true });
        continue;
      }
    }
    io?.progress.step(`seeding ${id} (${i + 1}/${sources.length})`);
    const started = performance.now();
    const { rowCount } = await loadSample(warehouse, source, { scale: options.scale, seed: options.seed });
    results.push({ source: id, rows: rowCount, durationMs: performance.now() - started, skipped: false });
  }
  io?.progress.done();
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

export function seedOptionsOf(values: Record<string, unknown>): Pick<SeedOptions, 'scale' | 'seed'> {
  return {
    scale: numberFlag(values.scale, 'scale', 1),
    seed: numberFlag(values.seed, 'seed', 42, { integer: true }),
  };
}

export function seedReport(results: readonly SeededSource[]): string {
  return table(
    ['SOURCE', 'ROWS', 'TIME'],
    results.map((r) => [r.source, formatInt(r.rows), r.skipped ? color.dim('kept') : formatMs(r.durationMs)]),
  );
}

export async function run(
  values: Record<string, unknown> & GlobalOptions,
  names: string[],
  io: Io,
): Promise<number> {
  const options = { ...seedOptionsOf(values), domains: names };
  const started = performance.now();
  const results = await withWarehouse(values, (warehouse) => seedMesh(warehouse, loadMesh(), options, io));
  const rows = results.reduce((a, r) => a + r.rows, 0);
  const ms = performance.now() - started;
  if (values.json) {
    io.out(
      JSON.stringify({ ...options, sources: results, totals: { rows, durationMs: Math.round(ms) } }, null, 2),
    );
  } else {
    io.out(seedReport(results));
    io.out(
      `\nSeeded ${formatInt(rows)} rows in ${formatMs(ms)} (scale ${options.scale}, seed ${options.seed}).`,
    );
  }
  return 0;
}
