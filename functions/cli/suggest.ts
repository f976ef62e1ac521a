// "Did you mean …?" for a mistyped command or option: the closest known word by edit
// distance (a swap of two neighbouring letters counts as one edit), when it is close enough
// to be a likely typo rather than a different word.

/** Edits (insert, delete, substitute, swap neighbours) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate `word` most likely meant: the nearest within a third of its length (at
 * least one edit, at most three), or the only candidate it is a prefix of; else undefined
 * (always for words of one or two letters).
 */
export function closestWord(word: string, candidates: readonly string[]): string | undefined {
  // One or two letters say too little to guess from: `-x` is no typo of `-f`.
  if (word.replace(/^-+/, '').length < 3) return undefined;
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined && bestDistance <= limit) return best;
  const extending = candidates.filter((c) => word.length >= 3 && c.startsWith(word));
  return extending.length === 1 ? extending[0] : undefined;
}

/** The options a command's help text lists (`-d, --db PATH` gives `-d` and `--db`). */
export function optionsInHelp(help: string): string[] {
  const options = new Set<string>();
  for (const line of help.split('\n')) {
    const match = /^ {2}(?:(-[A-Za-z]), | {4})?(--[a-z][a-z0-9-]*)/.exec(line);
    if (!match) continue;
    if (match[1]) options.add(match[1]);
    options.add(match[2]!);
  }
  return [...options];
}
