import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { storeLocations } from '@retail-mesh/domain-store';
import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
import {
  type DataProduct,
  defineDataProduct,
  defineDomain,
  defineSource,
  type Relation,
  sql,
  z,
} from '@retail-mesh/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DomainPackage } from './mesh.js';
import { mesh } from './testing/run-cli.js';

/**
 * Bad input, as users type it: each case gets a clear error naming what is wrong, the
 * documented exit code, `{ error: { code, message, subject } }` under --json, no stack trace,
 * no hang, and the published warehouse unchanged. Every case runs on its own copy of one
 * prepared warehouse, so a case that did damage cannot hide behind, or cause, another's.
 */
const dir = mkdtempSync(join(tmpdir(), 'mesh-bad-input-'));
// Traversable by the unprivileged user the read-only cases run as.
chmodSync(dir, 0o755);
const prepared = join(dir, 'prepared.duckdb');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const BIN = new URL('../bin/mesh.js', import.meta.url).pathname;
/** The repository's configuration, with its BigQuery target. */
const MESH_YAML = new URL('../../../mesh.yaml', import.meta.url).pathname;

/**
 * Domain packages a case adds to the mesh, built when the CLI loads its definitions: a
 * definition the SDK refuses throws there, as it would when a domain package is imported.
 */
const lab = vi.hoisted(() => ({ packages: undefined as undefined | (() => DomainPackage[]) }));
vi.mock('./mesh.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('./mesh.js')>();
  return {
    ...real,
    loadMesh: async (options?: { config?: string; cwd?: string }) => {
      const mesh = await real.loadMesh(options);
      const added = lab.packages?.() ?? [];
      // Checked as any domain package is, then beside the mesh's own.
      real.meshOf(added);
      return {
        domains: [...mesh.domains, ...added.map((p) => p.domain)],
        sources: [...mesh.sources, ...added.flatMap((p) => p.sources)],
        products: [...mesh.products, ...added.flatMap((p) => p.products)],
      };
    },
  };
});

const labDomain = defineDomain({
  name: 'lab',
  description: 'A laboratory of broken definitions, for the bad-input corpus.',
  owner: { team: 'lab-team', email: 'lab@retail.example' },
});
const labSchema = z.object({
  store_id: z.string().describe('Store identifier').meta({ key: true }),
  region: z.string().describe('Sales region of the store'),
});
/** Fields of a definition, typed loosely: the cases break what the types would forbid. */
type LabInput = Record<string, unknown>;
/** A product of the lab domain that builds and publishes; each case breaks one thing of it. */
const labProduct = (overrides: LabInput = {}): DataProduct =>
  defineDataProduct({
    domain: labDomain,
    name: 'lab_stores',
    version: '1.0.0',
    description: 'Every store with its sales region, as the lab sees them.',
    tier: 'bronze',
    refresh: 'daily',
    access: 'public',
    consumers: ['lab'],
    schema: labSchema,
    inputs: { stores: storeLocations },
    transform: ({ stores }: { stores: Relation }) => sql`SELECT store_id, region FROM ${stores}`,
    checks: (c: { store_id: { unique(): unknown; notNull(): unknown } }) => [
      c.store_id.unique(),
      c.store_id.notNull(),
    ],
    ...overrides,
  } as never) as DataProduct;
const labPackage = (...products: DataProduct[]): DomainPackage[] => [
  { domain: labDomain, sources: [], products },
];

/** What a case runs with: its own copy of the prepared warehouse, and a directory for its files. */
interface CaseContext {
  readonly db: string;
  readonly dir: string;
  write(name: string, content: string | Buffer): string;
}

interface Case {
  readonly name: string;
  readonly args: (c: CaseContext) => string[] | Promise<string[]>;
  readonly code: number;
  readonly error: string;
  readonly message: RegExp;
  /** What `error.subject` must hold under --json. */
  readonly subject?: Record<string, unknown>;
  /** Domain packages added to the mesh for this case. */
  readonly lab?: () => DomainPackage[];
  /** Files that must be byte for byte as they were (a damaged database is never "repaired"). */
  readonly unchanged?: (c: CaseContext) => string[];
  /** Runs the built CLI as another process, as a user without write access (see `unprivileged`). */
  readonly unprivileged?: boolean;
  /** Runs beside the command and is stopped after it (a process holding the database). */
  readonly during?: (c: CaseContext) => Promise<() => Promise<void>>;
  readonly after?: (c: CaseContext) => void;
}

const STORES_HEADER = 'store_id,name,format,city,region,opened_on,closed_on,square_meters,manager_staff_id';
const STORE = 'S1,North,flagship,Leeds,north,2020-01-01,,100,';
/** A store whose region is none of the enumeration's: the row a --max-rejects 0 refuses. */
const BAD_STORE = 'S2,South,standard,Bath,nowhere,2020-01-01,,100,';

const config = (c: CaseContext, name: string, text: string) => c.write(name, text);
const localWith = (settings: string) =>
  `defaultTarget: local\ntargets:\n  local: { type: duckdb${settings} }\n`;

/** Parquet files, written by DuckDB itself. */
async function parquet(path: string, select: string) {
  const warehouse = await createDuckDbWarehouse({ path: ':memory:' });
  try {
    await warehouse.query(`COPY (${select}) TO '${path}' (FORMAT parquet)`);
  } finally {
    await warehouse.close();
  }
  return path;
}
const PARQUET_STORE = `SELECT 'S1' AS store_id, 'North' AS name, 'flagship' AS format, 'Leeds' AS city, 'north' AS region, DATE '2020-01-01' AS opened_on, NULL::DATE AS closed_on, 100 AS square_meters, NULL AS manager_staff_id`;

