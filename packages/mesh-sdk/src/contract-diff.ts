/**
 * What changed between two releases of the mesh's contracts (ODCS documents as `odcsContract`
 * writes them), each change classified the way `buf breaking` classifies protobuf changes:
 * breaking when a consumer written against the old contract may fail or read wrong figures.
 */

import { durationSeconds } from './duration.js';

export type ContractChangeKind =
  | 'product-removed'
  | 'product-added'
  | 'column-removed'
  | 'column-added'
  | 'type-changed'
  | 'made-required'
  | 'made-nullable'
  | 'enum-value-removed'
  | 'enum-value-added'
  | 'key-changed'
  | 'access-narrowed'
  | 'classification-narrowed'
  | 'partitioning-changed'
  | 'description-changed'
  | 'check-added'
  | 'check-removed'
  | 'check-changed'
  | 'consumer-removed'
  | 'consumer-added'
  | 'sla-weakened'
  | 'sla-tightened'
  | 'tier-changed'
  | 'transform-changed';

export interface ContractChange {
  /** `domain.product`. */
  readonly product: string;
  readonly kind: ContractChangeKind;
  readonly column?: string;
  readonly breaking: boolean;
  /** What changed, for a person: `column unit_cost removed`. */
  readonly detail: string;
}

export interface ProductDiff {
  readonly product: string;
  readonly before: string | undefined;
  readonly after: string | undefined;
  readonly changes: readonly ContractChange[];
  /** A breaking change under the same major version: what a release must not publish. */
  readonly needsMajor: boolean;
  /**
   * Its transform changed under the same version: readers pinned to it would read other
   * figures with nothing to tell them. A release needs a version of its own (a minor at least).
   */
  readonly needsVersion: boolean;
}

const BREAKING: Record<ContractChangeKind, boolean> = {
  'product-removed': true,
  'product-added': false,
  'column-removed': true,
  'column-added': false,
  'type-changed': true,
  'made-required': true,
  'made-nullable': true,
  'enum-value-removed': true,
  'enum-value-added': false,
  'key-changed': true,
  'access-narrowed': true,
  'classification-narrowed': true,
  'partitioning-changed': true,
  'description-changed': false,
  'check-added': false,
  'check-removed': false,
  'check-changed': false,
  // A consumer of a restricted product loses its grant: its reads fail.
  'consumer-removed': true,
  'consumer-added': false,
  // Service levels are operational: said, so that readers relying on them know, but no reader
  // fails or reads other figures (the schema is the same).
  'sla-weakened': false,
  'sla-tightened': false,
  'tier-changed': false,
  // Not breaking by itself (the schema is the same), but a version of its own: see `needsVersion`.
  'transform-changed': false,
};

type Doc = Record<string, unknown>;
type Property = {
  name: string;
  logicalType?: string;
  physicalType?: string;
  required?: boolean;
  primaryKey?: boolean;
  primaryKeyPosition?: number;
  classification?: string;
  partitioned?: boolean;
  description?: string;
  customProperties?: Array<{ property: string; value: unknown }>;
  quality?: Array<{ name?: string }>;
};

const idOf = (doc: Doc) => `${String(doc.domain)}.${String(doc.name)}`;
const objectOf = (doc: Doc) => ((doc.schema as Doc[] | undefined) ?? [])[0] ?? {};
const propertiesOf = (doc: Doc) => (objectOf(doc).properties as Property[] | undefined) ?? [];
const custom = (doc: Doc, name: string) =>
  ((doc.customProperties as Array<{ property: string; value: unknown }> | undefined) ?? []).find(
    (p) => p.property === name,
  )?.value;
const enumOf = (p: Property) =>
  (p.customProperties?.find((c) => c.property === 'enum')?.value as string[] | undefined) ?? undefined;
/**
 * Each quality rule by name: what it asks as JSON, and apart its SQL, which a contract carries
 * only when exported for a warehouse (in that warehouse's dialect).
 */
const checksOf = (doc: Doc) =>
  new Map(
    [...propertiesOf(doc).flatMap((p) => p.quality ?? []), ...((objectOf(doc).quality as Doc[]) ?? [])].map(
      (q: Doc) => {
        const { sql, ...implementation } = (q.implementation as Doc | undefined) ?? {};
        const rule = JSON.stringify({ ...q, implementation: q.implementation ? implementation : undefined });
        return [String(q.name), { rule, sql: sql as string | undefined }] as const;
      },
    ),
  );
/** Whether a rule changed under its name: its SQL compared only where both contracts carry it. */
const ruleChanged = (a: { rule: string; sql?: string }, b: { rule: string; sql?: string }) =>
  a.rule !== b.rule || (a.sql !== undefined && b.sql !== undefined && a.sql !== b.sql);
