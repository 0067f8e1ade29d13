import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';

// Our own devDependency, as pnpm links it: never one found on PATH or in a global install.
const VERDACCIO = join(import.meta.dirname, '..', '..', 'node_modules', 'verdaccio', 'bin', 'verdaccio');

/** A verdaccio registry on 127.0.0.1, serving one scope and nothing else. */
export interface LocalRegistry {
  /** Its address, with the trailing slash npm config expects. */
  readonly url: string;
  /** How an .npmrc keys credentials for it: `//127.0.0.1:<port>/`. */
  readonly authKey: string;
  /** One request to the registry; `path` is relative to its address. */
  request(path: string, options?: { method?: string; body?: unknown }): Promise<RegistryResponse>;
  /** Creates a user through the registry's API (what `npm adduser` does) and returns its token. */
  addUser(name: string, password: string): Promise<string>;
  /** What the registry printed, for failure messages. */
  output(): string;
  /** Stops it; resolves once the process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface RegistryResponse {
  status: number;
  body: Buffer;
  json<T = unknown>(): T;
}

/**
 * Starts verdaccio with its config and storage under `dir`. The scope has no uplink, so its
 * packages come from this registry alone (never proxied from the public one); reading is open
 * and publishing takes a user's token; one user at most can be created.
 */
export async function startRegistry(dir: string, scope: string): Promise<LocalRegistry> {
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'config.yaml');
  const log = { type: 'stdout', format: 'json', level: 'warn' };
  writeFileSync(
    config,
    stringify({
      storage: join(dir, 'storage'),
      auth: { htpasswd: { file: join(dir, 'htpasswd'), max_users: 1 } },
      uplinks: {},
      packages: {
        [`${scope}/*`]: { access: '$all', publish: '$authenticated', unpublish: '$authenticated' },
      },
      web: { enable: false },
      // verdaccio 5 reads `logs`, 6 reads `log`.
      logs: log,
      log,
    }),
  );
  // The free port is only known free until verdaccio binds it: another process may take it in
  // between, so a start that fails is tried again on another port.
  let failures = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    let output = '';
    const child = spawn(process.execPath, [VERDACCIO, '--config', config, '--listen', `127.0.0.1:${port}`], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // Should the test process end without its afterAll (a crash, a kill of the worker), the
    // registry still goes with it.
    const orphan = () => child.kill('SIGKILL');
    process.once('exit', orphan);
    child.once('exit', () => process.off('exit', orphan));
    if (await ready(child, url)) {
      return {
        url,
        authKey: `//127.0.0.1:${port}/`,
        request: (path, options) => send(`${url}${path}`, options),
        addUser: (name, password) => addUser(url, name, password),
        output: () => output,
        stop: () => stop(child),
      };
    }
    await stop(child);
    failures += `\n--- port ${port}:\n${output}`;
  }
  throw new Error(`verdaccio did not start:${failures}`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port for the registry');
  return address.port;
}

/** Waits until the registry answers its ping; false when it exited or did not answer in 30 s. */
async function ready(child: ChildProcess, url: string): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      if ((await send(`${url}-/ping`)).status === 200) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/**
 * A request on a connection of its own. fetch keeps connections open for reuse, but a test that
 * waits on spawnSync blocks its event loop longer than the server keeps an idle one: the next
 * fetch then writes to a connection the server has closed ("other side closed").
 */
function send(
  url: string,
  { method = 'GET', body }: { method?: string; body?: unknown } = {},
): Promise<RegistryResponse> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string | number> = { accept: 'application/json' };
  if (payload)
    Object.assign(headers, { 'content-type': 'application/json', 'content-length': payload.length });
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const data = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, body: data, json: () => JSON.parse(data.toString('utf8')) });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in 30 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function addUser(url: string, name: string, password: string): Promise<string> {
  const response = await send(`${url}-/user/org.couchdb.user:${encodeURIComponent(name)}`, {
    method: 'PUT',
    body: {
      _id: `org.couchdb.user:${name}`,
      name,
      password,
      email: `${name}@retail.example`,
      type: 'user',
      roles: [],
      date: new Date().toISOString(),
    },
  });
  const body = response.json<{ token?: string; error?: string }>();
  if (response.status !== 201 || !body.token) {
    throw new Error(`the registry did not create ${name}: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.token;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(kill);
}