/** A process that holds the database open, as a second `mesh` would; resolves once it does. */
async function holdDatabase(db: string): Promise<() => Promise<void>> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { createDuckDbWarehouse } from '@retail-mesh/duckdb';
       const w = await createDuckDbWarehouse({ path: ${JSON.stringify(db)} });
       process.stdout.write('ready\\n');
       process.stdin.resume();
       process.stdin.on('end', async () => { await w.close(); process.exit(0); });`,
    ],
    { cwd: new URL('..', import.meta.url).pathname, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => String(chunk).includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`the holding process ended first (${code})`)));
  });
  return async () => {
    child.stdin!.end();
    await exited;
  };
}

/**
 * A copy of `db` whose data blocks of `table` are scribbled over, its header and catalog intact:
 * it opens, and the first statement that reads that table finds the damage. A block's place in
 * the file is the three header blocks (4 KiB each) and then the block id times its size.
 */
async function damageTable(db: string, copy: string, table: string): Promise<string> {
  const warehouse = await createDuckDbWarehouse({ path: db });
  let blocks: number[];
  let size: number;
  try {
    const [sized] = await warehouse.query('SELECT block_size FROM pragma_database_size()');
    size = Number(sized?.block_size);
    const rows = await warehouse.query(
      `SELECT DISTINCT block_id FROM pragma_storage_info('${table}') WHERE block_id IS NOT NULL AND block_id >= 0`,
    );
    blocks = rows.map((r) => Number(r.block_id));
  } finally {
    await warehouse.close();
  }
  expect(blocks.length).toBeGreaterThan(0);
  const bytes = readFileSync(db);
  for (const block of blocks) bytes.fill(0x5a, 12_288 + block * size + 8, 12_288 + (block + 1) * size);
  writeFileSync(copy, bytes);
  return copy;
}

/** Ends a read stuck on a pipe, should a regression ever read one: opened and closed, it gives EOF. */
function unblock(fifo: string) {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // No reader: nothing waits on it.
  }
}

function mkfifo(path: string) {
  const made = spawn('mkfifo', [path]);
  return new Promise<string>((resolve, reject) =>
    made.once('exit', (code) => (code === 0 ? resolve(path) : reject(new Error(`mkfifo ${code}`)))),
  );
}

/**
 * Root writes any file whatever its mode: the read-only cases run the CLI as `nobody` when the
 * tests run as root, and as the same user otherwise (the mode bits then apply already).
 */
const unprivileged = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

/**
 * `nobody` must reach the CLI: a checkout under a private directory (`mktemp -d` makes one)
 * is opened for traversal (not reading) while the tests run, and closed again afterwards.
 */
const opened: Array<[string, number]> = [];
beforeAll(() => {
  if (process.getuid?.() !== 0) return;
  for (let d = dirname(BIN); d !== dirname(d); d = dirname(d)) {
    const mode = statSync(d).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      chmodSync(d, mode | 0o001);
      opened.push([d, mode]);
    }
  }
});
afterAll(() => {
  for (const [d, mode] of opened.reverse()) chmodSync(d, mode);
});

async function meshProcess(args: string[], cwd: string) {
  // Run outside the repository: its mesh.yaml says where the domains are.
  const withConfig = args.includes('--config') ? args : [...args, '--config', MESH_YAML];
  const child = spawn(process.execPath, [BIN, ...withConfig], { cwd, ...unprivileged });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? -1)));
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

const cases: Case[] = [
  // --- The command line -------------------------------------------------------------------
  {
    name: 'a name given to a command that takes none',
    args: (c) => ['health', 'extra', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    subject: { command: 'health' },
    message: /mesh health takes no names: extra/,
  },
  {
    name: 'an unknown flag',
    args: (c) => ['build', '--fast', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    subject: { command: 'build', option: '--fast' },
    message: /mesh build has no option --fast\. Its options: --dry-run, --full-refresh/,
  },
  {
    name: 'a mistyped flag',
    args: (c) => ['build', '--full-refesh', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /no option --full-refesh \(did you mean --full-refresh\?\)/,
  },
  {
    name: 'an unknown short flag',
    args: (c) => ['health', '-x', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    subject: { command: 'health', option: '-x' },
    message: /mesh health has no option -x\. Its options: --history, --since; every command takes --target/,
  },
  {
    name: 'a flag without its value',
    args: () => ['health', '--db'],
    code: 2,
    error: 'bad-arguments',
    // Under --json the flag is followed by --json: the value is missing either way.
    message: /--db needs a value/,
  },
  {
    name: 'a flag given empty text (--db=)',
    args: () => ['health', '--db='],
    code: 2,
    error: 'bad-arguments',
    subject: { command: 'health', option: '--db' },
    message: /--db needs a value, and was given empty text/,
  },
  {
    name: 'a flag whose value expanded to nothing',
    args: (c) => ['lineage', '--out', ' ', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    subject: { command: 'lineage', option: '--out' },
    message: /--out needs a value, and was given empty text/,
  },
  {
    name: 'a short flag without its value',
    args: () => ['health', '-t'],
    code: 2,
    error: 'bad-arguments',
    subject: { command: 'health', option: '--target' },
    message: /--target needs a value/,
  },
  {
    name: 'a flag whose value is another flag',
    args: (c) => ['seed', '--scale', '--seed', '3', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /--scale needs a value, but an option follows it/,
  },
  {
    name: 'a switch given a value',
    args: (c) => ['build', '--dry-run=yes', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    subject: { command: 'build', option: '--dry-run' },
    message: /--dry-run is a switch and takes no value/,
  },
  {
    name: 'a flag given twice with different values',
    args: (c) => ['health', '--db', c.db, '--db', join(c.dir, 'other.duckdb')],
    code: 2,
    error: 'bad-arguments',
    subject: { command: 'health', option: '--db' },
    message: /--db is given twice \(.*mesh\.duckdb and .*other\.duckdb\): give it once/,
  },
  {
    name: 'an unknown command',
    args: () => ['deploy-everything'],
    code: 2,
    error: 'unknown-command',
    message: /Unknown command deploy-everything/,
  },
  {
    name: 'a build concurrency of none',
    args: (c) => ['build', '--concurrency', '0', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /--concurrency must be a positive integer, not 0/,
  },
  {
    name: 'a fractional build concurrency',
    args: (c) => ['build', '--concurrency', '1.5', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /--concurrency must be a positive integer, not 1\.5/,
  },
  {
    name: 'a scale no generator supports',
    args: (c) => ['seed', '--scale', '100000', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /--scale 100000 is more than the sample generators support/,
  },
  {
    name: 'a scale in scientific notation beyond the generators',
    args: (c) => ['seed', '--scale', '1e9', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /--scale 1e9 is more than the sample generators support/,
  },
  {
    name: 'a scale that is not a number',
    args: (c) => ['seed', '--scale', 'big', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /--scale must be a positive number, not big/,
    // The command and the option, as the README promises for a bad command line.
    subject: { command: 'seed', option: '--scale' },
  },
  {
    name: 'a negative scale',
    args: (c) => ['up', '--scale', '-1', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /--scale must be a positive number, not -1/,
  },
  {
    name: 'a scale in hexadecimal',
    args: (c) => ['seed', '--scale', '0x10', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /--scale must be a positive number, not 0x10/,
  },
  {
    name: 'a seed that is not an integer',
    args: (c) => ['seed', '--seed', '1.5', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /--seed must be a positive integer, not 1\.5/,
  },
  {
    name: 'a seed beyond exact integers',
    args: (c) => ['seed', '--seed', '9007199254740993', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /--seed must be at most 9007199254740991, not 9007199254740993/,
  },
  {
    name: 'days of cost history that are not a number',
    args: (c) => ['cost', '--days', 'many', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /--days must be a positive integer, not many/,
  },
  {
    name: 'more days of cost history than the calendar holds',
    args: (c) => ['cost', '--days', '1e12', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /--days must be at most 36500, not 1e12/,
  },
  {
    name: 'a negative --max-rejects',
    args: (c) => [
      'ingest',
      'order.orders',
      '--from',
      c.write('g.csv', 'a\n1\n'),
      '--max-rejects',
      '-1',
      '--db',
      c.db,
    ],
    code: 2,
    error: 'bad-arguments',
    message: /--max-rejects must be a non-negative integer, not -1/,
  },
  {
    name: 'an empty --max-rejects',
    args: (c) => [
      'ingest',
      'order.orders',
      '--from',
      c.write('g.csv', 'a\n1\n'),
      '--max-rejects=',
      '--db',
      c.db,
    ],
    code: 2,
    error: 'bad-arguments',
    subject: { command: 'ingest', option: '--max-rejects' },
    message: /--max-rejects needs a value, and was given empty text/,
  },
  {
    name: 'a limit of no rejects',
    args: (c) => ['ingest', '--rejects', '1', '--limit', '0', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /--limit must be a positive integer, not 0/,
  },
  {
    name: 'a port for serve --once, which serves nothing',
    args: (c) => ['serve', '--once', '--port', '80', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /--once serves nothing .*: it cannot go with --port\./,
  },
  {
    name: 'a misspelt command',
    args: (c) => ['bulid', '--db', c.db],
    code: 2,
    error: 'unknown-command',
    message: /^(?!.*Commands:).*Unknown command bulid\. Did you mean build\?/s,
  },
  {
    name: 'a misspelt product',
    args: (c) => ['build', 'prodcut_inventory', '--db', c.db],
    code: 2,
    error: 'unknown-product',
    message: /No domain or product is named prodcut_inventory\. Did you mean product_inventory\?$/m,
  },
  {
    name: 'a misspelt domain to seed',
    args: (c) => ['seed', 'prodct', '--db', c.db],
    code: 2,
    error: 'unknown-domain',
    message: /No domain or source is named prodct\. Did you mean product\?$/m,
  },
  {
    name: 'a product for health history that is near no name',
    args: (c) => ['health', '--history', 'nosuch', '--db', c.db],
    code: 2,
    error: 'unknown-product',
    message: /No domain or product is named nosuch\. Known: product, customer, .*order\.order_items/,
  },
  {
    name: 'two ways of ingest at once',
    args: (c) => ['ingest', '--list', '--revert', '3', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /--list and --revert cannot be combined/,
  },
  {
    name: 'a flag of another way of ingest',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write('s.csv', `${STORES_HEADER}\n${STORE}\n`),
      '--limit',
      '5',
      '--db',
      c.db,
    ],
    code: 2,
    error: 'bad-arguments',
    message: /--limit goes with --rejects/,
  },
  {
    name: 'two output formats of sources',
    args: () => ['sources', '--markdown', '--json'],
    code: 2,
    error: 'bad-arguments',
    message: /Choose one of --json and --markdown/,
  },
  {
    name: 'two output formats of lineage',
    args: () => ['lineage', '--mermaid', '--json'],
    code: 2,
    error: 'bad-arguments',
    message: /Choose one of --json and --mermaid/,
  },
  {
    name: 'an unknown product to build',
    args: (c) => ['build', 'order_nothing', '--db', c.db],
    code: 2,
    error: 'unknown-product',
    message: /No domain or product is named order_nothing/,
    subject: { product: 'order_nothing' },
  },
  {
    name: 'an unknown product to build into a database path with a typo',
    args: (c) => ['build', 'order_nothing', '--db', join(c.dir, 'mesh.duckbd')],
    code: 2,
    error: 'unknown-product',
    message: /No domain or product is named order_nothing/,
    // Refused: nothing was built, so no empty database is left for the next command to read.
    after: (c) => expect(existsSync(join(c.dir, 'mesh.duckbd'))).toBe(false),
  },
  {
    name: 'an unknown product to test',
    args: (c) => ['test', 'store.nothing', '--db', c.db],
    code: 2,
    error: 'unknown-product',
    message: /No domain or product is named store\.nothing/,
  },
  {
    name: 'an unknown domain to seed',
    args: (c) => ['seed', 'warehouse', '--db', c.db],
    code: 2,
    error: 'unknown-domain',
    message: /No domain or source is named warehouse/,
  },
  {
    name: 'an unknown source to sample',
    args: (c) => ['seed', '--sample', 'order.refunds', '--db', c.db],
    code: 2,
    error: 'unknown-source',
    message: /--sample order\.refunds: no source is named so/,
    subject: { source: 'order.refunds' },
  },
  {
    name: 'an unknown source to describe',
    args: () => ['sources', 'nowhere'],
    code: 2,
    error: 'unknown-source',
    message: /No domain or source is named nowhere/,
    subject: { source: 'nowhere' },
  },
  {
    name: 'an unknown source to list batches of',
    args: (c) => ['ingest', '--list', 'order.refunds', '--db', c.db],
    code: 2,
    error: 'unknown-source',
    message: /No domain or source is named order\.refunds/,
  },
  {
    name: 'a target that is not in mesh.yaml',
    args: (c) => ['health', '--target', 'staging', '--db', c.db],
    code: 2,
    error: 'unknown-target',
    message: /No target is named staging/,
    subject: { target: 'staging' },
  },
  {
    name: 'a --db for a BigQuery target',
    args: (c) => ['health', '--config', MESH_YAML, '--target', 'prod', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /--db applies to DuckDB targets; target prod is bigquery/,
  },
  {
    name: 'a Terraform plan for a DuckDB target',
    args: (c) => ['plan', '--terraform', join(c.dir, 'tf'), '--config', MESH_YAML, '--target', 'local'],
    code: 2,
    error: 'bad-arguments',
    message: /target local is duckdb\. Name a BigQuery target/,
  },
  {
    name: 'a plan without its directory',
    args: () => ['plan', '--config', MESH_YAML],
    code: 2,
    error: 'bad-arguments',
    message: /mesh plan needs --terraform <dir>/,
  },
  {
    name: 'terraform output into an existing file',
    args: (c) => ['plan', '--terraform', c.write('not-a-dir.tf', 'x'), '--config', MESH_YAML],
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
    name: 'ingest without a source',
    args: (c) => ['ingest', '--from', c.write('s.csv', `${STORES_HEADER}\n`), '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /Name one source: mesh ingest <domain>\.<source>/,
  },
  {
    name: 'ingest without a file',
    args: (c) => ['ingest', 'store.stores', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /Say which file to ingest: --from/,
  },
  {
    name: 'ingest into a source that does not exist',
    args: (c) => ['ingest', 'order.nothing', '--from', c.write('x.csv', 'a\n1\n'), '--db', c.db],
    code: 2,
    error: 'unknown-source',
    message: /No source is named order\.nothing/,
  },
  {
    name: 'a malformed --map',
    args: (c) => [
      'ingest',
      'order.orders',
      '--from',
      c.write('y.csv', 'a\n1\n'),
      '--map',
      'oops',
      '--db',
      c.db,
    ],
    code: 2,
    error: 'bad-arguments',
    message: /--map oops: write name=value/,
  },
  {
    name: 'a mapping file that is not YAML of a mapping',
    args: (c) => [
      'ingest',
      'order.orders',
      '--from',
      c.write('z.csv', 'a\n1\n'),
      '--mapping',
      c.write('m.yaml', 'rename: [1, 2]\n'),
      '--db',
      c.db,
    ],
    code: 3,
    error: 'invalid-mapping',
    message: /m\.yaml:1: rename: expected a mapping, not a list/,
  },
  {
    name: 'a mapping file that does not exist',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write('s.csv', `${STORES_HEADER}\n${STORE}\n`),
      '--mapping',
      join(c.dir, 'nope.yaml'),
      '--db',
      c.db,
    ],
    code: 2,
    error: 'bad-arguments',
    message: /--mapping .*nope\.yaml: no such file/,
    subject: { file: expect.stringMatching(/nope\.yaml$/) },
  },
  {
    name: 'a mapping file of another source',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write('s.csv', `${STORES_HEADER}\n${STORE}\n`),
      '--mapping',
      c.write('orders.yaml', 'source: order.orders\n'),
      '--db',
      c.db,
    ],
    code: 2,
    error: 'bad-arguments',
    message: /orders\.yaml is for order\.orders, not store\.stores/,
  },
  {
    name: 'reverting a batch that does not exist',
    args: (c) => ['ingest', '--revert', '9999', '--db', c.db],
    code: 2,
    error: 'unknown-batch',
    message: /No batch 9999/,
    subject: { batch: 9999 },
  },
  {
    name: 'a batch id that is not a number',
    args: (c) => ['ingest', '--revert', 'last', '--db', c.db],
    code: 2,
    error: 'bad-arguments',
    message: /--revert must be a positive integer, not last/,
  },
  {
    name: 'a file format that is neither CSV nor Parquet',
    args: (c) => [
      'ingest',
      'order.orders',
      '--from',
      c.write('f.xml', '<a/>'),
      '--format',
      'xml',
      '--db',
      c.db,
    ],
    code: 2,
    error: 'bad-arguments',
    message: /--format must be csv or parquet, not xml/,
  },

  // --- mesh.yaml -------------------------------------------------------------------------
  {
    name: 'a configuration that is a directory',
    args: (c) => ['health', '--config', c.dir, '--db', c.db],
    code: 3,
    error: 'invalid-config',
    message: /cannot be read as a configuration file: it is a directory/,
  },
  {
    name: 'a configuration that does not exist',
    args: (c) => ['health', '--config', join(c.dir, 'nope.yaml'), '--db', c.db],
    code: 2,
    error: 'config-not-found',
    message: /nope\.yaml does not exist/,
  },
  {
    name: 'a mesh.yaml that is not YAML',
    args: (c) => ['health', '--config', config(c, 'broken.yaml', 'targets: [\n'), '--db', c.db],
    code: 3,
    error: 'invalid-config',
    message: /broken\.yaml:\d+:/,
  },
  {
    name: 'a mesh.yaml indented with tabs',
    args: (c) => [
      'health',
      '--config',
      config(c, 'tabs.yaml', 'targets:\n\tlocal: { type: duckdb }\n'),
      '--db',
      c.db,
    ],
    code: 3,
    error: 'invalid-config',
    message: /tabs\.yaml:2: Tabs are not allowed/,
    subject: { file: expect.stringMatching(/tabs\.yaml$/), line: 2 },
  },
  {
    name: 'a mesh.yaml with a key twice',
    args: (c) => [
      'health',
      '--config',
      config(c, 'twice.yaml', 'targets:\n  local: { type: duckdb }\ntargets:\n  other: { type: duckdb }\n'),
      '--db',
      c.db,
    ],
    code: 3,
    error: 'invalid-config',
    message: /twice\.yaml:3: Map keys must be unique/,
  },
  {
    name: 'a mesh.yaml that is a list',
    args: (c) => ['health', '--config', config(c, 'list.yaml', '- local\n- prod\n'), '--db', c.db],
    code: 3,
    error: 'invalid-config',
    message: /list\.yaml: expected a mapping, not a list/,
  },
  {
    name: 'an empty mesh.yaml',
    args: (c) => ['health', '--config', config(c, 'empty.yaml', ''), '--db', c.db],
    code: 3,
    error: 'invalid-config',
    message: /empty\.yaml: targets: missing: give a mapping/,
  },
  {
    name: 'a mesh.yaml with a key nobody reads',
    args: (c) => [
      'health',
      '--config',
      config(c, 'extra.yaml', `${localWith('')}colour: blue\n`),
      '--db',
      c.db,
    ],
    code: 3,
    error: 'invalid-config',
    message: /extra\.yaml:4: colour/,
    subject: { line: 4, key: 'colour' },
  },
  {
    name: 'a misspelt key of a target',
    args: (c) => ['health', '--config', config(c, 'pth.yaml', localWith(', pth: x.duckdb')), '--db', c.db],
    code: 3,
    error: 'invalid-config',
    message: /pth\.yaml:3: targets\.local\.pth: Unrecognized key/,
  },
  {
    name: 'threads that are not a number',
    args: (c) => [
      'health',
      '--config',
      config(c, 'threads.yaml', localWith(', threads: many')),
      '--db',
      c.db,
    ],
    code: 3,
    error: 'invalid-config',
    message: /threads\.yaml:3: targets\.local\.threads: expected a number, not "many"/,
    subject: { key: 'targets.local.threads', line: 3 },
  },
  {
    name: 'no threads',
    args: (c) => ['health', '--config', config(c, 'threads.yaml', localWith(', threads: 0')), '--db', c.db],
    code: 3,
    error: 'invalid-config',
    message: /targets\.local\.threads: Too small: expected number to be >0, not 0/,
  },
  {
    name: 'more threads than DuckDB can start',
    args: (c) => [
      'health',
      '--config',
      config(c, 'threads.yaml', localWith(', threads: 100000')),
      '--db',
      c.db,
    ],
    code: 3,
    error: 'invalid-config',
    message: /threads\.yaml:3: targets\.local\.threads: at most 1024, not 100000/,
  },
  {
    name: 'a memory limit that is not a size',
    args: (c) => [
      'health',
      '--config',
      config(c, 'memory.yaml', localWith(', memoryLimit: lots')),
      '--db',
      c.db,
    ],
    code: 3,
    error: 'invalid-config',
    message: /memory\.yaml:3: targets\.local\.memoryLimit: a size such as 4GB/,
  },
  {
    name: 'a memory limit too small to open a database',
    args: (c) => [
      'health',
      '--config',
      config(c, 'memory.yaml', localWith(', memoryLimit: 1KB')),
      '--db',
      c.db,
    ],
    code: 3,
    error: 'invalid-config',
    message: /targets\.local\.memoryLimit: a size such as 4GB or 512MiB \(at least 16MB\).*not "1KB"/,
  },
  {
    name: 'a memory limit of more than all the RAM',
    args: (c) => [
      'health',
      '--config',
      config(c, 'memory.yaml', localWith(', memoryLimit: 300%')),
      '--db',
      c.db,
    ],
    code: 3,
    error: 'invalid-config',
    message: /targets\.local\.memoryLimit: .*share of RAM such as 80%, not "300%"/,
  },
  {
    name: 'a target name in capitals',
    args: (c) => [
      'health',
      '--config',
      config(c, 'caps.yaml', 'defaultTarget: Local\ntargets:\n  Local: { type: duckdb }\n'),
      '--db',
      c.db,
    ],
    code: 3,
    error: 'invalid-config',
    message: /caps\.yaml:3: targets\.Local: Local is not a valid name: lower-case target name/,
  },
  {
    name: 'a default target that is not defined',
    args: (c) => [
      'health',
      '--config',
      config(c, 'default.yaml', 'defaultTarget: prod\ntargets:\n  local: { type: duckdb }\n'),
      '--db',
      c.db,
    ],
    code: 3,
    error: 'invalid-config',
    message: /default\.yaml:1: defaultTarget: no target is named prod/,
  },
  {
    name: 'a warehouse type nobody supports',
    args: (c) => [
      'health',
      '--config',
      config(c, 'type.yaml', 'targets:\n  local: { type: postgres }\n'),
      '--db',
      c.db,
    ],
    code: 3,
    error: 'invalid-config',
    message: /type\.yaml:2: targets\.local\.type: .*not "postgres"/,
  },
  {
    name: 'a BigQuery project id that is not one',
    args: (c) => [
      'plan',
      '--terraform',
      join(c.dir, 'tf'),
      '--config',
      config(
        c,
        'bq.yaml',
        'defaultTarget: prod\ntargets:\n  prod: { type: bigquery, project: My_Project }\n',
      ),
    ],
    code: 3,
    error: 'invalid-config',
    message: /bq\.yaml:3: targets\.prod\.project: a Google Cloud project id, not "My_Project"/,
  },
  {
    name: 'a negative price',
    args: (c) => [
      'cost',
      '--config',
      config(c, 'cost.yaml', `${localWith('')}cost: { computePerTb: -1 }\n`),
      '--db',
      c.db,
    ],
    code: 3,
    error: 'invalid-config',
    message: /cost\.yaml:4: cost\.computePerTb: Too small: expected number to be >=0, not -1/,
  },

  // --- Definitions ------------------------------------------------------------------------
  {
    name: 'a transform that produces a column its schema does not declare',
    lab: () =>
      labPackage(
        labProduct({
          transform: ({ stores }: { stores: Relation }) => sql`SELECT store_id, region, city FROM ${stores}`,
        }),
      ),
    args: (c) => ['build', 'lab', '--db', c.db],
    code: 1,
    error: 'transform-extra-column',
    message: /The transform of lab\.lab_stores produces column city, which its schema does not declare/,
    subject: { domain: 'lab', product: 'lab_stores', column: 'city' },
  },
  {
    name: 'a transform that leaves out a column of its schema',
    lab: () =>
      labPackage(
        labProduct({ transform: ({ stores }: { stores: Relation }) => sql`SELECT store_id FROM ${stores}` }),
      ),
    args: (c) => ['build', 'lab', '--db', c.db],
    code: 1,
    error: 'transform-missing-column',
    message: /The transform of lab\.lab_stores does not produce column region of its schema/,
    subject: { product: 'lab_stores', column: 'region' },
  },
  {
    name: 'a transform that does not compile',
    lab: () =>
      labPackage(
        labProduct({
          transform: ({ stores }: { stores: Relation }) => sql`SELECT store_id, region FROM ${stores} WHERE`,
        }),
      ),
    args: (c) => ['build', 'lab', '--db', c.db],
    code: 1,
    error: 'transform-invalid',
    message: /The transform of lab\.lab_stores does not compile: .*syntax error/i,
  },
  {
    name: 'a product whose blocking check fails',
    lab: () =>
      labPackage(
        labProduct({
          checks: (c: { region: { acceptedValues(v: string[]): unknown } }) => [
            c.region.acceptedValues(['atlantis']),
          ],
        }),
      ),
    args: (c) => ['build', 'lab', '--db', c.db],
    code: 1,
    error: 'checks-failed',
    message:
      /lab\.lab_stores was not published: region_accepted_values \(4 failing of 4\)\. The previous version stays published/,
    subject: { product: 'lab_stores' },
  },
  {
    name: 'products that read each other',
    lab: () => {
      const a = labProduct();
      const b = labProduct({
        name: 'lab_regions',
        inputs: { a },
        transform: ({ a }: { a: Relation }) => sql`SELECT store_id, region FROM ${a}`,
      });
      // What a cycle of imports can produce: a reads b, which reads a.
      return labPackage({ ...a, inputs: { ...a.inputs, b } } as DataProduct, b);
    },
    args: (c) => ['build', 'lab', '--db', c.db],
    code: 3,
    error: 'dependency-cycle',
    message: /Products depend on each other in a cycle: lab\.lab_\w+ -> lab\.lab_\w+ -> lab\.lab_\w+/,
  },
  {
    name: 'an input that is undefined',
    lab: () => labPackage(labProduct({ inputs: { stores: storeLocations, staff: undefined } })),
    args: () => ['lineage'],
    code: 3,
    error: 'unknown-input',
    message: /lab\.lab_stores reads input staff, which is undefined/,
    subject: { domain: 'lab', product: 'lab_stores' },
  },
  {
    name: 'a product list with a hole',
    lab: () => labPackage(labProduct(), undefined as never),
    args: (c) => ['health', '--db', c.db],
    code: 3,
    error: 'unknown-input',
    message: /Domain lab lists a product that is undefined/,
  },
  {
    name: 'a product version that is not semantic',
    lab: () => labPackage(labProduct({ version: 'latest' })),
    args: (c) => ['build', 'lab', '--db', c.db],
    code: 3,
    error: 'invalid-data-product',
    message: /Data product lab_stores is invalid: version: a semantic version/,
  },
  {
    name: "a column named like the platform's own",
    lab: () =>
      labPackage(
        labProduct({ schema: labSchema.extend({ _loaded_at: z.string().describe('When it was loaded') }) }),
      ),
    args: (c) => ['test', '--db', c.db],
    code: 3,
    error: 'reserved-column',
    message: /Column _loaded_at starts with "_"/,
    subject: { product: 'lab_stores', column: '_loaded_at' },
  },
  {
    name: 'a transform that is a string, not SQL',
    lab: () => labPackage(labProduct({ transform: () => 'SELECT 1' })),
    args: (c) => ['build', '--dry-run', '--db', c.db],
    code: 3,
    error: 'invalid-transform',
    message: /transform must return a sql`\.\.\.` fragment/,
  },
  {
    name: 'a source without a key',
    lab: () => [
      {
        domain: labDomain,
        products: [],
        sources: [
          defineSource({
            domain: labDomain,
            name: 'visits',
            description: 'Store visits counted at the door.',
            mode: 'append',
            schema: z.object({ store_id: z.string().describe('Store identifier') }),
          }),
        ],
      },
    ],
    args: (c) => ['sources', '--db', c.db],
    code: 3,
    error: 'source-without-key',
    message: /Source visits declares no primary key/,
  },
  {
    name: 'a product that breaks a governance policy',
    lab: () => labPackage(labProduct({ consumers: [] })),
    args: (c) => ['build', 'lab', '--db', c.db],
    code: 3,
    error: 'policy-violations',
    message: /consumers-required \(lab\.lab_stores\)/,
  },
  {
    name: 'one product in two versions',
    lab: () =>
      labPackage(
        labProduct(),
        labProduct({
          name: 'lab_regions',
          inputs: { stores: labProduct({ version: '2.0.0' }) },
          transform: ({ stores }: { stores: Relation }) => sql`SELECT store_id, region FROM ${stores}`,
        }),
      ),
    args: (c) => ['build', 'lab', '--db', c.db],
    code: 3,
    error: 'conflicting-versions',
    message: /lab\.lab_stores is present in versions 1\.0\.0 and 2\.0\.0/,
  },

  // --- Database files ---------------------------------------------------------------------
  {
    name: 'a database path that is a directory',
    args: (c) => ['health', '--db', c.dir],
    code: 4,
    error: 'database-unavailable',
    message: /is a directory, not a DuckDB database file/,
  },
  {
    name: 'a database file that is not a database',
    args: (c) => ['health', '--db', c.write('notes.duckdb', 'not a database\n')],
    code: 4,
    error: 'database-unavailable',
    message: /notes\.duckdb is not a DuckDB database \(it is a text file\)/,
    unchanged: (c) => [join(c.dir, 'notes.duckdb')],
  },
  {
    name: 'an export passed as the database to build into',
    args: (c) => ['build', '--db', c.write('orders.csv', 'order_id,status\nO1,completed\n')],
    code: 4,
    error: 'database-unavailable',
    message: /orders\.csv is not a DuckDB database \(it is a text file\): .*mesh ingest/,
    unchanged: (c) => [join(c.dir, 'orders.csv')],
  },
  {
    name: 'a Parquet file passed as the database',
    args: async (c) => ['health', '--db', await parquet(join(c.dir, 'stores.parquet'), PARQUET_STORE)],
    code: 4,
    error: 'database-unavailable',
    message: /stores\.parquet is not a DuckDB database \(it is a Parquet file\)/,
  },
  {
    name: 'a zero-byte database file',
    args: (c) => ['up', '--db', c.write('zero.duckdb', '')],
    code: 4,
    error: 'database-unavailable',
    message: /zero\.duckdb is empty \(0 bytes\), not a DuckDB database/,
    unchanged: (c) => [join(c.dir, 'zero.duckdb')],
  },
  {
    name: 'a truncated database file',
    args: (c) => {
      const damaged = join(c.dir, 'truncated.duckdb');
      copyFileSync(c.db, damaged);
      truncateSync(damaged, 100_000);
      return ['health', '--db', damaged];
    },
    code: 4,
    error: 'database-unavailable',
    message:
      /Could not read enough bytes from file .*truncated\.duckdb.*damaged or cut short: restore it from a backup/,
    subject: { file: expect.stringMatching(/truncated\.duckdb$/) },
    unchanged: (c) => [join(c.dir, 'truncated.duckdb')],
  },
  {
    name: 'a database file with a corrupted block',
    args: (c) => {
      const bytes = readFileSync(c.db);
      bytes.fill(0x58, 12_288, 12_288 + 64);
      return ['build', '--db', c.write('corrupted.duckdb', bytes)];
    },
    code: 4,
    // Not "open in another process": DuckDB's checksum error speaks of a block.
    error: 'database-unavailable',
    message: /corrupted\.duckdb.*checksum .* does not match.*damaged or cut short/,
    unchanged: (c) => [join(c.dir, 'corrupted.duckdb')],
  },
  {
    name: 'a database file damaged where a test reads it',
    args: async (c) => [
      'test',
      'order_transactions',
      '--db',
      await damageTable(c.db, join(c.dir, 'damaged.duckdb'), 'order.order_transactions'),
    ],
    code: 4,
    // Not a failed check or statement: no statement would fare better on this file.
    error: 'database-unavailable',
    message:
      /order\.order_transactions: Cannot read DuckDB database .*damaged\.duckdb: IO Error: Corrupt database file.*damaged or cut short: restore it from a backup/,
    subject: {
      domain: 'order',
      product: 'order_transactions',
      file: expect.stringMatching(/damaged\.duckdb$/),
    },
    // The test's run is still recorded in the run log (other blocks): no `unchanged` here.
  },
  {
    name: 'a database file damaged where health reads it',
    args: async (c) => [
      'health',
      '--db',
      await damageTable(c.db, join(c.dir, 'damaged.duckdb'), 'order.order_transactions'),
    ],
    code: 4,
    error: 'database-unavailable',
    message:
      /Cannot read DuckDB database .*damaged\.duckdb: IO Error: Corrupt database file[^\n]*damaged or cut short: restore it from a backup/,
    subject: { file: expect.stringMatching(/damaged\.duckdb$/) },
    unchanged: (c) => [join(c.dir, 'damaged.duckdb')],
  },
  {
    name: 'a test of a table published by another version, which lacks a column',
    args: async (c) => {
      const older = join(c.dir, 'older.duckdb');
      copyFileSync(c.db, older);
      const warehouse = await createDuckDbWarehouse({ path: older });
      try {
        await warehouse.query('ALTER TABLE store.store_locations DROP COLUMN region');
        await warehouse.query("UPDATE store.store_locations SET _version = '0.9.0'");
      } finally {
        await warehouse.close();
      }
      return ['test', 'store_locations', '--db', older];
    },
    code: 1,
    // Not DuckDB's Binder Error about a column of the check suite, with no product.
    error: 'missing-columns',
    message:
      /store\.store_locations \d+\.\d+\.\d+ \(the contract installed here\) has column region, which its published table \(version 0\.9\.0\) lacks/,
    subject: { domain: 'store', product: 'store_locations', column: 'region' },
  },
  {
    name: 'a database that is a pipe',
    args: async (c) => ['health', '--db', await mkfifo(join(c.dir, 'pipe.duckdb'))],
    code: 4,
    error: 'database-unavailable',
    message: /pipe\.duckdb is not a regular file \(a pipe, socket or device\)/,
    after: (c) => unblock(join(c.dir, 'pipe.duckdb')),
  },
  {
    name: 'a database path with a typo',
    args: (c) => ['test', '--db', join(c.dir, 'mesh.duckbd')],
    code: 4,
    error: 'database-not-found',
    message: /No DuckDB warehouse at .*mesh\.duckbd/,
  },
  {
    name: 'a database in a directory that does not exist, for a read',
    args: (c) => ['cost', '--db', join(c.dir, 'missing', 'mesh.duckdb')],
    code: 4,
    error: 'database-not-found',
    message: /No DuckDB warehouse at .*missing\/mesh\.duckdb: check the path/,
    // Reading creates nothing on the way.
    after: (c) => expect(existsSync(join(c.dir, 'missing'))).toBe(false),
  },
  {
    name: 'a database to create where no directory can be made',
    args: () => ['build', '--db', '/proc/self/nope/mesh.duckdb'],
    code: 2,
    error: 'file-system',
    message: /database directory \/proc\/self\/nope: cannot create the directory/,
  },
  {
    name: 'a database another process holds',
    during: (c) => holdDatabase(c.db),
    args: (c) => ['build', '--db', c.db],
    code: 4,
    error: 'database-locked',
    message:
      /mesh\.duckdb is open in another process \(DuckDB allows one writer: a mesh serve, a build, or a script of yours\)/,
  },
  {
    name: 'a database file without write permission',
    unprivileged: true,
    args: (c) => {
      const shared = join(c.dir, 'shared');
      mkdirSync(shared);
      chmodSync(shared, 0o777);
      const db = join(shared, 'read-only.duckdb');
      copyFileSync(c.db, db);
      chmodSync(db, 0o444);
      return ['health', '--db', db];
    },
    code: 4,
    error: 'database-unavailable',
    message: /read-only\.duckdb.*Permission denied.*Check the permissions of the file and its directory/,
    unchanged: (c) => [join(c.dir, 'shared', 'read-only.duckdb')],
  },
  {
    name: 'a database to create in a directory without write permission',
    unprivileged: true,
    args: (c) => {
      const locked = join(c.dir, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o555);
      return ['build', '--db', join(locked, 'mesh.duckdb')];
    },
    code: 4,
    error: 'database-unavailable',
    message: /locked\/mesh\.duckdb.*Permission denied/,
    after: (c) => expect(existsSync(join(c.dir, 'locked', 'mesh.duckdb'))).toBe(false),
  },

  // --- Files to ingest ---------------------------------------------------------------------
  {
    name: 'ingest from a directory',
    args: (c) => {
      mkdirSync(join(c.dir, 'exports'));
      return ['ingest', 'order.orders', '--from', join(c.dir, 'exports'), '--db', c.db];
    },
    code: 2,
    error: 'bad-arguments',
    message: /is a directory: name a file, or the files in it with a glob/,
  },
  {
    name: 'a glob that matches no file',
    args: (c) => ['ingest', 'order.orders', '--from', join(c.dir, 'nothing-*.csv'), '--db', c.db],
    code: 2,
    error: 'no-files',
    message: /No file matches .*nothing-\*\.csv/,
  },
  {
    name: 'a file that does not exist',
    args: (c) => ['ingest', 'order.orders', '--from', join(c.dir, 'orders-2026.csv'), '--db', c.db],
    code: 2,
    error: 'no-files',
    message: /--from .*orders-2026\.csv: no such file/,
  },
  {
    name: 'a file removed after its link was made',
    args: (c) => {
      symlinkSync(join(c.dir, 'gone.csv'), join(c.dir, 'latest.csv'));
      return ['ingest', 'store.stores', '--from', join(c.dir, 'latest.csv'), '--db', c.db];
    },
    code: 2,
    error: 'no-files',
    message: /latest\.csv is a link to .*gone\.csv, which does not exist/,
  },
  {
    name: 'a pipe to ingest from',
    args: async (c) => [
      'ingest',
      'store.stores',
      '--from',
      await mkfifo(join(c.dir, 'stores.csv')),
      '--db',
      c.db,
    ],
    code: 2,
    error: 'bad-arguments',
    message: /stores\.csv is not a regular file \(a pipe, socket or device\)/,
    after: (c) => unblock(join(c.dir, 'stores.csv')),
  },
  {
    name: 'an empty export',
    args: (c) => ['ingest', 'order.orders', '--from', c.write('empty.csv', ''), '--db', c.db],
    code: 1,
    error: 'ingest-unreadable',
    message: /empty\.csv is empty: a CSV export needs a header line/,
    subject: { source: 'orders', file: expect.stringMatching(/empty\.csv$/) },
  },
  {
    name: 'an export in Latin-1',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write(
        'latin1.csv',
        Buffer.from(`${STORES_HEADER}\nS1,K\xf6ln,flagship,K\xf6ln,north,2020-01-01,,100,\n`, 'latin1'),
      ),
      '--db',
      c.db,
    ],
    code: 1,
    error: 'ingest-unreadable',
    // Where the first byte that is not UTF-8 is: ö in Latin-1, on line 2.
    message: /latin1\.csv is not UTF-8 encoded \(line 2, byte 5 of that line\): re-export it as UTF-8/,
  },
  {
    name: 'an export in UTF-16',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write(
        'utf16.csv',
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${STORES_HEADER}\n${STORE}\n`, 'utf16le')]),
      ),
      '--db',
      c.db,
    ],
    code: 1,
    error: 'ingest-unreadable',
    message:
      /utf16\.csv is UTF-16 LE encoded \(it starts with the byte order mark FF FE\): save or re-export it as CSV UTF-8/,
  },
  {
    name: 'binary bytes named .csv',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write('binary.csv', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))),
      '--db',
      c.db,
    ],
    code: 1,
    error: 'ingest-unreadable',
    message: /binary\.csv is not UTF-8 encoded/,
  },
  {
    name: 'a NUL byte in a field',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write('nul.csv', `${STORES_HEADER}\nS1,No\0rth,flagship,Leeds,north,2020-01-01,,100,\n`),
      '--max-rejects',
      '0',
      '--db',
      c.db,
    ],
    code: 1,
    error: 'too-many-rejects',
    message: /nul\.csv: 1 of 1 rows are invalid.*line 2: contains a NUL byte/,
  },
  {
    // The header is read past its byte order mark: the row is refused for its value, not unmapped.
    name: 'a byte order mark before the header',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write('bom.csv', `\uFEFF${STORES_HEADER}\n${STORE}\n${BAD_STORE}\n`),
      '--max-rejects',
      '0',
      '--db',
      c.db,
    ],
    code: 1,
    error: 'too-many-rejects',
    message: /bom\.csv: 1 of 2 rows are invalid.*line 3: region: "nowhere" is not one of north/,
    subject: { file: expect.stringMatching(/bom\.csv$/), line: 3 },
  },
  {
    name: 'CRLF line endings',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write('crlf.csv', `${STORES_HEADER}\r\n${STORE}\r\n${BAD_STORE}\r\n`),
      '--max-rejects',
      '0',
      '--db',
      c.db,
    ],
    code: 1,
    error: 'too-many-rejects',
    // "nowhere", not "nowhere\r": the line ending is no part of the value.
    message: /crlf\.csv: 1 of 2 rows are invalid.*line 3: region: "nowhere" is not one of/,
  },
  {
    name: 'CR-only line endings',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write('cr.csv', `${STORES_HEADER}\r${STORE}\r`),
      '--db',
      c.db,
    ],
    code: 1,
    error: 'ingest-unreadable',
    message: /cr\.csv ends its lines with CR alone/,
  },
  {
    name: 'ragged rows',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write(
        'ragged.csv',
        `${STORES_HEADER}\n${STORE}\nS2,South,standard,Bath,south,2020-01-01,,100,,extra\n`,
      ),
      '--max-rejects',
      '0',
      '--db',
      c.db,
    ],
    code: 1,
    error: 'too-many-rejects',
    message: /ragged\.csv: 1 of 2 rows are invalid.*line 3: has 10 fields, the header has 9/,
  },
  {
    name: 'a newline inside quotes, on a row that is refused',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write(
        'quoted.csv',
        `${STORES_HEADER}\n${STORE}\nS2,"South\nSide",standard,Bath,nowhere,2020-01-01,,100,\nS3,East,express,York,east,2020-01-01,,90,\n`,
      ),
      '--max-rejects',
      '0',
      '--db',
      c.db,
    ],
    code: 1,
    error: 'too-many-rejects',
    // The record starts on line 3 and ends on line 4; the next record is line 5.
    message: /quoted\.csv: 1 of 3 rows are invalid.*line 3: region: "nowhere"/,
  },
  {
    name: 'an export with an unterminated quote',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write('quote.csv', 'store_id,name\nS1,"North\nS2,South\n'),
      '--db',
      c.db,
    ],
    code: 1,
    error: 'ingest-unreadable',
    message: /unterminated quote/,
  },
  {
    name: 'an export without a required column',
    args: (c) => [
      'ingest',
      'order.orders',
      '--from',
      c.write('partial.csv', 'order_id,status\nO1,completed\n'),
      '--db',
      c.db,
    ],
    code: 1,
    error: 'ingest-mapping',
    message: /column customer_id \(required\) is not in the file/,
  },
  {
    name: 'a header only, without a required column',
    args: (c) => ['ingest', 'store.stores', '--from', c.write('header.csv', 'store_id,name\n'), '--db', c.db],
    code: 1,
    error: 'ingest-mapping',
    message: /header\.csv does not fit store\.stores: .*format \(required\) is not in the file/,
  },
  {
    name: 'an export with a title line above its header',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write('titled.csv', `Stores as of 30 November 2026\n${STORES_HEADER}\n${STORE}\n`),
      '--db',
      c.db,
    ],
    code: 1,
    error: 'ingest-mapping',
    message:
      /titled\.csv has none of the columns of store\.stores: its first line, read as the header, has one column \(Stores as of 30 November 2026\): a title above the header\? The first line must be the header/,
  },
  {
    name: 'an export without a header line',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write('headless.csv', `${STORE}\n${STORE}\n`),
      '--db',
      c.db,
    ],
    code: 1,
    error: 'ingest-mapping',
    message:
      /headless\.csv has none of the columns of store\.stores: its first line, read as the header, holds values \(S1, North, flagship, Leeds, .*\): a file without its header line\?/,
  },
  {
    name: 'a --map onto a column the source does not have',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write('s.csv', `${STORES_HEADER}\n${STORE}\n`),
      '--map',
      'colour=name',
      '--db',
      c.db,
    ],
    code: 1,
    error: 'ingest-mapping',
    message: /--map colour=name: store\.stores has no column colour/,
  },
  {
    name: 'a --map from a column the file does not have',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write('s.csv', `${STORES_HEADER}\n${STORE}\n`),
      '--map',
      'region=area',
      '--db',
      c.db,
    ],
    code: 1,
    error: 'ingest-mapping',
    message: /--map region=area: the file has no column area\. The file has columns store_id, name/,
  },
  {
    name: 'a --set of a column the source does not have',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write('s.csv', `${STORES_HEADER}\n${STORE}\n`),
      '--set',
      'country=NL',
      '--db',
      c.db,
    ],
    code: 1,
    error: 'ingest-mapping',
    message: /--set country: store\.stores has no column country/,
  },
  {
    name: 'a --set of a column the file has',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write('s.csv', `${STORES_HEADER}\n${STORE}\n`),
      '--set',
      'region=south',
      '--db',
      c.db,
    ],
    code: 2,
    error: 'ingest-set-overwrites',
    message:
      /s\.csv has a column region for region, which a set value would overwrite in every row: drop --set region/,
    subject: { source: 'stores', column: 'region' },
  },
  {
    name: "a mapping file's set: of a column the file has",
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write('s.csv', `${STORES_HEADER}\n${STORE}\n`),
      '--mapping',
      c.write('stores.yaml', 'set: { region: south }\n'),
      '--db',
      c.db,
    ],
    code: 3,
    error: 'invalid-mapping',
    message:
      /stores\.yaml: set\.region: .*s\.csv has a column region for region, which a set value would overwrite in every row: drop region from set:/,
    subject: { key: 'set.region', column: 'region' },
  },
  {
    name: 'a value outside its enumeration',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write('enum.csv', `${STORES_HEADER}\n${BAD_STORE}\n`),
      '--max-rejects',
      '0',
      '--db',
      c.db,
    ],
    code: 1,
    error: 'too-many-rejects',
    message: /line 2: region: "nowhere" is not one of north, south, east, west, central/,
  },
  {
    name: 'a Parquet file with columns of the wrong types',
    args: async (c) => [
      'ingest',
      'store.stores',
      '--from',
      await parquet(
        join(c.dir, 'types.parquet'),
        PARQUET_STORE.replace("DATE '2020-01-01'", "'yesterday'").replace('100 AS', "'big' AS"),
      ),
      '--max-rejects',
      '0',
      '--db',
      c.db,
    ],
    code: 1,
    error: 'too-many-rejects',
    message:
      /types\.parquet: 1 of 1 rows are invalid.*opened_on: "yesterday" is not a valid date; square_meters: "big" is not a valid integer/,
  },
  {
    name: 'a Parquet file named .csv',
    args: async (c) => [
      'ingest',
      'store.stores',
      '--from',
      await parquet(join(c.dir, 'stores.csv'), PARQUET_STORE),
      '--db',
      c.db,
    ],
    code: 1,
    error: 'ingest-unreadable',
    message: /stores\.csv is a Parquet file, not CSV: name it \.parquet or pass --format parquet/,
  },
  {
    name: 'a CSV export named .parquet',
    args: (c) => [
      'ingest',
      'store.stores',
      '--from',
      c.write('stores.parquet', `${STORES_HEADER}\n${STORE}\n`),
      '--db',
      c.db,
    ],
    code: 1,
    error: 'ingest-unreadable',
    message:
      /stores\.parquet is not a Parquet file \(it does not start with PAR1\) though its name ends in \.parquet/,
  },
  {
    name: 'a gzip-compressed CSV passed with --format parquet',
    args: (c) => {
      const file = join(c.dir, 'stores.csv.gz');
      writeFileSync(file, gzipSync(`${STORES_HEADER}\n${STORE}\n`));
      return ['ingest', 'store.stores', '--from', file, '--format', 'parquet', '--db', c.db];
    },
    code: 1,
    error: 'ingest-unreadable',
    message: /stores\.csv\.gz is gzip-compressed, not a Parquet file: decompress it \(gunzip\)/,
  },
  {
    name: 'a Parquet file cut short',
    args: async (c) => {
      const file = await parquet(join(c.dir, 'cut.parquet'), PARQUET_STORE);
      truncateSync(file, 40);
      return ['ingest', 'store.stores', '--from', file, '--db', c.db];
    },
    code: 1,
    error: 'ingest-unreadable',
    message:
      /cut\.parquet is cut short: it starts as a Parquet file but ends before its footer \(40 bytes, no PAR1 at its end\)/,
  },
  {
    name: 'an empty .parquet file',
    args: (c) => ['ingest', 'store.stores', '--from', c.write('empty.parquet', ''), '--db', c.db],
    code: 1,
    error: 'ingest-unreadable',
    message: /empty\.parquet is empty \(0 bytes\): its export wrote nothing\. Export it again\./,
  },
];

