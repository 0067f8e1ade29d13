import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { DefinitionError, UsageError } from '@retail-mesh/sdk';
import { parse } from 'yaml';
import type { MeshPackage } from './mesh.js';

/**
 * The released contracts of the mesh's products: what `mesh contract diff` compares today's
 * with, and the shape a previous major keeps while it stays published. A domain package keeps
 * the contracts of its released version in `contracts/` (one `<product>.odcs.json` each,
 * written by `mesh contract release` when changesets bumps its version, and shipped with it).
 */
export type ContractDoc = Record<string, unknown>;

export interface ReleasedContracts {
  /** Where they come from, for a person: a folder, `git <ref>`, `npm <spec>`. */
  readonly from: string;
  readonly docs: ContractDoc[];
  /**
   * The domains the baseline speaks for: products of other domains are neither added nor
   * removed by it (a package version holds one domain). Every domain when undefined.
   */
  readonly domains?: ReadonlySet<string>;
  /** The version of the package a `<name>@<version>` baseline is. */
  readonly packageVersion?: { readonly name: string; readonly version: string };
}

/** The folder of a package that holds the contracts of its released version. */
export const RELEASED_FOLDER = 'contracts';

const parseContract = (text: string, file: string): ContractDoc => {
  try {
    return JSON.parse(text) as ContractDoc;
  } catch (cause) {
    throw new DefinitionError(
      'invalid-contract',
      `${file} is no JSON contract: ${(cause as Error).message}`,
      {
        file,
      },
    );
  }
};

/**
 * A previous major's last released contract, kept beside the released one while that major
 * stays published (`product_catalog.v1.odcs.json`): the shape of its view, not a release.
 */
export const PREVIOUS_MAJOR_FILE = /\.v(\d+)\.odcs\.json$/;

/** A path as a person reads it: from the working directory when it is under it. */
const shown = (path: string) => {
  const from = relative(process.cwd(), path);
  return from && !from.startsWith('..') ? from : path;
};

const isReleasedFile = (name: string) => name.endsWith('.odcs.json') && !PREVIOUS_MAJOR_FILE.test(name);

/**
 * Every released ODCS document (`*.odcs.json`) under a directory, at any depth. The same
 * contract twice (a package's `contracts/` and `dist/contracts/`) counts once; two different
 * contracts of one product are refused (`ambiguous-contract`): a release holds one, and which
 * of the two is the baseline would be a guess.
 */
export function contractsInDirectory(dir: string): ContractDoc[] {
  const found = new Map<string, { doc: ContractDoc; path: string }>();
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (isReleasedFile(entry.name)) {
        const doc = parseContract(readFileSync(path, 'utf8'), path);
        const id = `${String(doc.domain)}.${String(doc.name)}`;
        const first = found.get(id);
        if (!first) found.set(id, { doc, path });
        else if (JSON.stringify(first.doc) !== JSON.stringify(doc))
          throw new UsageError(
            'ambiguous-contract',
            `${shown(first.path)} and ${shown(path)} are two different contracts of ${id} (versions ${String(first.doc.version)} and ${String(doc.version)}): a release holds one; remove one, or give the folder of one release.`,
            { file: path, domain: String(doc.domain), product: String(doc.name) },
          );
      }
    }
  };
  walk(dir);
  return [...found.values()].map((f) => f.doc);
}

/** The released contracts each domain package keeps in its `contracts/` folder. */
export function releasedInPackages(packages: readonly MeshPackage[]): ReleasedContracts {
  return {
    from: `each domain package's ${RELEASED_FOLDER}/`,
    docs: packages.flatMap((p) => {
      const dir = join(p.folder, RELEASED_FOLDER);
      return existsSync(dir) ? contractsInDirectory(dir) : [];
    }),
  };
}

const git = (cwd: string, args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });

/** The released contracts as a git commit, tag or branch of the workspace holds them. */
export function releasedAtGitRef(
  ref: string,
  packages: readonly MeshPackage[],
  root: string,
): ReleasedContracts {
  const top = git(root, ['rev-parse', '--show-toplevel']).trim();
  const docs: ContractDoc[] = [];
  for (const p of packages.filter((p) => !p.installed)) {
    const dir = relative(top, join(p.folder, RELEASED_FOLDER)).split('\\').join('/');
    const files = git(top, ['ls-tree', '-r', '--name-only', ref, '--', dir])
      .split('\n')
      .filter((f) => isReleasedFile(f.slice(f.lastIndexOf('/') + 1)));
    for (const file of files)
      docs.push(parseContract(git(top, ['show', `${ref}:${file}`]), `${ref}:${file}`));
  }
  return { from: `git ${ref}`, docs };
}

