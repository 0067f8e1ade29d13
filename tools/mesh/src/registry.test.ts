import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRegistry, startRegistry } from './testing/local-registry.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const MESH = join(repo, 'tools', 'mesh', 'bin', 'mesh.js');
const CHANGESET = join(repo, 'node_modules', '.bin', 'changeset');
const TSC = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const PNPM = ['-y', '-p', 'pnpm@10.34.9'];
const SCOPE = '@retail-mesh';

const dir = mkdtempSync(join(tmpdir(), 'mesh-registry-'));
let registry: LocalRegistry | undefined;
afterAll(async () => {
  try {
    await registry?.stop();
    if (registry) forgetCachedPackuments(registry.url);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  dist?: { tarball: string; integrity: string };
}
const read = (file: string): Manifest => JSON.parse(readFileSync(file, 'utf8'));

const all = ['packages', 'domains', 'tools'].flatMap((group) =>
  readdirSync(join(repo, group))
    .map((name) => join(repo, group, name))
    .filter((pkg) => existsSync(join(pkg, 'package.json')))
    .map((pkg) => ({ dir: pkg, manifest: read(join(pkg, 'package.json')) })),
);
/** What `changeset publish` publishes: every package of the workspace that is not private. */
const workspace = all.filter(({ manifest }) => !manifest.private);
// Private ones too: a published devDependency may name one.
const versionOf = (name: string) => all.find((p) => p.manifest.name === name)?.manifest.version;

/**
 * The environment less what npm, npx or pnpm set for the process that started the tests: their
 * `npm_config_userconfig` is the user's ~/.npmrc, and their registry settings would win over ours.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm|pnpm)_/i.test(key)));
}

// spawnSync blocks the event loop, so a vitest timeout cannot end a hung command: each has its own.
const run = (cwd: string, command: string, args: string[], env = cleanEnv(), timeout = 90_000) => {
  const r = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...env, NO_COLOR: '1' },
    timeout,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}${r.error ?? ''}`, stdout: r.stdout };
};

async function registryJson<T>(path: string): Promise<T> {
  const response = await registry!.request(path);
  expect(response.status, path).toBe(200);
  return response.json<T>();
}

interface Packument {
  'dist-tags': Record<string, string>;
  versions: Record<string, Manifest>;
}
const packument = (name: string) => registryJson<Packument>(name.replace('/', '%2f'));

/**
 * Removes the registry's packuments from npm's default cache: a later run that gets the same
 * port would otherwise be served them by --prefer-offline, with the integrity of this run's
 * tarballs.
 */
function forgetCachedPackuments(url: string) {
  const listed = run(dir, 'npm', ['cache', 'ls'], cleanEnv(), 30_000);
  const keys = listed.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((key) => key.includes(url));
  if (keys.length) run(dir, 'npm', ['cache', 'clean', ...keys], cleanEnv(), 30_000);
}

describe('a release through a registry', () => {
  let publishEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    registry = await startRegistry(join(dir, 'registry'), SCOPE);
    const token = await registry.addUser('retail-mesh-release', `release-${process.pid}-${Date.now()}`);
    // A userconfig of its own, so that publishing never reads the user's ~/.npmrc (and its
    // tokens) and knows no registry but this one: the only credential it holds is for it.
    const userconfig = join(dir, 'publish.npmrc');
    writeFileSync(
      userconfig,
      [
        `registry=${registry.url}`,
        `${SCOPE}:registry=${registry.url}`,
        `${registry.authKey}:_authToken=${token}`,
        '',
      ].join('\n'),
    );
    // changeset publish runs `pnpm publish` found on PATH; pnpm is not installed globally here.
    const pnpm = run(dir, 'npx', [...PNPM, '-c', 'command -v pnpm']);
    expect(pnpm.code, pnpm.out).toBe(0);
    publishEnv = {
      ...cleanEnv(),
      PATH: `${dirname(pnpm.stdout.trim())}${delimiter}${process.env.PATH}`,
      npm_config_userconfig: userconfig,
      // The environment wins over a project's .npmrc, so a registry added to the repository's
      // could not take the release elsewhere; changesets reads both variables too.
      npm_config_registry: registry.url,
      [`npm_config_${SCOPE}:registry`]: registry.url,
    };
  }, 60_000);

  it('refuses to publish without a token', async () => {
    const response = await registry!.request(`${SCOPE}%2fanonymous`, {
      method: 'PUT',
      body: { name: `${SCOPE}/anonymous`, versions: {} },
    });
    expect([401, 403]).toContain(response.status);
  });

  it('publishes every package with changeset publish: workspace ranges become versions, no tag is made', async () => {
    expect(workspace.map((p) => p.manifest.name)).toContain(`${SCOPE}/domain-product`);
    for (const { dir: pkg, manifest } of workspace)
      expect(existsSync(join(pkg, 'dist')), `${manifest.name} is not built: run the build first`).toBe(true);
    const git = (...args: string[]) => run(repo, 'git', args).stdout;
    const before = { head: git('rev-parse', 'HEAD'), tags: git('tag', '--list') };

    // pnpm publish (what changesets runs in a pnpm workspace) packs with workspace: ranges
    // rewritten, then uploads the tarball with `npm publish`: both read publishEnv.
    const publish = run(repo, CHANGESET, ['publish', '--no-git-tag'], publishEnv, 80_000);
    expect(publish.code, `${publish.out}\n--- registry:\n${registry!.output()}`).toBe(0);
    expect({ head: git('rev-parse', 'HEAD'), tags: git('tag', '--list') }).toEqual(before);

    for (const { manifest } of workspace) {
      const published = (await packument(manifest.name)).versions[manifest.version];
      expect(published, `${manifest.name}@${manifest.version} is on the registry`).toBeDefined();
      for (const field of [
        'dependencies',
        'devDependencies',
        'peerDependencies',
        'optionalDependencies',
      ] as const)
        for (const [name, range] of Object.entries(published?.[field] ?? {})) {
          expect(range, `${manifest.name} ${field} ${name}`).not.toMatch(/^workspace:/);
          if (name.startsWith(`${SCOPE}/`))
            expect(range, `${manifest.name} ${field}`).toBe(`^${versionOf(name)}`);
        }
    }
  }, 90_000);

  it('serves domain-product with real ranges and its contracts in the tarball', async () => {
    const name = `${SCOPE}/domain-product`;
    const local = workspace.find((p) => p.manifest.name === name)!.manifest;
    const published = (await packument(name)).versions[local.version]!;
    expect(Object.keys(published.dependencies ?? {}).sort()).toEqual(
      Object.keys(local.dependencies ?? {}).sort(),
    );
    expect(published.dependencies).toMatchObject({ [`${SCOPE}/sdk`]: `^${versionOf(`${SCOPE}/sdk`)}` });
    for (const range of Object.values(published.dependencies ?? {}))
      expect(range).toMatch(/^[\^~]?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);

    const tarballUrl = published.dist!.tarball;
    expect(tarballUrl.startsWith(registry!.url), tarballUrl).toBe(true);
    const response = await registry!.request(tarballUrl.slice(registry!.url.length));
    expect(response.status).toBe(200);
    const tarball = join(dir, 'domain-product.tgz');
    writeFileSync(tarball, response.body);
    const listing = run(dir, 'tar', ['-tzf', tarball]);
    expect(listing.code, listing.out).toBe(0);
    const files = listing.stdout.split('\n');
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/dist/contracts/product_catalog.odcs.yaml');
    // The contracts of the released version, what a later release is diffed against.
    expect(files).toContain('package/contracts/product_catalog.odcs.json');
    // What npm installs is the tarball's package.json: it must carry the rewritten ranges too.
    const inside = run(dir, 'tar', ['-xzOf', tarball, 'package/package.json']);
    expect(JSON.parse(inside.stdout).dependencies).toEqual(published.dependencies);
  }, 30_000);

  it('diffs the contracts against the published version of a package (mesh contract diff --against name@version)', () => {
    const name = `${SCOPE}/domain-product`;
    const env = {
      ...cleanEnv(),
      npm_config_registry: registry!.url,
      [`npm_config_${SCOPE}:registry`]: registry!.url,
    };
    const diff = run(
      repo,
      process.execPath,
      [MESH, 'contract', 'diff', '--against', `${name}@${versionOf(name)}`, '--json'],
      env,
    );
    expect(diff.code, diff.out).toBe(0);
    const json = JSON.parse(diff.stdout);
    expect(json.against).toBe(`npm ${name}@${versionOf(name)}`);
    // Only the package's own domain is compared (the other domains are neither added nor
    // removed), against what it released: the same as against the contracts it keeps.
    const kept = JSON.parse(run(repo, process.execPath, [MESH, 'contract', 'diff', '--json'], env).stdout);
    expect(json.products).toEqual(kept.products.filter((p: { package: string }) => p.package === name));
    const missing = run(
      repo,
      process.execPath,
      [MESH, 'contract', 'diff', '--against', `${name}@99.0.0`],
      env,
    );
    expect(missing.code).toBe(2);
    expect(missing.out).toContain(`--against ${name}@99.0.0: npm cannot fetch that package version`);
  }, 60_000);

  describe('an npm consumer outside the workspace', () => {
    const consumer = join(dir, 'consumer');
    const tsc = (project: string) => run(consumer, process.execPath, [TSC, '-p', project]);

    it('installs the published packages, compiles against them under node16 and reads typed rows', async () => {
      expect(relative(repo, consumer)).toMatch(/^\.\./);
      // The warehouse a team has after `mesh up`, small.
      const db = join(dir, 'mesh.duckdb');
      const up = run(repo, process.execPath, [MESH, 'up', '--db', db, '--scale', '0.1', '--json']);
      expect(up.code, up.out).toBe(0);
      const catalog = JSON.parse(up.stdout)
        .health.domains.flatMap((d: { products: { id: string; rowCount: number }[] }) => d.products)
        .find((p: { id: string }) => p.id === 'product.product_catalog');
      expect(catalog.rowCount).toBeGreaterThan(0);

      mkdirSync(join(consumer, 'src'), { recursive: true });
      // The workspace's own version of Node's types.
      const typesNode = read(join(repo, 'package.json')).devDependencies?.['@types/node'];
      writeFileSync(
        join(consumer, 'package.json'),
        JSON.stringify({
          name: 'mesh-consumer',
          private: true,
          type: 'module',
          devDependencies: { '@types/node': typesNode },
        }),
      );
      // Only our scope comes from the local registry; the user's npm config (a mirror, a proxy)
      // still serves the rest.
      writeFileSync(join(consumer, '.npmrc'), `${SCOPE}:registry=${registry!.url}\n`);
      const install = run(consumer, 'npm', [
        'install',
        `${SCOPE}/domain-product`,
        `${SCOPE}/duckdb`,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
      ]);
      expect(install.code, install.out).toBe(0);
      // The tarballs published above, not a cached or foreign copy.
      const lock = JSON.parse(readFileSync(join(consumer, 'package-lock.json'), 'utf8'));
      for (const name of [`${SCOPE}/domain-product`, `${SCOPE}/duckdb`, `${SCOPE}/sdk`]) {
        const published = (await packument(name)).versions[versionOf(name)!]!;
        expect(lock.packages[`node_modules/${name}`]?.integrity, name).toBe(published.dist!.integrity);
      }

      // skipLibCheck stays off: the published declarations are checked as a strict project reads
      // them. Node's types are in because the consumer reads process.argv; no declaration of ours
      // needs them (asserted below).
      writeFileSync(
        join(consumer, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: 'node16',
            moduleResolution: 'node16',
            target: 'es2022',
            strict: true,
            types: ['node'],
            rootDir: 'src',
            outDir: 'dist',
          },
          files: ['src/read.ts'],
        }),
      );
      writeFileSync(
        join(consumer, 'src', 'read.ts'),
        `import { productCatalog } from '${SCOPE}/domain-product';
import { createDuckDbWarehouse } from '${SCOPE}/duckdb';

const warehouse = await createDuckDbWarehouse({ path: process.argv[2] });
let rows = 0;
let firstId: string | undefined;
let lastUpdate = new Date(0);
let shelfValue = 0;
try {
  for await (const row of productCatalog.read(warehouse)) {
    rows += 1;
    firstId ??= row.product_id;
    if (row.updated_at > lastUpdate) lastUpdate = row.updated_at;
    shelfValue += row.retail_price;
  }
} finally {
  await warehouse.close();
}
console.log(JSON.stringify({ rows, firstId, lastUpdate: lastUpdate.toISOString(), shelfValue: shelfValue.toFixed(2) }));
`,
      );
      const compiled = tsc('tsconfig.json');
      expect(compiled.code, compiled.out).toBe(0);
      // A consumer without @types/node can still read our declarations.
      for (const name of ['sdk', 'duckdb', 'domain-product'])
        expect(
          readFileSync(join(consumer, 'node_modules', SCOPE, name, 'dist', 'index.d.ts'), 'utf8'),
        ).not.toMatch(/\bNodeJS\.|from 'node:/);
      const ran = run(consumer, process.execPath, [join(consumer, 'dist', 'read.js'), db]);
      expect(ran.code, ran.out).toBe(0);
      const printed = JSON.parse(ran.stdout);
      expect(printed.rows).toBe(catalog.rowCount);
      expect(printed.firstId).toMatch(/^P\d+$/);
      expect(Date.parse(printed.lastUpdate)).toBeGreaterThan(0);
      expect(Number(printed.shelfValue)).toBeGreaterThan(0);
    }, 120_000);

    // Older settings read the same declarations: bundler resolves exports' types, node10 (which
    // reads no exports) the manifest's `types`.
    it.each([
      ['esnext', 'bundler'],
      ['esnext', 'node10'],
    ])(
      'compiles against them under module %s, moduleResolution %s',
      (module, moduleResolution) => {
        expect(existsSync(join(consumer, 'node_modules', SCOPE, 'domain-product')), 'installed above').toBe(
          true,
        );
        // Rows typed, not any: an unused @ts-expect-error is an error of its own.
        writeFileSync(
          join(consumer, 'src', 'typed.ts'),
          `import { productCatalog } from '${SCOPE}/domain-product';
import type { Warehouse } from '${SCOPE}/sdk';

export async function first(warehouse: Warehouse): Promise<string | undefined> {
  for await (const row of productCatalog.read(warehouse)) {
    // @ts-expect-error no such column
    row.no_such_column;
    return row.product_id;
  }
  return undefined;
}
`,
        );
        const config = `tsconfig.${moduleResolution}.json`;
        writeFileSync(
          join(consumer, config),
          JSON.stringify({
            extends: './tsconfig.json',
            // node10 reads zod's CommonJS declarations, which need esModuleInterop (tsc --init's).
            compilerOptions: { module, moduleResolution, noEmit: true, esModuleInterop: true },
            files: ['src/read.ts', 'src/typed.ts'],
          }),
        );
        const compiled = tsc(config);
        expect(compiled.code, compiled.out).toBe(0);
      },
      30_000,
    );

    // ESM only, yet exported as `default` rather than `import`: Node resolves `require` to the
    // module (require(esm), Node 20.19 and later) instead of failing with "No exports main
    // defined", and refuses it before 20.19 with ERR_REQUIRE_ESM, which says to use import().
    it('is required from CommonJS, in JavaScript and in TypeScript (nodenext)', () => {
      expect(existsSync(join(consumer, 'node_modules', SCOPE, 'domain-product')), 'installed above').toBe(
        true,
      );
      const cjs = join(consumer, 'cjs');
      mkdirSync(cjs, { recursive: true });
      // A package of its own without "type": its .ts files compile to CommonJS.
      writeFileSync(join(cjs, 'package.json'), JSON.stringify({ name: 'mesh-consumer-cjs', private: true }));
      writeFileSync(
        join(cjs, 'read.ts'),
        `import { productCatalog } from '${SCOPE}/domain-product';
import { createDuckDbWarehouse } from '${SCOPE}/duckdb';

async function main() {
  const warehouse = await createDuckDbWarehouse(process.argv[2]);
  try {
    for await (const row of productCatalog.read(warehouse, { limit: 1 })) console.log(row.product_id);
  } finally {
    await warehouse.close();
  }
}
void main();
`,
      );
      writeFileSync(
        join(cjs, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, types: ['node'] },
          files: ['read.ts'],
        }),
      );
      const compiled = run(cjs, process.execPath, [TSC, '-p', 'tsconfig.json']);
      expect(compiled.code, compiled.out).toBe(0);
      expect(readFileSync(join(cjs, 'read.js'), 'utf8')).toContain(`require("${SCOPE}/domain-product")`);
      const ran = run(cjs, process.execPath, [join(cjs, 'read.js'), join(dir, 'mesh.duckdb')]);
      if (process.features.require_module) {
        expect(ran.code, ran.out).toBe(0);
        expect(ran.stdout.trim()).toMatch(/^P\d+$/);
      } else {
        expect(ran.code).not.toBe(0);
        expect(ran.out).toContain('ERR_REQUIRE_ESM');
      }
    }, 60_000);

    it('does not compile a read of a column the product does not have', () => {
      expect(existsSync(join(consumer, 'node_modules', SCOPE, 'domain-product')), 'installed above').toBe(
        true,
      );
      writeFileSync(
        join(consumer, 'src', 'wrong.ts'),
        `import { productCatalog } from '${SCOPE}/domain-product';
import { createDuckDbWarehouse } from '${SCOPE}/duckdb';

const warehouse = await createDuckDbWarehouse({ path: process.argv[2] });
for await (const row of productCatalog.read(warehouse)) console.log(row.no_such_column);
`,
      );
      writeFileSync(
        join(consumer, 'tsconfig.wrong.json'),
        JSON.stringify({
          extends: './tsconfig.json',
          compilerOptions: { noEmit: true },
          files: ['src/wrong.ts'],
        }),
      );
      const compiled = tsc('tsconfig.wrong.json');
      expect(compiled.code).not.toBe(0);
      // That error alone: the file is otherwise the one that compiles.
      expect(compiled.out.match(/error TS\d+/g)).toEqual(['error TS2339']);
      expect(compiled.out).toMatch(
        /src\/wrong\.ts\(5,\d+\): error TS2339: Property 'no_such_column' does not exist/,
      );
    }, 30_000);
  });
});
