// The scan use case, in the units that fan out on AWS: `prepareScan` (the advisory database
// and the index cache, refreshed once), `scanRepository` (one repository: fetch, audit,
// store; the Step Functions Map item) and `finishScan` (the summary rebuilt from the stored
// latest results, then the due alerts through the ledger). `runScan` composes them in one
// process exactly as the state machine does. One repository failing never stops the others.
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { AdvisoryDb } from '../core/advisory.ts';
import {
  alertableFindings,
  claimAlerts,
  dropDeadClaims,
  dueAlerts,
  pruneLedger,
  emptyLedger,
  recordDelivered,
  seedLegacyAlerts,
  writtenBeforeLedger,
  type AlertLedger,
  type AlertPolicy,
  type KeyedAlert,
  type LedgerClaim,
} from '../core/alert-ledger.ts';
import { AlertDeliveryError, errorMessage, PreconditionFailedError, RepoFetchError } from '../core/errors.ts';
import { parseSource } from '../core/lockfile.ts';
import type { Alert, Alerter, AdvisorySource, IndexSource, RepoConfig, RepoLocation, RepoSource } from '../core/ports.ts';
import { coverageOf, emptyCounts, findingKey, SCHEMA_VERSION, type Counts, type LockfileStatus, type ScanResult, type SummaryIndex, type SummaryRow } from '../core/result.ts';
import { auditRepositoryFiles, failedRepository, type ToolchainRequest } from './audit-lockfile.ts';
import type { ObjectHttpCache } from './object-http-cache.ts';
import type { ResultStore } from './result-store.ts';

/** What the pipeline needs of the configuration. */
export interface ScanSettings {
  /** The repositories to scan this run. */
  repositories: readonly RepoConfig[];
  /** Every configured repository: the summary lists them, the ledger forgets the others. */
  configured: readonly RepoConfig[];
  alerts: AlertPolicy;
  concurrency: number;
  /** Days the advisory database may age before results call it stale (`sources.advisory_db_max_age_days`); 7 when absent. */
  advisoryDbMaxAgeDays?: number;
}

export type ScanEvent =
  | { kind: 'database'; revision: string; advisoryCount: number; skipped: number }
  | { kind: 'index-refreshed'; crates: number }
  | { kind: 'repository-started'; name: string }
  | { kind: 'repository-done'; name: string; result: ScanResult; outcome: RepoOutcome }
  | { kind: 'warning'; message: string };

/** One run's identity: every unit of the run carries it. */
export interface RunInfo {
  runId: string;
  /** ISO time the run started: index files refreshed since are not asked for again. */
  startedAt: string;
}

/** What the units share: the stores and sources of one run. */
export interface RunDeps {
  store: ResultStore;
  /** The run's cache in the store (index pack, archive); null where there is none. */
  cache: ObjectHttpCache | null;
  now: () => Date;
  onEvent?: (event: ScanEvent) => void;
}

export interface PrepareDeps extends RunDeps {
  advisorySource: AdvisorySource;
  /** The registry index; null when offline. */
  index: IndexSource | null;
}

export interface PreparedRun extends RunInfo {
  db: AdvisoryDb;
  /** The repositories to scan, in order. */
  repositories: string[];
}

export interface RepoScanDeps extends RunDeps, RunInfo {
  /** The alert policy, to carry over what an older cratewatch alerted (core/alert-ledger.ts). */
  alerts: AlertPolicy;
  db: AdvisoryDb;
  dbLocation: string;
  index: IndexSource | null;
  repoSources: Partial<Record<RepoLocation['kind'], RepoSource>>;
  /** Days the advisory database may age before the result calls it stale; 7 when absent. */
  advisoryDbMaxAgeDays?: number;
  /** The toolchain check's sources and settings; absent: no toolchain check. */
  toolchains?: ToolchainRequest;
}

/** The small outcome of one repository (a Step Functions state stays far below 256 KB). */
export interface RepoOutcome {
  repo: string;
  status: LockfileStatus;
  counts: Counts;
  /** The history object the result was stored as; null when it could not be stored. */
  key: string | null;
  /** Why the repository could not be scanned or its result not stored; null when all went well. */
  error: string | null;
  /** False when the result could not be written: the run records the error and goes on. */
  stored: boolean;
  newFindings: number;
  resolvedFindings: number;
}

