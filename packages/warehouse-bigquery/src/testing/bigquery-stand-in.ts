import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BigQueryOptions } from '@google-cloud/bigquery';
import { accessTokenAuthClient } from '../access-token.js';

/**
 * A local HTTP stand-in for the BigQuery REST API v2, spoken to by the real `@google-cloud/bigquery`
 * client through its `apiEndpoint` option. It keeps datasets, tables (with rows), table IAM policies and
 * jobs in memory like the service does, and records every request so a test can assert what the client
 * sent. It is not a SQL engine: query results come from a responder registered with `onQuery`.
 *
 * What it simulates: dataset and table CRUD with the service's 404/409/412 answers and checks on schema,
 * partitioning and clustering; `insertAll` and `tabledata.list`; table IAM; query jobs (results, dry runs,
 * failures, writes to `destinationTable`); copy jobs with their write and create dispositions; load jobs of
 * uploaded files (the client's multipart upload, as `table.load(localFile)` sends it): the bytes are kept on
 * the request (`media`) and a CSV is parsed into the destination table (delimiter, quote, quoted newlines,
 * skipped leading rows, jagged rows, the given schema or the destination's, dispositions); paging tokens;
 * jobs reported as running for a number of polls; injected failures. What it does not: SQL, DDL or DML side
 * effects (a responder may apply them itself with `putTable`/`dropTable`), reading Parquet, Avro, ORC or
 * JSON uploads (a load responder registered with `onLoad` may answer for them), loads from Cloud Storage,
 * resumable uploads, extract jobs, routines, models, row-level security, location checks on datasets
 * referenced by a query.
 *
 * @example
 * const standIn = await startBigQueryStandIn();
 * standIn.onQuery((sql) => ({ schema: [{ name: 'n', type: 'INT64' }], rows: [[1], [2]] }));
 * const bigquery = new BigQuery(standIn.clientOptions());
 * const [rows] = await bigquery.query('SELECT n FROM t'); // [{ n: 1 }, { n: 2 }]
 * await standIn.close();
 */
export async function startBigQueryStandIn(options: BigQueryStandInOptions = {}): Promise<BigQueryStandIn> {
  const service = new StandInService(options);
  const server = createServer((req, res) => {
    void service.handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  service.url = `http://127.0.0.1:${port}`;
  return {
    url: service.url,
    projectId: service.projectId,
    location: service.location,
    get requests() {
      return service.requests;
    },
    get pendingPolls() {
      return service.pendingPolls;
    },
    set pendingPolls(value: number) {
      service.pendingPolls = value;
    },
    get defaultPageSize() {
      return service.defaultPageSize;
    },
    get viewerOnly() {
      return service.viewerOnly;
    },
    set viewerOnly(value: boolean) {
      service.viewerOnly = value;
    },
    get deniedWrites() {
      return service.deniedWrites;
    },
    set defaultPageSize(value: number | undefined) {
      service.defaultPageSize = value;
    },
    clientOptions: () => ({
      projectId: service.projectId,
      apiEndpoint: service.url,
      authClient: standInAuthClient(),
    }),
    onQuery: (responder) => {
      service.responder = responder;
    },
    onLoad: (responder) => {
      service.loadResponder = responder;
    },
    find: (method, pathPattern) => {
      const matches = pathMatcher(pathPattern);
      return service.requests.filter((r) => r.method === method.toUpperCase() && matches(r.path));
    },
    clear: () => {
      service.requests.length = 0;
    },
    reset: () => service.reset(),
    failNext: (method, pathPattern, error, times = 1) => {
      service.failures.push({
        method: method.toUpperCase(),
        matches: pathMatcher(pathPattern),
        error,
        times,
      });
    },
    dataset: (datasetId, projectId = service.projectId) => {
      const dataset = service.datasets.get(datasetKey(projectId, datasetId));
      return dataset ? clone(dataset.resource) : undefined;
    },
    table: (datasetId, tableId, projectId = service.projectId) => {
      const table = service.datasets.get(datasetKey(projectId, datasetId))?.tables.get(tableId);
      if (!table) return undefined;
      return {
        resource: clone(table.resource),
        rows: table.rows.map((row) => padRow(row, fieldsOf(table.resource)).f.map((cell) => cell.v)),
        policy: clone(table.policy),
      };
    },
    putTable: (datasetId, tableId, table, projectId = service.projectId) =>
      service.putTable({ projectId, datasetId, tableId }, table),
    dropTable: (datasetId, tableId, projectId = service.projectId) =>
      service.datasets.get(datasetKey(projectId, datasetId))?.tables.delete(tableId) ?? false,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // The client keeps sockets alive (`forever: true`); close them or `close` waits for their timeout.
        server.closeAllConnections();
      }),
  };
}

/**
 * An auth client for the stand-in: a fixed bearer token, no network. The BigQuery client always asks
 * google-auth-library for request headers (it has no "no auth" switch for a custom `apiEndpoint`), and
 * `GoogleAuth` uses a given `authClient` as is, calling only `getRequestHeaders(url)` on it. Every other
 * route (`credentials`, `keyFilename`, application default credentials) would reach for Google's token or
 * metadata endpoints; `token` is ignored by google-auth-library 10.
 *
 * @example new BigQuery({ projectId: 'p', apiEndpoint: standIn.url, authClient: standInAuthClient() })
 */
export function standInAuthClient(token = STAND_IN_TOKEN): NonNullable<BigQueryOptions['authClient']> {
  return accessTokenAuthClient(token);
}

/** The bearer token `standInAuthClient()` sends by default. */
export const STAND_IN_TOKEN = 'stand-in-token';

export interface BigQueryStandInOptions {
  /** Project used by `clientOptions()`; requests for any other project work too. Default `stand-in-project`. */
  projectId?: string;
  /** Location given to datasets and jobs that name none. Default `US`. */
  location?: string;
  /** Answers queries; see `BigQueryStandIn.onQuery`. Default: every query succeeds with an empty result. */
  onQuery?: StandInQueryResponder;
  /** Rows per result page when a request gives no `maxResults`. Default: all rows in one page. */
  defaultPageSize?: number;
  /** How many reads (jobs.get, getQueryResults) report a new job as still running. Default 0. */
  pendingPolls?: number;
  /** Answer 401 to requests without an `Authorization` header, as the service does. Default true. */
  requireAuth?: boolean;
}

export interface BigQueryStandIn {
  /** Pass as the client's `apiEndpoint`: `http://127.0.0.1:<port>`, scheme included. */
  readonly url: string;
  readonly projectId: string;
  readonly location: string;
  /** Every request received, oldest first, including failed and injected-failure ones. */
  readonly requests: readonly StandInRequest[];
  /** How many reads report a job inserted from now on as still running. */
  pendingPolls: number;
  /** Rows per result page when a request gives no `maxResults`; `undefined` for all rows. */
  defaultPageSize: number | undefined;
  /**
   * Answer as to a caller with `bigquery.dataViewer` and `bigquery.jobUser` only: every write
   * (datasets and tables created, changed or deleted, IAM set, rows inserted, copy and load
   * jobs, queries other than a SELECT) is refused with 403 `accessDenied` and listed in
   * `deniedWrites`.
   */
  viewerOnly: boolean;
  readonly deniedWrites: readonly string[];
  /** `projectId`, `apiEndpoint` and a fake `authClient`: enough for `new BigQuery(...)`. */
  clientOptions(): StandInClientOptions;
  /** Replaces the query responder. */
  onQuery(responder: StandInQueryResponder): void;
  /** Replaces the load responder: see `StandInLoadResponder`. */
  onLoad(responder: StandInLoadResponder | undefined): void;
  /**
   * Recorded requests with this method whose path matches. A string pattern is the whole path, `*` standing
   * for one path segment (never across `/` or `:`); a pattern starting `/projects/` is taken after the API
   * root, e.g. `/projects/*\/queries/*` matches `/bigquery/v2/projects/p/queries/job_1`.
   */
  find(method: string, pathPattern: string | RegExp): StandInRequest[];
  /** Forgets the recorded requests. */
  clear(): void;
  /** Forgets requests, datasets, tables, jobs, injected failures and the responder. */
  reset(): void;
  /** Answers the next `times` matching requests with this error instead of handling them. */
  failNext(method: string, pathPattern: string | RegExp, error: StandInError, times?: number): void;
  /** The dataset resource as `datasets.get` would return it. */
  dataset(datasetId: string, projectId?: string): Record<string, unknown> | undefined;
  /** The table resource, its rows (cells as the REST API sends them) and its IAM policy. */
  table(datasetId: string, tableId: string, projectId?: string): StandInTableSnapshot | undefined;
  /** Creates or replaces a table (and its dataset if missing), e.g. to simulate DDL from a responder. */
  putTable(datasetId: string, tableId: string, table: StandInTableInput, projectId?: string): void;
  /** Drops a table; false when there was none. */
  dropTable(datasetId: string, tableId: string, projectId?: string): boolean;
  close(): Promise<void>;
}

export type StandInClientOptions = Required<
  Pick<BigQueryOptions, 'projectId' | 'apiEndpoint' | 'authClient'>
>;

