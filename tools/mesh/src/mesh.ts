import { dirname, resolve, sep } from 'node:path';
import {
  closest,
  type DataProduct,
  DefinitionError,
  type Domain,
  type MeshDefinition,
  type Source,
  type Subject,
  UsageError,
} from '@retail-mesh/sdk';
import { importDomains } from './discovery.js';

/** What a domain package exports for the platform. */
export interface DomainPackage {
  readonly domain: Domain;
  readonly sources: readonly Source[];
  readonly products: readonly DataProduct[];
}

/**
 * The mesh as mesh.yaml lists its domains (`domains:`: workspace folders, or installed package
 * names), each loaded from wherever it is installed: the platform depends on none of them.
 *
 * @example
 * const mesh = await loadMesh(); // mesh.yaml here or above
 */
export async function loadMesh(options: { config?: string; cwd?: string } = {}): Promise<MeshDefinition> {
  return (await loadMeshPackages(options)).mesh;
}

const PACKAGES = new WeakMap<MeshDefinition, readonly MeshPackage[]>();
const ROOTS = new WeakMap<MeshDefinition, string>();

/** The folder of the mesh.yaml a mesh loaded by `loadMesh` came from (its drop zones are below it). */
export function meshRootOf(mesh: MeshDefinition): string | undefined {
  return ROOTS.get(mesh);
}

/** The packages a mesh loaded by `loadMesh` came from; none for a mesh made in code. */
export function meshPackages(mesh: MeshDefinition): readonly MeshPackage[] {
  return PACKAGES.get(mesh) ?? [];
}

/** A domain package of the mesh: where it is installed, its name and version, its domain. */
export interface MeshPackage {
  readonly folder: string;
  readonly name: string;
  readonly version: string;
  readonly domain: string;
  /** Under a node_modules: installed from a registry, not a folder of this workspace. */
  readonly installed: boolean;
}

/** The mesh and the packages it comes from, with the folder of the mesh.yaml listing them. */
export async function loadMeshPackages(
  options: { config?: string; cwd?: string } = {},
): Promise<{ mesh: MeshDefinition; packages: MeshPackage[]; root: string }> {
  const modules = await importDomains(options);
  const mesh = meshOf(
    modules.map((m) => m.module as unknown as DomainPackage),
    modules.map((m) => m.folder),
  );
  const packages = modules.map((m, i) => ({
    folder: m.folder,
    name: m.manifest.name,
    version: m.manifest.version,
    domain: mesh.domains[i]!.name,
    installed: m.folder.split(sep).includes('node_modules'),
  }));
  PACKAGES.set(mesh, packages);
  const root = dirname(modules[0]?.configFile ?? resolve('mesh.yaml'));
  ROOTS.set(mesh, root);
  return { mesh, packages, root };
}

/** The mesh these domain packages make, once each is checked to export what a domain package does. */
export function meshOf(packages: readonly DomainPackage[], names: readonly string[] = []): MeshDefinition {
  const mesh = {
    domains: packages.map((p) => p.domain),
    sources: packages.flatMap((p) => p.sources),
    products: packages.flatMap((p) => p.products),
  };
  refuseDanglingReferences(packages, mesh, names);
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
function refuseDanglingReferences(
  packages: readonly DomainPackage[],
  mesh: MeshDefinition,
  names: readonly string[],
): void {
  const fail = (message: string, subject: Subject = {}) => {
    throw new DefinitionError(
      'unknown-input',
      `${message}. Import the definition itself; undefined often means two modules import each other.`,
      subject,
    );
  };
  for (const [i, p] of packages.entries()) {
    if (kindOf(p?.domain) !== 'domain')
      fail(
        `Domain package ${names[i] ?? i + 1} of the mesh exports no domain (export const domain = defineDomain(...))`,
      );
    if (!Array.isArray(p.sources) || !Array.isArray(p.products))
      fail(`Domain package ${names[i] ?? i + 1} of the mesh exports no sources and products lists`, {
        domain: p.domain.name,
      });
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
      const known = [...mesh.domains.map((d) => d.name), ...mesh.products.map((p) => p.id)];
      // Bare product names are what is usually typed: nearest among them too.
      const guess = closest(name, [...known, ...mesh.products.map((p) => p.name)]);
      throw new UsageError(
        'unknown-product',
        `No domain or product is named ${name}. ${guess ? `Did you mean ${guess}?` : `Known: ${known.join(', ')}.`}`,
        { product: name },
      );
    }
    for (const m of matches) selected.add(m);
  }
  return [...selected];
}
