// The result contract (see result.schema.json beside this file): what a scan of one
// repository produces, what the store keeps, the site reads and the formats render.
import type { AdvisoryDiagnostic } from './advisory.ts';
import type { DependencyKind } from './cargo-manifest.ts';
import type { FindingScope } from './dependency-scope.ts';
import type { PathStep } from './dependency-paths.ts';
import type { AllowanceProblem, AppliedAllowance } from './duplicate-policy.ts';
import type { Duplicate } from './duplicates.ts';
import type { Fix } from './fix.ts';
import type { UpdateLevel } from './image-tags.ts';
import type { LockfileWarning } from './lockfile.ts';
import type { PinPlan } from './pin-plan.ts';
import type { PinningFinding } from './pinning.ts';
import type { DenyKind, FindingKind } from './policy.ts';
import type { StableRelease } from './rust-releases.ts';
import type { Severity } from './severity.ts';

export type { FindingScope } from './dependency-scope.ts';

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
  /**
   * Only on `yanked` findings the index could not confirm this time (its lookup failed):
   * carried over from an earlier scan, this is when that scan read the index (ISO 8601).
   */
  carriedFrom?: string;
  /**
   * How the package is reached from the workspace members: through normal, build or only
   * dev dependencies, and which members pull it in. null: the workspace is known but no
   * member reaches the package. Absent when the workspace is not known (no Cargo.toml beside
   * the lockfile, or one that cannot be resolved) and in results written before scopes were
   * recorded: such a finding alerts as before.
   */
  scope?: FindingScope | null;
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
  /** Present when the index lookup failed this time: the entry comes from the scan that read the index then (ISO 8601). */
  carriedFrom?: string;
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
  /**
   * Dependency entries Cargo skips when it reads the lockfile (each names no single package):
   * left out of the graph as Cargo leaves them out, so paths through them are not shown.
   * Absent in results written before cratewatch read lockfiles as Cargo does.
   */
  warnings?: LockfileWarning[];
  /**
   * Whether the registry index was asked about this lockfile's crates: yanked findings,
   * `outdated` and the index part of `notCovered` come from it, so when it was not asked
   * their emptiness means "not checked", not "none". Absent in results written before it
   * was recorded and on lockfiles that failed to parse: read those as before (see indexWasAsked).
   */
  index?: IndexCheck;
  /**
   * Every duplicated crate still reported, explained (who pins each version, how to unify
   * them, what disappears), ranked by `disappear`; `skipped` are versions an allowance set
   * aside. Absent in results written before duplicates were explained; `duplicates` keeps
   * the plain list of the same crates.
   */
  duplicatesExplained?: ReportedDuplicate[];
  /** Duplicates the repository's allowances (`[[repositories.duplicates]]`, deny.toml `[bans] skip`) account for. */
  allowedDuplicates?: AllowedDuplicate[];
  /** Allowances that expired or match no duplicated version. */
  duplicatePolicyProblems?: AllowanceProblem[];
  /**
   * For fixes that need a manifest bump: what the index says of each crate that holds the
   * locked version back, i.e. the release of it that allows the fix version. Absent when
   * the index was not asked (and in results written before it was).
   */
  fixBlockers?: FixBlockerRelease[];
  counts: Counts;
}

/** A crate that pulls in a locked package at a version below its fix, and how it can let the fix in. */
export interface FixBlockerRelease {
  /** The blocking crate and the version locked. */
  name: string;
  version: string;
  /** The package it holds back, and the version the fix needs. */
  on: string;
  target: string;
  /** `release`: its first release that allows `target`; `no-release`: none does yet; `unknown`: why not known. */
  way: Way;
}

export type { AllowanceProblem, AppliedAllowance } from './duplicate-policy.ts';

// The explained duplicates and the requirement checks as results keep them. They are defined
// here, where results are, and duplicates-explained.ts and manifest-audit.ts compute values of
// these types (those modules import ports.ts and audit.ts, which import this file).

