// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Terraform references (`${type.name.attr}`) are plain strings here

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bigqueryDialect, META_DESCRIPTION, PLATFORM_TABLES } from '@retail-mesh/bigquery';
import {
  currentRowsSelect,
  defineDataProduct,
  defineDomain,
  defineSource,
  isMeshError,
  type MeshDefinition,
  sql,
  z,
} from '@retail-mesh/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { planTarget, run } from './commands/plan.js';
import { type BigQueryTargetConfig, loadConfig, type MeshConfig, meshConfigSchema } from './config.js';
import type { Io } from './context.js';
import { COMMAND_HELP } from './help.js';
import { loadMesh } from './mesh.js';
import { Progress } from './progress.js';
import {
  AUDIT_SINK,
  auditFilter,
  GOOGLE_PROVIDER_VERSION,
  resourceName,
  terraformFiles,
} from './terraform.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const tmp = mkdtempSync(join(tmpdir(), 'mesh-terraform-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Loose views of the generated documents, for reading them in assertions.
// biome-ignore lint/suspicious/noExplicitAny: generated JSON is read loosely in assertions
type Doc = Record<string, any>;
const resources = (doc: object, type: string): Doc => (doc as Doc).resource[type];
const schemaOf = (table: Doc) => JSON.parse(table.schema) as Array<Record<string, string>>;

const METADATA_SCHEMA = [
  { name: '_domain', type: 'STRING', mode: 'NULLABLE', description: 'Domain that published the row' },
  { name: '_product', type: 'STRING', mode: 'NULLABLE', description: 'Data product that published the row' },
  {
    name: '_version',
    type: 'STRING',
    mode: 'NULLABLE',
    description: 'Version of the data product that published the row',
  },
  {
    name: '_processed_at',
    type: 'TIMESTAMP',
    mode: 'NULLABLE',
    description: 'When the build that published the row ran (UTC)',
  },
];

// A small mesh of two domains: a public, a restricted and a confidential product, one
// partitioned by a date and one by a timestamp, both by month.
const shop = defineDomain({
  name: 'shop',
  description: 'Point of sale: tickets and what was sold.',
  owner: { team: 'Shop Data', email: 'shop-data@acme.example' },
});
const crm = defineDomain({
  name: 'crm',
  description: 'Customers and what we know of them.',
  owner: { team: 'crm-data', email: 'crm-data@acme.example' },
});
const rawSales = defineSource({
  domain: shop,
  name: 'sales',
  description: 'Ticket lines from the tills.',
  mode: 'append',
  schema: z.object({
    sale_id: z.string().describe('Ticket line').meta({ key: true }),
    quantity: z.int().describe('Units sold'),
  }),
});
const rawCustomers = defineSource({
  domain: crm,
  name: 'customers',
  description: 'Customer records from the CRM.',
  mode: 'upsert',
  cursor: 'updated_at',
  schema: z.object({
    customer_id: z.string().describe('Customer').meta({ key: true }),
    updated_at: z.date().describe('Last change in the CRM'),
  }),
});
const sales = defineDataProduct({
  domain: shop,
  name: 'shop_sales',
  version: '2.1.0',
  description: 'Every ticket line sold in a store.',
  tier: 'gold',
  refresh: 'daily',
  access: 'public',
  consumers: ['crm', 'finance'],
  schema: z.object({
    sale_id: z.string().describe('Ticket line identifier').meta({ key: true }),
    quantity: z.int().describe('Units sold'),
    amount: z.number().meta({ type: 'decimal' }).describe('Amount paid'),
    discount_rate: z.number().describe('Share of the list price given away'),
    returned: z.boolean().describe('Returned since'),
    sold_on: z.iso.date().describe('Business day of the sale'),
  }),
  partitionBy: { column: 'sold_on', granularity: 'month' },
  clusterBy: ['sale_id'],
  inputs: { rawSales },
  transform: ({ rawSales }) => sql`SELECT * FROM ${rawSales}`,
});
const customers = defineDataProduct({
  domain: crm,
  name: 'crm_customers',
  version: '1.0.0',
  description: 'One row per customer, with contact details.',
  tier: 'silver',
  refresh: 'hourly',
  access: 'restricted',
  consumers: ['shop.shop_sales', 'marketing'],
  schema: z.object({
    customer_id: z.string().describe('Customer identifier').meta({ key: true }),
    email: z.string().describe('Contact email').meta({ pii: true }),
    updated_at: z.date().describe('Last change in the CRM (UTC)'),
  }),
  partitionBy: { column: 'updated_at', granularity: 'month' },
  clusterBy: ['customer_id', 'email'],
  inputs: { rawCustomers },
  transform: ({ rawCustomers }) => sql`SELECT * FROM ${rawCustomers}`,
});
const scores = defineDataProduct({
  domain: crm,
  name: 'crm_scores',
  version: '0.3.0-beta.1',
  description: `Churn score per customer; see \${docs} for the model.`,
  tier: 'bronze',
  refresh: 'daily',
  access: 'confidential',
  consumers: ['finance'],
  schema: z.object({
    customer_id: z.string().describe('Customer identifier'),
    churn_score: z.number().describe('Probability of churn in %{window}'),
  }),
  inputs: { customers },
  transform: ({ customers }) => sql`SELECT customer_id, 0.5 AS churn_score FROM ${customers}`,
});
const small: MeshDefinition = {
  domains: [shop, crm],
  sources: [rawSales, rawCustomers],
  products: [sales, customers, scores],
};
const smallConfig: MeshConfig = meshConfigSchema.parse({
  targets: {
    local: { type: 'duckdb' },
    staging: { type: 'bigquery', project: 'acme-analytics', location: 'europe-west2', datasetPrefix: 'stg_' },
  },
  access: {
    organizationDomain: 'acme.example',
    consumerGroups: {
      crm: 'crm-analytics@acme.example',
      shop: 'shop-analytics@acme.example',
      finance: 'finance@acme.example',
    },
  },
  audit: { sinkDestination: 'bigquery.googleapis.com/projects/acme-audit/datasets/mesh_audit' },
});
const staging = smallConfig.targets.staging as BigQueryTargetConfig;

