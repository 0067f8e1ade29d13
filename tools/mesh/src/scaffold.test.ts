import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'mesh-scaffold-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PNPM = ['-y', 'pnpm@10.34.9'];
const sh = (cwd: string, command: string, args: string[]) => {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
};

/**
 * A copy of the repository as a team has it after the README's first command: its files (what
 * git tracks or would), and the packages already built.
 */
function copyOfRepo(): string {
  const copy = join(dir, 'repo');
  const files = sh(repo, 'git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z']).stdout;
  for (const file of files.split('\0').filter(Boolean))
    if (existsSync(join(repo, file))) cpSync(join(repo, file), join(copy, file), { recursive: true });
  for (const group of ['packages', 'domains', 'tools'])
    for (const name of readdirSync(join(repo, group))) {
      const dist = join(repo, group, name, 'dist');
      if (existsSync(dist)) cpSync(dist, join(copy, group, name, 'dist'), { recursive: true });
    }
  return copy;
}

describe('mesh new domain', () => {
  it('scaffolds a domain that installs, builds, tests, passes lint and is healthy after mesh up, with no edit', () => {
    const copy = copyOfRepo();
    const mesh = (...args: string[]) =>
      sh(copy, process.execPath, [join(copy, 'tools/mesh/bin/mesh.js'), ...args]);

    // Before the copy is installed, with the platform's CLI, on the copy's mesh.yaml.
    const cli = (...args: string[]) =>
      sh(copy, process.execPath, [
        join(repo, 'tools/mesh/bin/mesh.js'),
        ...args,
        '--config',
        join(copy, 'mesh.yaml'),
      ]);
    const created = cli('new', 'domain', 'supplier', '--json');
    expect(created.code, created.out).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      package: '@retail-mesh/domain-supplier',
      folder: 'domains/supplier',
    });
    expect(readFileSync(join(copy, 'mesh.yaml'), 'utf8')).toMatch(
      /domains:\n(\s+- .+\n)*\s+- domains\/supplier\n/,
    );
    // The comments of mesh.yaml stay.
    expect(readFileSync(join(copy, 'mesh.yaml'), 'utf8')).toContain('# Chargeback rates (mesh cost).');
    expect(cli('new', 'domain', 'supplier').code).toBe(2);

    const install = sh(copy, 'npx', [...PNPM, 'install', '--prefer-offline', '--no-frozen-lockfile']);
    expect(install.code, install.out).toBe(0);
    const filter = ['--filter', '@retail-mesh/domain-supplier'];
    const build = sh(copy, 'npx', [...PNPM, ...filter, 'build']);
    expect(build.code, build.out).toBe(0);
    expect(existsSync(join(copy, 'domains/supplier/dist/contracts/supplier_daily_totals.odcs.yaml'))).toBe(
      true,
    );
    const test = sh(copy, 'npx', [...PNPM, ...filter, 'test']);
    expect(test.code, test.out).toBe(0);
    expect(test.out).toMatch(/1 passed/);
    const lint = sh(join(copy, 'domains/supplier'), join(copy, 'node_modules/.bin/biome'), ['check', '.']);
    expect(lint.code, lint.out).toBe(0);
    const typecheck = sh(copy, 'npx', [...PNPM, ...filter, 'typecheck']);
    expect(typecheck.code, typecheck.out).toBe(0);

    // A second product in the new domain, through the copy's own CLI now that it is installed.
    const product = mesh('new', 'product', 'supplier.supplier_event_count', '--json');
    expect(product.code, product.out).toBe(0);
    expect(JSON.parse(product.stdout).files).toContain('domains/supplier/src/index.ts');
    expect(mesh('new', 'product', 'supplier.event_count').code).toBe(2);
    const rebuilt = sh(copy, 'npx', [...PNPM, ...filter, 'build']);
    expect(rebuilt.code, rebuilt.out).toBe(0);
    const retest = sh(copy, 'npx', [...PNPM, ...filter, 'test']);
    expect(retest.code, retest.out).toBe(0);
    expect(retest.out).toMatch(/2 passed/);
    const relint = sh(join(copy, 'domains/supplier'), join(copy, 'node_modules/.bin/biome'), ['check', '.']);
    expect(relint.code, relint.out).toBe(0);

    const up = mesh('up', '--json');
    expect(up.code, up.out).toBe(0);
    const health = JSON.parse(up.stdout).health;
    expect(health.domains.map((d: { name: string }) => d.name)).toContain('supplier');
    const supplier = health.domains.find((d: { name: string }) => d.name === 'supplier');
    expect(supplier.products).toEqual([
      expect.objectContaining({ id: 'supplier.supplier_daily_totals', status: 'healthy' }),
      expect.objectContaining({ id: 'supplier.supplier_event_count', status: 'healthy', rowCount: 1 }),
    ]);
    // New products break no one: the release gate lets them through.
    const gate = mesh('contract', 'diff', '--json');
    expect(gate.code, gate.out).toBe(0);
    expect(JSON.parse(gate.stdout).products).toContainEqual(
      expect.objectContaining({ product: 'supplier.supplier_daily_totals', after: '1.0.0', missing: [] }),
    );
    const lineage = JSON.parse(mesh('lineage', '--json').stdout);
    expect(lineage.edges).toContainEqual({
      from: 'supplier.events',
      to: 'supplier.supplier_daily_totals',
      crossDomain: false,
    });
    expect(dirname(join(copy, 'mesh.yaml'))).toBe(copy);
  }, 600_000);
});
