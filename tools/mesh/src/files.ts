import { UsageError } from '@retail-mesh/sdk';

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

/** A date in a file name with the day or the month first: `29-11-2026`, `11.29.2026`, `1_2_2026`. */
const DAY_OR_MONTH_FIRST = /(?<!\d)(\d{1,2})[-_.](\d{1,2})[-_.](\d{4})(?!\d)/;

/**
 * Files in the order of the days their names give, where those are written day or month first
 * (`orders-29-11-2026.csv`): by name, `01-12-2026` would come before `29-11-2026`. Which of the
 * two comes first is read from the names, a part above 12 saying which is the day. `ambiguous`
 * when some names give such a date and it cannot be told (no part above 12, parts above 12 on
 * both sides, or names without one among them): then no order in time is known. The files by
 * name where none gives such a date (year first, `2026-11-29`, sorts by name already).
 */
export function inDayOrder(files: readonly string[]): { files: string[]; ambiguous?: readonly string[] } {
  const byName = [...files].sort(byNaturalName);
  const dated = byName.map((file) => {
    const m = DAY_OR_MONTH_FIRST.exec(file.slice(file.lastIndexOf('/') + 1));
    return m ? { file, a: Number(m[1]), b: Number(m[2]), year: Number(m[3]) } : { file };
  });
  const withDate = dated.filter((d) => d.year !== undefined) as Array<{
    file: string;
    a: number;
    b: number;
    year: number;
  }>;
  if (!withDate.length) return { files: byName };
  const dayFirst = withDate.some((d) => d.a > 12);
  const monthFirst = withDate.some((d) => d.b > 12);
  if (dayFirst === monthFirst || withDate.length < dated.length)
    return { files: byName, ambiguous: withDate.slice(0, 3).map((d) => d.file) };
  const day = (d: (typeof withDate)[number]) =>
    d.year * 10_000 + (dayFirst ? d.b * 100 + d.a : d.a * 100 + d.b);
  return {
    files: withDate.sort((x, y) => day(x) - day(y) || byNaturalName(x.file, y.file)).map((d) => d.file),
  };
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
