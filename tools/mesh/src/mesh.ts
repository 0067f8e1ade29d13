import * as customerDomain from '@retail-mesh/domain-customer';
import * as marketingDomain from '@retail-mesh/domain-marketing';
import * as orderDomain from '@retail-mesh/domain-order';
import * as productDomain from '@retail-mesh/domain-product';
import * as storeDomain from '@retail-mesh/domain-store';
import {
  type DataProduct,
  DefinitionError,
  type Domain,
  type MeshDefinition,
  type Source,
  type Subject,
  UsageError,
} from '@retail-mesh/sdk';

/** What a domain package exports for the platform. */
export interface DomainPackage {
  readonly domain: Domain;
  readonly sources: readonly Source[];
  readonly products: readonly DataProduct[];
}

/** The domain packages this mesh is made of, at the versions installed. */
export const DOMAIN_PACKAGES: readonly DomainPackage[] = [
  productDomain,
  customerDomain,
  storeDomain,
  orderDomain,
  marketingDomain,
];

export function loadMesh(packages: readonly DomainPackage[] = DOMAIN_PACKAGES): MeshDefinition {
  const mesh = {
    domains: packages.map((p) => p.domain),
    sources: packages.flatMap((p) => p.sources),
    products: packages.flatMap((p) => p.products),
  };
  refuseDanglingReferences(packages, mesh);
  return mesh;
}

const kindOf = (value: unknown) =>
  typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;

const what = (value: unknown) =>
  value === undefined || value === null ? String(value) : `a ${typeof value}, not a source or data product`;

/**
 * References the SDK's types promise but JavaScript does not: a domain, source, product or
 * input that is `undefined` (two modules importing each other, an export renamed) would
 * otherwise surface far away as "cannot read properties of undefined".
 */
function refuseDanglingReferences(packages: readonly DomainPackage[], mesh: MeshDefinition): void {
  const fail = (message: string, subject: Subject = {}) => {
    throw new DefinitionError(
      'unknown-input',
      `${message}. Import the definition itself; undefined often means two modules import each other.`,
      subject,
    );
  };
  for (const [i, p] of packages.entries()) {
    if (kindOf(p?.domain) !== 'domain') fail(`Domain package ${i + 1} of the mesh exports no domain`);
    for (const s of p.sources ?? [])
      if (kindOf(s) !== 'source')
        fail(`Domain ${p.domain.name} lists a source that is ${what(s)}`, { domain: p.domain.name });
    for (const product of p.products ?? [])
      if (kindOf(product) !== 'data-product')
        fail(`Domain ${p.domain.name} lists a product that is ${what(product)}`, { domain: p.domain.name });
  }
  for (const product of mesh.products) {
    for (const [name, input] of Object.entries(product.inputs)) {
      const kind = kindOf(input);
      if (kind !== 'source' && kind !== 'data-product')
        fail(`${product.id} reads input ${name}, which is ${what(input)}`, {
          domain: product.domain.name,
          product: product.name,
        });
    }
  }
}

/**
 * Products named on the command line: a domain (`product`), a product (`product_inventory`)
 * or both (`product.product_inventory`). No names means every product.
 */
export function selectProducts(mesh: MeshDefinition, names: readonly string[]): DataProduct[] {
  if (!names.length) return [...mesh.products];
  const selected = new Set<DataProduct>();
  for (const name of names) {
    const matches = mesh.products.filter((p) => p.id === name || p.name === name || p.domain.name === name);
    if (!matches.length) {
      const known = [...mesh.domains.map((d) => d.name), ...mesh.products.map((p) => p.id)].join(', ');
      throw new UsageError('unknown-product', `No domain or product is named ${name}. Known: ${known}.`, {
        product: name,
      });
    }
    for (const m of matches) selected.add(m);
  }
  return [...selected];
}
