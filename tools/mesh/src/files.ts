import { type BatchRecord, durationSeconds, type Source, UsageError, WarehouseError } from '@retail-mesh/sdk';

const REASONS: Record<string, string> = {
  ENOENT: 'does not exist',
  EACCES: 'is not accessible (permission denied)',
  EPERM: 'is not accessible (operation not permitted)',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'is not a directory (a file stands in its path)',
  EEXIST: 'already exists',
  EROFS: 'is on a read-only file system',
  ENOSPC: 'cannot be written: no space left on the device',
};

/** Whether an error is one of Node's file-system errors (it has a code and a path). */
export function isFileSystemError(error: unknown): error is NodeJS.ErrnoException & { path: string } {
  const e = error as NodeJS.ErrnoException | undefined;
  return typeof e?.code === 'string' && typeof e?.path === 'string' && /^E[A-Z]+$/.test(e.code);
}

/**
 * A file-system error as the user can act on it: which path, what was attempted, why.
 *
 * @example fileSystemError(e, '--out') // UsageError: --out /root/x: cannot mkdir: is not accessible (permission denied)
 */
export function fileSystemError(error: NodeJS.ErrnoException & { path: string }, what?: string): UsageError {
  const reason = REASONS[error.code ?? ''] ?? `${error.code}: ${error.message}`;
  return new UsageError(
    'file-system',
    `${what ? `${what} ` : ''}${error.path}: ${error.syscall ? `cannot ${error.syscall}: ` : ''}${reason}.`,
    { file: error.path },
    { cause: error },
  );
}

/** Names with numbers read as numbers: `export-9` before `export-10`, `day-2` before `day-10`. */
export const byNaturalName = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/** The English month names and their usual short forms, as a file name may spell them. */
const MONTH =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])';
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const monthOf = (name: string) => MONTHS.indexOf(name.slice(0, 3).toLowerCase()) + 1;

/** A date's parts as [year, month, day] (year 0: none written), from a pattern's groups. */
type Reading = (m: RegExpExecArray) => number[];
/** Three numbers (groups 1, 3 and 4; group 2 the separator), read in the order given. */
const parts =
  (year: number, month: number, day: number, century = 0): Reading =>
  (m) => [century + +m[year]!, +m[month]!, +m[day]!];

/**
 * The ways a file name writes a date, each pattern with the forms its text may be read in. A
 * name may fit several (`03-04-2026`: 3 April or 4 March; `301126`: 2030-11-26 or 30 November
 * 2026): each is a reading of its own. Two-digit years are 2000 onwards; six digits are as
 * often a counter (export_000131): see `inDayOrder`.
 */
const DATE_FORMS: ReadonlyArray<{ pattern: RegExp; forms: Readonly<Record<string, Reading>> }> = [
  { pattern: /(?<!\d)(\d{4})([-_.]?)(\d{2})\2(\d{2})(?!\d)/, forms: { ymd: parts(1, 3, 4) } },
  { pattern: /(?<!\d)(\d{4})([-_.])(\d{1,2})\2(\d{1,2})(?!\d)/, forms: { ymd: parts(1, 3, 4) } },
  {
    pattern: /(?<!\d)(\d{1,2})([-_.]?)(\d{1,2})\2(\d{4})(?!\d)/,
    forms: { dmy: parts(4, 3, 1), mdy: parts(4, 1, 3) },
  },
  { pattern: /(?<!\d)(\d{2})([-_.])(\d{1,2})\2(\d{1,2})(?!\d)/, forms: { ymd2: parts(1, 3, 4, 2000) } },
  {
    pattern: /(?<!\d)(\d{1,2})([-_.])(\d{1,2})\2(\d{2})(?!\d)/,
    forms: { dmy2: parts(4, 3, 1, 2000), mdy2: parts(4, 1, 3, 2000) },
  },
  {
    pattern: /(?<!\d)(\d{2})()(\d{2})(\d{2})(?!\d)/,
    forms: { ymd6: parts(1, 3, 4, 2000), dmy6: parts(4, 3, 1, 2000), mdy6: parts(4, 1, 3, 2000) },
  },
  // A month's name: 30-Nov-2026, 30Nov2026, Nov30, November 30 2026, 2026-Nov-30.
  {
    pattern: new RegExp(`(?<!\\d)(\\d{1,2})[-_. ]?${MONTH}\\.?(?:[-_. ]?(\\d{4}))?(?!\\d)`, 'i'),
    forms: { 'd-month-y': (m) => [m[3] ? +m[3] : 0, monthOf(m[2]!), +m[1]!] },
  },
  {
    pattern: new RegExp(
      `(?<![a-z])${MONTH}\\.?[-_. ]?(\\d{1,2})(?:st|nd|rd|th)?(?:[-_., ]+(\\d{4}))?(?!\\d)`,
      'i',
    ),
    forms: { 'month-d-y': (m) => [m[3] ? +m[3] : 0, monthOf(m[1]!), +m[2]!] },
  },
  {
    pattern: new RegExp(`(?<!\\d)(\\d{4})[-_. ]?${MONTH}\\.?[-_. ]?(\\d{1,2})(?!\\d)`, 'i'),
    forms: { 'y-month-d': (m) => [+m[1]!, monthOf(m[2]!), +m[3]!] },
  },
];

