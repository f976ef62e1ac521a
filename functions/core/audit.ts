// Auditing one lockfile against the advisory database: which locked crates.io packages
// an advisory affects, how severe, how to fix, how they are pulled in, and what is ignored.
import { isAffected } from './advisory-ranges.ts';
import { INFORMATIONAL_KINDS, type Advisory, type AdvisoryDb } from './advisory.ts';
import { DependencyPaths } from './dependency-paths.ts';
import { findDuplicates } from './duplicates.ts';
import { findFix, type Fix } from './fix.ts';
import { CRATES_IO_REGISTRY, CRATES_IO_SPARSE, type LockedPackage, type Lockfile } from './lockfile.ts';
import { failsPolicy, type DenyKind, type FindingKind, type Ignore } from './policy.ts';
import { findOutdated } from './outdated.ts';
import type { CrateLookup } from './ports.ts';
import { countFindings, type AdvisoryInfo, type Finding, type IgnoredFinding, type IgnoreProblem, type LockfileResult, type NotCovered } from './result.ts';
import { SEVERITIES, severityOfScore, type Severity } from './severity.ts';

export interface AuditOptions {
  ignores?: readonly Ignore[];
  deny?: readonly DenyKind[];
  /** Today as `YYYY-MM-DD`, for ignore expiry: the core has no clock. */
  today: string;
  /** What the registry index says of each crate (by name); absent when offline. */
  index?: ReadonlyMap<string, CrateLookup>;
  /** The workspace's `rust-version`, for MSRV-aware outdated versions. */
  rustVersion?: string | null;
  /**
   * The same lockfile's result in the repository's previous scan, and when that scan read
   * the index. A crate whose lookup fails this time keeps its yanked finding and outdated
   * entry from it (marked `carriedFrom`), as a repository that cannot be read keeps its
   * lockfiles: an index outage must neither resolve them nor bring them back as new.
   */
  previous?: { lockfile: LockfileResult; scannedAt: string };
  /** Only advisories that can affect this platform (`cargo audit --target-os/--target-arch`). */
  target?: TargetPlatform;
}

/** An operating system and architecture as RustSec names them (`linux`, `windows`; `x86_64`, `aarch64`). */
export interface TargetPlatform {
  os?: string;
  arch?: string;
}

/**
 * Whether an advisory can affect the platform: one limited to some operating systems or
 * architectures (`[affected] os`/`arch`) affects only those; one without limits affects all.
 */
export function appliesToTarget(advisory: Advisory, target: TargetPlatform | undefined): boolean {
  const affected = advisory.affected;
  if (!target || !affected) return true;
  if (target.os !== undefined && affected.os.length > 0 && !affected.os.includes(target.os)) return false;
  if (target.arch !== undefined && affected.arch.length > 0 && !affected.arch.includes(target.arch)) return false;
  return true;
}

/** The finding kind of an advisory, or undefined for informational kinds RustSec may add later. */
export function kindOf(advisory: Advisory): FindingKind | undefined {
  if (advisory.informational === undefined) return 'vulnerability';
  return (INFORMATIONAL_KINDS as readonly string[]).includes(advisory.informational) ? (advisory.informational as FindingKind) : undefined;
}

export function severityOf(advisory: Advisory, kind: FindingKind): Severity {
  if (kind !== 'vulnerability') return 'informational';
  return advisory.cvss ? severityOfScore(advisory.cvss.score) : 'unscored';
}

function advisoryInfo(a: Advisory): AdvisoryInfo {
  return {
    id: a.id,
    title: a.title,
    date: a.date,
    url: a.url ?? null,
    aliases: a.aliases,
    related: a.related,
    references: a.references,
    categories: a.categories,
    keywords: a.keywords,
    informational: a.informational ?? null,
    cvss: a.cvss ?? null,
    patched: a.patched,
    unaffected: a.unaffected,
    affected: a.affected ?? null,
    license: a.license ?? null,
    description: a.description,
  };
}

function appliesToSource(advisory: Advisory, pkg: LockedPackage): boolean {
  if (pkg.source?.kind !== 'crates-io') return false;
  return advisory.source === undefined || advisory.source === CRATES_IO_REGISTRY || advisory.source === CRATES_IO_SPARSE;
}

