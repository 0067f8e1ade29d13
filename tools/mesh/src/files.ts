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
