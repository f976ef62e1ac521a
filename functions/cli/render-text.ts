// Small text helpers shared by the terminal and Markdown renderers.
import type { PathStep } from '../core/dependency-paths.ts';
import type { Finding, NotCovered } from '../core/result.ts';

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

/**
 * The not-covered packages as lines: each on its own, but the failed index lookups of one
 * outage in one line (`index lookup failed for 16 crates (base64, bytes, … and 12 more): …`),
 * not sixteen lines saying the same thing.
 */
export function notCoveredLines(notCovered: readonly NotCovered[]): string[] {
  const failed = notCovered.filter((n) => n.reason === 'index-failed');
  const lines = notCovered.filter((n) => n.reason !== 'index-failed').map((n) => `${n.name} ${n.version}: ${n.message}`);
  if (failed.length === 1) lines.push(`${failed[0]!.name} ${failed[0]!.version}: ${failed[0]!.message}`);
  if (failed.length > 1) {
    const names = failed.map((n) => n.name);
    const shown = names.length > 4 ? `${names.slice(0, 4).join(', ')} and ${names.length - 4} more` : names.join(', ');
    lines.push(`index lookup failed for ${failed.length} crates (${shown}): ${failed[0]!.message}`);
  }
  return lines;
}
