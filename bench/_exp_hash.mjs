import { DuckDBInstance } from '/work/main/node_modules/.pnpm/@duckdb+node-api@1.5.6-r.1/node_modules/@duckdb/node-api/lib/index.js';
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(`CREATE TABLE t AS SELECT 'ORD-' || lpad(CAST(i AS VARCHAR), 9, '0') AS order_id, 'C' || (i % 150000) AS customer_id FROM range(1200000) r(i) ORDER BY random()`);
async function t(label, s) { const xs=[]; for (let k=0;k<7;k++){const t0=performance.now(); await c.runAndReadAll(s); xs.push(performance.now()-t0);} xs.sort((a,b)=>a-b); console.log(label.padEnd(30), xs[3].toFixed(1)); }
for (let r=0;r<2;r++){
await t('distinct varchar', 'SELECT count(*) FROM (SELECT DISTINCT order_id FROM t)');
await t('count distinct varchar', 'SELECT count(DISTINCT order_id) FROM t');
await t('distinct hash', 'SELECT count(*) FROM (SELECT DISTINCT hash(order_id) FROM t)');
await t('count distinct hash', 'SELECT count(DISTINCT hash(order_id)) FROM t');
await t('rel probe varchar', `SELECT count(*) FROM t WHERE customer_id NOT IN (SELECT 'C' || i FROM range(150000) r(i))`);
}
