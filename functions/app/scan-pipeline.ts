// The scan use case: every configured repository, fetched with bounded concurrency, audited
// against one database load and one index lookup per crate, stored with its history, compared
// with its previous result, and the new findings that matter sent as alerts. One repository
// failing never stops the others.
import pLimit from 'p-limit';
import { errorMessage, RepoFetchError } from '../core/errors.ts';
import { parseLockfile } from '../core/lockfile.ts';
import { parseManifest } from '../core/manifest.ts';
import type { Alert, Alerter, AdvisorySource, IndexSource, RepoConfig, RepoFile, RepoLocation, RepoSource, ResultStore } from '../core/ports.ts';
import { policyFromFiles } from '../core/repo-ignores.ts';
import { findingKey, findingRefKey, SCHEMA_VERSION, type ScanResult, type SummaryIndex, type SummaryRow } from '../core/result.ts';
import { atLeast, type Severity } from '../core/severity.ts';
import { auditRepository, failedRepository, lookUpCrates, type LockfileInput } from './audit-lockfile.ts';

/** What the pipeline needs of the configuration. */
export interface ScanSettings {
  /** The repositories to scan this run. */
  repositories: readonly RepoConfig[];
  /** Every configured repository's name (when scanning a subset): summary rows of others are kept. */
  configuredNames?: readonly string[];
  alerts: { threshold: Severity; unscored: boolean };
  concurrency: number;
}

export type ScanEvent =
  | { kind: 'database'; revision: string; advisoryCount: number; skipped: number }
  | { kind: 'repository-started'; name: string }
  | { kind: 'repository-done'; name: string; result: ScanResult };

export interface ScanDeps {
  advisorySource: AdvisorySource;
  /** The registry index; null when offline. */
  index: IndexSource | null;
  repoSources: Partial<Record<RepoLocation['kind'], RepoSource>>;
  store: ResultStore;
  alerter: Alerter;
  now: () => Date;
  onEvent?: (event: ScanEvent) => void;
  /** Attempts to deliver alerts before giving up loudly. */
  alertAttempts?: number;
}

export interface ScanOutcome {
  results: ScanResult[];
  alerts: Alert[];
  summary: SummaryIndex;
  /** Why alerts could not be delivered after every attempt; null when they were. */
  alertFailure: string | null;
  /** 0 clean, 1 findings fail the policy, 3 some repositories (or alerts) could not be handled. */
  exitCode: 0 | 1 | 3;
}

function describeLocation(location: RepoLocation): string {
  switch (location.kind) {
    case 'github': return `github:${location.repo}`;
    case 'gitlab': return `gitlab:${location.project}`;
    case 'url': return location.url;
    case 'path': return `path:${location.path}`;
  }
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

/** Parses each lockfile once; one that does not parse is left for the audit to report. */
function parseAll(files: readonly RepoFile[]): LockfileInput[] {
  return files.map((file) => {
    try {
      return { path: file.path, text: file.text, parsed: parseLockfile(file.text, file.path) };
    } catch {
      return { path: file.path, text: file.text };
    }
  });
}

function alertsOf(result: ScanResult, settings: ScanSettings): Alert[] {
  const repository = result.repository.name;
  const wanted = new Set(result.diff.new.map((ref) => findingRefKey(repository, ref)));
  const alerts: Alert[] = [];
  for (const lockfile of result.lockfiles) {
    for (const finding of lockfile.findings) {
      if (!wanted.has(findingKey(repository, lockfile.path, finding)) || finding.kind !== 'vulnerability') continue;
      const severe = finding.severity === 'unscored' ? settings.alerts.unscored : atLeast(finding.severity, settings.alerts.threshold);
      if (severe) alerts.push({ repository, lockfile: lockfile.path, finding });
    }
  }
  return alerts;
}

function summaryRow(result: ScanResult): SummaryRow {
  return {
    name: result.repository.name,
    source: result.repository.source,
    status: result.status,
    scannedAt: result.scannedAt,
    advisoryDbRevision: result.advisoryDb.revision,
    lockfileCount: result.lockfiles.length,
    counts: result.counts,
    newFindings: result.diff.new.length,
    resolvedFindings: result.diff.resolved.length,
    outdated: result.lockfiles.reduce((n, l) => n + l.outdated.length, 0),
    error: result.errors[0] ?? result.lockfiles.flatMap((l) => l.errors.map((e) => e.message))[0] ?? null,
  };
}

async function deliver(alerter: Alerter, alerts: Alert[], attempts: number): Promise<string | null> {
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await alerter.send(alerts);
      return null;
    } catch (error) {
      last = error;
    }
  }
  return `${alerts.length} alert(s) could not be delivered after ${attempts} attempts: ${errorMessage(last)}`;
}

