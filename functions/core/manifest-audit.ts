// The manifest-only scan, as deps.rs does it for a repository without Cargo.lock: for each
// requirement of each member, the newest version it admits, whether that one or only some
// admitted version is affected by an advisory, and whether newer releases are out of reach.
import semver from 'semver';
import { compareVersions, isAffected, rangeContains, type AffectedRange } from './advisory-ranges.ts';
import type { Advisory, AdvisoryDb } from './advisory.ts';
import { kindOf, severityOf } from './audit.ts';
import { admits, lowerBound } from './cargo-req-range.ts';
import { CRATES_IO_REGISTRY, CRATES_IO_SPARSE } from './lockfile.ts';
import { parseRustVersion } from './outdated.ts';
import type { CrateLookup } from './ports.ts';
import type { NotCoveredRequirement, RequirementAdvisory, RequirementCheck, RequirementIndexState, RequirementStatus } from './result.ts';
import type { ResolvedDependency, Workspace, WorkspaceMember } from './workspace-members.ts';

// The checks' types are the result document's (result.ts): what is computed here is stored as it is.
export type { RequirementStatus, RequirementAdvisory, RequirementIndexState, NotCoveredRequirement, RequirementCheck } from './result.ts';

export interface ManifestAuditOptions {
  /** The index's answer per crate name; absent when offline. */
  index?: ReadonlyMap<string, CrateLookup>;
}

/**
 * True when some release the requirement admits lies in an affected range: the offline
 * "maybe vulnerable" test, on intervals alone (which versions were published is not known).
 * The lowest release at or above both lower bounds is the witness: if it is not in both
 * intervals, no release is. A prerelease counts only where the requirement itself names one.
 *
 * @example admitsAffected('^1.2', affectedRanges(['>= 1.2.5'], [])) // true: 1.2.0 to 1.2.4
 */
export function admitsAffected(requirement: string, ranges: readonly AffectedRange[]): boolean {
  const low = lowerBound(requirement);
  return ranges.some((range) => {
    const from = range.introduced && compareVersions(range.introduced, low) > 0 ? range.introduced : low;
    const candidates = from.prerelease.length > 0 ? [from, new semver.SemVer(`${from.major}.${from.minor}.${from.patch}`)] : [from];
    return candidates.some((v) => rangeContains(range, v) && admits(requirement, v));
  });
}

/** Advisories that apply to the crates.io crate of this name (withdrawn ones and other registries' never). */
function advisoriesFor(name: string, db: AdvisoryDb): Advisory[] {
  return (db.byPackage.get(name) ?? []).filter(
    (a) => a.withdrawn === undefined && (a.source === undefined || a.source === CRATES_IO_REGISTRY || a.source === CRATES_IO_SPARSE) && kindOf(a) !== undefined,
  );
}

function notCoveredOf(dep: ResolvedDependency, workspace: Workspace): NotCoveredRequirement | null {
  if (dep.path !== null) return { reason: 'path', message: `a path dependency (${dep.path}): built from the repository, not crates.io` };
  if (dep.git !== null) return { reason: 'git', message: `a git dependency (${dep.git.url}): RustSec advisories and the crates.io index do not cover it` };
  if (dep.registry !== null && dep.registry !== 'crates-io') {
    return { reason: 'other-registry', message: `from registry "${dep.registry}", not crates.io: RustSec advisories and the crates.io index do not cover it` };
  }
  const patch = workspace.root.patch.find((p) => p.registry === 'crates-io')?.dependencies.find((d) => d.name === dep.name);
  if (patch) return { reason: 'patched', message: `replaced by [patch.crates-io] in ${workspace.root.path}:${patch.line}: the patch is built, not the crates.io release` };
  return null;
}

/** The member's `rust-version`, or the workspace's it inherits. */
function rustVersionOf(member: WorkspaceMember, workspace: Workspace): semver.SemVer | null {
  const pkg = member.manifest.package;
  if (pkg?.rustVersion) return parseRustVersion(pkg.rustVersion);
  const inherited = workspace.root.workspace?.package['rust-version'];
  return pkg?.inheritsRustVersion && typeof inherited === 'string' ? parseRustVersion(inherited) : null;
}

/** The crates.io crates the index should be asked about: covered requirements only, each name once, sorted. */
export function cratesToLookUp(workspace: Workspace): string[] {
  return [...new Set(workspace.dependencies.filter((d) => notCoveredOf(d, workspace) === null).map((d) => d.name))].sort();
}

interface Published {
  version: semver.SemVer;
  rustVersion: semver.SemVer | null;
}

function publishedOf(lookup: Extract<CrateLookup, { kind: 'found' }>): Published[] {
  return lookup.versions
    .filter((v) => !v.yanked)
    .map((v) => ({ version: semver.parse(v.version), rustVersion: parseRustVersion(v.rustVersion) }))
    .filter((v): v is Published => v.version !== null)
    .sort((a, b) => compareVersions(a.version, b.version));
}

