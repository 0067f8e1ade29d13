import { closeSync, lstatSync, openSync, readlinkSync, readSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import {
  type BatchRecord,
  canIngestFiles,
  DefinitionError,
  deletionMarkers,
  describeSubject,
  ensureSources,
  type FileIngester,
  type IngestMapping,
  type IngestResult,
  isMeshError,
  type MeshDefinition,
  type MeshError,
  NOTHING_NEW_FLAG,
  rejectPosition,
  rejectsSelect,
  type Source,
  type SourceState,
  sourceStates,
  suggestion,
  UsageError,
  type Warehouse,
  WarehouseError,
  withdrawSamples,
} from '@retail-mesh/sdk';
import { type GlobalOptions, type Io, withWarehouse } from '../context.js';
import { datedAsNewest, inDayOrder, olderExportError } from '../files.js';
import { readMappingFile } from '../mapping-file.js';
import { loadMesh } from '../mesh.js';
import { color, formatInt, table } from '../style.js';
import { numberFlag } from './options.js';

type IngestValues = GlobalOptions & {
  from?: string;
  map?: string[];
  set?: string[];
  mapping?: string;
  'max-rejects'?: string;
  'allow-older'?: boolean;
  format?: string;
  list?: boolean;
  revert?: string;
  rejects?: string;
  limit?: string;
};

/** `name=value` pairs as an object, with a message naming a malformed one. */
export function parsePairs(
  flag: string,
  pairs: readonly string[] = [],
  example: string,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    // Split at the first `=` only: a file's column name or a value may contain one.
    const at = pair.indexOf('=');
    const name = at > 0 ? pair.slice(0, at).trim() : '';
    const value = at > 0 ? pair.slice(at + 1) : undefined;
    if (!name || value === undefined || (flag === '--map' && !value.trim()))
      throw new UsageError('bad-arguments', `${flag} ${pair}: write name=value, e.g. ${flag} ${example}.`);
    result[name] = flag === '--map' ? value.trim() : value;
  }
  return result;
}

/** `--map target=source` pairs as an object. */
export const parseMap = (pairs: readonly string[] = []) => parsePairs('--map', pairs, 'order_id=OrderNo');

/** The mapping of a command line: the file's, then `--map` and `--set` on top. */
export function mappingOf(values: IngestValues, source: Source): IngestMapping {
  const file = values.mapping ? readMappingFile(values.mapping) : undefined;
  if (file?.source && file.source !== source.id) {
    throw new UsageError(
      'bad-arguments',
      `--mapping ${values.mapping} is for ${file.source}, not ${source.id}.`,
      { file: values.mapping },
    );
  }
  return {
    rename: { ...file?.mapping.rename, ...parseMap(values.map) },
    set: { ...file?.mapping.set, ...parsePairs('--set', values.set, 'channel=online') },
    values: { ...file?.mapping.values },
  };
}

function findSource(mesh: MeshDefinition, name: string): Source {
  const source = mesh.sources.find((s) => s.id === name);
  if (!source) {
    throw new UsageError(
      'unknown-source',
      `No source is named ${name}. ${suggestion(
        name,
        mesh.sources.map((s) => s.id),
        'Sources',
      )}`,
      { source: name },
    );
  }
  return source;
}

const batchId = (text: string, flag: string) => numberFlag(text, flag, 1, { integer: true });

/** Flags of each way to use the command: one way at a time, each with its own flags. */
const MODES = {
  list: [],
  revert: [],
  rejects: ['limit'],
  from: ['map', 'set', 'mapping', 'max-rejects', 'format', 'allow-older'],
} as const satisfies Record<string, readonly (keyof IngestValues)[]>;

/** Refuses flags of two ways at once (`--list --revert 3`), instead of silently obeying one. */
function refuseMixedModes(values: IngestValues): void {
  const given = (flag: keyof IngestValues) => values[flag] !== undefined && values[flag] !== false;
  const modes = (Object.keys(MODES) as Array<keyof typeof MODES>).filter(given);
  if (modes.length > 1) {
    throw new UsageError(
      'bad-arguments',
      `--${modes[0]} and --${modes[1]} cannot be combined: mesh ingest either loads files (--from), lists batches (--list), reverts one (--revert) or prints its rejects (--rejects).`,
    );
  }
  const mode = modes[0] ?? 'from';
  for (const [other, flags] of Object.entries(MODES)) {
    if (other === mode) continue;
    const stray = (flags as readonly (keyof IngestValues)[]).find(given);
    if (stray)
      throw new UsageError(
        'bad-arguments',
        `--${stray} goes with --${other}${mode === 'from' ? '' : `, not with --${mode}`}. See mesh ingest --help.`,
      );
  }
}