export interface StandInRequest {
  /** Upper case: `GET`, `POST`, `PATCH`, `PUT`, `DELETE`. */
  readonly method: string;
  /** Decoded path as sent, e.g. `/bigquery/v2/projects/p/datasets/d/tables/t:setIamPolicy`. */
  readonly path: string;
  /** Query-string parameters; the client always adds `prettyPrint=false`, and `location=` when it has none. */
  readonly query: Readonly<Record<string, string>>;
  /** The parsed JSON body (of an upload: its metadata part), or `undefined` when there was none. */
  readonly body: unknown;
  /** The bytes of an upload (a load job's file), as received. */
  readonly media?: Buffer;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** HTTP status answered; 0 while the request is being handled. */
  readonly status: number;
  /** JSON body answered (an `{ error }` object for failures); `undefined` for 204 and while handling. */
  readonly response: unknown;
}

/** A column in REST form; `INT64`, `FLOAT64`, `BOOL` and `STRUCT` are answered as `INTEGER`, `FLOAT`, `BOOLEAN`, `RECORD`. */
export interface StandInField {
  readonly name: string;
  readonly type: string;
  readonly mode?: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  readonly fields?: readonly StandInField[];
  readonly description?: string;
}

/**
 * A query's answer. Rows are arrays in schema order (or objects keyed by column name) of JavaScript values:
 * numbers, strings, booleans, `Date` (TIMESTAMP; a number is epoch milliseconds), `Uint8Array` (BYTES),
 * arrays for REPEATED and arrays or objects for RECORD; the client's own value classes work too.
 */
export interface StandInQueryResult {
  readonly schema?: readonly StandInField[];
  readonly rows?: readonly (readonly unknown[] | Readonly<Record<string, unknown>>)[];
  /** Bytes a dry run estimates and a run reports. Default 0. */
  readonly totalBytesProcessed?: number;
  readonly numDmlAffectedRows?: number;
  /** e.g. `SELECT`, `CREATE_TABLE`; guessed from the first keyword when omitted. */
  readonly statementType?: string;
}

export interface StandInError {
  /** HTTP status. Default 400. */
  readonly code?: number;
  /** e.g. `invalidQuery`, `notFound`, `accessDenied`, `backendError`. */
  readonly reason: string;
  readonly message: string;
}

export type StandInQueryOutcome = StandInQueryResult | { readonly error: StandInError } | undefined;

/** Query parameters decoded from the request: an object when named, an array when positional or absent. */
export type StandInQueryParams = Readonly<Record<string, unknown>> | readonly unknown[];

export interface StandInQueryContext {
  /** `jobs.insert` for `createQueryJob`, `jobs.query` for `bigquery.query()`'s fast path. */
  readonly api: 'jobs.insert' | 'jobs.query';
  readonly dryRun: boolean;
  readonly projectId: string;
  readonly location: string;
  /** Undefined for jobs.query dry runs. */
  readonly jobId: string | undefined;
  readonly defaultDataset: { readonly projectId?: string; readonly datasetId: string } | undefined;
  readonly labels: Readonly<Record<string, string>>;
  /** The query configuration (jobs.insert) or request body (jobs.query) as sent. */
  readonly request: Readonly<Record<string, unknown>>;
}

/**
 * Called once per query when the job completes (at once for dry runs). Return a result, an error, or
 * `undefined` for an empty result without schema, which is what DDL and most DML look like. A thrown
 * error is answered as a 400 `standInResponderError` so the client does not retry it.
 */
export type StandInQueryResponder = (
  sql: string,
  params: StandInQueryParams,
  context: StandInQueryContext,
) => StandInQueryOutcome | Promise<StandInQueryOutcome>;

/** What a load job found in its file: rows in schema order (or objects by column name). */
export interface StandInLoadResult {
  /** The table's columns; default: the load configuration's schema, else the destination's. */
  readonly schema?: readonly StandInField[];
  readonly rows: StandInQueryResult['rows'];
}

/**
 * Reads an uploaded file for a load job, as the service would: return its rows, an error, or
 * `undefined` for the stand-in's own reading (CSV only; other formats then fail as unimplemented).
 */
export type StandInLoadResponder = (
  configuration: Readonly<Record<string, unknown>>,
  media: Buffer,
) => StandInLoadResult | { readonly error: StandInError } | undefined;

export interface StandInTableSnapshot {
  readonly resource: Record<string, unknown>;
  readonly rows: unknown[][];
  readonly policy: Record<string, unknown>;
}

export interface StandInTableInput {
  readonly schema: readonly StandInField[];
  readonly rows?: StandInQueryResult['rows'];
  /** Further table resource fields: timePartitioning, clustering, labels, description, ... */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

// ---------------------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;
interface Cell {
  v: unknown;
}
interface WireRow {
  f: Cell[];
}
interface Field {
  name: string;
  type: string;
  mode: string;
  fields?: Field[];
  description?: string;
  [key: string]: unknown;
}
interface TableRef {
  projectId: string;
  datasetId: string;
  tableId: string;
}
interface TableState {
  resource: Json;
  rows: WireRow[];
  policy: Json;
}
interface DatasetState {
  resource: Json;
  tables: Map<string, TableState>;
}
interface QueryOutput {
  schema: Field[] | undefined;
  rows: WireRow[];
  totalBytesProcessed: number;
  numDmlAffectedRows: number | undefined;
  statementType: string | undefined;
}
interface JobState {
  projectId: string;
  jobId: string;
  location: string;
  resource: Json;
  pendingPolls: number;
  settled: boolean;
  run: () => Promise<QueryOutput | undefined>;
  output?: QueryOutput;
  error?: StandInError;
}
interface Failure {
  method: string;
  matches: (path: string) => boolean;
  error: StandInError;
  times: number;
}
interface Reply {
  status: number;
  body?: unknown;
}

class RestError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const API_ROOT = '/bigquery/v2';
const UPLOAD_ROOT = `/upload${API_ROOT}`;
const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
};
const TYPE_NAMES: Record<string, string> = {
  INT64: 'INTEGER',
  FLOAT64: 'FLOAT',
  BOOL: 'BOOLEAN',
  STRUCT: 'RECORD',
  DECIMAL: 'NUMERIC',
  BIGDECIMAL: 'BIGNUMERIC',
};
/** The jobs.query request fields that are also query job configuration. */
const QUERY_CONFIGURATION_KEYS = [
  'query',
  'useLegacySql',
  'defaultDataset',
  'queryParameters',
  'parameterMode',
  'useQueryCache',
  'maximumBytesBilled',
  'createSession',
  'connectionProperties',
  'destinationEncryptionConfiguration',
  'continuous',
];
const PARTITION_TYPES = new Set(['HOUR', 'DAY', 'MONTH', 'YEAR']);
const PARTITION_COLUMN_TYPES = new Set(['DATE', 'TIMESTAMP', 'DATETIME']);
const DEFAULT_ACCESS = [
  { role: 'WRITER', specialGroup: 'projectWriters' },
  { role: 'OWNER', specialGroup: 'projectOwners' },
  { role: 'READER', specialGroup: 'projectReaders' },
];
const DATASET_ID = /^[A-Za-z0-9_]{1,1024}$/;
const TABLE_ID = /^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u;

const datasetKey = (projectId: string, datasetId: string) => `${projectId}:${datasetId}`;
const clone = <T>(value: T): T => structuredClone(value);
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const objectOr = (value: unknown): Json => (isObject(value) ? value : {});
const stringOr = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);

const notFound = (what: string) => new RestError(404, 'notFound', `Not found: ${what}`);
const invalid = (message: string) => new RestError(400, 'invalid', message);

class StandInService {
  readonly projectId: string;
  readonly location: string;
  readonly requireAuth: boolean;
  url = '';
  pendingPolls: number;
  defaultPageSize: number | undefined;
  responder: StandInQueryResponder | undefined;
  loadResponder: StandInLoadResponder | undefined;
  readonly requests: StandInRequest[] = [];
  readonly failures: Failure[] = [];
  readonly datasets = new Map<string, DatasetState>();
  readonly jobs = new Map<string, JobState>();
  private etagCounter = 0;
  /** As a caller with `bigquery.dataViewer` and `bigquery.jobUser` only: every write refused (403). */
  viewerOnly = false;
  /** The writes refused while `viewerOnly`: `METHOD path: what`. */
  readonly deniedWrites: string[] = [];

  constructor(options: BigQueryStandInOptions) {
    this.projectId = options.projectId ?? 'stand-in-project';
    this.location = options.location ?? 'US';
    this.requireAuth = options.requireAuth ?? true;
    this.pendingPolls = options.pendingPolls ?? 0;
    this.defaultPageSize = options.defaultPageSize;
    this.responder = options.onQuery;
  }

  reset() {
    this.requests.length = 0;
    this.failures.length = 0;
    this.datasets.clear();
    this.jobs.clear();
    this.responder = undefined;
    this.loadResponder = undefined;
  }

