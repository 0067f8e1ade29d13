import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mesh } from './testing/run-cli.js';

/**
 * Bad input, as users type it: each case gets a clear error naming what is wrong, the
 * documented exit code, `{ error: { code, message, subject } }` under --json, no stack trace,
 * no hang, and the published warehouse unchanged, byte for byte.
 */
const dir = mkdtempSync(join(tmpdir(), 'mesh-bad-input-'));
const db = join(dir, 'mesh.duckdb');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
/** The repository's configuration, with its BigQuery target. */
const MESH_YAML = new URL('../../../mesh.yaml', import.meta.url).pathname;
const digest = () => createHash('sha256').update(readFileSync(db)).digest('hex');

interface Case {
  readonly name: string;
  readonly args: () => string[];
  readonly code: number;
  readonly error: string;
  readonly message: RegExp;
}

const cases: Case[] = [
  {
    name: 'a name given to a command that takes none',
    args: () => ['health', 'extra', '--db', db],
    code: 2,
    error: 'bad-arguments',
    message: /mesh health takes no names: extra/,
  },
  {
    name: 'an unknown flag',
    args: () => ['build', '--fast', '--db', db],
    code: 2,
    error: 'bad-arguments',
    message: /--fast/,
  },
  {
    name: 'an unknown command',
    args: () => ['deploy-everything'],
    code: 2,
    error: 'unknown-command',
    message: /Unknown command deploy-everything/,
  },
  {
    name: 'a scale no generator supports',
    args: () => ['seed', '--scale', '100000', '--db', db],
    code: 2,
    error: 'bad-arguments',
    message: /--scale 100000 is more than the sample generators support/,
  },
  {
    name: 'a scale that is not a number',
    args: () => ['seed', '--scale', 'big', '--db', db],
    code: 2,
    error: 'bad-arguments',
    message: /--scale must be a positive number, not big/,
  },
  {
    name: 'terraform output into an existing file',
    args: () => ['plan', '--terraform', write('not-a-dir.tf', 'x'), '--config', MESH_YAML],
    code: 2,
    error: 'file-system',
    message: /not-a-dir\.tf is a file, not a directory/,
  },
  {
    name: 'lineage output under /proc, which never takes a directory',
    args: () => ['lineage', '--out', '/proc/self/mesh-lineage'],
    code: 2,
    error: 'file-system',
    message: /--out \/proc\/self\/mesh-lineage/,
  },
  {
    name: 'a configuration that is a directory',
    args: () => ['health', '--config', dir, '--db', db],
    code: 3,
    error: 'invalid-config',
    message: /cannot be read as a configuration file: it is a directory/,
  },
  {
    name: 'a configuration that does not exist',
    args: () => ['health', '--config', join(dir, 'nope.yaml'), '--db', db],
    code: 2,
    error: 'config-not-found',
    message: /nope\.yaml does not exist/,
  },
  {
    name: 'a memory limit that is not a size',
    args: () => [
      'health',
      '--config',
      write('memory.yaml', 'defaultTarget: local\ntargets:\n  local: { type: duckdb, memoryLimit: lots }\n'),
      '--db',
      db,
    ],
    code: 3,
    error: 'invalid-config',
    message: /memory\.yaml:3: targets\.local\.memoryLimit: a size such as 4GB/,
  },
  {
    name: 'ingest from a directory',
    args: () => {
      mkdirSync(join(dir, 'exports'), { recursive: true });
      return ['ingest', 'order.orders', '--from', join(dir, 'exports'), '--db', db];
    },
    code: 2,
    error: 'bad-arguments',
    message: /is a directory: name a file, or the files in it with a glob/,
  },
  {
    name: 'ingest into a source that does not exist',
    args: () => ['ingest', 'order.nothing', '--from', write('x.csv', 'a\n1\n'), '--db', db],
    code: 2,
    error: 'unknown-source',
    message: /No source is named order\.nothing/,
  },
  {
    name: 'a malformed --map',
    args: () => ['ingest', 'order.orders', '--from', write('y.csv', 'a\n1\n'), '--map', 'oops', '--db', db],
    code: 2,
    error: 'bad-arguments',
    message: /--map oops: write name=value/,
  },
  {
    name: 'a mapping file that is not YAML of a mapping',
    args: () => [
      'ingest',
      'order.orders',
      '--from',
      write('z.csv', 'a\n1\n'),
      '--mapping',
      write('m.yaml', 'rename: [1, 2]\n'),
      '--db',
      db,
    ],
    code: 3,
    error: 'invalid-mapping',
    message: /m\.yaml:1: rename/,
  },
  {
    name: 'reverting a batch that does not exist',
    args: () => ['ingest', '--revert', '9999', '--db', db],
    code: 2,
    error: 'unknown-batch',
    message: /No batch 9999/,
  },
  {
    name: 'an unknown product to build',
    args: () => ['build', 'order_nothing', '--db', db],
    code: 2,
    error: 'unknown-product',
    message: /No domain or product is named order_nothing/,
  },
];

describe('bad input', () => {
  let before: string;
  beforeAll(async () => {
    expect((await mesh('up', '--db', db, '--scale', '0.02')).code).toBe(0);
    before = digest();
  });

  it.each(cases)('$name: exit $code, $error, nothing changed', async (c) => {
    const args = c.args();
    const plain = await mesh(...args);
    expect(plain.code).toBe(c.code);
    expect(plain.stderr).toMatch(c.message);
    expect(plain.stderr).not.toMatch(/unexpected error|\n\s+at /);
    const json = await mesh(...args, '--json');
    expect(json.code).toBe(c.code);
    expect(json.json().error).toMatchObject({ code: c.error, message: expect.stringMatching(c.message) });
    expect(digest()).toBe(before);
  });
});
