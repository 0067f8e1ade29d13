import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { TypeKind, ZetaSQLClient } from '@fivetrandevelopers/zetasql';
import type { AnyResolvedStatementProto__Output } from '@fivetrandevelopers/zetasql/lib/types/zetasql/AnyResolvedStatementProto.js';
import type { LanguageOptionsProto } from '@fivetrandevelopers/zetasql/lib/types/zetasql/LanguageOptionsProto.js';
import type { RegisterResponse__Output } from '@fivetrandevelopers/zetasql/lib/types/zetasql/local_service/RegisterResponse.js';
import type { ResolvedOutputColumnProto__Output } from '@fivetrandevelopers/zetasql/lib/types/zetasql/ResolvedOutputColumnProto.js';
import type { SimpleCatalogProto } from '@fivetrandevelopers/zetasql/lib/types/zetasql/SimpleCatalogProto.js';
import type { SimpleTableProto } from '@fivetrandevelopers/zetasql/lib/types/zetasql/SimpleTableProto.js';
import type {
  TypeProto,
  TypeProto__Output,
} from '@fivetrandevelopers/zetasql/lib/types/zetasql/TypeProto.js';
import { MeshError } from '@retail-mesh/sdk';

// ZetaSQL (GoogleSQL's open-source analyzer) for tests: the BigQuery SQL the adapter renders is resolved
// against a catalog, so unknown functions, wrong argument types and unknown names fail without BigQuery.

const COLUMN_TYPES = {
  STRING: TypeKind.TYPE_STRING,
  BYTES: TypeKind.TYPE_BYTES,
  INT64: TypeKind.TYPE_INT64,
  FLOAT64: TypeKind.TYPE_DOUBLE,
  NUMERIC: TypeKind.TYPE_NUMERIC,
  BOOL: TypeKind.TYPE_BOOL,
  DATE: TypeKind.TYPE_DATE,
  TIMESTAMP: TypeKind.TYPE_TIMESTAMP,
} as const;

/** A BigQuery column type a catalog table can declare (a Parquet list loads as ARRAY<STRING>). */
export type AnalyzerColumnType = keyof typeof COLUMN_TYPES | 'ARRAY<STRING>';

const columnType = (type: AnalyzerColumnType): TypeProto =>
  type === 'ARRAY<STRING>'
    ? { typeKind: TypeKind.TYPE_ARRAY, arrayType: { elementType: { typeKind: TypeKind.TYPE_STRING } } }
    : { typeKind: COLUMN_TYPES[type] };

/**
 * A table the analyzer knows. `[project, dataset, table]` resolves as `project.dataset.table` and as
 * `dataset.table`; `[dataset, table]` only as `dataset.table`. Backticks may quote any part or the whole path.
 */
export interface AnalyzerTable {
  path: [project: string, dataset: string, table: string] | [dataset: string, table: string];
  columns: Array<{ name: string; type: AnalyzerColumnType }>;
}

export interface AnalyzerOptions {
  /**
   * BigQuery's default project: `dataset.table` paths (catalog tables and tables a script creates) also
   * resolve as `defaultProject.dataset.table`.
   */
  defaultProject?: string;
}

/** An output column of a query, CREATE TABLE ... AS SELECT or CREATE VIEW, with its BigQuery type name. */
export interface AnalyzedColumn {
  name: string;
  /** `INT64`, `FLOAT64`, `ARRAY<STRING>`, `STRUCT<a INT64, b DATE>`, ... */
  type: string;
}

/** The verdict on one statement: analyzed, or the analyzer's message and where it points (1-based). */
export type AnalyzeResult =
  | { ok: true; outputColumns?: AnalyzedColumn[] }
  | { ok: false; message: string; line?: number; column?: number };

export interface Analyzer {
  /** Parses and resolves one statement against the catalog. SQL errors are results; a dead server throws. */
  analyze(sql: string): Promise<AnalyzeResult>;
  /**
   * Analyzes statements in order, as a script: a table created by `CREATE [OR REPLACE] TABLE` or `CREATE VIEW`
   * is visible to the statements after it, and `DROP TABLE` hides it. Returns one result per statement;
   * a failing statement does not stop the others.
   */
  analyzeAll(statements: readonly string[]): Promise<AnalyzeResult[]>;
  /** Releases this analyzer's catalog on the server. The server itself stays up: see `closeZetaSqlServer`. */
  close(): Promise<void>;
}

