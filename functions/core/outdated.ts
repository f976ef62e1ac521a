// Outdated packages, as `cargo outdated` shows them: for each locked crates.io package the
// newest semver-compatible release and the newest release overall, within the workspace's MSRV.
import semver from 'semver';
import { compareVersions } from './advisory-ranges.ts';
import { isCargoCompatible } from './cargo-version-req.ts';
import type { Lockfile } from './lockfile.ts';
import type { CrateLookup, IndexVersion } from './ports.ts';
import type { OutdatedPackage } from './result.ts';

/** `1.60` → `1.60.0`: Cargo's `rust-version` may leave out the patch. */
export function parseRustVersion(text: string | null): semver.SemVer | null {
  if (text === null) return null;
  const parts = text.trim().split('.');
  while (parts.length < 3) parts.push('0');
  return semver.parse(parts.join('.'));
}

/** Releases of the index (no yanked versions, no prereleases), parsed, ascending. */
export function releasesOf(versions: readonly IndexVersion[]): { version: semver.SemVer; rustVersion: semver.SemVer | null }[] {
  return versions
    .filter((v) => !v.yanked)
    .map((v) => ({ version: semver.parse(v.version), rustVersion: parseRustVersion(v.rustVersion) }))
    .filter((v): v is { version: semver.SemVer; rustVersion: semver.SemVer | null } => v.version !== null && v.version.prerelease.length === 0)
    .sort((a, b) => compareVersions(a.version, b.version));
}

/** The outdated entries of the lockfile's previous result, and when that scan read the index. */
export interface CarriedOutdated {
  outdated: readonly OutdatedPackage[];
  scannedAt: string;
}

/**
 * Every crates.io package with a newer release in the index. `rustVersion` (the
 * workspace's MSRV) leaves out releases that declare a newer `rust_version`. For a crate
 * whose lookup failed, the entry of the same version in `carried` stands in, marked with
 * when it was read, so an index outage neither drops it nor brings it back as news.
 */
export function findOutdated(lockfile: Lockfile, index: ReadonlyMap<string, CrateLookup>, rustVersion: string | null, carried?: CarriedOutdated): OutdatedPackage[] {
  const msrv = parseRustVersion(rustVersion);
  const direct = new Set(lockfile.roots.flatMap((root) => lockfile.packages[root]!.dependencies));
  const outdated: OutdatedPackage[] = [];
  for (const pkg of lockfile.packages) {
    if (pkg.source?.kind !== 'crates-io') continue;
    const lookup = index.get(pkg.name);
    if (lookup?.kind === 'failed' && carried) {
      const before = carried.outdated.find((o) => o.name === pkg.name && o.version === pkg.version);
      if (before) outdated.push({ ...before, direct: direct.has(pkg.index), carriedFrom: before.carriedFrom ?? carried.scannedAt });
      continue;
    }
    if (lookup?.kind !== 'found') continue;
    const newer = releasesOf(lookup.versions).filter((r) => compareVersions(r.version, pkg.semver) > 0);
    const fits = newer.filter((r) => msrv === null || r.rustVersion === null || compareVersions(r.rustVersion, msrv) <= 0);
    const latest = fits.at(-1)?.version ?? null;
    const compatible = fits.filter((r) => isCargoCompatible(pkg.semver, r.version)).at(-1)?.version ?? null;
    if (latest === null && compatible === null && newer.length === 0) continue;
    outdated.push({
      name: pkg.name,
      version: pkg.version,
      compatible: compatible?.version ?? null,
      latest: latest?.version ?? null,
      direct: direct.has(pkg.index),
      msrvLimited: fits.length < newer.length,
    });
  }
  return outdated.sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}
