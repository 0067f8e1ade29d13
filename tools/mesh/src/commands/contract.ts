import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { duckdbDialect } from '@retail-mesh/duckdb';
import {
  type ContractServer,
  checkMesh,
  contractFiles,
  DefinitionError,
  diffContracts,
  ensureDirectory,
  isMeshError,
  odcsContract,
  previousMajorView,
  UsageError,
  unfingerprinted,
} from '@retail-mesh/sdk';
import { loadConfig, type MeshConfig } from '../config.js';
import type { GlobalOptions, Io } from '../context.js';
import { loadMesh, loadMeshPackages, selectProducts } from '../mesh.js';
import { PREVIOUS_MAJOR_FILE, pendingBumps, RELEASED_FOLDER, releasedContracts } from '../released.js';

/** The servers of a contract: every target of mesh.yaml, as ODCS names them. */
export function contractServers(config: MeshConfig): ContractServer[] {
  return Object.entries(config.targets).map(([server, target]) =>
    target.type === 'bigquery'
      ? {
          server,
          type: 'bigquery',
          environment: server,
          project: target.project,
          datasetPrefix: target.datasetPrefix,
        }
      : { server, type: 'duckdb', environment: server, path: target.path },
  );
}

const USAGE =
  'mesh contract export [names...] [--out <dir>] | mesh contract diff [--against <dir | git ref | name@version>] | mesh contract release [names...]';

export async function run(
  values: GlobalOptions & { out?: string; against?: string },
  names: string[],
  io: Io,
): Promise<number> {
  const [action, ...rest] = names;
  if (action === 'diff') return diff(values, rest, io);
  if (action === 'release') return release(values, rest, io);
  if (action !== 'export')
    throw new UsageError(
      'bad-arguments',
      action
        ? `mesh contract has no action ${action}: use ${USAGE}.`
        : `mesh contract needs an action: ${USAGE}.`,
    );
  const { config } = loadConfig(values.config);
  const mesh = await loadMesh(values);
  // Two products of one name would write one file, the second over the first: refused, as
  // build, test and plan refuse them.
  const twins = checkMesh(mesh).filter((f) => f.code === 'unique-product');
  if (twins.length)
    throw new DefinitionError(
      'policy-violations',
      `${twins.map((f) => f.message).join(' ')} Their contracts would be one file: name one otherwise.`,
      twins[0]!.subject,
    );
  const products = selectProducts(mesh, rest);
  const servers = contractServers(config);
  const out = resolve(values.out ?? 'contracts');
  ensureDirectory(out, '--out');
  const written: Array<{ product: string; files: string[] }> = [];
  for (const product of products) {
    const dir = join(out, product.domain.name);
    ensureDirectory(dir, '--out');
    // Rendered for DuckDB, the default target: `expect` and `assert` checks carry their SQL.
    const files = contractFiles(product, { servers, dialect: duckdbDialect });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    written.push({ product: product.id, files: Object.keys(files).map((f) => join(dir, f)) });
  }
  if (values.json) io.out(JSON.stringify({ out, products: written }, null, 2));
  else
    io.out(
      `Wrote the contracts of ${written.length} products (ODCS v3.1.0 as YAML and JSON, and JSON Schema) to ${relative(process.cwd(), out) || '.'}.`,
    );
  return 0;
}

/** What a breaking change still lacks before it may be released. */
type Missing = 'product-version' | 'major-changeset' | 'previous-major' | 'new-version';

const majorOf = (version: string | undefined) => Number(String(version ?? '0').split('.')[0]);
/** `1.2.3` -> `1.3.0`. */
const nextMinor = (version: string | undefined) => {
  const [major = 0, minor = 0] = String(version ?? '0')
    .split('.')
    .map(Number);
  return `${major}.${minor + 1}.0`;
};

/**
 * Compares every product's contract with the released ones (by default the contracts each
 * domain package keeps for its released version; or a directory, a package version, a git
 * ref) and says what a breaking change still needs: a major version of the product, a major
 * changeset of its package, and its previous major kept published until an announced date.
 * Exit 1 while any is missing: this is the gate CI runs.
 */