/**
 * An analyzer for BigQuery's GoogleSQL over the given tables: all released ZetaSQL language features,
 * external (BigQuery) product mode, BigQuery's OPTIONS names and types. The first call starts the ZetaSQL
 * server for this process; later calls share it.
 *
 * @example
 * const analyzer = await createAnalyzer([{ path: ['proj', 'sales', 'orders'], columns: [{ name: 'id', type: 'INT64' }] }]);
 * await analyzer.analyze('SELECT id FROM sales.orders'); // { ok: true, outputColumns: [{ name: 'id', type: 'INT64' }] }
 * await analyzer.analyze('SELECT nope FROM sales.orders'); // { ok: false, message: 'Unrecognized name: nope', line: 1, column: 8 }
 * await closeZetaSqlServer(); // in afterAll
 */
export async function createAnalyzer(
  tables: readonly AnalyzerTable[],
  options: AnalyzerOptions = {},
): Promise<Analyzer> {
  const server = await startZetaSqlServer();
  const { defaultProject } = options;
  const qualify = (path: string[]) =>
    defaultProject && path.length === 2 ? [defaultProject, ...path] : path;
  const base = new Map<string, CatalogEntry>();
  for (const table of tables) {
    const path = qualify([...table.path]);
    const columns = table.columns.map((c) => ({ name: c.name, type: columnType(c.type) }));
    if (!base.has(pathKey(path))) base.set(pathKey(path), { path, columns });
  }
  const baseId = await registerCatalog(server, base);

  const analyzeWith = async (catalogId: CatalogId, sql: string) => {
    ensureOpen(server);
    try {
      const response = await server.client.analyze({
        registeredCatalogId: catalogId,
        options: server.analyzerOptions,
        sqlStatement: sql,
      });
      const statement = response?.resolvedStatement;
      if (!statement) throw new Error('the ZetaSQL server returned no resolved statement');
      return { result: success(statement), statement };
    } catch (error) {
      return { result: failure(error, server) };
    }
  };

  return {
    async analyze(sql) {
      return (await analyzeWith(baseId, sql)).result;
    },

    async analyzeAll(statements) {
      const catalog = new Map(base);
      let catalogId = baseId;
      let stale = false;
      const temporary: CatalogId[] = [];
      const results: AnalyzeResult[] = [];
      try {
        for (const sql of statements) {
          if (stale) {
            catalogId = await registerCatalog(server, catalog);
            temporary.push(catalogId);
            stale = false;
          }
          const { result, statement } = await analyzeWith(catalogId, sql);
          results.push(result);
          if (statement) stale = applyEffect(catalog, statement, qualify);
        }
      } finally {
        await Promise.all(temporary.map((id) => unregisterCatalog(server, id)));
      }
      return results;
    },

    async close() {
      await unregisterCatalog(server, baseId);
    },
  };
}

/** Stops the ZetaSQL server this process started, if any. Call it in `afterAll`; analyzers stop working. */
export async function closeZetaSqlServer(): Promise<void> {
  const pending = current;
  current = undefined;
  const server = await pending?.catch(() => undefined);
  if (!server) return;
  server.closed = true;
  ZetaSQLClient.API.close();
  await stopProcess(server.child);
}

// --- catalog ---

type CatalogId = RegisterResponse__Output['registeredId'];

interface CatalogEntry {
  path: string[];
  columns: Array<{ name: string; type: TypeProto }>;
}

interface CatalogNode {
  tables: Map<string, SimpleTableProto>;
  catalogs: Map<string, CatalogNode>;
}

// SimpleCatalog matches names case-insensitively, so keys are lowercased. BigQuery itself is case-sensitive
// for dataset and table names: the analyzer cannot catch a case mismatch.
const pathKey = (path: readonly string[]) => path.join('.').toLowerCase();