const slaOf = (doc: Doc, property: string) =>
  ((doc.slaProperties as Array<{ property: string; value: unknown; unit?: string }> | undefined) ?? []).find(
    (p) => p.property === property,
  );
/**
 * The key: its `key` custom property, which names it primary or not (a key with a column that
 * may be NULL is no primary key); contracts released before it say it by `primaryKey` only.
 */
const keyOf = (doc: Doc) =>
  (custom(doc, 'key') as string[] | undefined) ??
  propertiesOf(doc)
    .filter((p) => p.primaryKey)
    .sort((a, b) => (a.primaryKeyPosition ?? 0) - (b.primaryKeyPosition ?? 0))
    .map((p) => p.name);
/** Who may read a product (its access model): a wider audience first. */
const ACCESS_RANK: Record<string, number> = { public: 0, restricted: 1, confidential: 2 };
/** Who may read a column (its ODCS classification): a wider audience first. */
const CLASSIFICATION_RANK: Record<string, number> = { public: 0, internal: 1, restricted: 2 };
/** How often a product is rebuilt: more often first. */
const FREQUENCY_RANK: Record<string, number> = { 'real-time': 0, hourly: 1, daily: 2 };
const major = (version: unknown) => Number(String(version ?? '0').split('.')[0]);

/** The changes of one product's contract, `before` to `after` (either may be absent). */
export function diffContract(before: Doc | undefined, after: Doc | undefined): ProductDiff {
  const product = idOf((after ?? before)!);
  const changes: ContractChange[] = [];
  const add = (kind: ContractChangeKind, detail: string, column?: string) =>
    changes.push({ product, kind, column, breaking: BREAKING[kind], detail });
  if (!after) add('product-removed', `product ${product} removed`);
  else if (!before) add('product-added', `product ${product} added`);
  else {
    const old = new Map(propertiesOf(before).map((p) => [p.name, p]));
    const now = new Map(propertiesOf(after).map((p) => [p.name, p]));
    for (const [name, p] of old) {
      const q = now.get(name);
      if (!q) {
        add('column-removed', `column ${name} removed`, name);
        continue;
      }
      if (p.logicalType !== q.logicalType || p.physicalType !== q.physicalType)
        add(
          'type-changed',
          `column ${name} changed type from ${p.physicalType ?? p.logicalType} to ${q.physicalType ?? q.logicalType}`,
          name,
        );
      if (!p.required && q.required) add('made-required', `column ${name} made required`, name);
      if (p.required && !q.required) add('made-nullable', `column ${name} may now be NULL`, name);
      const was = enumOf(p);
      const is = enumOf(q);
      if (was && is) {
        for (const v of was.filter((v) => !is.includes(v)))
          add('enum-value-removed', `column ${name} no longer takes the value ${v}`, name);
        for (const v of is.filter((v) => !was.includes(v)))
          add('enum-value-added', `column ${name} takes the new value ${v}`, name);
      }
      if (
        (CLASSIFICATION_RANK[q.classification ?? ''] ?? 0) >
        (CLASSIFICATION_RANK[p.classification ?? ''] ?? 0)
      )
        add(
          'classification-narrowed',
          `column ${name} classified ${q.classification} (was ${p.classification}): fewer may read it`,
          name,
        );
      if ((p.description ?? '') !== (q.description ?? ''))
        add('description-changed', `column ${name} described anew`, name);
    }
    for (const name of now.keys()) if (!old.has(name)) add('column-added', `column ${name} added`, name);
    if (JSON.stringify(before.description ?? null) !== JSON.stringify(after.description ?? null))
      add('description-changed', 'description changed');
    const keyBefore = keyOf(before).join(', ');
    const keyAfter = keyOf(after).join(', ');
    if (keyBefore !== keyAfter) add('key-changed', `key changed from (${keyBefore}) to (${keyAfter})`);
    const accessBefore = String(custom(before, 'accessModel') ?? '');
    const accessAfter = String(custom(after, 'accessModel') ?? '');
    if ((ACCESS_RANK[accessAfter] ?? 0) > (ACCESS_RANK[accessBefore] ?? 0))
      add('access-narrowed', `access changed from ${accessBefore} to ${accessAfter}: fewer may read it`);
    const partition = (doc: Doc) => JSON.stringify(custom(doc, 'partitionBy') ?? null);
    if (partition(before) !== partition(after))
      add('partitioning-changed', `partitioning changed from ${partition(before)} to ${partition(after)}`);
    // Consumers name who reads a restricted product: one no longer named loses its grant. Of a
    // public product everyone reads; of a confidential one, only its owners.
    const consumers = (doc: Doc) => (custom(doc, 'consumers') as string[] | undefined) ?? [];
    if (accessBefore === 'restricted' && accessAfter === 'restricted') {
      for (const c of consumers(before).filter((c) => !consumers(after).includes(c)))
        add('consumer-removed', `consumer ${c} no longer named: it may no longer read it`);
    }
    for (const c of consumers(after).filter((c) => !consumers(before).includes(c)))
      add('consumer-added', `consumer ${c} named`);
    diffSla(before, after, add);
    const tierBefore = String(custom(before, 'tier') ?? '');
    const tierAfter = String(custom(after, 'tier') ?? '');
    if (tierBefore !== tierAfter) add('tier-changed', `tier changed from ${tierBefore} to ${tierAfter}`);
    const checksBefore = checksOf(before);
    const checksAfter = checksOf(after);
    for (const [c, rule] of checksAfter) {
      const was = checksBefore.get(c);
      if (was === undefined) add('check-added', `check ${c} added`);
      else if (ruleChanged(was, rule))
        add('check-changed', `check ${c} changed: it may pass or fail on other rows`);
    }
    for (const c of checksBefore.keys()) if (!checksAfter.has(c)) add('check-removed', `check ${c} removed`);
    // Contracts released before transforms were fingerprinted carry none: nothing to compare.
    const transformBefore = custom(before, 'transform');
    const transformAfter = custom(after, 'transform');
    if (transformBefore !== undefined && transformAfter !== undefined && transformBefore !== transformAfter)
      add('transform-changed', 'its transform (SQL) changed: it may compute other figures');
  }
  const breaking = changes.some((c) => c.breaking);
  return {
    product,
    before: before ? String(before.version) : undefined,
    after: after ? String(after.version) : undefined,
    changes,
    // A removed product has no version of its own to bump: its package's major release says it.
    needsMajor: breaking && (!after || !before || major(after.version) <= major(before.version)),
    needsVersion:
      !!before &&
      !!after &&
      String(before.version) === String(after.version) &&
      changes.some((c) => c.kind === 'transform-changed'),
  };
}

