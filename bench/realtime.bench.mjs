// Real-time products fed from a drop zone, with the rest of the mesh at scale 10 (`mesh up
// --scale 10` into a temporary warehouse, timed as it is part of the cost of the setup).
//
// 1. Latency: a POS file of 1,000 receipts lands in drops/store/receipts (written under a
//    temporary name, renamed in); the clock runs until the rows of store.store_live_sales are
//    published and readable (read back in a loop every few ms). One file at a time, 20 files, at
//    the watcher's default poll (250 ms) and at a 50 ms poll, side by side, with where the time
//    goes: waiting for the file to settle (two polls), the ingest, waiting for a build, the build.
// 2. Sustained rate: a file of 10,000 receipts every second for a minute; the files waiting
//    (landed, not yet published) are counted every second, and the time the backlog takes to
//    drain after the last file.
// The watcher builds what it is told, as mesh serve does: the real-time products only, through
// buildMesh (which ends with a checkpoint); no health snapshot is recorded per build.
// Usage: node realtime.bench.mjs [--scale 10] [--files 20] [--rows 1000] [--rate-rows 10000]
//   [--seconds 60] [--interval-ms 1000] [--polls 250,50] [--db FILE (a warehouse already built
//   at the scale: copied, not changed)]
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { buildMesh } from '@retail-mesh/sdk';
import { loadMesh, startDropZones } from '@retail-mesh/tools';
import { recordFigures } from './lib/results.mjs';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '10' },
    files: { type: 'string', default: '20' },
    rows: { type: 'string', default: '1000' },
    'rate-rows': { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '60' },
    'interval-ms': { type: 'string', default: '1000' },
    polls: { type: 'string', default: '250,50' },
    db: { type: 'string' },
  },
});
const scale = Number(values.scale);
const fileCount = Number(values.files);
const rowsPerFile = Number(values.rows);
const rateRows = Number(values['rate-rows']);
const seconds = Number(values.seconds);
const intervalMs = Number(values['interval-ms']);
const polls = values.polls.split(',').map(Number);

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mesh-realtime-'));
const db = join(dir, 'mesh.duckdb');
const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : Number.NaN);
const p95 = (xs) =>
  xs.length
    ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)]
    : Number.NaN;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (ms) => (Number.isFinite(ms) ? `${Math.round(ms).toLocaleString('en-US')} ms` : '-');

// -- The mesh at scale, as a user builds it. ---------------------------------------------------
let upSeconds;
if (values.db) {
  copyFileSync(values.db, db);
  console.log(`warehouse: a copy of ${values.db}`);
} else {
  console.log(`mesh up --scale ${scale} ...`);
  const started = performance.now();
  const up = spawnSync(
    process.execPath,
    [
      join(here, '..', 'tools', 'mesh', 'bin', 'mesh.js'),
      'up',
      '--db',
      db,
      '--scale',
      String(scale),
      '--json',
    ],
    {
      cwd: join(here, '..'),
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
    },
  );
  upSeconds = (performance.now() - started) / 1000;
  if (up.status !== 0) throw new Error(`mesh up failed (${up.status}): ${up.stderr.slice(-2000)}`);
  console.log(`mesh up --scale ${scale}: ${upSeconds.toFixed(1)} s`);
}

const mesh = await loadMesh();
const warehouse = await createDuckDbWarehouse({ path: db });
const [{ stores, receipts: sampleReceipts, orders }] = await warehouse.query(
  `SELECT (SELECT count(*) FROM store.raw_stores) AS stores, (SELECT count(*) FROM store.raw_receipts) AS receipts, (SELECT count(*) FROM "order".raw_orders) AS orders`,
);
const storeIds = Array.from({ length: Number(stores) }, (_, i) => `S${String(i + 1).padStart(4, '0')}`);
const zone = join(dir, 'drops', 'store', 'receipts');
mkdirSync(zone, { recursive: true });
console.log(
  `${Number(stores)} stores, ${Number(sampleReceipts).toLocaleString('en-US')} sample receipts, ${Number(orders).toLocaleString('en-US')} orders; drop zone ${zone}`,
);

