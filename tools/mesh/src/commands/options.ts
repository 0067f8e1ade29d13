import { UsageError } from '@retail-mesh/sdk';

/** A positive (or, with allowZero, non-negative) number flag, with a message naming the flag when it is not one. */
export function numberFlag(
  value: unknown,
  flag: string,
  fallback: number,
  { integer = false, allowZero = false } = {},
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !allowZero) || (integer && !Number.isInteger(n))) {
    const what = `${allowZero ? 'non-negative' : 'positive'} ${integer ? 'integer' : 'number'}`;
    throw new UsageError('bad-arguments', `--${flag} must be a ${what}, not ${String(value)}.`);
  }
  return n;
}