async function registerCatalog(
  server: ZetaSqlServer,
  entries: Map<string, CatalogEntry>,
): Promise<CatalogId> {
  ensureOpen(server);
  const response = await server.client.registerCatalog({ simpleCatalog: buildCatalog(server, entries) });
  if (!response) throw new Error('the ZetaSQL server registered no catalog');
  return response.registeredId;
}

async function unregisterCatalog(server: ZetaSqlServer, id: CatalogId): Promise<void> {
  if (server.closed) return;
  await server.client.unRegisterCatalog({ registeredId: id }).catch(() => undefined);
}

function buildCatalog(server: ZetaSqlServer, entries: Map<string, CatalogEntry>): SimpleCatalogProto {
  const root: CatalogNode = { tables: new Map(), catalogs: new Map() };
  // The first table to claim a name keeps it, so a [project, dataset, table] path never shadows an
  // earlier `dataset.table` of another project.
  for (const entry of entries.values()) {
    const table = { fullName: entry.path.join('.'), column: entry.columns };
    for (const names of groupings(entry.path)) {
      let node = root;
      for (const name of names.slice(0, -1)) {
        const key = name.toLowerCase();
        let child = node.catalogs.get(key);
        if (!child) {
          child = { tables: new Map(), catalogs: new Map() };
          node.catalogs.set(key, child);
        }
        node = child;
      }
      const name = names.at(-1)!;
      if (!node.tables.has(name.toLowerCase())) node.tables.set(name.toLowerCase(), { ...table, name });
    }
  }
  const toProto = (node: CatalogNode, name: string): SimpleCatalogProto => ({
    name,
    table: [...node.tables.values()],
    catalog: [...node.catalogs].map(([child, sub]) => toProto(sub, child)),
  });
  return {
    ...toProto(root, 'bigquery'),
    builtinFunctionOptions: { languageOptions: server.languageOptions },
  };
}

// `p.d.t` is written `p.d.t`, `p.d`.t, p.`d.t` or `p.d.t` (one identifier): ZetaSQL resolves each as a
// different path, BigQuery as the same table. Every way of joining adjacent parts with dots gets an entry,
// and every suffix of at least [dataset, table] as well, because BigQuery resolves `dataset.table` in the
// default project.
function groupings(path: readonly string[]): string[][] {
  const paths: string[][] = [];
  for (let start = 0; start <= Math.max(0, path.length - 2); start++) {
    paths.push(...joinings(path.slice(start)));
  }
  return paths;
}

function joinings(parts: readonly string[]): string[][] {
  if (parts.length <= 1) return [[...parts]];
  const out: string[][] = [];
  for (let take = 1; take <= parts.length; take++) {
    const head = parts.slice(0, take).join('.');
    if (take === parts.length) out.push([head]);
    else for (const rest of joinings(parts.slice(take))) out.push([head, ...rest]);
  }
  return out;
}

// ResolvedCreateStatementEnums.CreateMode
const CREATE_IF_NOT_EXISTS = 2;

// What a successful statement does to the catalog of a script: true when the catalog changed.
function applyEffect(
  catalog: Map<string, CatalogEntry>,
  statement: AnyResolvedStatementProto__Output,
  qualify: (path: string[]) => string[],
): boolean {
  const create = statement.resolvedCreateStatementNode;
  const tableBase = create?.resolvedCreateTableStmtBaseNode;
  const viewBase = create?.resolvedCreateViewBaseNode;
  const base =
    tableBase?.resolvedCreateTableAsSelectStmtNode?.parent ?? tableBase?.resolvedCreateTableStmtNode?.parent;
  const view =
    viewBase?.resolvedCreateViewStmtNode?.parent ?? viewBase?.resolvedCreateMaterializedViewStmtNode?.parent;
  const created = base ?? view;
  if (created?.parent) {
    const path = qualify(splitPath(created.parent.namePath));
    const key = pathKey(path);
    // CREATE TABLE IF NOT EXISTS leaves an existing table as it is.
    if (created.parent.createMode === CREATE_IF_NOT_EXISTS && catalog.has(key)) return false;
    // A view without a column list has no column definitions, only output columns.
    const columns = created.columnDefinitionList.length
      ? created.columnDefinitionList.map((c) => ({ name: c.name, type: toInputType(c.type) }))
      : (view?.outputColumnList ?? []).map((c) => ({
          name: c.name,
          type: toInputType(c.column?.type ?? null),
        }));
    catalog.set(key, { path, columns });
    return true;
  }
  const drop = statement.resolvedDropStmtNode;
  const dropped = /^(TABLE|VIEW)$/i.test(drop?.objectType ?? '')
    ? drop?.namePath
    : statement.resolvedDropMaterializedViewStmtNode?.namePath;
  return dropped ? catalog.delete(pathKey(qualify(splitPath(dropped)))) : false;
}