  async handle(req: IncomingMessage, res: ServerResponse) {
    let reply: Reply;
    let record: { -readonly [K in keyof StandInRequest]: StandInRequest[K] } | undefined;
    try {
      const bytes = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = (req.method ?? 'GET').toUpperCase();
      const path = safeDecode(url.pathname);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const upload = path.startsWith(`${UPLOAD_ROOT}/`);
      const parts = upload ? multipartParts(bytes, headers['content-type'] ?? '') : undefined;
      const raw = (parts ? (parts[0] ?? Buffer.alloc(0)) : bytes).toString('utf8');
      let body: unknown;
      let parseFailure: string | undefined;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw);
        } catch (err) {
          body = raw;
          parseFailure = (err as Error).message;
        }
      }
      const query = Object.fromEntries(url.searchParams);
      record = { method, path, query, body, headers, status: 0, response: undefined };
      if (parts?.[1]) record.media = parts[1];
      this.requests.push(record);
      const denied = this.viewerOnly ? writeOf(method, path, upload, body) : undefined;
      if (denied) {
        this.deniedWrites.push(`${method} ${path}: ${denied}`);
        throw new RestError(
          403,
          'accessDenied',
          `Access Denied: ${denied}: the caller has bigquery.dataViewer and bigquery.jobUser only.`,
        );
      }
      reply = upload
        ? await this.answerUpload(method, path, query, body, headers, parseFailure, parts?.[1])
        : await this.answer(method, path, { ...query }, body, headers, parseFailure);
    } catch (err) {
      reply = errorReply(
        err instanceof RestError
          ? err
          : new RestError(500, 'internalError', `BigQuery stand-in failed: ${(err as Error).stack ?? err}`),
      );
    }
    if (record) {
      record.status = reply.status;
      record.response = reply.body === undefined ? undefined : clone(reply.body);
    }
    if (reply.body === undefined) {
      res.writeHead(reply.status).end();
      return;
    }
    res
      .writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8' })
      .end(JSON.stringify(reply.body));
  }

  /** `POST /upload/bigquery/v2/projects/{p}/jobs?uploadType=multipart`: a load job and its file. */
  private async answerUpload(
    method: string,
    path: string,
    query: Record<string, string>,
    body: unknown,
    headers: Record<string, string>,
    parseFailure: string | undefined,
    media: Buffer | undefined,
  ): Promise<Reply> {
    const segments = path.slice(UPLOAD_ROOT.length).split('/').filter(Boolean);
    if (
      method !== 'POST' ||
      segments[0] !== 'projects' ||
      !segments[1] ||
      segments[2] !== 'jobs' ||
      segments[3]
    )
      throw unimplemented(method, path);
    if (query.uploadType !== 'multipart')
      throw new RestError(
        501,
        'notImplemented',
        `The BigQuery stand-in takes multipart uploads only, not uploadType=${query.uploadType}.`,
      );
    if (!media) throw invalid('A multipart upload needs two parts: the job resource and the file.');
    await this.authorize(method, path, headers, parseFailure);
    return ok(await this.insertJob(segments[1], objectOr(body), media));
  }

  private async authorize(
    method: string,
    path: string,
    headers: Record<string, string>,
    parseFailure: string | undefined,
  ) {
    const failure = this.failures.find((f) => f.method === method && f.matches(path));
    if (failure) {
      failure.times -= 1;
      if (failure.times <= 0) this.failures.splice(this.failures.indexOf(failure), 1);
      const { code = 400, reason, message } = failure.error;
      throw new RestError(code, reason, message);
    }
    if (this.requireAuth && !headers.authorization) {
      throw new RestError(
        401,
        'required',
        'Request is missing required authentication credential. Expected OAuth 2 access token.',
      );
    }
    if (parseFailure)
      throw new RestError(400, 'parseError', `Invalid JSON payload received. ${parseFailure}`);
  }

  private async answer(
    method: string,
    path: string,
    query: Record<string, string>,
    body: unknown,
    headers: Record<string, string>,
    parseFailure: string | undefined,
  ): Promise<Reply> {
    await this.authorize(method, path, headers, parseFailure);
    const route = path.startsWith(`${API_ROOT}/`) ? path.slice(API_ROOT.length) : path;
    const segments = route.split('/').filter(Boolean);
    if (segments[0] !== 'projects' || !segments[1]) throw unimplemented(method, path);
    const projectId = segments[1];
    const rest = segments.slice(2);
    const json = objectOr(body);
    const [collection, id, sub, subId, leaf] = rest;

    if (collection === 'datasets') {
      if (id === undefined) {
        if (method === 'GET') return ok(this.listDatasets(projectId, query));
        if (method === 'POST') return ok(this.insertDataset(projectId, json));
      } else if (sub === undefined) {
        if (method === 'GET') return ok(clone(this.dataset(projectId, id).resource));
        if (method === 'PATCH' || method === 'PUT') {
          return ok(this.updateDataset(projectId, id, json, headers, method === 'PATCH'));
        }
        if (method === 'DELETE') return this.deleteDataset(projectId, id, query);
      } else if (sub === 'tables') {
        if (subId === undefined) {
          if (method === 'GET') return ok(this.listTables(projectId, id, query));
          if (method === 'POST') return ok(this.insertTable(projectId, id, json));
        } else {
          const [tableId = '', action] = subId.split(':');
          const ref = { projectId, datasetId: id, tableId };
          if (action !== undefined && leaf === undefined && method === 'POST') {
            if (action === 'getIamPolicy') return ok(this.getIamPolicy(ref));
            if (action === 'setIamPolicy') return ok(this.setIamPolicy(ref, json));
            if (action === 'testIamPermissions') {
              this.table(ref);
              return ok({ permissions: Array.isArray(json.permissions) ? json.permissions : [] });
            }
          } else if (action === undefined && leaf === undefined) {
            if (method === 'GET') return ok(this.tableResource(this.table(ref)));
            if (method === 'PATCH' || method === 'PUT') {
              return ok(this.updateTable(ref, json, headers, method === 'PATCH'));
            }
            if (method === 'DELETE') {
              this.table(ref);
              this.dataset(projectId, id).tables.delete(tableId);
              return { status: 204 };
            }
          } else if (action === undefined && leaf === 'data' && method === 'GET') {
            return ok(this.listRows(ref, query));
          } else if (action === undefined && leaf === 'insertAll' && method === 'POST') {
            return ok(this.insertAll(ref, json));
          }
        }
      }
    } else if (collection === 'jobs') {
      if (id === undefined) {
        if (method === 'GET') return ok(this.listJobs(projectId, query));
        if (method === 'POST') return ok(await this.insertJob(projectId, json));
      } else if (sub === undefined && method === 'GET') {
        return ok(await this.getJob(projectId, id, query));
      } else if (sub === 'cancel' && method === 'POST') {
        const job = this.job(projectId, id, query);
        if (!job.settled)
          this.fail(job, { code: 400, reason: 'stopped', message: 'Job execution was cancelled' });
        return ok({ kind: 'bigquery#jobCancelResponse', job: clone(job.resource) });
      } else if (sub === 'delete' && method === 'DELETE') {
        this.job(projectId, id, query);
        this.jobs.delete(datasetKey(projectId, id));
        return { status: 204 };
      }
    } else if (collection === 'queries') {
      if (id === undefined && method === 'POST') return this.query(projectId, json);
      if (id !== undefined && sub === undefined && method === 'GET') {
        return ok(await this.getQueryResults(projectId, id, query));
      }
    }
    throw unimplemented(method, path);
  }

  // -- datasets ---------------------------------------------------------------------------------------

  private dataset(projectId: string, datasetId: string): DatasetState {
    const dataset = this.datasets.get(datasetKey(projectId, datasetId));
    if (!dataset) throw notFound(`Dataset ${projectId}:${datasetId}`);
    return dataset;
  }

  private insertDataset(projectId: string, body: Json): Json {
    const reference = objectOr(body.datasetReference);
    const datasetId = stringOr(reference.datasetId);
    if (!DATASET_ID.test(datasetId)) {
      throw invalid(
        `Invalid dataset ID "${datasetId}". Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.`,
      );
    }
    const key = datasetKey(projectId, datasetId);
    if (this.datasets.has(key)) throw new RestError(409, 'duplicate', `Already Exists: Dataset ${key}`);
    const now = String(Date.now());
    const { projectId: _ignored, ...fields } = body;
    const resource: Json = {
      ...clone(fields),
      kind: 'bigquery#dataset',
      etag: this.etag(),
      id: key,
      selfLink: `${this.url}${API_ROOT}/projects/${projectId}/datasets/${datasetId}`,
      datasetReference: { datasetId, projectId },
      access: Array.isArray(body.access) ? clone(body.access) : clone(DEFAULT_ACCESS),
      creationTime: now,
      lastModifiedTime: now,
      location: stringOr(body.location, this.location),
      type: 'DEFAULT',
    };
    this.datasets.set(key, { resource, tables: new Map() });
    return clone(resource);
  }

  private updateDataset(
    projectId: string,
    datasetId: string,
    body: Json,
    headers: Record<string, string>,
    patch: boolean,
  ): Json {
    const dataset = this.dataset(projectId, datasetId);
    checkEtag(headers, dataset.resource);
    const next = patch ? mergePatch(dataset.resource, body) : { ...clone(body) };
    dataset.resource = {
      ...next,
      kind: 'bigquery#dataset',
      id: dataset.resource.id,
      selfLink: dataset.resource.selfLink,
      datasetReference: dataset.resource.datasetReference,
      creationTime: dataset.resource.creationTime,
      location: dataset.resource.location,
      type: 'DEFAULT',
      access: Array.isArray(next.access) ? next.access : clone(DEFAULT_ACCESS),
      etag: this.etag(),
      lastModifiedTime: String(Date.now()),
    };
    return clone(dataset.resource);
  }

  private deleteDataset(projectId: string, datasetId: string, query: Record<string, string>): Reply {
    const dataset = this.dataset(projectId, datasetId);
    if (dataset.tables.size > 0 && query.deleteContents !== 'true') {
      throw new RestError(400, 'resourceInUse', `Dataset ${projectId}:${datasetId} is still in use`);
    }
    this.datasets.delete(datasetKey(projectId, datasetId));
    return { status: 204 };
  }

  private listDatasets(projectId: string, query: Record<string, string>): Json {
    const all = [...this.datasets.values()]
      .filter((d) => objectOr(d.resource.datasetReference).projectId === projectId)
      .map((d) => ({
        kind: 'bigquery#dataset',
        id: d.resource.id,
        datasetReference: clone(d.resource.datasetReference),
        labels: clone(d.resource.labels),
        location: d.resource.location,
      }));
    const { items, nextPageToken } = listPage(all, query, 'datasets');
    return { kind: 'bigquery#datasetList', etag: this.etag(), datasets: items, nextPageToken };
  }

  // -- tables -----------------------------------------------------------------------------------------

  private table(ref: TableRef): TableState {
    const table = this.dataset(ref.projectId, ref.datasetId).tables.get(ref.tableId);
    if (!table) throw notFound(`Table ${ref.projectId}:${ref.datasetId}.${ref.tableId}`);
    return table;
  }

  private tableResource(table: TableState): Json {
    return {
      ...clone(table.resource),
      numRows: String(table.rows.length),
      numBytes: String(JSON.stringify(table.rows).length),
    };
  }

  private insertTable(projectId: string, datasetId: string, body: Json): Json {
    const dataset = this.dataset(projectId, datasetId);
    const tableId = stringOr(objectOr(body.tableReference).tableId);
    if (!TABLE_ID.test(tableId)) throw invalid(`Invalid table ID "${tableId}".`);
    if (dataset.tables.has(tableId)) {
      throw new RestError(409, 'duplicate', `Already Exists: Table ${projectId}:${datasetId}.${tableId}`);
    }
    const ref = { projectId, datasetId, tableId };
    const table: TableState = { resource: this.newTableResource(ref, body), rows: [], policy: emptyPolicy() };
    dataset.tables.set(tableId, table);
    return this.tableResource(table);
  }

  private newTableResource(ref: TableRef, body: Json): Json {
    const fields = Array.isArray(objectOr(body.schema).fields)
      ? normaliseFields(objectOr(body.schema).fields)
      : [];
    checkLayout(fields, body);
    const now = String(Date.now());
    const dataset = this.dataset(ref.projectId, ref.datasetId);
    const type = body.view ? 'VIEW' : body.materializedView ? 'MATERIALIZED_VIEW' : 'TABLE';
    return {
      ...clone(body),
      kind: 'bigquery#table',
      etag: this.etag(),
      id: `${ref.projectId}:${ref.datasetId}.${ref.tableId}`,
      selfLink: `${this.url}${API_ROOT}/projects/${ref.projectId}/datasets/${ref.datasetId}/tables/${ref.tableId}`,
      tableReference: { ...ref },
      schema: { fields },
      numLongTermBytes: '0',
      creationTime: now,
      lastModifiedTime: now,
      type,
      location: dataset.resource.location,
    };
  }

  private updateTable(ref: TableRef, body: Json, headers: Record<string, string>, patch: boolean): Json {
    const table = this.table(ref);
    checkEtag(headers, table.resource);
    const before = fieldsOf(table.resource);
    const next = patch ? mergePatch(table.resource, body) : { ...clone(body) };
    const schemaGiven = isObject(body.schema) && Array.isArray(body.schema.fields);
    const fields = schemaGiven ? normaliseFields(objectOr(body.schema).fields) : before;
    if (schemaGiven) checkSchemaChange(before, fields);
    const partitioning = objectOr(table.resource.timePartitioning);
    const nextPartitioning = objectOr(next.timePartitioning);
    if (
      table.resource.timePartitioning &&
      (nextPartitioning.type !== partitioning.type || nextPartitioning.field !== partitioning.field)
    ) {
      throw invalid('Cannot change partitioning spec for a partitioned table; recreate the table instead.');
    }
    checkLayout(fields, next);
    table.resource = {
      ...next,
      schema: { fields },
      kind: 'bigquery#table',
      id: table.resource.id,
      selfLink: table.resource.selfLink,
      tableReference: table.resource.tableReference,
      creationTime: table.resource.creationTime,
      type: table.resource.type,
      location: table.resource.location,
      numLongTermBytes: '0',
      etag: this.etag(),
      lastModifiedTime: String(Date.now()),
    };
    return this.tableResource(table);
  }

  private listTables(projectId: string, datasetId: string, query: Record<string, string>): Json {
    const all = [...this.dataset(projectId, datasetId).tables.values()].map(({ resource }) => ({
      kind: 'bigquery#table',
      id: resource.id,
      tableReference: clone(resource.tableReference),
      type: resource.type,
      timePartitioning: clone(resource.timePartitioning),
      clustering: clone(resource.clustering),
      labels: clone(resource.labels),
      creationTime: resource.creationTime,
    }));
    const { items, nextPageToken } = listPage(all, query, 'tables');
    return {
      kind: 'bigquery#tableList',
      etag: this.etag(),
      tables: items,
      totalItems: all.length,
      nextPageToken,
    };
  }

  private insertAll(ref: TableRef, body: Json): Json {
    const table = this.table(ref);
    const fields = fieldsOf(table.resource);
    const names = new Set(fields.map((f) => f.name.toLowerCase()));
    const rows = Array.isArray(body.rows) ? body.rows.map((r) => objectOr(objectOr(r).json)) : [];
    const insertErrors: Json[] = [];
    const accepted: WireRow[] = [];
    rows.forEach((row, index) => {
      const unknown = Object.keys(row).filter((k) => !names.has(k.toLowerCase()));
      const missing = fields.filter((f) => f.mode === 'REQUIRED' && row[f.name] == null).map((f) => f.name);
      if ((unknown.length > 0 && body.ignoreUnknownValues !== true) || missing.length > 0) {
        const errors = [
          ...unknown.map((name) => ({
            reason: 'invalid',
            location: name,
            message: `no such field: ${name}.`,
          })),
          ...missing.map((name) => ({
            reason: 'invalid',
            location: name,
            message: `Missing required field: ${name}.`,
          })),
        ].filter((e) => body.ignoreUnknownValues !== true || e.message.startsWith('Missing'));
        insertErrors.push({ index, errors });
        return;
      }
      accepted.push(encodeRow(fields, row));
    });
    if (insertErrors.length > 0 && body.skipInvalidRows !== true) {
      const failed = new Set(insertErrors.map((e) => e.index));
      rows.forEach((_row, index) => {
        if (!failed.has(index))
          insertErrors.push({ index, errors: [{ reason: 'stopped', location: '', message: '' }] });
      });
      insertErrors.sort((a, b) => Number(a.index) - Number(b.index));
      return { kind: 'bigquery#tableDataInsertAllResponse', insertErrors };
    }
    table.rows.push(...accepted);
    return {
      kind: 'bigquery#tableDataInsertAllResponse',
      ...(insertErrors.length > 0 ? { insertErrors } : {}),
    };
  }

  private listRows(ref: TableRef, query: Record<string, string>): Json {
    const table = this.table(ref);
    const fields = fieldsOf(table.resource);
    const selected = query.selectedFields
      ? query.selectedFields.split(',').map((name) => name.trim().split('.')[0]?.toLowerCase())
      : undefined;
    const rows = table.rows.map((row) => {
      const padded = padRow(row, fields);
      return selected
        ? { f: padded.f.filter((_cell, i) => selected.includes(fields[i]?.name.toLowerCase())) }
        : padded;
    });
    const page = this.page(rows, query, `table:${ref.projectId}:${ref.datasetId}.${ref.tableId}`);
    return {
      kind: 'bigquery#tableDataList',
      etag: this.etag(),
      totalRows: String(rows.length),
      ...(page.rows.length > 0 ? { rows: page.rows } : {}),
      ...(page.pageToken ? { pageToken: page.pageToken } : {}),
    };
  }

  putTable(ref: TableRef, input: StandInTableInput) {
    const key = datasetKey(ref.projectId, ref.datasetId);
    if (!this.datasets.has(key)) {
      this.insertDataset(ref.projectId, { datasetReference: { datasetId: ref.datasetId } });
    }
    const existing = this.datasets.get(key)?.tables.get(ref.tableId);
    const resource = this.newTableResource(ref, {
      ...clone(input.metadata ?? {}),
      tableReference: { ...ref },
      schema: { fields: clone(input.schema) },
    });
    const fields = fieldsOf(resource);
    const rows = (input.rows ?? []).map((row) => encodeRow(fields, row));
    this.datasets
      .get(key)
      ?.tables.set(ref.tableId, { resource, rows, policy: existing?.policy ?? emptyPolicy() });
  }

  /**
   * Writes rows into a table the way a copy or a query with a destination does. The new state replaces
   * the old in one assignment, so a reader never sees a half-written table.
   */
  private writeTable(
    ref: TableRef,
    source: { fields: Field[]; rows: WireRow[]; layout: Json },
    writeDisposition: string,
    createDisposition: string,
  ): StandInError | undefined {
    const dataset = this.datasets.get(datasetKey(ref.projectId, ref.datasetId));
    const name = `${ref.projectId}:${ref.datasetId}.${ref.tableId}`;
    if (!dataset)
      return {
        code: 404,
        reason: 'notFound',
        message: `Not found: Dataset ${ref.projectId}:${ref.datasetId}`,
      };
    const existing = dataset.tables.get(ref.tableId);
    if (!existing) {
      if (createDisposition === 'CREATE_NEVER')
        return { code: 404, reason: 'notFound', message: `Not found: Table ${name}` };
      const resource = this.newTableResource(ref, {
        ...clone(source.layout),
        schema: { fields: clone(source.fields) },
      });
      dataset.tables.set(ref.tableId, { resource, rows: source.rows.map(clone), policy: emptyPolicy() });
      return undefined;
    }
    if (writeDisposition === 'WRITE_EMPTY' && existing.rows.length > 0) {
      return { code: 409, reason: 'duplicate', message: `Already Exists: Table ${name}` };
    }
    const append = writeDisposition === 'WRITE_APPEND';
    const fields = append ? fieldsOf(existing.resource) : source.fields;
    if (append && !sameColumns(fields, source.fields)) {
      return { code: 400, reason: 'invalid', message: `Provided Schema does not match Table ${name}.` };
    }
    const replaced: TableState = {
      resource: {
        ...clone(existing.resource),
        ...(append ? {} : { ...clone(source.layout), schema: { fields: clone(source.fields) } }),
        etag: this.etag(),
        lastModifiedTime: String(Date.now()),
      },
      rows: append ? [...existing.rows, ...source.rows.map(clone)] : source.rows.map(clone),
      policy: existing.policy,
    };
    dataset.tables.set(ref.tableId, replaced);
    return undefined;
  }

  // -- IAM --------------------------------------------------------------------------------------------

  private getIamPolicy(ref: TableRef): Json {
    return clone(this.table(ref).policy);
  }

  private setIamPolicy(ref: TableRef, body: Json): Json {
    const table = this.table(ref);
    const policy = objectOr(body.policy);
    if (policy.version !== undefined && policy.version !== 1) {
      throw invalid('Only IAM policy version 1 is supported for tables.');
    }
    if (policy.etag !== undefined && policy.etag !== table.policy.etag) {
      throw new RestError(
        409,
        'aborted',
        'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.',
      );
    }
    const bindings = Array.isArray(policy.bindings) ? clone(policy.bindings) : [];
    table.policy = { version: 1, etag: this.etag(), ...(bindings.length > 0 ? { bindings } : {}) };
    return clone(table.policy);
  }

  // -- jobs -------------------------------------------------------------------------------------------

  private job(projectId: string, jobId: string, query: Record<string, string>): JobState {
    const job = this.jobs.get(datasetKey(projectId, jobId));
    const location = query.location ?? '';
    if (!job || (location !== '' && location.toLowerCase() !== job.location.toLowerCase())) {
      throw notFound(`Job ${projectId}:${location || job?.location || this.location}.${jobId}`);
    }
    return job;
  }

  /** A read of a job's state: counts down `pendingPolls`, then completes the job. */
  private async read(job: JobState) {
    if (job.settled) return;
    if (job.pendingPolls > 0) {
      job.pendingPolls -= 1;
      return;
    }
    await this.settle(job);
  }

  private async settle(job: JobState) {
    if (job.settled) return;
    job.settled = true;
    let output: QueryOutput | undefined;
    try {
      output = await job.run();
    } catch (err) {
      this.fail(job, errorOf(err));
      return;
    }
    // A copy that failed has already recorded its error.
    if (job.error) return;
    const now = String(Date.now());
    const statistics = objectOr(job.resource.statistics);
    statistics.startTime = statistics.creationTime;
    statistics.endTime = now;
    if (output) {
      job.output = output;
      const bytes = String(output.totalBytesProcessed);
      statistics.totalBytesProcessed = bytes;
      statistics.query = {
        totalBytesProcessed: bytes,
        totalBytesBilled: bytes,
        cacheHit: false,
        ...(output.statementType ? { statementType: output.statementType } : {}),
        ...(output.schema ? { schema: { fields: clone(output.schema) } } : {}),
        ...(output.numDmlAffectedRows !== undefined
          ? { numDmlAffectedRows: String(output.numDmlAffectedRows) }
          : {}),
      };
    }
    job.resource.status = { state: 'DONE' };
  }

  private fail(job: JobState, error: StandInError) {
    job.settled = true;
    job.error = error;
    const detail = { reason: error.reason, message: error.message };
    job.resource.status = { state: 'DONE', errorResult: detail, errors: [detail] };
  }

  private async insertJob(projectId: string, body: Json, media?: Buffer): Promise<Json> {
    const configuration = objectOr(body.configuration);
    const reference = objectOr(body.jobReference);
    const dryRun = configuration.dryRun === true;
    if (isObject(configuration.query)) {
      const request = configuration.query;
      const location = stringOr(reference.location) || this.locationOf(request.defaultDataset, projectId);
      const jobId = stringOr(reference.jobId) || undefined;
      if (dryRun) return this.dryRun('jobs.insert', projectId, location, jobId, request, configuration);
      const job = this.newJob(projectId, jobId, location, body, 'QUERY');
      job.run = () => this.runQuery('jobs.insert', job, request);
      return this.started(job);
    }
    if (isObject(configuration.copy)) {
      const copy = configuration.copy;
      const sources = (Array.isArray(copy.sourceTables) ? copy.sourceTables : [copy.sourceTable]).map(
        tableRefOf,
      );
      const destination = tableRefOf(copy.destinationTable);
      if (sources.length === 0 || sources.some((s) => !s) || !destination) {
        throw invalid('A copy job needs a sourceTable (or sourceTables) and a destinationTable.');
      }
      const first = sources[0];
      const location =
        stringOr(reference.location) ||
        this.locationOf(first && { projectId: first.projectId, datasetId: first.datasetId }, projectId);
      if (dryRun) {
        return this.jobResource(projectId, undefined, location, configuration, 'COPY', { state: 'DONE' });
      }
      const job = this.newJob(projectId, stringOr(reference.jobId) || undefined, location, body, 'COPY');
      job.run = async () => {
        this.runCopy(job, sources as TableRef[], destination, copy);
        return undefined;
      };
      return this.started(job);
    }
    if (isObject(configuration.load) && media) {
      const load = configuration.load;
      const destination = tableRefOf(load.destinationTable);
      if (!destination) throw invalid('A load job needs a destinationTable.');
      const location =
        stringOr(reference.location) ||
        this.locationOf({ projectId: destination.projectId, datasetId: destination.datasetId }, projectId);
      const job = this.newJob(projectId, stringOr(reference.jobId) || undefined, location, body, 'LOAD');
      job.run = async () => {
        this.runLoad(job, destination, load, media);
        return undefined;
      };
      return this.started(job);
    }
    throw new RestError(
      501,
      'notImplemented',
      'The BigQuery stand-in runs query and copy jobs, and load jobs of uploaded files; loads from Cloud Storage and extract jobs are not simulated.',
    );
  }

  /** A load job: the file's rows into the destination, as the load responder or the CSV reader finds them. */
  private runLoad(job: JobState, destination: TableRef, load: Json, media: Buffer) {
    const existing = this.datasets
      .get(datasetKey(destination.projectId, destination.datasetId))
      ?.tables.get(destination.tableId);
    const given = isObject(load.schema) && Array.isArray(load.schema.fields) ? load.schema.fields : undefined;
    let fields: Field[];
    let rows: WireRow[];
    try {
      const read = this.loadResponder?.(clone(load), media);
      if (read && 'error' in read)
        throw new RestError(read.error.code ?? 400, read.error.reason, read.error.message);
      const format = stringOr(load.sourceFormat, 'CSV').toUpperCase();
      if (!read && format !== 'CSV')
        throw new RestError(
          501,
          'notImplemented',
          `The BigQuery stand-in reads CSV uploads only; answer ${format} loads with onLoad.`,
        );
      fields = normaliseFields(read?.schema ?? given ?? (existing ? fieldsOf(existing.resource) : []));
      rows = (read ? (read.rows ?? []) : readCsv(media, load, fields)).map((row) => encodeRow(fields, row));
    } catch (err) {
      this.fail(job, errorOf(err));
      return;
    }
    const error = this.writeTable(
      destination,
      { fields, rows, layout: {} },
      stringOr(load.writeDisposition, 'WRITE_APPEND'),
      stringOr(load.createDisposition, 'CREATE_IF_NEEDED'),
    );
    if (error) {
      this.fail(job, error);
      return;
    }
    const statistics = objectOr(job.resource.statistics);
    statistics.load = {
      inputFiles: '1',
      inputFileBytes: String(media.length),
      outputRows: String(rows.length),
      outputBytes: String(JSON.stringify(rows).length),
      badRecords: '0',
    };
  }

  private newJob(
    projectId: string,
    jobId: string | undefined,
    location: string,
    body: Json,
    jobType: string,
  ): JobState {
    const id = jobId ?? `job_${randomUUID().replaceAll('-', '_')}`;
    const key = datasetKey(projectId, id);
    if (this.jobs.has(key))
      throw new RestError(409, 'duplicate', `Already Exists: Job ${projectId}:${location}.${id}`);
    const resource = this.jobResource(projectId, id, location, objectOr(body.configuration), jobType, {
      state: this.pendingPolls > 0 ? 'RUNNING' : 'PENDING',
    });
    const job: JobState = {
      projectId,
      jobId: id,
      location,
      resource,
      pendingPolls: this.pendingPolls,
      settled: false,
      run: async () => undefined,
    };
    this.jobs.set(key, job);
    return job;
  }

  private jobResource(
    projectId: string,
    jobId: string | undefined,
    location: string,
    configuration: Json,
    jobType: string,
    status: Json,
  ): Json {
    const now = String(Date.now());
    const config = clone(configuration);
    if (isObject(config.query) && config.query.priority === undefined) config.query.priority = 'INTERACTIVE';
    return {
      kind: 'bigquery#job',
      etag: this.etag(),
      ...(jobId
        ? {
            id: `${projectId}:${location}.${jobId}`,
            selfLink: `${this.url}${API_ROOT}/projects/${projectId}/jobs/${jobId}?location=${location}`,
          }
        : {}),
      user_email: 'stand-in@example.com',
      principal_subject: 'user:stand-in@example.com',
      configuration: { ...config, jobType },
      jobReference: { projectId, ...(jobId ? { jobId } : {}), location },
      statistics: { creationTime: now },
      status,
    };
  }

  /** Completes a new job at once unless `pendingPolls` keeps it running; answers its resource. */
  private async started(job: JobState): Promise<Json> {
    if (job.pendingPolls === 0) await this.settle(job);
    return clone(job.resource);
  }

  private async getJob(projectId: string, jobId: string, query: Record<string, string>): Promise<Json> {
    const job = this.job(projectId, jobId, query);
    await this.read(job);
    return clone(job.resource);
  }

  private listJobs(projectId: string, query: Record<string, string>): Json {
    const all = [...this.jobs.values()]
      .filter((job) => job.projectId === projectId)
      .map((job) => ({ ...clone(job.resource), state: objectOr(job.resource.status).state }));
    const { items, nextPageToken } = listPage(all, query, 'jobs');
    return { kind: 'bigquery#jobList', etag: this.etag(), jobs: items, nextPageToken };
  }

  private locationOf(dataset: unknown, projectId: string): string {
    const ref = objectOr(dataset);
    const datasetId = stringOr(ref.datasetId);
    const found = datasetId
      ? this.datasets.get(datasetKey(stringOr(ref.projectId, projectId), datasetId))
      : undefined;
    return stringOr(found?.resource.location, this.location);
  }

  private runCopy(job: JobState, sources: TableRef[], destination: TableRef, copy: Json) {
    const tables: TableState[] = [];
    for (const source of sources) {
      const table = this.datasets
        .get(datasetKey(source.projectId, source.datasetId))
        ?.tables.get(source.tableId);
      if (!table) {
        const name = `${source.projectId}:${source.datasetId}.${source.tableId}`;
        this.fail(job, { code: 404, reason: 'notFound', message: `Not found: Table ${name}` });
        return;
      }
      tables.push(table);
    }
    const [first] = tables;
    if (!first) return;
    const fields = fieldsOf(first.resource);
    const rows = tables.flatMap((t) => t.rows.map((row) => padRow(row, fields)));
    const error = this.writeTable(
      destination,
      { fields, rows, layout: layoutOf(first.resource) },
      stringOr(copy.writeDisposition, 'WRITE_EMPTY'),
      stringOr(copy.createDisposition, 'CREATE_IF_NEEDED'),
    );
    if (error) {
      this.fail(job, error);
      return;
    }
    const statistics = objectOr(job.resource.statistics);
    statistics.copy = {
      copiedRows: String(rows.length),
      copiedLogicalBytes: String(JSON.stringify(rows).length),
    };
  }

  // -- queries ----------------------------------------------------------------------------------------

  private async respond(
    api: StandInQueryContext['api'],
    request: Json,
    context: Omit<StandInQueryContext, 'api' | 'request' | 'defaultDataset' | 'labels' | 'dryRun'>,
    dryRun: boolean,
    labels: unknown,
  ): Promise<QueryOutput> {
    const sql = stringOr(request.query);
    if (request.useLegacySql !== false) {
      throw new RestError(
        400,
        'invalidQuery',
        'The BigQuery stand-in speaks GoogleSQL only: send useLegacySql: false (the REST API defaults to legacy SQL).',
      );
    }
    if (sql.trim() === '') throw new RestError(400, 'invalid', 'Query text is empty.');
    const defaultDataset = isObject(request.defaultDataset)
      ? (clone(request.defaultDataset) as { projectId?: string; datasetId: string })
      : undefined;
    const fullContext: StandInQueryContext = {
      ...context,
      api,
      dryRun,
      defaultDataset,
      labels: clone(objectOr(labels)) as Record<string, string>,
      request: clone(request),
    };
    let outcome: StandInQueryOutcome;
    try {
      outcome = await this.responder?.(sql, decodeParams(request.queryParameters), fullContext);
    } catch (err) {
      throw new RestError(
        400,
        'standInResponderError',
        `The query responder threw: ${(err as Error).message}`,
      );
    }
    if (outcome && 'error' in outcome) {
      const { code = 400, reason, message } = outcome.error;
      throw new RestError(code, reason, message);
    }
    const schema = outcome?.schema ? normaliseFields(outcome.schema) : undefined;
    const rows = (outcome?.rows ?? []).map((row) => encodeRow(schema ?? [], row));
    return {
      schema,
      rows: schema ? rows : [],
      totalBytesProcessed: outcome?.totalBytesProcessed ?? 0,
      numDmlAffectedRows: outcome?.numDmlAffectedRows,
      statementType: outcome?.statementType ?? guessStatementType(sql),
    };
  }

  private async dryRun(
    api: StandInQueryContext['api'],
    projectId: string,
    location: string,
    jobId: string | undefined,
    request: Json,
    configuration: Json,
  ): Promise<Json> {
    const output = await this.respond(
      api,
      request,
      { projectId, location, jobId },
      true,
      configuration.labels,
    );
    const resource = this.jobResource(projectId, undefined, location, configuration, 'QUERY', {
      state: 'DONE',
    });
    const bytes = String(output.totalBytesProcessed);
    resource.statistics = {
      ...objectOr(resource.statistics),
      totalBytesProcessed: bytes,
      query: {
        totalBytesProcessed: bytes,
        totalBytesBilled: '0',
        cacheHit: false,
        ...(output.statementType ? { statementType: output.statementType } : {}),
        ...(output.schema ? { schema: { fields: output.schema } } : {}),
      },
    };
    return resource;
  }

  private async runQuery(
    api: StandInQueryContext['api'],
    job: JobState,
    request: Json,
  ): Promise<QueryOutput> {
    const configuration = objectOr(job.resource.configuration);
    const output = await this.respond(
      api,
      request,
      { projectId: job.projectId, location: job.location, jobId: job.jobId },
      false,
      configuration.labels,
    );
    const destination = tableRefOf(request.destinationTable);
    if (destination && output.schema) {
      const error = this.writeTable(
        destination,
        { fields: output.schema, rows: output.rows, layout: layoutOf(request) },
        stringOr(request.writeDisposition, 'WRITE_EMPTY'),
        stringOr(request.createDisposition, 'CREATE_IF_NEEDED'),
      );
      if (error) throw new RestError(error.code ?? 400, error.reason, error.message);
    }
    return output;
  }

  private async query(projectId: string, body: Json): Promise<Reply> {
    const location = stringOr(body.location) || this.locationOf(body.defaultDataset, projectId);
    if (body.dryRun === true) {
      const output = await this.respond(
        'jobs.query',
        body,
        { projectId, location, jobId: undefined },
        true,
        body.labels,
      );
      return ok({
        kind: 'bigquery#queryResponse',
        jobReference: { projectId, location },
        jobComplete: true,
        totalBytesProcessed: String(output.totalBytesProcessed),
        cacheHit: false,
        ...(output.schema ? { schema: { fields: output.schema } } : {}),
      });
    }
    const query: Json = {};
    for (const key of QUERY_CONFIGURATION_KEYS) if (body[key] !== undefined) query[key] = clone(body[key]);
    const configuration: Json = { query, ...(body.labels ? { labels: clone(body.labels) } : {}) };
    const job = this.newJob(projectId, undefined, location, { configuration }, 'QUERY');
    job.run = () => this.runQuery('jobs.query', job, body);
    await this.started(job);
    return ok(
      this.results(
        job,
        { maxResults: body.maxResults === undefined ? '' : String(body.maxResults) },
        'bigquery#queryResponse',
      ),
    );
  }

  private async getQueryResults(
    projectId: string,
    jobId: string,
    query: Record<string, string>,
  ): Promise<Json> {
    const job = this.job(projectId, jobId, query);
    if (objectOr(job.resource.configuration).jobType !== 'QUERY') {
      throw invalid(`Job ${projectId}:${job.location}.${jobId} is not a query job.`);
    }
    await this.read(job);
    return this.results(job, query, 'bigquery#getQueryResultsResponse');
  }

  /** A page of a query job's results; a failed job answers its error, as the service does. */
  private results(job: JobState, query: Record<string, string>, kind: string): Json {
    const jobReference = clone(job.resource.jobReference);
    if (job.error) throw new RestError(job.error.code ?? 400, job.error.reason, job.error.message);
    if (!job.settled || !job.output) return { kind, etag: this.etag(), jobReference, jobComplete: false };
    const { schema, rows, totalBytesProcessed, numDmlAffectedRows } = job.output;
    const page = this.page(rows, query, `job:${job.projectId}:${job.jobId}`);
    return {
      kind,
      etag: this.etag(),
      ...(schema ? { schema: { fields: clone(schema) } } : {}),
      jobReference,
      totalRows: String(rows.length),
      ...(page.pageToken ? { pageToken: page.pageToken } : {}),
      ...(page.rows.length > 0 ? { rows: page.rows } : {}),
      totalBytesProcessed: String(totalBytesProcessed),
      ...(numDmlAffectedRows !== undefined ? { numDmlAffectedRows: String(numDmlAffectedRows) } : {}),
      jobComplete: true,
      cacheHit: false,
    };
  }

  /** Rows from `pageToken` or `startIndex`, at most `maxResults` (else `defaultPageSize`) of them. */
  private page(rows: WireRow[], query: Record<string, string>, scope: string) {
    let offset = Number(query.startIndex || 0);
    if (query.pageToken) {
      const token = decodeToken(query.pageToken);
      if (!token || token.scope !== scope) throw invalid(`Invalid page token: ${query.pageToken}`);
      offset = token.offset;
    }
    const size = query.maxResults ? Number(query.maxResults) : (this.defaultPageSize ?? rows.length);
    const slice = rows.slice(offset, offset + size);
    const next = offset + slice.length;
    return { rows: clone(slice), pageToken: next < rows.length ? encodeToken(scope, next) : undefined };
  }

  private etag(): string {
    this.etagCounter += 1;
    return Buffer.from(`stand-in-${this.etagCounter}`).toString('base64');
  }
}