/** A package version, as npm names one: `@retail-mesh/domain-product@1.2.0` or `@^1`. */
const PACKAGE_SPEC = /^((?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*)@([^\s/]+)$/i;

/**
 * The contracts a released version of a domain package ships (`contracts/`, else
 * `dist/contracts/`), fetched with `npm pack` from the registry npm is configured with.
 */
export function releasedInPackageVersion(spec: string, cwd: string): ReleasedContracts {
  const [, name] = PACKAGE_SPEC.exec(spec)!;
  const dir = mkdtempSync(join(tmpdir(), 'mesh-contracts-'));
  try {
    let packed: Array<{ filename: string; version: string }>;
    try {
      packed = JSON.parse(
        execFileSync('npm', ['pack', spec, '--json', '--pack-destination', dir], {
          cwd,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
    } catch (cause) {
      const stderr = String((cause as { stderr?: unknown }).stderr ?? '').trim();
      throw new UsageError(
        'bad-arguments',
        `--against ${spec}: npm cannot fetch that package version: ${stderr.split('\n').find((l) => /ERR!/.test(l) && !/A complete log/.test(l)) ?? stderr.split('\n')[0]}`,
      );
    }
    const tarball = join(dir, packed[0]!.filename);
    execFileSync('tar', ['-xzf', tarball, '-C', dir]);
    const inPackage = [RELEASED_FOLDER, 'dist/contracts']
      .map((d) => join(dir, 'package', d))
      .find((d) => existsSync(d) && statSync(d).isDirectory());
    const docs = inPackage ? contractsInDirectory(inPackage) : [];
    if (!docs.length)
      throw new UsageError('bad-arguments', `--against ${spec}: the package ships no *.odcs.json contract.`);
    return {
      from: `npm ${name}@${packed[0]!.version}`,
      docs,
      domains: new Set(docs.map((d) => String(d.domain))),
      packageVersion: { name: name!, version: packed[0]!.version },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What `--against` names: a directory of contracts, a package version (`<name>@<version>`), or
 * a git ref of the workspace. Without it, each domain package's released contracts.
 */
export function releasedContracts(
  against: string | undefined,
  packages: readonly MeshPackage[],
  root: string,
): ReleasedContracts {
  if (against === undefined) return releasedInPackages(packages);
  const dir = resolve(against);
  if (existsSync(dir) && statSync(dir).isDirectory()) {
    const docs = contractsInDirectory(dir);
    if (!docs.length)
      throw new UsageError('bad-arguments', `--against ${against}: no *.odcs.json contract there.`, {
        file: dir,
      });
    return { from: dir, docs };
  }
  if (PACKAGE_SPEC.test(against)) return releasedInPackageVersion(against, root);
  let commit = false;
  try {
    git(root, ['rev-parse', '--verify', '--quiet', `${against}^{commit}`]);
    commit = true;
  } catch {
    // Not a ref (or no git here): said below with the other two readings.
  }
  if (!commit)
    throw new UsageError(
      'bad-arguments',
      `--against ${against}: no such directory of released contracts, git ref or package version (<name>@<version>).`,
      { file: dir },
    );
  return releasedAtGitRef(against, packages, root);
}

/** The bump each package gets from the changesets waiting in `.changeset/` (the largest). */
export type Bump = 'major' | 'minor' | 'patch';

/** The pending changesets of the workspace at `root` (or above it): package name -> bump. */
export function pendingBumps(root: string): Map<string, Bump> {
  const bumps = new Map<string, Bump>();
  let dir = resolve(root);
  while (!existsSync(join(dir, '.changeset')) && resolve(dir, '..') !== dir) dir = resolve(dir, '..');
  const folder = join(dir, '.changeset');
  if (!existsSync(folder)) return bumps;
  const rank: Record<Bump, number> = { patch: 0, minor: 1, major: 2 };
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
    const text = readFileSync(join(folder, file), 'utf8');
    const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text)?.[1];
    if (front === undefined) continue;
    let listed: unknown;
    try {
      listed = parse(front);
    } catch (cause) {
      throw new DefinitionError(
        'invalid-changeset',
        `${join(folder, file)}: its front matter is no YAML: ${(cause as Error).message}`,
        { file: join(folder, file) },
      );
    }
    for (const [name, bump] of Object.entries((listed as Record<string, unknown>) ?? {}))
      if (bump === 'major' || bump === 'minor' || bump === 'patch')
        if (!bumps.has(name) || rank[bump] > rank[bumps.get(name)!]) bumps.set(name, bump);
  }
  return bumps;
}

const majorOf = (version: unknown) => Number(String(version ?? '0').split('.')[0]);

/**
 * The contract of the major a product keeps published beside its new one: the newest released
 * contract of the package (`<name>.odcs.json`, or a kept `<name>.v<major>.odcs.json`) under the
 * product's major version.
 */
export function previousMajorContract(
  folder: string,
  product: { name: string; version: string },
): ContractDoc | undefined {
  const dir = join(folder, RELEASED_FOLDER);
  if (!existsSync(dir)) return undefined;
  const candidates = readdirSync(dir)
    .filter(
      (f) =>
        f === `${product.name}.odcs.json` ||
        (f.startsWith(`${product.name}.v`) && PREVIOUS_MAJOR_FILE.test(f) && f.split('.').length === 4),
    )
    .map((f) => parseContract(readFileSync(join(dir, f), 'utf8'), join(dir, f)))
    .filter((d) => majorOf(d.version) < majorOf(product.version))
    .sort((a, b) => majorOf(b.version) - majorOf(a.version));
  return candidates[0];
}
