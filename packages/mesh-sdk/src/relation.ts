import type { DataProduct } from './data-product.js';
import type { Source } from './source.js';

/** Where a relation lives: a schema (DuckDB) or dataset (BigQuery) and a table in it. */
export interface TableRef {
  readonly schema: string;
  readonly name: string;
}

/** Anything a transform reads from: a domain's raw source or a published data product. */
// biome-ignore lint/suspicious/noExplicitAny: a relation of any schema
export type Relation = Source<any> | DataProduct<any, any>;

export function relationId(relation: Relation): string {
  return `${relation.domain.name}.${relation.name}`;
}
