/**
 * "Did you mean …?" suggestions: the closest known name by edit distance (Damerau–Levenshtein,
 * so a swapped pair of letters counts as one edit). Pure.
 */

export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    let rowMin = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > max) return max + 1;
  }
  return rows[a.length]![b.length]!;
}

/**
 * The known name closest to `name`, if it is close enough to be a typo: at most 1 edit for short
 * names, 2 from 5 characters, 3 from 12.
 */
export function closest(name: string, known: Iterable<string>): string | undefined {
  const limit = name.length < 5 ? 1 : name.length < 12 ? 2 : 3;
  let best: string | undefined;
  let bestD = limit + 1;
  for (const k of known) {
    if (k === name) continue;
    const d = editDistance(name, k, bestD - 1);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}
