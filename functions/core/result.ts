// The result contract (see result.schema.json beside this file): what a scan of one
// repository produces, what the store keeps, the site reads and the formats render.
import type { AdvisoryDiagnostic } from './advisory.ts';
import type { PathStep } from './dependency-paths.ts';
import type { Duplicate } from './duplicates.ts';
import type { Fix } from './fix.ts';
import type { DenyKind, FindingKind } from './policy.ts';
import type { Severity } from './severity.ts';

export const SCHEMA_VERSION = 1;

/** How many of a repository's most recent results the report reads (its charts and feed). */
export const REPORT_HISTORY_LIMIT = 60;

export interface PackageRef {
  name: string;
  version: string;
  /** The Cargo.lock source string; null for path and workspace packages. */
  source: string | null;
}

export interface AdvisoryInfo {
  id: string;
  title: string;
  date: string;
  url: string | null;
  aliases: string[];
  related: string[];
  references: string[];
  categories: string[];
  keywords: string[];
  informational: string | null;
  cvss: { vector: string; version: '3.0' | '3.1' | '4.0'; score: number } | null;
  patched: string[];
  unaffected: string[];
  affected: { arch: string[]; os: string[]; functions: Record<string, string[]> } | null;
  license: string | null;
  /** Markdown from the advisory database: untrusted, render it safely. */
  description: string;
}

export interface Finding {
  kind: FindingKind;
  severity: Severity;
  package: PackageRef;
  /** Absent only for `yanked` findings. */
  advisory?: AdvisoryInfo;
  fix: Fix;
  /** Shortest dependency paths from workspace members, root first. */
  paths: PathStep[][];
  /** 1-based line of the package's `[[package]]` entry in the lockfile. */
  line: number;
}

export interface AppliedIgnore {
  id: string;
  reason: string;
  until: string | null;
}

export interface IgnoredFinding extends Finding {
  ignoredBy: AppliedIgnore;
}

/** An ignore that did not do what was meant: expired (no longer applied) or matching nothing. */
export interface IgnoreProblem extends AppliedIgnore {
  problem: 'expired' | 'unused';
}

export interface LockfileError {
  message: string;
  line: number | null;
  field: string | null;
}

export type LockfileStatus = 'failing' | 'warnings' | 'clean' | 'scanned-nothing' | 'error';

export interface Counts {
  findings: number;
  ignored: number;
  duplicates: number;
  bySeverity: Record<Severity, number>;
  byKind: Record<FindingKind, number>;
}

/** A package with newer releases, as `cargo outdated` shows it. */
export interface OutdatedPackage {
  name: string;
  version: string;
  /** Newest release (not yanked, not a prerelease) the locked version's requirement admits (`^locked`); null if none is newer. */
  compatible: string | null;
  /** Newest release of all; null if none is newer than the locked one. */
  latest: string | null;
  /** Depended on directly by a workspace member. */
  direct: boolean;
  /** True when newer releases exist but need a newer Rust than the workspace's `rust-version`. */
  msrvLimited: boolean;
}

/** A locked package the index checks could not cover, and why. */
export interface NotCovered {
  name: string;
  version: string;
  source: string | null;
  reason: 'other-registry' | 'git' | 'gone-from-index' | 'index-failed';
  message: string;
}

export interface LockfileResult {
  path: string;
  format: number | null;
  packageCount: number;
  /** The workspace's `rust-version` from its Cargo.toml, when known. */
  rustVersion: string | null;
  status: LockfileStatus;
  /** Every locked package except the workspace's own path crates, for portfolio-wide crate views. */
  packages: PackageRef[];
  findings: Finding[];
  ignored: IgnoredFinding[];
  ignoreProblems: IgnoreProblem[];
  duplicates: Duplicate[];
  outdated: OutdatedPackage[];
  notCovered: NotCovered[];
  errors: LockfileError[];
  counts: Counts;
}

/** A finding named by its identity, for new/resolved lists. */
export interface FindingRef {
  lockfile: string;
  kind: FindingKind;
  /** The advisory id, or `yanked`. */
  id: string;
  package: { name: string; version: string };
  severity: Severity;
}