/** Whether [year, month, day] is a day of the calendar (year 0: any year). */
function isDay([year = 0, month = 0, day = 0]: number[]): boolean {
  if (year !== 0 && (year < 1900 || year > 2199)) return false;
  if (!(month >= 1 && month <= 12 && day >= 1)) return false;
  // Day 0 of the next month is the last of this one; any year: a leap year's 29 February too.
  return day <= new Date(Date.UTC(year || 2000, month, 0)).getUTCDate();
}

/**
 * Each form a path can be read in, with the day it then gives (yyyymmdd; no year: mmdd): the
 * first date of each pattern, the file's name before its folders (`2026-12-01/orders_301126`).
 */
function datesIn(path: string): Map<string, number> {
  const name = path.split('/').reverse().join('/');
  const dates = new Map<string, number>();
  for (const { pattern, forms } of DATE_FORMS) {
    const m = pattern.exec(name);
    if (!m) continue;
    for (const [form, read] of Object.entries(forms)) {
      if (dates.has(form)) continue;
      const date = read(m);
      if (isDay(date)) dates.set(form, date[0]! * 10_000 + date[1]! * 100 + date[2]!);
    }
  }
  return dates;
}

/** The folder every path is in (ending in `/`), or '' where they share none. */
function commonFolder(paths: readonly string[]): string {
  if (!paths.length) return '';
  let prefix = paths[0]!.slice(0, paths[0]!.lastIndexOf('/') + 1);
  for (const path of paths)
    while (!path.startsWith(prefix)) prefix = prefix.slice(0, prefix.slice(0, -1).lastIndexOf('/') + 1);
  return prefix;
}

/**
 * Two files one of whose names is the other's with a suffix before the extension
 * (`orders.csv` and `orders_v2.csv`, `orders-corrected.csv`, `orders (1).csv`, `orders.1.csv`):
 * a corrected copy or a second download, which names do not order (by name the copy comes
 * first: `_` sorts before `.`). A suffix of digits on a name ending in one is a number
 * (`export-1`, `export-10`), not a copy.
 */
function copiesIn(files: readonly string[]): [string, string] | undefined {
  // In code-unit order a name's extensions follow it at once, so each stem is compared with
  // those after it that start with it only: not every pair of a glob of thousands of files.
  const stems = files
    .map((file) => ({ file, stem: file.replace(/\.(csv|tsv|parquet)$/i, '') }))
    .sort((a, b) => (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0));
  for (let i = 0; i < stems.length; i++) {
    const a = stems[i]!;
    for (let j = i + 1; j < stems.length && stems[j]!.stem.startsWith(a.stem); j++) {
      const b = stems[j]!;
      if (b.stem.length > a.stem.length && /^[^\p{L}\p{N}]/u.test(b.stem.slice(a.stem.length)))
        return [a.file, b.file];
    }
  }
  return undefined;
}