async function diff(values: GlobalOptions & { against?: string }, names: string[], io: Io): Promise<number> {
  if (names.length)
    throw new UsageError('bad-arguments', `mesh contract diff takes no names (got ${names.join(' ')}).`);
  const { mesh, packages, root } = await loadMeshPackages(values);
  const released = releasedContracts(values.against, packages, root);
  const current = mesh.products
    .filter((p) => !released.domains || released.domains.has(p.domain.name))
    .map((p) => odcsContract(p));
  const bumps = pendingBumps(root);
  const diffs = diffContracts(released.docs, current)
    .filter((d) => d.changes.length)
    .map((d) => {
      const domain = d.product.split('.')[0]!;
      const pkg = packages.find((p) => p.domain === domain);
      const product = mesh.products.find((p) => p.id === d.product);
      const missing: Missing[] = [];
      const problems: string[] = [];
      if (d.changes.some((c) => c.breaking)) {
        const newMajor =
          d.before !== undefined && d.after !== undefined && majorOf(d.after) > majorOf(d.before);
        if (d.before !== undefined && d.after !== undefined && !newMajor) missing.push('product-version');
        const releasedPackage = released.packageVersion;
        const packageMajor =
          bumps.get(pkg?.name ?? '') === 'major' ||
          (releasedPackage !== undefined &&
            releasedPackage.name === pkg?.name &&
            majorOf(pkg.version) > majorOf(releasedPackage.version));
        // An installed package is released by its own team; this workspace cannot add its changeset.
        if (pkg && !pkg.installed && !packageMajor) missing.push('major-changeset');
        if (newMajor && product) {
          if (!product.previousMajor) missing.push('previous-major');
          else {
            const before = released.docs.find((doc) => `${doc.domain}.${doc.name}` === d.product);
            try {
              previousMajorView(product, before, duckdbDialect);
            } catch (cause) {
              if (!isMeshError(cause)) throw cause;
              problems.push(cause.message);
            }
          }
        }
      }
      // The same schema computed otherwise: any newer version tells readers (a minor at least);
      // a breaking change already asks for a major one.
      if (d.needsVersion && !missing.includes('product-version')) missing.push('new-version');
      return { ...d, package: pkg?.name, missing, problems };
    });
  const blocked = diffs.filter((d) => d.missing.length || d.problems.length);
  const notCompared = unfingerprinted(released.docs, current);
  const todo = (d: (typeof diffs)[number]) => [
    ...d.missing.map((m) =>
      m === 'product-version'
        ? `give ${d.product} version ${majorOf(d.before) + 1}.0.0`
        : m === 'major-changeset'
          ? `add a major changeset for ${d.package} (npx -y pnpm@10.34.9 changeset)`
          : m === 'new-version'
            ? `give ${d.product} a version after ${d.before} (${nextMinor(d.before)} if its figures keep their meaning, ${majorOf(d.before) + 1}.0.0 if readers must change)`
            : `keep version ${d.before} published beside it until an announced date (previousMajor: { until: 'YYYY-MM-DD' } in its definition)`,
    ),
    ...d.problems,
  ];
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          against: released.from,
          products: diffs,
          unfingerprinted: notCompared,
          ...(blocked.length
            ? {
                error: blocked.some((d) => d.changes.some((c) => c.breaking))
                  ? {
                      code: 'breaking-change',
                      message: `${blocked.length === 1 ? '1 product changes' : `${blocked.length} products change`} in a breaking way without what a breaking change needs.`,
                      subject: { product: blocked.find((d) => d.changes.some((c) => c.breaking))!.product },
                    }
                  : {
                      code: 'unversioned-change',
                      message: `${blocked.length === 1 ? "1 product's transform changes" : `${blocked.length} products' transforms change`} under a version already released.`,
                      subject: { product: blocked[0]!.product },
                    },
              }
            : {}),
        },
        null,
        2,
      ),
    );
  } else {
    if (!diffs.length) io.out(`No contract changed (against ${released.from}).`);
    for (const d of diffs) {
      io.out(`${d.product} ${d.before ?? '(new)'} -> ${d.after ?? '(removed)'}`);
      // A transform changed under a released version is not breaking, nor safe to release as is.
      const label = (c: (typeof d.changes)[number]) =>
        c.breaking ? 'BREAKING' : c.kind === 'transform-changed' && d.needsVersion ? 'VERSION ' : 'safe    ';
      for (const c of d.changes) io.out(`  ${label(c)} ${c.detail}`);
    }
    for (const d of blocked) {
      // Every breaking change, so the author fixes (or versions) them all at once.
      const breaking = d.changes.filter((c) => c.breaking);
      const changes = breaking.length ? breaking : d.changes.filter((c) => c.kind === 'transform-changed');
      const what = breaking.length
        ? `${breaking.length === 1 ? 'a breaking change' : `${breaking.length} breaking changes`}${d.before ? ` from version ${d.before}` : ''}`
        : `under version ${d.before}, already released`;
      io.err(`${d.product}: ${changes.map((c) => c.detail).join(', ')}, ${what}: ${todo(d).join('; ')}.`);
    }
    // Said, or a changed transform of a product released before fingerprints would pass unseen.
    if (notCompared.length)
      io.err(
        `note: ${notCompared.length === 1 ? `the released contract of ${notCompared[0]} carries` : `${notCompared.length} released contracts (${notCompared.slice(0, 3).join(', ')}${notCompared.length > 3 ? ', ...' : ''}) carry`} no transform fingerprint (released before it existed): a change of their SQL is not compared until they are released again (mesh contract release).`,
      );
  }
  return blocked.length ? 1 : 0;
}