/** The advisories that affect one package (crates.io only, withdrawn ones never), on `target` when given. */
export function matchAdvisories(pkg: LockedPackage, db: AdvisoryDb, target?: TargetPlatform): Advisory[] {
  const candidates = db.byPackage.get(pkg.name);
  if (!candidates) return [];
  return candidates.filter((a) => a.withdrawn === undefined && appliesToSource(a, pkg) && appliesToTarget(a, target) && isAffected(pkg.semver, a.ranges));
}

/** Non-yanked versions the index lists, when it was asked and answered. */
function publishedVersions(lookup: CrateLookup | undefined): string[] | undefined {
  return lookup?.kind === 'found' ? lookup.versions.filter((v) => !v.yanked).map((v) => v.version) : undefined;
}

/**
 * The fix for one advisory that does not land in a vulnerability the locked version does not
 * have yet: smallvec 0.6.1's fix for RUSTSEC-2018-0018 is 0.6.13 by its own ranges, but 0.6.3
 * to 0.6.13 are affected by RUSTSEC-2021-0003, which 0.6.1 is not, so the fix to recommend is
 * 0.6.14. Advisories that affect the locked version already are findings of their own (the
 * fix plan joins them); informational ones (unmaintained) are not avoided, or they would
 * block every fix. When no version is clear of them all, the advisory's own fix stands.
 */
function fixAvoidingOthers(pkg: LockedPackage, advisory: Advisory, db: AdvisoryDb, target: TargetPlatform | undefined, published: readonly string[] | undefined): Fix {
  const own = findFix(pkg.name, pkg.semver, advisory.ranges, published);
  const others = (db.byPackage.get(pkg.name) ?? []).filter(
    (a) => a !== advisory && a.withdrawn === undefined && kindOf(a) === 'vulnerability' && appliesToSource(a, pkg) && appliesToTarget(a, target) && !isAffected(pkg.semver, a.ranges),
  );
  if (others.length === 0 || own.version === null) return own;
  const combined = findFix(pkg.name, pkg.semver, [...advisory.ranges, ...others.flatMap((a) => a.ranges)], published);
  return combined.status === 'none' ? own : combined;
}

/** The fix for a yanked version: the nearest release above it that is not yanked. */
function yankedFix(pkg: LockedPackage, published: readonly string[]): Fix {
  // No advisory ranges: any published, non-yanked version above the locked one will do.
  return findFix(pkg.name, pkg.semver, [], published);
}

/** The yanked finding of `pkg` in the previous result, when this scan's lookup failed. */
function carriedYanked(pkg: LockedPackage, previous: AuditOptions['previous']): Finding | undefined {
  return previous?.lockfile.findings.find((f) => f.kind === 'yanked' && f.package.name === pkg.name && f.package.version === pkg.version);
}

function notCoveredReason(pkg: LockedPackage, lookup: CrateLookup | undefined): NotCovered | undefined {
  const base = { name: pkg.name, version: pkg.version, source: pkg.source?.raw ?? null };
  if (pkg.source?.kind === 'registry') {
    return { ...base, reason: 'other-registry', message: `from ${pkg.source.url}, not crates.io: RustSec advisories and the crates.io index do not cover it` };
  }
  if (pkg.source?.kind === 'git') {
    return { ...base, reason: 'git', message: `a git dependency (${pkg.source.url}): RustSec advisories and the crates.io index do not cover it` };
  }
  if (lookup?.kind === 'gone') return { ...base, reason: 'gone-from-index', message: `not in the crates.io index (HTTP ${lookup.status}): deleted or never published` };
  if (lookup?.kind === 'failed') return { ...base, reason: 'index-failed', message: `the index could not be read: ${lookup.message}` };
  return undefined;
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    a.package.name.localeCompare(b.package.name) ||
    (a.advisory?.id ?? '').localeCompare(b.advisory?.id ?? '')
  );
}

function findIgnore(advisory: Advisory, active: readonly Ignore[]): Ignore | undefined {
  return active.find((i) => i.id === advisory.id || advisory.aliases.includes(i.id));
}

/**
 * Audits a parsed lockfile. Findings are sorted most severe first; an ignore applies
 * to an advisory id or any of its aliases until its date has passed.
 */
