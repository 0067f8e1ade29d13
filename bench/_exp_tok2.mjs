import { DuckDBInstance } from '/work/main/node_modules/.pnpm/@duckdb+node-api@1.5.6-r.1/node_modules/@duckdb/node-api/lib/index.js';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(`CREATE SCHEMA "order"; CREATE TABLE "order"."my tab" AS SELECT 1 AS x`);
for (const n of [`'"order"."my tab"'`, `'order.my tab'`]) {
  try { const r = await c.runAndReadAll(`SELECT count(*) AS n FROM pragma_storage_info(${n})`); console.log(n, r.getRowObjectsJS()); } catch (e) { console.log(n, e.message); }
}
