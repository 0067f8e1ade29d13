import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { loadMesh } from './mesh.js';
import { mesh } from './testing/run-cli.js';

const real = await loadMesh();

const dir = mkdtempSync(join(tmpdir(), 'mesh-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe('mesh CLI', () => {
  const db = join(dir, 'mesh.duckdb');

  it('up seeds, builds every product and reports a healthy mesh as JSON', async () => {
    const r = await mesh('up', '--db', db, '--json', '--scale', '0.5');
    expect(r.code).toBe(0);
    const out = r.json();
    const seeded = out.seed.sources.map((s: { source: string }) => s.source);
    expect([...seeded].sort()).toEqual(
      real.sources
        .filter((s) => s.sample)
        .map((s) => s.id)
        .sort(),
    );
    // Generators that read other sources run after them.
    for (const source of real.sources) {
      for (const upstream of source.sampleAfter)
        expect(seeded.indexOf(upstream)).toBeLessThan(seeded.indexOf(source.id));
    }
    expect(out.seed.sources.find((s: { source: string }) => s.source === 'product.products').rows).toBe(1000);
    for (const s of out.seed.sources) expect(s.rows).toBeGreaterThan(0);
    expect(out.build.summary).toEqual({ published: real.products.length, failed: 0, skipped: 0, waiting: 0 });
    expect(out.health.totals).toMatchObject({
      domains: 5,
      products: real.products.length,
      healthyProducts: real.products.length,
      qualityScore: 1,
    });
    expect(real.products.length).toBeGreaterThanOrEqual(25);
  });

  it('health --json has the documented shape', async () => {
    const r = await mesh('health', '--db', db, '--json');
    expect(r.code).toBe(0);
    const health = r.json();
    expect(health.domains.map((d: { name: string }) => d.name)).toEqual([
      'product',
      'customer',
      'store',
      'order',
      'marketing',
    ]);
    const [domain] = health.domains;
    expect(domain).toMatchObject({ name: 'product', status: 'healthy', productCount: 4, healthyCount: 4 });
    for (const p of health.domains.flatMap((d: { products: unknown[] }) => d.products)) {
      expect(p).toMatchObject({ status: 'healthy', qualityScore: 1 });
      expect(Object.keys(p)).toEqual(
        expect.arrayContaining(['name', 'status', 'rowCount', 'lastUpdated', 'qualityScore']),
      );
      expect(new Date(p.lastUpdated).getTime()).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(
      domain.products.find((p: { name: string }) => p.name === 'product_inventory').rowCount,
    ).toBeGreaterThan(800);
  });

  it('up keeps existing source data unless asked to reseed', async () => {
    const r = await mesh('up', '--db', db, '--json', '--scale', '2');
    const sources = r.json().seed.sources;
    expect(sources.every((s: { skipped: boolean }) => s.skipped)).toBe(true);
    expect(sources.find((s: { source: string }) => s.source === 'product.products').rows).toBe(1000);
    // Upstream products were republished with the same rows: the incremental product has nothing to do.
    const daily = r.json().build.products.find((p: { id: string }) => p.id === 'order.order_daily_sales');
    expect(daily.incremental).toMatchObject({ mode: 'up-to-date', partitions: [] });
  });

  it('cost bills the domain for its storage, its builds and the whole platform', async () => {
    const r = await mesh('cost', '--db', db, '--json');
    expect(r.code).toBe(0);
    const bill = r.json();
    expect(bill.domains.map((d: { domain: string }) => d.domain)).toEqual([
      'product',
      'customer',
      'store',
      'order',
      'marketing',
    ]);
    for (const d of bill.domains) {
      expect(d.storageBytes).toBeGreaterThan(0);
      expect(d.processedBytes).toBeGreaterThan(0);
    }
    // The platform is split in proportion to data volume.
    const platform = bill.domains.map((d: { platformCost: number }) => d.platformCost);
    expect(platform.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(10000, 0);
    const storage = bill.domains.reduce((a: number, d: { storageBytes: number }) => a + d.storageBytes, 0);
    for (const d of bill.domains) expect(d.platformCost).toBeCloseTo((10000 * d.storageBytes) / storage, 1);
    expect(bill.rates).toEqual({
      currency: 'USD',
      storagePerGbMonth: 0.023,
      computePerTb: 0.5,
      platformPerMonth: 10000,
    });
    const text = await mesh('cost', '--db', db);
    expect(text.stdout).toMatch(/total\s+[\d.]+\s+[\d.,]+ USD\s+[\d.]+\s+[\d.,]+ USD\s+10,000\.00 USD/);
  });

  it('prints tables for people, with totals', async () => {
    const r = await mesh('health', '--db', db);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/product\s+product_inventory\s+healthy/);
    expect(r.stdout).toContain(
      `Mesh healthy: ${real.domains.length} domains, ${real.products.length}/${real.products.length} products healthy`,
    );
  });

  it('test runs the checks on published tables', async () => {
    const r = await mesh('test', '--db', db, '--json');
    expect(r.code).toBe(0);
    const out = r.json();
    expect(out.summary).toEqual({ tested: real.products.length, passed: real.products.length, failed: 0 });
    expect(out.products.map((p: { id: string; passRate: number }) => [p.id, p.passRate])).toEqual(
      real.products.map((p) => [p.id, 1]),
    );
  });

  it('test counts every product it tested, those that failed too', async () => {
    const warehouse = await createDuckDbWarehouse({ path: db });
    const [before] = await warehouse.query('SELECT min(unit_cost) AS low FROM product.product_catalog');
    // A published row its checks refuse, written behind the mesh's back.
    await warehouse.query(
      `UPDATE product.product_catalog SET unit_cost = -5
       WHERE product_id = (SELECT min(product_id) FROM product.product_catalog)`,
    );
    await warehouse.close();
    const r = await mesh('test', 'product', '--db', db, '--json');
    expect(r.code).toBe(1);
    const products = real.products.filter((p) => p.domain.name === 'product').length;
    expect(r.json().summary).toEqual({ tested: products, passed: products - 1, failed: 1 });
    const again = await createDuckDbWarehouse({ path: db });
    await again.query(
      `UPDATE product.product_catalog SET unit_cost = ${Number(before?.low)} WHERE unit_cost = -5`,
    );
    await again.close();
  });

  it('a failing build exits 1, names the product and column, and keeps the published data', async () => {
    const warehouse = await createDuckDbWarehouse({ path: db });
    const [before] = await warehouse.query(
      'SELECT count(*) AS n, sum(stock) AS s FROM product.product_inventory',
    );
    await warehouse.query(
      // A bad revision of one product in the sample (whose current rows are a view of its log).
      `UPDATE product.raw_products_log SET unit_cost = -5, updated_at = current_timestamp::TIMESTAMP
       WHERE product_id = (SELECT min(product_id) FROM product.raw_products_log)`,
    );
    await warehouse.close();

    const r = await mesh('build', '--db', db);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'checks-failed (product.product_catalog, column unit_cost, check unit_cost_range)',
    );
    expect(r.stdout).toContain('upstream-failed');

    const health = await mesh('health', '--db', db, '--json');
    expect(health.code).toBe(1);
    const statuses = Object.fromEntries(
      health
        .json()
        .domains.flatMap((d: { products: Array<{ id: string; status: string }> }) => d.products)
        .map((p: { id: string; status: string }) => [p.id, p.status]),
    );
    // The catalog failed and everything downstream of it was skipped, across domains; the rest stays healthy.
    expect(statuses['product.product_catalog']).toBe('error');
    expect(statuses['product.product_inventory']).toBe('error');
    expect(statuses['order.order_items']).toBe('error');
    expect(statuses['customer.customer_profile']).toBe('healthy');

    const again = await createDuckDbWarehouse({ path: db });
    const [after] = await again.query('SELECT count(*) AS n, sum(stock) AS s FROM product.product_inventory');
    expect(after).toEqual(before);
    await again.close();
  });

  it('seed regenerates sources, and a named product builds with its upstream, one at a time when asked', async () => {
    expect((await mesh('seed', '--db', db, '--scale', '0.5')).code).toBe(0);
    const r = await mesh('build', '--db', db, '--json', '--concurrency', '1', 'product_inventory');
    expect(r.code).toBe(0);
    expect(r.json().products.map((p: { name: string }) => p.name)).toEqual([
      'product_catalog',
      'product_inventory',
    ]);
  });

  it('rejects bad usage with exit code 2 and a message', async () => {
    const unknown = await mesh('build', '--db', db, 'no_such_product');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No domain or product is named no_such_product');
    const flag = await mesh('seed', '--db', db, '--scale', 'lots');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--scale must be a positive number');
    const command = await mesh('deploy-everything');
    expect(command.code).toBe(2);
    const option = await mesh('health', '--db', db, '--verbose');
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('mesh health has no option --verbose');
  });

  it('prints errors as JSON under --json', async () => {
    const r = await mesh('build', '--db', db, '--json', 'nope');
    expect(r.code).toBe(2);
    expect(r.json().error).toMatchObject({ code: 'unknown-product', subject: { product: 'nope' } });
    // No command: an error a machine reads, not the help, and nothing else on stdout.
    const none = await mesh('--json');
    expect(none.code).toBe(2);
    expect(none.json().error).toMatchObject({
      code: 'bad-arguments',
      message: expect.stringMatching(/needs a command/),
    });
    // A bad value names its command and option.
    const value = await mesh('cost', '--db', db, '--days', '0', '--json');
    expect(value.code).toBe(2);
    expect(value.json().error.subject).toEqual({ command: 'cost', option: '--days' });
  });

  it('has help for every command', async () => {
    for (const command of ['up', 'seed', 'build', 'test', 'health']) {
      const r = await mesh(command, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: mesh ${command}`);
    }
    const top = await mesh('--help');
    expect(top.stdout).toContain('Exit codes:');
  });

  it('takes the options every command takes before the command too', async () => {
    const before = await mesh('--json', '--db', db, 'health');
    const after = await mesh('health', '--db', db, '--json');
    expect(before.code).toBe(after.code);
    expect(before.json().totals).toEqual(after.json().totals);
    const mixed = await mesh(`--db=${db}`, '-t', 'local', 'health', '--json');
    expect(mixed.json().totals).toEqual(after.json().totals);
    // Help asked for with --json is one JSON document too.
    const help = await mesh('health', '--help', '--json');
    expect(help.code).toBe(0);
    expect(help.json()).toEqual({ command: 'health', help: expect.stringContaining('Usage: mesh health') });
    // An error is still printed as JSON when --json came first.
    const wrong = await mesh('--json', 'bulid');
    expect(wrong.code).toBe(2);
    expect(wrong.json().error).toMatchObject({
      code: 'unknown-command',
      message: /Did you mean build\?/,
      subject: { command: 'bulid' },
    });
  });

  it("mesh help <command> prints that command's help", async () => {
    for (const args of [
      ['help', 'build'],
      ['--help', 'build'],
    ]) {
      const r = await mesh(...args);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage: mesh build');
      expect(r.stdout).not.toContain('Exit codes:');
    }
    const unknown = await mesh('help', 'bulid');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command bulid. Did you mean build?');
  });

  it('exits 4 naming the file when the database cannot be opened', async () => {
    const missing = join(dir, 'typo.duckdb');
    const r = await mesh('health', '--db', missing);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`database-not-found (${missing}): No DuckDB warehouse at ${missing}`);
    expect(existsSync(missing)).toBe(false);
    const text = join(dir, 'notes.duckdb');
    writeFileSync(text, 'these are not the tables you are looking for\n');
    const unreadable = await mesh('health', '--db', text);
    expect(unreadable.code).toBe(4);
    expect(unreadable.stderr).toContain('database-unavailable');
  });
});