export function auditLockfile(lockfile: Lockfile, db: AdvisoryDb, options: AuditOptions): LockfileResult {
  const ignores = options.ignores ?? [];
  const expired = ignores.filter((i) => i.until !== undefined && i.until < options.today);
  const active = ignores.filter((i) => !expired.includes(i));
  const used = new Set<Ignore>();
  const findings: Finding[] = [];
  const ignored: IgnoredFinding[] = [];
  let paths: DependencyPaths | undefined;

  const notCovered: NotCovered[] = [];
  for (const pkg of lockfile.packages) {
    const lookup = options.index?.get(pkg.name);
    const uncovered = notCoveredReason(pkg, pkg.source?.kind === 'crates-io' ? lookup : undefined);
    if (uncovered) notCovered.push(uncovered);
    const published = pkg.source?.kind === 'crates-io' ? publishedVersions(lookup) : undefined;
    const base = () => {
      paths ??= new DependencyPaths(lockfile);
      return { package: { name: pkg.name, version: pkg.version, source: pkg.source?.raw ?? null }, paths: paths.pathsTo(pkg.index), line: pkg.line };
    };
    if (lookup?.kind === 'found' && pkg.source?.kind === 'crates-io' && lookup.versions.some((v) => v.version === pkg.version && v.yanked)) {
      findings.push({ kind: 'yanked', severity: 'informational', fix: yankedFix(pkg, published ?? []), ...base() });
    }
    const carried = lookup?.kind === 'failed' && pkg.source?.kind === 'crates-io' ? carriedYanked(pkg, options.previous) : undefined;
    if (carried && options.previous) {
      findings.push({ kind: 'yanked', severity: 'informational', fix: carried.fix, ...base(), carriedFrom: carried.carriedFrom ?? options.previous.scannedAt });
    }
    for (const advisory of matchAdvisories(pkg, db, options.target)) {
      const kind = kindOf(advisory);
      if (kind === undefined) continue;
      const finding: Finding = {
        kind,
        severity: severityOf(advisory, kind),
        advisory: advisoryInfo(advisory),
        fix: fixAvoidingOthers(pkg, advisory, db, options.target, published),
        ...base(),
      };
      const ignore = findIgnore(advisory, active);
      if (ignore) {
        used.add(ignore);
        ignored.push({ ...finding, ignoredBy: { id: ignore.id, reason: ignore.reason, until: ignore.until ?? null } });
      } else {
        findings.push(finding);
      }
    }
  }
  findings.sort(compareFindings);
  ignored.sort(compareFindings);
  const ignoreProblems: IgnoreProblem[] = [
    ...expired.map((i) => ({ problem: 'expired' as const, id: i.id, reason: i.reason, until: i.until ?? null })),
    ...active.filter((i) => !used.has(i)).map((i) => ({ problem: 'unused' as const, id: i.id, reason: i.reason, until: i.until ?? null })),
  ];
  const outdated = options.index
    ? findOutdated(lockfile, options.index, options.rustVersion ?? null, options.previous ? { outdated: options.previous.lockfile.outdated, scannedAt: options.previous.scannedAt } : undefined)
    : [];
  for (const uncovered of notCovered) {
    if (uncovered.reason !== 'index-failed') continue;
    const same = (p: { name: string; version: string }) => p.name === uncovered.name && p.version === uncovered.version;
    const from = findings.find((f) => f.carriedFrom !== undefined && same(f.package))?.carriedFrom ?? outdated.find((o) => o.carriedFrom !== undefined && same(o))?.carriedFrom;
    if (from !== undefined) uncovered.message += `; its yanked and outdated facts from the scan of ${from} are kept`;
  }
  const duplicates = findDuplicates(lockfile);
  const deny = options.deny ?? [];
  const status =
    lockfile.packages.length === 0
      ? 'scanned-nothing'
      : findings.some((f) => failsPolicy(f.kind, deny))
        ? 'failing'
        : findings.length > 0 || ignoreProblems.length > 0 || lockfile.warnings.length > 0
          ? 'warnings'
          : 'clean';
  return {
    path: lockfile.path,
    format: lockfile.format,
    packageCount: lockfile.packages.length,
    rustVersion: options.rustVersion ?? null,
    status,
    packages: lockfile.packages.filter((p) => p.source).map((p) => ({ name: p.name, version: p.version, source: p.source!.raw })),
    findings,
    ignored,
    ignoreProblems,
    duplicates,
    outdated,
    notCovered,
    errors: [],
    warnings: lockfile.warnings,
    // Without the index, no yanked finding, outdated entry or gone crate can show up: say so.
    index: options.index ? { checked: true } : { checked: false, reason: 'offline' },
    counts: countFindings(findings, ignored.length, duplicates.length),
  };
}