/** A package that depends on one version of a duplicated crate. */
export type Pin =
  /** A workspace member (or another path package) of the lockfile. */
  | {
      kind: 'member';
      member: string;
      /** The member's Cargo.toml and the line of the dependency entry; null when the manifests were not given or do not have it. */
      file: string | null;
      line: number | null;
      /** The requirement Cargo uses (the workspace table's when inherited); null when not known or a path/git dependency. */
      requirement: string | null;
      dependencyKind: DependencyKind | null;
      target: string | null;
      /** The `[workspace.dependencies]` entry a `workspace = true` line inherits: where the requirement is written. */
      inheritedFrom: { file: string; line: number } | null;
    }
  /** A crate of the lockfile. */
  | {
      kind: 'crate';
      name: string;
      version: string;
      source: string | null;
      /** Its requirement on the duplicated crate, from the index's `deps[].req`; null when not known. */
      requirement: string | null;
    };

/** What has to happen to a pin for the older version to go. */
export type Way =
  /** The requirement already admits the version the others use: nothing to move. */
  | { kind: 'admits' }
  /** A member: change the requirement at `file:line` to `suggested`. */
  | { kind: 'edit'; file: string; line: number; suggested: string }
  /** A crate: its smallest release that allows the version the others use; `requirement` null when that release no longer depends on the crate at all. */
  | { kind: 'release'; version: string; requirement: string | null; compatible: boolean }
  /** A crate: none of its releases allows it yet. `newest` is its newest release. */
  | { kind: 'no-release'; newest: string | null }
  | { kind: 'unknown'; reason: string };

export interface PinWay {
  pin: Pin;
  way: Way;
}

export type Relation = 'semver-compatible' | 'semver-incompatible' | 'other-source';

/** How one older version goes away: unified into the duplicate's target. */
export interface UnifyStep {
  version: string;
  source: string | null;
  relation: Relation;
  /**
   * `ready`: every pin admits the target, so `command` unifies; `blocked`: some pin must
   * move first (see `pins`), and always for `other-source`; `unknown`: some requirement is
   * not known and none blocks.
   */
  status: 'ready' | 'blocked' | 'unknown';
  /** `cargo update -p NAME@OLD` for a semver-compatible version; `… --precise TARGET` for another line once ready; null otherwise. */
  command: string | null;
  pins: PinWay[];
  /** Packages that leave the lockfile when this version alone is unified (itself included). */
  disappear: number;
}

export interface ExplainedVersion {
  version: string;
  source: string | null;
  pinnedBy: Pin[];
}

export interface ExplainedDuplicate {
  name: string;
  /** The version the others unify into: the newest (of the last source in Cargo's order). */
  target: { version: string; source: string | null };
  /** Every version, ascending (within one version, sources in Cargo's order). */
  versions: ExplainedVersion[];
  /** One per version other than the target, ascending. */
  steps: UnifyStep[];
  /** Packages that leave the lockfile when every older version is unified into the target. */
  disappear: number;
  /** Those packages, by name then version. */
  disappearing: PathStep[];
}

export type RequirementStatus = 'vulnerable' | 'maybe-vulnerable' | 'ok' | 'no-matching-version' | 'not-covered';

export interface RequirementAdvisory {
  id: string;
  kind: FindingKind;
  severity: Severity;
  title: string;
  /** Whether the newest admitted version is affected; null when the index was not checked. */
  affectsNewest: boolean | null;
  /** The published, non-yanked admitted versions it affects, ascending; null when the index was not checked (the advisory was matched on ranges alone). */
  affectedVersions: string[] | null;
}

export type RequirementIndexState =
  | { checked: true }
  | { checked: false; reason: 'offline' | 'not-in-index' | 'index-failed' | 'not-covered'; message: string };

export interface NotCoveredRequirement {
  reason: 'path' | 'git' | 'other-registry' | 'patched';
  message: string;
}

