// The fix for a finding: the nearest version above the locked one that the advisory
// does not affect, and whether `cargo update --precise` reaches it without a manifest change.
import semver from 'semver';
import { compareVersions, isAffected, rangeContains, type AffectedRange } from './advisory-ranges.ts';
import { isCargoCompatible } from './cargo-version-req.ts';

export type FixStatus = 'compatible' | 'manifest-bump' | 'none';

export interface Fix {
  status: FixStatus;
  /** The smallest unaffected version above the locked one; null when there is none. */
  version: string | null;
  /** `cargo update -p NAME@LOCKED --precise FIX`, only when the fix is semver-compatible. */
  command: string | null;
  /** One sentence a person can act on. */
  summary: string;
}

/**
 * The smallest version above `locked` outside the affected ranges. With `published`
 * (versions from the registry index) the answer is a real release; without it, the
 * lower bound of the unaffected range, where `> 1.2.3` is taken to mean 1.2.4.
 */
export function nearestUnaffected(locked: semver.SemVer, ranges: readonly AffectedRange[], published?: readonly string[]): semver.SemVer | undefined {
  if (published) {
    return published
      .map((v) => semver.parse(v))
      .filter((v): v is semver.SemVer => v !== null && compareVersions(v, locked) > 0 && !isAffected(v, ranges))
      .sort(compareVersions)[0];
  }
  if (!isAffected(locked, ranges)) return undefined;
  return firstUnaffectedFrom(locked, ranges);
}

/**
 * The smallest version at or above `start` outside every range (the ranges may come from
 * several advisories and overlap), climbing from the end of each range that holds it;
 * undefined when an unbounded range does. A bound of `1.2.4-0` (from `> 1.2.3`) becomes
 * the release 1.2.4 when that is unaffected too: people upgrade to releases.
 *
 * @example firstUnaffectedFrom(v('0.6.10'), [...affectedRanges(['>= 0.6.10'], []), ...affectedRanges(['>= 0.6.14'], [])]) // 0.6.14
 */
export function firstUnaffectedFrom(start: semver.SemVer, ranges: readonly AffectedRange[]): semver.SemVer | undefined {
  let at = start;
  // Each step moves strictly up to the end of a range holding `at`, so at most one step per range.
  for (let containing = ranges.find((r) => rangeContains(r, at)); containing !== undefined; containing = ranges.find((r) => rangeContains(r, at))) {
    if (containing.fixed === undefined) return undefined;
    at = containing.fixed;
  }
  if (at.prerelease.length === 1 && at.prerelease[0] === 0) {
    const release = new semver.SemVer(`${at.major}.${at.minor}.${at.patch}`);
    if (!isAffected(release, ranges)) return release;
  }
  return at;
}

/** Works out the fix for package `name` locked at `locked`. */
export function findFix(name: string, locked: semver.SemVer, ranges: readonly AffectedRange[], published?: readonly string[]): Fix {
  const target = nearestUnaffected(locked, ranges, published);
  if (target === undefined) {
    return { status: 'none', version: null, command: null, summary: `No fixed version of ${name} is known: remove it or replace it.` };
  }
  return fixTo(name, locked, target, ranges);
}

/** The fix that moves `name` from `locked` to `target`: a cargo update command when semver-compatible, else a manifest bump. */
export function fixTo(name: string, locked: semver.SemVer, target: semver.SemVer, ranges: readonly AffectedRange[]): Fix {
  const version = target.version;
  if (isCargoCompatible(locked, target)) {
    const command = `cargo update -p ${name}@${locked.version} --precise ${version}`;
    return { status: 'compatible', version, command, summary: `Upgrade ${name} to ${version} (semver-compatible): ${command}` };
  }
  return {
    status: 'manifest-bump',
    version,
    command: null,
    summary: `Upgrade ${name} to ${version}${laterAffected(target, ranges)}: not semver-compatible with ${locked.version}, so the requirement in Cargo.toml (of ${name} or the crate that pulls it in) must be raised.`,
  };
}

/** " or later", unless a later release line is affected again; then where that starts. */
function laterAffected(target: semver.SemVer, ranges: readonly AffectedRange[]): string {
  const again = affectedAgainFrom(target, ranges);
  if (again === undefined) return ' or later';
  return ` (not later: ${again.version} and up are affected again until a later fix)`;
}

/** The first release above `target` that one of the ranges affects again, if any. */
export function affectedAgainFrom(target: semver.SemVer, ranges: readonly AffectedRange[]): semver.SemVer | undefined {
  // Ranges such as [0.2.1-0, 0.2.1), between two exact unaffected versions, hold only
  // prereleases: people upgrade to releases, so only ranges holding a release count.
  return ranges
    .filter((r) => r.introduced !== undefined && compareVersions(r.introduced, target) > 0)
    .map((r) => ({ release: firstRelease(r.introduced!), fixed: r.fixed }))
    .filter((r) => r.fixed === undefined || compareVersions(r.release, r.fixed) < 0)
    .sort((a, b) => compareVersions(a.release, b.release))[0]?.release;
}

/** The first release at or above `v` (`1.2.4-0` → `1.2.4`). */
function firstRelease(v: semver.SemVer): semver.SemVer {
  return v.prerelease.length === 0 ? v : new semver.SemVer(`${v.major}.${v.minor}.${v.patch}`);
}