export interface FinishDeps extends RunDeps {
  runId: string;
  alerter: Alerter;
  /** Attempts to deliver alerts before giving up loudly (the next run tries again). */
  alertAttempts?: number;
  /** How long a run's claim on the alerts it is delivering holds off other runs. */
  claimLeaseMs?: number;
  /** Who this run is (`host:pid` locally), and whether another claim's owner is known to be alive or dead. */
  owner?: string;
  ownerAlive?: (owner: string) => boolean | undefined;
}

export type RunStatus = 'clean' | 'failing' | 'incomplete';

export interface FinishOutcome {
  /** clean; failing (findings fail the policy); incomplete (some repositories, the summary or alerts could not be handled). */
  status: RunStatus;
  summary: SummaryIndex;
  /** The alerts delivered by this run. */
  delivered: Alert[];
  /** Why due alerts could not all be delivered; null when they were (or none were due). */
  alertFailure: string | null;
  /** What else went wrong without stopping the run (summary or cache writes). */
  problems: string[];
}

export interface ScanOutcome extends FinishOutcome {
  results: ScanResult[];
  outcomes: RepoOutcome[];
}

const DEFAULT_CLAIM_LEASE_MS = 15 * 60_000;

export function describeLocation(location: RepoLocation): string {
  switch (location.kind) {
    case 'github': return `github:${location.repo}`;
    case 'gitlab': return `gitlab:${location.project}`;
    case 'url': return location.url;
    case 'path': return `path:${location.path}`;
  }
}

export interface PrepareOptions {
  /**
   * Write the refreshed index files to the store now (default): units in other processes
   * read them from there. A run in one process shares its cache in memory, and its finish
   * step writes it once.
   */
  compactCache?: boolean;
}

/** A fresh run: its id and start time. */
export function newRun(now: Date): RunInfo {
  return { runId: `${now.toISOString().replaceAll(':', '-')}-${randomUUID().slice(0, 8)}`, startedAt: now.toISOString() };
}

/** The latest results of `names`; one that cannot be read is left out and reported. */
async function readLatestResults(store: ResultStore, names: readonly string[], onEvent?: (event: ScanEvent) => void): Promise<{ results: ScanResult[]; unreadable: Map<string, string> }> {
  const results: ScanResult[] = [];
  const unreadable = new Map<string, string>();
  await Promise.all(
    names.map(async (name) => {
      try {
        const latest = await store.readLatest(name);
        if (latest) results.push(latest.value);
      } catch (error) {
        unreadable.set(name, errorMessage(error));
        onEvent?.({ kind: 'warning', message: `the latest result of ${name} cannot be read: ${errorMessage(error)}` });
      }
    }),
  );
  results.sort((a, b) => a.repository.name.localeCompare(b.repository.name));
  return { results, unreadable };
}

/** Records in the ledger what a cratewatch from before the ledger alerted, before its results are replaced. */
async function carryLegacyAlerts(store: ResultStore, results: readonly ScanResult[], policy: AlertPolicy, now: Date): Promise<void> {
  if (!results.some(writtenBeforeLedger)) return;
  await updateLedger(store, () => emptyLedger(now), (ledger) => seedLegacyAlerts(ledger, results, policy, now));
}

/**
 * Loads the advisory database (refreshing its cached archive) and refreshes the cached
 * index files of every crates.io crate the stored results lock, each asked once, then
 * writes the index cache back. Throws AdvisoryDbError when the database cannot be had.
 */