/** One requirement of one member, checked without a lockfile. */
export interface RequirementCheck {
  /** The member's package name. */
  member: string;
  /** The member's manifest (repository-relative) and the entry's line in it. */
  file: string;
  line: number;
  /** The key the member writes (the name its code uses). */
  key: string;
  /** The package it names (`package = …` when renamed). */
  name: string;
  kind: DependencyKind;
  /** `cfg(windows)` or a triple for `[target.….dependencies]`; null otherwise. */
  target: string | null;
  /** The requirement (inheritance applied); `*` when a registry entry gives none, as Cargo reads it; null when not covered and none is written. */
  requirement: string | null;
  /** The `[workspace.dependencies]` entry the requirement comes from; null when the member writes its own. */
  inheritedFrom: { file: string; line: number } | null;
  status: RequirementStatus;
  /** Why crates.io advisories and the index say nothing of it; null when covered. */
  notCovered: NotCoveredRequirement | null;
  /** Whether newest, latest and outdated come from the index. */
  index: RequirementIndexState;
  /** The newest published, non-yanked version it admits (within the member's `rust-version` when one fits): what `cargo update` picks. */
  newest: string | null;
  /** The newest release (within the `rust-version` when one fits). */
  latest: string | null;
  /** True when `latest` is beyond what the requirement admits; null when not checked. */
  outdated: boolean | null;
  /** True when the member's `rust-version` kept `newest` or `latest` below a newer release. */
  msrvLimited: boolean;
  advisories: RequirementAdvisory[];
}

/** A duplicate still reported: its explanation, and the allowances that set some of its versions aside. */
export interface ReportedDuplicate extends ExplainedDuplicate {
  /** Versions the allowances skipped (they do not count); empty when none. */
  skipped: string[];
  allowedBy: AppliedAllowance[];
}

/** A duplicate the repository accepts, with the allowances that do. */
export interface AllowedDuplicate extends ExplainedDuplicate {
  allowedBy: AppliedAllowance[];
}

/** A pin plan as results keep it: each patch's diff, without the patched file's whole text. */
export interface StoredPinPlan extends Omit<PinPlan, 'patches'> {
  patches: { file: string; diff: string }[];
}

/** The pinning check of one workspace root (`cratewatch pin` on it prints the same). */
export interface PinningResult {
  /** The root manifest, repository-relative. */
  root: string;
  /** The Cargo.lock beside it, when there is one. */
  lockfile: string | null;
  /** Member package names, the root package first. */
  members: string[];
  /** `members` entries with no Cargo.toml among the files. */
  missingMembers: string[];
  findings: PinningFinding[];
  /** Checks that could not run, and why. */
  notChecked: string[];
  plan: StoredPinPlan;
}

/** A workspace root whose pinning could not be checked (a manifest that does not parse). */
export interface PinningError {
  root: string;
  file: string;
  line: number | null;
  field: string | null;
  message: string;
}


export interface ManifestScanWorkspace {
  /** The root manifest. */
  root: string;
  /** Member package names, the root package first. */
  members: string[];
  /** `members` entries with no Cargo.toml among the files. */
  missingMembers: string[];
}

/** A manifest that could not be read, or a workspace that could not be put together. */
export interface ManifestScanError {
  file: string;
  line: number | null;
  field: string | null;
  message: string;
}

export interface ManifestScanCounts {
  requirements: number;
  vulnerable: number;
  maybeVulnerable: number;
  outdated: number;
  noMatchingVersion: number;
  notCovered: number;
  /** Covered requirements whose newest version and outdated state could not be checked (offline, not in the index, index failed). */
  notChecked: number;
}

/** The manifest-only scan of a repository without Cargo.lock, as deps.rs does it. */
export interface ManifestScan {
  workspaces: ManifestScanWorkspace[];
  /** Sorted by file and line. */
  requirements: RequirementCheck[];
  errors: ManifestScanError[];
  index: IndexCheck;
  counts: ManifestScanCounts;
}

export type ToolchainFindingKind = 'rust-toolchain' | 'rust-image' | 'rust-version' | 'base-image';

/** The exact change: replace `old` at line:column with `new`. */
export interface ToolchainEdit {
  line: number;
  column: number;
  old: string;
  new: string;
}

