import type { TableRef, TableStats } from '@retail-mesh/sdk';

/**
 * The tables a statement may change the rows of: their keys (`schema.name`, lower case), `all`
 * when it cannot tell (a statement it does not know, a schema dropped), none for a read. Only the
 * statement's head is read: the adapter writes `"schema"."name"` after the verb, and anything
 * else falls back to `all`, which is always safe.
 */
export function tablesWrittenBy(statement: string): string[] | 'all' {
  // Several statements in one: each is read, unless the text has what the split does not follow
  // (comments, dollar-quoted or escape strings): then it cannot tell.
  if (/;\s*\S/.test(statement) && /--|\/\*|\$|\b[Ee]'/.test(statement)) return 'all';
  // Most statements are one, some of them long (literal rows): those are not split, nor copied.
  const parts = statement.includes(';')
    ? statements(statement).filter((p) => p.replace(/--[^\n]*|\s+/g, '') !== '')
    : [statement];

  if (parts.length > 1) {
    const keys = new Set<string>();
    for (const part of parts) {
      const written = tablesWrittenBy(part);
      if (written === 'all') return 'all';
      for (const key of written) keys.add(key);
    }
    return [...keys];
  }
  const text = statement.replace(/^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)+/, '');
  const head = /^[A-Za-z]+(?:\s+[A-Za-z]+)?/.exec(text)?.[0].toUpperCase().replace(/\s+/g, ' ') ?? '';
  const verb = head.split(' ')[0] ?? '';
  // EXPLAIN ANALYZE runs what it explains.
  if (verb === 'EXPLAIN') return tablesWrittenBy(text.replace(/^EXPLAIN\s+(ANALY[SZ]E\s+)?/i, ''));
  // A CTE may front a write (WITH ... INSERT/DELETE/UPDATE): one that names a write cannot tell.
  if (verb === 'WITH' && /\b(INSERT|DELETE|UPDATE|MERGE|TRUNCATE)\b/i.test(text)) return 'all';
  // Another schema for unqualified names: what those name is not known.
  if (verb === 'USE' || /^SET\s+(schema|search_path)\b/i.test(text)) return 'all';
  if (READS.has(verb) || READS.has(head)) return [];
  // Neither rows nor their sizes move (a schema made, a comment, an index, a sequence).
  if (/^CREATE (SCHEMA|UNIQUE|INDEX|SEQUENCE|MACRO|FUNCTION|TYPE)/i.test(text)) return [];
  if (/^CREATE\s+OR\s+REPLACE\s+(MACRO|FUNCTION|TYPE|SEQUENCE)/i.test(text)) return [];
  if (verb === 'COPY' && /^COPY\s*\(/i.test(text)) return [];
  const target = WRITES.exec(text);
  if (!target) return 'all';
  const first = refAt(text, target[0].length);
  if (!first) return 'all';
  const rest = text.slice(first.end);
  // A table copied to a file is read; copied from one, written.
  if (verb === 'COPY') return /^\s*FROM\b/i.test(rest) ? [first.key] : [];
  // A rename moves the rows to another name of the same schema.
  const renamed = /^\s*RENAME\s+TO\s+/i.exec(rest);
  if (!renamed) return [first.key];
  const to = refAt(text, first.end + renamed[0].length, true);
  return to ? [first.key, `${first.schema}.${to.name}`] : 'all';
}

/** The statements of a text: split at semicolons outside quotes (a literal, a quoted name). */
function statements(text: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === ';') {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

const READS = new Set([
  'SELECT',
  'WITH',
  'FROM',
  'VALUES',
  'TABLE',
  'DESCRIBE',
  'EXPLAIN',
  'SHOW',
  'SUMMARIZE',
  'PRAGMA',
  'CALL',
  'SET',
  'RESET',
  'BEGIN',
  'START',
  'COMMIT',
  'END',
  'ROLLBACK',
  'ABORT',
  'COMMENT',
  'ANALYZE',
  'EXPORT',
  'PREPARE',
  'DEALLOCATE',
  // What was written is forgotten by the write; a checkpoint moves sizes (see `after`).
  'CHECKPOINT',
  'FORCE',
  'INSTALL',
  'LOAD',
]);

/** The verbs that name the table they write, up to the table's name. */
const WRITES =
  /^(?:INSERT\s+(?:OR\s+(?:REPLACE|IGNORE)\s+)?INTO|DELETE\s+FROM|UPDATE|TRUNCATE(?:\s+TABLE)?|CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:TEMP|TEMPORARY)\s+)?(?:TABLE|VIEW)(?:\s+IF\s+NOT\s+EXISTS)?|DROP\s+(?:TABLE|VIEW)(?:\s+IF\s+EXISTS)?|ALTER\s+(?:TABLE|VIEW)(?:\s+IF\s+EXISTS)?|COPY)\s+/i;

const IDENT = /^(?:"((?:[^"]|"")*)"|([\p{L}_][\p{L}\p{N}_$]*))/u;