// -- helpers ----------------------------------------------------------------------------------------------

function ok(body: unknown): Reply {
  return { status: 200, body };
}

function errorReply(err: RestError): Reply {
  return {
    status: err.code,
    body: {
      error: {
        code: err.code,
        message: err.message,
        errors: [{ message: err.message, domain: 'global', reason: err.reason }],
        status: STATUS_NAMES[err.code] ?? 'UNKNOWN',
      },
    },
  };
}

function errorOf(err: unknown): StandInError {
  if (err instanceof RestError) return { code: err.code, reason: err.reason, message: err.message };
  return { code: 500, reason: 'internalError', message: String((err as Error)?.message ?? err) };
}

function unimplemented(method: string, path: string) {
  return new RestError(501, 'notImplemented', `The BigQuery stand-in does not implement ${method} ${path}.`);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The parts of a `multipart/related` body, headers stripped: each part is `--boundary`, headers, a blank
 * line, the content, then CRLF before the next delimiter (RFC 2046).
 */
function multipartParts(body: Buffer, contentType: string): Buffer[] {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) throw invalid(`An upload needs a multipart/related body, not ${contentType || 'none'}.`);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start, next);
    const headersEnd = part.indexOf('\r\n\r\n');
    const content = headersEnd < 0 ? Buffer.alloc(0) : part.subarray(headersEnd + 4);
    // The CRLF before the next delimiter belongs to the delimiter, not the content.
    parts.push(content.subarray(0, content.length - (content.subarray(-2).toString() === '\r\n' ? 2 : 0)));
    at = next;
  }
  return parts;
}