export async function prepareScan(settings: ScanSettings, deps: PrepareDeps, run: RunInfo = newRun(deps.now()), options: PrepareOptions = {}): Promise<PreparedRun> {
  const db = await deps.advisorySource.load();
  deps.onEvent?.({ kind: 'database', revision: db.revision, advisoryCount: db.advisoryCount, skipped: db.diagnostics.length });
  const { results } = await readLatestResults(deps.store, settings.repositories.map((r) => r.name), deps.onEvent);
  await carryLegacyAlerts(deps.store, results, settings.alerts, deps.now());
  if (deps.index) {
    const crates = new Set<string>();
    for (const result of results) {
      for (const lockfile of result.lockfiles) for (const pkg of lockfile.packages) if (pkg.source && parseSource(pkg.source)?.kind === 'crates-io') crates.add(pkg.name);
    }
    const index = deps.index;
    await Promise.all([...crates].map((name) => index.lookup(name)));
    deps.onEvent?.({ kind: 'index-refreshed', crates: crates.size });
  }
  if (deps.cache && options.compactCache !== false) {
    try {
      await deps.cache.compact();
    } catch (error) {
      deps.onEvent?.({ kind: 'warning', message: `the index cache could not be written (the next run asks again): ${errorMessage(error)}` });
    }
  }
  return { ...run, db, repositories: settings.repositories.map((r) => r.name) };
}

function outcomeOf(result: ScanResult, key: string | null, storeError: string | null): RepoOutcome {
  return {
    repo: result.repository.name,
    status: storeError ? 'error' : result.status,
    counts: result.counts,
    key,
    error: storeError ?? result.errors[0] ?? null,
    stored: storeError === null,
    newFindings: result.diff.new.length,
    resolvedFindings: result.diff.resolved.length,
  };
}

/**
 * Scans one repository: fetches it, audits its lockfiles, stores the result and its
 * history. Never throws for the repository's own problems (they are the result); a result
 * that cannot be stored comes back as `stored: false` with why.
 */
export async function scanRepository(repo: RepoConfig, deps: RepoScanDeps): Promise<{ outcome: RepoOutcome; result: ScanResult }> {
  deps.onEvent?.({ kind: 'repository-started', name: repo.name });
  const repository = { name: repo.name, source: describeLocation(repo.location), ref: repo.ref, commit: null as string | null };
  let previous: { value: ScanResult; etag: string } | undefined;
  let previousUnreadable: string | null = null;
  try {
    previous = await deps.store.readLatest(repo.name);
  } catch (error) {
    previousUnreadable = errorMessage(error); // costs the diff, and the write must not replace it blindly
  }
  const base = { repository, db: deps.db, dbLocation: deps.dbLocation, advisoryDbMaxAgeDays: deps.advisoryDbMaxAgeDays, deny: repo.deny, now: deps.now(), ...(previous ? { previous: previous.value } : {}) };
  let result: ScanResult;
  try {
    const source = deps.repoSources[repo.location.kind];
    if (!source) throw new RepoFetchError(`${repo.name}: ${repo.location.kind} repositories cannot be read in this mode (offline?)`);
    const snapshot = await source.fetchRepository(repo);
    repository.commit = snapshot.commit;
    repository.ref = snapshot.ref ?? repo.ref;
    result = await auditRepositoryFiles({
      ...base,
      ignores: repo.ignores,
      duplicateAllowances: repo.duplicates ?? [],
      files: snapshot,
      index: deps.index,
      ...(deps.toolchains ? { toolchains: deps.toolchains } : {}),
    });
  } catch (error) {
    result = failedRepository(base, error);
  }

  let key: string | null = null;
  let storeError: string | null = null;
  if (previousUnreadable !== null) {
    storeError = `the stored latest result could not be read, so this one was not written over it: ${previousUnreadable}`;
  } else {
    try {
      if (previous) await carryLegacyAlerts(deps.store, [previous.value], deps.alerts, deps.now());
      key = await deps.store.write(result, previous?.etag ?? null);
    } catch (error) {
      storeError = `the result could not be stored in ${deps.store.location}: ${errorMessage(error)}`;
    }
  }
  if (deps.cache) {
    try {
      await deps.cache.flush(repo.name);
    } catch (error) {
      deps.onEvent?.({ kind: 'warning', message: `${repo.name}: the index files it fetched could not be cached: ${errorMessage(error)}` });
    }
  }
  const outcome = outcomeOf(result, key, storeError);
  deps.onEvent?.({ kind: 'repository-done', name: repo.name, result, outcome });
  return { outcome, result };
}

