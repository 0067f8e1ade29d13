import { UsageError } from '@retail-mesh/sdk';

/** A positive number flag, with a message naming the flag when it is not one. */
export function numberFlag(value: unknown, flag: string, fallback: number, { integer = false } = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(
      'bad-arguments',
      `--${flag} must be a positive ${integer ? 'integer' : 'number'}, not ${String(value)}.`,
    );
  }
  return n;
}
