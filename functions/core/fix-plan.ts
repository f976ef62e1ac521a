// What to fix first: a lockfile's findings grouped by locked package, with the one upgrade
// that closes all the advisories it can, and those upgrades ranked across the portfolio.
import semver from 'semver';
import { affectedRanges, compareVersions, type AffectedRange } from './advisory-ranges.ts';
import type { PathStep } from './dependency-paths.ts';
import { affectedAgainFrom, firstUnaffectedFrom, fixTo, type FixStatus } from './fix.ts';
import type { Finding, LockfileResult, ScanResult } from './result.ts';
import { SEVERITIES, type Severity } from './severity.ts';

/** A finding a package fix closes or leaves open, by its advisory id (or `yanked`). */
export interface PlannedFinding {
  id: string;
  kind: Finding['kind'];
  severity: Severity;
}

/** A crate that depends on the locked version directly and keeps it below the fix. */
export interface FixBlocker {
  name: string;
  version: string;
  /** One of the workspace's own crates: the requirement to raise is in its Cargo.toml. */
  workspace: boolean;
  /** What would let the fix in, in words. */
  needs: string;
  /** Its first release that allows the fix version, when the index told (`fixBlockers` in the result). */
  release?: string;
}

/** The one upgrade of a locked package that closes its findings in one lockfile. */
export interface PackageFix {
  package: { name: string; version: string };
  lockfile: string;
  /** The findings the upgrade closes, worst first. */
  closes: PlannedFinding[];
  /** Findings no single upgrade together with the others closes (no fixed version, or a conflict): remove or replace the crate. */
  remains: PlannedFinding[];
  /** The worst severity among `closes` (among `remains` when nothing can be closed). */
  severity: Severity;
  status: FixStatus;
  /** The version to move to; null when nothing can be closed. */
  version: string | null;
  /** `cargo update -p NAME@LOCKED --precise VERSION` when semver-compatible, else null. */
  command: string | null;
  summary: string;
  /** The first release above `version` that one of the closed advisories affects again: stay below it. */
  affectedAgainFrom?: string;
  /** For a manifest bump: the crates that pull in the locked version, from the findings' dependency paths. */
  blockedBy?: FixBlocker[];
}

/** One upgrade across the portfolio: the same command (or manifest bump) in every lockfile it applies to. */
export interface TopFix {
  package: { name: string; version: string };
  status: FixStatus;
  version: string | null;
  command: string | null;
  /** The summary of the first place it applies to (the text is the same wherever the blockers are). */
  summary: string;
  severity: Severity;
  /** Distinct advisory ids (or `yanked`) it closes, sorted. */
  advisories: string[];
  /** Findings it closes over every repository and lockfile, by severity. */
  closes: Record<Severity, number>;
  /** Total findings it closes. */
  findings: number;
  /** Where it applies, in the order of the results given. */
  targets: { repository: string; lockfile: string }[];
}

const rank = (severity: Severity) => SEVERITIES.indexOf(severity);

function worst(findings: readonly PlannedFinding[]): Severity {
  return findings.reduce<Severity>((w, f) => (rank(f.severity) < rank(w) ? f.severity : w), 'informational');
}

function planned(finding: Finding): PlannedFinding {
  return { id: finding.advisory?.id ?? 'yanked', kind: finding.kind, severity: finding.severity };
}

/**
 * The affected ranges of a finding's advisory; a yanked finding has none (any release
 * above the locked one will do). An advisory whose ranges cannot be rebuilt (a result
 * from an older reader) counts by its own fix version only.
 */
function rangesOf(finding: Finding): AffectedRange[] {
  if (!finding.advisory) return [];
  try {
    return affectedRanges(finding.advisory.patched, finding.advisory.unaffected);
  } catch {
    return [];
  }
}

interface Candidate {
  finding: Finding;
  ranges: AffectedRange[];
  fix: semver.SemVer | null;
}

/**
 * The smallest version that closes every candidate: at least each one's own fix (every
 * version between the locked one and it is affected), climbing past any range still holding it.
 */
function targetFor(candidates: readonly Candidate[]): semver.SemVer | undefined {
  if (candidates.length === 0 || candidates.some((c) => c.fix === null)) return undefined;
  const start = candidates.map((c) => c.fix!).sort(compareVersions).at(-1)!;
  return firstUnaffectedFrom(start, candidates.flatMap((c) => c.ranges));
}

