import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DefinitionError, isMeshError } from '@retail-mesh/sdk';
import { CONFIG_FILE, loadConfig } from './config.js';

/**
 * The mesh's configuration file: the one named, else mesh.yaml in the working directory or
 * the nearest folder above it (as git finds its repository), so a command run inside a domain's
 * folder finds the mesh it belongs to.
 */
export function findConfigFile(file?: string, cwd = process.cwd()): string | undefined {
  if (file) return resolve(cwd, file);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** What `domains:` of mesh.yaml says, each entry resolved to a package folder. */
export interface DomainEntry {
  /** As written in mesh.yaml. */
  readonly entry: string;
  /** The package's folder. */
  readonly folder: string;
}

/** An entry that names folders (a path, or a glob ending in `/*`), not an installed package. */
const isFolder = (entry: string) =>
  entry.startsWith('.') || isAbsolute(entry) || (!entry.startsWith('@') && entry.includes('/'));

/**
 * The package folders of the mesh's domains, in the order mesh.yaml lists them: folders of
 * the workspace (`domains/product`, `domains/*`) relative to mesh.yaml, or package names
 * installed in a `node_modules` at or above it.
 */
export function domainFolders(entries: readonly string[], configFile: string): DomainEntry[] {
  const root = dirname(configFile);
  const refuse = (entry: string, why: string) =>
    new DefinitionError('unknown-domain-package', `${configFile}: domains: ${entry} ${why}`, {
      file: configFile,
      key: 'domains',
    });
  const found: DomainEntry[] = [];
  for (const entry of entries) {
    if (isFolder(entry)) {
      const glob = entry.endsWith('/*');
      const base = resolve(root, glob ? entry.slice(0, -2) : entry);
      if (!existsSync(base) || !statSync(base).isDirectory()) throw refuse(entry, `is no folder (${base}).`);
      const folders = glob
        ? readdirSync(base, { withFileTypes: true })
            .filter((d) => d.isDirectory() && existsSync(join(base, d.name, 'package.json')))
            .map((d) => join(base, d.name))
            .sort()
        : [base];
      if (!folders.length) throw refuse(entry, 'matches no folder holding a package.json.');
      for (const folder of folders) {
        if (!existsSync(join(folder, 'package.json')))
          throw refuse(entry, `has no package.json (${folder}).`);
        found.push({ entry, folder });
      }
    } else {
      let folder: string | undefined;
      for (let dir = root; ; dir = dirname(dir)) {
        const candidate = join(dir, 'node_modules', entry);
        if (existsSync(join(candidate, 'package.json'))) {
          folder = candidate;
          break;
        }
        if (dirname(dir) === dir) break;
      }
      if (!folder)
        throw refuse(entry, `is not installed: add it to the dependencies of ${root}/package.json.`);
      found.push({ entry, folder });
    }
  }
  // A folder listed twice (a glob and one of its folders) is one domain.
  return [...new Map(found.map((f) => [f.folder, f])).values()];
}

/** The file a package's `import` resolves to: its exports' `.` entry, else `main`. */
export function packageEntry(folder: string): string {
  const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
    name?: string;
    main?: string;
    exports?: string | Record<string, unknown>;
  };
  const dot =
    typeof manifest.exports === 'string'
      ? manifest.exports
      : (manifest.exports?.['.'] as string | Record<string, unknown> | undefined);
  const target =
    typeof dot === 'string' ? dot : (((dot?.import ?? dot?.default) as string | undefined) ?? manifest.main);
  if (!target)
    throw new DefinitionError(
      'unknown-domain-package',
      `${join(folder, 'package.json')} exports nothing to import (no exports "." and no main).`,
      { file: join(folder, 'package.json') },
    );
  return join(folder, target);
}

/**
 * Imports the domain packages mesh.yaml lists: each must export `domain`, `sources` and
 * `products` (what `defineDomain`, `defineSource` and `defineDataProduct` give). A package
 * not built yet says so.
 */
export async function importDomains(options: { config?: string; cwd?: string } = {}): Promise<
  Array<{
    folder: string;
    module: Record<string, unknown>;
    /** The package's name and version, from its package.json. */
    manifest: { name: string; version: string };
    /** The mesh.yaml that lists it. */
    configFile: string;
  }>
> {
  const cwd = options.cwd ?? process.cwd();
  const named = findConfigFile(options.config, cwd);
  // A configuration written for other targets lists no domains: the project's mesh.yaml (here
  // or above) says what they are.
  const project = findConfigFile(undefined, cwd);
  // Each file parsed once: the first that lists domains is the one read.
  const listed = [named, project]
    .filter((f): f is string => f !== undefined)
    .map((f) => ({ file: f, domains: loadConfig(f).config.domains }))
    .find((c) => c.domains?.length);
  if (!listed)
    throw new DefinitionError(
      'no-domains',
      named
        ? `${named}: lists no domains, and no ${CONFIG_FILE} here or above ${resolve(cwd)} does: add a domains: key with the domain packages (folders such as domains/*, or installed package names).`
        : `No ${CONFIG_FILE} here or above ${resolve(cwd)}: the mesh's domains are listed in its domains: key (run mesh in the mesh's repository, or give --config).`,
      named ? { file: named, key: 'domains' } : {},
    );
  const modules = [];
  for (const { folder } of domainFolders(listed.domains!, listed.file)) {
    const entry = packageEntry(folder);
    if (!existsSync(entry))
      throw new DefinitionError(
        'domain-not-built',
        `${entry} does not exist: build the domain package first (npx -y pnpm@10.34.9 build).`,
        { file: entry },
      );
    const { name = folder, version = '0.0.0' } = JSON.parse(
      readFileSync(join(folder, 'package.json'), 'utf8'),
    ) as { name?: string; version?: string };
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
    } catch (cause) {
      // A definition the SDK refused while the package loaded says so itself (exit 3). Anything
      // else thrown there (a check on a column its product lacks, a typo) is a definition
      // error of the package too: named, with where it was thrown, not a crash of the CLI.
      if (isMeshError(cause)) throw cause;
      const at = String((cause as Error)?.stack ?? '')
        .split('\n')
        .find((line) => /^\s+at /.test(line) && !line.includes('node:internal'));
      throw new DefinitionError(
        'domain-load-failed',
        `${name} (${entry}) failed to load: ${(cause as Error)?.message ?? String(cause)}${at ? ` (${at.trim()})` : ''}. Fix the domain package, build it, and run again.`,
        { file: entry, domain: name },
        { cause },
      );
    }
    modules.push({ folder, module, manifest: { name, version }, configFile: listed.file });
  }
  return modules;
}
