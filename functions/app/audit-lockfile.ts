// Auditing one repository's Cargo files against a loaded database (and, when it was asked,
// the registry index), as a result document: the one audit behind `cratewatch audit` and
// each repository of a scan. Besides the lockfiles: each finding's dev/build scope, the
// duplicates explained under the repository's duplicate policy, the pinning check of each
// workspace root, the manifest-only scan of a repository without Cargo.lock and, in a scan,
// the toolchain check. A lockfile that cannot be parsed becomes an error in the result,
// never a crash; a repository that could not be read becomes an error result.
import type { AdvisoryDb } from '../core/advisory.ts';
import { auditLockfile, type TargetPlatform } from '../core/audit.ts';
import { parseCargoManifest } from '../core/cargo-manifest.ts';
import { scopeOf, withScopes } from '../core/dependency-scope.ts';
import { diffFindings } from '../core/diff.ts';
import { applyDuplicatePolicy, type AllowanceProblem, type DuplicateAllowance } from '../core/duplicate-policy.ts';
import { duplicateIndexQueries, explainDuplicates, releaseAllowing, type DependencyIndex } from '../core/duplicates-explained.ts';
import { fixBlockerQueries } from '../core/fix-plan.ts';
import { errorMessage, formatLocation, LocatedError, LockfileParseError } from '../core/errors.ts';
import { parseLockfile, type Lockfile } from '../core/lockfile.ts';
import { parseManifest } from '../core/manifest.ts';
import { failsPolicy, type DenyKind, type Ignore } from '../core/policy.ts';
import type { CrateLookup, DependencyLookup, IndexDependencySource, IndexSource, RepoFile, RepoSnapshot } from '../core/ports.ts';
import { duplicateAllowancesFromFiles, policyFromFiles } from '../core/repo-ignores.ts';
import {
  countFindings,
  DEFAULT_ADVISORY_DB_MAX_AGE_DAYS,
  emptyCounts,
  SCHEMA_VERSION,
  staleAdvisoryDb,
  sumCounts,
  worstStatus,
  type FixBlockerRelease,
  type LockfileResult,
  type LockfileStatus,
  type ManifestScan,
  type PinningError,
  type PinningResult,
  type ScanResult,
  type ToolchainReport,
} from '../core/result.ts';
import type { ImageTagSource, RustReleaseSource } from '../core/toolchain-ports.ts';
import type { Workspace } from '../core/workspace-members.ts';
import { lockfileWorkspace } from './lockfile-scopes.ts';
import { scanManifests } from './manifest-scan.ts';
import { checkPins } from './pin-workspace.ts';
import { TOOL_VERSION } from './version.ts';

export interface LockfileInput {
  /** The path shown in results and messages. */
  path: string;
  text: string;
  /** The lockfile already parsed from `text`, when the caller needed it first. */
  parsed?: Lockfile;
  /** The workspace's `rust-version`, when its Cargo.toml says. */
  rustVersion?: string | null;
  /** The workspace whose root Cargo.toml is beside the lockfile: findings get their scope, duplicates their members' lines. */
  workspace?: Workspace | null;
  /** What the index says about the dependents of its duplicated crates (see `duplicateIndexQueries`); absent: not asked. */
  dependencyIndex?: DependencyIndex;
}

/** What a repository has besides its lockfiles, checked already, for the result document. */
export interface RepositoryChecks {
  pinning?: PinningResult[];
  pinningErrors?: PinningError[];
  manifestScan?: ManifestScan;
  toolchains?: ToolchainReport;
}

export interface AuditRequest {
  repository: ScanResult['repository'];
  lockfiles: readonly LockfileInput[];
  db: AdvisoryDb;
  dbLocation: string;
  ignores: readonly Ignore[];
  deny: readonly DenyKind[];
  now: Date;
  index?: ReadonlyMap<string, CrateLookup>;
  /** The repository's previous result, for new and resolved findings and the index facts of crates whose lookup fails. */
  previous?: ScanResult;
  /** Days the advisory database may age before the result says it is stale; 7 by default. */
  advisoryDbMaxAgeDays?: number;
  /** Only advisories that can affect this platform; all when absent. */
  target?: TargetPlatform;
  /** Duplicated crates the repository accepts (configuration and deny.toml `[bans] skip`). */
  duplicateAllowances?: readonly DuplicateAllowance[];
}

