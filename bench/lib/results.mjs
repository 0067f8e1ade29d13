// Every bench reports its figures through here: one JSON file per bench in bench/results/,
// which `pnpm bench` (run.mjs) gathers into bench/RESULTS.md and bench/results.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = process.env.BENCH_RESULTS_DIR ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/**
 * One measured figure. `aim` is what the issue asks for, as a comparison the figure must meet
 * (`{ op: '<=', value: 1.1 }`); figures without an aim are context (e.g. raw timings).
 *
 * @typedef {{ id: string, label: string, value: number, unit: string,
 *   aim?: { op: '<=' | '>=' | '<' | '>', value: number } }} Figure
 */

/** Whether `figure` meets its aim; undefined when it has none. */
export function meets(figure) {
  if (!figure.aim) return undefined;
  const { op, value } = figure.aim;
  if (op === '<=') return figure.value <= value;
  if (op === '<') return figure.value < value;
  if (op === '>=') return figure.value >= value;
  return figure.value > value;
}

/** Writes the figures of one bench (replacing its previous ones) and prints them. */
export function recordFigures(bench, figures, details = {}) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const withVerdict = figures.map((f) => ({ ...f, met: meets(f) }));
  const file = join(RESULTS_DIR, `${bench}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ bench, measuredAt: new Date().toISOString(), figures: withVerdict, details }, null, 2)}\n`,
  );
  for (const f of withVerdict) {
    const aim = f.aim ? ` (aim ${f.aim.op} ${f.aim.value}${f.unit === 'x' ? 'x' : ` ${f.unit}`}: ${f.met ? 'met' : 'NOT met'})` : '';
    console.log(`  ${f.label}: ${formatValue(f)}${aim}`);
  }
  return file;
}

export function formatValue(f) {
  const digits = f.unit === 'x' ? 2 : Math.abs(f.value) >= 100 ? 0 : 1;
  const n = f.value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: f.unit === 'x' ? 2 : 0 });
  return f.unit === 'x' ? `${n}x` : `${n} ${f.unit}`;
}
