import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMesh } from './mesh.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const BIN = join(repo, 'tools', 'mesh', 'bin', 'mesh.js');
const dir = mkdtempSync(join(tmpdir(), 'mesh-serve-'));
const db = join(dir, 'mesh.duckdb');
const products = (await loadMesh()).products.length;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** When the process ended (ms since the epoch). */
  endedAt: number;
}

/** Runs the CLI without blocking: the server and the client must run at once. */
function mesh(...args: string[]): Promise<Ran> & { child: ChildProcess } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: repo,
    env: { ...process.env, MESH_PROGRESS: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => {
    stdout += c;
  });
  child.stderr!.on('data', (c) => {
    stderr += c;
  });
  const done = new Promise<Ran>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, endedAt: Date.now() }));
  });
  return Object.assign(done, { child });
}

/** Starts `mesh serve` on a free port and waits until it listens. */
async function serve(...extra: string[]) {
  const server = mesh('serve', '--port', '0', '--db', db, '--json', ...extra);
  let line = '';
  await new Promise<void>((resolve, reject) => {
    server.child.stdout!.on('data', (c) => {
      line += c;
      if (line.includes('\n')) resolve();
    });
    server.child.on('close', () => reject(new Error(`mesh serve exited: ${line}`)));
  });
  return { server, ...(JSON.parse(line) as { url: string; pid: number; serveFile: string }) };
}

const get = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
};