function summaryRow(result: ScanResult): SummaryRow {
  const coverage = coverageOf(result);
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
    notCovered: coverage.notCovered,
    indexFailed: coverage.indexFailed,
    carriedIndexFacts: coverage.carriedIndexFacts,
    ...(result.advisoryDb.stale ? { advisoryDbStale: result.advisoryDb.stale } : {}),
  };
}

/** The row of a repository whose latest result is missing, unreadable, or not this run's. */
function errorRow(repo: RepoConfig, latest: ScanResult | undefined, error: string, now: Date): SummaryRow {
  if (latest) return { ...summaryRow(latest), status: 'error', error };
  return {
    name: repo.name,
    source: describeLocation(repo.location),
    status: 'error',
    scannedAt: now.toISOString(),
    advisoryDbRevision: 'unknown',
    lockfileCount: 0,
    counts: emptyCounts(),
    newFindings: 0,
    resolvedFindings: 0,
    outdated: 0,
    error,
  };
}

async function sendWithRetries(alerter: Alerter, alerts: readonly KeyedAlert[], attempts: number): Promise<{ delivered: KeyedAlert[]; failure: string | null }> {
  const delivered: KeyedAlert[] = [];
  let remaining = [...alerts];
  let last: unknown;
  for (let attempt = 1; attempt <= attempts && remaining.length > 0; attempt++) {
    try {
      await alerter.send(remaining);
      delivered.push(...remaining);
      remaining = [];
    } catch (error) {
      last = error;
      if (error instanceof AlertDeliveryError) {
        const accepted = new Set(error.delivered.map((a) => findingKey(a.repository, a.lockfile, a.finding as Alert['finding'])));
        delivered.push(...remaining.filter((a) => accepted.has(a.key)));
        remaining = remaining.filter((a) => !accepted.has(a.key));
      }
    }
  }
  const failure = remaining.length === 0 ? null : `${remaining.length} alert(s) could not be delivered after ${attempts} attempts: ${errorMessage(last)} (the next run tries again)`;
  return { delivered, failure };
}

/** Reads the ledger, applies `change` and writes it back if still unchanged; retries on a concurrent write. */
async function updateLedger(store: ResultStore, fallback: () => AlertLedger, change: (ledger: AlertLedger, stored: boolean) => AlertLedger | null): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const read = await store.readLedger();
    const next = change(read?.value ?? fallback(), read !== undefined);
    if (next === null) return;
    try {
      await store.writeLedger(next, read?.etag ?? null);
      return;
    } catch (error) {
      if (!(error instanceof PreconditionFailedError) || attempt >= 9) throw error;
    }
  }
}

/**
 * Delivers the due alerts: open findings at or above the threshold that the ledger does not
 * hold and no live run has claimed. The claim is written before sending (so an overlapping
 * run leaves them alone), the delivered identities after the alerter accepted them.
 */
async function deliverDueAlerts(latest: readonly ScanResult[], settings: ScanSettings, deps: FinishDeps): Promise<{ delivered: Alert[]; failure: string | null }> {
  const now = deps.now();
  const lease = deps.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS;
  const owner = deps.owner ?? deps.runId;
  // A claim holds while its run may still be delivering: its lease running, unless its owner is known to be dead.
  const isLive = (claim: LedgerClaim) => deps.ownerAlive?.(claim.owner) !== false && now.getTime() - Date.parse(claim.claimedAt) < lease;
  const configured = new Set(settings.configured.map((r) => r.name));
  const alertable = alertableFindings(latest, settings.alerts);
  // No ledger yet: nothing was delivered (what an older cratewatch alerted was carried over before its results were replaced).
  const seed = () => emptyLedger(now);
  let due: KeyedAlert[] = [];
  await updateLedger(deps.store, seed, (stored, existed) => {
    const ledger = pruneLedger(dropDeadClaims(stored, isLive), latest, configured);
    due = dueAlerts(ledger, alertable);
    if (due.length > 0) return claimAlerts(ledger, { runId: deps.runId, owner, claimedAt: now.toISOString(), keys: due.map((a) => a.key) }, now);
    const changed = !existed || Object.keys(ledger.delivered).length !== Object.keys(stored.delivered).length || ledger.claims.length !== stored.claims.length;
    return changed ? { ...ledger, updatedAt: now.toISOString() } : null;
  });
  if (due.length === 0) return { delivered: [], failure: null };

  const sent = await sendWithRetries(deps.alerter, due, deps.alertAttempts ?? 3);
  // The claim is dropped either way: what was not delivered is due again for the next run.
  await updateLedger(deps.store, seed, (ledger) => recordDelivered(ledger, deps.runId, sent.delivered, deps.now()));
  return { delivered: sent.delivered.map(({ repository, lockfile, finding }) => ({ repository, lockfile, finding })), failure: sent.failure };
}

