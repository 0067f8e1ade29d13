import {
  canIngestFiles,
  describeSubject,
  type IngestResult,
  isMeshError,
  UsageError,
} from '@retail-mesh/sdk';
import { type GlobalOptions, type Io, withWarehouse } from '../context.js';
import { loadMesh } from '../mesh.js';
import { color, formatInt, table } from '../style.js';
import { numberFlag } from './options.js';

type IngestValues = GlobalOptions & {
  from?: string;
  map?: string[];
  'max-rejects'?: string;
  format?: string;
};

/** `--map target=source` pairs as an object, with a message naming a malformed one. */
export function parseMap(pairs: readonly string[] = []): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of pairs) {
    // Split at the first `=` only: a file's column name may contain one.
    const at = pair.indexOf('=');
    const target = at > 0 ? pair.slice(0, at) : undefined;
    const source = at > 0 ? pair.slice(at + 1) : undefined;
    if (!target || !source)
      throw new UsageError(
        'bad-arguments',
        `--map ${pair}: write target=source, e.g. --map order_id=OrderNo.`,
      );
    map[target.trim()] = source.trim();
  }
  return map;
}

export async function run(values: IngestValues, names: string[], io: Io): Promise<number> {
  const [name, ...extra] = names;
  if (!name || extra.length)
    throw new UsageError(
      'bad-arguments',
      'Name one source: mesh ingest <domain>.<source> --from <file or glob>.',
    );
  if (!values.from) throw new UsageError('bad-arguments', 'Say which file to ingest: --from <file or glob>.');
  if (values.format && values.format !== 'csv' && values.format !== 'parquet') {
    throw new UsageError('bad-arguments', `--format must be csv or parquet, not ${values.format}.`);
  }
  const mesh = loadMesh();
  const source = mesh.sources.find((s) => s.id === name);
  if (!source) {
    throw new UsageError(
      'unknown-source',
      `No source is named ${name}. Sources: ${mesh.sources.map((s) => s.id).join(', ')}.`,
    );
  }
  const options = {
    map: parseMap(values.map),
    maxRejects:
      values['max-rejects'] === undefined
        ? undefined
        : numberFlag(values['max-rejects'], 'max-rejects', 0, { integer: true, allowZero: true }),
    format: values.format as 'csv' | 'parquet' | undefined,
  };
  const outcomes = await withWarehouse(values, async (warehouse, context) => {
    if (!canIngestFiles(warehouse)) {
      throw new UsageError(
        'ingest-unsupported',
        `Target ${context.targetName} (${warehouse.name}) cannot ingest files; ingest into a DuckDB target.`,
      );
    }
    const files = await warehouse.listFiles(values.from!);
    if (!files.length)
      throw new UsageError('no-files', `No file matches ${values.from}.`, { file: values.from });
    const results: Array<{
      file: string;
      result?: IngestResult;
      error?: { code: string; message: string; subject: object };
    }> = [];
    for (const [i, file] of files.entries()) {
      io.progress.step(`ingesting ${file} (${i + 1}/${files.length})`);
      try {
        results.push({ file, result: await warehouse.ingestFile(source, file, options) });
      } catch (error) {
        if (!isMeshError(error)) throw error;
        results.push({ file, error: { code: error.code, message: error.message, subject: error.subject } });
      }
    }
    io.progress.done();
    return results;
  });
  const failed = outcomes.filter((o) => o.error).length;
  if (values.json) {
    io.out(JSON.stringify({ source: source.id, files: outcomes }, null, 2));
  } else {
    io.out(
      table(
        ['FILE', 'STATUS', 'ROWS', 'LOADED', 'REJECTED'],
        outcomes.map((o) => [
          o.file,
          o.error
            ? color.red('failed')
            : o.result!.status === 'loaded'
              ? color.green('loaded')
              : color.dim('already ingested'),
          o.result ? formatInt(o.result.rows) : '-',
          o.result ? formatInt(o.result.loaded) : '-',
          o.result ? formatInt(o.result.rejected) : '-',
        ]),
      ),
    );
    for (const o of outcomes) {
      if (o.error)
        io.out(`${color.red('✗')} ${o.error.code} (${describeSubject(o.error.subject)}): ${o.error.message}`);
      for (const r of o.result?.sampleRejects ?? [])
        io.out(`${color.yellow('!')} ${o.file}:${r.line}: ${r.reason}`);
      if (o.result && o.result.rejected > o.result.sampleRejects.length) {
        io.out(
          `  … ${o.result.rejected - o.result.sampleRejects.length} more in ${o.result.rejectsTable.schema}.${o.result.rejectsTable.name}`,
        );
      }
    }
    const loaded = outcomes.reduce((a, o) => a + (o.result?.loaded ?? 0), 0);
    const rejected = outcomes.reduce((a, o) => a + (o.result?.rejected ?? 0), 0);
    io.out(
      `\n${source.id}: ${formatInt(loaded)} rows loaded, ${formatInt(rejected)} rejected, ${failed} of ${outcomes.length} files failed.`,
    );
  }
  return failed ? 1 : 0;
}
