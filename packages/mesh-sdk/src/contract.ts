import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { z } from 'zod';
import { ansi } from './ansi-dialect.js';
import type { Check } from './checks.js';
import type { LogicalType } from './columns.js';
import type { DataProduct } from './data-product.js';
import type { Dialect } from './dialect.js';
import { renderSql } from './sql.js';

/**
 * A place a product is published, as ODCS names it: one per deployment target. The SDK knows
 * no vendor; the caller says what each target is.
 */
export type ContractServer =
  | {
      /** The target's name (`local`, `prod`). */
      readonly server: string;
      readonly type: 'duckdb';
      readonly environment?: string;
      /** The database file. */
      readonly path: string;
    }
  | {
      readonly server: string;
      readonly type: 'bigquery';
      readonly environment?: string;
      readonly project: string;
      /** Prepended to each domain's dataset name. */
      readonly datasetPrefix?: string;
    };

export interface ContractOptions {
  readonly servers?: readonly ContractServer[];
  /** Renders the SQL of `expect` and `assert` checks; without it they are named, not quoted. */
  readonly dialect?: Dialect;
}

/** The ODCS logical type of each column type, and the type the published table holds. */
export const LOGICAL_TYPES: Readonly<Record<LogicalType, { logicalType: string; physicalType: string }>> = {
  string: { logicalType: 'string', physicalType: 'string' },
  integer: { logicalType: 'integer', physicalType: 'integer' },
  number: { logicalType: 'number', physicalType: 'double' },
  decimal: { logicalType: 'number', physicalType: 'decimal(38,9)' },
  boolean: { logicalType: 'boolean', physicalType: 'boolean' },
  date: { logicalType: 'date', physicalType: 'date' },
  timestamp: { logicalType: 'timestamp', physicalType: 'timestamp' },
};

/** ODCS dimensions for the platform's: integrity is consistency, validity conformity. */
const DIMENSION: Record<Check['dimension'], string> = {
  uniqueness: 'uniqueness',
  completeness: 'completeness',
  validity: 'conformity',
  integrity: 'consistency',
  volume: 'completeness',
  timeliness: 'timeliness',
};

type Rule = Record<string, unknown>;

/** A check as an ODCS quality rule: a library metric where ODCS has one, else this platform's own. */
function qualityRule(check: Check, product: DataProduct, options: ContractOptions): Rule {
  const common: Rule = {
    name: check.name,
    dimension: DIMENSION[check.dimension],
    severity: check.severity === 'error' ? 'error' : 'warning',
  };
  const library = (metric: string, extra: Rule = {}): Rule => ({
    ...common,
    type: 'library',
    metric,
    ...extra,
    mustBe: 0,
    unit: 'rows',
  });
  const own = (implementation: Rule): Rule => ({
    ...common,
    type: 'custom',
    engine: 'retail-mesh',
    implementation: { kind: check.kind, ...implementation },
  });
  const sqlOf = (render: () => string) => (options.dialect ? { sql: render() } : {});
  switch (check.kind) {
    case 'not_null':
      return library('nullValues');
    case 'unique':
      return library('duplicateValues');
    case 'unique_combination':
      return library('duplicateValues', { arguments: { properties: [...(check.columns ?? [])] } });
    case 'accepted_values':
      return library('invalidValues', { arguments: { validValues: [...(check.values ?? [])] } });
    case 'regex':
      return library('invalidValues', { arguments: { pattern: check.pattern } });
    case 'row_count': {
      const bounds: Rule = {};
      // ODCS wants two different numbers between: one row count exactly is `mustBe`.
      if (check.min !== undefined && check.min === check.max) bounds.mustBe = check.min;
      else if (check.min !== undefined && check.max !== undefined)
        bounds.mustBeBetween = [check.min, check.max];
      else if (check.min !== undefined) bounds.mustBeGreaterOrEqualTo = check.min;
      else if (check.max !== undefined) bounds.mustBeLessOrEqualTo = check.max;
      else bounds.mustBeGreaterOrEqualTo = 0;
      return { ...common, type: 'library', metric: 'rowCount', ...bounds, unit: 'rows' };
    }
    case 'range':
      return own({ column: check.column, min: check.min, max: check.max });
    case 'relationships': {
      const ref = check.reference!;
      return own({ column: check.column, references: `${ref.relation.id}.${ref.column}` });
    }
    case 'freshness':
      return own({ column: check.column, maxAgeSeconds: check.maxAgeSeconds });
    case 'expression':
      return own(sqlOf(() => renderSql(check.expression!, options.dialect!)));
    case 'assertion':
      return own(sqlOf(() => renderSql(check.query!(product), options.dialect!)));
  }
}