/**
 * Writes each workspace domain package's contracts as released (`contracts/<product>.odcs.json`):
 * run when changesets bumps the versions (`version-packages`). A product's previous major is
 * kept (`<product>.v<major>.odcs.json`) while the product keeps it published.
 */
async function release(values: GlobalOptions, names: string[], io: Io): Promise<number> {
  const { mesh, packages } = await loadMeshPackages(values);
  const chosen = new Set(selectProducts(mesh, names).map((p) => p.id));
  const written: string[] = [];
  for (const pkg of packages.filter((p) => !p.installed)) {
    const products = mesh.products.filter((p) => p.domain.name === pkg.domain && chosen.has(p.id));
    if (!products.length) continue;
    const dir = join(pkg.folder, RELEASED_FOLDER);
    ensureDirectory(dir, 'contracts');
    for (const product of products) {
      const file = join(dir, `${product.name}.odcs.json`);
      const before = existsSync(file)
        ? (JSON.parse(readFileSync(file, 'utf8')) as { version?: string })
        : undefined;
      if (before && majorOf(before.version) < majorOf(product.version) && product.previousMajor)
        writeFileSync(join(dir, `${product.name}.v${majorOf(before.version)}.odcs.json`), readFileSync(file));
      for (const kept of readdirSync(dir).filter(
        (f) => f.startsWith(`${product.name}.v`) && PREVIOUS_MAJOR_FILE.test(f),
      ))
        if (!product.previousMajor) rmSync(join(dir, kept));
      writeFileSync(file, contractFiles(product)[`${product.name}.odcs.json`]!);
      written.push(file);
    }
    // A product the package no longer has is no longer released by it.
    if (!names.length)
      for (const f of readdirSync(dir))
        if (f.endsWith('.odcs.json') && !products.some((p) => f.startsWith(`${p.name}.`)))
          rmSync(join(dir, f));
  }
  if (values.json) io.out(JSON.stringify({ files: written }, null, 2));
  else
    io.out(
      `Wrote the released contracts of ${written.length} products (each domain package's ${RELEASED_FOLDER}/).`,
    );
  return 0;
}