export async function run(values: IngestValues, names: string[], io: Io): Promise<number> {
  refuseMixedModes(values);
  if (values.list) return list(values, names, io);
  if (values.revert !== undefined) return revert(values, names, io);
  if (values.rejects !== undefined) return rejects(values, names, io);
  const [name, ...extra] = names;
  if (!name || extra.length)
    throw new UsageError(
      'bad-arguments',
      'Name one source: mesh ingest <domain>.<source> --from <file or glob> (or --list, --revert <batch>, --rejects <batch>).',
    );
  if (!values.from) throw new UsageError('bad-arguments', 'Say which file to ingest: --from <file or glob>.');
  if (values.format && values.format !== 'csv' && values.format !== 'parquet') {
    throw new UsageError('bad-arguments', `--format must be csv or parquet, not ${values.format}.`);
  }
  const source = findSource(await loadMesh(values), name);
  const options = {
    mapping: mappingOf(values, source),
    maxRejects:
      values['max-rejects'] === undefined
        ? undefined
        : numberFlag(values['max-rejects'], 'max-rejects', 0, { integer: true, allowZero: true }),
    format: values.format as 'csv' | 'parquet' | undefined,
  };
  const mesh = await loadMesh(values);
  const { outcomes, state, withdrawn } = await withWarehouse(
    values,
    async (warehouse, context) => {
      if (!canIngestFiles(warehouse)) {
        throw new UsageError(
          'ingest-unsupported',
          `Target ${context.targetName} (${warehouse.name}) cannot ingest files.`,
        );
      }
      const files = await filesToIngest(warehouse, values.from!, source);
      const results: Array<{
        file: string;
        result?: IngestResult;
        error?: { code: string; message: string; subject: object };
      }> = [];
      // Where the newest export wins (an upsert without a cursor, a snapshot), the files after
      // one that failed wait for it: loaded now, they would be older than the failed file once
      // it is fixed and loaded, and its rows would override theirs.
      const ordered = source.mode === 'snapshot' || (source.mode === 'upsert' && !source.cursor);
      // The command's newest file (the others are older still) dated before what the source holds.
      const batches = await warehouse.listBatches({ source: source.id });
      const older = values['allow-older'] ? undefined : olderExportError(source, files.at(-1)!, batches);
      // The exports held, and those loaded by this command: one dated at or after them all
      // (the newest of a glob that loads a late day with the days after it) is meant to be
      // current, so an earlier batch's rows again are no change back (see changeBackFlag).
      const held = batches.filter((b) => b.kind === 'ingest').map((b) => b.file);
      if (older) {
        const error = { code: older.code, message: older.message, subject: older.subject };
        results.push(...files.map((file) => ({ file, error })));
      }
      for (const [i, file] of (older ? [] : files).entries()) {
        const stopped = ordered ? results.find((r) => r.error) : undefined;
        if (stopped) {
          results.push({
            file,
            error: {
              code: 'ingest-stopped',
              message: `${file} was not loaded: ${stoppedBecause(source, stopped.file)}`,
              subject: { domain: source.domain.name, source: source.name, file },
            },
          });
          continue;
        }
        io.progress.step(`ingesting ${file} (${i + 1}/${files.length})`);
        try {
          refuseOtherFormat(source, file, options.format);
          const current = values['allow-older'] === true || datedAsNewest(file, held);
          results.push({ file, result: await warehouse.ingestFile(source, file, { ...options, current }) });
          held.push(file);
        } catch (error) {
          if (!isMeshError(error)) throw error;
          // A set value over a column the file has is a wrong command line or mapping file,
          // not a bad file: it stops the command (exit 2 or 3), as other bad arguments do.
          if (error.code === 'ingest-set-overwrites') throw setOverwrites(values, error);
          results.push({ file, error: { code: error.code, message: error.message, subject: error.subject } });
        }
      }
      io.progress.done();
      // Real rows landed: the domain's other sources must not stand beside them with sample rows.
      const landed = results.some((r) => r.result?.status === 'loaded');
      const withdrawn = landed
        ? await withdrawSamples(
            warehouse,
            mesh.sources.filter((s) => s.domain.name === source.domain.name && s.id !== source.id),
          )
        : [];
      const [state] = sourceStates([source], await warehouse.listBatches({ source: source.id }));
      return { outcomes: results, state: state!, withdrawn: withdrawn.map((s) => s.id) };
    },
    { create: true },
  );
  const failed = outcomes.filter((o) => o.error);
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          source: source.id,
          files: outcomes,
          state,
          withdrawnSamples: withdrawn,
          warnings: snapshotWarning(source, outcomes) ? [snapshotWarning(source, outcomes)] : [],
          ...(failed.length ? { error: failed[0]!.error } : {}),
        },
        null,
        2,
      ),
    );
  } else {
    io.out(
      table(
        ['FILE', 'BATCH', 'STATUS', 'ROWS', 'LOADED', 'REJECTED'],
        outcomes.map((o) => [
          o.file,
          o.result ? String(o.result.batchId) : '-',
          o.error?.code === 'ingest-stopped'
            ? color.yellow('not loaded')
            : o.error
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
      // Files not loaded after a failed one are said once, below, not one by one.
      if (o.error && o.error.code !== 'ingest-stopped')
        io.out(`${color.red('✗')} ${o.error.code} (${describeSubject(o.error.subject)}): ${o.error.message}`);
      if (o.result?.replacedSample)
        io.out(
          `${color.yellow('!')} ${source.id} held sample rows: they were removed, its rows are now yours.`,
        );
      // A column left out by the header loads nothing, silently unless said here.
      const unused = o.result?.status === 'loaded' ? (o.result.unusedColumns ?? []) : [];
      const missing = o.result?.status === 'loaded' ? (o.result.missingColumns ?? []) : [];
      if (unused.length)
        io.out(
          `${color.yellow('!')} batch ${o.result!.batchId}: file column${unused.length === 1 ? '' : 's'} ${unused.join(', ')} not loaded: no column of ${source.id} takes ${unused.length === 1 ? 'it' : 'them'} (mesh sources ${source.domain.name} lists its columns; --map <column>=<file column> maps one).`,
        );
      if (o.result?.deletedRows)
        io.out(
          `  batch ${o.result.batchId}: ${formatInt(o.result.deletedRows)} row${o.result.deletedRows === 1 ? '' : 's'} the export marks deleted (${deletionMarkers(
            unused,
          )
            .map((m) => m.column)
            .join(', ')}) left out: ${source.id} is a snapshot, which holds what exists.`,
        );
      const respelled = Object.entries(
        o.result?.status === 'loaded' ? (o.result.respelledColumns ?? {}) : {},
      );
      if (respelled.length)
        io.out(
          `  batch ${o.result!.batchId}: ${respelled.map(([column, from]) => `${from} read as ${column}`).join(', ')} (by spelling; --map <column>=<file column> says otherwise).`,
        );
      if (missing.length)
        io.out(
          `${color.yellow('!')} batch ${o.result!.batchId}: optional column${missing.length === 1 ? '' : 's'} ${missing.join(', ')} of ${source.id} loaded as NULL: the file lacks ${missing.length === 1 ? 'it' : 'them'}.`,
        );
      if (o.result?.flag) io.out(`${color.yellow('!')} batch ${o.result.batchId}: ${o.result.flag}`);
      if (o.result?.repeatedEvents)
        io.out(
          `${color.yellow('!')} batch ${o.result.batchId}: ${formatInt(o.result.repeatedEvents)} row${o.result.repeatedEvents === 1 ? '' : 's'} repeat${o.result.repeatedEvents === 1 ? 's' : ''} events: a copy of an earlier line of the file, or a key an earlier batch loaded with other values. ${source.id} keeps the first copy of an event, so they changed nothing. To correct an event loaded earlier, revert the batch that first loaded it (mesh ingest --revert <batch>) and load a corrected copy of that export.`,
        );
      if (o.result?.heldEvents && !o.result.flag?.includes(NOTHING_NEW_FLAG))
        io.out(
          `  batch ${o.result.batchId}: ${formatInt(o.result.heldEvents)} of its rows ${o.result.heldEvents === 1 ? 'is an event' : 'are events'} an earlier batch already holds with the same values (the export overlaps an earlier one, or was sent again): they add no event.`,
        );
      // Flagged, the flag says it (a change back); else it was meant: dated the newest, or --allow-older.
      if (o.result?.reloads && !o.result.flag?.includes('a change back'))
        io.out(
          `  batch ${o.result.batchId}: ${o.file} holds the rows of batch ${o.result.reloads} again, current again over the batches after it (${values['allow-older'] ? '--allow-older' : 'it is dated as the newest export held'}).`,
        );
      for (const r of o.result?.sampleRejects ?? [])
        io.out(`${color.yellow('!')} ${rejectPosition(o.file, r.line, options.format)}: ${r.reason}`);
      if (o.result && o.result.rejected > o.result.sampleRejects.length) {
        io.out(
          `  … ${o.result.rejected - o.result.sampleRejects.length} more: mesh ingest --rejects ${o.result.batchId}`,
        );
      }
    }
    const loaded = outcomes.reduce((a, o) => a + (o.result?.loaded ?? 0), 0);
    const rejected = outcomes.reduce((a, o) => a + (o.result?.rejected ?? 0), 0);
    const held = outcomes.reduce((a, o) => a + (o.result?.heldEvents ?? 0), 0);
    io.out(
      `\n${source.id}: ${formatInt(loaded)} rows loaded${held ? ` (${formatInt(held)} of them events already held)` : ''}, ${formatInt(rejected)} rejected, ${stoppedCount(failed, outcomes.length)}.`,
    );
    const waited = outcomes.filter((o) => o.error?.code === 'ingest-stopped');
    if (waited.length)
      io.out(
        `${color.yellow('!')} ${waited.length === 1 ? waited[0]!.file : `${waited.length} files from ${waited[0]!.file} on`} not loaded: ${stoppedBecause(source, outcomes.find((o) => o.error && o.error.code !== 'ingest-stopped')!.file)}`,
      );
    io.out(stateLine(state));
    const warning = snapshotWarning(source, outcomes);
    if (warning) io.out(`${color.yellow('!')} ${warning}`);
    if (withdrawn.length)
      io.out(
        `${color.yellow('!')} ${withdrawn.join(', ')} held sample rows beside your real ${source.id}: they were taken out (products that need them wait for your exports; mesh seed --sample <source> brings a sample back).`,
      );
  }
  return failed.length ? 1 : 0;
}

/**
 * The error of a set value over a file's column, as the mapping file's (exit 3) when the value
 * is its `set:` and no `--set` overrides it, else as the command line's (exit 2).
 */
function setOverwrites(values: IngestValues, error: MeshError): MeshError {
  const column = error.subject.column;
  const onCommandLine = values.set?.some((pair) => pair.slice(0, pair.indexOf('=')).trim() === column);
  if (!values.mapping || onCommandLine || column === undefined) return error;
  return new DefinitionError(
    'invalid-mapping',
    `${values.mapping}: set.${column}: ${error.message
      .replace(
        `drop --set ${column} (or ${column} under set: in the mapping file)`,
        `drop ${column} from set:`,
      )
      .replace(`with --map ${column}=<file column>`, `under rename:`)}`,
    { ...error.subject, file: values.mapping, key: `set.${column}` },
    { cause: error },
  );
}

const GLOB = /[*?[\]{}]/;

/**
 * The files `--from` names: a path must be a regular file (a pipe would be read forever), a
 * pattern must match at least one. Relative paths read from the working directory.
 */
async function filesToIngest(warehouse: FileIngester, from: string, source: Source): Promise<string[]> {
  const where = isAbsolute(from) ? '' : ` (relative to ${process.cwd()})`;
  if (!GLOB.test(from)) {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(from);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      const link = code === 'ENOENT' && isDanglingLink(from);
      throw new UsageError(
        'no-files',
        link
          ? `--from ${from} is a link to ${link}, which does not exist.`
          : code === 'ENOENT' || code === 'ENOTDIR'
            ? `--from ${from}: no such file${where}. Check the path, or quote a glob ('exports/*.csv').`
            : `--from ${from} cannot be read: ${(cause as Error).message}.`,
        { file: from },
        { cause },
      );
    }
    if (stat.isDirectory()) {
      throw new UsageError(
        'bad-arguments',
        `--from ${from} is a directory: name a file, or the files in it with a glob ('${from.replace(/\/$/, '')}/*.csv').`,
        { file: from },
      );
    }
    if (!stat.isFile()) throw notAFile(from);
  }
  const files = await warehouse.listFiles(from);
  if (!files.length) throw new UsageError('no-files', `No file matches ${from}${where}.`, { file: from });
  // By name, not by modification time: a copy or a checkout rewrites times in its own order,
  // while exports are named for their sequence or day; by that day where it is written day or
  // month first, or with the month's name. Where the newest export wins (an upsert without a
  // cursor, a snapshot), files whose order in time cannot be told from their names are refused:
  // loaded by name, an older export would win (`29-11-2026` after `01-12-2026`, `Nov30` after
  // `Dec03`) and its figures be published as current.
  const { files: ordered, ambiguous } = inDayOrder(files);
  const newestWins = source.mode === 'snapshot' || (source.mode === 'upsert' && !source.cursor);
  if (ambiguous && newestWins && files.length > 1)
    throw new UsageError(
      'ambiguous-file-order',
      `--from ${from}: the order in time of ${ambiguous.join(', ')} cannot be told from their names: dates with the day or the month first, a two-digit year first or last, no year, or some names without a date; or one name is the other's with a suffix (a corrected copy or a second download). ${source.id} keeps the newest export of each ${source.mode === 'snapshot' ? 'snapshot' : 'key (it has no cursor)'}, so the order decides what is current: rename them year first (2026-11-29), or ingest them one at a time, oldest first.`,
      { domain: source.domain.name, source: source.name, file: from },
    );
  return ordered;
}

function isDanglingLink(path: string): string | undefined {
  try {
    return lstatSync(path).isSymbolicLink() ? resolve(dirname(path), readlinkSync(path)) : undefined;
  } catch {
    return undefined;
  }
}

const notAFile = (file: string) =>
  new UsageError(
    'bad-arguments',
    `--from ${file} is not a regular file (a pipe, socket or device): write the export to a file and ingest that.`,
    { file },
  );

/**
 * A file whose bytes are of the other format than its name (or --format) says: refused with
 * what to do, instead of an encoding error (Parquet read as CSV) or a parser's words.
 */
function refuseOtherFormat(source: Source, file: string, format: 'csv' | 'parquet' | undefined): void {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (stat && !stat.isFile()) throw notAFile(file);
  const expected = format ?? (/\.parquet$/i.test(file) ? 'parquet' : 'csv');
  // Parquet starts and ends with the magic PAR1.
  const head = Buffer.alloc(4);
  const tail = Buffer.alloc(4);
  try {
    const fd = openSync(file, 'r');
    try {
      readSync(fd, head, 0, 4, 0);
      if (stat && stat.size >= 8) readSync(fd, tail, 0, 4, stat.size - 4);
    } finally {
      closeSync(fd);
    }
  } catch {
    return; // Unreadable: the warehouse says why, naming the file.
  }
  const starts = head.toString('latin1') === 'PAR1';
  const parquet = starts && tail.toString('latin1') === 'PAR1';
  if (expected === 'csv' ? !parquet : parquet) return;
  const size = stat?.size ?? 0;
  throw new WarehouseError(
    'ingest-unreadable',
    expected === 'csv'
      ? `${file} is a Parquet file, not CSV: name it .parquet or pass --format parquet.`
      : size === 0
        ? `${file} is empty (0 bytes): its export wrote nothing. Export it again.`
        : starts
          ? // The footer, which says where every column is, is written last: a file cut in
            // transfer or still being written has none, and no row of it can be read.
            `${file} is cut short: it starts as a Parquet file but ends before its footer (${size.toLocaleString('en-US')} bytes, no PAR1 at its end), cut in transfer or read while still being written. Copy or export it again.`
          : head[0] === 0x1f && head[1] === 0x8b
            ? `${file} is gzip-compressed, not a Parquet file: decompress it (gunzip) and ingest the file inside.`
            : `${file} is not a Parquet file (it does not start with PAR1)${format ? '' : ' though its name ends in .parquet'}: pass --format csv if it is a CSV export.`,
    { domain: source.domain.name, source: source.name, file },
  );
}

/** Why the files after `failed` were not loaded, where the newest export wins. */
function stoppedBecause(source: Source, failed: string): string {
  return `${failed} failed before it, and ${source.id} takes the rows of each export over those before it (${source.mode === 'snapshot' ? 'a snapshot' : 'an upsert without a cursor'}), so its files load in order. Fix ${failed}, then ingest it and the files after it again.`;
}

/** How many of the files named failed, and how many after a failed one were not loaded. */
function stoppedCount(failed: ReadonlyArray<{ error?: { code: string } }>, files: number): string {
  const waited = failed.filter((o) => o.error?.code === 'ingest-stopped').length;
  return `${failed.length - waited} of ${files} files failed${waited ? `, ${waited} after it not loaded` : ''}`;
}

/** A snapshot is one file: several files in one call each replaced the one before. */
function snapshotWarning(source: Source, outcomes: ReadonlyArray<{ file: string; result?: IngestResult }>) {
  const loaded = outcomes.filter((o) => o.result?.status === 'loaded');
  if (source.mode !== 'snapshot' || loaded.length < 2) return undefined;
  return `${source.id} is a snapshot source: each file replaced the one before, so only ${loaded.at(-1)!.file} is current. Load a split export as one file.`;
}

/** One line on a source: what it holds and its last batch. */
export function stateLine(state: SourceState): string {
  if (!state.lastBatch) return `${state.source}: never loaded.`;
  const last = state.lastBatch;
  return `${state.source}: ${state.content === 'sample' ? 'sample data, ' : ''}${formatInt(state.batches)} batch${state.batches === 1 ? '' : 'es'}, ${formatInt(state.rows)} rows; last batch ${last.batchId} at ${last.at.replace('T', ' ').slice(0, 19)} UTC (${formatInt(last.loaded)} loaded, ${formatInt(last.rejected)} rejected)${last.flag ? `; ${color.yellow(`flagged: ${last.flag}`)}` : ''}.`;
}

/** The definition of the source a batch belongs to. */
async function sourceOfBatch(warehouse: Warehouse, sources: readonly Source[], id: number): Promise<Source> {
  const batch = (await warehouse.listBatches({ includeReverted: true })).find((b) => b.batchId === id);
  if (!batch)
    throw new UsageError('unknown-batch', `No batch ${id}: mesh ingest --list shows the batches.`, {
      batch: id,
    });
  const source = sources.find((s) => s.id === batch.source);
  if (!source)
    throw new UsageError(
      'unknown-source',
      `Batch ${id} is of ${batch.source}, which this mesh does not define.`,
      { batch: id, source: batch.source },
    );
  return source;
}

function batchJson(b: BatchRecord) {
  return { ...b, ingestedAt: b.ingestedAt.toISOString(), revertedAt: b.revertedAt?.toISOString() ?? null };
}

async function list(values: IngestValues, names: string[], io: Io): Promise<number> {
  const mesh = await loadMesh(values);
  for (const name of names) {
    if (!mesh.sources.some((s) => s.id === name || s.domain.name === name))
      throw new UsageError(
        'unknown-source',
        `No domain or source is named ${name}. ${suggestion(name, [...new Set(mesh.sources.map((s) => s.domain.name))].concat(mesh.sources.map((s) => s.id)), 'Sources')}`,
        { source: name },
      );
  }
  const batches = (
    await withWarehouse(values, async (warehouse) => {
      // A warehouse of an older release adopts its raw tables as batches first.
      await ensureSources(warehouse, mesh.sources);
      return warehouse.listBatches({ includeReverted: true });
    })
  ).filter((b) => !names.length || names.includes(b.source) || names.includes(b.source.split('.')[0]!));
  if (values.json) {
    io.out(JSON.stringify({ batches: batches.map(batchJson) }, null, 2));
    return 0;
  }
  if (!batches.length) {
    io.out(
      `No batches${names.length ? ` of ${names.join(', ')}` : ''} yet: mesh ingest <source> --from <file>.`,
    );
    return 0;
  }
  const mapping = (m: IngestMapping) =>
    [
      ...Object.entries(m.rename).map(([k, v]) => `${k}=${v}`),
      ...Object.entries(m.set).map(([k, v]) => `${k}:=${v}`),
      ...Object.keys(m.values).map((k) => `${k}(values)`),
    ].join(' ') || '-';
  io.out(
    table(
      ['BATCH', 'SOURCE', 'KIND', 'FILE', 'LOADED', 'REJECTED', 'WHEN (UTC)', 'BY', 'MAPPING', 'STATE'],
      batches.map((b) => [
        String(b.batchId),
        b.source,
        b.kind,
        b.file,
        formatInt(b.loaded),
        formatInt(b.rejected),
        b.ingestedAt.toISOString().replace('T', ' ').slice(0, 19),
        b.ingestedBy,
        mapping(b.mapping),
        b.revertedAt ? color.dim(`reverted ${b.revertedAt.toISOString().slice(0, 19)}`) : color.green('live'),
      ]),
    ),
  );
  return 0;
}

async function revert(values: IngestValues, names: string[], io: Io): Promise<number> {
  if (names.length)
    throw new UsageError('bad-arguments', 'mesh ingest --revert <batch> takes no other name.');
  const id = batchId(values.revert!, 'revert');
  const mesh = await loadMesh(values);
  const { batch, source, left } = await withWarehouse(values, async (warehouse) => {
    const source = await sourceOfBatch(warehouse, mesh.sources, id);
    const batch = await warehouse.revertBatch(source, id);
    return { batch, source, left: (await warehouse.listBatches({ source: source.id })).length };
  });
  if (values.json) io.out(JSON.stringify({ reverted: batchJson(batch) }, null, 2));
  else {
    // What the source holds now: nothing, the events of its other batches, or the rows this
    // batch had replaced.
    const now = !left
      ? `${source.id} holds no rows now`
      : source.mode === 'append'
        ? `its events are no longer in ${source.id}`
        : 'the rows it superseded are current again';
    io.out(
      `Reverted batch ${batch.batchId} of ${batch.source} (${batch.file}, ${formatInt(batch.loaded)} rows): ${now}. Run mesh build to publish the figures without it.`,
    );
  }
  return 0;
}

async function rejects(values: IngestValues, names: string[], io: Io): Promise<number> {
  if (names.length)
    throw new UsageError('bad-arguments', 'mesh ingest --rejects <batch> takes no other name.');
  const id = batchId(values.rejects!, 'rejects');
  const limit = values.limit === undefined ? 100 : numberFlag(values.limit, 'limit', 100, { integer: true });
  const mesh = await loadMesh(values);
  const { rows, reverted } = await withWarehouse(values, async (warehouse: Warehouse) => {
    const source = await sourceOfBatch(warehouse, mesh.sources, id);
    const batch = (await warehouse.listBatches({ source: source.id, includeReverted: true })).find(
      (b) => b.batchId === id,
    )!;
    await warehouse.ensureSource(source);
    const found = (await warehouse.query(rejectsSelect(source, id, warehouse.dialect, limit))).map((r) => ({
      file: batch.file,
      line: Number(r.line),
      reason: String(r.reason),
      record: r.record === null ? null : String(r.record),
    }));
    return { rows: found, reverted: batch.revertedAt !== undefined };
  });
  if (values.json) io.out(JSON.stringify({ batch: id, reverted, rejects: rows }, null, 2));
  else if (!rows.length)
    io.out(
      reverted
        ? `Batch ${id} was reverted: its rejects left the log with it.`
        : `Batch ${id} has no rejects.`,
    );
  else
    for (const r of rows)
      io.out(`${rejectPosition(r.file, r.line)}: ${r.reason}${r.record ? `  ${color.dim(r.record)}` : ''}`);
  return 0;
}