/**
 * The service levels' changes: a freshness SLA longer or dropped, a rarer refresh, a lower
 * completeness or validity is a weaker promise; the reverse a tighter one.
 */
function diffSla(before: Doc, after: Doc, add: (kind: ContractChangeKind, detail: string) => void) {
  const say = (what: string, was: string | undefined, is: string | undefined, weaker: boolean) =>
    add(weaker ? 'sla-weakened' : 'sla-tightened', `${what} ${was ?? 'none'} to ${is ?? 'none'}`);
  const latency = (doc: Doc) => {
    const rule = slaOf(doc, 'latency');
    if (!rule) return undefined;
    const text = `${String(rule.value)}${rule.unit ?? ''}`;
    return { text, seconds: durationSeconds(text) ?? Number.POSITIVE_INFINITY };
  };
  const [lb, la] = [latency(before), latency(after)];
  if (lb?.text !== la?.text) {
    // No SLA promises nothing: as weak as can be.
    say('freshness SLA', lb?.text, la?.text, (la?.seconds ?? Infinity) > (lb?.seconds ?? Infinity) || !la);
  }
  const frequency = (doc: Doc) => String(slaOf(doc, 'frequency')?.value ?? '');
  const [fb, fa] = [frequency(before), frequency(after)];
  if (fb !== fa) say('refresh', fb, fa, (FREQUENCY_RANK[fa] ?? 3) > (FREQUENCY_RANK[fb] ?? 3));
  for (const ratio of ['completeness', 'validity'] as const) {
    const [rb, ra] = [slaOf(before, ratio)?.value, slaOf(after, ratio)?.value];
    if (rb === ra) continue;
    say(
      `${ratio} SLA`,
      rb === undefined ? undefined : String(rb),
      ra === undefined ? undefined : String(ra),
      Number(ra ?? 0) < Number(rb ?? 0),
    );
  }
}

/**
 * The ids (`domain.product`) of released contracts that carry no transform fingerprint
 * (released before it existed) while the current one does: a change of their SQL is not
 * compared until they are released again.
 */
export function unfingerprinted(before: readonly Doc[], after: readonly Doc[]): string[] {
  const now = new Map(after.map((d) => [idOf(d), d]));
  return before
    .filter((d) => custom(d, 'transform') === undefined && now.has(idOf(d)))
    .filter((d) => custom(now.get(idOf(d))!, 'transform') !== undefined)
    .map(idOf);
}

/** Every product's diff, matched by `domain.product`, in the order of `after` then removals. */
export function diffContracts(before: readonly Doc[], after: readonly Doc[]): ProductDiff[] {
  const old = new Map(before.map((d) => [idOf(d), d]));
  const now = new Map(after.map((d) => [idOf(d), d]));
  return [
    ...after.map((d) => diffContract(old.get(idOf(d)), d)),
    ...before.filter((d) => !now.has(idOf(d))).map((d) => diffContract(d, undefined)),
  ];
}