/**
 * A CSV upload's rows, as a load job reads them: `fieldDelimiter` (default `,`), `quote` (default `"`,
 * doubled to escape), `skipLeadingRows`, `allowQuotedNewlines`, `allowJaggedRows` (missing trailing values
 * are NULL). An unquoted empty value is NULL, a quoted one the empty string; INTEGER values are checked.
 */
function readCsv(media: Buffer, load: Json, fields: Field[]): unknown[][] {
  const text = media.toString('utf8').replace(/^\uFEFF/, '');
  const delimiter = stringOr(load.fieldDelimiter, ',') === '\\t' ? '\t' : stringOr(load.fieldDelimiter, ',');
  const quote = stringOr(load.quote, '"');
  const records: Array<Array<string | null>> = [];
  let record: Array<string | null> = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  let line = 1;
  const endField = () => {
    record.push(field === '' && !wasQuoted ? null : field);
    field = '';
    wasQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === quote && text[i + 1] === quote) {
        field += quote;
        i++;
      } else if (ch === quote) quoted = false;
      else {
        if (ch === '\n') {
          line++;
          if (load.allowQuotedNewlines !== true)
            throw invalid(`Error while reading data: a quoted field spans lines at line ${line - 1}.`);
        }
        field += ch;
      }
    } else if (ch === quote && field === '') {
      quoted = true;
      wasQuoted = true;
    } else if (ch === delimiter) endField();
    else if (ch === '\n') {
      endField();
      // A blank line is no record.
      if (!(record.length === 1 && record[0] === null)) records.push(record);
      record = [];
      line++;
    } else if (ch !== '\r' || text[i + 1] !== '\n') field += ch;
  }
  if (quoted) throw invalid('Error while reading data: an unterminated quoted field at the end of the file.');
  if (field !== '' || record.length) {
    endField();
    records.push(record);
  }
  return records.slice(Number(load.skipLeadingRows ?? 0)).map((values, index) => {
    if (values.length > fields.length)
      throw invalid(
        `Error while reading data, row ${index + 1}: too many values (${values.length} for ${fields.length} columns).`,
      );
    if (values.length < fields.length && load.allowJaggedRows !== true)
      throw invalid(`Error while reading data, row ${index + 1}: missing values (allowJaggedRows is false).`);
    return fields.map((f, i) => {
      const value = values[i] ?? null;
      if (value !== null && f.type === 'INTEGER' && !/^[+-]?\d+$/.test(value.trim()))
        throw invalid(
          `Error while reading data, row ${index + 1}: could not parse '${value}' as INT64 for field ${f.name}.`,
        );
      return value;
    });
  });
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function pathMatcher(pattern: string | RegExp): (path: string) => boolean {
  if (pattern instanceof RegExp) return (path) => pattern.test(path);
  const full = pattern.startsWith('/projects/') ? `${API_ROOT}${pattern}` : pattern;
  const source = full
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/:]+');
  const regex = new RegExp(`^${source}$`);
  return (path) => regex.test(path);
}

