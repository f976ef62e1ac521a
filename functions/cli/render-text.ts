// Small text helpers shared by the terminal and Markdown renderers.
import type { PathStep } from '../core/dependency-paths.ts';
import type { Finding } from '../core/result.ts';

/** `my-app → reqwest 0.11.27 → hyper 0.14.32`: roots are shown by name only. */
export function formatPath(path: readonly PathStep[]): string {
  return path.map((step, i) => (i === 0 ? step.name : `${step.name} ${step.version}`)).join(' → ');
}

/** The advisory id, or `yanked` for findings without one. */
export function findingId(finding: Finding): string {
  return finding.advisory?.id ?? 'yanked';
}

export function plural(count: number, word: string): string {
  if (count === 1) return `${count} ${word}`;
  // A consonant before the y: advisory → advisories; a vowel: day → days.
  return `${count} ${/[^aeiou]y$/.test(word) ? `${word.slice(0, -1)}ies` : `${word}s`}`;
}
