import type { BulkCatalog, Warehouse } from './warehouse.js';

/**
 * The tables of each schema: one catalog listing for every schema where the warehouse lists
 * many at once (`listTablesIn`), else one per schema.
 */
export async function tablesIn(
  warehouse: Warehouse,
  wanted: readonly string[],
): Promise<Map<string, Set<string>>> {
  const schemas = new Map<string, Set<string>>();
  const bulk = warehouse as Warehouse & Partial<BulkCatalog>;
  if (wanted.length && typeof bulk.listTablesIn === 'function') {
    const listed = await bulk.listTablesIn(wanted);
    for (const schema of wanted) schemas.set(schema, new Set(listed.get(schema) ?? []));
  } else {
    for (const schema of wanted) schemas.set(schema, new Set(await warehouse.listTables(schema)));
  }
  return schemas;
}