function listPage<T>(all: T[], query: Record<string, string>, scope: string) {
  let offset = 0;
  if (query.pageToken) {
    const token = decodeToken(query.pageToken);
    if (!token || token.scope !== scope) throw invalid(`Invalid page token: ${query.pageToken}`);
    offset = token.offset;
  }
  const size = query.maxResults ? Number(query.maxResults) : all.length;
  const items = all.slice(offset, offset + size);
  const next = offset + items.length;
  return { items, nextPageToken: next < all.length ? encodeToken(scope, next) : undefined };
}

function encodeToken(scope: string, offset: number): string {
  return Buffer.from(JSON.stringify({ scope, offset })).toString('base64url');
}

function decodeToken(token: string): { scope: string; offset: number } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (isObject(parsed) && typeof parsed.scope === 'string' && typeof parsed.offset === 'number') {
      return { scope: parsed.scope, offset: parsed.offset };
    }
  } catch {
    // fall through: not one of ours
  }
  return undefined;
}

function tableRefOf(value: unknown): TableRef | undefined {
  const ref = objectOr(value);
  if (typeof ref.datasetId !== 'string' || typeof ref.tableId !== 'string') return undefined;
  return { projectId: stringOr(ref.projectId), datasetId: ref.datasetId, tableId: ref.tableId };
}