/** A lockfile without packages: nothing could be audited, which must never read as a pass. */
export function emptyLockfileError(path: string): LockfileParseError {
  return new LockfileParseError('lists no packages, so nothing could be audited (is it the Cargo.lock Cargo wrote? `cargo generate-lockfile` writes one)', { file: path });
}

function failedLockfile(path: string, error: unknown): LockfileResult {
  const location = error instanceof LockfileParseError ? error.location : undefined;
  return {
    path,
    format: null,
    packageCount: 0,
    rustVersion: null,
    status: 'error',
    packages: [],
    findings: [],
    ignored: [],
    ignoreProblems: [],
    duplicates: [],
    outdated: [],
    notCovered: [],
    errors: [{ message: errorMessage(error), line: location?.line ?? null, field: location?.field ?? null }],
    counts: emptyCounts(),
  };
}

/**
 * The repository's status: the worst of its lockfiles', and never `clean` on a stale
 * database (advisories published since it was fetched are not seen), but `warnings`.
 */
function repositoryStatus(lockfiles: readonly LockfileResult[], errors: readonly string[], stale: boolean, checks: RepositoryChecks, deny: readonly DenyKind[]): LockfileStatus {
  if (errors.length > 0) return 'error';
  const statuses = lockfiles.map((l) => l.status);
  if (checks.manifestScan) statuses.push(manifestScanStatus(checks.manifestScan, deny));
  // Pinning findings, pinning checks that failed and flagged toolchains are warnings: each names the edit to make.
  const flagged = (checks.pinning ?? []).some((p) => p.findings.length > 0) || (checks.pinningErrors ?? []).length > 0 || (checks.toolchains?.findings ?? []).some((f) => f.flagged);
  if (flagged) statuses.push('warnings');
  const status = worstStatus(statuses);
  return stale && status === 'clean' ? 'warnings' : status;
}

/**
 * The status of a manifest-only scan: failing when a requirement's newest admitted version
 * (what `cargo generate-lockfile` would pick) is affected by an advisory that fails the
 * policy, as the same finding in a lockfile would; warnings when only some admitted
 * versions are, or a manifest could not be read; error when none could.
 */
export function manifestScanStatus(scan: ManifestScan, deny: readonly DenyKind[]): LockfileStatus {
  if (scan.workspaces.length === 0 && scan.errors.length > 0) return 'error';
  const failing = scan.requirements.some((r) => r.status === 'vulnerable' && r.advisories.some((a) => a.affectsNewest !== false && failsPolicy(a.kind, deny)));
  if (failing) return 'failing';
  if (scan.errors.length > 0 || scan.requirements.some((r) => r.status === 'vulnerable' || r.status === 'maybe-vulnerable')) return 'warnings';
  return scan.requirements.length === 0 ? 'scanned-nothing' : 'clean';
}

function document(request: Omit<AuditRequest, 'lockfiles' | 'ignores' | 'index'>, lockfiles: LockfileResult[], errors: string[], carriedFrom: string | null = null, checks: RepositoryChecks = {}): ScanResult {
  const stale = staleAdvisoryDb(request.db.fetchedAt, request.now, request.advisoryDbMaxAgeDays ?? DEFAULT_ADVISORY_DB_MAX_AGE_DAYS);
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'cratewatch', version: TOOL_VERSION },
    repository: request.repository,
    scannedAt: request.now.toISOString(),
    advisoryDb: {
      revision: request.db.revision,
      location: request.dbLocation,
      fetchedAt: request.db.fetchedAt,
      advisoryCount: request.db.advisoryCount,
      diagnostics: request.db.diagnostics,
      ...(stale ? { stale } : {}),
    },
    policy: { deny: [...request.deny] },
    status: repositoryStatus(lockfiles, errors, stale !== undefined, checks, request.deny),
    errors,
    carriedFrom,
    lockfiles,
    counts: sumCounts(lockfiles.map((l) => l.counts)),
    diff: errors.length > 0 ? { previousScanAt: request.previous?.scannedAt ?? null, new: [], resolved: [] } : diffFindings(request.repository.name, request.previous, lockfiles),
    ...(checks.pinning ? { pinning: checks.pinning } : {}),
    ...(checks.pinningErrors && checks.pinningErrors.length > 0 ? { pinningErrors: checks.pinningErrors } : {}),
    ...(checks.manifestScan ? { manifestScan: checks.manifestScan } : {}),
    ...(checks.toolchains ? { toolchains: checks.toolchains } : {}),
  };
}

