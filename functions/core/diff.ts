// New and resolved findings between a repository's previous result and this one, by
// finding identity (repository, lockfile, kind, advisory id or `yanked`, crate name).
import { findingRef, findingRefKey, type FindingRef, type LockfileResult, type ScanDiff, type ScanResult } from './result.ts';

function refsOf(repository: string, lockfiles: readonly LockfileResult[]): Map<string, FindingRef> {
  const refs = new Map<string, FindingRef>();
  for (const lockfile of lockfiles) {
    for (const finding of lockfile.findings) {
      const ref = findingRef(lockfile.path, finding);
      refs.set(findingRefKey(repository, ref), ref);
    }
  }
  return refs;
}

/**
 * Compares this scan's lockfiles with the previous result. On a first scan every finding
 * is new. A lockfile that failed to parse this time keeps its previous findings out of
 * `resolved`: nothing is called fixed that was not looked at.
 */
export function diffFindings(repository: string, previous: ScanResult | undefined, lockfiles: readonly LockfileResult[]): ScanDiff {
  const current = refsOf(repository, lockfiles);
  if (!previous) return { previousScanAt: null, new: [...current.values()], resolved: [] };
  const unread = new Set(lockfiles.filter((l) => l.status === 'error').map((l) => l.path));
  // An error result carries the lockfiles of the last scan that could read the repository.
  const before = refsOf(repository, previous.lockfiles.filter((l) => !unread.has(l.path)));
  return {
    previousScanAt: previous.scannedAt,
    new: [...current].filter(([key]) => !before.has(key)).map(([, ref]) => ref),
    resolved: [...before].filter(([key]) => !current.has(key) && !unread.has(before.get(key)!.lockfile)).map(([, ref]) => ref),
  };
}

/**
 * The history with every diff recomputed by today's finding identity, oldest first. Results
 * written before the identity dropped the version list a bumped crate as resolved and new at
 * once; history objects are never rewritten, so readers (the site, the feed) derive the diffs
 * here instead. The oldest result keeps its stored diff, less such version-only pairs.
 */
export function rediffHistory(repository: string, history: readonly ScanResult[]): ScanResult[] {
  return history.map((result, i) => {
    if (i > 0) return { ...result, diff: result.errors.length > 0 ? { ...result.diff, new: [], resolved: [] } : diffFindings(repository, history[i - 1], result.lockfiles) };
    const resolvedKeys = new Set(result.diff.resolved.map((ref) => findingRefKey(repository, ref)));
    const newKeys = new Set(result.diff.new.map((ref) => findingRefKey(repository, ref)));
    return {
      ...result,
      diff: {
        ...result.diff,
        new: result.diff.new.filter((ref) => !resolvedKeys.has(findingRefKey(repository, ref))),
        resolved: result.diff.resolved.filter((ref) => !newKeys.has(findingRefKey(repository, ref))),
      },
    };
  });
}