function emptyPolicy(): Json {
  // The service's etag for a table that never had a policy.
  return { version: 1, etag: 'ACAB' };
}

/** The layout a copy or query carries over to its destination. */
function layoutOf(resource: Json): Json {
  const layout: Json = {};
  for (const key of ['timePartitioning', 'rangePartitioning', 'clustering']) {
    if (resource[key] !== undefined) layout[key] = clone(resource[key]);
  }
  return layout;
}

/**
 * What a request would write, for a caller who may only read and run query jobs: datasets and
 * tables created, changed or deleted, IAM set, rows inserted, copy and load jobs, and queries
 * that are not a SELECT (DDL, DML, scripts) unless dry runs. Undefined for a read.
 */
function writeOf(method: string, path: string, upload: boolean, body: unknown): string | undefined {
  if (upload) return 'a load job';
  if (method === 'GET') return undefined;
  if (method === 'POST' && /\/jobs$/.test(path)) {
    const configuration = objectOr(objectOr(body).configuration);
    if (configuration.copy) return 'a copy job';
    if (configuration.load) return 'a load job';
    const query = stringOr(objectOr(configuration.query).query, '');
    if (/^\s*(SELECT|WITH)\b/i.test(query) && !/;\s*\S/.test(query)) return undefined;
    return configuration.dryRun === true
      ? `a dry run of a write (${query.slice(0, 40)})`
      : `a query that writes (${query.slice(0, 60)})`;
  }
  if (method === 'POST' && /\/queries$/.test(path)) return undefined;
  if (method === 'POST' && path.endsWith(':getIamPolicy')) return undefined;
  if (method === 'POST' && /\/jobs\/[^/]+\/cancel$/.test(path)) return undefined;
  if (path.endsWith(':setIamPolicy')) return 'setIamPolicy';
  if (path.endsWith('/insertAll')) return 'insertAll';
  return `${method.toLowerCase()} of ${path.split('/').slice(-2).join('/')}`;
}

/** A PATCH: fields in the body replace the resource's, `null` removes one; labels merge key by key. */
function mergePatch(resource: Json, body: Json): Json {
  const next = clone(resource);
  for (const [key, value] of Object.entries(body)) {
    if (key === 'labels' && isObject(value)) {
      const labels = objectOr(next.labels);
      for (const [label, labelValue] of Object.entries(value)) {
        if (labelValue === null) delete labels[label];
        else labels[label] = labelValue;
      }
      next.labels = labels;
    } else if (value === null) {
      delete next[key];
    } else {
      next[key] = clone(value);
    }
  }
  return next;
}

