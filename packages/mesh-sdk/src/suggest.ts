/**
 * The known name nearest to a mistyped one, if it is near: at most two edits, and fewer for a
 * short name (a third of its length), so that `nosuch` suggests nothing rather than anything.
 * Letter case is no edit: `ORDER` is `order`.
 */
export function closest(typed: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(typed.toLowerCase(), name.toLowerCase());
    if (distance <= Math.min(2, Math.floor(name.length / 3)) && (!best || distance < best.distance))
      best = { name, distance };
  }
  return best?.name;
}

/**
 * What a message says after a name that matches nothing: the nearest known name when one is
 * near, else every known name (`label: a, b, c.`), so a typo is not answered with a long list.
 *
 * @example
 * suggestion('bulid', ['build', 'test'], 'Commands'); // 'Did you mean build?'
 */
export function suggestion(typed: string, known: readonly string[], label: string): string {
  const guess = closest(typed, known);
  return guess ? `Did you mean ${guess}?` : `${label}: ${known.join(', ')}.`;
}

/**
 * Edits between two names, a swap of two neighbours counting as one (optimal string alignment):
 * the commonest typo (`bulid`, `prodcut`) is one edit, not two.
 */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