export interface ToolchainFinding {
  kind: ToolchainFindingKind;
  file: string;
  /** The line that pins it (the `FROM`, the `channel`, the `image:`, the `rust-version`). */
  line: number;
  /** The image without its tag (`rust`, `postgres`, `ghcr.io/owner/app`) for image kinds; null otherwise. */
  image: string | null;
  /** What is pinned: the tag (`1.75-alpine`), the channel (`1.75.0`), the `rust-version` (`1.70`). */
  current: string;
  /** The latest stable (`1.95.0`) for Rust kinds; the newest tag of the same variant (or `current`) for base images. */
  latest: string;
  /** Stable releases behind, for Rust kinds (about, for dated nightlies); null for base images. */
  behind: number | null;
  /** The kind of update to `newValue`, for base images; null for Rust kinds and when there is none. */
  update: UpdateLevel | null;
  /** Rust: more than `maxReleasesBehind` releases behind. Base images: a newer tag of the same variant exists. */
  flagged: boolean;
  /** The value to write instead of `current`; null when already current or when there is none to suggest. */
  newValue: string | null;
  /** Where to write it, which may be another line (an `ARG` default); null when the value is not written in one place. */
  edit: ToolchainEdit | null;
  message: string;
}

export interface ToolchainNotChecked {
  file: string;
  line: number | null;
  /** What was not checked: `FROM node:latest`, `services.web.image`, `rust-toolchain.toml`. */
  subject: string;
  reason: string;
}

/** The toolchain check of a repository: Rust pins against the latest stable, base images against their registries. */
export interface ToolchainReport {
  /** The latest stable Rust the pins were compared with; null when not needed or not known. */
  latestStable: StableRelease | null;
  findings: ToolchainFinding[];
  notChecked: ToolchainNotChecked[];
}

/** The registry index was asked, or not, and why not: `offline` (`--offline`, or no index source). */
export type IndexCheck = { checked: true } | { checked: false; reason: 'offline' };

/**
 * False only when the result says the index was not asked; results written before the
 * field existed read as checked, as they always were shown.
 */
export function indexWasAsked(lockfile: Pick<LockfileResult, 'index'>): boolean {
  return lockfile.index?.checked !== false;
}

const OS_NAMES: Record<string, string> = {
  windows: 'Windows',
  linux: 'Linux',
  macos: 'macOS',
  ios: 'iOS',
  android: 'Android',
  freebsd: 'FreeBSD',
  netbsd: 'NetBSD',
  openbsd: 'OpenBSD',
  dragonfly: 'DragonFly BSD',
  solaris: 'Solaris',
  illumos: 'illumos',
  fuchsia: 'Fuchsia',
  redox: 'Redox',
  haiku: 'Haiku',
  emscripten: 'Emscripten',
  wasi: 'WASI',
  hermit: 'HermitCore',
  horizon: 'Horizon',
  vxworks: 'VxWorks',
  espidf: 'ESP-IDF',
  uefi: 'UEFI',
  cuda: 'CUDA',
  none: 'bare metal',
};