/** The direct dependents of the package in its findings' paths (the step before it), each once. */
function dependentsOf(findings: readonly Finding[], packages: LockfileResult['packages']): { step: PathStep; workspace: boolean }[] {
  const seen = new Map<string, { step: PathStep; workspace: boolean }>();
  for (const finding of findings) {
    for (const path of finding.paths) {
      const step = path.at(-2);
      if (!step) continue;
      const key = `${step.name}@${step.version}`;
      // `packages` lists every locked package but the workspace's own path crates.
      if (!seen.has(key)) seen.set(key, { step, workspace: !packages.some((p) => p.name === step.name && p.version === step.version) });
    }
  }
  return [...seen.values()];
}

function blockers(name: string, version: string, again: string | undefined, findings: readonly Finding[], lockfile: LockfileResult): FixBlocker[] {
  // A requirement such as "0.2.0" would let Cargo pick an affected 0.2.7 later on: bound it then.
  const requirement = again === undefined ? `"${version}"` : `">= ${version}, < ${again}"`;
  const allows = again === undefined ? `>= ${version}` : `>= ${version}, < ${again}`;
  return dependentsOf(findings, lockfile.packages).map(({ step, workspace }) => {
    const base = { name: step.name, version: step.version, workspace };
    if (workspace) return { ...base, needs: `raise the requirement in ${step.name}'s Cargo.toml to ${name} = ${requirement}` };
    // What the index said of the blocking crate's releases, when it was asked (fixBlockers).
    const way = lockfile.fixBlockers?.find((b) => b.name === step.name && b.version === step.version && b.on === name && b.target === version)?.way;
    if (way?.kind === 'release') return { ...base, release: way.version, needs: `${step.name} ${way.version} allows ${name} ${allows}: update ${step.name} to it (or later)` };
    if (way?.kind === 'no-release') return { ...base, needs: `no release of ${step.name} allows ${name} ${allows} yet${way.newest ? ` (the newest is ${way.newest})` : ''}: ask its maintainers, or replace it` };
    return { ...base, needs: `a release of ${step.name} that allows ${name} ${allows}` };
  });
}

/**
 * The crates that hold a locked package below the version its plan needs (a manifest bump),
 * for asking the index which of their releases allows it: each `{ crate, on, version, target }` once.
 */
export function fixBlockerQueries(lockfile: LockfileResult): { name: string; version: string; on: string; target: string }[] {
  const queries = new Map<string, { name: string; version: string; on: string; target: string }>();
  for (const fix of planLockfileFixes(lockfile)) {
    if (fix.version === null) continue;
    for (const b of fix.blockedBy ?? []) {
      if (b.workspace) continue;
      const q = { name: b.name, version: b.version, on: fix.package.name, target: fix.version };
      queries.set(`${q.name} ${q.version} ${q.on} ${q.target}`, q);
    }
  }
  return [...queries.values()];
}

function ids(findings: readonly PlannedFinding[]): string {
  return findings.map((f) => f.id).join(', ');
}

function summaryOf(fix: Omit<PackageFix, 'summary'>, beyondOwnFixes: boolean): string {
  const { name, version: locked } = fix.package;
  const one = fix.remains.length === 1;
  const left = fix.remains.length > 0 ? ` ${ids(fix.remains)} ${one ? 'stays' : 'stay'} open: no version of ${name} closes ${one ? 'it' : 'them'} together with the others (remove or replace ${name}).` : '';
  if (fix.version === null) return `No version of ${name} closes ${ids(fix.remains)}: remove it or replace it.`;
  // Past every finding's own fix, the version is where an advisory's range ends: perhaps not a release.
  const bound = beyondOwnFixes ? ` (${fix.version} is where the last affected range ends: use the first release at or above it)` : '';
  const notLater = fix.affectedAgainFrom === undefined ? '' : ` (not ${fix.affectedAgainFrom} or later: affected again)`;
  const closes = `closes ${ids(fix.closes)}`;
  if (fix.command !== null) return `Upgrade ${name} ${locked} to ${fix.version}${bound}, semver-compatible: ${fix.command} ${closes}.${left}`;
  const blocked = fix.blockedBy?.length ? ` Blocked by ${fix.blockedBy.map((b) => `${b.name} ${b.version}: ${b.needs}`).join('; ')}.` : '';
  return `Upgrade ${name} ${locked} to ${fix.version}${bound}${notLater}, not semver-compatible: ${closes} once the requirement on ${name} is raised.${blocked}${left}`;
}

