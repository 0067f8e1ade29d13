// Sources as logs of batches, measured side by side in one run:
// 1. ingest throughput of a CSV of order lines (default 1,000,000 rows), against DuckDB's own
//    read_csv into a table (the engine's floor), for a plain file and for one whose records
//    span lines (quoted newlines: the physical-line path);
// 2. the cost of reading a source's current rows (the view: its mode applied to the log)
//    against reading its raw log, on the sample at a scale (default 10).
// Usage: node sources.bench.mjs [--rows N] [--scale N] [--repeat N]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { orderLines } from '@retail-mesh/domain-order';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import { loadMesh, seedMesh } from '@retail-mesh/tools';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    scale: { type: 'string', default: '10' },
    repeat: { type: 'string', default: '5' },
  },
});
const rows = Number(values.rows);
const scale = Number(values.scale);
const repeat = Number(values.repeat);
const dir = mkdtempSync(join(tmpdir(), 'mesh-bench-sources-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rate = (n, ms) => `${Math.round(n / (ms / 1000)).toLocaleString('en-US')} rows/s`;

async function time(work) {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

// 1. Ingest throughput.
{
  const scratch = await createDuckDbWarehouse({ path: ':memory:' });
  const plain = join(dir, 'lines.csv');
  const multiline = join(dir, 'lines-multiline.csv');
  const select = (note) => `SELECT printf('O%010d', i // 3) AS order_id, i % 3 + 1 AS line_number,
      printf('P%07d', i % 2000) AS product_id, 1 + i % 4 AS quantity, round(5 + (i % 997) / 10.0, 2) AS unit_price,
      CASE WHEN i % 10 = 0 THEN 1.5 ELSE 0 END AS discount_amount${note}
    FROM range(${rows}) AS t(i)`;
  await scratch.query(`COPY (${select('')}) TO '${plain}' (HEADER, DELIMITER ',')`);
  // One record in 100 has a quoted note spanning two lines (an extra, unmapped column).
  await scratch.query(
    `COPY (${select(`, CASE WHEN i % 100 = 0 THEN 'two' || chr(10) || 'lines' ELSE 'x' END AS note`)}) TO '${multiline}' (HEADER, DELIMITER ',', FORCE_QUOTE (note))`,
  );
  await scratch.close();
  const mb = (f) => (statSync(f).size / 1e6).toFixed(0);
  console.log(
    `ingest: ${rows.toLocaleString('en-US')} order lines (${mb(plain)} MB plain, ${mb(multiline)} MB with multi-line notes), ${repeat} runs each, median`,
  );
  const results = { engine: [], plain: [], multiline: [] };
  for (let r = 0; r < repeat; r++) {
    // Alternate the three so that a noisy neighbour slows each of them alike.
    const w = await createDuckDbWarehouse({ path: ':memory:' });
    results.engine.push(
      await time(() =>
        w.query(
          `CREATE TABLE t${r} AS SELECT * FROM read_csv('${plain}', header = true, all_varchar = true)`,
        ),
      ),
    );
    results.plain.push(await time(() => w.ingestFile(orderLines, plain)));
    await w.revertBatch(orderLines, (await w.listBatches({ source: orderLines.id })).at(-1).batchId);
    results.multiline.push(await time(() => w.ingestFile(orderLines, multiline)));
    await w.close();
  }
  const engine = median(results.engine);
  for (const [name, label] of [
    ['engine', 'DuckDB read_csv into a table (floor)'],
    ['plain', 'mesh ingest, plain CSV'],
    ['multiline', 'mesh ingest, 1% multi-line records'],
  ]) {
    const ms = median(results[name]);
    console.log(
      `  ${label.padEnd(40)} ${(ms / 1000).toFixed(2).padStart(6)} s  ${rate(rows, ms).padStart(16)}  ${(ms / engine).toFixed(2)}x floor`,
    );
  }
}

// 2. Current rows against the raw log.
{
  const path = join(dir, 'scale.duckdb');
  const warehouse = await createDuckDbWarehouse({ path, create: true });
  const mesh = await loadMesh();
  await seedMesh(warehouse, mesh, { scale, seed: 42 });
  const sources = mesh.sources.filter((s) =>
    [
      'order.order_lines',
      'order.orders',
      'customer.web_sessions',
      'marketing.touchpoints',
      'customer.customers',
      'store.stores',
    ].includes(s.id),
  );
  console.log(
    `current rows against the raw log at scale ${scale}: a full aggregate over each, ${repeat} runs each, median`,
  );
  const q = (t) => `"${t.schema}"."${t.name}"`;
  for (const source of sources) {
    for (const s of [source]) await warehouse.ensureSource(s);
    // Every column read, as a product reading the whole source would.
    const aggregate = (from) =>
      `SELECT count(*) AS n, ${source.columns
        .map((c) => `count(DISTINCT "${c.name}")`)
        .slice(0, 3)
        .join(', ')} FROM ${from}`;
    const log = [];
    const current = [];
    for (let r = 0; r < repeat; r++) {
      log.push(await time(() => warehouse.query(aggregate(q(source.log)))));
      current.push(await time(() => warehouse.query(aggregate(q(source.table)))));
    }
    const [{ n }] = await warehouse.query(`SELECT count(*) AS n FROM ${q(source.log)}`);
    const l = median(log);
    const c = median(current);
    console.log(
      `  ${source.id.padEnd(24)} ${source.mode.padEnd(8)} ${Number(n).toLocaleString('en-US').padStart(11)} rows  log ${l.toFixed(0).padStart(5)} ms  current ${c.toFixed(0).padStart(5)} ms  ${(c / l).toFixed(2)}x`,
    );
  }
  await warehouse.close();
}
rmSync(dir, { recursive: true, force: true });
