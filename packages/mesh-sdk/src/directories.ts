import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './errors.js';

/**
 * Creates a directory and its missing parents. Unlike `mkdirSync({ recursive: true })`, which
 * can loop forever under /proc, it stops at the first parent that exists and says why a
 * directory cannot be made.
 */
export function ensureDirectory(path: string, what?: string): void {
  const target = resolve(path);
  const missing: string[] = [];
  let at = target;
  for (;;) {
    let stat: ReturnType<typeof statSync> | undefined;
    try {
      stat = statSync(at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw directoryError(path, error as NodeJS.ErrnoException, what);
    }
    if (stat) {
      if (!stat.isDirectory()) {
        throw new UsageError(
          'file-system',
          `${what ? `${what} ` : ''}${path}: ${at} is a file, not a directory.`,
          { file: path },
        );
      }
      break;
    }
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw directoryError(path, error as NodeJS.ErrnoException, what);
    }
  }
}

function directoryError(path: string, error: NodeJS.ErrnoException, what?: string): UsageError {
  return new UsageError(
    'file-system',
    `${what ? `${what} ` : ''}${path}: cannot create the directory ${error.path ?? path}: ${error.code === 'EACCES' || error.code === 'EPERM' ? 'permission denied' : error.code === 'ENOENT' ? 'its parent does not take new directories' : error.message}.`,
    { file: path },
    { cause: error },
  );
}