/**
 * Each file with the forms its name (and the folders that tell it apart from the others: `30-11-2026/orders.csv`)
 * can be read in, and the day each gives. Six digits are a date only where every name has six
 * that are one: else a counter (export_000131).
 */
function readingsOf(files: readonly string[]): Array<{ file: string; dates: Map<string, number> }> {
  const common = commonFolder(files);
  const dated = files.map((file) => ({ file, dates: datesIn(file.slice(common.length)) }));
  const six = ['ymd6', 'dmy6', 'mdy6'];
  if (!dated.every((d) => six.some((form) => d.dates.has(form))))
    for (const d of dated) for (const form of six) d.dates.delete(form);
  return dated;
}

/**
 * The day each file's name gives (yyyymmdd), where every name gives one with its year and every
 * form they all fit reads the same day from each (`14-11-2026`: only day first fits); undefined
 * otherwise (`03-04-2026` among names no later than the 12th: 3 April or 4 March).
 */
export function exportDays(files: readonly string[]): Map<string, number> | undefined {
  const dated = readingsOf([...new Set(files)]);
  if (!dated.length || dated.some((d) => !d.dates.size)) return undefined;
  const forms = [...dated[0]!.dates.keys()].filter((form) =>
    dated.every((d) => d.dates.has(form) && d.dates.get(form)! >= 10_000),
  );
  if (!forms.length) return undefined;
  const days = new Map<string, number>();
  for (const d of dated) {
    const day = d.dates.get(forms[0]!)!;
    if (forms.some((form) => d.dates.get(form) !== day)) return undefined;
    days.set(d.file, day);
  }
  return days;
}

/**
 * Files in the order of the days their names give (`orders-29-11-2026.csv`, `orders_30Nov2026`,
 * `orders_30112026`): by name, `01-12-2026` would come before `29-11-2026`. A name may be read
 * in several forms (day or month first, a two-digit year first or last); those every name fits
 * are tried, and where they all put the files in one order, that is their order. `ambiguous`
 * (the names, a few) where the forms put them in different orders (`01-02-2027` and
 * `02-01-2027`), no form fits every name, a name gives no year (`Nov30`: a year's end would
 * come after its start), or some names give a date and others none, unless those that do are
 * all written year first: then no order in time is known. The files by name where no name
 * gives a date, or every date is written year first (`2026-11-29`, which sorts by name).
 */
export function inDayOrder(files: readonly string[]): { files: string[]; ambiguous?: readonly string[] } {
  const byName = [...files].sort(byNaturalName);
  const copy = copiesIn(byName);
  if (copy) return { files: byName, ambiguous: copy };
  const dated = readingsOf(byName);
  const some = dated.filter((d) => d.dates.size);
  if (!some.length) return { files: byName };
  const ambiguous = { files: byName, ambiguous: some.slice(0, 3).map((d) => d.file) };
  if (some.length < dated.length)
    return some.every((d) => d.dates.has('ymd')) ? { files: byName } : ambiguous;
  const forms = [...some[0]!.dates.keys()].filter((form) => some.every((d) => d.dates.has(form)));
  const distinctDays = (form: string) => new Set(some.map((d) => d.dates.get(form))).size;
  // A form without the year orders a year's days only: known only where the names give one day.
  const yearly = forms.filter(
    (form) => some.every((d) => d.dates.get(form)! >= 10_000) || distinctDays(form) === 1,
  );
  if (!yearly.length) return ambiguous;
  const orders = yearly.map((form) =>
    [...some]
      .sort((x, y) => x.dates.get(form)! - y.dates.get(form)! || byNaturalName(x.file, y.file))
      .map((d) => d.file),
  );
  const [first] = orders;
  return orders.every((order) => order.every((file, i) => file === first![i]))
    ? { files: first! }
    : ambiguous;
}