beforeAll(async () => {
  const up = await mesh('up', '--db', db, '--scale', '0.5');
  expect(up.code, up.stderr).toBe(0);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mesh serve', () => {
  it('serves the portal, metrics and health, answers health while a build runs, and is the only one', async () => {
    const { server, url, pid, serveFile } = await serve();
    try {
      expect(existsSync(serveFile)).toBe(true);
      const home = await get(`${url}/`);
      expect(home.status).toBe(200);
      expect(home.type).toContain('text/html');
      expect(home.body).toContain('catalog.js');
      const catalog = JSON.parse((await get(`${url}/catalog.json`)).body);
      expect(catalog.products).toHaveLength(products);
      expect((await get(`${url}/catalog.js`)).body).toContain('MESH_CATALOG');
      const metrics = await get(`${url}/metrics`);
      expect(metrics.type).toContain('text/plain');
      expect(metrics.body).toMatch(/^retail_mesh_product_rows\{domain="order",product="order_items",/m);
      const health = JSON.parse((await get(`${url}/health.json`)).body);
      expect(health).toMatchObject({ status: 'healthy', totals: { products } });
      expect((await get(`${url}/nothing`)).status).toBe(404);
      // Commands need the token the serve file holds.
      const anonymous = await fetch(`${url}/api/cli`, { method: 'POST', body: '{"argv":["health"]}' });
      expect(anonymous.status).toBe(401);

      const second = await mesh('serve', '--port', '0', '--db', db);
      expect(second.code).toBe(4);
      expect(second.stderr).toContain(`mesh serve is already running on ${db} (pid ${pid}, ${url})`);
      const once = await mesh('serve', '--once', '--db', db);
      expect(once.code).toBe(4);
      expect(once.stderr).toContain(
        `mesh serve is already running on ${db} (pid ${pid}, ${url}): its scheduler builds what is due`,
      );

      // Health from another process while a build runs: DuckDB allows one process per file,
      // so both go through the server.
      const build = mesh('build', '--db', db, '--json');
      await waitFor(async () =>
        JSON.parse((await get(`${url}/api/status`)).body).running.includes('mesh build'),
      );
      const during = await mesh('health', '--db', db, '--json');
      const built = await build;
      expect(during.code, during.stderr).toBe(0);
      expect(JSON.parse(during.stdout).totals.products).toBe(products);
      expect(during.endedAt).toBeLessThan(built.endedAt);
      expect(built.code, built.stderr).toBe(0);
      expect(JSON.parse(built.stdout).summary.published).toBe(products);
    } finally {
      server.child.kill('SIGTERM');
      await server;
    }
  }, 120_000);

  it('says, through a server without its scheduler, that what is due is not built by it', async () => {
    const { server } = await serve('--no-scheduler');
    try {
      // Hourly products a day later are due; this server builds none of them.
      const schedule = await mesh('schedule', '--db', db);
      expect(schedule.code, schedule.stderr).toBe(0);
      const json = JSON.parse((await mesh('schedule', '--db', db, '--json')).stdout);
      expect(json.scheduler).toBe('off');
      if (json.products.some((p: { due: boolean }) => p.due))
        expect(schedule.stdout).toContain(
          'due now, but this mesh serve runs no scheduler (--no-scheduler): build them with mesh build',
        );
      else expect(schedule.stdout).toContain('Nothing is due now.');
      expect(schedule.stdout).not.toContain('mesh serve builds them');
    } finally {
      server.child.kill('SIGTERM');
      await server;
    }
    // Without a server, the schedule says nothing of one.
    expect(JSON.parse((await mesh('schedule', '--db', db, '--json')).stdout).scheduler).toBeUndefined();
  }, 120_000);

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    'says under --json that a build was stopped by %s, exits %i, and leaves the warehouse whole',
    async (signal, code) => {
      // Stopped once it writes: its write-ahead log appears with its first staged product (none
      // is left by the commands before, which close the file).
      expect(existsSync(`${db}.wal`)).toBe(false);
      const build = mesh('build', '--db', db, '--json', '--full-refresh');
      await waitFor(async () => existsSync(`${db}.wal`));
      build.child.kill(signal);
      const stopped = await build;
      expect(stopped.code, stopped.stderr).toBe(code);
      expect(JSON.parse(stopped.stdout)).toEqual({
        error: {
          code: 'interrupted',
          message: expect.stringMatching(
            new RegExp(`^mesh build was stopped by ${signal}: what it had finished stays`),
          ),
          subject: { command: 'build' },
        },
      });
      // What it left is whole: health reads every product.
      const health = await mesh('health', '--db', db, '--json');
      expect(JSON.parse(health.stdout).totals.products).toBe(products);
    },
    120_000,
  );

  it('answers a JSON client with a JSON error when mesh.yaml broke after it started', async () => {
    // A configuration of its own, so that breaking it leaves the repository's alone.
    const config = join(dir, 'mesh.yaml');
    const valid = `defaultTarget: local\ndomains:\n  - ${join(repo, 'domains', 'product')}\ntargets:\n  local:\n    type: duckdb\n    path: ${db}\n`;
    writeFileSync(config, valid);
    const { server, url } = await serve('--no-scheduler', '--config', config);
    try {
      expect((await get(`${url}/health.json`)).status).toBe(200);
      writeFileSync(config, 'domains: [\n');
      const broken = await get(`${url}/health.json`);
      expect(broken.status).toBe(500);
      expect(broken.type).toContain('application/json');
      expect(JSON.parse(broken.body)).toEqual({
        error: {
          code: 'invalid-config',
          message: expect.stringMatching(new RegExp(`^${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: `)),
          subject: { file: config, line: 2 },
        },
      });
      // Prometheus reads a failed scrape from the status alone.
      expect((await get(`${url}/metrics`)).status).toBe(500);
      writeFileSync(config, valid);
      expect((await get(`${url}/health.json`)).status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      await server;
    }
  }, 120_000);

  it('lets a running build finish on SIGTERM, then stops and leaves the warehouse to others', async () => {
    const { server, url, serveFile } = await serve();
    const build = mesh('build', '--db', db, '--json');
    await waitFor(async () =>
      JSON.parse((await get(`${url}/api/status`)).body).running.includes('mesh build'),
    );
    server.child.kill('SIGTERM');
    const [built, stopped] = await Promise.all([build, server]);
    expect(built.code, built.stderr).toBe(0);
    expect(JSON.parse(built.stdout).summary.published).toBe(products);
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain('finishing mesh build first');
    expect(existsSync(serveFile)).toBe(false);
    // Without a server, commands open the warehouse themselves again.
    const health = await mesh('health', '--db', db, '--json');
    expect(health.code, health.stderr).toBe(0);
    expect(health.stderr).not.toContain('run by mesh serve');
  }, 120_000);
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
