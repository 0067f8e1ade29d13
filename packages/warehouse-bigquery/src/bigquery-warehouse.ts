import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import {
  type BigQuery,
  BigQuery as BigQueryClient,
  type BigQueryOptions,
  type Dataset,
  type Job,
  type Query,
} from '@google-cloud/bigquery';
import {
  type AccessPolicy,
  type BatchRecord,
  type BuildRunRecord,
  batchAuthor,
  batchRecordOf,
  type CostEstimator,
  currentRowsSelect,
  type Dialect,
  type Domain,
  type FileIngester,
  formatBytes,
  type HealthHistoryQuery,
  type HealthSnapshot,
  healthHistoryInsertSql,
  healthHistorySelectSql,
  type IngestOptions,
  type IngestResult,
  isMeshError,
  type JobScope,
  type LabelledBilling,
  type LatestRun,
  latestRunOf,
  type MaterializeResult,
  ownersOf,
  type PartitionSelection,
  type PartitionStager,
  type PromoteResult,
  readersOf,
  refuseSampleBesideRealRows,
  revertableBatch,
  runRecordOf,
  type Source,
  type SqlRow,
  snapshotOfRow,
  type TableLayout,
  type TableRef,
  type TableStats,
  type Warehouse,
  type WarehouseCapabilities,
  WarehouseError,
} from '@retail-mesh/sdk';
import { accessTokenAuthClient } from './access-token.js';
import { createTableStatement, labelValue } from './bigquery-ddl.js';
import { bigqueryDialect, datasetName } from './bigquery-dialect.js';
import { ingestFile, listLocalFiles } from './bigquery-ingest.js';
import {
  batchLogStatements,
  META_DATASET,
  META_DESCRIPTION,
  PLATFORM_TABLES,
  script,
  sourceStatements,
  sourceViewStatement,
  tableStatement,
} from './bigquery-sources.js';

export interface BigQueryWarehouseOptions {
  projectId: string;
  /** Where datasets are created and jobs run. Default `US`. */
  location?: string;
  /** Prepended to every dataset name. */
  datasetPrefix?: string;
  /** Who reads public and restricted products (IAM members derive from it). */
  access?: AccessPolicy;
  /**
   * The per-job byte budget: a job whose dry run estimates more is refused before it runs
   * (`over-budget`), and every job is capped at twice its estimate, never above this.
   */
  maximumBytesBilled?: number;
  /** How long a job may run before BigQuery cancels it; `DEFAULT_JOB_TIMEOUT_MS` when not given. */
  jobTimeoutMs?: number;
  /** Labels every job carries (e.g. `mesh_command`), beside those of its scope (`inScope`). */
  labels?: Record<string, string>;
  /** Jobs that fail for a passing reason (rate limits, backend errors) are run again. */
  retry?: { attempts?: number; delayMs?: number };
  /**
   * The PII policy tag of each domain (`projects/.../taxonomies/.../policyTags/...`, as
   * `mesh plan --terraform` outputs them): set on the PII columns of the tables it publishes.
   */
  policyTags?: Readonly<Record<string, string>>;
  /** REST endpoint, for a local stand-in in tests. */
  apiEndpoint?: string;
  keyFilename?: string;
  /** An OAuth access token to send instead of looking up credentials (e.g. `GOOGLE_OAUTH_ACCESS_TOKEN`). */
  accessToken?: string;
  /** Extra client options (credentials, authClient); or a client to use as is. */
  clientOptions?: BigQueryOptions;
  client?: BigQuery;
}

const CAPABILITIES: WarehouseCapabilities = {
  // Each statement is atomic; a multi-statement swap is a copy job, which is atomic too.
  transactionalDdl: false,
  maxConcurrentBuilds: 8,
  partitioning: true,
  dryRun: true,
  sampleData: false,
  // Issue 12: partition-level builds with partition copies; the staging copy until then.
  publishInPlace: false,
};

/**
 * BigQuery values as the SDK expects them: numbers, Dates for timestamps, 'YYYY-MM-DD' for dates;
 * arrays and structs value by value.
 */
export function canonicalValue(value: unknown): unknown {
  if (value === null || value === undefined || typeof value !== 'object') return value;
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map(canonicalValue);
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  const inner = (value as { value?: unknown }).value;
  switch (name) {
    case 'Object':
      return canonicalRow(value as Record<string, unknown>);
    case 'BigQueryTimestamp':
      return new Date(String(inner));
    case 'BigQueryDate':
    case 'BigQueryDatetime':
    case 'BigQueryTime':
      return String(inner);
    case 'BigQueryInt': {
      const n = Number(inner);
      return Number.isSafeInteger(n) ? n : String(inner);
    }
    case 'Big':
      return Number(String(value));
    case 'Buffer':
      return (value as Buffer).toString('base64');
    default:
      return value;
  }
}

/** A page as the API sent it (the client's third result), for what its conversion loses. */
interface RawPage {
  schema?: { fields?: Array<{ name?: string; type?: string; mode?: string }> };
  rows?: Array<{ f?: Array<{ v?: unknown }> }>;
}

/**
 * The page's TIMESTAMP columns read from the microseconds the API sent, cut to the millisecond
 * toward zero as DuckDB's reader does. The client (8.x, through precise-date) puts a time before
 * 1970 with a fraction of a second a second or two off: -500 µs reads as 00:00:00.9995 on
 * 1 January 1970. Columns nested in records keep the client's value.
 */
function exactInstants(rows: SqlRow[], raw: RawPage | undefined): SqlRow[] {
  const fields = raw?.schema?.fields ?? [];
  const sent = raw?.rows;
  if (!sent || sent.length !== rows.length) return rows;
  fields.forEach((field, i) => {
    if ((field.type !== 'TIMESTAMP' && field.type !== 'TIMESTAMP_MICROS') || field.mode === 'REPEATED')
      return;
    const name = field.name!;
    rows.forEach((row, r) => {
      const value = sent[r]?.f?.[i]?.v;
      if (typeof value === 'string' && /^-?\d+$/.test(value))
        row[name] = new Date(Number(BigInt(value) / 1000n));
    });
  });
  return rows;
}

function canonicalRow(row: Record<string, unknown>): SqlRow {
  const out: SqlRow = {};
  for (const [k, v] of Object.entries(row)) out[k] = canonicalValue(v);
  return out;
}

/** SQL text compared by its tokens, not its spacing. */
const normalizeSql = (text: string) => text.replace(/\s+/g, ' ').trim();

