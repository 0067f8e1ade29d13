// Drop zones: folders where operational systems put their exports, each file loaded as it lands
// and the real-time products it feeds rebuilt in micro-batches. `mesh serve` starts them.
//
// This module imports nothing of the CLI but the SDK (values) and Node itself, so that a
// benchmark can load it on its own.
import type { Dirent, Stats } from 'node:fs';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import {
  type BuildOutcome,
  canIngestFiles,
  type DataProduct,
  DefinitionError,
  type FileIngester,
  type IngestResult,
  isMeshError,
  type MeshDefinition,
  type Source,
  type SourceState,
  sourcesOf,
  UsageError,
  type Warehouse,
  withdrawSamples,
} from '@retail-mesh/sdk';
import { byArrival, datedAsNewest, olderExportError } from './files.js';

/** How often every zone is looked at when not told: a file lands, settles and loads within about 2 polls. */
export const DEFAULT_POLL_MS = 250;

/** The folders a zone moves files into: loaded ones, and refused ones with the reason. */
export const DONE_FOLDER = '.done';
export const FAILED_FOLDER = '.failed';

/** Attempts at a file whose ingest failed for a reason not its own (the warehouse) before it is refused. */
const MAX_ATTEMPTS = 3;

/**
 * Names a zone never takes: a writer's file under construction. Dotfiles (`.orders.csv`, and the
 * zone's own `.done` and `.failed`), `*.tmp`, `*.partial`, `*.part`, `*.crdownload` and `*~`.
 */
export function isTemporaryName(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~') || /\.(tmp|temp|partial|part|crdownload)$/i.test(name);
}

/** The formats a zone loads, by extension; other files are left where they are (and reported once). */
const FORMATS: Record<string, 'csv' | 'parquet'> = { '.csv': 'csv', '.tsv': 'csv', '.parquet': 'parquet' };

/**
 * Why a file of a name the zone does not take is left where it is, and what to do. A `.txt`
 * may be an export or someone's notes: not taken (a refused file would be moved away).
 */
export function ignoredBecause(name: string): string {
  const ext = extname(name).toLowerCase();
  if (/^\.(gz|zip|bz2|xz|zst|7z|tgz)$/.test(ext))
    return `compressed (${ext}): decompress it into the zone; .csv, .tsv and .parquet files are taken`;
  if (/^\.(xlsx|xlsm|xls|ods)$/.test(ext)) return 'a spreadsheet: save it as CSV into the zone';
  if (/^\.(json|jsonl|ndjson)$/.test(ext))
    return 'JSON is not read: write it as CSV or Parquet into the zone';
  return `not a .csv, .tsv or .parquet file${ext ? '' : ' (it has no extension)'}: rename it if it is one (a tab-delimited export as .tsv), else move it out of the zone`;
}