/**
 * A lockfile's result with what its workspace adds: each finding's scope (when the workspace
 * is known), and its duplicates explained and split by the policy. The `duplicates` list and
 * count keep only the duplicates still reported; policy problems make a clean lockfile warn.
 */
function withWorkspaceFacts(result: LockfileResult, lockfile: Lockfile, input: LockfileInput, allowances: readonly DuplicateAllowance[], today: string): LockfileResult {
  const workspace = input.workspace ?? null;
  const scopes = workspace ? scopeOf(lockfile, workspace) : null;
  const findings = scopes ? withScopes(result.findings, scopes) : result.findings;
  const ignored = scopes ? withScopes(result.ignored, scopes) : result.ignored;
  const explained = explainDuplicates(lockfile, workspace, input.dependencyIndex);
  const outcome = applyDuplicatePolicy(explained, allowances, today);
  const reported = new Set(outcome.reported.map((r) => r.duplicate.name));
  const duplicates = result.duplicates.filter((d) => reported.has(d.name));
  return {
    ...result,
    findings,
    ignored,
    duplicates,
    duplicatesExplained: outcome.reported.map((r) => ({ ...r.duplicate, skipped: r.skipped, allowedBy: r.allowedBy })),
    allowedDuplicates: outcome.allowed.map((a) => ({ ...a.duplicate, allowedBy: a.allowedBy })),
    duplicatePolicyProblems: outcome.problems,
    counts: countFindings(findings, ignored.length, duplicates.length),
  };
}

/**
 * The allowance problems of one repository, said once: an allowance unused in one lockfile
 * but used in another is no problem; each stays on the first lockfile that reports it. A
 * clean lockfile left with a problem warns, as an ignore problem makes it.
 */
function settleAllowanceProblems(lockfiles: readonly LockfileResult[]): LockfileResult[] {
  const key = (p: AllowanceProblem) => JSON.stringify([p.problem, p.name, p.version, p.reason, p.until, p.from]);
  const audited = lockfiles.filter((l) => l.duplicatePolicyProblems !== undefined);
  const problemEverywhere = (p: AllowanceProblem) => p.problem !== 'unused' || audited.every((l) => l.duplicatePolicyProblems!.some((q) => key(q) === key(p)));
  const said = new Set<string>();
  return lockfiles.map((lockfile) => {
    if (lockfile.duplicatePolicyProblems === undefined) return lockfile;
    const problems = lockfile.duplicatePolicyProblems.filter((p) => problemEverywhere(p) && !said.has(key(p)));
    for (const p of problems) said.add(key(p));
    return { ...lockfile, status: lockfile.status === 'clean' && problems.length > 0 ? 'warnings' : lockfile.status, duplicatePolicyProblems: problems };
  });
}

/**
 * The lockfile's result in the previous scan, with when that scan read the index: a result
 * that could not read the repository carries the lockfiles of the scan at `carriedFrom`.
 */
function previousLockfile(previous: ScanResult | undefined, path: string): { lockfile: LockfileResult; scannedAt: string } | undefined {
  const lockfile = previous?.lockfiles.find((l) => l.path === path && l.status !== 'error');
  return previous && lockfile ? { lockfile, scannedAt: previous.carriedFrom ?? previous.scannedAt } : undefined;
}

/**
 * Audits every lockfile of one repository and assembles the result document, with the
 * repository's other checks (`checks`) in it.
 */
