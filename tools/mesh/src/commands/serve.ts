import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type BuildOutcome,
  type DataProduct,
  isMeshError,
  type MeshDefinition,
  UsageError,
  unpublishedProducts,
  type Warehouse,
  WarehouseError,
} from '@retail-mesh/sdk';
import { loadCatalog } from '../catalog-model.js';
import {
  type CommandContext,
  capturedIo,
  commandContext,
  type GlobalOptions,
  type Io,
  openWarehouse,
  shareWarehouse,
  warehouseIdentity,
  withWarehouse,
} from '../context.js';
import { describeDropZoneEvent, dropZonesOf, startDropZones } from '../drop-zone.js';
import { buildFailure, errorJson, healthFailure, withError } from '../failure.js';
import { alertsReport, recordHealth } from '../history.js';
import { loadMesh, loadMeshPackages } from '../mesh.js';
import { meshMetrics } from '../metrics.js';
import { CATALOG_SCRIPT, catalogJson, catalogScript, PORTAL_FILES } from '../portal/index.js';
import { Scheduler, type SchedulerEvent, serving } from '../scheduler.js';
import { runningServer, type ServeRecord, serveFileOf } from '../serve-client.js';
import { buildProducts, buildReport, outcomeJson, runProductOf } from './build.js';
import { collectHealth } from './health.js';
import { numberFlag } from './options.js';

/** The port `mesh serve` listens on when none is given. */
export const DEFAULT_PORT = 7420;

/** Commands that write the warehouse: one at a time, in the order they came. */
const WRITERS = new Set(['up', 'seed', 'build', 'ingest', 'doctor']);

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/**
 * `mesh serve`: the one process that holds the warehouse while it runs. It serves the catalog
 * portal, `/metrics` and `/health.json`, and runs the commands other `mesh` processes send it,
 * so health, tests and the portal answer while a build runs. SIGTERM or SIGINT: no new
 * command is taken, running ones finish, then it exits; a second signal exits at once (a
 * build in flight is then rolled back, as a killed build is).
 */