/** Whether a check is about one column (ODCS puts it on the property) or the whole table. */
const onColumn = (check: Check) =>
  check.column !== undefined &&
  (check.kind === 'not_null' ||
    check.kind === 'unique' ||
    check.kind === 'accepted_values' ||
    check.kind === 'regex' ||
    check.kind === 'range' ||
    check.kind === 'relationships' ||
    check.kind === 'freshness');

const escapeRegex = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Drops undefined values, which neither YAML nor the schema want. */
function defined<T extends Rule>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The product's contract as an Open Data Contract Standard v3.1.0 document: owner, version,
 * description, schema with types, keys and PII classification, quality rules from its checks,
 * SLAs, access, consumers and a server per deployment target. A plain object, ready for JSON
 * or YAML.
 *
 * @example
 * const doc = odcsContract(inventory, { servers: [{ server: 'local', type: 'duckdb', path: '.mesh/mesh.duckdb' }] });
 */
export function odcsContract(product: DataProduct, options: ContractOptions = {}): Record<string, unknown> {
  const keys = product.columns.filter((c) => c.key).map((c) => c.name);
  // A key with a column that may be NULL (order_daily_sales' store_id, NULL online) is unique
  // as a combination, NULL a value like any other, but no primary key: a client making it one
  // (PRIMARY KEY (...)) would refuse every row with the NULL. Its uniqueness is said by the
  // key's quality rule and the `key` custom property instead.
  const primary = !product.columns.some((c) => c.key && c.nullable);
  const properties = product.columns.map((c) =>
    defined({
      name: c.name,
      physicalName: c.name,
      ...LOGICAL_TYPES[c.type],
      description: c.description,
      required: !c.nullable,
      primaryKey: primary && c.key,
      primaryKeyPosition: primary && c.key ? keys.indexOf(c.name) + 1 : -1,
      classification: c.pii ? 'restricted' : product.access === 'public' ? 'public' : 'internal',
      criticalDataElement: c.key || undefined,
      partitioned: product.partitionBy?.column === c.name || undefined,
      partitionKeyPosition: product.partitionBy?.column === c.name ? 1 : undefined,
      tags: c.pii ? ['pii'] : undefined,
      // An enumeration: ODCS has no list of values for a string, but a pattern (and the list
      // itself as a custom property, for tools that read it).
      logicalTypeOptions:
        c.values && c.type === 'string'
          ? { pattern: `^(${c.values.map(escapeRegex).join('|')})$` }
          : undefined,
      customProperties: c.values ? [{ property: 'enum', value: [...c.values] }] : undefined,
      // Implied checks are the contract's own `required` and enum, not rules of their own.
      quality: product.checks
        .filter((check) => !check.implied && onColumn(check) && check.column === c.name)
        .map((check) => qualityRule(check, product, options)),
    }),
  );
  const sla: Rule[] = [];
  if (product.sla.freshness) {
    const [, amount, unit] = /^(\d+)([a-z]+)$/.exec(product.sla.freshness) ?? [];
    sla.push(
      defined({
        property: 'latency',
        value: amount === undefined ? product.sla.freshness : Number(amount),
        unit,
        element: `${product.name}._processed_at`,
      }),
    );
  }
  sla.push({ property: 'frequency', value: product.refresh });
  if (product.sla.completeness !== undefined)
    sla.push({ property: 'completeness', value: product.sla.completeness, unit: 'ratio' });
  if (product.sla.validity !== undefined)
    sla.push({ property: 'validity', value: product.sla.validity, unit: 'ratio' });
  const servers = (options.servers ?? []).map((s) =>
    defined({
      server: s.server,
      type: s.type,
      environment: s.environment,
      ...(s.type === 'bigquery'
        ? { project: s.project, dataset: `${s.datasetPrefix ?? ''}${product.table.schema}` }
        : { database: s.path, schema: product.table.schema }),
    }),
  );
  const custom = (property: string, value: unknown) => ({ property, value });
  return defined({
    apiVersion: 'v3.1.0',
    kind: 'DataContract',
    id: product.id.replace(/[^A-Za-z0-9_-]/g, '_'),
    name: product.name,
    version: product.version,
    status: 'active',
    domain: product.domain.name,
    tags: product.tags.length ? [...product.tags] : undefined,
    description: defined({
      purpose: product.description,
      usage: product.documentation,
    }),
    schema: [
      defined({
        name: product.name,
        physicalName: `${product.table.schema}.${product.table.name}`,
        physicalType: 'table',
        logicalType: 'object',
        description: product.description,
        properties,
        quality: product.checks
          .filter((c) => !c.implied && !onColumn(c))
          .map((c) => qualityRule(c, product, options)),
      }),
    ],
    servers: servers.length ? servers : undefined,
    team: {
      name: product.owner.team,
      members: [{ username: product.owner.email, role: 'owner' }],
    },
    support: product.owner.supportChannel ? [supportItem(product.owner.supportChannel)] : undefined,
    roles: [
      {
        role: `${product.domain.name}-owners`,
        access: 'write',
        description: `${product.owner.team} publishes ${product.id}.`,
      },
      {
        role: product.access === 'public' ? 'organization' : `${product.id}-consumers`,
        access: 'read',
        description:
          product.access === 'public'
            ? 'Everyone in the organisation reads this public product.'
            : `Restricted to its consumers: ${product.consumers.join(', ') || 'none named'}.`,
      },
    ],
    slaProperties: sla,
    customProperties: [
      custom('tier', product.tier),
      custom('accessModel', product.access),
      custom('consumers', [...product.consumers]),
      custom('materialization', product.materialization),
      // The columns whose combination is unique, in order: the primary key's, or the key that
      // is none because a column of it may be NULL (`mesh contract diff` compares either).
      ...(keys.length ? [custom('key', keys)] : []),
      ...(product.partitionBy ? [custom('partitionBy', { ...product.partitionBy })] : []),
      // The previous major stays published beside this one until then (`<name>_v<major>`).
      ...(product.previousMajor ? [custom('previousMajorUntil', product.previousMajor.until)] : []),
      custom(
        'inputs',
        Object.values(product.inputs).map((r) => r.id),
      ),
      custom('transform', transformFingerprint(product)),
    ],
  });
}