/**
 * The days `file` and `other` are dated, from their names (or folders) as `inDayOrder` reads
 * them: `[file, other]` as yyyymmdd, or undefined where either gives no date with its year, or
 * the forms both names fit disagree on which comes first (`03-04-2026` and `04-03-2026`).
 */
export function datesOfPair(file: string, other: string): [number, number] | undefined {
  const common = commonFolder([file, other]);
  const [a, b] = [datesIn(file.slice(common.length)), datesIn(other.slice(common.length))];
  // Six digits are a date only where both names have six that are one (see `inDayOrder`).
  const six = ['ymd6', 'dmy6', 'mdy6'];
  const bothSix = six.some((form) => a.has(form)) && six.some((form) => b.has(form));
  const forms = [...a.keys()].filter(
    (form) =>
      b.has(form) && (bothSix || !six.includes(form)) && a.get(form)! >= 10_000 && b.get(form)! >= 10_000,
  );
  if (!forms.length) return undefined;
  const sign = (form: string) => Math.sign(a.get(form)! - b.get(form)!);
  if (!forms.every((form) => sign(form) === sign(forms[0]!))) return undefined;
  return [a.get(forms[0]!)!, b.get(forms[0]!)!];
}

const day = (yyyymmdd: number) =>
  `${Math.floor(yyyymmdd / 10_000)}-${String(Math.floor(yyyymmdd / 100) % 100).padStart(2, '0')}-${String(yyyymmdd % 100).padStart(2, '0')}`;

/**
 * The refusal of an export dated before the newest one a source holds, where the newest export
 * wins (a snapshot, an upsert without a cursor): loaded after it, its older rows would be current
 * over the later export's and their figures published as today's. A missing day delivered late
 * loads with the exports after it (they load again, oldest first, and the newest stays current);
 * a rollback says so (`--allow-older`). Undefined where the dates cannot be told apart by name.
 */
export function olderExportError(
  source: Source,
  file: string,
  batches: readonly BatchRecord[],
): WarehouseError | undefined {
  if (!(source.mode === 'snapshot' || (source.mode === 'upsert' && !source.cursor))) return undefined;
  const newest = batches.filter((b) => b.kind === 'ingest' && !b.revertedAt).at(-1);
  const dates = newest && datesOfPair(file, newest.file);
  if (!dates || dates[0] >= dates[1]) return undefined;
  const keeps =
    source.mode === 'snapshot'
      ? 'keeps its newest export whole (a snapshot), so this one would replace it'
      : "keeps the newest export of each key (it has no cursor), so its rows would be current over the later export's";
  return new WarehouseError(
    'ingest-older-export',
    `${file} is dated ${day(dates[0])}, before ${newest!.file} (batch ${newest!.batchId}, dated ${day(dates[1])}), which ${source.id} already holds: ${source.id} ${keeps}. Nothing was loaded. A day delivered late loads with the exports dated after it, oldest first (--from with a glob of them all; those already held load again and the newest stays current). To make it current anyway (a rollback), pass --allow-older.`,
    { domain: source.domain.name, source: source.name, file, batch: newest!.batchId },
  );
}

const DAY_MS = 86_400_000;
const utcOf = (yyyymmdd: number) =>
  Date.UTC(Math.floor(yyyymmdd / 10_000), (Math.floor(yyyymmdd / 100) % 100) - 1, yyyymmdd % 100);
/** The day `n` days after a yyyymmdd, as yyyymmdd. */
const shiftDay = (yyyymmdd: number, n: number) => {
  const d = new Date(utcOf(yyyymmdd) + n * DAY_MS);
  return d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
};

/**
 * The days a feed delivered no export on, between the first and the newest it holds, said as
 * words for health; undefined when none is missing or it cannot be told. A day's export never
 * delivered (its job failed, the file went elsewhere) while the next day's came keeps the
 * source on time, and every figure built on it lacks that day: its sales, its sessions.
 *
 * Told from the days the live exports' names give (`exportDays`), for a source that says how
 * often its system delivers (`expectedEvery`, in days: at least one): two exports further apart
 * than that have missed one. Not for a snapshot (its next export replaces every row), nor for
 * an upsert whose exports each hold every row (a daily full export), told by their sizes: such
 * exports load the rows the source holds again and again, about as many rows in all as
 * exports times the rows it holds; exports of a day's changes load about the rows it holds once.
 */