/** How long a job may run when nothing says: BigQuery cancels it then. */
export const DEFAULT_JOB_TIMEOUT_MS = 6 * 3600 * 1000;
/** The least a job is capped at: BigQuery bills at least 10 MB for each table a query reads. */
const MIN_BYTES_CAP = 1024 ** 3;
/** Statements that read data, dry-run first for their cost; DDL and scripts are not. */
const READS_DATA =
  /^\s*(?:SELECT|WITH|INSERT|MERGE|UPDATE|DELETE|CREATE\s+(?:OR\s+REPLACE\s+)?TABLE\b[^;]*?\bAS\s+(?:SELECT|WITH|\())/i;
const RETRY_ATTEMPTS = 5;
const RETRY_DELAY_MS = 1000;
/** Failures `retrying` may run again (see `failedJob`). */
const retryable = new WeakSet<object>();

/** Why BigQuery fails a request or a job that may succeed when run again. */
const TRANSIENT_REASONS = new Set(['rateLimitExceeded', 'backendError', 'internalError', 'jobBackendError']);

/** A failure worth another attempt: a rate limit, a backend error, a 5xx. */
function isTransient(error: unknown): boolean {
  return apiErrors(error).some(
    ({ code, reasons }) =>
      code === 429 ||
      (typeof code === 'number' && code >= 500 && code < 600) ||
      reasons.some((r) => TRANSIENT_REASONS.has(r)),
  );
}

/**
 * The HTTP code and error reasons of an error and of its causes (a WarehouseError wraps the
 * client's ApiError, whose `errors` list the reasons).
 */
function apiErrors(error: unknown): Array<{ code: number | undefined; reasons: string[] }> {
  const found = [];
  for (const e of causesOf(error)) {
    const { code, errors, reason } = e as {
      code?: number;
      errors?: Array<{ reason?: string }>;
      reason?: string;
    };
    const reasons = [reason, ...(errors ?? []).map((x) => x.reason)].filter((r): r is string => !!r);
    found.push({ code: typeof code === 'number' ? code : undefined, reasons });
  }
  return found;
}

/** An error and the errors it wraps (`cause`), outermost first, four deep at most. */
function* causesOf(error: unknown): Generator<unknown> {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++)
    yield e;
}

/**
 * How far back the platform reads its run log and health history (both partitioned by day): a
 * product last built before then reads as never built.
 */
export const READ_WINDOW_DAYS = 400;

/** A query that failed because a table or dataset it reads does not exist. */
function notFoundIn(error: unknown): boolean {
  return apiErrors(error).some(({ code, reasons }) => code === 404 || reasons.includes('notFound'));
}

/** A column of a table's schema, as the API gives and takes it (the parts the platform sets). */
type Field = { name?: string; description?: string; policyTags?: { names?: string[] } };

/** The role the readers of a product's table hold on it. */
const READER_ROLE = 'roles/bigquery.dataViewer';
/** Labels recording the readers the platform granted on a table (`mesh-reader-<hash of member>`). */
const READER_LABEL = 'mesh-reader-';
const readerLabel = (member: string) =>
  `${READER_LABEL}${createHash('sha256').update(member.toLowerCase()).digest('hex').slice(0, 16)}`;
/** Read-modify-writes of a table's IAM policy, when others change it at the same time. */
const IAM_ATTEMPTS = 5;
const IAM_BACKOFF_MS = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An access entry as a comparable string, whatever the order of its keys. */
const entryKey = (entry: Record<string, string>) => JSON.stringify(Object.entries(entry).sort());

function isNotFound(error: unknown): boolean {
  return (error as { code?: number })?.code === 404;
}

function wrap(error: unknown, code = 'statement-failed', subject = {}): WarehouseError {
  const message = (error as { message?: string })?.message ?? String(error);
  if (isUnreachable(error))
    return new WarehouseError(
      'warehouse-unreachable',
      `BigQuery cannot be reached: ${message}. Check the network, and the Google credentials: GOOGLE_APPLICATION_CREDENTIALS, \`gcloud auth application-default login\`, or the target's keyFilename in mesh.yaml.`,
      subject,
      { cause: error },
    );
  return new WarehouseError(code, message, subject, { cause: error });
}

/**
 * No request can succeed: the host does not resolve or refuses connections, or there are no
 * credentials to sign with. Every product would fail the same way, so callers stop at once.
 */
function isUnreachable(error: unknown): boolean {
  for (const e of causesOf(error)) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ECONNREFUSED') return true;
    if (
      typeof message === 'string' &&
      /Could not load the default credentials|getaddrinfo E(NOTFOUND|AI_AGAIN)/.test(message)
    )
      return true;
  }
  return false;
}

/**
 * The Google BigQuery warehouse: one dataset per domain with labels and access, tables
 * partitioned and clustered as their products say, published through a staging table and an
 * atomic copy.
 *
 * @example
 * const warehouse = await createBigQueryWarehouse({ projectId: 'retail-mesh-prod', location: 'EU' });
 */
export async function createBigQueryWarehouse(
  options: BigQueryWarehouseOptions,
): Promise<Warehouse & CostEstimator & FileIngester> {
  const client =
    options.client ??
    new BigQueryClient({
      projectId: options.projectId,
      location: options.location ?? 'US',
      ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
      ...(options.keyFilename ? { keyFilename: options.keyFilename } : {}),
      ...(options.accessToken ? { authClient: accessTokenAuthClient(options.accessToken) } : {}),
      ...options.clientOptions,
    });
  return new BigQueryWarehouse(client, options);
}

class BigQueryWarehouse implements Warehouse, CostEstimator, FileIngester, LabelledBilling, PartitionStager {
  readonly name = 'bigquery';
  readonly capabilities = CAPABILITIES;
  readonly dialect;
  private readonly location: string;
  private readonly prefix: string;
  private metaReady: Promise<void> | undefined;
  private readonly runLog;
  private readonly batchLog;
  /** Sources and domains made ready by this instance: each is ensured once per process. */
  private readonly ready = new Map<string, Promise<void>>();
  private readonly metaDataset: string;
  /** What the jobs started now are for (see `inScope`). */
  private readonly scopes = new AsyncLocalStorage<JobScope>();

  constructor(
    private readonly client: BigQuery,
    private readonly options: BigQueryWarehouseOptions,
  ) {
    this.location = options.location ?? 'US';
    this.prefix = options.datasetPrefix ?? '';
    this.dialect = bigqueryDialect({ projectId: options.projectId, datasetPrefix: this.prefix });
    this.metaDataset = datasetName(META_DATASET, this.prefix);
    this.runLog = runLogStatements(this.dialect);
    this.batchLog = batchLogStatements(this.dialect);
  }

  private dataset(schema: string): Dataset {
    return this.client.dataset(datasetName(schema, this.prefix), { location: this.location });
  }