/**
 * Ends a run: rebuilds `results/index.json` from the stored latest results of every
 * configured repository (a whole write, never a read-modify-write), delivers the due alerts
 * through the ledger, and merges the run's index cache. `outcomes` are this run's units.
 */
export async function finishScan(settings: ScanSettings, deps: FinishDeps, outcomes: readonly RepoOutcome[]): Promise<FinishOutcome> {
  const now = deps.now();
  const problems: string[] = [];
  const { results: latest, unreadable } = await readLatestResults(deps.store, settings.configured.map((r) => r.name), deps.onEvent);
  const byName = new Map(latest.map((r) => [r.repository.name, r]));
  const failedHere = new Map(outcomes.filter((o) => !o.stored).map((o) => [o.repo, o.error ?? 'not scanned']));
  const rows: SummaryRow[] = [];
  for (const repo of settings.configured) {
    const result = byName.get(repo.name);
    const failure = failedHere.get(repo.name) ?? unreadable.get(repo.name);
    if (failure !== undefined) rows.push(errorRow(repo, result, failure, now));
    else if (result) rows.push(summaryRow(result));
  }
  const summary: SummaryIndex = { schemaVersion: SCHEMA_VERSION, generatedAt: now.toISOString(), repositories: rows };
  try {
    await deps.store.writeSummary(summary);
  } catch (error) {
    problems.push(`the summary could not be written: ${errorMessage(error)}`);
  }

  let alerts: { delivered: Alert[]; failure: string | null };
  try {
    alerts = await deliverDueAlerts(latest, settings, deps);
  } catch (error) {
    alerts = { delivered: [], failure: `the alert ledger could not be read or written, so no alert was sent (the next run tries again): ${errorMessage(error)}` };
  }
  if (deps.cache) {
    try {
      await deps.cache.compact();
    } catch (error) {
      problems.push(`the index cache could not be written (the next run asks again): ${errorMessage(error)}`);
    }
  }
  const broken = outcomes.some((o) => o.status === 'error') || alerts.failure !== null || problems.length > 0;
  const failing = outcomes.some((o) => o.status === 'failing');
  return { status: broken ? 'incomplete' : failing ? 'failing' : 'clean', summary, delivered: alerts.delivered, alertFailure: alerts.failure, problems };
}

export interface LocalRunDeps extends PrepareDeps {
  dbLocation: string;
  repoSources: Partial<Record<RepoLocation['kind'], RepoSource>>;
  alerter: Alerter;
  alertAttempts?: number;
  claimLeaseMs?: number;
  owner?: string;
  ownerAlive?: (owner: string) => boolean | undefined;
}

/**
 * A whole run in one process, composed like the state machine: prepare, every repository
 * with bounded concurrency, finish. Throws only when the database cannot be loaded.
 */
export async function runScan(settings: ScanSettings, deps: LocalRunDeps): Promise<ScanOutcome> {
  const prepared = await prepareScan(settings, deps, newRun(deps.now()), { compactCache: false });
  const limit = pLimit(Math.max(1, settings.concurrency));
  const unit: RepoScanDeps = { ...deps, alerts: settings.alerts, advisoryDbMaxAgeDays: settings.advisoryDbMaxAgeDays, runId: prepared.runId, startedAt: prepared.startedAt, db: prepared.db };
  const scanned = await Promise.all(settings.repositories.map((repo) => limit(() => scanRepository(repo, unit))));
  const outcomes = scanned.map((s) => s.outcome);
  const finished = await finishScan(settings, { ...deps, runId: prepared.runId }, outcomes);
  return { ...finished, results: scanned.map((s) => s.result), outcomes };
}
