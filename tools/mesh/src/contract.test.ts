import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { duckdbDialect } from '@retail-mesh/duckdb';
import { contractFiles, defineDataProduct, jsonSchemaContract, odcsContract, sql, z } from '@retail-mesh/sdk';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { contractServers } from './commands/contract.js';
import { loadConfig } from './config.js';
import { loadMesh } from './mesh.js';
import { mesh as cli } from './testing/run-cli.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const spec = JSON.parse(readFileSync(join(repo, 'specs', 'odcs-json-schema-v3.1.0.json'), 'utf8')) as Record<
  string,
  unknown
>;
const dir = mkdtempSync(join(tmpdir(), 'mesh-contracts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mesh = await loadMesh();
const { config } = loadConfig(join(repo, 'mesh.yaml'));
const servers = contractServers(config);

// The ODCS schema is draft 2019-09 and names formats (uri, date, email): validated strictly.
const odcs = addFormats.default(new Ajv2019({ allErrors: true, strict: false })).compile(spec);

describe('contracts as files', () => {
  it('exports every product as an ODCS v3.1.0 document the standard validates, as JSON and as YAML', () => {
    expect(mesh.products.length).toBeGreaterThan(0);
    for (const product of mesh.products) {
      const files = contractFiles(product, { servers, dialect: duckdbDialect });
      const json = JSON.parse(files[`${product.name}.odcs.json`]!);
      const yaml = parse(files[`${product.name}.odcs.yaml`]!);
      expect(yaml, product.id).toEqual(json);
      const valid = odcs(json);
      expect(odcs.errors ?? [], product.id).toEqual([]);
      expect(valid).toBe(true);
    }
  });

  it('writes a row count of exactly one as mustBe, which the standard accepts (mustBeBetween needs two numbers)', () => {
    const profile = mesh.products.find((p) => p.id === 'customer.customer_profile')!;
    const one = defineDataProduct({
      domain: profile.domain,
      name: 'customer_one_row',
      version: '1.0.0',
      description: 'One row.',
      tier: 'bronze',
      refresh: 'daily',
      access: 'public',
      consumers: ['customer'],
      schema: z.object({ n: z.int().describe('Rows') }),
      inputs: {},
      transform: () => sql`SELECT 1 AS n`,
      checks: (c) => [c.table.rowCount({ min: 1, max: 1 })],
    });
    const json = odcsContract(one, { servers }) as { schema: Array<{ quality: unknown[] }> };
    expect(json.schema[0]!.quality).toContainEqual(
      expect.objectContaining({ metric: 'rowCount', mustBe: 1 }),
    );
    expect(odcs(json)).toBe(true);
  });

  it('carries what the definition holds: owner, keys, PII, quality rules, SLAs, access, consumers, servers', () => {
    const profile = mesh.products.find((p) => p.id === 'customer.customer_profile')!;
    const doc = odcsContract(profile, { servers }) as {
      id: string;
      version: string;
      team: { name: string; members: Array<{ username: string }> };
      schema: Array<{ properties: Array<Record<string, unknown>>; quality: unknown[] }>;
      slaProperties: Array<{ property: string; value: unknown; unit?: string }>;
      roles: Array<{ role: string; access: string; description: string }>;
      servers: Array<Record<string, unknown>>;
      customProperties: Array<{ property: string; value: unknown }>;
    };
    expect(doc).toMatchObject({ id: 'customer_customer_profile', version: profile.version });
    expect(doc.team).toEqual({
      name: profile.owner.team,
      members: [{ username: profile.owner.email, role: 'owner' }],
    });
    const [object] = doc.schema;
    const column = (name: string) => object!.properties.find((p) => p.name === name)!;
    expect(column('customer_id')).toMatchObject({ primaryKey: true, primaryKeyPosition: 1, required: true });
    expect(column('email')).toMatchObject({ classification: 'restricted', tags: ['pii'] });
    // Every check is a quality rule, on its column or on the table.
    const rules = [...object!.properties.flatMap((p) => (p.quality as unknown[]) ?? []), ...object!.quality];
    // Checks the contract implies (required, enum) are its properties already, not rules.
    expect(rules).toHaveLength(profile.checks.filter((c) => !c.implied).length);
    expect(column('customer_id').quality).toContainEqual(
      expect.objectContaining({ metric: 'duplicateValues', mustBe: 0, severity: 'error' }),
    );
    expect(doc.slaProperties).toContainEqual({ property: 'frequency', value: profile.refresh });
    if (profile.sla.freshness) expect(doc.slaProperties.find((s) => s.property === 'latency')).toBeDefined();
    expect(doc.roles.map((r) => r.access)).toEqual(['write', 'read']);
    expect(doc.roles[1]!.description).toContain(profile.consumers[0]!);
    expect(doc.customProperties).toContainEqual({ property: 'accessModel', value: profile.access });
    expect(doc.servers).toEqual([
      {
        server: 'local',
        type: 'duckdb',
        environment: 'local',
        database: '.mesh/mesh.duckdb',
        schema: 'customer',
      },
      {
        server: 'prod',
        type: 'bigquery',
        environment: 'prod',
        project: 'retail-mesh-prod',
        dataset: 'customer',
      },
    ]);
  });

  it('calls no key with a column that may be NULL a primary key: order_daily_sales has no store online', () => {
    const sales = mesh.products.find((p) => p.id === 'order.order_daily_sales')!;
    const doc = JSON.parse(contractFiles(sales, { servers })['order_daily_sales.odcs.json']!) as {
      schema: Array<{ properties: Array<Record<string, unknown>>; quality: Array<Record<string, unknown>> }>;
      customProperties: Array<{ property: string; value: unknown }>;
    };
    const [object] = doc.schema;
    expect(object!.properties.find((p) => p.name === 'store_id')).toMatchObject({ required: false });
    expect(object!.properties.filter((p) => p.primaryKey !== false)).toEqual([]);
    expect(doc.customProperties).toContainEqual({
      property: 'key',
      value: ['order_date', 'channel', 'store_id'],
    });
    expect(object!.quality).toContainEqual(
      expect.objectContaining({
        metric: 'duplicateValues',
        arguments: { properties: ['order_date', 'channel', 'store_id'] },
      }),
    );
  });

  it('exports a row of every product as JSON Schema, which refuses a row missing a column', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    for (const product of mesh.products) {
      const schema = jsonSchemaContract(product);
      expect(schema).toMatchObject({ title: product.id, type: 'object' });
      const validate = ajv.compile(schema);
      expect(validate({}), product.id).toBe(false);
      const missing = (validate.errors ?? []).map((e) => e.params.missingProperty);
      for (const c of product.columns) expect(missing, product.id).toContain(c.name);
    }
  });

  it('ships them in each domain package, written by its build (dist/contracts/) as mesh contract export writes them but for the servers', () => {
    for (const product of mesh.products) {
      const shipped = join(repo, 'domains', product.domain.name, 'dist', 'contracts');
      for (const [name, text] of Object.entries(contractFiles(product, { dialect: duckdbDialect })))
        expect(readFileSync(join(shipped, name), 'utf8'), `${product.id}: ${name}`).toBe(text);
      const json = JSON.parse(readFileSync(join(shipped, `${product.name}.odcs.json`), 'utf8'));
      expect(odcs(json), product.id).toBe(true);
    }
  });

  it('exports the shipped contracts from each domain package as <package>/contracts/<file>', () => {
    // Node's own resolution, as a consumer's: it honours the package's exports, which vite's does not.
    const read = (file: string) => {
      const r = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import c from '@retail-mesh/domain-product/contracts/${file}' with { type: 'json' };
           process.stdout.write(JSON.stringify(c));`,
        ],
        { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8' },
      );
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout);
    };
    const inventory = mesh.products.find((p) => p.id === 'product.product_inventory')!;
    expect(read('product_inventory.schema.json')).toEqual(jsonSchemaContract(inventory));
    const contract = read('product_inventory.odcs.json');
    expect(contract).toEqual(odcsContract(inventory, { dialect: duckdbDialect }));
    expect(JSON.stringify(contract)).toContain('"sql"');
  });

  it('writes them with mesh contract export, per domain, and refuses an unknown action', async () => {
    const out = join(dir, 'out');
    const r = await cli('contract', 'export', 'order', '--out', out, '--json');
    expect(r.code).toBe(0);
    const orders = mesh.products.filter((p) => p.domain.name === 'order');
    expect(r.json().products).toHaveLength(orders.length);
    expect(readdirSync(join(out, 'order')).sort()).toEqual(
      orders.flatMap((p) => [`${p.name}.odcs.json`, `${p.name}.odcs.yaml`, `${p.name}.schema.json`]).sort(),
    );
    const bad = await cli('contract', 'publish');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('mesh contract has no action publish');
  });

  it('diffs the contracts with a release: nothing, a breaking change to refuse, one under a new major', async () => {
    const released = join(dir, 'released');
    expect((await cli('contract', 'export', '--out', released)).code).toBe(0);
    const same = await cli('contract', 'diff', '--against', released, '--json');
    expect(same.code).toBe(0);
    expect(same.json().products).toEqual([]);

    // The release had a column the product no longer has: removed, under the same version.
    const file = join(released, 'order', 'order_daily_sales.odcs.json');
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    doc.schema[0].properties.push({ name: 'legacy_code', logicalType: 'string', physicalType: 'string' });
    writeFileSync(file, JSON.stringify(doc));
    const broken = await cli('contract', 'diff', '--against', released);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('BREAKING column legacy_code removed');
    expect(broken.stderr).toContain(
      'order.order_daily_sales: column legacy_code removed, a breaking change from version 1.0.0: give order.order_daily_sales version 2.0.0; add a major changeset for @retail-mesh/domain-order (npx -y pnpm@10.34.9 changeset).',
    );
    // Two breaking changes: both named, so both are seen to at once.
    const twoBroken = structuredClone(doc);
    twoBroken.schema[0].properties.push({
      name: 'old_flag',
      logicalType: 'boolean',
      physicalType: 'boolean',
    });
    writeFileSync(file, JSON.stringify(twoBroken));
    expect((await cli('contract', 'diff', '--against', released)).stderr).toContain(
      'order.order_daily_sales: column legacy_code removed, column old_flag removed, 2 breaking changes from version 1.0.0: give order.order_daily_sales version 2.0.0',
    );
    writeFileSync(file, JSON.stringify(doc));
    const json = await cli('contract', 'diff', '--against', released, '--json');
    expect(json.code).toBe(1);
    expect(json.json().error).toMatchObject({
      code: 'breaking-change',
      message: '1 product changes in a breaking way without what a breaking change needs.',
      subject: { product: 'order.order_daily_sales' },
    });

    // Released as 0.x: today's 1.0.0 is the new major, which still wants its package's major
    // changeset and the previous major kept published (the whole flow: breaking-change.test.ts).
    writeFileSync(file, JSON.stringify({ ...doc, version: '0.9.0' }));
    const major = await cli('contract', 'diff', '--against', released, '--json');
    expect(major.code).toBe(1);
    expect(major.json().products[0]).toMatchObject({
      product: 'order.order_daily_sales',
      needsMajor: false,
      missing: ['major-changeset', 'previous-major'],
    });

    // The release computed its figures with other SQL (gross revenue, say, where the product
    // now sums net), under the version the product still carries: refused until it has its own.
    const retransformed = JSON.parse(JSON.stringify(doc));
    retransformed.schema[0].properties.pop();
    const transform = retransformed.customProperties.find(
      (p: { property: string }) => p.property === 'transform',
    );
    expect(transform.value).toMatch(/^sha256:[0-9a-f]{64}$/);
    transform.value = `sha256:${'0'.repeat(64)}`;
    writeFileSync(file, JSON.stringify(retransformed));
    const unversioned = await cli('contract', 'diff', '--against', released);
    expect(unversioned.code).toBe(1);
    expect(unversioned.stdout).toContain(
      'VERSION  its transform (SQL) changed: it may compute other figures',
    );
    expect(unversioned.stderr).toContain(
      'order.order_daily_sales: its transform (SQL) changed: it may compute other figures, under version 1.0.0, already released: give order.order_daily_sales a version after 1.0.0 (1.1.0 if its figures keep their meaning, 2.0.0 if readers must change).',
    );
    const unversionedJson = await cli('contract', 'diff', '--against', released, '--json');
    expect(unversionedJson.json()).toMatchObject({
      error: { code: 'unversioned-change', subject: { product: 'order.order_daily_sales' } },
      products: [{ needsVersion: true, missing: ['new-version'] }],
    });
    // Released as 0.9.0, the product's 1.0.0 is a version of its own: nothing is missing.
    writeFileSync(file, JSON.stringify({ ...retransformed, version: '0.9.0' }));
    const versioned = await cli('contract', 'diff', '--against', released, '--json');
    expect(versioned.code).toBe(0);
    expect(versioned.json().products[0]).toMatchObject({ needsVersion: false, missing: [] });
    expect(versioned.json().unfingerprinted).toEqual([]);
    // Released before transforms were fingerprinted: nothing to compare, and said so.
    const unprinted = {
      ...retransformed,
      customProperties: retransformed.customProperties.filter(
        (p: { property: string }) => p.property !== 'transform',
      ),
    };
    writeFileSync(file, JSON.stringify(unprinted));
    const blind = await cli('contract', 'diff', '--against', released);
    expect(blind.code).toBe(0);
    expect(blind.stderr).toContain(
      'note: the released contract of order.order_daily_sales carries no transform fingerprint (released before it existed): a change of their SQL is not compared until they are released again (mesh contract release).',
    );
    expect((await cli('contract', 'diff', '--against', released, '--json')).json().unfingerprinted).toEqual([
      'order.order_daily_sales',
    ]);
    // The same contract twice (contracts/ and dist/contracts/ of a package) counts once; two
    // different ones of one product are no baseline: which one would be a guess.
    const copy = join(released, 'other', 'order_daily_sales.odcs.json');
    mkdirSync(dirname(copy), { recursive: true });
    writeFileSync(copy, JSON.stringify(unprinted));
    expect((await cli('contract', 'diff', '--against', released)).code).toBe(0);
    writeFileSync(copy, JSON.stringify({ ...unprinted, version: '0.8.0' }));
    const twice = await cli('contract', 'diff', '--against', released, '--json');
    expect(twice.code).toBe(2);
    expect(twice.json().error).toMatchObject({
      code: 'ambiguous-contract',
      subject: { domain: 'order', product: 'order_daily_sales', file: copy },
    });
    expect(twice.json().error.message).toMatch(
      /^\/.*\/order\/order_daily_sales\.odcs\.json and \/.*\/other\/order_daily_sales\.odcs\.json are two different contracts of order\.order_daily_sales \(versions 1\.0\.0 and 0\.8\.0\): a release holds one; remove one, or give the folder of one release\.$/,
    );
    rmSync(dirname(copy), { recursive: true });

    // Without --against: the contracts each domain package keeps for its released version.
    // Changes since the release may be there, and are safe ones (a breaking one fails the gate).
    const packaged = await cli('contract', 'diff', '--json');
    expect(packaged.code).toBe(0);
    const changes = packaged
      .json()
      .products.flatMap((p: { changes: Array<{ breaking: boolean }> }) => p.changes);
    expect(changes.filter((c: { breaking: boolean }) => c.breaking)).toEqual([]);
    expect((await cli('contract', 'diff', 'order')).code).toBe(2);
    expect((await cli('contract', 'diff', '--against', join(dir, 'nowhere'))).stderr).toContain(
      'no such directory of released contracts, git ref or package version',
    );
  });
});
