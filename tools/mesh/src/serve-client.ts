import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandContext } from './context.js';
import { findConfigFile } from './discovery.js';

/** What a running `mesh serve` leaves beside its DuckDB file, for commands to find it. */
export interface ServeRecord {
  readonly pid: number;
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The warehouse it holds (`warehouseIdentity`). */
  readonly warehouse: string;
  /** Commands through it present this; the file is readable by its owner only. */
  readonly token: string;
  readonly startedAt: string;
}

/**
 * Where a server on this target says it runs: beside the DuckDB file (`.mesh/mesh.duckdb.serve.json`
 * for the default target). DuckDB lets one process hold a file; BigQuery has no such limit,
 * so only DuckDB targets have one.
 */
export function serveFileOf(context: CommandContext): string | undefined {
  const { target } = context;
  if (target.type !== 'duckdb' || target.path === ':memory:') return undefined;
  return `${resolve(target.path)}.serve.json`;
}

/** Whether a process is alive (one of another user's counts). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The server running on this target, if any; a file left by one that died is removed. */
export function runningServer(context: CommandContext): ServeRecord | undefined {
  const file = serveFileOf(context);
  if (!file || !existsSync(file)) return undefined;
  let record: ServeRecord;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as ServeRecord;
  } catch {
    return undefined; // Being written, or not ours: the command runs on its own.
  }
  if (!Number.isInteger(record.pid) || !alive(record.pid) || record.pid === process.pid) {
    if (record.pid !== process.pid) rmSync(file, { force: true });
    return undefined;
  }
  return record;
}

/** Flags whose value is a path: made absolute, since the server runs elsewhere. */
const PATH_FLAGS = new Set(['--from', '--mapping', '--out', '--config', '--db', '--terraform']);

/** The arguments as the server must read them: paths absolute, the mesh.yaml this command found. */
export function argumentsForServer(args: readonly string[], cwd = process.cwd()): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
    if (flag && PATH_FLAGS.has(flag)) {
      const value = inline ?? args[++i];
      if (value === undefined) out.push(arg);
      // A glob (`exports/*.csv`) is made absolute the same way: by its directory part.
      else out.push(`${flag}=${resolve(cwd, value)}`);
      continue;
    }
    out.push(arg);
  }
  if (!out.some((a) => a === '--config' || a.startsWith('--config='))) {
    const config = findConfigFile(undefined, cwd);
    if (config) out.push(`--config=${config}`);
  }
  return out;
}

/**
 * Runs the command in the server and prints what it printed; undefined when the server does
 * not answer (it stopped meanwhile): the command then runs on its own.
 */
export async function throughServer(
  server: ServeRecord,
  command: string,
  args: readonly string[],
  values: { json?: boolean },
): Promise<number | undefined> {
  let response: Response;
  try {
    response = await fetch(`${server.url}/api/cli`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
      body: JSON.stringify({ argv: [command, ...argumentsForServer(args)] }),
    });
  } catch {
    return undefined;
  }
  const result = (await response.json().catch(() => undefined)) as
    | { code: number; stdout: string; stderr: string }
    | undefined;
  if (!response.ok || !result) {
    process.stderr.write(
      `mesh serve (pid ${server.pid}, ${server.url}) refused the command: HTTP ${response.status}.\n`,
    );
    return 1;
  }
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  if (!values.json && process.env.MESH_QUIET_SERVER !== '1')
    process.stderr.write(`(run by mesh serve, pid ${server.pid}, ${server.url})\n`);
  return result.code;
}