/** Runs one scan of the configured repositories. Throws only when the database cannot be loaded. */
export async function runScan(settings: ScanSettings, deps: ScanDeps): Promise<ScanOutcome> {
  const db = await deps.advisorySource.load();
  deps.onEvent?.({ kind: 'database', revision: db.revision, advisoryCount: db.advisoryCount, skipped: db.diagnostics.length });
  const limit = pLimit(Math.max(1, settings.concurrency));

  const scanOne = async (repo: RepoConfig): Promise<ScanResult> => {
    deps.onEvent?.({ kind: 'repository-started', name: repo.name });
    const repository = { name: repo.name, source: describeLocation(repo.location), ref: repo.ref, commit: null as string | null };
    let previous: ScanResult | undefined;
    let result: ScanResult;
    try {
      previous = await deps.store.readLatest(repo.name);
    } catch {
      previous = undefined; // an unreadable previous result only costs the diff
    }
    const base = { repository, db, dbLocation: deps.advisorySource.location, deny: repo.deny, now: deps.now(), ...(previous ? { previous } : {}) };
    try {
      const source = deps.repoSources[repo.location.kind];
      if (!source) throw new RepoFetchError(`${repo.name}: ${repo.location.kind} repositories cannot be read in this mode (offline?)`);
      const snapshot = await source.fetchRepository(repo);
      repository.commit = snapshot.commit;
      repository.ref = snapshot.ref ?? repo.ref;
      const policy = policyFromFiles(snapshot.policyFiles);
      const lockfiles = parseAll(snapshot.lockfiles).map((input) => ({ ...input, rustVersion: rustVersionFor(input, snapshot.manifests) }));
      const parsed = lockfiles.flatMap((l) => (l.parsed ? [l.parsed] : []));
      const index = deps.index ? await lookUpCrates(deps.index, parsed) : undefined;
      result = auditRepository({
        ...base,
        deny: [...new Set([...repo.deny, ...policy.deny])],
        lockfiles,
        ignores: [...repo.ignores, ...policy.ignores],
        ...(index ? { index } : {}),
      });
    } catch (error) {
      result = failedRepository(base, error);
    }
    await deps.store.write(result);
    deps.onEvent?.({ kind: 'repository-done', name: repo.name, result });
    return result;
  };

  const results = await Promise.all(settings.repositories.map((repo) => limit(() => scanOne(repo))));
  const alerts = results.flatMap((r) => alertsOf(r, settings));
  const alertFailure = alerts.length > 0 ? await deliver(deps.alerter, alerts, deps.alertAttempts ?? 3) : null;

  const configured = new Set(settings.configuredNames ?? settings.repositories.map((r) => r.name));
  const earlier = (await deps.store.readSummary().catch(() => undefined))?.repositories ?? [];
  const rows = new Map(earlier.map((row) => [row.name, row]));
  for (const result of results) rows.set(result.repository.name, summaryRow(result));
  const summary: SummaryIndex = {
    schemaVersion: SCHEMA_VERSION,
    generatedAt: deps.now().toISOString(),
    repositories: [...rows.values()].filter((row) => configured.has(row.name)),
  };
  await deps.store.writeSummary(summary);

  const broken = results.some((r) => r.status === 'error') || alertFailure !== null;
  const failing = results.some((r) => r.status === 'failing');
  return { results, alerts, summary, alertFailure, exitCode: broken ? 3 : failing ? 1 : 0 };
}