// `proj.ds.t` in one pair of backticks arrives as one name; BigQuery means three.
const splitPath = (namePath: readonly string[]) => namePath.flatMap((part) => part.split('.'));

// A resolved type carries nulls and output-only defaults; send back only what defines the type.
function toInputType(type: TypeProto__Output | null): TypeProto {
  if (!type) return { typeKind: TypeKind.TYPE_UNKNOWN };
  const out: TypeProto = { typeKind: type.typeKind };
  if (type.arrayType) out.arrayType = { elementType: toInputType(type.arrayType.elementType) };
  if (type.structType) {
    out.structType = {
      field: type.structType.field.map((f) => ({
        fieldName: f.fieldName,
        fieldType: toInputType(f.fieldType),
      })),
    };
  }
  if (type.rangeType) out.rangeType = { elementType: toInputType(type.rangeType.elementType) };
  return out;
}

// --- results ---

function success(statement: AnyResolvedStatementProto__Output): AnalyzeResult {
  const create = statement.resolvedCreateStatementNode;
  const columns =
    statement.resolvedQueryStmtNode?.outputColumnList ??
    create?.resolvedCreateTableStmtBaseNode?.resolvedCreateTableAsSelectStmtNode?.outputColumnList ??
    create?.resolvedCreateViewBaseNode?.resolvedCreateViewStmtNode?.parent?.outputColumnList ??
    create?.resolvedCreateViewBaseNode?.resolvedCreateMaterializedViewStmtNode?.parent?.outputColumnList;
  return columns ? { ok: true, outputColumns: columns.map(outputColumn) } : { ok: true };
}

const outputColumn = (c: ResolvedOutputColumnProto__Output): AnalyzedColumn => ({
  name: c.name,
  type: typeName(c.column?.type ?? null),
});

const SIMPLE_TYPE_NAMES: Record<number, string> = {
  [TypeKind.TYPE_INT32]: 'INT32',
  [TypeKind.TYPE_INT64]: 'INT64',
  [TypeKind.TYPE_UINT32]: 'UINT32',
  [TypeKind.TYPE_UINT64]: 'UINT64',
  [TypeKind.TYPE_BOOL]: 'BOOL',
  [TypeKind.TYPE_FLOAT]: 'FLOAT32',
  [TypeKind.TYPE_DOUBLE]: 'FLOAT64',
  [TypeKind.TYPE_STRING]: 'STRING',
  [TypeKind.TYPE_BYTES]: 'BYTES',
  [TypeKind.TYPE_DATE]: 'DATE',
  [TypeKind.TYPE_TIMESTAMP]: 'TIMESTAMP',
  [TypeKind.TYPE_TIME]: 'TIME',
  [TypeKind.TYPE_DATETIME]: 'DATETIME',
  [TypeKind.TYPE_GEOGRAPHY]: 'GEOGRAPHY',
  [TypeKind.TYPE_NUMERIC]: 'NUMERIC',
  [TypeKind.TYPE_BIGNUMERIC]: 'BIGNUMERIC',
  [TypeKind.TYPE_JSON]: 'JSON',
  [TypeKind.TYPE_INTERVAL]: 'INTERVAL',
};