/** A Cloud Storage prefix, or any URL: a zone a local process does not watch. */
const isRemote = (zone: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(zone);

/** A source's drop zone as the watcher sees it. */
export interface DropZone {
  readonly source: Source;
  /** As the source declares it: `drops/store/receipts`, `gs://bucket/prefix`. */
  readonly zone: string;
  /** The folder watched; undefined for a Cloud Storage prefix, which is not watched locally. */
  readonly dir: string | undefined;
  /** The `refresh: 'real-time'` products the source feeds, directly or through other products. */
  readonly products: readonly DataProduct[];
}

/** What the watcher did, for `mesh serve` to print (`describeDropZoneEvent`). */
export type DropZoneEvent =
  | {
      readonly type: 'watching';
      readonly at: Date;
      readonly source: string;
      readonly zone: string;
      readonly dir: string;
      readonly products: readonly string[];
    }
  | {
      readonly type: 'not-watched';
      readonly at: Date;
      readonly source: string;
      readonly zone: string;
      readonly reason: string;
    }
  /** A file seen in a zone for the first time; it is taken once it has settled. */
  | {
      readonly type: 'seen';
      readonly at: Date;
      readonly source: string;
      readonly file: string;
      readonly bytes: number;
    }
  /** A file that is not CSV or Parquet: left where it is. */
  | {
      readonly type: 'ignored';
      readonly at: Date;
      readonly source: string;
      readonly file: string;
      readonly reason: string;
    }
  | {
      readonly type: 'ingested';
      readonly at: Date;
      readonly source: string;
      readonly file: string;
      readonly batchId: number;
      readonly rows: number;
      readonly loaded: number;
      readonly rejected: number;
      /** Why the batch's size looks wrong next to the source's previous batches, if it does. */
      readonly flag: string | undefined;
      /** An earlier batch with these very bytes, its rows current again over later ones (`IngestResult.reloads`). */
      readonly reloads?: number | undefined;
      /** Sources of the domain whose sample rows were taken out: real rows landed beside them. */
      readonly withdrawnSamples: readonly string[];
      readonly ms: number;
      /** Where the file went: `<zone>/.done/<name>`; undefined when it could not be moved. */
      readonly movedTo: string | undefined;
    }
  /** A file whose bytes were loaded before (same sha256): nothing loaded, moved to `.done`. */
  | {
      readonly type: 'skipped';
      readonly at: Date;
      readonly source: string;
      readonly file: string;
      readonly batchId: number;
      readonly reason: 'already-ingested';
      readonly movedTo: string | undefined;
    }
  /**
   * A file that changed after it was taken (a copy written in place that paused longer than a
   * poll): its batch is reverted and the file put back, to be taken whole once it settles.
   */
  | {
      readonly type: 'changed';
      readonly at: Date;
      readonly source: string;
      readonly file: string;
      /** The batch that held the part read, reverted; undefined when none was loaded. */
      readonly reverted: number | undefined;
      /** The error of the revert, when it failed: the batch stays and says so. */
      readonly error?: string | undefined;
    }
  | {
      readonly type: 'failed';
      readonly at: Date;
      readonly source: string;
      readonly file: string;
      readonly code: string;
      readonly reason: string;
      /** `<zone>/.failed/<name>` (beside `<name>.reason.txt`); undefined when the file stays (retry) or vanished. */
      readonly movedTo: string | undefined;
      /** The warehouse failed, not the file: it is tried again on a later poll. */
      readonly retry: boolean;
    }
  | {
      readonly type: 'build-started';
      readonly at: Date;
      readonly products: readonly string[];
      /** The files ingested since the previous build: what this micro-batch publishes. */
      readonly files: readonly string[];
    }
  | {
      readonly type: 'build-finished';
      readonly at: Date;
      readonly products: readonly string[];
      readonly files: readonly string[];
      readonly ms: number;
      readonly outcomes: ReadonlyArray<{
        readonly product: string;
        readonly status: BuildOutcome['status'];
        readonly rowCount: number;
        readonly error: string | undefined;
      }>;
      /** The build itself threw: its products are built again after a pause. */
      readonly error: string | undefined;
    }
  /** A zone could not be read (permissions), or a step failed unexpectedly. */
  | {
      readonly type: 'error';
      readonly at: Date;
      readonly source: string | undefined;
      readonly message: string;
    };

/** What one look at the zones found. */
export interface DropZoneScan {
  /** Files seen for the first time. */
  readonly seen: readonly string[];
  /** Files found complete (unchanged since the previous poll) and queued to be ingested. */
  readonly taken: readonly string[];
  /** Files seen once, or still changing: looked at again on the next poll. */
  readonly settling: readonly string[];
}

export interface DropZoneOptions {
  readonly warehouse: Warehouse;
  readonly mesh: MeshDefinition;
  /** The root of the mesh (the folder of mesh.yaml): local drop zones are relative to it. */
  readonly root: string;
  /**
   * Builds the real-time products a micro-batch touched: only those (their upstream products are
   * not in the list, and should not be rebuilt). Called once at a time.
   */
  readonly build: (products: DataProduct[]) => Promise<BuildOutcome[]>;
  readonly onEvent?: (event: DropZoneEvent) => void;
  /** Between two looks at every zone; `DEFAULT_POLL_MS` when not given. */
  readonly pollMs?: number;
  /**
   * The time: what events carry, failure reports are dated with, and how long a file has stayed
   * unchanged is measured by. `() => new Date()` when not given.
   */
  readonly clock?: () => Date;
}

export interface DropZones {
  /** The zones of the mesh's sources, watched or not. */
  readonly zones: readonly DropZone[];
  /**
   * Stops watching: no new file is taken, no new build starts; resolves once the file being
   * ingested and the running build have finished. Files not ingested yet stay in their zone for
   * the next start; files ingested but not built yet are built at the next start.
   */
  stop(): Promise<void>;
  /**
   * Resolves once the zones are quiet: every file in them (when called, and since) ingested or
   * refused, and the builds they call for finished. A build that failed and waits to be tried
   * again does not hold it; a file that never stops changing does.
   */
  idle(): Promise<void>;
  /** Looks at every zone now (as a poll does) and says what it found. */
  scanOnce(): Promise<DropZoneScan>;
}

/** The drop zones of a mesh: every source that names one, with the real-time products it feeds. */
export function dropZonesOf(mesh: MeshDefinition, root: string): DropZone[] {
  const zones = mesh.sources
    .filter((s) => s.dropZone !== undefined)
    .map((source) => ({
      source,
      zone: source.dropZone!,
      dir: isRemote(source.dropZone!) ? undefined : resolve(root, source.dropZone!),
      products: mesh.products.filter(
        (p) => p.refresh === 'real-time' && sourcesOf(p).some((s) => s.id === source.id),
      ),
    }));
  const byDir = new Map<string, Source>();
  for (const z of zones) {
    if (!z.dir) continue;
    const other = byDir.get(z.dir);
    if (other)
      throw new DefinitionError(
        'drop-zone-shared',
        `${other.id} and ${z.source.id} both drop into ${z.zone}: a file there could be either's; give each source a folder of its own.`,
        { domain: z.source.domain.name, source: z.source.name },
      );
    byDir.set(z.dir, z.source);
  }
  return zones;
}

interface Observation {
  readonly zone: DropZone;
  key: string;
  at: number;
}

interface Taken {
  readonly zone: DropZone;
  readonly path: string;
  readonly name: string;
  readonly key: string;
  readonly mtimeMs: number;
}

/**
 * Watches the local drop zones of the mesh's sources (folders, relative to `root`) by polling:
 * each new complete file is ingested as one batch, exactly as `mesh ingest <source> --from
 * <file>` does (the warehouse's `ingestFile` validates every row; the samples of the domain's
 * other sources are withdrawn when real rows land), then moved to `<zone>/.done/` (a file
 * refused whole to `<zone>/.failed/`, beside `<name>.reason.txt`). The real-time products
 * downstream of the sources that received rows are then built by `build`, one build at a time:
 * files that land during a build are ingested meanwhile and built together by the next one.
 *
 * A file is complete when its size and modification time have not changed between two polls
 * at least `pollMs` apart. Writers write the file elsewhere, or in the zone under a temporary
 * name (a dotfile, `*.tmp`, `*.partial`: never taken) and rename it in when it is whole; a file
 * written in place slowly, pausing longer than a poll, could be taken half written. Only `*.csv`,
 * `*.tsv` and `*.parquet` files are taken, with the source's columns (no mapping); others are
 * reported (`ignored`, with what to do) and left where they are. Files are taken in
 * order of modification time, then name: for sources whose latest batch wins, the order matters.
 *
 * A restart does not reprocess a file: it was moved. A process killed between the ingest of a
 * file and its move finds it again and the ingest says `already-ingested` (same sha256), so it is
 * not loaded twice, only moved; and a product whose source received a batch after its last build
 * is built at start. Cloud Storage zones (`gs://bucket/prefix`) are reported as not watched.
 *
 * @example
 * const zones = startDropZones({
 *   warehouse, mesh, root,
 *   build: (products) => buildMesh(warehouse, products, { mesh: mesh.products }),
 *   onEvent: (e) => console.log(describeDropZoneEvent(e)),
 * });
 * // ... later
 * await zones.stop();
 */
export function startDropZones(options: DropZoneOptions): DropZones {
  const { warehouse, mesh, build } = options;
  const pollMs = Math.max(1, options.pollMs ?? DEFAULT_POLL_MS);
  const clock = options.clock ?? (() => new Date());
  const zones = dropZonesOf(mesh, options.root);
  const local = zones.filter((z) => z.dir !== undefined);
  if (local.length && !canIngestFiles(warehouse))
    throw new UsageError(
      'ingest-unsupported',
      `The ${warehouse.name} warehouse cannot ingest files: the drop zones of ${local.map((z) => z.source.id).join(', ')} cannot be watched.`,
    );
  const ingester = warehouse as Warehouse & FileIngester;
  const emit = (event: DropZoneEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's failure is not the watcher's.
    }
  };
  const now = () => performance.now();

  for (const z of zones) {
    if (z.dir)
      emit({
        type: 'watching',
        at: clock(),
        source: z.source.id,
        zone: z.zone,
        dir: z.dir,
        products: z.products.map((p) => p.id),
      });
    else
      emit({
        type: 'not-watched',
        at: clock(),
        source: z.source.id,
        zone: z.zone,
        reason: `${z.zone} is a Cloud Storage prefix: it is the drop zone in production, not watched by a local process (land those files with mesh ingest ${z.source.id} --from <file>).`,
      });
  }

  let stopping = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Files seen and not taken yet, by path. */
  const observed = new Map<string, Observation>();
  /** Files queued or being ingested. */
  const taken = new Set<string>();
  const queue: Taken[] = [];
  /** Reported once: files of other formats, zones that cannot be read. */
  const reported = new Set<string>();
  /** Files left in place on purpose (could not be moved, or waiting to be tried again), by path: the state they were left in. */
  const leftAlone = new Map<string, { key: string; until: number }>();
  const attempts = new Map<string, number>();
  /**
   * Files moved to `.done` lately, by where they went: a writer that paused longer than a poll
   * writes on into the moved file, which is then seen to change (see `watchArchived`).
   */
  const archived = new Map<
    string,
    { zone: DropZone; original: string; key: string; batchId: number | undefined; until: number }
  >();
  /** Products to build, and the files they were dirtied by. */
  const dirty = new Map<string, DataProduct>();
  let dirtyFiles: string[] = [];
  let retryBuildAt = 0;
  let buildFailures = 0;
  let ingesting: Promise<void> | undefined;
  let building: Promise<void> | undefined;
  let scanning: Promise<DropZoneScan> | undefined;

  const markDirty = (zone: DropZone, file?: string) => {
    for (const p of zone.products) dirty.set(p.id, p);
    if (file && zone.products.length) dirtyFiles.push(file);
  };

  // Builds a killed or stopped process never ran: a zone source's batch newer than the last run
  // of a product it feeds (or a product never run while its source holds batches).
  const caughtUp = (async () => {
    const fed = local.filter((z) => z.products.length);
    if (!fed.length) return;
    try {
      const runs = new Map((await warehouse.latestRuns()).map((r) => [`${r.domain}.${r.product}`, r]));
      for (const z of fed) {
        const batches = (await warehouse.listBatches({ source: z.source.id })).filter(
          (b) => b.kind === 'ingest',
        );
        const last = batches.at(-1);
        if (!last) continue;
        for (const p of z.products) {
          const run = runs.get(p.id);
          if (!run || run.startedAt.getTime() < last.ingestedAt.getTime()) dirty.set(p.id, p);
        }
      }
    } catch (error) {
      emit({ type: 'error', at: clock(), source: undefined, message: `catching up: ${messageOf(error)}` });
    }
  })();

  async function scanZone(zone: DropZone, found: { seen: string[]; settling: string[]; complete: Taken[] }) {
    const dir = zone.dir!;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A zone not created yet is watched for: it holds nothing.
      if (code !== 'ENOENT' && !reported.has(dir)) {
        reported.add(dir);
        emit({
          type: 'error',
          at: clock(),
          source: zone.source.id,
          message: `${dir} cannot be read: ${messageOf(error)}`,
        });
      }
      entries = [];
    }
    const present = new Set<string>();
    /** Said once: a file or folder left where it is, and why. */
    const ignore = (path: string, reason: string) => {
      if (reported.has(path)) return;
      reported.add(path);
      emit({ type: 'ignored', at: clock(), source: zone.source.id, file: path, reason });
    };
    for (const entry of entries) {
      const name = entry.name;
      if (entry.isDirectory() && !name.startsWith('.')) {
        // A feed that lands in a folder per day must not look like no feed at all.
        ignore(
          join(dir, name),
          `a folder: a drop zone takes the files directly in it, not in folders below; move them up into ${dir}`,
        );
        continue;
      }
      if ((!entry.isFile() && !entry.isSymbolicLink()) || isTemporaryName(name)) continue;
      const path = join(dir, name);
      present.add(path);
      if (taken.has(path)) continue;
      if (!FORMATS[extname(name).toLowerCase()]) {
        ignore(path, ignoredBecause(name));
        continue;
      }
      let info: Stats;
      try {
        info = await stat(path);
      } catch {
        continue; // Gone (renamed away, deleted) since the listing.
      }
      if (!info.isFile()) continue;
      const key = keyOfStats(info);
      const alone = leftAlone.get(path);
      if (alone) {
        if (alone.key === key && now() < alone.until) continue;
        leftAlone.delete(path);
      }
      const before = observed.get(path);
      const at = clock().getTime();
      if (!before) {
        observed.set(path, { zone, key, at });
        found.seen.push(path);
        found.settling.push(path);
        emit({ type: 'seen', at: clock(), source: zone.source.id, file: path, bytes: info.size });
        continue;
      }
      if (before.key !== key || at - before.at < pollMs) {
        if (before.key !== key) {
          before.key = key;
          before.at = at;
        }
        found.settling.push(path);
        continue;
      }
      observed.delete(path);
      found.complete.push({ zone, path, name, key, mtimeMs: info.mtimeMs });
    }
    for (const [path, o] of observed) if (o.zone === zone && !present.has(path)) observed.delete(path);
  }

  async function scan(): Promise<DropZoneScan> {
    await caughtUp;
    const found = { seen: [] as string[], settling: [] as string[], complete: [] as Taken[] };
    if (!stopping) await watchArchived();
    if (!stopping) for (const zone of local) await scanZone(zone, found);
    found.complete.sort(byArrival);
    for (const t of found.complete) {
      taken.add(t.path);
      queue.push(t);
    }
    kickIngest();
    kickBuild();
    return { seen: found.seen, taken: found.complete.map((t) => t.path), settling: found.settling };
  }

  function scanOnce(): Promise<DropZoneScan> {
    // One look at a time: a poll and a caller's look never interleave.
    const next = (scanning ?? Promise.resolve()).then(scan, scan);
    scanning = next;
    void next
      .finally(() => {
        if (scanning === next) scanning = undefined;
      })
      .catch(() => undefined);
    return next;
  }

  function kickIngest(): void {
    if (ingesting || stopping || !queue.length) return;
    ingesting = (async () => {
      while (queue.length && !stopping) await ingestOne(queue.shift()!);
    })()
      .catch((error) => emit({ type: 'error', at: clock(), source: undefined, message: messageOf(error) }))
      .finally(() => {
        ingesting = undefined;
        // Stopped: what is still queued stays in its zone for the next start.
        if (stopping) for (const t of queue.splice(0)) taken.delete(t.path);
        else kickIngest();
      });
  }

  async function ingestOne(t: Taken): Promise<void> {
    const { zone, path } = t;
    const source = zone.source;
    const started = now();
    let result: IngestResult;
    try {
      // An export dated before the newest held, where that one wins: refused, as `mesh ingest` does.
      const batches = await warehouse.listBatches({ source: source.id });
      const older = olderExportError(source, path, batches);
      if (older) throw older;
      const held = batches.filter((b) => b.kind === 'ingest').map((b) => b.file);
      result = await ingester.ingestFile(source, path, {
        format: FORMATS[extname(path).toLowerCase()],
        current: datedAsNewest(path, held),
      });
    } catch (error) {
      const mine = isMeshError(error) && error.subject.file !== undefined;
      const tries = (attempts.get(path) ?? 0) + 1;
      const code = isMeshError(error) ? error.code : 'ingest-failed';
      if (!mine && tries < MAX_ATTEMPTS) {
        // The warehouse failed, not the file: left in place, tried again a little later.
        attempts.set(path, tries);
        leftAlone.set(path, { key: t.key, until: now() + pollMs * 4 ** tries });
        taken.delete(path);
        emit({
          type: 'failed',
          at: clock(),
          source: source.id,
          file: path,
          code,
          reason: messageOf(error),
          movedTo: undefined,
          retry: true,
        });
        return;
      }
      attempts.delete(path);
      const movedTo = await refuse(zone, t, code, messageOf(error));
      taken.delete(path);
      emit({
        type: 'failed',
        at: clock(),
        source: source.id,
        file: path,
        code,
        reason: messageOf(error),
        movedTo,
        retry: false,
      });
      return;
    }
    attempts.delete(path);
    let withdrawn: string[] = [];
    if (result.status === 'loaded') {
      // As `mesh ingest` does: real rows landed, so the domain's other sources lose their sample rows.
      try {
        withdrawn = (
          await withdrawSamples(
            warehouse,
            mesh.sources.filter((s) => s.domain.name === source.domain.name && s.id !== source.id),
          )
        ).map((s) => s.id);
      } catch (error) {
        emit({
          type: 'error',
          at: clock(),
          source: source.id,
          message: `the samples of ${source.domain.name} could not be withdrawn: ${messageOf(error)}`,
        });
      }
    }
    // Written on while it was read: the part read goes, the file stays to be taken whole.
    if ((await keyOf(path)) !== t.key) {
      taken.delete(path);
      await takeBack(zone, path, result.status === 'loaded' ? result.batchId : undefined);
      return;
    }
    const movedTo = await move(zone, t, DONE_FOLDER);
    taken.delete(path);
    const movedKey = movedTo && (await keyOf(movedTo));
    if (movedTo && movedKey)
      archived.set(movedTo, {
        zone,
        original: path,
        key: movedKey,
        batchId: result.status === 'loaded' ? result.batchId : undefined,
        until: now() + Math.max(ARCHIVE_WATCH_MS, pollMs * 10),
      });
    if (result.status === 'already-ingested') {
      emit({
        type: 'skipped',
        at: clock(),
        source: source.id,
        file: path,
        batchId: result.batchId,
        reason: 'already-ingested',
        movedTo,
      });
      return;
    }
    emit({
      type: 'ingested',
      at: clock(),
      source: source.id,
      file: path,
      batchId: result.batchId,
      rows: result.rows,
      loaded: result.loaded,
      rejected: result.rejected,
      flag: result.flag,
      reloads: result.reloads,
      withdrawnSamples: withdrawn,
      ms: now() - started,
      movedTo,
    });
    markDirty(zone, path);
    kickBuild();
  }

  /**
   * Files moved to `.done` in the last minute that changed since: taken half written. Their
   * batch is reverted and the file moved back into its zone, to be taken once it settles.
   */
  async function watchArchived(): Promise<void> {
    for (const [moved, a] of archived) {
      const key = await keyOf(moved);
      if (key === undefined || now() > a.until) {
        archived.delete(moved);
        continue;
      }
      if (key === a.key) continue;
      archived.delete(moved);
      let back = a.original;
      for (let n = 1; await exists(back); n++) {
        const ext = extname(a.original);
        back = `${a.original.slice(0, a.original.length - ext.length)}.${n}${ext}`;
      }
      try {
        await rename(moved, back);
      } catch (error) {
        emit({
          type: 'error',
          at: clock(),
          source: a.zone.source.id,
          message: `${moved} changed after it was ingested, and could not be moved back into its zone: ${messageOf(error)}`,
        });
      }
      await takeBack(a.zone, back, a.batchId);
    }
  }

  /** Reverts the batch of a file taken half written, and says so; the file is taken again once it settles. */
  async function takeBack(zone: DropZone, file: string, batchId: number | undefined): Promise<void> {
    let error: string | undefined;
    if (batchId !== undefined) {
      try {
        await warehouse.revertBatch(zone.source, batchId);
        // Its rows left the source: the products that read them are built again.
        markDirty(zone, file);
        kickBuild();
      } catch (cause) {
        error = messageOf(cause);
      }
    }
    emit({
      type: 'changed',
      at: clock(),
      source: zone.source.id,
      file,
      reverted: error ? undefined : batchId,
      error,
    });
  }

  /** Moves a file into `<zone>/<folder>/`, under a new name when one of its name is there. */
  async function move(zone: DropZone, t: Taken, folder: string): Promise<string | undefined> {
    const dir = join(zone.dir!, folder);
    try {
      await mkdir(dir, { recursive: true });
      // A file of that name was dropped before: this one is kept beside it, named by the time.
      const ext = extname(t.name);
      const stem = t.name.slice(0, t.name.length - ext.length);
      const stamp = clock().toISOString().replace(/[-:]/g, '').replace('.', '-');
      let target = join(dir, t.name);
      for (let n = 0; await exists(target); n++)
        target = join(dir, `${stem}.${stamp}${n ? `-${n}` : ''}${ext}`);
      await rename(t.path, target);
      return target;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !(await exists(t.path))) return undefined;
      // Left where it is, and not looked at again while it stays as it is: reloading it would
      // only say already-ingested.
      leftAlone.set(t.path, { key: t.key, until: Number.POSITIVE_INFINITY });
      emit({
        type: 'error',
        at: clock(),
        source: zone.source.id,
        message: `${t.path} could not be moved to ${folder}: ${messageOf(error)}; it stays, and is not taken again unless it changes.`,
      });
      return undefined;
    }
  }

  /** Moves a refused file to `.failed`, with `<name>.reason.txt` beside it. */
  async function refuse(zone: DropZone, t: Taken, code: string, reason: string): Promise<string | undefined> {
    const movedTo = await move(zone, t, FAILED_FOLDER);
    if (movedTo) {
      const text = [
        `file: ${t.name}`,
        `source: ${zone.source.id}`,
        `refused at: ${clock().toISOString()}`,
        `code: ${code}`,
        `reason: ${reason}`,
        '',
        `Fix the file and drop it again (written elsewhere or under a temporary name, then renamed in), or load it with mesh ingest ${zone.source.id} --from <file> and the mapping it needs.`,
        '',
      ].join('\n');
      await writeFile(`${movedTo}${REASON_SUFFIX}`, text).catch((error) =>
        emit({ type: 'error', at: clock(), source: zone.source.id, message: messageOf(error) }),
      );
    }
    return movedTo;
  }

  function kickBuild(): void {
    if (building || stopping || !dirty.size || Date.now() < retryBuildAt) return;
    // What is dirty now is this micro-batch; what lands meanwhile is the next one.
    const products = [...dirty.values()];
    const files = dirtyFiles;
    dirty.clear();
    dirtyFiles = [];
    building = runBuild(products, files).finally(() => {
      building = undefined;
      kickBuild();
    });
  }

  async function runBuild(products: DataProduct[], files: string[]): Promise<void> {
    const ids = products.map((p) => p.id);
    emit({ type: 'build-started', at: clock(), products: ids, files });
    const started = now();
    try {
      const outcomes = await build(products);
      buildFailures = 0;
      emit({
        type: 'build-finished',
        at: clock(),
        products: ids,
        files,
        ms: now() - started,
        outcomes: outcomes.map((o) => ({
          product: o.product.id,
          status: o.status,
          rowCount: o.rowCount,
          error: o.error?.message,
        })),
        error: undefined,
      });
    } catch (error) {
      // Tried again after a pause that doubles, with whatever lands meanwhile.
      buildFailures++;
      retryBuildAt = Date.now() + Math.min(60_000, pollMs * 2 ** (buildFailures + 1));
      for (const p of products) if (!dirty.has(p.id)) dirty.set(p.id, p);
      dirtyFiles = [...files, ...dirtyFiles];
      emit({
        type: 'build-finished',
        at: clock(),
        products: ids,
        files,
        ms: now() - started,
        outcomes: [],
        error: messageOf(error),
      });
    }
  }

  const poll = async () => {
    timer = undefined;
    try {
      await scanOnce();
    } catch (error) {
      emit({ type: 'error', at: clock(), source: undefined, message: messageOf(error) });
    }
    if (!stopping) {
      timer = setTimeout(poll, pollMs);
      timer.unref?.();
    }
  };
  if (local.length) {
    timer = setTimeout(poll, 0);
    timer.unref?.();
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  async function settled(): Promise<void> {
    while (scanning || ingesting || building) await Promise.allSettled([scanning, ingesting, building]);
  }

  return {
    zones,
    scanOnce,
    async idle() {
      for (;;) {
        if (stopping) return settled();
        const found = await scanOnce();
        await settled();
        const buildWaits = dirty.size > 0 && Date.now() >= retryBuildAt;
        if (!found.taken.length && !found.settling.length && !queue.length && !buildWaits && !observed.size)
          return;
        if (!found.taken.length && !queue.length && !buildWaits) await sleep(pollMs);
      }
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await caughtUp;
      await settled();
    },
  };
}

