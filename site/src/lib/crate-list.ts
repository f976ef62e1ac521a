// The crate list in parts small enough for a phone: the crates that need attention
// (advisories, several versions in one lockfile, newer releases) on /crates/, and every
// crate on a page per initial letter.
import type { CrateView, RepoView } from './data.ts';
import { formatDay } from './format.ts';

export interface CrateRow {
  name: string;
  versions: number;
  repositories: number;
  lockfiles: number;
  advisories: number;
  /** Lockfiles that lock it at more than one version. */
  duplicated: number;
  /** Lockfiles where it has a newer release. */
  outdated: number;
  /** `YYYY-MM-DD` of its last sighting when no latest result locks it any more. */
  goneSince?: string;
}

/** The page a crate is listed on: its lower-cased first letter, or `other` for a digit or anything else. */
export function crateLetter(name: string): string {
  const first = name.charAt(0).toLowerCase();
  return /^[a-z]$/.test(first) ? first : 'other';
}

export function letterLabel(letter: string): string {
  return letter === 'other' ? 'Other' : letter.toUpperCase();
}

/** One row per crate, sorted by name. */
export function crateRows(crates: Iterable<CrateView>, repositories: readonly RepoView[]): CrateRow[] {
  const duplicated = new Map<string, number>();
  const outdated = new Map<string, number>();
  for (const repo of repositories) {
    for (const lockfile of repo.latest.lockfiles) {
      for (const d of lockfile.duplicates) duplicated.set(d.name, (duplicated.get(d.name) ?? 0) + 1);
      for (const name of new Set(lockfile.outdated.map((o) => o.name))) outdated.set(name, (outdated.get(name) ?? 0) + 1);
    }
  }
  return [...crates]
    .map((view) => ({
      name: view.name,
      versions: new Set(view.occurrences.map((o) => o.version)).size,
      repositories: new Set(view.occurrences.map((o) => o.repository)).size,
      lockfiles: new Set(view.occurrences.map((o) => `${o.repository}\u0000${o.lockfile}`)).size,
      advisories: view.gone ? 0 : view.advisories.length,
      duplicated: duplicated.get(view.name) ?? 0,
      outdated: outdated.get(view.name) ?? 0,
      ...(view.gone ? { goneSince: formatDay(view.gone.scannedAt) } : {}),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The crates that need attention: an advisory, several versions in a lockfile, or a newer release. */
export function needsAttention(row: CrateRow): boolean {
  return row.goneSince === undefined && (row.advisories > 0 || row.duplicated > 0 || row.outdated > 0);
}

/** The letters that have crates, in order (`other` last), with how many each. */
export function letters(rows: readonly CrateRow[]): { letter: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(crateLetter(row.name), (counts.get(crateLetter(row.name)) ?? 0) + 1);
  return [...counts].map(([letter, count]) => ({ letter, count })).sort((a, b) => (a.letter === 'other' ? 1 : b.letter === 'other' ? -1 : a.letter.localeCompare(b.letter)));
}