function typeName(type: TypeProto__Output | null): string {
  if (!type) return 'UNKNOWN';
  if (type.arrayType) return `ARRAY<${typeName(type.arrayType.elementType)}>`;
  if (type.rangeType) return `RANGE<${typeName(type.rangeType.elementType)}>`;
  if (type.structType) {
    const fields = type.structType.field.map((f) =>
      f.fieldName ? `${f.fieldName} ${typeName(f.fieldType)}` : typeName(f.fieldType),
    );
    return `STRUCT<${fields.join(', ')}>`;
  }
  return SIMPLE_TYPE_NAMES[type.typeKind] ?? `UNKNOWN(${type.typeKind})`;
}

// gRPC codes that carry the analyzer's verdict on the SQL; any other code is the server failing.
const SQL_ERROR_CODES = new Set([3 /* INVALID_ARGUMENT */, 5 /* NOT_FOUND */, 12 /* UNIMPLEMENTED */]);

function failure(error: unknown, server: ZetaSqlServer): AnalyzeResult {
  const { code, details } = (error ?? {}) as { code?: number; details?: string };
  if (code === undefined || !SQL_ERROR_CODES.has(code) || typeof details !== 'string') {
    throw new MeshError(
      'zetasql-server-failed',
      `The ZetaSQL server failed while analyzing (${messageOf(error)}). ${server.output.tail()}`.trim(),
      {},
      { cause: error },
    );
  }
  // ERROR_MESSAGE_ONE_LINE ends the message with ` [at line:column]`.
  const at = /\s*\[at (\d+):(\d+)\]$/.exec(details);
  if (!at) return { ok: false, message: details };
  return { ok: false, message: details.slice(0, at.index), line: Number(at[1]), column: Number(at[2]) };
}

// --- server ---

interface ZetaSqlServer {
  child: ChildProcess;
  client: ZetaSQLClient;
  languageOptions: LanguageOptionsProto;
  analyzerOptions: NonNullable<Parameters<ZetaSQLClient['analyze']>[0]['options']>;
  output: OutputTail;
  closed: boolean;
}

let current: Promise<ZetaSqlServer> | undefined;

const STARTUP_TIMEOUT_MS = 20_000;
const PORT_ATTEMPTS = 3;

// An empty list would mean "queries only".
const STATEMENT_KINDS: NonNullable<LanguageOptionsProto['supportedStatementKinds']> = [
  'RESOLVED_QUERY_STMT',
  'RESOLVED_CREATE_TABLE_AS_SELECT_STMT',
  'RESOLVED_CREATE_TABLE_STMT',
  'RESOLVED_CREATE_VIEW_STMT',
  'RESOLVED_CREATE_MATERIALIZED_VIEW_STMT',
  'RESOLVED_CREATE_SCHEMA_STMT',
  'RESOLVED_CREATE_FUNCTION_STMT',
  'RESOLVED_ALTER_TABLE_STMT',
  'RESOLVED_ALTER_TABLE_SET_OPTIONS_STMT',
  'RESOLVED_ALTER_VIEW_STMT',
  'RESOLVED_ALTER_SCHEMA_STMT',
  'RESOLVED_DROP_MATERIALIZED_VIEW_STMT',
  'RESOLVED_DROP_FUNCTION_STMT',
  'RESOLVED_DROP_STMT',
  'RESOLVED_INSERT_STMT',
  'RESOLVED_DELETE_STMT',
  'RESOLVED_UPDATE_STMT',
  'RESOLVED_MERGE_STMT',
  'RESOLVED_TRUNCATE_STMT',
  // The adapter's multi-statement transactions (ingest, revert, sample batches).
  'RESOLVED_BEGIN_STMT',
  'RESOLVED_COMMIT_STMT',
];

const STRING: TypeProto = { typeKind: TypeKind.TYPE_STRING };
const KEY_VALUE_LIST: TypeProto = {
  typeKind: TypeKind.TYPE_ARRAY,
  arrayType: {
    elementType: {
      typeKind: TypeKind.TYPE_STRUCT,
      structType: { field: [{ fieldType: STRING }, { fieldType: STRING }] },
    },
  },
};

