import { describe, expect, it } from 'vitest';
import { StatsMemo, tablesWrittenBy } from './stats-memo.js';

describe('tablesWrittenBy', () => {
  it('names no table for a statement that only reads', () => {
    for (const statement of [
      'SELECT count(*) FROM "order"."order_items"',
      '  -- a comment first\nWITH x AS (SELECT 1) SELECT * FROM x',
      'FROM t',
      'DESCRIBE SELECT 1',
      'PRAGMA database_size',
      'BEGIN TRANSACTION',
      'COMMIT',
      'CHECKPOINT',
      'SET threads = 2',
      `COMMENT ON TABLE "a"."b" IS 'x;y'; COMMENT ON COLUMN "a"."b"."c;" IS 'it''s; fine'`,
      `COPY (SELECT * FROM "a"."b") TO '/dev/null' (FORMAT csv)`,
      `COPY "a"."b" TO 'out.csv'`,
      'CREATE SCHEMA IF NOT EXISTS "order"',
      'CREATE SEQUENCE s',
      'CREATE OR REPLACE MACRO m(x) AS x + 1',
    ])
      expect(tablesWrittenBy(statement), statement).toEqual([]);
  });

  it('names the table each kind of write changes, quoted or not, in lower case', () => {
    const cases: Array<[string, string[]]> = [
      ['INSERT INTO "Order"."Items" VALUES (1)', ['order.items']],
      ['INSERT OR REPLACE INTO a.b SELECT 1', ['a.b']],
      ['DELETE FROM "a"."b" WHERE x = 1', ['a.b']],
      ['UPDATE a.b SET x = 1', ['a.b']],
      ['TRUNCATE TABLE a.b', ['a.b']],
      ['CREATE OR REPLACE TABLE "s"."t" AS SELECT 1', ['s.t']],
      ['CREATE OR REPLACE TEMP TABLE "__mesh_touched_keys" AS SELECT 1', ['temp.__mesh_touched_keys']],
      ['DELETE FROM "café"."crème" WHERE true', ['café.crème']],
      ['EXPLAIN ANALYZE DELETE FROM a.b', ['a.b']],
      ['CREATE TABLE IF NOT EXISTS "_mesh".runs (x INT)', ['_mesh.runs']],
      ['CREATE OR REPLACE VIEW s.v AS SELECT 1', ['s.v']],
      ['DROP TABLE IF EXISTS "s"."t"', ['s.t']],
      ['ALTER TABLE "s"."_staging_t" RENAME TO "t"', ['s._staging_t', 's.t']],
      ['ALTER TABLE s.t ADD COLUMN y INT', ['s.t']],
      [`COPY "s"."t" FROM 'in.csv'`, ['s.t']],
      ['DELETE FROM "we""ird"."na.me"', ['we"ird.na.me']],
      ['DELETE FROM a.b; INSERT INTO c.d SELECT 1', ['a.b', 'c.d']],
    ];
    for (const [statement, keys] of cases) expect(tablesWrittenBy(statement), statement).toEqual(keys);
    expect(tablesWrittenBy('INSERT INTO db.s.t VALUES (1)')).toEqual(['s.t']);
  });

  it('says it cannot tell (everything) for what it does not know', () => {
    for (const statement of [
      'DROP SCHEMA s CASCADE',
      'VACUUM',
      'ATTACH DATABASE x',
      'IMPORT DATABASE x',
      'SELECT 1; DROP SCHEMA s CASCADE',
      'MERGE INTO a.b USING c ON true WHEN MATCHED THEN DELETE',
      'DELETE FROM (SELECT 1)',
      // What the split or the head cannot follow.
      'WITH x AS (SELECT 1) DELETE FROM a.b',
      'WITH x AS (SELECT 1) INSERT INTO a.b SELECT * FROM x',
      "SELECT 'x' -- don't\n; INSERT INTO a.b VALUES (1)",
      "SELECT $$'$$; INSERT INTO a.b VALUES (1)",
      "SELECT E'\\''; DELETE FROM a.b",
      'DELETE FROM t',
      'INSERT INTO café VALUES (1)',
      'USE other',
      'SET schema = other',
    ])
      expect(tablesWrittenBy(statement), statement).toBe('all');
  });
});

describe('StatsMemo', () => {
  const a = { schema: 's', name: 'a' };
  const b = { schema: 's', name: 'b' };
  const stats = (rowCount: number) => ({ rowCount, bytes: 8 * rowCount, lastModified: undefined });
  const main = {};
  const other = {};

  it('keeps stats until a statement writes their table, and only while the estimate matches', () => {
    const memo = new StatsMemo();
    let mark = memo.mark();
    memo.remember(a, stats(3), 3, mark);
    memo.remember(b, stats(4), 4, mark);
    expect(memo.get(a, 3)).toEqual(stats(3));
    expect(memo.get(a, 5)).toBeUndefined();
    memo.before('DELETE FROM "s"."a" WHERE true', main);
    memo.after('DELETE FROM "s"."a" WHERE true', main, true);
    expect(memo.get(a, 3)).toBeUndefined();
    expect(memo.get(b, 4)).toEqual(stats(4));
    memo.before('VACUUM', main);
    expect(memo.get(b, 4)).toBeUndefined();
    // Computed before the write: not kept.
    mark = memo.mark();
    memo.before('UPDATE s.b SET x = 1', main);
    memo.remember(b, stats(4), 4, mark);
    expect(memo.get(b, 4)).toBeUndefined();
  });

  it('keeps nothing computed while a transaction that wrote the table is open, and forgets at its end', () => {
    const memo = new StatsMemo();
    memo.before('BEGIN TRANSACTION', other);
    memo.after('BEGIN TRANSACTION', other, true);
    memo.before('INSERT INTO s.a SELECT 1', other);
    memo.after('INSERT INTO s.a SELECT 1', other, true);
    // Another connection computes a's stats before the commit: its old rows.
    const mark = memo.mark();
    memo.remember(a, stats(3), 3, mark);
    expect(memo.get(a, 3)).toBeUndefined();
    memo.before('COMMIT', other);
    memo.after('COMMIT', other, true);
    memo.remember(a, stats(3), 3, mark);
    expect(memo.get(a, 3)).toBeUndefined();
    const fresh = memo.mark();
    memo.remember(a, stats(4), 4, fresh);
    expect(memo.get(a, 4)).toBeUndefined();
    // Written since the last checkpoint: its size is still an estimate. After one, kept.
    memo.before('CHECKPOINT', main);
    memo.after('CHECKPOINT', main, true);
    memo.remember(a, stats(4), 4, fresh);
    expect(memo.get(a, 4)).toBeUndefined();
    memo.remember(a, stats(4), 4, memo.mark());
    expect(memo.get(a, 4)).toEqual(stats(4));
  });
});
