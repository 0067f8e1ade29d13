import { UsageError } from '@retail-mesh/sdk';

// Decimal notation only: `Number()` also reads '' as 0, '0x10' as 16 and ' ' as 0.
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/**
 * A positive (or, with allowZero, non-negative) number flag, with a message naming the flag
 * when it is not one. Integers must be exact (safe integers); `max` bounds what the command
 * can honour.
 */
export function numberFlag(
  value: unknown,
  flag: string,
  fallback: number,
  { integer = false, allowZero = false, max }: { integer?: boolean; allowZero?: boolean; max?: number } = {},
): number {
  if (value === undefined) return fallback;
  const text = String(value).trim();
  const n = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !allowZero) || (integer && !Number.isInteger(n))) {
    const what = `${allowZero ? 'non-negative' : 'positive'} ${integer ? 'integer' : 'number'}`;
    throw new UsageError(
      'bad-arguments',
      `--${flag} must be a ${what}, not ${text ? String(value) : 'an empty value'}.`,
    );
  }
  // Beyond 2^53 an integer is no longer the one typed.
  const limit = max ?? (integer ? Number.MAX_SAFE_INTEGER : undefined);
  if (limit !== undefined && n > limit) {
    throw new UsageError('bad-arguments', `--${flag} must be at most ${limit}, not ${String(value)}.`);
  }
  return n;
}
