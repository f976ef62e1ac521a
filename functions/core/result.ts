// The result contract (see result.schema.json beside this file): what a scan of one
// repository produces, what the store keeps, the site reads and the formats render.
import type { AdvisoryDiagnostic } from './advisory.ts';
import type { PathStep } from './dependency-paths.ts';
import type { Duplicate } from './duplicates.ts';
import type { Fix } from './fix.ts';
import type { DenyKind, FindingKind } from './policy.ts';
import type { Severity } from './severity.ts';

export const SCHEMA_VERSION = 1;

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

export interface LockfileResult {
  path: string;
  format: number | null;
  packageCount: number;
  status: LockfileStatus;
  findings: Finding[];
  ignored: IgnoredFinding[];
  ignoreProblems: IgnoreProblem[];
  duplicates: Duplicate[];
  errors: LockfileError[];
  counts: Counts;
}

export interface ScanResult {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'cratewatch'; version: string };
  repository: { name: string; source: string; ref: string | null; commit: string | null };
  /** ISO 8601 time the scan ran. */
  scannedAt: string;
  advisoryDb: { revision: string; location: string; advisoryCount: number; diagnostics: AdvisoryDiagnostic[] };
  policy: { deny: DenyKind[] };
  status: LockfileStatus;
  lockfiles: LockfileResult[];
  counts: Counts;
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

/**
 * The identity of a finding across scans (DESIGN.md): repository, lockfile path, kind,
 * advisory id (or `yanked`), crate name and version.
 */
export function findingKey(repository: string, lockfilePath: string, finding: Finding): string {
  return [repository, lockfilePath, finding.kind, finding.advisory?.id ?? 'yanked', finding.package.name, finding.package.version].join('\u0000');
}
