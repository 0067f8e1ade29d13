import { ansi } from './ansi-dialect.js';
import type { DataProduct } from './data-product.js';
import { DefinitionError } from './errors.js';
import { type Relation, relationId } from './relation.js';
import type { Source } from './source.js';
import { relationsOf, renderSql } from './sql.js';

/** Every relation a product reads: its declared inputs and whatever its transform interpolates. */
export function inputsOf(product: DataProduct): Relation[] {
  const found = new Map<string, Relation>();
  for (const r of [...Object.values(product.inputs), ...relationsOf(product.query)])
    found.set(`${r.kind}:${relationId(r)}`, r);
  return [...found.values()];
}

/** The products a product depends on directly. */
export function upstreamProducts(product: DataProduct): DataProduct[] {
  return inputsOf(product).filter((r): r is DataProduct => r.kind === 'data-product');
}

/** Products a product's checks compare with (`references`), besides its inputs: built first when planned together. */
export function checkedAgainst(product: DataProduct): DataProduct[] {
  const found = new Map<string, DataProduct>();
  for (const check of product.checks) {
    const r = check.reference?.relation;
    if (r && r.kind === 'data-product' && r.id !== product.id) found.set(r.id, r);
  }
  return [...found.values()];
}

/** Every source a product reads, directly or through the products it reads. */
export function sourcesOf(product: DataProduct, seen = new Set<string>()): Source[] {
  const found = new Map<string, Source>();
  for (const r of inputsOf(product)) {
    if (r.kind === 'source') found.set(r.id, r);
    else if (!seen.has(r.id)) {
      seen.add(r.id);
      for (const s of sourcesOf(r, seen)) found.set(s.id, s);
    }
  }
  return [...found.values()];
}

/** What two products of one id differ in (their inputs and transform, or their columns); undefined when alike. */
function definitionDifference(a: DataProduct, b: DataProduct): string | undefined {
  if (renderSql(a.query, ansi) !== renderSql(b.query, ansi)) return 'inputs or transform';
  if (JSON.stringify(a.columns) !== JSON.stringify(b.columns)) return 'columns';
  return undefined;
}

/** A build order: products in levels, each level depending only on earlier ones. */
export interface BuildPlan {
  readonly levels: readonly (readonly DataProduct[])[];
  readonly order: readonly DataProduct[];
  /** id -> ids of the products it reads. */
  readonly upstream: ReadonlyMap<string, readonly string[]>;
}

/**
 * Plans one DAG over products of every domain. Upstream products that are not in the list
 * are added, and so are the products their checks reference, so a plan always builds what it
 * needs. A cycle is a `DefinitionError` naming it.
 */
export function planBuild(products: readonly DataProduct[]): BuildPlan {
  const byId = new Map<string, DataProduct>();
  const add = (p: DataProduct) => {
    const existing = byId.get(p.id);
    if (existing && existing !== p && existing.version !== p.version) {
      throw new DefinitionError(
        'conflicting-versions',
        `${p.id} is present in versions ${existing.version} and ${p.version}; install one version of its domain package.`,
        { domain: p.domain.name, product: p.name },
      );
    }
    // Two copies of one package version are alike; two definitions under one id and version
    // are not (a product changed without a new version, while another package pins the older
    // copy): which one is built, and what lineage and contracts say, would not agree.
    const differs = existing && existing !== p ? definitionDifference(existing, p) : undefined;
    if (differs) {
      throw new DefinitionError(
        'conflicting-definitions',
        `${p.id} is defined twice in version ${p.version}, with other ${differs}: a product changed without a new version, or a package that pins an older copy of it. Give the changed definition a new version, or install one copy of its domain package.`,
        { domain: p.domain.name, product: p.name },
      );
    }
    if (existing) return;
    byId.set(p.id, p);
    upstreamProducts(p).forEach(add);
    // A reconciliation check needs the product it references published too.
    checkedAgainst(p).forEach(add);
  };
  products.forEach(add);

  const upstream = new Map<string, string[]>();
  for (const p of byId.values())
    upstream.set(
      p.id,
      upstreamProducts(p).map((u) => u.id),
    );

  // A reconciliation check reads the product it references: that one publishes first, when
  // both are built, but its failure does not stop this one (the check then sees what is published).
  const after = new Map<string, string[]>();
  for (const p of byId.values())
    after.set(
      p.id,
      checkedAgainst(p)
        .map((r) => r.id)
        .filter((id) => byId.has(id)),
    );
  const levels: DataProduct[][] = [];
  const done = new Set<string>();
  let remaining = [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  while (remaining.length) {
    let ready = remaining.filter(
      (p) => upstream.get(p.id)!.every((u) => done.has(u)) && after.get(p.id)!.every((u) => done.has(u)),
    );
    // Ordering by checks must never make a plan impossible: without it, inputs alone decide.
    if (!ready.length) ready = remaining.filter((p) => upstream.get(p.id)!.every((u) => done.has(u)));
    if (!ready.length) {
      const cycle = findCycle(
        remaining.map((p) => p.id),
        upstream,
      );
      throw new DefinitionError(
        'dependency-cycle',
        `Products depend on each other in a cycle: ${cycle.join(' -> ')}.`,
        { domain: byId.get(cycle[0]!)?.domain.name, product: byId.get(cycle[0]!)?.name ?? cycle[0] },
      );
    }
    levels.push(ready);
    for (const p of ready) done.add(p.id);
    remaining = remaining.filter((p) => !done.has(p.id));
  }
  return { levels, order: levels.flat(), upstream };
}

function findCycle(ids: string[], upstream: ReadonlyMap<string, readonly string[]>): string[] {
  const pending = new Set(ids);
  const path: string[] = [];
  const visiting = new Set<string>();
  const visit = (id: string): string[] | undefined => {
    if (visiting.has(id)) return [...path.slice(path.indexOf(id)), id];
    if (!pending.has(id)) return undefined;
    visiting.add(id);
    path.push(id);
    for (const u of upstream.get(id) ?? []) {
      const cycle = visit(u);
      if (cycle) return cycle;
    }
    path.pop();
    visiting.delete(id);
    pending.delete(id);
    return undefined;
  };
  for (const id of ids) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return ids;
}

/** Every product downstream of `id`, transitively. */
export function downstreamOf(plan: BuildPlan, id: string): Set<string> {
  const result = new Set<string>();
  let frontier = [id];
  while (frontier.length) {
    const next: string[] = [];
    for (const [p, ups] of plan.upstream) {
      if (!result.has(p) && ups.some((u) => frontier.includes(u))) {
        result.add(p);
        next.push(p);
      }
    }
    frontier = next;
  }
  return result;
}