/** A (possibly qualified) table name at `at`: its key and where it ends. */
function refAt(
  text: string,
  at: number,
  /** A rename's new name: unqualified, in the schema of the table renamed. */
  renaming = false,
): { key: string; schema: string; name: string; end: number } | undefined {
  const parts: string[] = [];
  let i = at;
  for (;;) {
    const m = IDENT.exec(text.slice(i));
    if (!m) return undefined;
    parts.push((m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]!).toLowerCase());
    i += m[0].length;
    if (text[i] !== '.') break;
    i += 1;
  }
  if (parts.length > 3) return undefined;
  const name = parts[parts.length - 1]!;
  // An unqualified name is in whatever schema is current: not known here, but for the
  // adapter's own scratch tables (`__mesh_*`, temporary, never asked about).
  if (parts.length === 1 && !renaming && !name.startsWith('__mesh_')) return undefined;
  const schema = parts.length >= 2 ? parts[parts.length - 2]! : 'temp';
  return { key: `${schema}.${name}`, schema, name, end: i };
}

export const statsKey = (ref: TableRef) => `${ref.schema}.${ref.name}`.toLowerCase();

/** What `StatsMemo.mark` hands back: the state the stats about to be computed belong to. */
export interface StatsMark {
  readonly epoch: number;
  readonly generations: ReadonlyMap<string, number>;
}

/**
 * The stats of tables as last computed, kept while nothing has written them: mesh health over
 * thousands of tables counts and sizes only those written since. Exact because DuckDB lets one
 * process write a database file, and every statement of this one passes `before`: a write
 * forgets the tables it names (everything, when it cannot tell which) before it runs, again when
 * its transaction ends (stats computed inside a transaction that rolls back, or before the
 * commit of another connection's write, are never kept), and the catalog's row estimate, asked
 * anyway, must still match. Stats computed while a table was being written are not kept: each
 * key's generation is compared before and after. Sizes come from blocks after a checkpoint and
 * from an estimate before: a table written since the last CHECKPOINT statement is not kept until
 * one runs (an automatic checkpoint may still make a kept size an estimate, never the rows).
 */
export class StatsMemo {
  private readonly known = new Map<string, { stats: TableStats; estimate: number }>();
  private readonly generations = new Map<string, number>();
  private epoch = 0;
  /** Per connection (any object), the keys written in its open transaction. */
  private readonly open = new Map<object, Set<string> | 'all'>();
  private unflushed = new Set<string>();
  private unflushedAll = false;

  /** Before a statement runs on `connection`. */
  before(statement: string, connection: object): void {
    const written = tablesWrittenBy(statement);
    if (written !== 'all' && !written.length) return;
    this.forget(written);
    const open = this.open.get(connection);
    if (open === 'all' || written === 'all') {
      if (this.open.has(connection)) this.open.set(connection, 'all');
    } else if (open) for (const key of written) open.add(key);
    if (written === 'all') this.unflushedAll = true;
    else for (const key of written) this.unflushed.add(key);
  }

  /** After a statement ran (or failed) on `connection`: transactions opened and ended. */
  after(statement: string, connection: object, ok: boolean): void {
    const verb = /^\s*([A-Za-z]+)/.exec(statement)?.[1]?.toUpperCase();
    if ((verb === 'BEGIN' || verb === 'START') && ok) this.open.set(connection, new Set());
    else if (verb === 'COMMIT' || verb === 'END' || verb === 'ROLLBACK' || verb === 'ABORT') {
      const open = this.open.get(connection);
      this.open.delete(connection);
      if (open) this.forget(open === 'all' ? 'all' : [...open]);
    } else if (verb === 'CHECKPOINT' || /^\s*FORCE\s+CHECKPOINT/i.test(statement)) {
      if (!ok) return;
      // Sizes of what was written before now come from blocks: computed anew, then kept.
      this.forget(this.unflushedAll ? 'all' : [...this.unflushed]);
      this.unflushed = new Set();
      this.unflushedAll = false;
    }
  }

  private forget(keys: readonly string[] | 'all'): void {
    if (keys === 'all') {
      this.epoch += 1;
      this.known.clear();
      return;
    }
    for (const key of keys) {
      this.known.delete(key);
      this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
    }
  }

  /** Taken before computing stats: `remember` keeps them only if nothing wrote since. */
  mark(): StatsMark {
    return { epoch: this.epoch, generations: new Map(this.generations) };
  }

  /** The kept stats of a table whose catalog row estimate is still `estimate`. */
  get(ref: TableRef, estimate: number | undefined): TableStats | undefined {
    const kept = this.known.get(statsKey(ref));
    return kept && kept.estimate === estimate ? { ...kept.stats } : undefined;
  }

  remember(ref: TableRef, stats: TableStats, estimate: number | undefined, mark: StatsMark): void {
    const key = statsKey(ref);
    if (estimate === undefined || mark.epoch !== this.epoch) return;
    if ((mark.generations.get(key) ?? 0) !== (this.generations.get(key) ?? 0)) return;
    if (this.unflushedAll || this.unflushed.has(key)) return;
    // Written in a transaction still open: what was computed may be its uncommitted rows.
    for (const open of this.open.values()) if (open === 'all' || open.has(key)) return;
    this.known.set(key, { stats: { ...stats }, estimate });
  }
}