function planPackage(lockfile: LockfileResult, findings: readonly Finding[]): PackageFix {
  const { name, version: lockedText } = findings[0]!.package;
  const locked = semver.parse(lockedText);
  const candidates: Candidate[] = findings
    .map((finding) => ({ finding, ranges: rangesOf(finding), fix: finding.fix.version === null ? null : semver.parse(finding.fix.version) }))
    // Worst first, so when not all can be closed together the most severe ones are.
    .sort((a, b) => rank(a.finding.severity) - rank(b.finding.severity));
  const chosen: Candidate[] = [];
  const left: Candidate[] = [];
  for (const candidate of candidates) {
    if (locked !== null && targetFor([...chosen, candidate]) !== undefined) chosen.push(candidate);
    else left.push(candidate);
  }
  const target = targetFor(chosen);
  const closes = chosen.map((c) => planned(c.finding));
  const remains = left.map((c) => planned(c.finding));
  const base = { package: { name, version: lockedText }, lockfile: lockfile.path, closes, remains, severity: worst(closes.length > 0 ? closes : remains) };
  if (target === undefined || locked === null) {
    const fix = { ...base, status: 'none' as const, version: null, command: null };
    return { ...fix, summary: summaryOf(fix, false) };
  }
  const ranges = chosen.flatMap((c) => c.ranges);
  const step = fixTo(name, locked, target, ranges);
  const beyondOwnFixes = !chosen.some((c) => c.fix !== null && compareVersions(c.fix, target) === 0);
  const again = affectedAgainFrom(target, ranges)?.version;
  const plan: Omit<PackageFix, 'summary'> = { ...base, status: step.status, version: step.version, command: step.command };
  if (again !== undefined) plan.affectedAgainFrom = again;
  if (step.status === 'manifest-bump') plan.blockedBy = blockers(name, target.version, again, chosen.map((c) => c.finding), lockfile);
  return { ...plan, summary: summaryOf(plan, beyondOwnFixes) };
}

function compareFixes(a: Pick<PackageFix, 'closes' | 'remains' | 'severity' | 'package'>, b: typeof a): number {
  return rank(a.severity) - rank(b.severity) || b.closes.length - a.closes.length || a.package.name.localeCompare(b.package.name) || a.package.version.localeCompare(b.package.version);
}

/**
 * One fix per locked package of the lockfile (name and version), closing all its findings
 * that one version can close: the smallest version at or above every finding's own fix
 * that no advisory of the package affects. Worst first, then the most findings closed.
 *
 * @example planLockfileFixes(lockfile)[0].command // 'cargo update -p smallvec@0.6.5 --precise 0.6.14' closing RUSTSEC-2019-0009, -0012, 2021-0003
 */
export function planLockfileFixes(lockfile: LockfileResult): PackageFix[] {
  const groups = new Map<string, Finding[]>();
  for (const finding of lockfile.findings) {
    const key = `${finding.package.name}@${finding.package.version}`;
    groups.set(key, [...(groups.get(key) ?? []), finding]);
  }
  return [...groups.values()].map((findings) => planPackage(lockfile, findings)).sort(compareFixes);
}

/** Same command text (or the same manifest bump of the same locked version) is one fix wherever it applies. */
function topFixKey(fix: PackageFix): string {
  return fix.command ?? [fix.status, fix.package.name, fix.package.version, fix.version ?? ''].join('\u0000');
}

function compareTopFixes(a: TopFix, b: TopFix): number {
  for (const severity of SEVERITIES) {
    const order = b.closes[severity] - a.closes[severity];
    if (order !== 0) return order;
  }
  return b.targets.length - a.targets.length || a.package.name.localeCompare(b.package.name) || a.package.version.localeCompare(b.package.version);
}

/**
 * The fixes of every lockfile of the results, merged by command and ranked by what they
 * close: more critical findings first, then more high, and so on down; then by how many
 * places they apply to. A package no version fixes closes nothing and ranks last.
 */
export function rankFixes(results: readonly ScanResult[]): TopFix[] {
  const top = new Map<string, TopFix>();
  for (const result of results) {
    for (const lockfile of result.lockfiles) {
      for (const fix of planLockfileFixes(lockfile)) {
        const key = topFixKey(fix);
        let entry = top.get(key);
        if (!entry) {
          entry = {
            package: fix.package,
            status: fix.status,
            version: fix.version,
            command: fix.command,
            summary: fix.summary,
            severity: fix.severity,
            advisories: [],
            closes: { critical: 0, high: 0, medium: 0, low: 0, unscored: 0, informational: 0 },
            findings: 0,
            targets: [],
          };
          top.set(key, entry);
        }
        for (const closed of fix.closes) {
          entry.closes[closed.severity]++;
          entry.findings++;
          if (!entry.advisories.includes(closed.id)) entry.advisories.push(closed.id);
        }
        if (rank(fix.severity) < rank(entry.severity)) entry.severity = fix.severity;
        entry.targets.push({ repository: result.repository.name, lockfile: lockfile.path });
      }
    }
  }
  for (const entry of top.values()) entry.advisories.sort();
  return [...top.values()].sort(compareTopFixes);
}
