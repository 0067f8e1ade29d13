/** Terminal styling that respects NO_COLOR, FORCE_COLOR and pipes. */
const enabled =
  process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0'
    ? true
    : !('NO_COLOR' in process.env) && process.stdout.isTTY === true && process.env.TERM !== 'dumb';

const paint = (open: number, close: number) => (text: string) =>
  enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;

export const color = {
  bold: paint(1, 22),
  dim: paint(2, 22),
  red: paint(31, 39),
  green: paint(32, 39),
  yellow: paint(33, 39),
  cyan: paint(36, 39),
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape codes paint() writes is the point
const ANSI = /\u001b\[\d+m/g;

/** Left-aligned columns; numbers right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const strip = (s: string) => s.replace(ANSI, '');
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => strip(r[i] ?? '').length)));
  const numeric = header.map(
    (_, i) =>
      rows.length > 0 &&
      rows.every((r) => /^[-\d.,%]+$/.test(strip(r[i] ?? '')) || strip(r[i] ?? '') === '-'),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i]! - strip(c).length));
        return numeric[i] ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(header.map((h) => color.bold(h))), ...rows.map(line)].join('\n');
}

export const formatInt = (n: number) => n.toLocaleString('en-US');
export const formatPercent = (n: number | null) =>
  n === null ? '-' : `${(n * 100).toFixed(n === 1 ? 0 : 1)}%`;
export const formatMs = (ms: number) => (ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`);