/** The newest of `list`, preferring those whose `rust_version` fits the MSRV (Cargo's MSRV-aware resolver falls back the same way). */
function newestWithin(list: readonly Published[], msrv: semver.SemVer | null): { version: semver.SemVer | null; limited: boolean } {
  const newest = list.at(-1)?.version ?? null;
  const fits = list.filter((p) => msrv === null || p.rustVersion === null || compareVersions(p.rustVersion, msrv) <= 0);
  const chosen = fits.at(-1)?.version ?? newest;
  return { version: chosen, limited: chosen !== null && newest !== null && compareVersions(chosen, newest) < 0 };
}

function indexState(name: string, lookup: CrateLookup | undefined, offline: boolean): RequirementIndexState {
  if (offline || lookup === undefined) return { checked: false, reason: 'offline', message: 'the index was not asked (offline)' };
  if (lookup.kind === 'gone') return { checked: false, reason: 'not-in-index', message: `"${name}" is not in the index (HTTP ${lookup.status})` };
  if (lookup.kind === 'failed') return { checked: false, reason: 'index-failed', message: `the index could not be read: ${lookup.message}` };
  return { checked: true };
}

function checkRequirement(dep: ResolvedDependency, workspace: Workspace, db: AdvisoryDb, options: ManifestAuditOptions): RequirementCheck {
  const notCovered = notCoveredOf(dep, workspace);
  const base = {
    member: dep.member.name,
    file: dep.member.manifest.path,
    line: dep.declared.line,
    key: dep.declared.key,
    name: dep.name,
    kind: dep.declared.kind,
    target: dep.declared.target,
    inheritedFrom: dep.inherited ? { file: workspace.root.path, line: dep.inherited.line } : null,
  };
  if (notCovered) {
    return { ...base, requirement: dep.version, status: 'not-covered', notCovered, index: { checked: false, reason: 'not-covered', message: 'not a crates.io dependency: the index is not asked' }, newest: null, latest: null, outdated: null, msrvLimited: false, advisories: [] };
  }
  const requirement = dep.version ?? '*';
  const lookup = options.index?.get(dep.name);
  const index = indexState(dep.name, lookup, options.index === undefined);
  const advisories = advisoriesFor(dep.name, db);
  const advisory = (a: Advisory, affectsNewest: boolean | null, affectedVersions: string[] | null): RequirementAdvisory => {
    const kind = kindOf(a)!;
    return { id: a.id, kind, severity: severityOf(a, kind), title: a.title, affectsNewest, affectedVersions };
  };

  let newest: semver.SemVer | null = null;
  let latest: semver.SemVer | null = null;
  let outdated: boolean | null = null;
  let msrvLimited = false;
  let matched: RequirementAdvisory[];
  let noMatch = false;
  if (lookup?.kind === 'found') {
    const msrv = rustVersionOf(dep.member, workspace);
    const published = publishedOf(lookup);
    const admitted = published.filter((p) => admits(requirement, p.version));
    const pick = newestWithin(admitted, msrv);
    const top = newestWithin(
      published.filter((p) => p.version.prerelease.length === 0),
      msrv,
    );
    newest = pick.version;
    latest = top.version;
    msrvLimited = pick.limited || top.limited;
    outdated = latest !== null && !admits(requirement, latest) && compareVersions(latest, newest ?? lowerBound(requirement)) > 0;
    noMatch = admitted.length === 0;
    matched = advisories.flatMap((a) => {
      const affected = admitted.filter((p) => isAffected(p.version, a.ranges)).map((p) => p.version.version);
      if (affected.length === 0) return [];
      return [advisory(a, newest !== null && affected.includes(newest.version), affected)];
    });
  } else {
    matched = advisories.filter((a) => admitsAffected(requirement, a.ranges)).map((a) => advisory(a, null, null));
  }
  const vulnerabilities = matched.filter((a) => a.kind === 'vulnerability');
  const status: RequirementStatus = noMatch
    ? 'no-matching-version'
    : vulnerabilities.some((a) => a.affectsNewest === true)
      ? 'vulnerable'
      : vulnerabilities.length > 0
        ? 'maybe-vulnerable'
        : 'ok';
  return { ...base, requirement, status, notCovered: null, index, newest: newest?.version ?? null, latest: latest?.version ?? null, outdated, msrvLimited, advisories: matched };
}

/**
 * Checks every requirement of every member of the workspace (normal, build and dev, each
 * target) against the advisory database and, when given, the index's answers. Sorted by
 * file and line.
 *
 * - vulnerable: the newest admitted version (what `cargo update` would resolve to) is
 *   affected by a vulnerability advisory;
 * - maybe-vulnerable: only some admitted version is, so a lockfile could hold it. Without
 *   the index's answer for the crate, this is decided on the ranges alone
 *   (`admitsAffected`), and nothing is ever `vulnerable`;
 * - informational advisories (unmaintained, unsound, notice) are listed, never raise the status.
 */
export function auditManifestRequirements(workspace: Workspace, db: AdvisoryDb, options: ManifestAuditOptions = {}): RequirementCheck[] {
  return workspace.dependencies
    .map((dep) => checkRequirement(dep, workspace, db, options))
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.key.localeCompare(b.key));
}
