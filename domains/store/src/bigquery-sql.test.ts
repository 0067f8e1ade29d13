import { describeDomainOnBigQuery } from '@retail-mesh/bigquery/testing';
import * as pkg from './index.js';

// Every statement a BigQuery build runs, through Google's own analyzer with a catalog made
// from the zod schemas: unknown functions, wrong argument types and unknown columns fail here.
describeDomainOnBigQuery(pkg);
