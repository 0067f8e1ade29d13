import { describe, expect, it } from 'vitest';
import { durationSeconds, formatSeconds } from './duration.js';

describe('durationSeconds', () => {
  it.each([
    ['30s', 30],
    ['15m', 900],
    ['1h', 3600],
    ['2d', 172_800],
    ['1w', 604_800],
    ['1.5h', 5400],
    ['0s', 0],
  ])('reads %s as %d seconds', (text, seconds) => {
    expect(durationSeconds(text)).toBe(seconds);
  });

  it.each(['', '10', 'h', '1x', '1 h', ' 1h', '1h ', '-1h', '1H', '1h30m', '.5h'])('rejects %j', (text) => {
    expect(durationSeconds(text)).toBeUndefined();
  });
});

describe('formatSeconds', () => {
  it.each([
    [0, '0s'],
    [59, '59s'],
    [60, '1m'],
    [61, '1m1s'],
    [3599, '59m59s'],
    [3600, '1h'],
    [3659, '1h'],
    [5400, '1h30m'],
    [86_399, '23h59m'],
    [86_400, '1d'],
    [90_000, '1d1h'],
    [694_800, '8d1h'],
  ])('formats %d as %s', (seconds, text) => {
    expect(formatSeconds(seconds)).toBe(text);
  });

  it('rounds before choosing the unit', () => {
    expect(formatSeconds(59.6)).toBe('1m');
    expect(formatSeconds(3599.5)).toBe('1h');
  });

  it('clamps negative ages to zero and shows non-finite values as a dash', () => {
    expect(formatSeconds(-5)).toBe('0s');
    expect(formatSeconds(Number.NaN)).toBe('-');
    expect(formatSeconds(Number.POSITIVE_INFINITY)).toBe('-');
  });
});