  private table(ref: TableRef) {
    return this.dataset(ref.schema).table(ref.name);
  }

  /**
   * Runs `work` in a scope: the jobs it starts carry its labels (`mesh_domain`, `mesh_product`,
   * `mesh_run_id`), its timeout and its name in budget errors.
   */
  inScope<T>(scope: JobScope, work: () => Promise<T>): Promise<T> {
    return this.scopes.run(scope, work);
  }

  /** The labels of a job started now: the warehouse's, then its scope's. */
  private jobLabels(): Record<string, string> {
    const scope = this.scopes.getStore();
    const labels: Record<string, string> = { ...(this.options.labels ?? {}) };
    if (scope) {
      labels.mesh_domain = scope.domain;
      labels.mesh_product = scope.product;
      labels.mesh_run_id = scope.runId;
    }
    return Object.fromEntries(Object.entries(labels).map(([k, v]) => [labelValue(k), labelValue(v)]));
  }

  /** Starts a query job: labelled, with a timeout, capped by `maximumBytesBilled`. */
  private async job(statement: string, extra: Partial<Query> = {}): Promise<Job> {
    const scope = this.scopes.getStore();
    try {
      const [job] = await this.client.createQueryJob({
        query: statement,
        location: this.location,
        useLegacySql: false,
        labels: this.jobLabels(),
        ...(extra.dryRun
          ? {}
          : { jobTimeoutMs: scope?.timeoutMs ?? this.options.jobTimeoutMs ?? DEFAULT_JOB_TIMEOUT_MS }),
        ...(this.options.maximumBytesBilled
          ? { maximumBytesBilled: String(this.options.maximumBytesBilled) }
          : {}),
        ...extra,
      } as Query);
      return job;
    } catch (error) {
      throw wrap(error);
    }
  }

  /**
   * The cap of a job that reads data: its dry run's estimate, refused over the per-job budget
   * (naming the product, the estimate and the budget) before anything runs; else twice the
   * estimate (at least `MIN_BYTES_CAP`: BigQuery bills 10 MB a table read, whatever is read),
   * never above the budget. Statements that read nothing (DDL, scripts) are not dry-run.
   */
  private async capOf(statement: string): Promise<Partial<Query>> {
    // A script (its transaction, DDL) is not dry-run: BigQuery prices single statements.
    if (!READS_DATA.test(statement) || /;\s*\S/.test(statement)) return {};
    // Rows given as VALUES read nothing.
    if (/^\s*INSERT\b/i.test(statement) && !/\bSELECT\b/i.test(statement)) return {};
    const estimate = await this.estimateBytes(statement);
    const budget = this.options.maximumBytesBilled;
    if (budget !== undefined && estimate > budget) {
      const scope = this.scopes.getStore();
      const what = scope ? `${scope.domain}.${scope.product}` : 'a statement';
      throw new WarehouseError(
        'over-budget',
        `${what} would process ${formatBytes(estimate)} (dry run), over the per-job budget of ${formatBytes(budget)} (maximumBytesBilled): nothing was run.`,
        scope ? { domain: scope.domain, product: scope.product } : {},
      );
    }
    const cap = Math.max(MIN_BYTES_CAP, 2 * estimate);
    return { maximumBytesBilled: String(budget === undefined ? cap : Math.min(cap, budget)) };
  }