/** `a`, `a and b`, `a, b and c`. */
function joinAnd(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * The platforms an advisory is limited to (`[affected] os`/`arch`), in words; null when it
 * affects every platform. Operating systems get their usual spelling, architectures keep
 * Rust's names.
 *
 * @example platformLimits(advisory) // 'Windows only', 'Linux and macOS only', 'x86_64 only', 'Windows on x86 and x86_64 only'
 */
export function platformLimits(advisory: Pick<AdvisoryInfo, 'affected'>): string | null {
  const os = advisory.affected?.os ?? [];
  const arch = advisory.affected?.arch ?? [];
  if (os.length === 0 && arch.length === 0) return null;
  const systems = joinAnd(os.map((name) => OS_NAMES[name] ?? name));
  const machines = joinAnd(arch);
  if (os.length === 0) return `${machines} only`;
  return arch.length === 0 ? `${systems} only` : `${systems} on ${machines} only`;
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

/** An advisory database older than the configured limit (a download failed and a cached copy stood in). */
export interface StaleAdvisoryDb {
  /** Whole days since the copy was last known current (downloaded or confirmed by a 304). */
  ageDays: number;
  /** The limit it is over: `sources.advisory_db_max_age_days`. */
  maxAgeDays: number;
}

/** The days an advisory database may age before results say it is stale, unless configured. */
export const DEFAULT_ADVISORY_DB_MAX_AGE_DAYS = 7;

const DAY_MS = 86_400_000;

/**
 * Whether a database last known current at `fetchedAt` is older than `maxAgeDays` at `now`;
 * undefined when it is not, or when its age is unknown (a local path: `fetchedAt` null).
 *
 * @example staleAdvisoryDb('2026-11-01T00:00:00Z', new Date('2026-11-10T00:00:00Z'), 7) // { ageDays: 9, maxAgeDays: 7 }
 */
export function staleAdvisoryDb(fetchedAt: string | null, now: Date, maxAgeDays: number): StaleAdvisoryDb | undefined {
  if (fetchedAt === null) return undefined;
  const fetched = Date.parse(fetchedAt);
  if (Number.isNaN(fetched)) return undefined;
  const ageMs = now.getTime() - fetched;
  return ageMs > maxAgeDays * DAY_MS ? { ageDays: Math.floor(ageMs / DAY_MS), maxAgeDays } : undefined;
}

export interface ScanResult {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'cratewatch'; version: string };
  repository: { name: string; source: string; ref: string | null; commit: string | null };
  /** ISO 8601 time the scan ran. */
  scannedAt: string;
  advisoryDb: {
    revision: string;
    location: string;
    fetchedAt: string | null;
    advisoryCount: number;
    diagnostics: AdvisoryDiagnostic[];
    /** Present when the database was older than the configured limit: the scan could not see newer advisories. */
    stale?: StaleAdvisoryDb;
  };
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
  /**
   * The pinning check of each workspace root (a Cargo.toml with `[workspace]`, or a lone
   * package with a Cargo.lock beside it). Absent when the repository's manifests were not
   * read, and in results written before the check existed.
   */
  pinning?: PinningResult[];
  /** Workspace roots whose pinning could not be checked. */
  pinningErrors?: PinningError[];
  /** Present when the repository has manifests but no Cargo.lock: its requirements checked without one. */
  manifestScan?: ManifestScan;
  /** Present when the toolchain check ran (a scan); absent for `cratewatch audit` and older results. */
  toolchains?: ToolchainReport;
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
  /** Locked packages the advisory and index checks do not cover (git, other registries, gone, index failed); absent in summaries written before it was counted. */
  notCovered?: number;
  /** Of those, the crates whose index lookup failed in this scan: a source that could not be reached. */
  indexFailed?: number;
  /** Yanked findings and outdated entries carried from an earlier scan because the index could not be read. */
  carriedIndexFacts?: number;
  /** Present when the scan's advisory database was older than the configured limit. */
  advisoryDbStale?: StaleAdvisoryDb;
}

export interface SummaryIndex {
  schemaVersion: typeof SCHEMA_VERSION;
  generatedAt: string;
  repositories: SummaryRow[];
}

/** What a result's checks did not cover: packages, index lookups that failed, facts carried over because of them. */
export interface Coverage {
  notCovered: number;
  indexFailed: number;
  carriedIndexFacts: number;
}

export function coverageOf(result: Pick<ScanResult, 'lockfiles'>): Coverage {
  const coverage: Coverage = { notCovered: 0, indexFailed: 0, carriedIndexFacts: 0 };
  for (const lockfile of result.lockfiles) {
    coverage.notCovered += lockfile.notCovered.length;
    coverage.indexFailed += lockfile.notCovered.filter((n) => n.reason === 'index-failed').length;
    coverage.carriedIndexFacts += lockfile.findings.filter((f) => f.carriedFrom !== undefined).length + lockfile.outdated.filter((o) => o.carriedFrom !== undefined).length;
  }
  return coverage;
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