const today = new Date().toISOString().slice(0, 10);
let fileNo = 0;
/** A POS file of `n` receipts rung up now, written elsewhere in the zone and renamed in. */
function land(n) {
  const no = ++fileNo;
  const name = `pos-${String(no).padStart(5, '0')}.csv`;
  const at = new Date().toISOString().replace('T', ' ').slice(0, 19);
  const lines = ['receipt_id,store_id,till,sold_at,items,amount,payment'];
  for (let i = 0; i < n; i++) {
    const h = (no * 7919 + i * 104729) >>> 0;
    lines.push(
      `R${no}-${i},${storeIds[h % storeIds.length]},${1 + (h % 4)},${at},${1 + (h % 5)},${(4 + (h % 3600) / 100).toFixed(2)},${['card', 'cash', 'mobile'][h % 3]}`,
    );
  }
  const temporary = join(zone, `.${name}.tmp`);
  writeFileSync(temporary, `${lines.join('\n')}\n`);
  const path = join(zone, name);
  renameSync(temporary, path);
  return { path, landedAt: performance.now(), rows: n };
}

/** Events, stamped when they arrive; per file, when it was ingested and built. */
const files = new Map();
let published = 0;
let ingested = 0;
let buildsDone = 0;
const buildMs = [];
const onEvent = (event) => {
  const now = performance.now();
  if (event.type === 'ingested') {
    ingested++;
    const f = files.get(event.file);
    if (f) Object.assign(f, { ingestedAt: now, ingestMs: event.ms });
  } else if (event.type === 'build-started') {
    for (const file of event.files) {
      const f = files.get(file);
      if (f) f.buildStartedAt = now;
    }
  } else if (event.type === 'build-finished') {
    if (event.error) return console.error(`build failed: ${event.error}`);
    buildsDone++;
    buildMs.push(event.ms);
    for (const file of event.files) {
      const f = files.get(file);
      if (f) {
        f.builtAt = now;
        f.batchSize = event.files.length;
      }
      published++;
    }
    if (event.outcomes.some((o) => o.status !== 'published'))
      console.error(`build: ${JSON.stringify(event.outcomes)}`);
  } else if (event.type === 'failed' || event.type === 'error') console.error(JSON.stringify(event));
};
const start = (pollMs) =>
  startDropZones({
    warehouse,
    mesh,
    root: dir,
    pollMs,
    onEvent,
    build: (products) => buildMesh(warehouse, products, { mesh: mesh.products }),
  });
const todayReceipts = async () =>
  Number(
    (
      await warehouse.query(
        `SELECT coalesce(sum(receipts), 0) AS n FROM store.store_live_sales WHERE business_date = DATE '${today}'`,
      )
    )[0].n,
  );

// -- 1. Latency, one file at a time. ----------------------------------------------------------
// The first file replaces the source's sample (and withdraws the store domain's other samples,
// as mesh ingest does): a warm-up, not counted.
const latency = [];
{
  const zones = start(polls[0]);
  const warm = land(rowsPerFile);
  files.set(warm.path, warm);
  const started = performance.now();
  await zones.idle();
  console.log(`warm-up file (replaces the sample of store.receipts): ${fmt(performance.now() - started)}`);
  await zones.stop();
}
let expected = await todayReceipts();
for (const pollMs of polls) {
  const zones = start(pollMs);
  const measured = [];
  for (let i = 0; i < fileCount; i++) {
    const f = land(rowsPerFile);
    files.set(f.path, f);
    expected += rowsPerFile;
    while ((await todayReceipts()) < expected) await sleep(3);
    f.readableAt = performance.now();
    measured.push(f);
    await zones.idle();
  }
  await zones.stop();
  const part = (fn) => measured.map(fn).filter(Number.isFinite);
  latency.push({
    pollMs,
    total: part((f) => f.readableAt - f.landedAt),
    settle: part((f) => f.ingestedAt - f.ingestMs - f.landedAt),
    ingest: part((f) => f.ingestMs),
    queue: part((f) => f.buildStartedAt - f.ingestedAt),
    build: part((f) => f.builtAt - f.buildStartedAt),
  });
}