// ZetaSQL accepts any OPTIONS name unless told which exist; BigQuery rejects unknown ones. These are
// BigQuery's dataset, table, view and column options, checked by name and type in every statement.
const BIGQUERY_OPTIONS: Array<{ name: string; type: TypeProto }> = [
  { name: 'description', type: STRING },
  { name: 'friendly_name', type: STRING },
  { name: 'labels', type: KEY_VALUE_LIST },
  { name: 'tags', type: KEY_VALUE_LIST },
  { name: 'expiration_timestamp', type: { typeKind: TypeKind.TYPE_TIMESTAMP } },
  { name: 'partition_expiration_days', type: { typeKind: TypeKind.TYPE_DOUBLE } },
  { name: 'require_partition_filter', type: { typeKind: TypeKind.TYPE_BOOL } },
  { name: 'kms_key_name', type: STRING },
  { name: 'default_rounding_mode', type: STRING },
  { name: 'rounding_mode', type: STRING },
  { name: 'enable_change_history', type: { typeKind: TypeKind.TYPE_BOOL } },
  { name: 'enable_fine_grained_mutations', type: { typeKind: TypeKind.TYPE_BOOL } },
  { name: 'max_staleness', type: { typeKind: TypeKind.TYPE_INTERVAL } },
  { name: 'storage_uri', type: STRING },
  { name: 'file_format', type: STRING },
  { name: 'table_format', type: STRING },
  { name: 'enable_refresh', type: { typeKind: TypeKind.TYPE_BOOL } },
  { name: 'refresh_interval_minutes', type: { typeKind: TypeKind.TYPE_DOUBLE } },
  { name: 'allow_non_incremental_definition', type: { typeKind: TypeKind.TYPE_BOOL } },
  { name: 'privacy_policy', type: { typeKind: TypeKind.TYPE_JSON } },
  { name: 'location', type: STRING },
  { name: 'default_table_expiration_days', type: { typeKind: TypeKind.TYPE_DOUBLE } },
  { name: 'default_partition_expiration_days', type: { typeKind: TypeKind.TYPE_DOUBLE } },
  { name: 'default_kms_key_name', type: STRING },
  { name: 'default_collation', type: STRING },
  { name: 'is_case_insensitive', type: { typeKind: TypeKind.TYPE_BOOL } },
  { name: 'max_time_travel_hours', type: { typeKind: TypeKind.TYPE_INT64 } },
  { name: 'storage_billing_model', type: STRING },
];

function startZetaSqlServer(): Promise<ZetaSqlServer> {
  if (current) return current;
  const launched = launch();
  current = launched;
  // A server that failed to start or died on its own is replaced on the next createAnalyzer().
  const forget = () => {
    if (current === launched) current = undefined;
  };
  launched.then((server) => server.child.once('exit', forget), forget);
  return launched;
}

async function launch(): Promise<ZetaSqlServer> {
  const binary = serverBinary();
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    const output = new OutputTail();
    const child = spawnWithWatchdog(binary, port, output);
    try {
      await waitUntilListening(child, output);
      // The client is a process-wide singleton; a new server gets a new channel.
      ZetaSQLClient.API?.close();
      ZetaSQLClient.init(port);
      const client = ZetaSQLClient.getInstance();
      await untilExit(child, output, client.formatSql({ sql: 'SELECT 1' }));
      const maximum = await client.getLanguageOptions({ maximumFeatures: true });
      const languageOptions: LanguageOptionsProto = {
        enabledLanguageFeatures: maximum?.enabledLanguageFeatures ?? [],
        reservedKeywords: maximum?.reservedKeywords ?? [],
        productMode: 'PRODUCT_EXTERNAL',
        supportedStatementKinds: STATEMENT_KINDS,
      };
      const server: ZetaSqlServer = {
        child,
        client,
        languageOptions,
        analyzerOptions: {
          languageOptions,
          errorMessageMode: 'ERROR_MESSAGE_ONE_LINE',
          defaultTimezone: 'UTC',
          // The adapter may bind @parameters; their types are inferred from use.
          allowUndeclaredParameters: true,
          allowedHintsAndOptions: { disallowUnknownOptions: true, option: BIGQUERY_OPTIONS },
        },
        output,
        closed: false,
      };
      child.once('exit', () => {
        server.closed = true;
      });
      return server;
    } catch (error) {
      lastError = error;
      await stopProcess(child);
      // A port taken between freePort() and the server's bind makes the server crash: try another port.
      if (!(error instanceof ExitedEarly && output.text().includes('Address already in use'))) break;
    }
  }
  throw new MeshError(
    'zetasql-server-unavailable',
    `The ZetaSQL server (${binary}) did not start: ${messageOf(lastError)}. ` +
      `It needs Linux x86-64 or arm64 (or macOS) with glibc >= 2.29 and libstdc++ >= GCC 9 ` +
      `(Debian 11+, Ubuntu 20.04+; not Alpine/musl). Run \`ldd ${binary}\` to see missing libraries.`,
    { file: binary },
    { cause: lastError },
  );
}