export async function run(
  values: GlobalOptions & { port?: string; host?: string; once?: boolean; 'no-scheduler'?: boolean },
  names: string[],
  io: Io,
): Promise<number> {
  if (names.length)
    throw new UsageError('bad-arguments', `mesh serve takes no names (got ${names.join(' ')}).`);
  if (values.once && values['no-scheduler'])
    throw new UsageError(
      'bad-arguments',
      '--once runs the scheduler once: it cannot go with --no-scheduler.',
    );
  // --once serves nothing: a port or host given with it would be silently ignored.
  const served = (['port', 'host'] as const).filter((flag) => values[flag] !== undefined);
  if (values.once && served.length)
    throw new UsageError(
      'bad-arguments',
      `--once serves nothing (it builds what is due and exits): it cannot go with ${served.map((f) => `--${f}`).join(' or ')}.`,
    );
  const port = numberFlag(values.port, 'port', DEFAULT_PORT, { integer: true, allowZero: true, max: 65535 });
  const host = values.host ?? '127.0.0.1';
  const context = commandContext(values);
  const identity = warehouseIdentity(context.target);
  const other = runningServer(context);
  if (other)
    throw new WarehouseError(
      'database-locked',
      `mesh serve is already running on ${identity.replace(/^duckdb:/, '')} (pid ${other.pid}, ${other.url}): ${values.once ? 'its scheduler builds what is due and loads its drop zones already' : 'commands go through it'}; stop it (kill ${other.pid}) to start another.`,
      { file: serveFileOf(context) },
    );
  if (values.once) return runOnce(values, io);
  const warehouse = await openHeld(context);
  const unshare = shareWarehouse(identity, warehouse);
  const server = new MeshServer(warehouse, context, values);
  const http = createServer((req, res) => void server.handle(req, res));
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => resolve());
    });
  } catch (error) {
    unshare();
    await warehouse.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      'bad-arguments',
      code === 'EADDRINUSE'
        ? `--port ${port}: another program listens on ${host}:${port}; give another --port (0 picks a free one).`
        : `cannot listen on ${host}:${port}: ${(error as Error).message}`,
    );
  }
  const address = http.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  const record: ServeRecord = {
    pid: process.pid,
    url: `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : shown}:${address.port}`,
    host,
    port: address.port,
    warehouse: identity,
    token: randomBytes(24).toString('hex'),
    startedAt: new Date().toISOString(),
  };
  server.token = record.token;
  const file = serveFileOf(context);
  if (file) writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  if (values.json)
    io.out(
      JSON.stringify({ url: record.url, pid: record.pid, warehouse: identity, serveFile: file ?? null }),
    );
  else
    io.out(
      `mesh serve: ${record.url} (portal /, Prometheus /metrics, /health.json) on ${identity.replace(/^duckdb:/, '')}, pid ${process.pid}.\nmesh commands on this warehouse now go through it. Stop with Ctrl-C or SIGTERM.${values['no-scheduler'] ? '\nNo scheduler (--no-scheduler): nothing is built on schedule, and no drop zone is watched.' : ''}`,
    );
  serving.withoutScheduler = values['no-scheduler'] === true;

  const loaded = values['no-scheduler'] ? undefined : await loadMeshPackages(values);
  const mesh = loaded?.mesh;
  const scheduler = mesh ? scheduledBuilds(warehouse, mesh, context, io) : undefined;
  // Real-time products follow their sources' drop zones: each complete file landed is one batch,
  // then the real-time products downstream rebuild, queued with every other build.
  const zones =
    loaded && mesh && dropZonesOf(mesh, loaded.root).length
      ? startDropZones({
          warehouse,
          mesh,
          root: loaded.root,
          onEvent: (event) => io.err(describeDropZoneEvent(event)),
          build: (products) =>
            server.write('real-time build', () => buildAndRecord(warehouse, mesh, context, io, products)),
        })
      : undefined;
  let wake: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  let looping: Promise<void> = Promise.resolve();
  if (scheduler) {
    // Scheduled builds queue with the commands that write, so a build never overlaps another.
    looping = (async () => {
      while (!server.closing) {
        await server.write('scheduled build', () => scheduler.tick().then(report(io)));
        const next = scheduler.nextWake();
        const ms = Math.min(60_000, Math.max(250, (next?.getTime() ?? Date.now() + 60_000) - Date.now()));
        if (server.closing) break;
        await new Promise<void>((resolve) => {
          wake = { timer: setTimeout(resolve, ms), resolve };
        });
      }
    })().catch((error) => io.err(`mesh serve: the scheduler stopped: ${(error as Error).message}`));
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second signal: no waiting. DuckDB rolls back what was not committed.
        io.err(`mesh serve: ${signal} again, exiting now.`);
        if (file) rmSync(file, { force: true });
        // 128 + the signal's number, as a shell reports a command the signal ended.
        process.exit(signal === 'SIGTERM' ? 143 : 130);
      }
      stopping = true;
      server.closing = true;
      if (server.running.size)
        io.err(
          `mesh serve: ${signal}, finishing ${[...server.running].join(', ')} first (again to abandon).`,
        );
      http.close();
      http.closeIdleConnections();
      if (wake) {
        clearTimeout(wake.timer);
        wake.resolve();
      }
      await looping;
      await zones?.stop();
      await server.idle();
      unshare();
      if (file) rmSync(file, { force: true });
      await warehouse.close();
      serving.withoutScheduler = false;
      io.err('mesh serve: stopped.');
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      resolve(0);
    };
    const onTerm = () => void stop('SIGTERM');
    const onInt = () => void stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
}

