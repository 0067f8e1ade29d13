import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SHELF_DOMAIN, shelfRepo } from './testing/consumer-repo.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const BIN = join(repo, 'tools', 'mesh', 'bin', 'mesh.js');
const dir = mkdtempSync(join(tmpdir(), 'mesh-discovery-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mesh = (cwd: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
};

/**
 * A consumer's repository: the platform's packages and an upstream domain installed in its
 * node_modules (linked, as a package manager links them), and a domain of its own.
 */
function consumerRepo(domains: string[]): string {
  const root = mkdtempSync(join(dir, 'consumer-'));
  shelfRepo(root, {
    links: { '@retail-mesh/domain-product': 'domains/product' },
    index: `import { defineDataProduct, defineDomain, sql, z } from '@retail-mesh/sdk';
import { productCatalog } from '@retail-mesh/domain-product';
${SHELF_DOMAIN}export const shelfCategories = defineDataProduct({
  domain,
  name: 'shelf_categories',
  version: '1.0.0',
  description: 'How many products each category puts on the shelves.',
  tier: 'bronze',
  refresh: 'daily',
  access: 'public',
  consumers: ['store'],
  schema: z.object({
    category: z.string().describe('Merchandise category').meta({ key: true }),
    products: z.int().describe('Products of the category'),
  }),
  inputs: { catalog: productCatalog },
  transform: ({ catalog }) => sql\`SELECT category, COUNT(*) AS products FROM \${catalog} GROUP BY category\`,
  checks: (c) => [c.category.unique(), c.category.notNull()],
});
export const sources = [];
export const products = [shelfCategories];
`,
    meshYaml: `domains:\n${domains.map((d) => `  - ${d}\n`).join('')}targets:\n  local:\n    type: duckdb\n    path: mesh.duckdb\n`,
  });
  return root;
}

describe('definitions a domain package gets wrong', () => {
  it('refuses two products of one name, in contract export as in build, exit 3', () => {
    const root = mkdtempSync(join(dir, 'twins-'));
    const twin = (description: string) => `defineDataProduct({
  domain,
  name: 'shelf_twin',
  version: '1.0.0',
  description: '${description}',
  tier: 'bronze',
  refresh: 'daily',
  access: 'public',
  consumers: ['store'],
  schema: z.object({ n: z.int().describe('A number') }),
  inputs: {},
  transform: () => sql\`SELECT 1 AS n\`,
})`;
    shelfRepo(root, {
      index: `import { defineDataProduct, defineDomain, sql, z } from '@retail-mesh/sdk';
${SHELF_DOMAIN}export const sources = [];
export const products = [${twin('One.')}, ${twin('The other.')}];
`,
      meshYaml: 'domains:\n  - ./shelf\ntargets:\n  local:\n    type: duckdb\n    path: mesh.duckdb\n',
    });
    for (const args of [['contract', 'export', '--out', join(root, 'out')], ['build']]) {
      const refused = mesh(root, ...args, '--json');
      expect(refused.code, args.join(' ')).toBe(3);
      expect(refused.json().error).toMatchObject({
        code: 'policy-violations',
        message: expect.stringContaining('Two products are named shelf.shelf_twin.'),
      });
    }
  });
});

describe('domains discovered from mesh.yaml', () => {
  it("builds a consumer's own domain beside an installed upstream one, from any folder of its repo", () => {
    const root = consumerRepo(['"@retail-mesh/domain-product"', './shelf']);
    const up = mesh(root, 'up', '--json');
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    const health = up.json().health;
    expect(health.domains.map((d: { name: string }) => d.name)).toEqual(['product', 'shelf']);
    const shelf = health.domains[1].products[0];
    expect(shelf).toMatchObject({ id: 'shelf.shelf_categories', status: 'healthy' });
    expect(shelf.rowCount).toBeGreaterThan(0);
    // Inside a domain's folder, the repository's mesh.yaml is found above it.
    const lineage = mesh(join(root, 'shelf'), 'lineage', '--json');
    expect(lineage.code).toBe(0);
    expect(lineage.json().edges).toContainEqual({
      from: 'product.product_catalog',
      to: 'shelf.shelf_categories',
      crossDomain: true,
    });
  });

  it('says which entry of domains: is missing, not installed or not built, exit 3', () => {
    const root = consumerRepo(['./aisles']);
    const folder = mesh(root, 'lineage');
    expect(folder.code).toBe(3);
    expect(folder.stderr).toMatch(/mesh\.yaml: domains: \.\/aisles is no folder/);
    writeFileSync(
      join(root, 'mesh.yaml'),
      'domains:\n  - "@retail-mesh/domain-store"\ntargets:\n  local:\n    type: duckdb\n',
    );
    const missing = mesh(root, 'lineage', '--json');
    expect(missing.code).toBe(3);
    expect(missing.json().error).toMatchObject({
      code: 'unknown-domain-package',
      message: expect.stringContaining('@retail-mesh/domain-store is not installed'),
    });
    mkdirSync(join(root, 'unbuilt'));
    writeFileSync(
      join(root, 'unbuilt', 'package.json'),
      JSON.stringify({ name: 'unbuilt', type: 'module', exports: { '.': { import: './dist/index.js' } } }),
    );
    writeFileSync(join(root, 'mesh.yaml'), 'domains:\n  - ./unbuilt\ntargets:\n  local:\n    type: duckdb\n');
    const unbuilt = mesh(root, 'lineage');
    expect(unbuilt.code).toBe(3);
    expect(unbuilt.stderr).toMatch(/unbuilt\/dist\/index\.js does not exist: build the domain package first/);
    // A package that throws while it loads (a check on a column its product lacks): named, exit
    // 3, the JSON error object, no stack trace.
    mkdirSync(join(root, 'unbuilt', 'dist'));
    writeFileSync(
      join(root, 'unbuilt', 'dist', 'index.js'),
      'const c = {};\nexport const products = [c.b.unique()];\n',
    );
    const thrown = mesh(root, 'build', '--json');
    expect(thrown.code).toBe(3);
    expect(thrown.json().error).toMatchObject({
      code: 'domain-load-failed',
      subject: { domain: 'unbuilt' },
      message: expect.stringMatching(
        /^unbuilt \(.*unbuilt\/dist\/index\.js\) failed to load: Cannot read properties of undefined \(reading 'unique'\) \(at .*index\.js:2/,
      ),
    });
    expect(thrown.stderr).not.toMatch(/unexpected error|\n\s+at /);
    const nowhere = mesh(dir, 'lineage');
    expect(nowhere.code).toBe(3);
    expect(nowhere.stderr).toMatch(/No mesh\.yaml here or above/);
  });
});