function serverBinary(): string {
  const names: Record<string, string> = {
    'linux-x64': 'remote_server.so',
    'linux-arm64': 'remote_server_arm.so',
    'darwin-x64': 'remote_server',
    'darwin-arm64': 'remote_server_arm',
  };
  const name = names[`${process.platform}-${process.arch}`];
  const entry = createRequire(import.meta.url).resolve('@fivetrandevelopers/zetasql');
  const binary = join(dirname(entry), 'zetasql', name ?? 'remote_server.so');
  if (!name) {
    throw new MeshError(
      'zetasql-server-unavailable',
      `@fivetrandevelopers/zetasql ships no ZetaSQL server for ${process.platform}-${process.arch}; ` +
        'run these tests on Linux x86-64/arm64 or macOS.',
      { file: binary },
    );
  }
  if (!existsSync(binary)) {
    throw new MeshError(
      'zetasql-server-unavailable',
      `The ZetaSQL server binary is missing at ${binary}; reinstall @fivetrandevelopers/zetasql.`,
      { file: binary },
    );
  }
  return binary;
}

// The server does not die with its parent. A shell holds our stdin pipe and kills the server when the
// pipe closes, so a crashed or killed test worker leaves no server behind.
const WATCHDOG =
  'exec 3<&0; "$@" </dev/null 3<&- & pid=$!; (read -r _ <&3; kill "$pid") >/dev/null 2>&1 & wait "$pid"';

function spawnWithWatchdog(binary: string, port: number, output: OutputTail): ChildProcess {
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'zetasql-watchdog', binary, '127.0.0.1', String(port)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
  child.on('error', (error) => output.push(Buffer.from(`spawn failed: ${error.message}\n`)));
  // Neither the process nor its pipes keep the test runner alive.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
  return child;
}

class ExitedEarly extends Error {}

// The server prints "Server listening" before it binds, even when the bind then fails: the first RPC,
// not this line, proves it is up.
function waitUntilListening(child: ChildProcess, output: OutputTail): Promise<void> {
  return untilExit(
    child,
    output,
    new Promise<void>((resolve) => {
      const onData = () => {
        if (output.text().includes('Server listening')) {
          child.stdout?.off('data', onData);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      onData();
    }),
  );
}

function untilExit<T>(child: ChildProcess, output: OutputTail, work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no answer within ${STARTUP_TIMEOUT_MS} ms. ${output.tail()}`)),
      STARTUP_TIMEOUT_MS,
    );
    const onExit = (code: number | null, signal: string | null) =>
      reject(new ExitedEarly(`it exited (${signal ?? `code ${code}`}). ${output.tail()}`.trim()));
    const onError = (error: Error) => reject(error);
    if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
    child.once('exit', onExit);
    child.once('error', onError);
    work.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
    });
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    // Closing stdin makes the watchdog stop the server; the shell then exits with it.
    child.stdin?.end();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function ensureOpen(server: ZetaSqlServer): void {
  if (server.closed) {
    throw new MeshError(
      'zetasql-server-closed',
      'The ZetaSQL server of this analyzer has stopped; call createAnalyzer() again.',
    );
  }
}

class OutputTail {
  #text = '';
  push(chunk: Buffer): void {
    this.#text = (this.#text + chunk.toString('utf8')).slice(-4_000);
  }
  text(): string {
    return this.#text;
  }
  tail(): string {
    const lines = this.#text.trim().split('\n').slice(-5).join('\n');
    return lines ? `Server output:\n${lines}` : '';
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
