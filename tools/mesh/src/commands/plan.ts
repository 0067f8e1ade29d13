import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureDirectory, UsageError } from '@retail-mesh/sdk';
import { type BigQueryTargetConfig, loadConfig, type MeshConfig, resolveTarget } from '../config.js';
import type { GlobalOptions, Io } from '../context.js';
import { enforcePolicies } from '../governance.js';
import { loadMesh } from '../mesh.js';
import { color, table } from '../style.js';
import { GENERATED_MARKER, terraformFiles } from '../terraform.js';

/** One written file and how many resources of each type it declares. */
export interface PlannedFile {
  readonly file: string;
  readonly resources: Record<string, number>;
}

/**
 * The BigQuery target to plan for: `--target` when given (it must be a BigQuery target),
 * else the first BigQuery target of mesh.yaml.
 */
export function planTarget(
  config: MeshConfig,
  name: string | undefined,
): { name: string; target: BigQueryTargetConfig } {
  if (name !== undefined) {
    const { target } = resolveTarget(config, name);
    if (target.type !== 'bigquery') {
      throw new UsageError(
        'bad-arguments',
        `mesh plan --terraform describes BigQuery infrastructure; target ${name} is ${target.type}. Name a BigQuery target of mesh.yaml.`,
        { key: `targets.${name}` },
      );
    }
    return { name, target };
  }
  const found = Object.entries(config.targets).find(
    (entry): entry is [string, BigQueryTargetConfig] => entry[1].type === 'bigquery',
  );
  if (!found) {
    throw new UsageError(
      'no-bigquery-target',
      'mesh.yaml has no BigQuery target to plan for; add one under targets (type: bigquery, project: <id>).',
      { key: 'targets' },
    );
  }
  return { name: found[0], target: found[1] };
}

/** Resource counts per type of a Terraform JSON document. */
export function resourceCounts(document: object): Record<string, number> {
  const resources = (document as { resource?: Record<string, Record<string, unknown>> }).resource ?? {};
  return Object.fromEntries(
    Object.entries(resources).map(([type, byName]) => [type, Object.keys(byName).length]),
  );
}

/**
 * Writes the files into `dir` (created if need be) and deletes the `*.tf.json` files an
 * earlier run wrote that the mesh no longer needs (a removed domain); files it did not
 * write are never touched.
 */
export function writeTerraform(dir: string, files: Record<string, object>): { removed: string[] } {
  ensureDirectory(dir, '--terraform');
  const removed: string[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.tf.json') || file in files) continue;
    if (generatedByUs(join(dir, file))) {
      rmSync(join(dir, file));
      removed.push(file);
    }
  }
  for (const [file, document] of Object.entries(files)) {
    writeFileSync(join(dir, file), `${JSON.stringify(document, null, 2)}\n`);
  }
  return { removed };
}

function generatedByUs(path: string): boolean {
  try {
    const comment = (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>)['//'];
    return typeof comment === 'string' && comment.startsWith(GENERATED_MARKER);
  } catch {
    return false;
  }
}

export async function run(
  values: Record<string, unknown> & GlobalOptions,
  _names: string[],
  io: Io,
): Promise<number> {
  const dir = values.terraform;
  if (typeof dir !== 'string' || !dir) {
    throw new UsageError(
      'bad-arguments',
      'mesh plan needs --terraform <dir>, the directory to write the *.tf.json files into. See mesh plan --help.',
    );
  }
  const { config } = loadConfig(values.config);
  const { name, target } = planTarget(config, values.target);
  const mesh = await loadMesh(values);
  enforcePolicies(mesh, io, values.json === true);
  const files = terraformFiles(mesh, target, config);
  const path = resolve(dir);
  const { removed } = writeTerraform(path, files);
  const planned: PlannedFile[] = Object.entries(files).map(([file, document]) => ({
    file,
    resources: resourceCounts(document),
  }));
  if (values.json) {
    io.out(JSON.stringify({ dir: path, target: name, files: planned, removed }, null, 2));
    return 0;
  }
  const rows = planned.flatMap((f) =>
    Object.entries(f.resources).map(([type, count], i) => [i === 0 ? f.file : '', type, String(count)]),
  );
  const total = planned.reduce((n, f) => n + Object.values(f.resources).reduce((a, b) => a + b, 0), 0);
  const lines = [
    table(['FILE', 'RESOURCE TYPE', 'COUNT'], rows),
    '',
    `${color.green('wrote')} ${planned.length} file${planned.length === 1 ? '' : 's'} (${total} resources) for target ${name} (project ${target.project}) to ${path}.`,
  ];
  if (removed.length)
    lines.push(`${color.yellow('removed')} ${removed.join(', ')}: no longer part of the mesh.`);
  lines.push(`Next: terraform -chdir=${dir} init && terraform -chdir=${dir} plan`);
  io.out(lines.join('\n'));
  return 0;
}