/**
 * A fingerprint of every published table and source log (count and a hash of every row), in
 * one query: what a bad input must leave as it was. The platform's own `_mesh` tables (the run
 * log of a failed build, for one) are left out, and so is the time a row was processed: a
 * broken product's build republishes its upstream products, the same rows at a later time.
 */
async function contentDigest(db: string): Promise<string> {
  const warehouse = await createDuckDbWarehouse({ path: db });
  try {
    const tables = await warehouse.query(
      `SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name <> '_mesh' ORDER BY 1, 2`,
    );
    const [row] = await warehouse.query(
      `SELECT ${tables
        .map(
          (t, i) =>
            `(SELECT count(*) || ':' || COALESCE(CAST(sum(hash(CAST(to_json(r) AS VARCHAR))) AS VARCHAR), '') FROM (SELECT COLUMNS(c -> c <> '_processed_at') FROM "${t.schema_name}"."${t.table_name}") AS r) AS t${i}`,
        )
        .join(', ')}`,
    );
    const parts = tables.map((t, i) => `${t.schema_name}.${t.table_name}:${row?.[`t${i}`]}`);
    return createHash('sha256').update(parts.join('\n')).digest('hex');
  } finally {
    await warehouse.close();
  }
}

const fileHash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('bad input', () => {
  let preparedBytes: string;
  let preparedContent: string;
  beforeAll(async () => {
    expect((await mesh('up', '--db', prepared, '--scale', '0.02')).code).toBe(0);
    // Closed cleanly: everything is in the file, nothing in a write-ahead log beside it.
    expect(existsSync(`${prepared}.wal`)).toBe(false);
    preparedBytes = fileHash(prepared);
    preparedContent = await contentDigest(prepared);
  }, 120_000);

  it('holds at least 64 cases, each named once', () => {
    expect(cases.length).toBeGreaterThanOrEqual(64);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases.map((c, i) => ({ ...c, i })))(
    '$name: exit $code, $error, nothing changed',
    async (c) => {
      const caseDir = join(dir, `case-${c.i}`);
      mkdirSync(caseDir);
      chmodSync(caseDir, 0o777);
      const context: CaseContext = {
        db: join(caseDir, 'mesh.duckdb'),
        dir: caseDir,
        write: (name, content) => {
          const path = join(caseDir, name);
          writeFileSync(path, content);
          return path;
        },
      };
      copyFileSync(prepared, context.db);
      lab.packages = c.lab;
      const stop = await c.during?.(context);
      try {
        const args = await c.args(context);
        const unchanged = new Map((c.unchanged?.(context) ?? []).map((f) => [f, fileHash(f)]));
        const run = (...a: string[]) => (c.unprivileged ? meshProcess(a, caseDir) : mesh(...a));

        const plain = await run(...args);
        const said = `${plain.stderr}${plain.stdout}`;
        expect(plain.code, said).toBe(c.code);
        // A usage error goes to stderr; an ingest's per-file failure is part of its report.
        expect(said).toMatch(c.message);
        expect(said).not.toMatch(/unexpected error|\n\s+at /);

        const json = await run(...args, '--json');
        expect(json.code).toBe(c.code);
        const { error } = json.json();
        expect(error).toMatchObject({
          code: c.error,
          message: expect.stringMatching(c.message),
          subject: expect.any(Object),
        });
        if (c.subject) expect(error.subject).toMatchObject(c.subject);
        expect(json.stderr).not.toMatch(/unexpected error|\n\s+at /);

        for (const [file, hash] of unchanged) expect(fileHash(file), file).toBe(hash);
        c.after?.(context);
      } finally {
        lab.packages = undefined;
        await stop?.();
      }
      // Byte for byte when the command never wrote; else every table's rows are as they were.
      if (fileHash(context.db) !== preparedBytes)
        expect(await contentDigest(context.db)).toBe(preparedContent);
      rmSync(caseDir, { recursive: true, force: true });
    },
    60_000,
  );
});