export function auditRepository(request: AuditRequest, checks: RepositoryChecks = {}): ScanResult {
  const today = request.now.toISOString().slice(0, 10);
  const lockfiles = request.lockfiles.map((input) => {
    try {
      const previous = previousLockfile(request.previous, input.path);
      const options = { ignores: request.ignores, deny: request.deny, today, rustVersion: input.rustVersion ?? null, ...(previous ? { previous } : {}), ...(request.target ? { target: request.target } : {}) };
      const lockfile = input.parsed ?? parseLockfile(input.text, input.path);
      // Nothing to audit is not a pass: a lockfile Cargo wrote lists at least the workspace's own packages.
      if (lockfile.packages.length === 0) throw emptyLockfileError(input.path);
      const result = auditLockfile(lockfile, request.db, request.index ? { ...options, index: request.index } : options);
      return withWorkspaceFacts(result, lockfile, input, request.duplicateAllowances ?? [], today);
    } catch (error) {
      if (error instanceof LockfileParseError) return failedLockfile(input.path, error);
      throw error;
    }
  });
  return document(request, settleAllowanceProblems(lockfiles), [], null, checks);
}

/**
 * The result of a repository that could not be read at all: an error, with why. The last
 * known lockfiles are carried over, marked with when they were scanned, so findings do not
 * vanish from reports during an outage, nor come back as new (and alert again) after it.
 */
export function failedRepository(request: Omit<AuditRequest, 'lockfiles' | 'ignores' | 'index'>, error: unknown): ScanResult {
  const previous = request.previous;
  if (!previous || previous.lockfiles.length === 0) return document(request, [], [errorMessage(error)]);
  return document(request, previous.lockfiles, [errorMessage(error)], previous.carriedFrom ?? previous.scannedAt);
}

/** Asks the index about every crates.io package of the lockfiles, each name once. */
async function lookUpCrates(index: IndexSource, lockfiles: readonly Lockfile[]): Promise<Map<string, CrateLookup>> {
  const names = new Set<string>();
  for (const lockfile of lockfiles) {
    for (const pkg of lockfile.packages) if (pkg.source?.kind === 'crates-io') names.add(pkg.name);
  }
  const list = [...names];
  const lookups = await Promise.all(list.map((name) => index.lookup(name)));
  return new Map(list.map((name, i) => [name, lookups[i]!]));
}

/** A repository's Cargo files (and toolchain files, when they were read), as a repository source reads them. */
export type RepositoryFiles = Pick<RepoSnapshot, 'lockfiles' | 'manifests' | 'policyFiles'> & { toolchainFiles?: RepoFile[] };

/** What the toolchain check needs: its sources (null: offline, nothing is asked) and settings. */
export interface ToolchainRequest {
  /** null when offline: every Rust pin and base image is "not checked". */
  sources: { rust: RustReleaseSource; tags: ImageTagSource | null } | null;
  /** Rust pins more than this many stable releases behind are flagged. */
  maxReleasesBehind: number;
  /** Check other base images against their registries (`[toolchains] base_images`). */
  baseImages: boolean;
}

export interface RepositoryFilesRequest extends Omit<AuditRequest, 'lockfiles' | 'index'> {
  files: RepositoryFiles;
  /** The registry index, asked about the crates.io crates of the lockfiles that parse; null: not asked (offline). */
  index: IndexSource | null;
  /** Check the toolchain files and `rust-version`s; absent: no toolchain check (`cratewatch audit`). */
  toolchains?: ToolchainRequest;
}

function dirOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash + 1);
}

/** The `rust-version` for a lockfile: its directory's Cargo.toml, or the workspace root's it inherits. */
function rustVersionFor(lockfile: RepoFile, manifests: readonly RepoFile[]): string | null {
  const manifest = manifests.find((m) => m.path === `${dirOf(lockfile.path)}Cargo.toml`);
  if (!manifest) return null;
  try {
    return parseManifest(manifest.text, manifest.path).rustVersion;
  } catch {
    return null;
  }
}

