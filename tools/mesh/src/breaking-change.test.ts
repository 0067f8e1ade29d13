import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { afterAll, describe, expect, it } from 'vitest';
import { SHELF_DOMAIN, shelfRepo } from './testing/consumer-repo.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const BIN = join(repo, 'tools', 'mesh', 'bin', 'mesh.js');
const root = mkdtempSync(join(tmpdir(), 'mesh-breaking-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const mesh = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
};
const git = (...args: string[]) => {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
};

/**
 * A domain of the workspace, `shelf`, with one product over the product domain's catalog.
 * Version 1 counts products per category as `products`; version 2 renames it `product_count`.
 */
function writeShelf(product: { version: string; column: string; previousMajor?: string; count?: string }) {
  writeFileSync(
    join(root, 'shelf', 'index.js'),
    `import { defineDataProduct, defineDomain, sql, z } from '@retail-mesh/sdk';
import { productCatalog } from '@retail-mesh/domain-product';
${SHELF_DOMAIN}export const shelfCategories = defineDataProduct({
  domain,
  name: 'shelf_categories',
  version: '${product.version}',
  description: 'How many products each category puts on the shelves.',
  tier: 'bronze',
  refresh: 'daily',
  access: 'public',
  consumers: ['store'],
  schema: z.object({
    category: z.string().describe('Merchandise category').meta({ key: true }),
    ${product.column}: z.int().describe('Products of the category'),
  }),
  inputs: { catalog: productCatalog },
  transform: ({ catalog }) => sql\`SELECT category, ${product.count ?? 'COUNT(*)'} AS ${product.column} FROM \${catalog} GROUP BY category\`,
  checks: (c) => [c.category.unique(), c.category.notNull()],
  ${product.previousMajor ? `previousMajor: ${product.previousMajor},` : ''}
});
export const sources = [];
export const products = [shelfCategories];
`,
  );
}

/** Version 2 of the shelf (products renamed product_count), keeping v1 as `previousMajor` says. */
const writeShelfV2 = (previousMajor: string) =>
  writeShelf({ version: '2.0.0', column: 'product_count', previousMajor });

const changeset = (bump: string) =>
  writeFileSync(
    join(root, '.changeset', 'shelf-v2.md'),
    `---\n"shelf-domain": ${bump}\n---\n\nRename products.\n`,
  );

describe('a breaking change, from the release gate to v2 published beside v1', () => {
  it('fails until the product has a major version, its package a major changeset and v1 a deprecation date', async () => {
    shelfRepo(root, {
      index: '',
      meshYaml:
        'domains:\n  - "@retail-mesh/domain-product"\n  - ./shelf\ntargets:\n  local:\n    type: duckdb\n    path: mesh.duckdb\n',
      links: { '@retail-mesh/domain-product': 'domains/product' },
    });
    mkdirSync(join(root, '.changeset'));
    writeFileSync(join(root, '.changeset', 'README.md'), '# Changesets\n');
    writeShelf({ version: '1.0.0', column: 'products' });

    // Released: the package keeps the contracts of its released version.
    expect(mesh('contract', 'release').code).toBe(0);
    expect(readdirSync(join(root, 'shelf', 'contracts'))).toEqual(['shelf_categories.odcs.json']);
    // An installed upstream package is released by its own team: nothing written into it.
    expect(mesh('contract', 'release', '--json').json().files).toEqual([
      join(root, 'shelf', 'contracts', 'shelf_categories.odcs.json'),
    ]);
    const same = mesh('contract', 'diff');
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain('No contract changed');
    // The same columns computed otherwise (active products only), under the released version:
    // refused until it has a version of its own, and a build says whose figures change.
    writeShelf({ version: '1.0.0', column: 'products', count: 'COUNT(*) FILTER (WHERE active)' });
    const recomputed = mesh('contract', 'diff', '--json');
    expect(recomputed.code).toBe(1);
    expect(recomputed.json()).toMatchObject({
      error: { code: 'unversioned-change', subject: { product: 'shelf.shelf_categories' } },
      products: [{ changes: [{ kind: 'transform-changed', breaking: false }], missing: ['new-version'] }],
    });
    expect(mesh('contract', 'diff').stderr).toContain(
      'shelf.shelf_categories: its transform (SQL) changed: it may compute other figures, under version 1.0.0, already released: give shelf.shelf_categories a version after 1.0.0 (1.1.0 if its figures keep their meaning',
    );
    expect(mesh('build', 'shelf_categories', '--json').json().contractWarnings).toEqual([
      expect.stringMatching(
        /^shelf\.shelf_categories 1\.0\.0 computes with another transform than the one released as 1\.0\.0/,
      ),
    ]);
    writeShelf({ version: '1.1.0', column: 'products', count: 'COUNT(*) FILTER (WHERE active)' });
    const minor = mesh('contract', 'diff', '--json');
    expect(minor.code, minor.stdout).toBe(0);
    writeShelf({ version: '1.0.0', column: 'products' });

    expect(mesh('up').code).toBe(0);
    writeFileSync(join(root, '.gitignore'), 'node_modules\nmesh.duckdb*\n');
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'v1');

    // The column renamed under the same version: refused, naming the product, the change and what to do.
    writeShelf({ version: '1.0.0', column: 'product_count' });
    const renamed = mesh('contract', 'diff');
    expect(renamed.code).toBe(1);
    expect(renamed.stdout).toContain('BREAKING column products removed');
    expect(renamed.stdout).toContain('safe     column product_count added');
    expect(renamed.stderr).toContain(
      'shelf.shelf_categories: column products removed, a breaking change from version 1.0.0: give shelf.shelf_categories version 2.0.0; add a major changeset for shelf-domain',
    );
    expect(mesh('contract', 'diff', '--json').json().products[0]).toMatchObject({
      product: 'shelf.shelf_categories',
      package: 'shelf-domain',
      missing: ['product-version', 'major-changeset'],
    });
    // A build publishes it (a working copy's build waits for no release), but says who breaks.
    const careless = mesh('build', 'shelf_categories');
    expect(careless.code, careless.stderr).toBe(0);
    expect(careless.stderr).toContain(
      'shelf.shelf_categories 1.0.0 breaks its released contract 1.0.0 (column products removed): readers of version 1 break once it is published;',
    );
    expect(mesh('build', 'shelf_categories', '--json').json().contractWarnings).toEqual([
      expect.stringMatching(/^shelf\.shelf_categories 1\.0\.0 breaks its released contract 1\.0\.0/),
    ]);

    // A new major alone, or with a minor changeset, is not enough either.
    writeShelf({ version: '2.0.0', column: 'product_count' });
    changeset('minor');
    const noChangeset = mesh('contract', 'diff', '--json');
    expect(noChangeset.code).toBe(1);
    expect(noChangeset.json().products[0].missing).toEqual(['major-changeset', 'previous-major']);
    expect(noChangeset.json().error.code).toBe('breaking-change');

    // Kept beside v2, v1 needs its renamed column said in v2's terms.
    changeset('major');
    writeShelfV2("{ until: '2099-12-31' }");
    const unsaid = mesh('contract', 'diff');
    expect(unsaid.code).toBe(1);
    expect(unsaid.stderr).toContain(
      "whose column products (integer) it no longer has: give previousMajor.columns.products, SQL over this version's rows",
    );
    writeShelfV2("{ until: '2099-12-31', columns: { products: 'product_count' } }");
    const allowed = mesh('contract', 'diff');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain('shelf.shelf_categories 1.0.0 -> 2.0.0');
    // The same against the release as git holds it.
    expect(mesh('contract', 'diff', '--against', 'HEAD').code).toBe(0);
    expect(mesh('contract', 'diff', '--against', 'no-such-ref').stderr).toContain(
      'no such directory of released contracts, git ref or package version',
    );

    // Built: v2 is the product, v1 a view beside it in v1's shape, over the same rows.
    const build = mesh('build', '--json');
    expect(build.code, build.stderr).toBe(0);
    expect(build.json().previousMajors).toEqual([
      {
        product: 'shelf.shelf_categories',
        major: 1,
        table: 'shelf.shelf_categories_v1',
        until: '2099-12-31',
        expired: false,
      },
    ]);
    const readBoth = async () => {
      const warehouse = await createDuckDbWarehouse({ path: join(root, 'mesh.duckdb') });
      try {
        const v1 = await warehouse.query('SELECT * FROM shelf.shelf_categories_v1 ORDER BY category');
        const v2 = await warehouse.query('SELECT * FROM shelf.shelf_categories ORDER BY category');
        return { v1, v2 };
      } finally {
        await warehouse.close();
      }
    };
    const { v1, v2 } = await readBoth();
    expect(Object.keys(v1[0]!)).toEqual([
      'category',
      'products',
      '_domain',
      '_product',
      '_version',
      '_processed_at',
    ]);
    expect(Object.keys(v2[0]!)).toContain('product_count');
    expect(v1.map((r) => [r.category, Number(r.products)])).toEqual(
      v2.map((r) => [r.category, Number(r.product_count)]),
    );

    // v1 promised a count in every row: v2 SQL that gives NULL for it fails the build, and both
    // the table and its view stay as they were.
    const keptV2 = "{ until: '2099-12-31', columns: { products: 'product_count' } }";
    writeShelfV2("{ until: '2099-12-31', columns: { products: 'CASE WHEN product_count < 0 THEN 1 END' } }");
    const broken = mesh('build', '--json');
    expect(broken.code, broken.stderr).toBe(1);
    expect(JSON.stringify(broken.json())).toMatch(/products_v1_required/);
    expect(await readBoth()).toEqual({ v1, v2 });
    // mesh test checks the published rows for it the same way.
    const tested = mesh('test', 'shelf', '--json');
    expect(tested.code, tested.stderr).toBe(1);
    expect(JSON.stringify(tested.json())).toMatch(/products_v1_required/);
    writeShelfV2(keptV2);
    expect(mesh('test', 'shelf').code).toBe(0);

    // Released (changesets consumed the changeset): v2 is the release, v1's contract kept for its view.
    rmSync(join(root, '.changeset', 'shelf-v2.md'));
    expect(mesh('contract', 'release').code).toBe(0);
    expect(readdirSync(join(root, 'shelf', 'contracts')).sort()).toEqual([
      'shelf_categories.odcs.json',
      'shelf_categories.v1.odcs.json',
    ]);
    expect(mesh('contract', 'diff').code).toBe(0);
    expect(mesh('build', '--json').json().previousMajors[0]).toMatchObject({
      table: 'shelf.shelf_categories_v1',
    });

    // After the announced date, the next build drops v1.
    writeShelfV2("{ until: '2020-01-31', columns: { products: 'product_count' } }");
    const dropped = mesh('build');
    expect(dropped.code).toBe(0);
    expect(dropped.stdout).toContain(
      'Dropped shelf.shelf_categories_v1: version 1 of shelf.shelf_categories was deprecated on 2020-01-31.',
    );
    await expect(readBoth()).rejects.toThrow(/shelf_categories_v1/);
    expect(existsSync(join(root, 'shelf', 'contracts', 'shelf_categories.v1.odcs.json'))).toBe(true);
  });
});
