const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** A duration as written in SLAs: a number and a unit, `30s`, `15m`, `1h`, `2d`, `1w`. */
export type Duration = `${number}${'s' | 'm' | 'h' | 'd' | 'w'}`;

export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)([smhdw])$/;

/** Seconds in a duration, or undefined when it is not one. */
export function durationSeconds(value: string): number | undefined {
  const match = DURATION_PATTERN.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * (UNITS[match[2]!] ?? 0);
}

/** `5400` -> `1h30m`: short, for tables. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${s % 3600 >= 60 ? `${Math.floor((s % 3600) / 60)}m` : ''}`;
  return `${Math.floor(s / 86400)}d${s % 86400 >= 3600 ? `${Math.floor((s % 86400) / 3600)}h` : ''}`;
}

/** How far ahead of this machine's clock a recorded time may be before it is not believed: clocks drift. */
export const CLOCK_TOLERANCE_MS = 5 * 60_000;

/** A time ahead of `now` beyond the tolerance: written by a clock set ahead, or by hand. */
export function isAhead(t: Date | null | undefined, now: Date): t is Date {
  return !!t && t.getTime() - now.getTime() > CLOCK_TOLERANCE_MS;
}

/** How far ahead, for a message: `40 min`, `3 h`, `12 days`. */
export function formatAhead(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}