/** The lockfile parsed once; one that does not parse is left for the audit to report. */
function lockfileInput(file: RepoFile, manifests: readonly RepoFile[]): LockfileInput {
  const rustVersion = rustVersionFor(file, manifests);
  const workspace = lockfileWorkspace(file.path, manifests);
  try {
    return { path: file.path, text: file.text, parsed: parseLockfile(file.text, file.path), rustVersion, workspace };
  } catch {
    return { path: file.path, text: file.text, rustVersion, workspace };
  }
}

function isDependencySource(index: IndexSource): index is IndexSource & IndexDependencySource {
  return typeof (index as Partial<IndexDependencySource>).dependencyRequirements === 'function';
}

/**
 * Asks the index what the dependents of a lockfile's duplicated crates require of them, each
 * pair once; a crate this run's lookup found gone or could not read is not asked again.
 */
async function askDependencyIndex(index: IndexSource | null, lockfile: Lockfile, lookups: ReadonlyMap<string, CrateLookup> | undefined): Promise<DependencyIndex | undefined> {
  if (!index || !isDependencySource(index)) return undefined;
  const queries = duplicateIndexQueries(lockfile);
  const answers = await Promise.all(
    queries.map((q): Promise<DependencyLookup> => {
      const looked = lookups?.get(q.crate);
      return looked !== undefined && looked.kind !== 'found' ? Promise.resolve(looked) : index.dependencyRequirements(q.crate, q.on);
    }),
  );
  const byPair = new Map<string, DependencyLookup>(queries.map((q, i) => [`${q.crate} ${q.on}`, answers[i]!]));
  return (crate, on) => byPair.get(`${crate} ${on}`);
}

/**
 * The workspace roots among the manifests: every Cargo.toml with `[workspace]`, and every
 * package with a Cargo.lock beside it that is not a workspace (a lone crate). A manifest
 * that does not parse is no root.
 */
function workspaceRoots(manifests: readonly RepoFile[], lockfiles: readonly RepoFile[]): string[] {
  const lockDirs = new Set(lockfiles.map((l) => dirOf(l.path)));
  const roots: string[] = [];
  for (const file of manifests) {
    try {
      const manifest = parseCargoManifest(file.text, file.path);
      if (manifest.workspace !== null || (manifest.package !== null && lockDirs.has(dirOf(file.path)))) roots.push(file.path);
    } catch (error) {
      if (!(error instanceof LocatedError)) throw error;
    }
  }
  return roots;
}

function pinningError(root: string, error: unknown): PinningError {
  const location = error instanceof LocatedError ? error.location : undefined;
  // A located message starts with its location: keep the reason only, the fields say where.
  const prefix = location ? `${formatLocation(location)}: ` : '';
  const text = errorMessage(error);
  return { root, file: location?.file ?? root, line: location?.line ?? null, field: location?.field ?? null, message: prefix !== '' && text.startsWith(prefix) ? text.slice(prefix.length) : text };
}

/** The pinning check of every workspace root, with the Cargo.lock beside it when there is one that parses. */
function checkRepositoryPins(files: RepositoryFiles, lockfiles: readonly LockfileInput[]): { pinning: PinningResult[]; errors: PinningError[] } {
  const pinning: PinningResult[] = [];
  const errors: PinningError[] = [];
  for (const root of workspaceRoots(files.manifests, files.lockfiles)) {
    const lockfile = lockfiles.find((l) => l.path === `${dirOf(root)}Cargo.lock` && l.parsed !== undefined);
    try {
      const check = checkPins(root, files.manifests, lockfile ? { path: lockfile.path, text: lockfile.text } : null);
      // The patched files' whole texts stay out of the result: the diffs say the change.
      pinning.push({ ...check, plan: { ...check.plan, patches: check.plan.patches.map(({ file, diff }) => ({ file, diff })) } });
    } catch (error) {
      if (!(error instanceof LocatedError)) throw error;
      errors.push(pinningError(root, error));
    }
  }
  return { pinning, errors };
}

