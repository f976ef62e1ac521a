// Auditing one repository's Cargo files against a loaded database (and, when it was asked,
// the registry index), as a result document: the one audit behind `cratewatch audit` and
// each repository of a scan. A lockfile that cannot be parsed becomes an error in the
// result, never a crash; a repository that could not be read becomes an error result.
import type { AdvisoryDb } from '../core/advisory.ts';
import { auditLockfile, type TargetPlatform } from '../core/audit.ts';
import { diffFindings } from '../core/diff.ts';
import { errorMessage, LockfileParseError } from '../core/errors.ts';
import { parseLockfile, type Lockfile } from '../core/lockfile.ts';
import { parseManifest } from '../core/manifest.ts';
import type { DenyKind, Ignore } from '../core/policy.ts';
import type { CrateLookup, IndexSource, RepoFile, RepoSnapshot } from '../core/ports.ts';
import { policyFromFiles } from '../core/repo-ignores.ts';
import { DEFAULT_ADVISORY_DB_MAX_AGE_DAYS, emptyCounts, SCHEMA_VERSION, staleAdvisoryDb, sumCounts, worstStatus, type LockfileResult, type LockfileStatus, type ScanResult } from '../core/result.ts';
import { TOOL_VERSION } from './version.ts';

export interface LockfileInput {
  /** The path shown in results and messages. */
  path: string;
  text: string;
  /** The lockfile already parsed from `text`, when the caller needed it first. */
  parsed?: Lockfile;
  /** The workspace's `rust-version`, when its Cargo.toml says. */
  rustVersion?: string | null;
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
function repositoryStatus(lockfiles: readonly LockfileResult[], errors: readonly string[], stale: boolean): LockfileStatus {
  if (errors.length > 0) return 'error';
  const status = worstStatus(lockfiles.map((l) => l.status));
  return stale && status === 'clean' ? 'warnings' : status;
}

function document(request: Omit<AuditRequest, 'lockfiles' | 'ignores' | 'index'>, lockfiles: LockfileResult[], errors: string[], carriedFrom: string | null = null): ScanResult {
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
    status: repositoryStatus(lockfiles, errors, stale !== undefined),
    errors,
    carriedFrom,
    lockfiles,
    counts: sumCounts(lockfiles.map((l) => l.counts)),
    diff: errors.length > 0 ? { previousScanAt: request.previous?.scannedAt ?? null, new: [], resolved: [] } : diffFindings(request.repository.name, request.previous, lockfiles),
  };
}

/**
 * The lockfile's result in the previous scan, with when that scan read the index: a result
 * that could not read the repository carries the lockfiles of the scan at `carriedFrom`.
 */
function previousLockfile(previous: ScanResult | undefined, path: string): { lockfile: LockfileResult; scannedAt: string } | undefined {
  const lockfile = previous?.lockfiles.find((l) => l.path === path && l.status !== 'error');
  return previous && lockfile ? { lockfile, scannedAt: previous.carriedFrom ?? previous.scannedAt } : undefined;
}

/** Audits every lockfile of one repository and assembles the result document. */
export function auditRepository(request: AuditRequest): ScanResult {
  const today = request.now.toISOString().slice(0, 10);
  const lockfiles = request.lockfiles.map((input) => {
    try {
      const previous = previousLockfile(request.previous, input.path);
      const options = { ignores: request.ignores, deny: request.deny, today, rustVersion: input.rustVersion ?? null, ...(previous ? { previous } : {}), ...(request.target ? { target: request.target } : {}) };
      const lockfile = input.parsed ?? parseLockfile(input.text, input.path);
      // Nothing to audit is not a pass: a lockfile Cargo wrote lists at least the workspace's own packages.
      if (lockfile.packages.length === 0) throw emptyLockfileError(input.path);
      return auditLockfile(lockfile, request.db, request.index ? { ...options, index: request.index } : options);
    } catch (error) {
      if (error instanceof LockfileParseError) return failedLockfile(input.path, error);
      throw error;
    }
  });
  return document(request, lockfiles, []);
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

/** A repository's Cargo files, as a repository source reads them. */
export type RepositoryFiles = Pick<RepoSnapshot, 'lockfiles' | 'manifests' | 'policyFiles'>;

export interface RepositoryFilesRequest extends Omit<AuditRequest, 'lockfiles' | 'index'> {
  files: RepositoryFiles;
  /** The registry index, asked about the crates.io crates of the lockfiles that parse; null: not asked (offline). */
  index: IndexSource | null;
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
  try {
    return { path: file.path, text: file.text, parsed: parseLockfile(file.text, file.path), rustVersion };
  } catch {
    return { path: file.path, text: file.text, rustVersion };
  }
}

/**
 * Audits a repository's Cargo files: the ignores and denied kinds of its `.cargo/audit.toml`
 * and `deny.toml` join the given ones, each lockfile is parsed once, and the index is asked
 * about the crates of those that parse, each crate once. Throws ConfigError (file and line)
 * when a policy file is malformed.
 */
export async function auditRepositoryFiles(request: RepositoryFilesRequest): Promise<ScanResult> {
  const { files, index, ...rest } = request;
  const policy = policyFromFiles(files.policyFiles);
  const lockfiles = files.lockfiles.map((file) => lockfileInput(file, files.manifests));
  const lookups = index ? await lookUpCrates(index, lockfiles.flatMap((l) => (l.parsed ? [l.parsed] : []))) : undefined;
  return auditRepository({
    ...rest,
    lockfiles,
    ignores: [...request.ignores, ...policy.ignores],
    deny: [...new Set([...request.deny, ...policy.deny])],
    ...(lookups ? { index: lookups } : {}),
  });
}