/**
 * What each local drop zone refused and still holds in its `.failed` folder: deliveries that
 * never landed, which no batch and no overdue feed says. A snapshot's are those refused after
 * the newest export it holds (that export replaced everything); an upsert's or an event
 * source's stand until the file is taken out of `.failed` (its delivery fixed and dropped
 * again, or given up): a later export does not hold their rows. By source id, as words for health.
 */
export function refusedDeliveries(
  mesh: MeshDefinition,
  root: string,
  states: readonly SourceState[],
): Map<string, string> {
  const found = new Map<string, string>();
  for (const zone of dropZonesOf(mesh, root)) {
    if (!zone.dir) continue;
    const failed = join(zone.dir, FAILED_FOLDER);
    let names: string[];
    try {
      names = readdirSync(failed).filter((n) => n.endsWith(REASON_SUFFIX));
    } catch {
      continue;
    }
    const newest = states.find((s) => s.source === zone.source.id)?.lastBatch?.at;
    const since = newest && zone.source.mode === 'snapshot' ? Date.parse(newest) : Number.NEGATIVE_INFINITY;
    const refused = names
      .map((n) => {
        const path = join(failed, n);
        try {
          const text = readFileSync(path, 'utf8');
          return {
            name: n.slice(0, -REASON_SUFFIX.length),
            at: statSync(path).mtimeMs,
            code: /^code: (.*)$/m.exec(text)?.[1],
          };
        } catch {
          return undefined;
        }
      })
      .filter((r): r is { name: string; at: number; code: string | undefined } => !!r && r.at > since)
      .sort((a, b) => a.at - b.at);
    if (!refused.length) continue;
    const listed = refused.slice(-3).map((r) => `${r.name}${r.code ? ` (${r.code})` : ''}`);
    found.set(
      zone.source.id,
      `its drop zone refused ${refused.length === 1 ? 'a file' : `${refused.length} files`}${zone.source.mode === 'snapshot' ? ' after the newest export it holds' : ''}, ${listed.join(', ')}${refused.length > 3 ? ', …' : ''}: the figures built on it lack ${refused.length === 1 ? 'that delivery' : 'those deliveries'} (reasons in ${failed}; take a file out of there once its delivery is fixed and dropped again)`,
    );
  }
  return found;
}