/** Sources that ask nothing: every Rust pin and base image comes back "not checked" for being offline. */
const OFFLINE_TOOLCHAIN_SOURCES: NonNullable<ToolchainRequest['sources']> = {
  rust: { location: 'offline', latestStable: () => Promise.reject(new Error('offline (--offline), not checked')) },
  tags: { listTags: () => Promise.resolve({ kind: 'failed', message: 'offline (--offline)' }) },
};

/**
 * Audits a repository's Cargo files: the ignores and denied kinds of its `.cargo/audit.toml`
 * and `deny.toml` join the given ones (and deny.toml's `[bans] skip` the duplicate
 * allowances), each lockfile is parsed once, and the index is asked about the crates of
 * those that parse, each crate once, and about the dependents of their duplicates. Without
 * a Cargo.lock, the manifests are scanned on their own. Throws ConfigError (file and line)
 * when a policy file is malformed.
 */
export async function auditRepositoryFiles(request: RepositoryFilesRequest): Promise<ScanResult> {
  const { files, index, toolchains, ...rest } = request;
  const policy = policyFromFiles(files.policyFiles);
  const allowances = [...(request.duplicateAllowances ?? []), ...duplicateAllowancesFromFiles(files.policyFiles)];
  const lockfiles = files.lockfiles.map((file) => lockfileInput(file, files.manifests));
  const lookups = index ? await lookUpCrates(index, lockfiles.flatMap((l) => (l.parsed ? [l.parsed] : []))) : undefined;
  for (const input of lockfiles) {
    const dependencyIndex = input.parsed ? await askDependencyIndex(index, input.parsed, lookups) : undefined;
    if (dependencyIndex) input.dependencyIndex = dependencyIndex;
  }

  const checks: RepositoryChecks = {};
  if (files.manifests.length > 0) {
    const { pinning, errors } = checkRepositoryPins(files, lockfiles);
    checks.pinning = pinning;
    checks.pinningErrors = errors;
  }
  if (files.lockfiles.length === 0 && files.manifests.length > 0) {
    checks.manifestScan = await scanManifests({ manifests: files.manifests, db: request.db, index });
  }
  if (toolchains) {
    const sources = toolchains.sources ?? OFFLINE_TOOLCHAIN_SOURCES;
    // Loaded only by a scan that checks toolchains: `cratewatch audit` starts without the YAML parser.
    const { checkToolchains } = await import('./toolchain-check.ts');
    checks.toolchains = await checkToolchains([...files.manifests, ...(files.toolchainFiles ?? [])], sources, { maxReleasesBehind: toolchains.maxReleasesBehind, baseImages: toolchains.baseImages });
  }
  const result = auditRepository(
    {
      ...rest,
      lockfiles,
      ignores: [...request.ignores, ...policy.ignores],
      deny: [...new Set([...request.deny, ...policy.deny])],
      duplicateAllowances: allowances,
      ...(lookups ? { index: lookups } : {}),
    },
    checks,
  );
  for (const lockfile of result.lockfiles) {
    const blockers = await askFixBlockers(index, lockfile, lookups);
    if (blockers) lockfile.fixBlockers = blockers;
  }
  return result;
}

/**
 * For the fixes that need a manifest bump: asks the index about each crate that holds the
 * locked version back, and which of its releases allows the fix version (each pair once; a
 * crate whose lookup this run found gone or unreadable is not asked again). Undefined when
 * the index is not asked or nothing is blocked by a crate.
 */
async function askFixBlockers(index: IndexSource | null, lockfile: LockfileResult, lookups: ReadonlyMap<string, CrateLookup> | undefined): Promise<FixBlockerRelease[] | undefined> {
  if (!index || !isDependencySource(index) || lockfile.status === 'error') return undefined;
  const queries = fixBlockerQueries(lockfile);
  if (queries.length === 0) return undefined;
  const answers = await Promise.all(
    queries.map((q): Promise<DependencyLookup> => {
      const looked = lookups?.get(q.name);
      return looked !== undefined && looked.kind !== 'found' ? Promise.resolve(looked) : index.dependencyRequirements(q.name, q.on);
    }),
  );
  return queries.map((q, i) => ({ ...q, way: releaseAllowing(q, q.target, answers[i]) }));
}