export function missedExports(
  source: Source,
  batches: readonly BatchRecord[],
  currentRows?: number | null,
): string | undefined {
  if (source.mode === 'snapshot' || source.expectedEvery === undefined) return undefined;
  const live = batches.filter((b) => b.source === source.id && b.kind === 'ingest' && !b.revertedAt);
  const days = live.length > 1 ? exportDays(live.map((b) => b.file)) : undefined;
  if (!days) return undefined;
  if (source.mode === 'upsert' && typeof currentRows === 'number' && currentRows > 0) {
    const loaded = live.reduce((n, b) => n + b.loaded, 0);
    if (loaded >= 0.8 * live.length * currentRows) return undefined;
  }
  const every = Math.max(1, Math.ceil((durationSeconds(source.expectedEvery) ?? 0) / 86_400));
  const ordered = [...new Set(days.values())].sort((a, b) => a - b);
  const gaps: string[] = [];
  let missing = 0;
  for (let i = 1; i < ordered.length; i++) {
    const [before, after] = [ordered[i - 1]!, ordered[i]!];
    const apart = Math.round((utcOf(after) - utcOf(before)) / DAY_MS);
    if (apart <= every) continue;
    missing += apart - 1;
    const [first, last] = [shiftDay(before, 1), shiftDay(after, -1)];
    gaps.push(
      `${first === last ? day(first) : `${day(first)} to ${day(last)}`} (between the exports dated ${day(before)} and ${day(after)})`,
    );
  }
  if (!gaps.length) return undefined;
  const listed = gaps.slice(0, 3).join(', ') + (gaps.length > 3 ? `, and ${gaps.length - 3} more gaps` : '');
  return `no export dated ${listed}, where one is expected every ${source.expectedEvery}: the rows of ${missing === 1 ? 'that day are' : 'those days are'} in no figure built on it. Ingest the missed ${gaps.length === 1 && missing === 1 ? 'export' : 'exports'} (a late day: see Late exports in the README); a day the system had nothing to export: a file of its header alone, named for the day`;
}

/**
 * Whether `file` is dated (by its name or folder) as the newest of `others`, at or after every
 * one and on the day of one: the newest export loaded again (a glob that loads a late day with
 * the days after it), meant to be current, so an earlier batch's rows again are no change back.
 * A file dated after them all is not: a feed that sends older rows under a new day's name is
 * stuck. False where a date cannot be told.
 */
export function datedAsNewest(file: string, others: readonly string[]): boolean {
  let sameDay = false;
  // Once per name: a source's batches repeat names (an export loaded again), each compared by pattern.
  for (const other of new Set(others)) {
    const dates = datesOfPair(file, other);
    if (!dates || dates[0] < dates[1]) return false;
    if (dates[0] === dates[1]) sameDay = true;
  }
  return sameDay;
}

/**
 * Whether `file` is dated (by its name or folder) at or after every one of `others`: an export
 * meant to be current, whose rows of an earlier batch again are no change back. False where a
 * date cannot be told, or there is nothing to compare.
 */
export function datedAtOrAfter(file: string, others: readonly string[]): boolean {
  return (
    others.length > 0 &&
    others.every((other) => {
      const dates = datesOfPair(file, other);
      return dates !== undefined && dates[0] >= dates[1];
    })
  );
}

/**
 * The order files landed in a drop zone: oldest modification first (a writer renames a file in
 * when it is complete), then by name with numbers read as numbers.
 */
export function byArrival(
  a: { name: string; mtimeMs: number },
  b: { name: string; mtimeMs: number },
): number {
  return a.mtimeMs - b.mtimeMs || byNaturalName(a.name, b.name);
}
