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
  const bound = ranges.find((r) => rangeContains(r, locked))?.fixed;
  if (bound === undefined) return undefined;
  // A range that ends at `1.2.4-0` comes from `> 1.2.3`: the release a person can use is 1.2.4.
  if (bound.prerelease.length === 1 && bound.prerelease[0] === 0) {
    const release = new semver.SemVer(`${bound.major}.${bound.minor}.${bound.patch}`);
    if (!isAffected(release, ranges)) return release;
  }
  return bound;
}

/** Works out the fix for package `name` locked at `locked`. */
export function findFix(name: string, locked: semver.SemVer, ranges: readonly AffectedRange[], published?: readonly string[]): Fix {
  const target = nearestUnaffected(locked, ranges, published);
  if (target === undefined) {
    return { status: 'none', version: null, command: null, summary: `No fixed version of ${name} is known: remove it or replace it.` };
  }
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
  // Ranges such as [0.2.1-0, 0.2.1), between two exact unaffected versions, hold only
  // prereleases: people upgrade to releases, so only ranges holding a release count.
  const next = ranges
    .filter((r) => r.introduced !== undefined && compareVersions(r.introduced, target) > 0)
    .map((r) => ({ release: firstRelease(r.introduced!), fixed: r.fixed }))
    .filter((r) => r.fixed === undefined || compareVersions(r.release, r.fixed) < 0)
    .sort((a, b) => compareVersions(a.release, b.release))[0];
  if (next === undefined) return ' or later';
  return ` (not later: ${next.release.version} and up are affected again until a later fix)`;
}

/** The first release at or above `v` (`1.2.4-0` → `1.2.4`). */
function firstRelease(v: semver.SemVer): semver.SemVer {
  return v.prerelease.length === 0 ? v : new semver.SemVer(`${v.major}.${v.minor}.${v.patch}`);
}
