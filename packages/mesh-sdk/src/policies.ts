import type { DataProduct } from './data-product.js';
import type { Domain } from './domain.js';
import type { Subject } from './errors.js';
import { inputsOf } from './graph.js';
import type { Source } from './source.js';

/** One thing a definition does wrong or could do better. The CLI decides what is fatal. */
export interface Finding {
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly subject: Subject;
}

/** Everything the mesh is made of, as the policies see it. */
export interface MeshDefinition {
  readonly domains: readonly Domain[];
  readonly sources: readonly Source[];
  readonly products: readonly DataProduct[];
}

/**
 * A governance policy: a standard as code. Global policies apply to every domain; a domain
 * may add its own, never switch a global one off.
 */
export interface Policy {
  readonly code: string;
  readonly description: string;
  check(mesh: MeshDefinition): Finding[];
}

const about = (p: DataProduct, extra: Partial<Subject> = {}): Subject => ({
  domain: p.domain.name,
  product: p.name,
  ...extra,
});

function perProduct(
  code: string,
  description: string,
  severity: Finding['severity'],
  rule: (p: DataProduct) => Array<{ message: string; subject?: Partial<Subject> }>,
): Policy {
  return {
    code,
    description,
    check: (mesh) =>
      mesh.products.flatMap((p) =>
        rule(p).map((r) => ({ code, severity, message: r.message, subject: about(p, r.subject) })),
      ),
  };
}

/** The global standards every product meets. */
export const globalPolicies: readonly Policy[] = [
  perProduct('product-naming', 'Product names follow {domain}_{entity}.', 'error', (p) =>
    p.name.startsWith(`${p.domain.name}_`) && p.name.length > p.domain.name.length + 1
      ? []
      : [{ message: `${p.name} must be named ${p.domain.name}_<entity>.` }],
  ),
  perProduct('description-required', 'A product describes itself in a sentence.', 'error', (p) =>
    p.description.trim().length >= 10
      ? []
      : [{ message: `${p.id} needs a description of at least a sentence.` }],
  ),
  perProduct('column-description-required', 'Every column of a contract is described.', 'error', (p) =>
    p.columns
      .filter((c) => !c.description?.trim())
      .map((c) => ({
        message: `Column ${c.name} of ${p.id} has no description (.describe()).`,
        subject: { column: c.name },
      })),
  ),
  perProduct('consumers-required', 'A product names who consumes it.', 'error', (p) =>
    p.consumers.length
      ? []
      : [{ message: `${p.id} names no consumers; a product nobody uses should not be published.` }],
  ),
  perProduct('pii-not-public', 'PII columns are never in a public product.', 'error', (p) =>
    p.access === 'public'
      ? p.columns
          .filter((c) => c.pii)
          .map((c) => ({
            message: `${p.id} is public but column ${c.name} is PII; make the product restricted or drop the column.`,
            subject: { column: c.name },
          }))
      : [],
  ),
  perProduct(
    'gold-key-checks',
    'Gold products declare a key and check it unique and not null.',
    'error',
    (p) => {
      if (p.tier !== 'gold') return [];
      const keys = p.columns.filter((c) => c.key);
      if (!keys.length)
        return [{ message: `${p.id} is gold but declares no key column (.meta({ key: true })).` }];
      const blocking = (kind: string, column: string) =>
        p.checks.some((c) => c.kind === kind && c.column === column && c.severity === 'error') ||
        (kind === 'unique' &&
          keys.length > 1 &&
          // A combination of key columns only is unique on the whole key too.
          p.checks.some(
            (c) =>
              c.kind === 'unique_combination' &&
              c.severity === 'error' &&
              !!c.columns?.length &&
              c.columns.every((col) => keys.some((k) => k.name === col)),
          ));
      return keys.flatMap((k) =>
        (['unique', 'not_null'] as const)
          .filter((kind) => !blocking(kind, k.name))
          .map((kind) => ({
            message: `${p.id} is gold: key column ${k.name} needs a blocking ${kind} check.`,
            subject: { column: k.name },
          })),
      );
    },
  ),
  perProduct(
    'partition-column-temporal',
    'A product is partitioned by a date or timestamp column.',
    'error',
    (p) => {
      const column = p.partitionBy && p.columns.find((c) => c.name === p.partitionBy!.column);
      return column && column.type !== 'date' && column.type !== 'timestamp'
        ? [
            {
              message: `${p.id} is partitioned by ${column.name}, a ${column.type}; use a date or timestamp.`,
              subject: { column: column.name },
            },
          ]
        : [];
    },
  ),
  perProduct(
    'cluster-columns-clusterable',
    'A product is clustered by columns BigQuery can cluster by: no number (FLOAT64) column.',
    'error',
    // DuckDB keeps no clustering: without this, the first production build would find out.
    (p) =>
      p.clusterBy
        .map((name) => p.columns.find((c) => c.name === name)!)
        .filter((column) => column.type === 'number')
        .map((column) => ({
          message: `${p.id} is clustered by ${column.name}, a number (FLOAT64), which BigQuery cannot cluster by; cluster by a key, text, date, integer or decimal column.`,
          subject: { column: column.name },
        })),
  ),
  perProduct(
    'no-foreign-sources',
    "A product reads other domains' data through their products, never their raw sources.",
    'error',
    (p) =>
      inputsOf(p)
        .filter((r) => r.kind === 'source' && r.domain.name !== p.domain.name)
        .map((r) => ({
          message: `${p.id} reads ${r.domain.name}'s raw source ${r.name}; read one of its data products instead.`,
        })),
  ),
  perProduct('inputs-declared', 'Every relation a transform reads is a declared input.', 'error', (p) => {
    const declared = new Set(Object.values(p.inputs));
    return inputsOf(p)
      .filter((r) => !declared.has(r))
      .map((r) => ({ message: `${p.id} reads ${r.domain.name}.${r.name} without declaring it in inputs.` }));
  }),
  perProduct('sla-declared', 'Gold and silver products declare a freshness SLA.', 'warning', (p) =>
    p.tier !== 'bronze' && !p.sla.freshness
      ? [{ message: `${p.id} is ${p.tier} but declares no freshness SLA.` }]
      : [],
  ),
  {
    code: 'unique-product',
    description: 'Product names are unique across the mesh.',
    check: (mesh) => {
      const seen = new Map<string, DataProduct>();
      const findings: Finding[] = [];
      for (const p of mesh.products) {
        const other = seen.get(p.id);
        if (other && other !== p)
          findings.push({
            code: 'unique-product',
            severity: 'error',
            message: `Two products are named ${p.id}.`,
            subject: about(p),
          });
        seen.set(p.id, p);
      }
      return findings;
    },
  },
];

/**
 * Runs the global policies and any a domain adds, returning every finding.
 *
 * @example
 * const errors = checkMesh({ domains, sources, products }).filter((f) => f.severity === 'error');
 */
export function checkMesh(mesh: MeshDefinition, extra: readonly Policy[] = []): Finding[] {
  return [...globalPolicies, ...extra].flatMap((policy) => policy.check(mesh));
}
