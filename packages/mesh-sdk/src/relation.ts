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

/**
 * The view that keeps a product's previous major published beside the new one: `<table>_v1`
 * for readers of version 1 (see `previousMajorView`).
 */
export function previousMajorTable(table: TableRef, major: number): TableRef {
  return { schema: table.schema, name: `${table.name}_v${major}` };
}

/** The major of a semantic version: 2 for `2.1.0`. */
export function majorOf(version: unknown): number {
  return Number(String(version ?? '0').split('.')[0]);
}
