// How long findings stay open: first-seen times and ages over one repository's history,
// times to fix of those resolved in it, and open findings by severity over the portfolio.
import { rediffHistory } from './diff.ts';
import { findingRef, findingRefKey, type FindingRef, type ScanResult } from './result.ts';
import { SEVERITIES, type Severity } from './severity.ts';

const DAY_MS = 86_400_000;

export interface OpenFinding {
  /** The finding's identity (findingRefKey): stable across version bumps inside the affected range. */
  key: string;
  /** As the latest scan reports it (its locked version and severity now). */
  ref: FindingRef;
  /** When the scan that first saw it (this time: after a fix it may come back) ran. */
  firstSeen: string;
  /** True when it was already there in the oldest result given: it may be older than `firstSeen`. */
  sinceHistoryStart: boolean;
  /** Whole days from `firstSeen` to the latest scan. */
  ageDays: number;
}

export interface ResolvedFinding {
  key: string;
  /** As the last scan that saw it reported it. */
  ref: FindingRef;
  firstSeen: string;
  sinceHistoryStart: boolean;
  /** When the scan that no longer saw it ran. */
  resolvedAt: string;
  /** Whole days from `firstSeen` to `resolvedAt`. */
  daysToFix: number;
}

export interface FindingTimeline {
  /** The findings open at the latest scan, oldest first. */
  open: OpenFinding[];
  /** Every time a finding was resolved within the history, in order of resolution. */
  resolved: ResolvedFinding[];
}

function wholeDays(from: string, to: string): number {
  return Math.max(0, Math.floor((Date.parse(to) - Date.parse(from)) / DAY_MS));
}

/** The findings of a result by identity, as they are reported there. */
function refsOf(repository: string, result: ScanResult): Map<string, FindingRef> {
  const refs = new Map<string, FindingRef>();
  for (const lockfile of result.lockfiles) {
    for (const finding of lockfile.findings) {
      const ref = findingRef(lockfile.path, finding);
      refs.set(findingRefKey(repository, ref), ref);
    }
  }
  return refs;
}

/**
 * Open and resolved findings over a repository's history (oldest first), with the new and
 * resolved lists recomputed as `rediffHistory` does: a result that could not read the
 * repository changes nothing, a lockfile that failed to parse resolves nothing, and a
 * finding resolved and found again starts a new episode.
 *
 * @example findingTimeline('ripgrep', history).open[0] // { ref: { id: 'RUSTSEC-2021-0003', … }, firstSeen: '2026-01-02T…', ageDays: 40, … }
 */
export function findingTimeline(repository: string, history: readonly ScanResult[]): FindingTimeline {
  const diffed = rediffHistory(repository, history);
  const open = new Map<string, { ref: FindingRef; firstSeen: string; sinceHistoryStart: boolean }>();
  const resolved: ResolvedFinding[] = [];
  diffed.forEach((result, i) => {
    const current = refsOf(repository, result);
    if (i === 0) {
      for (const [key, ref] of current) open.set(key, { ref, firstSeen: result.scannedAt, sinceHistoryStart: true });
      return;
    }
    for (const ref of result.diff.resolved) {
      const key = findingRefKey(repository, ref);
      const episode = open.get(key);
      if (!episode) continue;
      open.delete(key);
      resolved.push({ key, ref: episode.ref, firstSeen: episode.firstSeen, sinceHistoryStart: episode.sinceHistoryStart, resolvedAt: result.scannedAt, daysToFix: wholeDays(episode.firstSeen, result.scannedAt) });
    }
    for (const ref of result.diff.new) {
      const key = findingRefKey(repository, ref);
      if (!open.has(key)) open.set(key, { ref, firstSeen: result.scannedAt, sinceHistoryStart: false });
    }
    // Keep each open finding as it is reported now (a bumped version, a rescored advisory).
    for (const [key, episode] of open) {
      const now = current.get(key);
      if (now) episode.ref = now;
    }
  });
  const latest = history.at(-1);
  const openList = [...open].map(([key, e]) => ({ key, ref: e.ref, firstSeen: e.firstSeen, sinceHistoryStart: e.sinceHistoryStart, ageDays: latest ? wholeDays(e.firstSeen, latest.scannedAt) : 0 }));
  openList.sort((a, b) => a.firstSeen.localeCompare(b.firstSeen) || a.key.localeCompare(b.key));
  return { open: openList, resolved };
}

/** Open findings of the portfolio at the end of one day. */
export interface TrendPoint {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  bySeverity: Record<Severity, number>;
  total: number;
  /** Repositories with a result by the end of that day. */
  repositories: number;
}

/**
 * For each day on which any repository was scanned, the open findings by severity summed
 * over the repositories, each counted by its latest result as of the end of that day.
 * `histories` holds one array of results per repository, in any order.
 */
export function portfolioTrend(histories: readonly (readonly ScanResult[])[]): TrendPoint[] {
  const sorted = histories.map((history) => [...history].sort((a, b) => Date.parse(a.scannedAt) - Date.parse(b.scannedAt)));
  const dayOf = (result: ScanResult) => new Date(result.scannedAt).toISOString().slice(0, 10);
  const days = [...new Set(sorted.flat().map(dayOf))].sort();
  return days.map((day) => {
    const point: TrendPoint = { day, bySeverity: { critical: 0, high: 0, medium: 0, low: 0, unscored: 0, informational: 0 }, total: 0, repositories: 0 };
    for (const history of sorted) {
      const latest = history.filter((r) => dayOf(r) <= day).at(-1);
      if (!latest) continue;
      point.repositories++;
      for (const severity of SEVERITIES) point.bySeverity[severity] += latest.counts.bySeverity[severity];
      point.total += latest.counts.findings;
    }
    return point;
  });
}