describe('terraformFiles for drop zones in Cloud Storage', () => {
  const zoned = (source: { domain: typeof shop; name: string; description: string }, dropZone: string) =>
    defineSource({
      domain: source.domain,
      name: source.name,
      description: source.description,
      mode: 'append',
      dropZone,
      schema: z.object({ id: z.string().describe('Id').meta({ key: true }) }),
    });
  const mesh: MeshDefinition = {
    domains: [shop, crm],
    sources: [zoned(rawSales, 'gs://acme-pos-drops/pos/sales'), zoned(rawCustomers, 'drops/crm/customers')],
    products: [],
  };
  const withBucket = { ...staging, dropZoneBucket: 'acme-stg-drops' };
  /** Every `${type.name...}` a document refers to, and whether the document declares it. */
  const dangling = (doc: Doc) => {
    const declared = new Set([
      ...Object.entries(doc.resource as Doc).flatMap(([type, byName]) =>
        Object.keys(byName as Doc).map((n) => `${type}.${n}`),
      ),
      ...Object.entries((doc.data ?? {}) as Doc).flatMap(([type, byName]) =>
        Object.keys(byName as Doc).map((n) => `data.${type}.${n}`),
      ),
    ]);
    const text = JSON.stringify(doc);
    const refs = [...text.matchAll(/(?<!\$)\$\{((?:data\.)?[a-z_]+\.[A-Za-z0-9_-]+)\./g)].map((m) => m[1]!);
    const dependsOn = Object.values(doc.resource as Doc).flatMap((byName) =>
      Object.values(byName as Doc).flatMap((r) => (r as Doc).depends_on ?? []),
    );
    return [...refs, ...dependsOn].filter((r) => !declared.has(r));
  };

  it('declares only the zones given in Cloud Storage when the target names no bucket', () => {
    const files = terraformFiles(mesh, staging, smallConfig);
    const doc = files['drop-zones.tf.json'] as Doc;
    expect(Object.keys(resources(doc, 'google_storage_notification'))).toEqual(['shop-sales']);
    expect(Object.keys(resources(doc, 'google_storage_bucket'))).toEqual(['drop-acme-pos-drops']);
    expect(terraformFiles({ ...mesh, sources: [mesh.sources[1]!] }, staging, smallConfig)).not.toHaveProperty(
      'drop-zones.tf.json',
    );
  });

  it('puts local zones under the target bucket, told to one topic, each writable by its domain owners only', () => {
    const doc = terraformFiles(mesh, withBucket, smallConfig)['drop-zones.tf.json'] as Doc;
    expect(doc['//']).toMatch(/^Generated by mesh plan --terraform: /);
    expect(dangling(doc)).toEqual([]);
    expect(resources(doc, 'google_storage_bucket')).toEqual({
      'drop-acme-pos-drops': expect.objectContaining({ name: 'acme-pos-drops' }),
      'drop-acme-stg-drops': {
        name: 'acme-stg-drops',
        project: 'acme-analytics',
        location: 'europe-west2',
        uniform_bucket_level_access: true,
        public_access_prevention: 'enforced',
        labels: { 'data-mesh': 'true', purpose: 'drop-zones' },
      },
    });
    expect(resources(doc, 'google_pubsub_topic').drop_zones).toMatchObject({
      name: 'retail-mesh-drop-zones-stg',
    });
    expect(resources(doc, 'google_pubsub_topic_iam_member').drop_zones_storage_publisher).toEqual({
      project: 'acme-analytics',
      topic: '${google_pubsub_topic.drop_zones.name}',
      role: 'roles/pubsub.publisher',
      member: 'serviceAccount:${data.google_storage_project_service_account.storage.email_address}',
    });
    expect(resources(doc, 'google_pubsub_subscription').drop_zones).toMatchObject({
      topic: '${google_pubsub_topic.drop_zones.id}',
      ack_deadline_seconds: 600,
    });
    expect(resources(doc, 'google_storage_notification')).toEqual({
      'crm-customers': {
        bucket: '${google_storage_bucket.drop-acme-stg-drops.name}',
        payload_format: 'JSON_API_V1',
        topic: '${google_pubsub_topic.drop_zones.id}',
        event_types: ['OBJECT_FINALIZE'],
        object_name_prefix: 'drops/crm/customers/',
        custom_attributes: { mesh_source: 'crm.customers' },
        depends_on: ['google_pubsub_topic_iam_member.drop_zones_storage_publisher'],
      },
      'shop-sales': expect.objectContaining({
        bucket: '${google_storage_bucket.drop-acme-pos-drops.name}',
        object_name_prefix: 'pos/sales/',
        custom_attributes: { mesh_source: 'shop.sales' },
      }),
    });
    const writers = resources(doc, 'google_storage_bucket_iam_member');
    expect(Object.values(writers)).toEqual([
      {
        bucket: '${google_storage_bucket.drop-acme-stg-drops.name}',
        role: 'roles/storage.objectCreator',
        member: 'group:crm-data@acme.example',
        condition: {
          title: 'drop zone crm.customers',
          description: 'Write files into the drop zone of crm.customers only.',
          expression:
            'resource.name.startsWith("projects/_/buckets/acme-stg-drops/objects/drops/crm/customers/")',
        },
      },
      expect.objectContaining({
        member: 'group:shop-data@acme.example',
        condition: expect.objectContaining({
          expression: 'resource.name.startsWith("projects/_/buckets/acme-pos-drops/objects/pos/sales/")',
        }),
      }),
    ]);
  });
});

describe('terraformFiles on a hand-made mesh', () => {
  const files = terraformFiles(small, staging, smallConfig);
  const shopFile = files['domain-shop.tf.json']!;
  const crmFile = files['domain-crm.tf.json']!;

  it('writes one file per domain, sorted by name, mesh.tf.json and pii.tf.json', () => {
    expect(Object.keys(files)).toEqual([
      'domain-crm.tf.json',
      'domain-shop.tf.json',
      'mesh.tf.json',
      'pii.tf.json',
    ]);
    expect(Object.keys(crmFile)).toEqual(['//', 'resource']);
    expect((crmFile as Doc)['//']).toMatch(/^Generated by mesh plan --terraform: .* domain crm\./);
    // No grants: mesh build gives a table its readers once its checks passed.
    expect(Object.keys((crmFile as Doc).resource)).toEqual([
      'google_bigquery_dataset',
      'google_bigquery_table',
    ]);
  });

  it('declares each dataset with the prefix, labels and its ownership once, in its access list', () => {
    expect(resources(shopFile, 'google_bigquery_dataset')).toEqual({
      shop: {
        dataset_id: 'stg_shop',
        project: 'acme-analytics',
        location: 'europe-west2',
        description: 'Point of sale: tickets and what was sold.',
        labels: { domain: 'shop', owner: 'shop-data', 'data-mesh': 'true' },
        access: [
          { role: 'OWNER', special_group: 'projectOwners' },
          { role: 'OWNER', group_by_email: 'shop-data@acme.example' },
        ],
      },
    });
    expect(resources(crmFile, 'google_bigquery_dataset').crm).toMatchObject({
      dataset_id: 'stg_crm',
      labels: { domain: 'crm', owner: 'crm-data', 'data-mesh': 'true' },
      access: [
        { role: 'OWNER', special_group: 'projectOwners' },
        { role: 'OWNER', group_by_email: 'crm-data@acme.example' },
      ],
    });
    // No dataOwner iam_member beside the access list: the provider says the two fight.
    for (const file of [shopFile, crmFile])
      expect((file as Doc).resource.google_bigquery_dataset_iam_member).toBeUndefined();
  });

  it('declares a date-partitioned table with every argument, referencing its dataset', () => {
    const table = resources(shopFile, 'google_bigquery_table')['shop-shop_sales'];
    expect(Object.keys(table)).toEqual([
      'dataset_id',
      'table_id',
      'project',
      'description',
      'labels',
      'time_partitioning',
      'clustering',
      'schema',
      'deletion_protection',
    ]);
    expect({ ...table, schema: undefined }).toEqual({
      dataset_id: `\${google_bigquery_dataset.shop.dataset_id}`,
      table_id: 'shop_sales',
      project: 'acme-analytics',
      description: 'Every ticket line sold in a store.',
      labels: { domain: 'shop', product: 'shop_sales', tier: 'gold', version: '2-1-0' },
      time_partitioning: { type: 'MONTH', field: 'sold_on' },
      clustering: ['sale_id'],
      schema: undefined,
      deletion_protection: true,
    });
    expect(schemaOf(table)).toEqual([
      { name: 'sale_id', type: 'STRING', mode: 'NULLABLE', description: 'Ticket line identifier' },
      { name: 'quantity', type: 'INT64', mode: 'NULLABLE', description: 'Units sold' },
      { name: 'amount', type: 'NUMERIC', mode: 'NULLABLE', description: 'Amount paid' },
      {
        name: 'discount_rate',
        type: 'FLOAT64',
        mode: 'NULLABLE',
        description: 'Share of the list price given away',
      },
      { name: 'returned', type: 'BOOL', mode: 'NULLABLE', description: 'Returned since' },
      { name: 'sold_on', type: 'DATE', mode: 'NULLABLE', description: 'Business day of the sale' },
      ...METADATA_SCHEMA,
    ]);
  });

  it('declares a timestamp-partitioned table by month and an unpartitioned one without those arguments', () => {
    const tables = resources(crmFile, 'google_bigquery_table');
    expect(Object.keys(tables)).toEqual([
      'crm-crm_customers',
      'crm-crm_scores',
      'crm-raw_customers_log',
      'crm-raw_customers_rejects',
      'crm-raw_customers',
    ]);
    const customersTable = tables['crm-crm_customers'];
    expect(customersTable.dataset_id).toBe(`\${google_bigquery_dataset.crm.dataset_id}`);
    expect(customersTable.time_partitioning).toEqual({ type: 'MONTH', field: 'updated_at' });
    expect(customersTable.clustering).toEqual(['customer_id', 'email']);
    expect(schemaOf(customersTable).map((c) => [c.name, c.type])).toEqual([
      ['customer_id', 'STRING'],
      ['email', 'STRING'],
      ['updated_at', 'TIMESTAMP'],
      ['_domain', 'STRING'],
      ['_product', 'STRING'],
      ['_version', 'STRING'],
      ['_processed_at', 'TIMESTAMP'],
    ]);
    const scoresTable = tables['crm-crm_scores'];
    expect(Object.keys(scoresTable)).toEqual([
      'dataset_id',
      'table_id',
      'project',
      'description',
      'labels',
      'schema',
      'deletion_protection',
    ]);
    expect(scoresTable.labels).toEqual({
      domain: 'crm',
      product: 'crm_scores',
      tier: 'bronze',
      version: '0-3-0-beta-1',
    });
  });

  it('escapes template sequences in literal strings, including inside the schema JSON', () => {
    const table = resources(crmFile, 'google_bigquery_table')['crm-crm_scores'];
    expect(table.description).toBe(`Churn score per customer; see $\${docs} for the model.`);
    expect(table.schema).toContain('"description":"Probability of churn in %%{window}"');
    // What Terraform reads once it has processed the template escapes is the plain JSON schema.
    const unescaped = (table.schema as string).replace(/\$\$\{/g, `\${`).replace(/%%\{/g, '%{');
    expect(JSON.parse(unescaped)[1]).toEqual({
      name: 'churn_score',
      type: 'FLOAT64',
      mode: 'NULLABLE',
      description: 'Probability of churn in %{window}',
    });
  });

  it("tags PII columns with their domain's policy tag: raw values for the owners, a hash for the readers", () => {
    const pii = files['pii.tf.json'] as Doc;
    expect(pii['//']).toMatch(/^Generated by mesh plan --terraform: policy tags/);
    expect(resources(pii, 'google_data_catalog_taxonomy')).toEqual({
      retail_mesh: {
        project: 'acme-analytics',
        region: 'europe-west2',
        display_name: 'retail-mesh stg data classification',
        description: 'Sensitivity of the columns of the data products.',
        activated_policy_types: ['FINE_GRAINED_ACCESS_CONTROL'],
      },
    });
    expect(resources(pii, 'google_data_catalog_policy_tag')).toEqual({
      pii: expect.objectContaining({
        taxonomy: '${google_data_catalog_taxonomy.retail_mesh.id}',
        display_name: 'PII',
      }),
      'pii-crm': expect.objectContaining({
        parent_policy_tag: '${google_data_catalog_policy_tag.pii.id}',
        display_name: 'PII: crm',
      }),
    });
    // The owner team reads the values; the readers of crm_customers (restricted: the shop
    // group) read them masked.
    expect(Object.values(resources(pii, 'google_data_catalog_policy_tag_iam_member'))).toEqual([
      {
        policy_tag: '${google_data_catalog_policy_tag.pii-crm.name}',
        role: 'roles/datacatalog.categoryFineGrainedReader',
        member: 'group:crm-data@acme.example',
      },
    ]);
    expect(resources(pii, 'google_bigquery_datapolicy_data_policy')).toEqual({
      'mask-crm': {
        project: 'acme-analytics',
        location: 'europe-west2',
        data_policy_id: 'stg_mask_pii_crm',
        policy_tag: '${google_data_catalog_policy_tag.pii-crm.name}',
        data_policy_type: 'DATA_MASKING_POLICY',
        data_masking_policy: { predefined_expression: 'SHA256' },
      },
    });
    expect(Object.values(resources(pii, 'google_bigquery_datapolicy_data_policy_iam_member'))).toEqual([
      {
        project: 'acme-analytics',
        location: 'europe-west2',
        data_policy_id: '${google_bigquery_datapolicy_data_policy.mask-crm.data_policy_id}',
        role: 'roles/bigquerydatapolicy.maskedReader',
        member: 'group:shop-analytics@acme.example',
      },
    ]);
    expect(pii.output.pii_policy_tags.value).toEqual({
      crm: '${google_data_catalog_policy_tag.pii-crm.name}',
    });
    // The identity that builds reads them too (its checks do), when the target names it.
    const built = terraformFiles(
      small,
      { ...staging, builder: 'serviceAccount:mesh@acme-analytics.iam.gserviceaccount.com' },
      smallConfig,
    )['pii.tf.json'] as Doc;
    expect(
      Object.values(resources(built, 'google_data_catalog_policy_tag_iam_member')).map((m: Doc) => m.member),
    ).toEqual(['group:crm-data@acme.example', 'serviceAccount:mesh@acme-analytics.iam.gserviceaccount.com']);
    // The table's email column names the tag (a reference Terraform resolves); others none.
    const customers = resources(crmFile, 'google_bigquery_table')['crm-crm_customers'];
    expect(schemaOf(customers).find((c) => c.name === 'email')).toMatchObject({
      policyTags: { names: ['${google_data_catalog_policy_tag.pii-crm.name}'] },
    });
    expect(
      schemaOf(customers)
        .filter((c) => 'policyTags' in c)
        .map((c) => c.name),
    ).toEqual(['email']);
    const sales = resources(shopFile, 'google_bigquery_table')['shop-shop_sales'];
    expect(schemaOf(sales).some((c) => 'policyTags' in c)).toBe(false);
  });

  it('declares the provider and an audit sink over exactly the prefixed domain datasets', () => {
    expect(files['mesh.tf.json']).toEqual({
      '//': expect.stringMatching(/^Generated by mesh plan --terraform: /),
      terraform: {
        required_providers: { google: { source: 'hashicorp/google', version: GOOGLE_PROVIDER_VERSION } },
      },
      provider: { google: { project: 'acme-analytics', region: 'europe-west2' } },
      resource: {
        google_bigquery_dataset: expect.any(Object),
        google_bigquery_table: expect.any(Object),
        google_logging_project_sink: {
          [AUDIT_SINK]: {
            name: 'retail-mesh-audit-stg',
            project: 'acme-analytics',
            description: "Audit logs of the data mesh's BigQuery datasets: stg_crm, stg_shop.",
            destination: 'bigquery.googleapis.com/projects/acme-audit/datasets/mesh_audit',
            filter:
              'protoPayload.serviceName="bigquery.googleapis.com" AND resource.type="bigquery_dataset" AND resource.labels.dataset_id=("stg_crm" OR "stg_shop")',
            unique_writer_identity: true,
          },
        },
      },
      output: {
        retail_mesh_audit_writer_identity: {
          description: 'Grant this identity write access to the audit sink destination.',
          value: `\${google_logging_project_sink.retail_mesh_audit.writer_identity}`,
        },
      },
    });
  });

  it("declares each source's log and rejects tables, and the view of its current rows over the log", () => {
    const tables = resources(crmFile, 'google_bigquery_table');
    const log = tables['crm-raw_customers_log'];
    expect({ ...log, schema: undefined }).toEqual({
      dataset_id: `\${google_bigquery_dataset.crm.dataset_id}`,
      table_id: 'raw_customers_log',
      project: 'acme-analytics',
      description:
        'Every batch loaded into crm.customers, append-only (mesh ingest --list); its current rows are raw_customers.',
      clustering: ['_batch_id'],
      schema: undefined,
      deletion_protection: true,
    });
    expect(schemaOf(log)).toEqual([
      { name: 'customer_id', type: 'STRING', mode: 'NULLABLE', description: 'Customer' },
      { name: 'updated_at', type: 'TIMESTAMP', mode: 'NULLABLE', description: 'Last change in the CRM' },
      {
        name: '_batch_id',
        type: 'INT64',
        mode: 'REQUIRED',
        description: 'Batch the row was loaded in (mesh ingest --list)',
      },
      {
        name: '_line',
        type: 'INT64',
        mode: 'NULLABLE',
        description: "Physical line of the row in its batch's file (row number for Parquet)",
      },
    ]);
    const rejects = tables['crm-raw_customers_rejects'];
    expect(rejects).toMatchObject({ table_id: 'raw_customers_rejects', clustering: ['_batch_id'] });
    expect(schemaOf(rejects).map((c) => [c.name, c.type, c.mode])).toEqual([
      ['_batch_id', 'INT64', 'REQUIRED'],
      ['file', 'STRING', 'REQUIRED'],
      ['line', 'INT64', 'REQUIRED'],
      ['reason', 'STRING', 'REQUIRED'],
      ['record', 'STRING', 'NULLABLE'],
    ]);
    // The view reads the prefixed dataset's log: the newest row per key by cursor, batch and line.
    expect(tables['crm-raw_customers']).toEqual({
      dataset_id: `\${google_bigquery_dataset.crm.dataset_id}`,
      table_id: 'raw_customers',
      project: 'acme-analytics',
      description: 'Customer records from the CRM.',
      view: {
        query: currentRowsSelect(
          rawCustomers,
          bigqueryDialect({ projectId: 'acme-analytics', datasetPrefix: 'stg_' }),
        ),
        use_legacy_sql: false,
      },
      deletion_protection: false,
      depends_on: ['google_bigquery_table.crm-raw_customers_log'],
    });
    expect(tables['crm-raw_customers'].view.query).toBe(
      'SELECT `customer_id`, `updated_at` FROM (SELECT `customer_id`, `updated_at`, ROW_NUMBER() OVER (PARTITION BY `customer_id` ORDER BY `updated_at` DESC NULLS LAST, `_batch_id` DESC, `_line` DESC NULLS LAST) AS `_version_rank` FROM `acme-analytics`.`stg_crm`.`raw_customers_log`) AS `l` WHERE `_version_rank` = 1',
    );
  });

  it('declares the platform dataset with the run log, the batch log and the health history, as the adapter creates them', () => {
    const mesh = files['mesh.tf.json'] as Doc;
    expect(resources(mesh, 'google_bigquery_dataset')).toEqual({
      _mesh: {
        dataset_id: 'stg__mesh',
        project: 'acme-analytics',
        location: 'europe-west2',
        description: META_DESCRIPTION,
        labels: { 'data-mesh': 'true', domain: 'platform' },
        access: [{ role: 'OWNER', special_group: 'projectOwners' }],
        lifecycle: { ignore_changes: ['access'] },
      },
    });
    const tables = resources(mesh, 'google_bigquery_table');
    expect(Object.keys(tables)).toEqual(['_mesh-runs', '_mesh-batches', '_mesh-health_history']);
    expect(tables['_mesh-health_history']).toMatchObject({
      table_id: 'health_history',
      time_partitioning: { type: 'DAY', field: 'at' },
      clustering: ['product'],
    });
    expect({ ...tables['_mesh-runs'], schema: undefined }).toEqual({
      dataset_id: `\${google_bigquery_dataset._mesh.dataset_id}`,
      table_id: 'runs',
      project: 'acme-analytics',
      description: PLATFORM_TABLES.runs.layout.description,
      time_partitioning: { type: 'DAY', field: 'finished_at' },
      clustering: ['domain', 'product'],
      schema: undefined,
      deletion_protection: true,
    });
    expect(schemaOf(tables['_mesh-batches'])).toEqual(
      PLATFORM_TABLES.batches.layout.columns.map((c) => ({
        name: c.name,
        type: { string: 'STRING', integer: 'INT64', timestamp: 'TIMESTAMP' }[c.type as string],
        mode: c.name === 'reverted_at' || c.name === 'flag' ? 'NULLABLE' : 'REQUIRED',
        description: c.description,
      })),
    );
    expect(schemaOf(tables['_mesh-batches']).map((c) => c.name)).toEqual([
      'batch_id',
      'source',
      'kind',
      'file',
      'sha256',
      'mapping',
      'rows',
      'loaded',
      'rejected',
      'ingested_at',
      'ingested_by',
      'reverted_at',
      'flag',
    ]);
    expect(tables['_mesh-batches'].clustering).toEqual(['source']);
  });

  it('gives valid, unique Terraform names to every resource', () => {
    const seen = new Set<string>();
    for (const file of Object.values(files)) {
      for (const [type, byName] of Object.entries((file as Doc).resource)) {
        for (const name of Object.keys(byName as Doc)) {
          expect(name).toMatch(/^[A-Za-z_][A-Za-z0-9_-]*$/);
          expect(seen.has(`${type}.${name}`)).toBe(false);
          seen.add(`${type}.${name}`);
        }
      }
    }
    expect(resourceName('9lives', 'a.b@c')).toBe('_9lives-a_b_c');
  });

  it('is deterministic whatever the order of the definitions', () => {
    const again = terraformFiles(
      { domains: [crm, shop], sources: [rawCustomers, rawSales], products: [scores, customers, sales] },
      staging,
      smallConfig,
    );
    expect(JSON.stringify(again)).toBe(JSON.stringify(files));
    expect(JSON.stringify(terraformFiles(small, staging, smallConfig))).toBe(JSON.stringify(files));
  });

  it('leaves views to mesh build', () => {
    const view = defineDataProduct({
      domain: shop,
      name: 'shop_sales_view',
      version: '1.0.0',
      description: 'Ticket lines, as a view.',
      tier: 'bronze',
      refresh: 'daily',
      access: 'public',
      consumers: ['crm'],
      materialization: 'view',
      schema: z.object({ sale_id: z.string().describe('Ticket line identifier') }),
      inputs: { sales },
      transform: ({ sales }) => sql`SELECT sale_id FROM ${sales}`,
    });
    const withView = terraformFiles({ ...small, products: [...small.products, view] }, staging, smallConfig);
    expect(JSON.stringify(withView)).toBe(JSON.stringify(files));
  });

  it('fails with a usage error naming audit.sinkDestination when mesh.yaml has none', () => {
    const config = { ...smallConfig, audit: {} };
    let error: unknown;
    try {
      terraformFiles(small, staging, config);
    } catch (e) {
      error = e;
    }
    expect(isMeshError(error)).toBe(true);
    expect(error).toMatchObject({
      kind: 'usage',
      code: 'missing-config',
      subject: { key: 'audit.sinkDestination' },
    });
    expect((error as Error).message).toContain('audit.sinkDestination');
  });

  it('quotes dataset names in the audit filter', () => {
    expect(auditFilter(['a'])).toBe(
      'protoPayload.serviceName="bigquery.googleapis.com" AND resource.type="bigquery_dataset" AND resource.labels.dataset_id=("a")',
    );
  });
});

const realMesh = await loadMesh();

describe('terraformFiles on the real mesh and mesh.yaml', () => {
  const { config } = loadConfig(undefined, ROOT);
  const mesh = realMesh;
  const { name, target } = planTarget(config, undefined);
  const files = terraformFiles(mesh, target, config);

  it('plans the prod target of mesh.yaml', () => {
    expect(name).toBe('prod');
    expect(Object.keys(files)).toEqual([
      ...mesh.domains.map((d) => `domain-${d.name}.tf.json`).sort(),
      'mesh.tf.json',
      'drop-zones.tf.json',
      'pii.tf.json',
    ]);
    // The real-time sources' zones, in the bucket mesh.yaml names for prod.
    expect(resources(files['drop-zones.tf.json']!, 'google_storage_notification')).toEqual({
      'order-orders': expect.objectContaining({ object_name_prefix: 'drops/order/orders/' }),
      'store-receipts': expect.objectContaining({ object_name_prefix: 'drops/store/receipts/' }),
    });
  });

  it('declares every domain dataset and every product table with its published schema', () => {
    for (const domain of mesh.domains) {
      const file = files[`domain-${domain.name}.tf.json`]!;
      expect(resources(file, 'google_bigquery_dataset')[domain.name]).toMatchObject({
        dataset_id: `${target.datasetPrefix}${domain.name}`,
        project: 'retail-mesh-prod',
        location: 'EU',
        access: [
          { role: 'OWNER', special_group: 'projectOwners' },
          { role: 'OWNER', group_by_email: domain.owner.email },
        ],
      });
      const products = mesh.products.filter((p) => p.domain === domain);
      const sources = mesh.sources.filter((s) => s.domain === domain);
      const tables = resources(file, 'google_bigquery_table');
      expect(Object.keys(tables)).toEqual([
        ...products.map((p) => `${domain.name}-${p.name}`).sort(),
        ...sources
          .map((s) => s.name)
          .sort()
          .flatMap((name) => ['_log', '_rejects', ''].map((suffix) => `${domain.name}-raw_${name}${suffix}`)),
      ]);
      for (const source of sources)
        expect(tables[`${domain.name}-${source.table.name}`].view.query).toContain(
          `\`retail-mesh-prod\`.\`${target.datasetPrefix}${domain.name}\`.\`${source.log.name}\``,
        );
      for (const product of products) {
        const table = tables[`${domain.name}-${product.name}`];
        expect(table.dataset_id).toBe(`\${google_bigquery_dataset.${domain.name}.dataset_id}`);
        expect(table.table_id).toBe(product.name);
        expect(schemaOf(table).map((c) => c.name)).toEqual(product.publishedColumns.map((c) => c.name));
        expect(schemaOf(table).slice(-4)).toEqual(METADATA_SCHEMA);
        expect(schemaOf(table).every((c) => c.mode === 'NULLABLE' && c.description)).toBe(true);
      }
    }
  });

  it('grants what mesh plan --help says: dataset owners only, no readers', () => {
    const access = mesh.domains.flatMap((d) =>
      Object.values(resources(files[`domain-${d.name}.tf.json`]!, 'google_bigquery_dataset')).flatMap(
        (dataset: Doc) => dataset.access as Doc[],
      ),
    );
    expect(new Set(access.map((a) => a.role))).toEqual(new Set(['OWNER']));
    const iam = Object.values(files).flatMap((file) =>
      Object.keys((file as Doc).resource ?? {}).filter((type) =>
        /^google_bigquery_(dataset|table)_iam/.test(type),
      ),
    );
    expect(iam).toEqual([]);
    const help = COMMAND_HELP.plan!.replace(/\s+/g, ' ');
    expect(help).toContain('their owners as OWNER entries');
    expect(help).not.toMatch(/dataViewer|dataOwner|IAM member/);
  });

  it('partitions and clusters product_inventory as its definition says', () => {
    const table = resources(files['domain-product.tf.json']!, 'google_bigquery_table')[
      'product-product_inventory'
    ];
    expect(table.time_partitioning).toEqual({ type: 'DAY', field: 'last_updated' });
    expect(table.clustering).toEqual(['category', 'brand', 'stock_status']);
    expect(table.labels).toEqual({
      domain: 'product',
      product: 'product_inventory',
      tier: 'gold',
      // Its version as a label may hold: dots written as dashes.
      version: mesh.products.find((p) => p.id === 'product.product_inventory')!.version.replaceAll('.', '-'),
    });
    expect(table.labels.version).toMatch(/^\d+-\d+-\d+$/);
    expect(schemaOf(table).find((c) => c.name === 'stock')).toMatchObject({ type: 'INT64' });
    expect(schemaOf(table).find((c) => c.name === 'margin')).toMatchObject({ type: 'NUMERIC' });
  });

  it("masks the customer domain's PII for the readers of its products, and lets its owners read it", () => {
    const pii = files['pii.tf.json'] as Doc;
    expect(Object.keys(resources(pii, 'google_data_catalog_policy_tag')).sort()).toEqual(
      ['pii', 'pii-customer', 'pii-store'].sort(),
    );
    const masked = Object.values(resources(pii, 'google_bigquery_datapolicy_data_policy_iam_member'))
      .filter((m: Doc) => m.data_policy_id.includes('mask-customer'))
      .map((m: Doc) => m.member);
    expect(masked).toContain('group:marketing-analytics@retail.example');
    // A source's PII is tagged in its log, and in its rejects (a rejected row is kept whole).
    const storeTables = resources(files['domain-store.tf.json']!, 'google_bigquery_table');
    expect(
      schemaOf(storeTables['store-raw_staff_log'])
        .filter((c) => 'policyTags' in c)
        .map((c) => c.name),
    ).toEqual(['first_name', 'last_name']);
    expect(schemaOf(storeTables['store-raw_staff_rejects']).find((c) => c.name === 'record')).toMatchObject({
      policyTags: { names: ['${google_data_catalog_policy_tag.pii-store.name}'] },
    });
    // The CRM's export names its customers as the profile does: tagged where it lands.
    const customerTables = resources(files['domain-customer.tf.json']!, 'google_bigquery_table');
    expect(
      schemaOf(customerTables['customer-raw_customers_log'])
        .filter((c) => 'policyTags' in c)
        .map((c) => c.name),
    ).toEqual(['first_name', 'last_name', 'email', 'phone']);
    expect(
      schemaOf(customerTables['customer-raw_customers_rejects']).find((c) => c.name === 'record'),
    ).toMatchObject({ policyTags: { names: ['${google_data_catalog_policy_tag.pii-customer.name}'] } });
    const profile = customerTables['customer-customer_profile'];
    expect(
      schemaOf(profile)
        .filter((c) => 'policyTags' in c)
        .map((c) => c.name),
    ).toEqual(['full_name', 'email']);
  });

  it('tags every column named for who a row is about (a name, email, phone, address, birth date) as PII', () => {
    // A store's or campaign's `name` is no person's; a person's name is first, last or full.
    const personal = /^(first|last|full|given|family)_name$|email|phone|address|street|postcode|birth/;
    const untagged = [...realMesh.sources, ...realMesh.products].flatMap((r) =>
      r.columns.filter((c) => personal.test(c.name) && !c.pii).map((c) => `${r.id}.${c.name}`),
    );
    expect(untagged).toEqual([]);
  });

  it('routes the audit logs of exactly the domain datasets to audit.sinkDestination', () => {
    const sink = resources(files['mesh.tf.json']!, 'google_logging_project_sink')[AUDIT_SINK];
    expect(sink.destination).toBe('storage.googleapis.com/retail-mesh-audit-logs');
    expect(sink.filter).toBe(
      `protoPayload.serviceName="bigquery.googleapis.com" AND resource.type="bigquery_dataset" AND resource.labels.dataset_id=(${mesh.domains
        .map((d) => `"${d.name}"`)
        .sort()
        .join(' OR ')})`,
    );
    // EU is a multi-region, not a Compute region.
    expect((files['mesh.tf.json'] as Doc).provider).toEqual({ google: { project: 'retail-mesh-prod' } });
  });
});

describe('mesh plan --terraform', () => {
  const config = join(ROOT, 'mesh.yaml');
  function io() {
    const out: string[] = [];
    const err: string[] = [];
    const sink: Io = { out: (t) => out.push(t), err: (t) => err.push(t), progress: new Progress(false) };
    return { sink, out, err };
  }

  it('writes the files, replaces its own stale files, keeps others, and reports counts as JSON', async () => {
    const dir = join(tmp, 'infra');
    await run({ terraform: dir, config, json: true }, [], io().sink);
    writeFileSync(
      join(dir, 'domain-gone.tf.json'),
      JSON.stringify({ '//': 'Generated by mesh plan --terraform: old' }),
    );
    writeFileSync(join(dir, 'backend.tf.json'), JSON.stringify({ terraform: { backend: { gcs: {} } } }));
    const before = readFileSync(join(dir, 'mesh.tf.json'), 'utf8');
    const { sink, out } = io();
    expect(await run({ terraform: dir, config, json: true }, [], sink)).toBe(0);
    expect(readFileSync(join(dir, 'mesh.tf.json'), 'utf8')).toBe(before);
    expect(existsSync(join(dir, 'domain-gone.tf.json'))).toBe(false);
    const expected = terraformFiles(
      await loadMesh(),
      planTarget(loadConfig(config).config, 'prod').target,
      loadConfig(config).config,
    );
    const counts = (doc: object) =>
      Object.fromEntries(
        Object.entries((doc as Doc).resource).map(([type, byName]) => [
          type,
          Object.keys(byName as object).length,
        ]),
      );
    expect(readdirSync(dir).sort()).toEqual(['backend.tf.json', ...Object.keys(expected)].sort());
    expect(Object.keys(expected)).toEqual([
      'domain-customer.tf.json',
      'domain-marketing.tf.json',
      'domain-order.tf.json',
      'domain-product.tf.json',
      'domain-store.tf.json',
      'mesh.tf.json',
      'drop-zones.tf.json',
      'pii.tf.json',
    ]);
    expect(JSON.parse(out.join('\n'))).toEqual({
      dir,
      target: 'prod',
      files: Object.entries(expected).map(([file, doc]) => ({ file, resources: counts(doc) })),
      removed: ['domain-gone.tf.json'],
    });
    // The product domain: one dataset (its owners in its access list), four product tables and
    // three tables per source (log, rejects, view); no grants (mesh build makes them).
    const productSources = (await loadMesh()).sources.filter((s) => s.domain.name === 'product');
    expect(counts(expected['domain-product.tf.json']!)).toEqual({
      google_bigquery_dataset: 1,
      google_bigquery_table: 4 + 3 * productSources.length,
    });
    expect(counts(expected['mesh.tf.json']!)).toEqual({
      google_logging_project_sink: 1,
      google_bigquery_dataset: 1,
      google_bigquery_table: 3,
    });
    const written = JSON.parse(readFileSync(join(dir, 'domain-product.tf.json'), 'utf8'));
    expect(written).toEqual(
      terraformFiles(
        await loadMesh(),
        planTarget(loadConfig(config).config, 'prod').target,
        loadConfig(config).config,
      )['domain-product.tf.json'],
    );
  });

  it('prints a table of files and resource counts', async () => {
    const { sink, out } = io();
    expect(await run({ terraform: join(tmp, 'text'), config }, [], sink)).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/domain-product\.tf\.json\s+google_bigquery_dataset\s+1/);
    expect(text).toMatch(/google_logging_project_sink\s+1/);
    expect(text).toMatch(/drop-zones\.tf\.json\s+google_storage_bucket\s+1/);
    expect(text).toMatch(/google_storage_notification\s+2/);
    expect(text).toMatch(/wrote 8 files \(\d+ resources\) for target prod/);
  });

  it('requires --terraform <dir>', async () => {
    await expect(run({ config }, [], io().sink)).rejects.toMatchObject({
      kind: 'usage',
      code: 'bad-arguments',
    });
  });

  it('refuses a target that is not BigQuery and names it', async () => {
    await expect(
      run({ terraform: join(tmp, 'x'), config, target: 'local' }, [], io().sink),
    ).rejects.toMatchObject({
      kind: 'usage',
      code: 'bad-arguments',
      message: expect.stringContaining('target local is duckdb'),
    });
    await expect(
      run({ terraform: join(tmp, 'x'), config, target: 'nope' }, [], io().sink),
    ).rejects.toMatchObject({
      code: 'unknown-target',
    });
  });

  it('needs a BigQuery target in mesh.yaml when none is named', () => {
    const onlyLocal = meshConfigSchema.parse({ targets: { local: { type: 'duckdb' } } });
    expect(() => planTarget(onlyLocal, undefined)).toThrow(
      expect.objectContaining({ code: 'no-bigquery-target' }),
    );
    expect(planTarget(smallConfig, undefined)).toEqual({ name: 'staging', target: staging });
  });
});
