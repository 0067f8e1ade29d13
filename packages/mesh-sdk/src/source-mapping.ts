import { BuildError, UsageError } from './errors.js';
import type { Source } from './source.js';
import type { BatchRecord, IngestMapping } from './source-log.js';
import type { IngestResult } from './warehouse.js';

/** Where one source column's raw value comes from: a file column, a constant, or nowhere. */
export type ColumnOrigin =
  | { readonly kind: 'file'; readonly column: string }
  | { readonly kind: 'constant'; readonly value: string }
  | { readonly kind: 'absent' };

/**
 * Source column -> origin, the same on every warehouse. A constant (`--set`) wins, then an
 * explicit rename (`--map`), then the same name, then the same name ignoring case. Returns
 * every problem at once instead of throwing.
 */
export function mapColumns(
  source: Source,
  fileColumns: readonly string[],
  mapping: IngestMapping,
): { origins: Map<string, ColumnOrigin>; problems: string[] } {
  const problems: string[] = [];
  const names = new Set(source.columns.map((c) => c.name));
  const findFile = (name: string) =>
    fileColumns.find((f) => f === name) ?? fileColumns.find((f) => f.toLowerCase() === name.toLowerCase());
  for (const [target, from] of Object.entries(mapping.rename)) {
    if (!names.has(target)) problems.push(`--map ${target}=${from}: ${source.id} has no column ${target}`);
    else if (!findFile(from)) problems.push(`--map ${target}=${from}: the file has no column ${from}`);
  }
  for (const target of Object.keys(mapping.set)) {
    if (!names.has(target)) problems.push(`--set ${target}: ${source.id} has no column ${target}`);
  }
  for (const target of Object.keys(mapping.values)) {
    if (!names.has(target)) problems.push(`value map of ${target}: ${source.id} has no column ${target}`);
  }
  const origins = new Map<string, ColumnOrigin>();
  for (const c of source.columns) {
    const constant = mapping.set[c.name];
    if (constant !== undefined) {
      origins.set(c.name, { kind: 'constant', value: constant });
      continue;
    }
    const renamed = mapping.rename[c.name];
    const from = findFile(renamed ?? c.name);
    if (from) origins.set(c.name, { kind: 'file', column: from });
    else {
      origins.set(c.name, { kind: 'absent' });
      if (!c.nullable && renamed === undefined)
        problems.push(
          `column ${c.name} (required) is not in the file: map it with --map ${c.name}=<file column> or give it a value with --set ${c.name}=<value>`,
        );
    }
  }
  return { origins, problems };
}

/** The origins of a file's columns, or a `ingest-mapping` error naming every problem and the file's columns. */
export function fitFile(
  source: Source,
  file: string,
  fileColumns: readonly string[],
  mapping: IngestMapping,
): Map<string, ColumnOrigin> {
  const { origins, problems } = mapColumns(source, fileColumns, mapping);
  if (problems.length) {
    throw new BuildError(
      'ingest-mapping',
      `${file} does not fit ${source.id}: ${problems.join('; ')}. The file has columns ${fileColumns.join(', ')}.`,
      { domain: source.domain.name, source: source.name, file },
    );
  }
  return origins;
}

/**
 * The live batch that already holds these bytes under this mapping, when loading them again
 * would change nothing: in `append` and in `upsert` by cursor, rows decide by their own key
 * and version, so any earlier copy counts; in `snapshot` and in `upsert` without a cursor the
 * latest batch wins, so only a copy of the latest one does (an export identical to an older
 * one is a real change back).
 */
export function batchOfFile(
  live: readonly BatchRecord[],
  sha256: string,
  mapping: IngestMapping,
  source: Source,
): BatchRecord | undefined {
  const json = JSON.stringify(mapping);
  const ingested = live.filter((b) => b.kind === 'ingest');
  const orderMatters = source.mode === 'snapshot' || (source.mode === 'upsert' && !source.cursor);
  const candidates = orderMatters ? ingested.slice(-1) : ingested;
  return candidates.find((b) => b.sha256 === sha256 && JSON.stringify(b.mapping) === json);
}

/** What ingesting a file already held by `batch` did: nothing (its counts are the batch's). */
export function alreadyIngested(
  source: Source,
  file: string,
  sha256: string,
  batch: BatchRecord,
): IngestResult {
  return {
    file,
    sha256,
    status: 'already-ingested',
    batchId: batch.batchId,
    rows: 0,
    loaded: 0,
    rejected: 0,
    replacedSample: false,
    flag: undefined,
    sampleRejects: [],
    rejectsTable: source.rejects,
  };
}

/** Refuses sample rows for a source whose live batches include ingested ones: never both. */
export function refuseSampleBesideRealRows(source: Source, live: readonly BatchRecord[]): void {
  if (live.some((b) => b.kind === 'ingest')) {
    throw new UsageError(
      'source-holds-ingested-rows',
      `${source.id} holds ingested rows: sample rows are never mixed with them. Revert its batches (mesh ingest --list ${source.id}) or use another warehouse.`,
      { domain: source.domain.name, source: source.name },
    );
  }
}
