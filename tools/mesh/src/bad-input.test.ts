import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
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
/**
 * A fingerprint of every published table and source log (count and a hash of every row):
 * what a bad input must leave as it was. The platform's own `_mesh` tables are left out.
 */
async function digest(): Promise<string> {
  const warehouse = await createDuckDbWarehouse({ path: db });
  try {
    const tables = await warehouse.query(
      `SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name <> '_mesh' ORDER BY 1, 2`,
    );
    const parts: string[] = [];
    for (const t of tables) {
      const [row] = await warehouse.query(
        `SELECT count(*) AS n, CAST(sum(hash(CAST(to_json(r) AS VARCHAR))) AS VARCHAR) AS h FROM "${t.schema_name}"."${t.table_name}" AS r`,
      );
      parts.push(`${t.schema_name}.${t.table_name}:${row?.n}:${row?.h}`);
    }
    return createHash('sha256').update(parts.join('\n')).digest('hex');
  } finally {
    await warehouse.close();
  }
}

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
    name: 'a target that is not in mesh.yaml',
    args: () => ['health', '--target', 'staging', '--db', db],
    code: 2,
    error: 'unknown-target',
    message: /No target is named staging/,
  },
  {
    name: 'a file format that is neither CSV nor Parquet',
    args: () => ['ingest', 'order.orders', '--from', write('f.xml', '<a/>'), '--format', 'xml', '--db', db],
    code: 2,
    error: 'bad-arguments',
    message: /--format must be csv or parquet, not xml/,
  },
  {
    name: 'a batch id that is not a number',
    args: () => ['ingest', '--revert', 'last', '--db', db],
    code: 2,
    error: 'bad-arguments',
    message: /--revert must be a positive integer, not last/,
  },
  {
    name: 'a negative --max-rejects',
    args: () => [
      'ingest',
      'order.orders',
      '--from',
      write('g.csv', 'a\n1\n'),
      '--max-rejects',
      '-1',
      '--db',
      db,
    ],
    code: 2,
    error: 'bad-arguments',
    message: /--max-rejects/,
  },
  {
    name: 'a glob that matches no file',
    args: () => ['ingest', 'order.orders', '--from', join(dir, 'nothing-*.csv'), '--db', db],
    code: 2,
    error: 'no-files',
    message: /No file matches/,
  },
  {
    name: 'an empty export',
    args: () => ['ingest', 'order.orders', '--from', write('empty.csv', ''), '--db', db],
    code: 1,
    error: 'ingest-unreadable',
    message: /empty\.csv is empty: a CSV export needs a header line/,
  },
  {
    name: 'an export without a required column',
    args: () => [
      'ingest',
      'order.orders',
      '--from',
      write('partial.csv', 'order_id,status\nO1,completed\n'),
      '--db',
      db,
    ],
    code: 1,
    error: 'ingest-mapping',
    message: /column customer_id \(required\) is not in the file/,
  },
  {
    name: 'an export with an unterminated quote',
    args: () => [
      'ingest',
      'store.stores',
      '--from',
      write('quote.csv', 'store_id,name\nS1,"North\nS2,South\n'),
      '--db',
      db,
    ],
    code: 1,
    error: 'ingest-unreadable',
    message: /unterminated quote/,
  },
  {
    name: 'a seed that is not an integer',
    args: () => ['seed', '--seed', '1.5', '--db', db],
    code: 2,
    error: 'bad-arguments',
    message: /--seed must be a positive integer, not 1\.5/,
  },
  {
    name: 'days of cost history that are not a number',
    args: () => ['cost', '--days', 'many', '--db', db],
    code: 2,
    error: 'bad-arguments',
    message: /--days must be/,
  },
  {
    name: 'a mesh.yaml that is not YAML',
    args: () => ['health', '--config', write('broken.yaml', 'targets: [\n'), '--db', db],
    code: 3,
    error: 'invalid-config',
    message: /broken\.yaml:\d+:/,
  },
  {
    name: 'a mesh.yaml with a key nobody reads',
    args: () => [
      'health',
      '--config',
      write('extra.yaml', 'defaultTarget: local\ntargets:\n  local: { type: duckdb }\ncolour: blue\n'),
      '--db',
      db,
    ],
    code: 3,
    error: 'invalid-config',
    message: /extra\.yaml:4: colour/,
  },
  {
    name: 'a database path that is a directory',
    args: () => ['health', '--db', dir],
    code: 4,
    error: 'database-unavailable',
    message: /Cannot open DuckDB database/,
  },
  {
    name: 'a database file that is not a database',
    args: () => ['health', '--db', write('notes.duckdb', 'not a database\n')],
    code: 4,
    error: 'database-unavailable',
    message: /Cannot open DuckDB database/,
  },
  {
    name: 'a database path with a typo',
    args: () => ['test', '--db', join(dir, 'mesh.duckbd')],
    code: 4,
    error: 'database-not-found',
    message: /No DuckDB warehouse at .*mesh\.duckbd/,
  },
  {
    name: 'an unknown source to describe',
    args: () => ['sources', 'nowhere'],
    code: 2,
    error: 'unknown-source',
    message: /No domain or source is named nowhere/,
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
    before = await digest();
  });

  it.each(cases)('$name: exit $code, $error, nothing changed', async (c) => {
    const args = c.args();
    const plain = await mesh(...args);
    expect(plain.code).toBe(c.code);
    // A usage error goes to stderr; an ingest's per-file failure is part of its report.
    expect(`${plain.stderr}${plain.stdout}`).toMatch(c.message);
    expect(`${plain.stderr}${plain.stdout}`).not.toMatch(/unexpected error|\n\s+at /);
    const json = await mesh(...args, '--json');
    expect(json.code).toBe(c.code);
    expect(json.json().error).toMatchObject({ code: c.error, message: expect.stringMatching(c.message) });
    expect(await digest()).toBe(before);
  });
});