console.log(
  `\nLatency: a file of ${rowsPerFile.toLocaleString('en-US')} receipts landed -> store_live_sales rows readable (${fileCount} files, one at a time)`,
);
const columns = ['', ...latency.flatMap((l) => [`poll ${l.pollMs} ms: median`, 'p95'])];
const rowsOf = [
  ['landed -> readable', (l) => l.total],
  ['  settling (two polls)', (l) => l.settle],
  ['  ingest', (l) => l.ingest],
  ['  waiting for a build', (l) => l.queue],
  ['  build (incl. checkpoint)', (l) => l.build],
];
const table = [
  columns,
  ...rowsOf.map(([label, pick]) => [
    label,
    ...latency.flatMap((l) => [fmt(median(pick(l))), fmt(p95(pick(l)))]),
  ]),
];
const widths = columns.map((_, i) => Math.max(...table.map((r) => r[i].length)));
for (const r of table)
  console.log(r.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  '));

// -- 2. Sustained rate: a file of rateRows every interval for `seconds`. ------------------------
console.log(
  `\nSustained: a file of ${rateRows.toLocaleString('en-US')} receipts every ${intervalMs} ms for ${seconds} s (poll ${polls[0]} ms)`,
);
published = 0;
ingested = 0;
buildsDone = 0;
buildMs.length = 0;
const zones = start(polls[0]);
const sustained = [];
const timeline = [];
const t0 = performance.now();
let landed = 0;
await new Promise((resolve) => {
  const tick = setInterval(() => {
    const f = land(rateRows);
    files.set(f.path, f);
    sustained.push(f);
    landed++;
    if (landed >= Math.round((seconds * 1000) / intervalMs)) {
      clearInterval(tick);
      resolve();
    }
  }, intervalMs);
  const sample = setInterval(() => {
    timeline.push({
      t: (performance.now() - t0) / 1000,
      landed,
      ingested,
      published,
      waiting: landed - published,
    });
    if (landed >= Math.round((seconds * 1000) / intervalMs)) clearInterval(sample);
  }, 1000);
});
const lastLanded = performance.now();
const drainDeadline = lastLanded + 300_000;
while (published < landed && performance.now() < drainDeadline) {
  await sleep(20);
  if (timeline.length && performance.now() - t0 >= (timeline.at(-1).t + 1) * 1000)
    timeline.push({
      t: (performance.now() - t0) / 1000,
      landed,
      ingested,
      published,
      waiting: landed - published,
    });
}
const drainMs = performance.now() - lastLanded;
await zones.idle();
await zones.stop();
const [{ n: receiptRows }] = await warehouse.query('SELECT count(*) AS n FROM store.raw_receipts');
await warehouse.close();
rmSync(dir, { recursive: true, force: true });

const elapsed = (Math.max(...sustained.map((f) => f.builtAt ?? Number.NaN)) - sustained[0].landedAt) / 1000;
const sustainedLatency = sustained.map((f) => f.builtAt - f.landedAt).filter(Number.isFinite);
const sustainedIngest = sustained.map((f) => f.ingestMs).filter(Number.isFinite);
const maxWaiting = Math.max(...timeline.map((s) => s.waiting));
console.log('  t (s)  landed  ingested  published  waiting');
for (const s of timeline.filter((_, i) => i % 5 === 4 || i === timeline.length - 1))
  console.log(
    `  ${s.t.toFixed(0).padStart(5)}  ${String(s.landed).padStart(6)}  ${String(s.ingested).padStart(8)}  ${String(s.published).padStart(9)}  ${String(s.waiting).padStart(7)}`,
  );
console.log(
  `  ${landed} files (${(landed * rateRows).toLocaleString('en-US')} rows) published in ${elapsed.toFixed(1)} s by ${buildsDone} builds (median ${fmt(median(buildMs))}, ${(landed / buildsDone).toFixed(1)} files a build; ingest of a file median ${fmt(median(sustainedIngest))}); ` +
    `at most ${maxWaiting} files waiting; drained ${fmt(drainMs)} after the last file; landed -> published median ${fmt(median(sustainedLatency))}, p95 ${fmt(p95(sustainedLatency))}; ` +
    `${Number(receiptRows).toLocaleString('en-US')} receipts in the source at the end`,
);

const figures = [];
if (upSeconds !== undefined)
  figures.push({
    id: 'realtime.up-s',
    label: `mesh up --scale ${scale} (the rest of the mesh, from nothing)`,
    value: upSeconds,
    unit: 's',
  });
for (const l of latency) {
  figures.push(
    {
      id: `realtime.latency-median-poll${l.pollMs}`,
      label: `File of ${rowsPerFile.toLocaleString('en-US')} rows landed -> real-time rows readable, median (poll ${l.pollMs} ms)`,
      value: median(l.total),
      unit: 'ms',
      // Issue 11: under 2 s median on DuckDB.
      aim: { op: '<', value: 2000 },
    },
    {
      id: `realtime.latency-p95-poll${l.pollMs}`,
      label: `Same, p95 (poll ${l.pollMs} ms, ${fileCount} files)`,
      value: p95(l.total),
      unit: 'ms',
    },
    {
      id: `realtime.settle-median-poll${l.pollMs}`,
      label: `  of which the file settling, median (poll ${l.pollMs} ms)`,
      value: median(l.settle),
      unit: 'ms',
    },
    {
      id: `realtime.ingest-median-poll${l.pollMs}`,
      label: `  of which the ingest, median (poll ${l.pollMs} ms)`,
      value: median(l.ingest),
      unit: 'ms',
    },
    {
      id: `realtime.build-median-poll${l.pollMs}`,
      label: `  of which the build, median (poll ${l.pollMs} ms)`,
      value: median(l.build),
      unit: 'ms',
    },
  );
}
figures.push(
  {
    id: 'realtime.sustained-rows-per-s',
    label: `Sustained: ${rateRows.toLocaleString('en-US')} rows every ${intervalMs} ms for ${seconds} s, rows published per second`,
    value: (landed * rateRows) / elapsed,
    unit: 'rows/s',
  },
  {
    id: 'realtime.sustained-max-backlog',
    label: 'Sustained: most files waiting (landed, not yet published)',
    value: maxWaiting,
    unit: 'files',
  },
  {
    id: 'realtime.sustained-drain-ms',
    label: 'Sustained: backlog drained after the last file',
    value: drainMs,
    unit: 'ms',
  },
  {
    id: 'realtime.sustained-latency-median',
    label: 'Sustained: landed -> published, median',
    value: median(sustainedLatency),
    unit: 'ms',
  },
  {
    id: 'realtime.sustained-latency-p95',
    label: 'Sustained: landed -> published, p95',
    value: p95(sustainedLatency),
    unit: 'ms',
  },
  {
    id: 'realtime.sustained-ingest-median',
    label: `Sustained: ingest of a file of ${rateRows.toLocaleString('en-US')} rows, median`,
    value: median(sustainedIngest),
    unit: 'ms',
  },
  {
    id: 'realtime.sustained-build-median',
    label: 'Sustained: build of a micro-batch, median',
    value: median(buildMs),
    unit: 'ms',
  },
  {
    id: 'realtime.sustained-files-per-build',
    label: 'Sustained: files per build (micro-batch size)',
    value: landed / buildsDone,
    unit: 'files',
  },
);
console.log('');
recordFigures('realtime', figures, {
  scale,
  files: fileCount,
  rowsPerFile,
  rateRows,
  seconds,
  intervalMs,
  polls,
  stores: Number(stores),
  backlog: timeline.map((s) => ({
    t: Math.round(s.t),
    landed: s.landed,
    ingested: s.ingested,
    published: s.published,
    waiting: s.waiting,
  })),
});