/** What the server answers: the portal, metrics, health and commands. */
class MeshServer {
  token = '';
  closing = false;
  /** Commands running now, by `mesh <command>`. */
  readonly running = new Set<string>();
  private inFlight = new Set<Promise<unknown>>();
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly warehouse: Warehouse,
    private readonly context: CommandContext,
    private readonly values: GlobalOptions,
  ) {}

  /** Runs `work` after the writes before it, labelled while it runs. */
  write<T>(label: string, work: () => Promise<T>): Promise<T> {
    const run = async () => {
      this.running.add(label);
      try {
        return await work();
      } finally {
        this.running.delete(label);
      }
    };
    const done = this.writes.then(run, run);
    this.writes = done.catch(() => undefined);
    const tracked = done.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return done;
  }

  /** Resolves once no command runs. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://mesh');
    try {
      if (req.method === 'POST' && url.pathname === '/api/cli') return await this.command(req, res);
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'GET only\n');
      const path = url.pathname === '/' ? '/index.html' : url.pathname;
      const name = path.slice(1);
      if (PORTAL_FILES[name] !== undefined)
        return send(res, 200, TYPES[name.split('.').pop()!]!, PORTAL_FILES[name]!);
      switch (path) {
        case `/${CATALOG_SCRIPT}`:
          return send(res, 200, TYPES.js!, catalogScript(await this.catalog()));
        case '/catalog.json':
          return send(res, 200, TYPES.json!, catalogJson(await this.catalog()));
        case '/health.json': {
          const health = await this.health();
          return send(
            res,
            200,
            TYPES.json!,
            `${JSON.stringify({ ...health, ...withError(healthFailure(health)) }, null, 2)}\n`,
          );
        }
        case '/metrics': {
          const metrics = await meshMetrics(await this.health());
          return send(res, 200, metrics.contentType, metrics.body);
        }
        case '/api/status':
          return send(
            res,
            200,
            TYPES.json!,
            JSON.stringify({ pid: process.pid, running: [...this.running], closing: this.closing }),
          );
        default:
          return send(res, 404, 'text/plain', `Not found: ${path}\n`);
      }
    } catch (error) {
      // A JSON client reads the error as every `--json` command reports one, whatever failed
      // (a mesh.yaml or domain package broken since the server started, the warehouse gone).
      if (url.pathname.endsWith('.json') || url.pathname.startsWith('/api/')) {
        const body = isMeshError(error)
          ? errorJson(error)
          : { code: 'internal-error', message: (error as Error)?.message ?? String(error), subject: {} };
        return send(res, 500, TYPES.json!, `${JSON.stringify({ error: body }, null, 2)}\n`);
      }
      send(res, 500, 'text/plain', `${(error as Error).message}\n`);
    }
  }

  private async health() {
    const mesh = await loadMesh(this.values);
    return collectHealth(this.warehouse, mesh, new Date(), { anomalies: this.context.config.anomalies });
  }

  private async catalog() {
    const mesh = await loadMesh(this.values);
    return loadCatalog(this.warehouse, mesh, {
      anomalies: this.context.config.anomalies,
      schedule: this.context.config.schedule,
    });
  }

  /** Runs `mesh <argv>` sent by another process, on the warehouse this one holds. */
  private async command(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return send(res, 401, 'text/plain', 'The serve file of the warehouse holds the token.\n');
    if (this.closing) return send(res, 503, 'text/plain', 'mesh serve is stopping.\n');
    let body = '';
    for await (const chunk of req) body += chunk;
    const { argv } = JSON.parse(body) as { argv: string[] };
    if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string'))
      return send(res, 400, 'text/plain', 'argv: a list of strings\n');
    const label = `mesh ${argv[0]}`;
    const io = capturedIo();
    const { main } = await import('../main.js');
    // Writers queue behind each other; readers run beside them (DuckDB's concurrency inside one process).
    let code: number;
    if (WRITERS.has(argv[0] ?? '')) code = await this.write(label, () => main(argv, io));
    else {
      this.running.add(label);
      const work: Promise<number> = main(argv, io).finally(() => {
        this.running.delete(label);
        this.inFlight.delete(work);
      });
      this.inFlight.add(work);
      code = await work;
    }
    send(res, 200, TYPES.json!, JSON.stringify({ code, stdout: io.stdout(), stderr: io.stderr() }));
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/** The scheduler of a server: builds what is due and records health (alerts included). */
function scheduledBuilds(
  warehouse: Warehouse,
  mesh: MeshDefinition,
  context: CommandContext,
  io: Io,
): Scheduler {
  return new Scheduler({
    mesh,
    config: context.config.schedule,
    clock: () => new Date(),
    runs: (since) => warehouse.listRuns({ since }),
    build: (products) => buildAndRecord(warehouse, mesh, context, io, products),
    unpublished: () => unpublishedProducts(warehouse, mesh.products),
  });
}

/** Builds products the server chose (and what they read), records health and sends its alerts. */
async function buildAndRecord(
  warehouse: Warehouse,
  mesh: MeshDefinition,
  context: CommandContext,
  io: Io,
  products: readonly DataProduct[],
): Promise<BuildOutcome[]> {
  // A product whose inputs did not change since its last build is left as it is (its run is
  // recorded again, renewing its freshness).
  const { runId, outcomes } = await buildProducts(
    warehouse,
    mesh,
    products.map((p) => p.id),
    undefined,
    { skipUnchanged: true },
  );
  const { alerts } = await recordHealth(warehouse, mesh, context.config, {
    runId,
    kind: 'build',
    products: outcomes.map(runProductOf),
  });
  for (const line of alertsReport(alerts)) io.err(line);
  return outcomes;
}

/** One line per scheduled run, on stderr. */
const report = (io: Io) => (event: SchedulerEvent) => {
  if (event.type !== 'run') return event;
  const outcomes = event.outcomes ?? [];
  const failed = outcomes.filter((o) => o.status !== 'published');
  const unchanged = outcomes.filter((o) => o.unchanged).length;
  io.err(
    `${event.at.toISOString()} scheduled build of ${event.products!.join(', ')}: ${outcomes.length - failed.length - unchanged} published${unchanged ? `, ${unchanged} unchanged` : ''}${failed.length ? `, ${failed.length} not (${failed.map((o) => `${o.product.id} ${o.status}`).join(', ')})` : ''}.`,
  );
  return event;
};

/** How long `--once` waits for the files in its drop zones to settle and load. */
const ONCE_ZONE_WAIT_MS = 60_000;

/**
 * `mesh serve --once`: what landed in the drop zones loaded (and the real-time products it
 * feeds built), then what is due now built once, then exit (a cron job, a Kubernetes CronJob).
 */
async function runOnce(values: GlobalOptions, io: Io): Promise<number> {
  const { mesh, root } = await loadMeshPackages(values);
  return withWarehouse(
    values,
    async (warehouse, context) => {
      const landed = await drainDropZones(warehouse, mesh, root, context, values.json ? undefined : io, io);
      const event = await scheduledBuilds(warehouse, mesh, context, io).tick();
      const outcomes = event.outcomes ?? [];
      const failed = outcomes.filter((o) => o.status !== 'published').length;
      const refused = landed.files.filter((f) => f.status === 'failed' || f.status === 'left');
      const ignored = landed.files.filter((f) => f.status === 'ignored');
      const builtFromZones = landed.builds.flatMap((b) =>
        b.error
          ? b.products.map((product) => ({ product, status: 'failed', rowCount: 0, error: b.error }))
          : b.outcomes,
      );
      const zoneBuildFailed = builtFromZones.filter((o) => o.status !== 'published');
      const error =
        buildFailure(outcomes) ??
        (refused[0]
          ? {
              code: refused[0].code ?? 'drop-zone-file-refused',
              message: `${refused[0].file} was refused: ${refused[0].reason}`,
              subject: { source: refused[0].source, file: refused[0].file },
            }
          : zoneBuildFailed[0]
            ? {
                code: 'build-failed',
                message: `${zoneBuildFailed[0].product} ${zoneBuildFailed[0].status}: ${zoneBuildFailed[0].error ?? ''}`,
                subject: { product: zoneBuildFailed[0].product },
              }
            : ignored[0]
              ? {
                  code: 'drop-zone-file-ignored',
                  message: `${ignored[0].file} was not taken: ${ignored[0].reason}`,
                  subject: { source: ignored[0].source, file: ignored[0].file },
                }
              : landed.unsettled
                ? {
                    code: 'drop-zone-unsettled',
                    message:
                      'A file in a drop zone was still being written after a minute: it is left for the next run.',
                    subject: {},
                  }
                : undefined);
      if (values.json)
        io.out(
          JSON.stringify(
            {
              dropZones: landed,
              due: event.products ?? [],
              products: outcomes.map(outcomeJson),
              ...withError(error),
            },
            null,
            2,
          ),
        );
      else if (event.type === 'idle') io.out('Nothing is due.');
      else io.out(buildReport(outcomes));
      return failed || refused.length || zoneBuildFailed.length || ignored.length || landed.unsettled ? 1 : 0;
    },
    { create: true },
  );
}

/** What `--once` found in the drop zones: each file and what came of it, each build it called for. */
interface Landed {
  files: Array<{
    source: string;
    file: string;
    /**
     * failed: refused, moved to .failed; left: the warehouse failed, still in its zone; ignored:
     * not a file the zone takes (by its name), left where it is.
     */
    status: 'ingested' | 'skipped' | 'failed' | 'left' | 'ignored';
    rows?: number;
    rejected?: number;
    code?: string;
    reason?: string;
  }>;
  builds: Array<{
    products: readonly string[];
    files: readonly string[];
    outcomes: ReadonlyArray<{ product: string; status: string; rowCount: number; error: string | undefined }>;
    /** The build itself threw (its products were not built). */
    error: string | undefined;
  }>;
  /** Files still being written when it stopped waiting: left for the next run. */
  unsettled: boolean;
}

/**
 * Loads every complete file in the mesh's local drop zones, then builds the real-time products
 * they feed, as `mesh serve` would, and stops: the zones' watcher, until it is quiet (or, for a
 * file that never stops changing, a minute). Events go to `log` (stderr) when given.
 */
async function drainDropZones(
  warehouse: Warehouse,
  mesh: MeshDefinition,
  root: string,
  context: CommandContext,
  log: Io | undefined,
  io: Io,
): Promise<Landed> {
  const landed: Landed = { files: [], builds: [], unsettled: false };
  if (!dropZonesOf(mesh, root).some((z) => z.dir)) return landed;
  const zones = startDropZones({
    warehouse,
    mesh,
    root,
    pollMs: 50,
    onEvent: (event) => {
      if (event.type === 'ingested')
        landed.files.push({
          source: event.source,
          file: event.file,
          status: 'ingested',
          rows: event.loaded,
          rejected: event.rejected,
        });
      else if (event.type === 'skipped')
        landed.files.push({
          source: event.source,
          file: event.file,
          status: 'skipped',
          reason: event.reason,
        });
      else if (event.type === 'ignored')
        // Not taken, and not gone: a feed that lands under another name must not look like none.
        landed.files.push({
          source: event.source,
          file: event.file,
          status: 'ignored',
          reason: event.reason,
        });
      else if (event.type === 'changed')
        // Taken half written and put back: whatever came of it later, the writer wrote in place.
        landed.files.push({
          source: event.source,
          file: event.file,
          status: 'left',
          code: 'drop-zone-file-changed',
          reason: describeDropZoneEvent(event),
        });
      else if (event.type === 'failed')
        // A file the warehouse failed on (retry) stays in its zone for the next run: a failure too.
        landed.files.push({
          source: event.source,
          file: event.file,
          status: event.retry ? 'left' : 'failed',
          code: event.code,
          reason: event.reason,
        });
      else if (event.type === 'build-finished')
        landed.builds.push({
          products: event.products,
          files: event.files,
          outcomes: event.outcomes,
          error: event.error,
        });
      if (log && event.type !== 'watching' && event.type !== 'seen') log.err(describeDropZoneEvent(event));
    },
    build: (products) => buildAndRecord(warehouse, mesh, context, io, products),
  });
  let timer: NodeJS.Timeout | undefined;
  const waited = await Promise.race([
    zones.idle().then(() => 'idle' as const),
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ONCE_ZONE_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
  landed.unsettled = waited === 'timeout';
  await zones.stop();
  return landed;
}

/**
 * Opens the warehouse for good. A command that opened it a moment ago (before this server's
 * file existed) holds it for a moment: waited for, a few seconds, rather than refused.
 */
async function openHeld(context: CommandContext): Promise<Warehouse> {
  const until = Date.now() + 5000;
  for (;;) {
    try {
      return await openWarehouse(context, { create: true });
    } catch (error) {
      if (!isMeshError(error) || error.code !== 'database-locked' || Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
