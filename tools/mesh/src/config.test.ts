import { join } from 'node:path';
import { isMeshError } from '@retail-mesh/sdk';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, loadConfig, parseConfig, resolveTarget } from './config.js';

const root = join(import.meta.dirname, '..', '..', '..');

function failure(text: string) {
  try {
    parseConfig(text, 'mesh.yaml');
  } catch (error) {
    if (isMeshError(error)) return error;
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('mesh.yaml', () => {
  it("parses the repository's configuration with its defaults", () => {
    const { config, file } = loadConfig(undefined, root);
    expect(file).toBe(join(root, 'mesh.yaml'));
    expect(config.defaultTarget).toBe('local');
    expect(config.targets.local).toEqual({ type: 'duckdb', path: '.mesh/mesh.duckdb' });
    expect(config.targets.prod).toMatchObject({
      type: 'bigquery',
      project: 'retail-mesh-prod',
      location: 'EU',
      datasetPrefix: '',
    });
    expect(config.cost).toEqual({
      currency: 'USD',
      storagePerGbMonth: 0.023,
      computePerTb: 0.5,
      platformPerMonth: 10000,
    });
  });

  it('falls back to the local DuckDB target without a file, but not when one is named', () => {
    expect(loadConfig(undefined, '/nonexistent')).toEqual({ config: DEFAULT_CONFIG, file: undefined });
    expect(() => loadConfig('missing.yaml', '/nonexistent')).toThrow(/does not exist/);
  });

  it('names the file, line and key of a wrong value', () => {
    const error = failure(`targets:
  local:
    type: duckdb
  prod:
    type: bigquery
    project: Not_A_Project
`);
    expect(error.code).toBe('invalid-config');
    expect(error.subject).toEqual({ file: 'mesh.yaml', line: 6, key: 'targets.prod.project' });
    expect(error.message).toContain('mesh.yaml:6: targets.prod.project: a Google Cloud project id');
  });

  it('points at an unknown key itself', () => {
    const error = failure(`targets:
  local:
    type: duckdb
cost:
  computePerTb: 0.5
  storagePerGB: 1
`);
    expect(error.subject).toMatchObject({ line: 6, key: 'cost.storagePerGB' });
  });

  it('rejects an unknown target type on its line', () => {
    const error = failure(`targets:
  local:
    type: postgres
`);
    expect(error.subject).toMatchObject({ line: 3, key: 'targets.local.type' });
  });

  it('reports YAML syntax errors with their line', () => {
    const error = failure(`targets:
  local:
    type: duckdb
   path: [unclosed
`);
    expect(error.code).toBe('invalid-config');
    expect(error.subject.line).toBe(4);
    expect(error.message).toMatch(/^mesh.yaml:4: /);
  });

  it('requires the default target to exist', () => {
    const error = failure(`defaultTarget: staging
targets:
  local:
    type: duckdb
`);
    expect(error.subject).toMatchObject({ line: 1, key: 'defaultTarget' });
  });

  it('resolves --target, or the default', () => {
    const { config } = loadConfig(undefined, root);
    expect(resolveTarget(config, undefined).name).toBe('local');
    expect(resolveTarget(config, 'prod').target.type).toBe('bigquery');
    expect(() => resolveTarget(config, 'qa')).toThrow(
      /No target is named qa. Targets in the configuration: local, prod/,
    );
    expect(() => resolveTarget(config, 'constructor')).toThrow(/No target is named constructor/);
  });
});