  /**
   * Runs `attempt` again when it failed for a passing reason (a rate limit, a backend error, a
   * 5xx) and nothing can have been done twice: `retryable` marks those failures (see
   * `failedJob`). Each attempt is a new job, after a doubling delay, a bounded number of times.
   */
  private async retrying<T>(attempt: () => Promise<T>): Promise<T> {
    const attempts = Math.max(1, this.options.retry?.attempts ?? RETRY_ATTEMPTS);
    const delay = this.options.retry?.delayMs ?? RETRY_DELAY_MS;
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (n >= attempts || !retryable.has(error as object)) throw error;
        await sleep(delay * 2 ** (n - 1));
      }
    }
  }

  /**
   * The error of a job that failed, marked retryable only when running it again cannot do its
   * work twice: the job is known to have finished with a passing error (a failed job commits
   * nothing), or it was never started and only reads. A failure to read the result of a job
   * that may still be running is not retried: the job may yet commit.
   */
  private async failedJob(statement: string, job: Job | undefined, error: unknown): Promise<WarehouseError> {
    const wrapped = isMeshError(error) ? (error as WarehouseError) : wrap(error);
    if (!isTransient(error)) return wrapped;
    type Status = { state?: string; errorResult?: { reason?: string } };
    // A job refused when inserted comes back finished with its error (the client throws then);
    // the error itself is wrapped by \`job()\`: its cause holds the response.
    const inserted = (
      (error as { cause?: { response?: { status?: Status } } })?.cause?.response ??
      (error as { response?: { status?: Status } })?.response
    )?.status;
    if (!job && !inserted) {
      if (/^\s*(SELECT|WITH)\b/i.test(statement) && !/;\s*\S/.test(statement)) retryable.add(wrapped);
      return wrapped;
    }
    const [metadata] = job ? await job.getMetadata().catch(() => [undefined]) : [{ status: inserted }];
    const status = (metadata as { status?: Status } | undefined)?.status;
    if (
      status?.state === 'DONE' &&
      status.errorResult &&
      TRANSIENT_REASONS.has(status.errorResult.reason ?? '')
    )
      retryable.add(wrapped);
    return wrapped;
  }

  /** A dry run: it runs nothing, so a passing failure may always be tried again. */
  private async dryRun(statement: string): Promise<Job> {
    try {
      return await this.job(statement, { dryRun: true });
    } catch (error) {
      if (isTransient(error)) retryable.add(error as object);
      throw error;
    }
  }

  /** Runs a statement to completion (dry-run first when it reads data); returns its job's statistics. */
  private async execute(statement: string, extra: Partial<Query> = {}) {
    const cap = extra.dryRun ? {} : await this.capOf(statement);
    return this.retrying(async () => {
      let job: Job | undefined;
      try {
        job = await this.job(statement, { ...cap, ...extra });
        await job.getQueryResults({ maxResults: 0 });
        const [metadata] = await job.getMetadata();
        return metadata as {
          statistics?: { totalBytesProcessed?: string; query?: { totalBytesProcessed?: string } };
        };
      } catch (error) {
        throw await this.failedJob(statement, job, error);
      }
    });
  }

  async ensureDomain(domain: Domain): Promise<void> {
    await this.ensureDataset(domain.name, {
      description: domain.description,
      labels: { domain: labelValue(domain.name), owner: labelValue(domain.owner.team), 'data-mesh': 'true' },
      owners: ownersOf(domain.owner),
    });
  }

  private async ensureDataset(
    schema: string,
    spec: { description: string; labels: Record<string, string>; owners: string[] },
  ): Promise<void> {
    const dataset = this.dataset(schema);
    // The project's owners keep control of what the platform creates; the domain team owns its data.
    const access = [
      { role: 'OWNER', specialGroup: 'projectOwners' },
      ...spec.owners.map((member) => ({ role: 'OWNER', ...accessEntity(member) })),
    ];
    try {
      const [current] = await dataset.getMetadata().catch((error: unknown) => {
        if (isNotFound(error)) return [undefined];
        throw error;
      });
      if (current) {
        // Add what is missing, remove nothing: grants made elsewhere (project readers, other
        // teams' access) are not the platform's to take away. Nothing missing, nothing sent:
        // BigQuery limits how often a dataset's metadata may change, and a build ensures every
        // product's dataset. The etag makes a concurrent change fail (412) rather than be lost.
        const have = (current.access ?? []) as Array<Record<string, string>>;
        const seen = new Set(have.map(entryKey));
        const missing = access.filter((e) => !seen.has(entryKey(e)));
        const labels = (current.labels ?? {}) as Record<string, string>;
        const relabel = Object.entries(spec.labels).some(([k, v]) => labels[k] !== v);
        if (!missing.length && !relabel && current.description === spec.description) return;
        await dataset.setMetadata({
          etag: current.etag,
          description: spec.description,
          labels: { ...labels, ...spec.labels },
          ...(missing.length ? { access: [...have, ...missing] } : {}),
        });
      } else {
        await dataset.create({
          location: this.location,
          description: spec.description,
          labels: spec.labels,
          access,
        });
      }
    } catch (error) {
      if ((error as { code?: number })?.code === 409) return; // created concurrently
      throw wrap(error, 'dataset-failed', { domain: schema });
    }
  }

  async ensureTable(ref: TableRef, layout: TableLayout): Promise<void> {
    await this.execute(createTableStatement(this.dialect, ref, layout, { ifNotExists: true }));
  }

  async replaceTable(ref: TableRef, select: string, layout: TableLayout): Promise<MaterializeResult> {
    const stats = await this.execute(createTableStatement(this.dialect, ref, layout, { select }));
    // Policy tags before anything else: a copy of this table (a staging table's publish) keeps
    // them, so the published PII columns are never without theirs.
    await this.tagPii(ref, layout);
    const [row] = await this.query(`SELECT COUNT(*) AS n FROM ${this.dialect.tableName(ref)}`);
    const readers = this.readersOf(layout);
    if (readers) await this.setReaders(ref, readers, 'grant');
    const bytes = stats.statistics?.query?.totalBytesProcessed ?? stats.statistics?.totalBytesProcessed;
    return { rowCount: Number(row?.n ?? 0), bytesProcessed: bytes === undefined ? undefined : Number(bytes) };
  }

  /**
   * Sets the domain's PII policy tag (`policyTags`) on the table's PII columns, in one PATCH of
   * its schema with the etag, when they lack it. BigQuery's DDL cannot set policy tags.
   */
  private async tagPii(ref: TableRef, layout: TableLayout): Promise<void> {
    const tag = this.options.policyTags?.[ref.schema];
    const pii = new Set(layout.columns.filter((c) => c.pii).map((c) => c.name));
    if (!tag || !pii.size) return;
    const table = this.table(ref);
    try {
      const [metadata] = await table.getMetadata();
      const fields = ((metadata.schema?.fields ?? []) as Field[]).map((f) =>
        f.name && pii.has(f.name) ? { ...f, policyTags: { names: [tag] } } : f,
      );
      if (JSON.stringify(fields) === JSON.stringify(metadata.schema?.fields ?? [])) return;
      await table.setMetadata({ etag: metadata.etag, schema: { ...metadata.schema, fields } });
    } catch (error) {
      throw wrap(error, 'policy-tags-failed', { product: ref.name });
    }
  }

  /** Who reads a table of this layout (its access model and consumers); undefined: not said. */
  private readersOf(layout: TableLayout | undefined): string[] | undefined {
    if (!layout?.access) return undefined;
    return readersOf({ access: layout.access, consumers: layout.consumers ?? [] }, this.options.access ?? {});
  }

  /**
   * Table-level readers (BigQuery datasets cannot tell a public table from a confidential one),
   * read-modify-write with the policy's etag: only the members the platform granted change, each
   * recorded in a table label (`mesh-reader-<hash>`) before it is granted and forgotten after it
   * is revoked; every other binding and member (granted elsewhere) stays. `narrow` only revokes
   * the platform's members `readers` lacks; `grant` also adds those missing. A concurrent policy
   * change (409, or 412 on the labels) makes it read and try again.
   */
  private async setReaders(
    ref: TableRef,
    readers: readonly string[],
    mode: 'narrow' | 'grant',
  ): Promise<void> {
    const table = this.table(ref);
    type Binding = { role?: string; members?: string[]; condition?: unknown };
    for (let attempt = 1; ; attempt++) {
      try {
        const [metadata] = await table.getMetadata();
        const labels = (metadata.labels ?? {}) as Record<string, string>;
        const [policy] = await table.getIamPolicy();
        const bindings = (policy.bindings ?? []) as Binding[];
        const viewer = bindings.find((b) => b.role === READER_ROLE && !b.condition);
        const members = viewer?.members ?? [];
        const managed = members.filter((m) => labels[readerLabel(m)] !== undefined);
        const revoke = managed.filter((m) => !readers.includes(m));
        // A member granted elsewhere already is left to whoever granted it.
        const add = mode === 'grant' ? readers.filter((m) => !members.includes(m)) : [];
        const stale = Object.keys(labels).filter(
          (k) => k.startsWith(READER_LABEL) && !members.some((m) => readerLabel(m) === k),
        );
        if (add.length)
          await table.setMetadata({
            etag: metadata.etag,
            labels: Object.fromEntries(add.map((m) => [readerLabel(m), 'dataviewer'])),
          });
        if (add.length || revoke.length) {
          const next = [...members.filter((m) => !revoke.includes(m)), ...add];
          await table.setIamPolicy({
            etag: policy.etag,
            bindings: [
              ...bindings.filter((b) => b !== viewer),
              ...(next.length ? [{ role: READER_ROLE, members: next }] : []),
            ],
          } as never);
        }
        const forget = [...revoke.map(readerLabel), ...stale];
        // A label set to null is removed (labels merge key by key in a PATCH).
        if (forget.length)
          await table.setMetadata({ labels: Object.fromEntries(forget.map((k) => [k, null])) } as never);
        return;
      } catch (error) {
        const code = (error as { code?: number })?.code;
        if ((code === 409 || code === 412) && attempt < IAM_ATTEMPTS) {
          await sleep(IAM_BACKOFF_MS * 2 ** (attempt - 1));
          continue;
        }
        throw wrap(error, 'grant-failed', { product: ref.name });
      }
    }
  }

  async describeQuery(select: string): Promise<Array<{ name: string; type: string }>> {
    const job = await this.retrying(() => this.dryRun(select));
    const fields =
      (
        job.metadata as {
          statistics?: { query?: { schema?: { fields?: Array<{ name: string; type: string }> } } };
        }
      )?.statistics?.query?.schema?.fields ?? [];
    return fields.map((f) => ({ name: f.name, type: f.type }));
  }

  async estimateBytes(statement: string): Promise<number> {
    const job = await this.retrying(() => this.dryRun(statement));
    const stats = (
      job.metadata as {
        statistics?: { totalBytesProcessed?: string; query?: { totalBytesProcessed?: string } };
      }
    )?.statistics;
    return Number(stats?.query?.totalBytesProcessed ?? stats?.totalBytesProcessed ?? 0);
  }

  async promote(staging: TableRef, target: TableRef, layout?: TableLayout): Promise<PromoteResult> {
    const source = this.table(staging);
    const destination = this.table(target);
    const readers = this.readersOf(layout);
    type Metadata = { labels?: Record<string, string>; description?: string; schema?: { fields?: Field[] } };
    let metadata: Metadata;
    try {
      metadata = (await source.getMetadata())[0] as Metadata;
      const [exists] = await destination.exists();
      // While the rows change, only who may read both the old and the new rows may read: the
      // platform's readers the new version drops lose access before the copy; those it adds
      // are granted after it. Old rows are never shown to new readers, nor new rows to old ones.
      if (exists && readers) await this.setReaders(target, readers, 'narrow');
      // The published PII columns keep the policy tags they have (Terraform's, when mesh.yaml
      // names none): a copy replaces the schema with the staging table's.
      if (exists && layout) await this.keepPolicyTags(staging, target, layout);
      // A copy job with WRITE_TRUNCATE replaces the target atomically: readers see the old
      // rows or the new ones. Copies cost no query bytes.
      await this.copyTable(staging, target);
    } catch (error) {
      throw isMeshError(error) ? error : wrap(error, 'promote-failed', { product: target.name });
    }
    // Published. What follows completes it: a failure is reported, and leaves access narrower,
    // never wider.
    const warnings: string[] = [];
    const said = (what: string) => (error: unknown) => {
      warnings.push(`${target.schema}.${target.name}: ${what}: ${(error as Error)?.message ?? error}`);
    };
    if (readers) await this.setReaders(target, readers, 'grant').catch(said('its readers were not granted'));
    await this.describe(target, metadata, layout).catch(
      said('its labels, descriptions and policy tags were not updated'),
    );
    await source
      .delete()
      .catch(said(`the staging table ${staging.name} was not removed (it expires within a day)`));
    return { warnings };
  }

  /**
   * An incremental build's staging table: a copy of the published table (a copy job, billed
   * nothing; no readers come with it, it expires as staging does), the changed days deleted
   * (a filter on the partitioning column: BigQuery drops whole partitions for nothing) and the
   * rebuilt rows inserted (billed for what the rebuilt days read). The partition filters are
   * literal days, so both statements prune.
   */
  async stagePartitions(
    staging: TableRef,
    published: TableRef,
    partitions: PartitionSelection,
    select: string,
    layout: TableLayout,
  ): Promise<MaterializeResult> {
    await this.copyTable(published, staging, layout.expiresAt);
    const target = this.dialect.tableName(staging);
    const column = layout.columns.find((c) => c.name === partitions.column);
    const id = this.dialect.quoteIdent(partitions.column);
    const days = partitions.days.filter((d): d is string => d !== null);
    const day = column?.type === 'date' ? id : `DATE(${id})`;
    const where = [
      ...(days.length
        ? [`${day} IN (${days.map((d) => `DATE ${this.dialect.literal(d)}`).join(', ')})`]
        : []),
      ...(partitions.days.includes(null) ? [`${id} IS NULL`] : []),
    ].join(' OR ');
    const names = layout.columns.map((c) => this.dialect.quoteIdent(c.name)).join(', ');
    const deleted = await this.execute(`DELETE FROM ${target} WHERE ${where}`);
    const inserted = await this.execute(
      `INSERT INTO ${target} (${names})\nSELECT ${names} FROM (${select}) AS s`,
    );
    await this.tagPii(staging, layout);
    const [row] = await this.query(`SELECT COUNT(*) AS n FROM ${target}`);
    const billed = (stats: typeof deleted) =>
      Number(stats.statistics?.query?.totalBytesProcessed ?? stats.statistics?.totalBytesProcessed ?? 0);
    return { rowCount: Number(row?.n ?? 0), bytesProcessed: billed(deleted) + billed(inserted) };
  }

  /** The policy tags of `target`'s PII columns, given to `staging`'s where it has none. */
  private async keepPolicyTags(staging: TableRef, target: TableRef, layout: TableLayout): Promise<void> {
    const pii = new Set(layout.columns.filter((c) => c.pii).map((c) => c.name));
    if (!pii.size) return;
    const [published] = await this.table(target).getMetadata();
    const tags = new Map(
      ((published.schema?.fields ?? []) as Field[])
        .filter((f) => f.name && pii.has(f.name) && f.policyTags?.names?.length)
        .map((f) => [f.name!, f.policyTags!]),
    );
    if (!tags.size) return;
    const table = this.table(staging);
    const [metadata] = await table.getMetadata();
    const fields = ((metadata.schema?.fields ?? []) as Field[]).map((f) =>
      f.name && tags.has(f.name) && !f.policyTags?.names?.length ? { ...f, policyTags: tags.get(f.name) } : f,
    );
    if (JSON.stringify(fields) === JSON.stringify(metadata.schema?.fields ?? [])) return;
    await table.setMetadata({ etag: metadata.etag, schema: { ...metadata.schema, fields } });
  }

  /**
   * A copy job replacing `target` with `source` (WRITE_TRUNCATE: atomic), labelled and timed out
   * as query jobs are, run again after a passing failure (a copy may be: it replaces the whole).
   */
  private async copyTable(source: TableRef, target: TableRef, expiresAt?: Date): Promise<void> {
    const ref = (t: TableRef) => ({
      projectId: this.options.projectId,
      datasetId: datasetName(t.schema, this.prefix),
      tableId: t.name,
    });
    const scope = this.scopes.getStore();
    await this.retrying(async () => {
      try {
        const [job] = await this.client.createJob({
          location: this.location,
          configuration: {
            copy: {
              sourceTable: ref(source),
              destinationTable: ref(target),
              writeDisposition: 'WRITE_TRUNCATE',
              createDisposition: 'CREATE_IF_NEEDED',
              ...(expiresAt ? { destinationExpirationTime: expiresAt.toISOString() } : {}),
            },
            labels: this.jobLabels(),
            jobTimeoutMs: String(scope?.timeoutMs ?? this.options.jobTimeoutMs ?? DEFAULT_JOB_TIMEOUT_MS),
          },
        });
        await job.promise();
      } catch (error) {
        // A copy replaces the whole target with the same rows: running it twice does no harm.
        const wrapped = wrap(error);
        if (isTransient(error)) retryable.add(wrapped);
        throw wrapped;
      }
    });
  }

  /**
   * Gives a published table the labels, description and column descriptions of its staging
   * table, in one PATCH with the table's etag, only when they differ.
   */
  private async describe(
    ref: TableRef,
    staging: {
      labels?: Record<string, string>;
      description?: string;
      schema?: { fields?: Field[] };
    },
    layout?: TableLayout,
  ): Promise<void> {
    const table = this.table(ref);
    const [current] = await table.getMetadata();
    const labels = (current.labels ?? {}) as Record<string, string>;
    // What the layout says, where it is given (a staging table copied from the published one
    // has neither labels nor description of its own); else the staging table's.
    const wantedLabels = layout?.labels
      ? Object.fromEntries(Object.entries(layout.labels).map(([k, v]) => [labelValue(k), labelValue(v)]))
      : (staging.labels ?? {});
    const description = layout?.description ?? staging.description;
    const relabel = Object.entries(wantedLabels).filter(([k, v]) => labels[k] !== v);
    // The PII columns carry the domain's policy tag (BigQuery's DDL cannot set one).
    const tag = this.options.policyTags?.[ref.schema];
    const pii = new Set(layout?.columns.filter((c) => c.pii).map((c) => c.name) ?? []);
    const fields = (staging.schema?.fields ?? []).map((f) =>
      tag && f.name && pii.has(f.name) ? { ...f, policyTags: { names: [tag] } } : f,
    );
    const described = (list: Field[] | undefined) =>
      JSON.stringify((list ?? []).map((f) => [f.name, f.description ?? null, f.policyTags?.names ?? []]));
    const redescribe = described(current.schema?.fields) !== described(fields);
    if (!relabel.length && current.description === description && !redescribe) return;
    await table.setMetadata({
      etag: current.etag,
      labels: Object.fromEntries(relabel),
      description,
      ...(redescribe ? { schema: { ...staging.schema, fields } } : {}),
    });
  }

  async dropTable(ref: TableRef): Promise<void> {
    try {
      await this.table(ref).delete({ ignoreNotFound: true });
    } catch (error) {
      if (!isNotFound(error)) throw wrap(error);
    }
  }

  async listTables(schema: string): Promise<string[]> {
    try {
      // autoPaginate: every page of the dataset's listing, not the first.
      const [tables] = await this.dataset(schema).getTables({ autoPaginate: true });
      return tables.map((t) => String(t.id));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw wrap(error);
    }
  }

  async query(statement: string): Promise<SqlRow[]> {
    return this.rows(statement);
  }

  private async rows(statement: string, extra: Partial<Query> = {}): Promise<SqlRow[]> {
    const cap = extra.dryRun ? {} : await this.capOf(statement);
    // Every page again on a retry: nothing was handed out before the whole result was read.
    return this.retrying(async () => {
      const rows: SqlRow[] = [];
      for await (const chunk of this.pages(statement, { ...cap, ...extra }, 10_000, false))
        rows.push(...chunk);
      return rows;
    });
  }

  /**
   * Runs statements as one script and returns the rows of its last statement when that is a
   * SELECT, else of its first SELECT: a transaction's result is read before its COMMIT.
   */
  private script(statements: readonly string[]): Promise<SqlRow[]> {
    const key = /^SELECT\b/.test(statements.at(-1) ?? '') ? 'LAST' : 'FIRST_SELECT';
    return this.rows(script(statements), { scriptOptions: { keyResultStatement: key } });
  }

  async *stream(statement: string, options: { chunkSize?: number } = {}): AsyncIterable<SqlRow[]> {
    const cap = await this.capOf(statement);
    yield* this.pages(statement, cap, options.chunkSize ?? 2048, true);
  }

  /**
   * The result of a query, page by page. With `retryFirst`, the job is run again while its
   * first page fails for a passing reason (nothing was handed out yet); later pages of a
   * finished job are read, not recomputed.
   */
  private async *pages(
    statement: string,
    extra: Partial<Query>,
    chunkSize: number,
    retryFirst: boolean,
  ): AsyncIterable<SqlRow[]> {
    const read = async (job: Job, pageToken?: string) => {
      try {
        // Unparsed, then parsed here: the client drops what the API sent once it has parsed it,
        // and its reading of a time before 1970 is wrong (see `exactInstants`).
        const [sent, next, response] = (await job.getQueryResults({
          maxResults: chunkSize,
          autoPaginate: false,
          skipParsing: true,
          ...(pageToken ? { pageToken } : {}),
        })) as unknown as [RawPage['rows'], { pageToken?: string } | null, RawPage | undefined];
        const raw = { schema: response?.schema, rows: sent ?? [] };
        const rows = raw.rows.length
          ? (BigQueryClient.mergeSchemaWithRows_(raw.schema as never, raw.rows, {
              wrapIntegers: true,
            }) as Array<Record<string, unknown>>)
          : [];
        return [rows, next, raw] as const;
      } catch (error) {
        throw wrap(error);
      }
    };
    const start = async () => {
      let job: Job | undefined;
      try {
        job = await this.job(statement, extra);
        return { job, page: await read(job) };
      } catch (error) {
        throw await this.failedJob(statement, job, error);
      }
    };
    let { job, page } = retryFirst ? await this.retrying(start) : await start();
    for (;;) {
      const [rows, next, raw] = page;
      if (rows.length) yield exactInstants(rows.map(canonicalRow), raw);
      if (!next?.pageToken) return;
      page = await read(job, next.pageToken);
    }
  }

  async tableStats(ref: TableRef): Promise<TableStats | undefined> {
    try {
      const [metadata] = await this.table(ref).getMetadata();
      const m = metadata as { numRows?: string; numBytes?: string; lastModifiedTime?: string };
      return {
        rowCount: Number(m.numRows ?? 0),
        bytes: Number(m.numBytes ?? 0),
        lastModified: m.lastModifiedTime ? new Date(Number(m.lastModifiedTime)) : undefined,
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw wrap(error);
    }
  }

  private ensureMeta(): Promise<void> {
    this.metaReady ??= (async () => {
      await this.ensureDataset(META_DATASET, {
        description: META_DESCRIPTION,
        labels: { 'data-mesh': 'true', domain: 'platform' },
        owners: [],
      });
      await this.execute(
        script([
          this.runLog.create,
          this.runLog.migrate,
          this.batchLog.create,
          this.batchLog.migrate,
          tableStatement(this.dialect, PLATFORM_TABLES.healthHistory),
        ]),
      );
    })();
    this.metaReady.catch(() => {
      this.metaReady = undefined;
    });
    return this.metaReady;
  }

  /** Runs `work` once per key for this instance; a failure is forgotten, so the next call retries. */
  private once(key: string, work: () => Promise<void>): Promise<void> {
    let ready = this.ready.get(key);
    if (!ready) {
      ready = work();
      this.ready.set(key, ready);
      ready.catch(() => this.ready.delete(key));
    }
    return ready;
  }

  ensureSource(source: Source): Promise<void> {
    return this.once(`source:${source.id}`, async () => {
      await this.ensureMeta();
      await this.once(`domain:${source.domain.name}`, () => this.ensureDomain(source.domain));
      // Log, rejects and view in one script; IF NOT EXISTS leaves each existing one as it is.
      await this.execute(script(sourceStatements(source, this.dialect)));
      // A view of an older definition (another mode, key or columns) would give wrong current
      // rows: read its query (a read, no metadata write) and replace it only when it differs.
      const query = currentRowsSelect(source, this.dialect);
      const [meta] = await this.dataset(source.table.schema)
        .table(source.table.name)
        .getMetadata()
        .catch((error: unknown) => {
          if (isNotFound(error)) return [undefined];
          throw wrap(error, 'statement-failed', { domain: source.domain.name, source: source.name });
        });
      const current = (meta as { view?: { query?: string } } | undefined)?.view?.query;
      if (current !== undefined && normalizeSql(current) !== normalizeSql(query))
        await this.execute(sourceViewStatement(source, this.dialect, { replace: true }));
    });
  }

  async listBatches(options: { source?: string; includeReverted?: boolean } = {}): Promise<BatchRecord[]> {
    return (await this.readMeta(this.batchLog.list(options))).map(batchRecordOf);
  }

  /**
   * A read of the platform's own tables. It creates nothing (commands that only read need only
   * `bigquery.dataViewer` and `bigquery.jobUser`): before a build or an ingest made them, there
   * is nothing to read, and the answer is no rows.
   */
  private async readMeta(statement: string): Promise<SqlRow[]> {
    try {
      return await this.query(statement);
    } catch (error) {
      // Only the platform's own dataset or tables missing: a wrong location or project fails.
      if (notFoundIn(error) && String((error as Error)?.message).includes(`${this.metaDataset}`)) return [];
      throw error;
    }
  }

  async revertBatch(source: Source, batchId: number): Promise<BatchRecord> {
    await this.ensureMeta();
    const [row] = await this.query(this.batchLog.get(batchId));
    const batch = revertableBatch(row, batchId, source);
    // Its rows, its rejects and its record, together: the rows it superseded are current again.
    await this.execute(script(this.batchLog.revert(batchId, { log: source.log, rejects: source.rejects })));
    const [after] = await this.query(this.batchLog.get(batchId));
    return after ? batchRecordOf(after) : { ...batch, revertedAt: new Date() };
  }

  async writeSampleBatch(
    source: Source,
    select: string,
    description: string,
  ): Promise<{ rowCount: number; batchId: number }> {
    await this.ensureSource(source);
    const live = await this.listBatches({ source: source.id });
    refuseSampleBesideRealRows(source, live);
    const statements = this.batchLog.sample(
      source,
      select,
      description,
      batchAuthor(process.env, () => userInfo().username),
    );
    const [row] = await this.script(statements);
    if (!row) throw new WarehouseError('sample-failed', `${source.id}: the batch log returned no record.`);
    const batch = batchRecordOf(row);
    return { rowCount: batch.loaded, batchId: batch.batchId };
  }

  listFiles(pattern: string): Promise<string[]> {
    return listLocalFiles(pattern);
  }

  ingestFile(source: Source, file: string, options?: IngestOptions): Promise<IngestResult> {
    return ingestFile(
      {
        dialect: this.dialect,
        dataset: (schema) => this.dataset(schema),
        ensureSource: (s) => this.ensureSource(s),
        listBatches: (o) => this.listBatches(o),
        script: (statements) => this.script(statements),
        query: (select) => this.query(select),
      },
      source,
      file,
      options,
    );
  }

  async recordRun(run: BuildRunRecord): Promise<void> {
    await this.ensureMeta();
    await this.execute(this.runLog.insert, {
      params: {
        run_id: run.runId,
        domain: run.domain,
        product: run.product,
        version: run.version,
        status: run.status,
        started_at: run.startedAt,
        finished_at: run.finishedAt,
        row_count: run.rowCount,
        bytes_processed: run.bytesProcessed ?? null,
        completeness: run.completeness ?? null,
        validity: run.validity ?? null,
        checks: JSON.stringify(run.checks),
        error_code: run.error?.code ?? null,
        error_message: run.error?.message ?? null,
        definition: run.definition ?? null,
        source_batches: run.sourceBatches ?? null,
        input_products: run.inputProducts ?? null,
      },
      types: {
        definition: 'STRING',
        source_batches: 'STRING',
        input_products: 'STRING',
        bytes_processed: 'INT64',
        completeness: 'FLOAT64',
        validity: 'FLOAT64',
        error_code: 'STRING',
        error_message: 'STRING',
      },
    });
  }

  async appendHealthHistory(snapshots: readonly HealthSnapshot[]): Promise<void> {
    if (!snapshots.length) return;
    await this.ensureMeta();
    // One DML job per run, whatever the number of products: BigQuery bills and quotas DML per job.
    await this.execute(healthHistoryInsertSql(this.dialect, snapshots));
  }

  async healthHistory(query: HealthHistoryQuery = {}): Promise<HealthSnapshot[]> {
    // The history is partitioned by day: a read names the days it reads.
    const since = query.since ?? new Date(Date.now() - READ_WINDOW_DAYS * 86_400_000);
    return (await this.readMeta(healthHistorySelectSql(this.dialect, { ...query, since }))).map(
      snapshotOfRow,
    );
  }

  async latestRuns(options: { now?: Date } = {}): Promise<LatestRun[]> {
    return (await this.readMeta(this.runLog.latest(options.now))).map(latestRunOf);
  }

  async listRuns({ since }: { since: Date }): Promise<BuildRunRecord[]> {
    return (await this.readMeta(this.runLog.since(since))).map(runRecordOf);
  }

  /**
   * Bytes billed since `since` by the jobs each domain's label (`mesh_domain`) marks, from the
   * region's INFORMATION_SCHEMA.JOBS_BY_PROJECT (its creation_time partitions; a script's child
   * jobs counted, not the script itself, whose bytes are theirs). Undefined when
   * the caller may not list the project's jobs (`bigquery.jobs.listAll`).
   */
  async billedBytesByDomain(since: Date): Promise<Map<string, number> | undefined> {
    const jobs = `\`${this.options.projectId}\`.\`region-${this.location.toLowerCase()}\`.INFORMATION_SCHEMA.JOBS_BY_PROJECT`;
    const domain = `(SELECT value FROM UNNEST(labels) WHERE key = 'mesh_domain')`;
    const statement = `SELECT ${domain} AS domain, SUM(total_bytes_billed) AS bytes
FROM ${jobs}
WHERE creation_time >= ${this.dialect.literal(since)} AND state = 'DONE' AND ${domain} IS NOT NULL
  AND statement_type IS DISTINCT FROM 'SCRIPT'
GROUP BY domain`;
    try {
      const rows = await this.query(statement);
      return new Map(rows.map((r) => [String(r.domain), Number(r.bytes ?? 0)]));
    } catch (error) {
      if (
        (error as { cause?: { code?: number } })?.cause?.code === 403 ||
        /denied|permission/i.test(String((error as Error)?.message))
      )
        return undefined;
      throw error;
    }
  }

  async storageBytes(tables: readonly TableRef[]): Promise<number> {
    let total = 0;
    for (const t of tables) total += (await this.tableStats(t))?.bytes ?? 0;
    return total;
  }

  /** Every BigQuery job is durable when it completes. */
  async checkpoint(): Promise<void> {}

  async close(): Promise<void> {}
}

