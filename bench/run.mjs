// `pnpm bench`: runs every benchmark in turn (each side by side in its own run), then writes
// bench/RESULTS.md and bench/results.json from the figures they recorded, each with its aim and
// whether this machine met it. Usage: node run.mjs [--only overhead,read] [--quick]
// --quick runs smaller sizes (for trying the harness, not for figures).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatValue, RESULTS_DIR } from './lib/results.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: { only: { type: 'string' }, quick: { type: 'boolean', default: false } },
});

/** Each bench, the file it records, and its arguments (full size, then quick). */
const BENCHES = [
  {
    name: 'overhead',
    script: 'overhead.bench.mjs',
    full: [],
    quick: ['--scales', '1,3', '--rounds', '1', '--up-runs', '1'],
  },
  {
    name: 'checks',
    script: 'check-fusion.bench.mjs',
    full: [],
    quick: ['--scale', '3', '--min-rows', '50000', '--rounds', '2'],
  },
  {
    name: 'incremental',
    script: 'incremental.bench.mjs',
    full: [],
    quick: ['--scale', '3', '--rounds', '2'],
  },
  { name: 'read', script: 'read.bench.mjs', full: [], quick: ['--rows', '500000'] },
  { name: 'generation', script: 'generation.bench.mjs', full: [], quick: ['--scales', '3'] },
  // Minutes for its 10,000-table fixture at full size (--dir keeps fixtures between runs).
  { name: 'health', script: 'health-scale.bench.mjs', full: [], quick: ['--domains', '10,100'] },
  {
    name: 'realtime',
    script: 'realtime.bench.mjs',
    full: [],
    quick: ['--scale', '1', '--files', '5', '--seconds', '10'],
  },
  // Modelled from the rows at each scale, not measured: there is no BigQuery here.
  { name: 'bigquery-bytes', script: 'bigquery-bytes.bench.mjs', full: [], quick: ['--scales', '1'] },
];
const only = values.only?.split(',');
const selected = BENCHES.filter((b) => !only || only.includes(b.name));
const failed = [];
for (const bench of selected) {
  if (!existsSync(join(here, bench.script))) {
    failed.push(`${bench.name}: ${bench.script} is missing`);
    continue;
  }
  console.log(`\n== ${bench.name} (${bench.script}) ==`);
  rmSync(join(RESULTS_DIR, `${bench.name}.json`), { force: true });
  const started = performance.now();
  const run = spawnSync(process.execPath, [bench.script, ...(values.quick ? bench.quick : bench.full)], {
    cwd: here,
    stdio: 'inherit',
  });
  console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s)`);
  if (run.status !== 0) failed.push(`${bench.name}: exited ${run.status ?? run.signal}`);
  else if (!existsSync(join(RESULTS_DIR, `${bench.name}.json`)))
    failed.push(`${bench.name}: recorded no figures`);
}

// Every bench's latest figures, including ones not run this time (their own date says when).
const results = BENCHES.map((b) => join(RESULTS_DIR, `${b.name}.json`))
  .filter((f) => existsSync(f))
  .map((f) => JSON.parse(readFileSync(f, 'utf8')));
const machine = {
  cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
};
writeFileSync(join(here, 'results.json'), `${JSON.stringify({ machine, results }, null, 2)}\n`);

const aim = (f) => (f.aim ? `${f.aim.op} ${formatValue({ ...f, value: f.aim.value })}` : '');
const verdict = (f) => (f.met === undefined || f.met === null ? '' : f.met ? 'met' : '**not met**');
const lines = [
  '# Benchmark results',
  '',
  'Written by `pnpm bench` (bench/run.mjs); every ratio is measured side by side in one run,',
  'on the machine below. Figures without an aim are the raw timings behind the ratios.',
  '',
  `Machine: ${machine.cpus}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}.`,
  '',
];
for (const r of results) {
  lines.push(
    `## ${r.bench}`,
    '',
    `Measured ${r.measuredAt}.`,
    '',
    '| Figure | Value | Aim | |',
    '|---|---:|---|---|',
  );
  for (const f of r.figures) lines.push(`| ${f.label} | ${formatValue(f)} | ${aim(f)} | ${verdict(f)} |`);
  lines.push('');
}
const missed = results.flatMap((r) =>
  r.figures.filter((f) => f.met === false).map((f) => `${r.bench}: ${f.label}`),
);
lines.push('## Summary', '');
lines.push(
  missed.length ? `Aims not met:\n\n${missed.map((m) => `- ${m}`).join('\n')}` : 'Every aim is met.',
);
if (failed.length)
  lines.push('', `Benchmarks that did not finish:\n\n${failed.map((m) => `- ${m}`).join('\n')}`);
writeFileSync(join(here, 'RESULTS.md'), `${lines.join('\n')}\n`);
console.log(
  `\nwrote bench/RESULTS.md and bench/results.json${missed.length ? `; ${missed.length} aims not met` : ''}`,
);
process.exitCode = failed.length ? 1 : 0;