const REASON_SUFFIX = '.reason.txt';

/** How long a file moved to `.done` is watched for writes a paused copy makes after it was taken. */
const ARCHIVE_WATCH_MS = 60_000;

/** A file's size and modification time, as the polls compare them; undefined when it is gone. */
async function keyOf(path: string): Promise<string | undefined> {
  return stat(path).then(keyOfStats, () => undefined);
}

const keyOfStats = (info: Stats) => `${info.size}:${info.mtimeMs}`;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

const count = (n: number) => n.toLocaleString('en-US');

/** One line per event, as `mesh serve` prints them. */
export function describeDropZoneEvent(event: DropZoneEvent): string {
  switch (event.type) {
    case 'watching':
      return `drop zone ${event.zone} (${event.source}): watching ${event.dir}${event.products.length ? `, feeds ${event.products.join(', ')}` : ', feeds no real-time product'}`;
    case 'not-watched':
      return `drop zone ${event.zone} (${event.source}): not watched: ${event.reason}`;
    case 'seen':
      return `${event.source}: ${event.file} seen (${count(event.bytes)} bytes)`;
    case 'ignored':
      return `${event.source}: ${event.file} ignored: ${event.reason}`;
    case 'ingested':
      return `${event.source}: ${event.file} ingested as batch ${event.batchId}: ${count(event.loaded)} rows loaded, ${count(event.rejected)} rejected (${Math.round(event.ms)} ms)${event.flag ? `; flagged: ${event.flag}` : ''}${event.reloads ? `; the rows of batch ${event.reloads} again, loaded over the batches since (mesh ingest --revert ${event.batchId} if delivered twice)` : ''}${event.withdrawnSamples.length ? `; sample rows of ${event.withdrawnSamples.join(', ')} taken out` : ''}`;
    case 'skipped':
      return `${event.source}: ${event.file} skipped: already ingested as batch ${event.batchId}`;
    case 'changed':
      return `${event.source}: ${event.file} changed after it was taken (still being written): ${event.reverted !== undefined ? `batch ${event.reverted}, the part read, reverted; ` : event.error ? `its batch could not be reverted (${event.error}): revert it with mesh ingest --revert; ` : ''}it is taken again once it stops changing. Write files elsewhere, or under a temporary name, and rename them in`;
    case 'failed':
      return `${event.source}: ${event.file} failed (${event.code}): ${event.reason}${event.retry ? '; tried again later' : event.movedTo ? `; moved to ${event.movedTo}` : ''}`;
    case 'build-started':
      return `building ${event.products.join(', ')} (${event.files.length} new file${event.files.length === 1 ? '' : 's'})`;
    case 'build-finished':
      return event.error
        ? `build of ${event.products.join(', ')} failed after ${Math.round(event.ms)} ms: ${event.error}; tried again shortly`
        : `built ${event.outcomes.map((o) => `${o.product} ${o.status}${o.status === 'published' ? ` (${count(o.rowCount)} rows)` : o.error ? `: ${o.error}` : ''}`).join(', ')} in ${Math.round(event.ms)} ms`;
    case 'error':
      return `drop zones${event.source ? ` (${event.source})` : ''}: ${event.message}`;
  }
}