/**
 * A run's `seq`, read from the row as JSON: a run log of an older release, read by a command
 * that writes nothing (and so never adds the column), has none, and its runs are ordered by
 * time as before rather than failing on an unknown name.
 */
const SEQ_OF_RUN = "SAFE_CAST(JSON_VALUE(TO_JSON_STRING(r), '$.seq') AS INT64)";

/** The statements of the platform's run log, `_mesh.runs`: one row per build or test of a product. */
export function runLogStatements(dialect: Dialect) {
  const runs = dialect.tableName(PLATFORM_TABLES.runs.ref);
  return {
    create: tableStatement(dialect, PLATFORM_TABLES.runs),
    // `seq` is one more than any before: the order in which runs were recorded, which the latest
    // run is read by, whatever the clocks that timed them.
    insert: `INSERT INTO ${runs} (run_id, domain, product, version, status, started_at, finished_at, row_count,
  bytes_processed, completeness, validity, checks, error_code, error_message, definition, source_batches, input_products, seq)
VALUES (@run_id, @domain, @product, @version, @status, @started_at, @finished_at, @row_count,
  @bytes_processed, @completeness, @validity, @checks, @error_code, @error_message, @definition, @source_batches, @input_products,
  (SELECT COALESCE(MAX(seq), 0) + 1 FROM ${runs}))`,
    // A run log of an older release gains the columns added since.
    migrate: `ALTER TABLE ${runs} ADD COLUMN IF NOT EXISTS ${dialect.quoteIdent('definition')} STRING, ADD COLUMN IF NOT EXISTS ${dialect.quoteIdent('source_batches')} STRING, ADD COLUMN IF NOT EXISTS ${dialect.quoteIdent('input_products')} STRING, ADD COLUMN IF NOT EXISTS ${dialect.quoteIdent('seq')} INT64`,
    // Partitioned by day: the latest run of each product within the window the platform reads.
    // A run recorded ahead of the clock (by a clock set ahead) comes after every other, and
    // gives no last publish: it would hide the runs since and make the product look fresh.
    latest: (now?: Date) => {
      // The clock's time, or the one asked for (health at a given time).
      const ahead = `TIMESTAMP_ADD(${now ? dialect.literal(now) : 'CURRENT_TIMESTAMP()'}, INTERVAL 5 MINUTE)`;
      // The run whose rows the table holds is the published one recorded last, by seq alone
      // (no clock's); runs of an older release, without seq, are left out.
      return `SELECT * EXCEPT (newest, published),
  published.run_id AS last_published_run_id, published.started_at AS last_published_run_started_at,
  published.version AS last_published_version, published.definition AS last_published_definition,
  published.source_batches AS last_published_source_batches, published.input_products AS last_published_input_products,
  published.row_count AS last_published_row_count
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY domain, product ORDER BY finished_at > ${ahead} , ${SEQ_OF_RUN} DESC NULLS LAST, finished_at DESC) AS newest,
    MAX(IF(status = 'published' AND finished_at <= ${ahead}, finished_at, NULL)) OVER (PARTITION BY domain, product) AS last_published_at,
    MAX(IF(status = 'published' AND finished_at <= ${ahead}, started_at, NULL)) OVER (PARTITION BY domain, product) AS last_published_started_at,
    FIRST_VALUE(IF(status = 'published' AND ${SEQ_OF_RUN} IS NOT NULL, STRUCT(run_id, started_at, version, definition, source_batches, input_products, row_count), NULL) IGNORE NULLS)
      OVER (PARTITION BY domain, product ORDER BY ${SEQ_OF_RUN} DESC NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS published
  FROM ${runs} AS r
  WHERE finished_at >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL ${READ_WINDOW_DAYS} DAY)
) WHERE newest = 1`;
    },
    since: (since: Date) =>
      `SELECT * FROM ${runs} WHERE finished_at >= ${dialect.literal(since)} ORDER BY finished_at`,
  };
}

/** An IAM member (`group:x@y`, `user:`, `domain:`, `serviceAccount:`) as a dataset access entry. */
export function accessEntity(member: string): Record<string, string> {
  const [kind, id = ''] = member.split(/:(.*)/s);
  switch (kind) {
    case 'group':
      return { groupByEmail: id };
    case 'user':
    case 'serviceAccount':
      return { userByEmail: id };
    case 'domain':
      return { domain: id };
    default:
      return { iamMember: member };
  }
}
