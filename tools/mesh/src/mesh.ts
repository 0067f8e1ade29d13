import * as customerDomain from '@retail-mesh/domain-customer';
import * as marketingDomain from '@retail-mesh/domain-marketing';
import * as orderDomain from '@retail-mesh/domain-order';
import * as productDomain from '@retail-mesh/domain-product';
import * as storeDomain from '@retail-mesh/domain-store';
import {
  type DataProduct,
  type Domain,
  type MeshDefinition,
  type Source,
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
  return {
    domains: packages.map((p) => p.domain),
    sources: packages.flatMap((p) => p.sources),
    products: packages.flatMap((p) => p.products),
  };
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