/** Tools ODCS names, told by a URL's host. */
const TOOL_HOSTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/(^|\.)slack\.com$/, 'slack'],
  [/(^|\.)teams\.microsoft\.com$/, 'teams'],
  [/(^|\.)discord\.(com|gg)$/, 'discord'],
  [/^chat\.google\.com$/, 'googlechat'],
];

/**
 * A support channel as ODCS wants it: `url` only when the channel is a URL (ODCS asks for a
 * URL there; `#order-data` is none) and `tool` when it can be told: a `#channel` is Slack's, an
 * address email (its url a `mailto:`), a URL the tool of its host.
 */
function supportItem(channel: string): Rule {
  if (/^#[^\s#]+$/.test(channel)) return { channel, tool: 'slack' };
  if (z.email().safeParse(channel).success) return { channel, url: `mailto:${channel}`, tool: 'email' };
  if (!/^[a-z][a-z0-9+.-]*:/i.test(channel) || !URL.canParse(channel)) return { channel };
  const url = new URL(channel);
  if (url.protocol === 'mailto:') return { channel, url: channel, tool: 'email' };
  const tool = TOOL_HOSTS.find(([host]) => host.test(url.hostname))?.[1];
  return defined({ channel, url: channel, tool });
}

/**
 * A fingerprint of what a product computes: its transform's SQL, rendered in plain ANSI (the
 * same whatever warehouse builds it). Released contracts carry it, so that a release whose SQL
 * changed under the same version is told (`diffContract`): readers pinned to a version would
 * otherwise read other figures under it, with no change to its schema to warn them.
 *
 * @example transformFingerprint(orderDailySales) // 'sha256:3f1c…' (64 hex digits)
 */
export function transformFingerprint(product: DataProduct): string {
  return `sha256:${createHash('sha256').update(renderSql(product.query, ansi)).digest('hex')}`;
}

/** JSON Schema's type and format of each column type. */
const JSON_TYPE: Record<LogicalType, { type: string; format?: string }> = {
  string: { type: 'string' },
  integer: { type: 'integer' },
  number: { type: 'number' },
  decimal: { type: 'number' },
  boolean: { type: 'boolean' },
  date: { type: 'string', format: 'date' },
  timestamp: { type: 'string', format: 'date-time' },
};

/**
 * The product's row as JSON Schema (draft 2020-12), from the zod schema that is the single
 * source of truth for its types. The platform's own metadata (`key`, `pii`, and `type`, which
 * would read as JSON Schema's) is not JSON Schema: each column's type is the one it is
 * published as (a decimal is a number, a timestamp an ISO string), its metadata an annotation.
 * `x-key` marks a column of the key, unique as a combination: no primary key when one of them
 * may be NULL (its `anyOf` says so), as the ODCS contract says by writing no `primaryKey`.
 */
export function jsonSchemaContract(product: DataProduct): Record<string, unknown> {
  const schema = z.toJSONSchema(product.schema, { unrepresentable: 'any', io: 'output' }) as {
    properties?: Record<string, Record<string, unknown>>;
  } & Record<string, unknown>;
  const properties: Record<string, unknown> = {};
  for (const c of product.columns) {
    const {
      key: _key,
      pii: _pii,
      type: _type,
      anyOf: _anyOf,
      format: _format,
      ...rest
    } = schema.properties?.[c.name] ?? {};
    const typed = { ...JSON_TYPE[c.type], ...(c.values ? { enum: [...c.values] } : {}) };
    properties[c.name] = {
      ...rest,
      ...(c.nullable ? { anyOf: [typed, { type: 'null' }] } : typed),
      ...(c.key ? { 'x-key': true } : {}),
      ...(c.pii ? { 'x-pii': true } : {}),
    };
  }
  return {
    ...schema,
    $id: `urn:retail-mesh:${product.id}:${product.version}`,
    title: product.id,
    description: product.description,
    properties,
  };
}

/**
 * Every file a product's contract is written as, by name: `<product>.odcs.yaml` and
 * `<product>.odcs.json` (the same ODCS document) and `<product>.schema.json` (a row).
 */
export function contractFiles(product: DataProduct, options: ContractOptions = {}): Record<string, string> {
  const odcs = odcsContract(product, options);
  return {
    [`${product.name}.odcs.yaml`]: stringify(odcs, { lineWidth: 0 }),
    [`${product.name}.odcs.json`]: `${JSON.stringify(odcs, null, 2)}\n`,
    [`${product.name}.schema.json`]: `${JSON.stringify(jsonSchemaContract(product), null, 2)}\n`,
  };
}