function checkEtag(headers: Record<string, string>, resource: Json) {
  const expected = headers['if-match'];
  if (expected !== undefined && expected !== resource.etag) {
    throw new RestError(412, 'conditionNotMet', 'Precondition check failed.');
  }
}

function normaliseFields(value: unknown): Field[] {
  if (!Array.isArray(value)) return [];
  return value.map((raw) => {
    const field = objectOr(raw);
    const name = stringOr(field.name);
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,299}$/.test(name)) throw invalid(`Invalid field name "${name}".`);
    const upper = stringOr(field.type, 'STRING').toUpperCase();
    const type = TYPE_NAMES[upper] ?? upper;
    const normalised: Field = {
      ...clone(field),
      name,
      type,
      mode: stringOr(field.mode, 'NULLABLE').toUpperCase(),
    };
    if (type === 'RECORD') normalised.fields = normaliseFields(field.fields);
    else delete normalised.fields;
    return normalised;
  });
}

function fieldsOf(resource: Json): Field[] {
  const fields = objectOr(resource.schema).fields;
  return Array.isArray(fields) ? (fields as Field[]) : [];
}

function findField(fields: Field[], name: unknown): Field | undefined {
  return typeof name === 'string'
    ? fields.find((f) => f.name.toLowerCase() === name.toLowerCase())
    : undefined;
}

function sameColumns(a: Field[], b: Field[]): boolean {
  return (
    a.length === b.length && a.every((field, i) => field.name === b[i]?.name && field.type === b[i]?.type)
  );
}

/** The checks tables.insert and tables.patch make on the schema, partitioning and clustering. */
function checkLayout(fields: Field[], resource: Json) {
  const seen = new Set<string>();
  for (const field of fields) {
    const key = field.name.toLowerCase();
    if (seen.has(key)) throw invalid(`Field ${field.name} already exists in schema`);
    seen.add(key);
  }
  if (isObject(resource.timePartitioning)) {
    const { type, field } = resource.timePartitioning;
    if (!PARTITION_TYPES.has(stringOr(type))) {
      throw invalid(`Invalid time partitioning type ${String(type)}; use HOUR, DAY, MONTH or YEAR.`);
    }
    if (field !== undefined) {
      const column = findField(fields, field);
      if (!column)
        throw invalid(
          `The field specified for time partitioning can not be found in the schema: ${String(field)}`,
        );
      if (!PARTITION_COLUMN_TYPES.has(column.type) || column.mode === 'REPEATED') {
        throw invalid(
          `The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME. The type found is: ${column.type}.`,
        );
      }
    }
  }
  if (isObject(resource.clustering)) {
    const names = Array.isArray(resource.clustering.fields) ? resource.clustering.fields : [];
    if (names.length > 4) throw invalid('Too many clustering fields: at most 4 are allowed.');
    for (const name of names) {
      const column = findField(fields, name);
      if (!column)
        throw invalid(
          `The field specified for clustering cannot be found in the schema. Invalid field: ${String(name)}.`,
        );
      if (column.type === 'RECORD' || column.mode === 'REPEATED' || ['FLOAT', 'JSON'].includes(column.type)) {
        throw invalid(
          `Field ${column.name} is of type ${column.type}, which is not supported for clustering.`,
        );
      }
    }
  }
}

/** tables.patch may add columns and relax REQUIRED to NULLABLE, nothing else. */
function checkSchemaChange(before: Field[], after: Field[]) {
  for (const old of before) {
    const now = findField(after, old.name);
    if (!now)
      throw invalid(`Provided Schema does not match Table. Field ${old.name} is missing in new schema`);
    if (now.type !== old.type) {
      throw invalid(
        `Provided Schema does not match Table. Field ${old.name} has changed type from ${old.type} to ${now.type}`,
      );
    }
    if (old.mode !== now.mode && !(old.mode === 'REQUIRED' && now.mode === 'NULLABLE')) {
      throw invalid(
        `Provided Schema does not match Table. Field ${old.name} has changed mode from ${old.mode} to ${now.mode}`,
      );
    }
    if (old.type === 'RECORD') checkSchemaChange(old.fields ?? [], now.fields ?? []);
  }
  for (const field of after) {
    if (!findField(before, field.name) && field.mode === 'REQUIRED') {
      throw invalid(`Provided Schema does not match Table. Cannot add required field ${field.name}`);
    }
  }
}

/** Rows written before a column was added lack its cell; the service answers null for it. */
function padRow(row: WireRow, fields: Field[]): WireRow {
  if (row.f.length >= fields.length) return row;
  return {
    f: [...row.f, ...fields.slice(row.f.length).map((f) => ({ v: f.mode === 'REPEATED' ? [] : null }))],
  };
}

function encodeRow(fields: Field[], row: unknown): WireRow {
  if (Array.isArray(row)) return { f: fields.map((field, i) => ({ v: encodeCell(field, row[i]) })) };
  const record = objectOr(row);
  const byName = new Map(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]));
  return { f: fields.map((field) => ({ v: encodeCell(field, byName.get(field.name.toLowerCase())) })) };
}

function encodeCell(field: Field, value: unknown): unknown {
  if (field.mode === 'REPEATED') {
    if (value === null || value === undefined) return [];
    const items = Array.isArray(value) ? value : [value];
    return items.map((item) => ({ v: encodeScalar(field, item) }));
  }
  return encodeScalar(field, value);
}

/** One value as the REST API sends it: strings for scalars, `{ f: [...] }` for records. */
function encodeScalar(field: Field, input: unknown): unknown {
  if (input === null || input === undefined) return null;
  if (field.type === 'RECORD') return encodeRow(field.fields ?? [], input);
  // The client's BigQueryDate, BigQueryTimestamp, BigQueryInt, Geography... carry their text in `value`.
  const value = isObject(input) && 'value' in input && !(input instanceof Date) ? input.value : input;
  if (value === null || value === undefined) return null;
  switch (field.type) {
    case 'TIMESTAMP':
      return timestampMicros(value);
    case 'DATE':
      return value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
    case 'DATETIME':
      return value instanceof Date ? value.toISOString().slice(0, -1) : String(value);
    case 'BYTES':
      return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : String(value);
    case 'JSON':
      return typeof value === 'string' ? value : JSON.stringify(value);
    default:
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

/** TIMESTAMP cells are int64 microseconds, the format the client asks for (`formatOptions.useInt64Timestamp`). */
function timestampMicros(value: unknown): string {
  if (value instanceof Date) return (BigInt(value.getTime()) * 1000n).toString();
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return (BigInt(Math.round(value)) * 1000n).toString();
  const text = String(value).trim();
  if (/^-?\d+$/.test(text)) return text;
  const iso = text.replace(' UTC', 'Z').replace(' ', 'T');
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  if (Number.isNaN(ms)) throw new Error(`Cannot read "${text}" as a TIMESTAMP`);
  return (BigInt(ms) * 1000n).toString();
}

function decodeParams(value: unknown): StandInQueryParams {
  if (!Array.isArray(value)) return [];
  const params = value.map(objectOr);
  const named = params.length > 0 && params.every((p) => typeof p.name === 'string');
  if (!named) return params.map((p) => decodeParam(objectOr(p.parameterType), objectOr(p.parameterValue)));
  return Object.fromEntries(
    params.map((p) => [p.name as string, decodeParam(objectOr(p.parameterType), objectOr(p.parameterValue))]),
  );
}

/** A parameter's value as the client sent it: arrays and structs rebuilt, scalars untouched. */
function decodeParam(type: Json, value: Json): unknown {
  if (type.type === 'ARRAY') {
    const items = Array.isArray(value.arrayValues) ? value.arrayValues : [];
    return items.map((item) => decodeParam(objectOr(type.arrayType), objectOr(item)));
  }
  if (type.type === 'STRUCT') {
    const members = Array.isArray(type.structTypes) ? type.structTypes.map(objectOr) : [];
    const values = objectOr(value.structValues);
    return Object.fromEntries(
      members.map((m) => [m.name, decodeParam(objectOr(m.type), objectOr(values[stringOr(m.name)]))]),
    );
  }
  if (type.type === 'RANGE') {
    const range = objectOr(value.rangeValue);
    return { start: objectOr(range.start).value ?? null, end: objectOr(range.end).value ?? null };
  }
  return value.value ?? null;
}

function guessStatementType(sql: string): string | undefined {
  const text = sql
    .replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ')
    .trim()
    .toUpperCase();
  const [first = '', second = '', third = '', fourth = ''] = text.split(/\s+/);
  if (first === 'SELECT' || first === 'WITH' || first.startsWith('(')) return 'SELECT';
  if (['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'TRUNCATE'].includes(first))
    return first === 'TRUNCATE' ? 'TRUNCATE_TABLE' : first;
  if (first === 'CREATE' || first === 'DROP' || first === 'ALTER') {
    const words = [second, third, fourth].filter(
      (w) => !['OR', 'REPLACE', 'TEMP', 'TEMPORARY', 'IF', 'NOT', 'EXISTS'].includes(w),
    );
    const object = words[0] === 'MATERIALIZED' ? 'MATERIALIZED_VIEW' : words[0];
    if (object) return `${first}_${object}`;
  }
  return undefined;
}
