import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Runs `statements` on the DuckDB file at `path` in a process of its own, one after another,
 * then kills that process (SIGKILL) before it closes the file: what they committed is left in
 * the write-ahead log beside it, for the next open to replay. For tests of what an open does
 * after a crash. Throws unless the process was killed and left its log.
 */
export function runThenKill(path: string, statements: readonly string[]): void {
  const run = statements.map((s) => `await con.run(${JSON.stringify(s)});`).join('\n');
  const killed = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { DuckDBInstance } from '@duckdb/node-api';
       const db = await DuckDBInstance.create(${JSON.stringify(path)});
       const con = await db.connect();
       ${run}
       process.kill(process.pid, 'SIGKILL');`,
    ],
    // Where @duckdb/node-api resolves: this package.
    { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8' },
  );
  if (killed.signal !== 'SIGKILL' || !existsSync(`${path}.wal`))
    throw new Error(
      `the writer was not killed with its log left (${killed.signal ?? killed.status}): ${killed.stderr}`,
    );
}