/** What changed since the repository's previous result. */
export interface ScanDiff {
  /** When the previous scan ran; null on the first scan (then every finding counts as new). */
  previousScanAt: string | null;
  new: FindingRef[];
  resolved: FindingRef[];
}

export interface ScanResult {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'cratewatch'; version: string };
  repository: { name: string; source: string; ref: string | null; commit: string | null };
  /** ISO 8601 time the scan ran. */
  scannedAt: string;
  advisoryDb: { revision: string; location: string; fetchedAt: string | null; advisoryCount: number; diagnostics: AdvisoryDiagnostic[] };
  policy: { deny: DenyKind[] };
  status: LockfileStatus;
  /** Why the repository could not be scanned this time; empty when it was. */
  errors: string[];
  /**
   * Null for a fresh scan. When the repository could not be read (`errors`), its lockfiles
   * are carried over from the last scan that could, and this is when that scan ran.
   */
  carriedFrom: string | null;
  lockfiles: LockfileResult[];
  counts: Counts;
  diff: ScanDiff;
}

/** One row per repository in `results/index.json`. */
export interface SummaryRow {
  name: string;
  source: string;
  status: LockfileStatus;
  scannedAt: string;
  advisoryDbRevision: string;
  lockfileCount: number;
  counts: Counts;
  newFindings: number;
  resolvedFindings: number;
  outdated: number;
  error: string | null;
}

export interface SummaryIndex {
  schemaVersion: typeof SCHEMA_VERSION;
  generatedAt: string;
  repositories: SummaryRow[];
}

/** Worst first: the status of a repository is the worst of its lockfiles'. */
const STATUS_ORDER: readonly LockfileStatus[] = ['error', 'failing', 'warnings', 'scanned-nothing', 'clean'];

export function worstStatus(statuses: readonly LockfileStatus[]): LockfileStatus {
  if (statuses.length === 0) return 'scanned-nothing';
  return STATUS_ORDER.find((s) => statuses.includes(s)) ?? 'clean';
}

export function emptyCounts(): Counts {
  return {
    findings: 0,
    ignored: 0,
    duplicates: 0,
    bySeverity: { critical: 0, high: 0, medium: 0, low: 0, unscored: 0, informational: 0 },
    byKind: { vulnerability: 0, unmaintained: 0, unsound: 0, notice: 0, yanked: 0 },
  };
}

export function countFindings(findings: readonly Finding[], ignored: number, duplicates: number): Counts {
  const counts = emptyCounts();
  counts.findings = findings.length;
  counts.ignored = ignored;
  counts.duplicates = duplicates;
  for (const f of findings) {
    counts.bySeverity[f.severity]++;
    counts.byKind[f.kind]++;
  }
  return counts;
}

export function sumCounts(all: readonly Counts[]): Counts {
  const total = emptyCounts();
  for (const c of all) {
    total.findings += c.findings;
    total.ignored += c.ignored;
    total.duplicates += c.duplicates;
    for (const key of Object.keys(total.bySeverity) as Severity[]) total.bySeverity[key] += c.bySeverity[key];
    for (const key of Object.keys(total.byKind) as FindingKind[]) total.byKind[key] += c.byKind[key];
  }
  return total;
}

/** A finding named by its identity, as new/resolved lists keep it. */
export function findingRef(lockfilePath: string, finding: Finding): FindingRef {
  return {
    lockfile: lockfilePath,
    kind: finding.kind,
    id: finding.advisory?.id ?? 'yanked',
    package: { name: finding.package.name, version: finding.package.version },
    severity: finding.severity,
  };
}

/**
 * The identity of a finding across scans (DESIGN.md): repository, lockfile path, kind,
 * advisory id (or `yanked`) and crate name — not the version, so bumping a crate within
 * the affected range neither resolves the finding nor makes it new.
 */
export function findingRefKey(repository: string, ref: Pick<FindingRef, 'lockfile' | 'kind' | 'id' | 'package'>): string {
  return [repository, ref.lockfile, ref.kind, ref.id, ref.package.name].join('\u0000');
}

export function findingKey(repository: string, lockfilePath: string, finding: Finding): string {
  return findingRefKey(repository, findingRef(lockfilePath, finding));
}
