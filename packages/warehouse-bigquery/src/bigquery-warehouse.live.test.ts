import { describeWarehouseConformance } from '@retail-mesh/warehouse-conformance';
import { createBigQueryWarehouse } from './bigquery-warehouse.js';

// The shared conformance suite on a real BigQuery project. vitest.config.ts only includes this
// file when MESH_BIGQUERY_PROJECT is set; credentials come from the environment as usual
// (GOOGLE_APPLICATION_CREDENTIALS, gcloud's application default, or GOOGLE_OAUTH_ACCESS_TOKEN).
const projectId = process.env.MESH_BIGQUERY_PROJECT!;

describeWarehouseConformance(`bigquery (live, project ${projectId})`, () =>
  createBigQueryWarehouse({
    projectId,
    location: process.env.MESH_BIGQUERY_LOCATION ?? 'US',
    datasetPrefix: process.env.MESH_BIGQUERY_DATASET_PREFIX ?? 'mesh_conformance_',
    accessToken: process.env.GOOGLE_OAUTH_ACCESS_TOKEN,
  }),
);
