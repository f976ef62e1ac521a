// The alert ledger: which findings people have already been told about. Alerts are due for
// open findings at or above the threshold that are not in it; an identity enters it only
// once the alerter accepted the message, and leaves it when the finding is resolved, so a
// failed delivery is retried by the next run and a finding that comes back alerts again.
import type { Alert } from './ports.ts';
import semver from 'semver';
import { alertableByScope } from './dependency-scope.ts';
import { findingKey, findingRef, type ScanResult } from './result.ts';
import { atLeast, type Severity } from './severity.ts';

export const LEDGER_VERSION = 1;

export interface LedgerEntry {
  repository: string;
  lockfile: string;
  kind: string;
  id: string;
  crate: string;
  /** The locked version when it was delivered (not part of the identity). */
  version: string;
  severity: Severity;
  deliveredAt: string;
}

/**
 * A run delivering these identities right now. Another run leaves them alone until the
 * claim expires (the claiming run died), so two overlapping runs never send one alert twice.
 */
export interface LedgerClaim {
  runId: string;
  claimedAt: string;
  /** Who claims: `host:pid` for a local run (so a dead process is recognised), else an id. */
  owner: string;
  keys: string[];
}

export interface AlertLedger {
  ledgerVersion: typeof LEDGER_VERSION;
  updatedAt: string;
  /** Finding identity (core/result.ts findingKey) → when it was delivered. */
  delivered: Record<string, LedgerEntry>;
  claims: LedgerClaim[];
}

export interface AlertPolicy {
  threshold: Severity;
  /** Whether vulnerabilities without a CVSS score alert. */
  unscored: boolean;
  /** Whether findings reached only through dev-dependencies alert (`[alerts] include_dev`); absent means they do. */
  includeDev?: boolean;
}

/** An alert with its identity. */
export interface KeyedAlert extends Alert {
  key: string;
}

export function emptyLedger(now: Date): AlertLedger {
  return { ledgerVersion: LEDGER_VERSION, updatedAt: now.toISOString(), delivered: {}, claims: [] };
}

/** Every open finding of the results that the policy alerts on, one per identity. */
export function alertableFindings(results: readonly ScanResult[], policy: AlertPolicy): KeyedAlert[] {
  const found = new Map<string, KeyedAlert>();
  for (const result of results) {
    const repository = result.repository.name;
    for (const lockfile of result.lockfiles) {
      for (const finding of lockfile.findings) {
        if (finding.kind !== 'vulnerability') continue;
        const severe = finding.severity === 'unscored' ? policy.unscored : atLeast(finding.severity, policy.threshold);
        if (!alertableByScope(finding.scope, { includeDev: policy.includeDev ?? true })) continue;
        const key = findingKey(repository, lockfile.path, finding);
        if (severe && !found.has(key)) found.set(key, { key, repository, lockfile: lockfile.path, finding });
      }
    }
  }
  return [...found.values()];
}

/**
 * Drops the claims of runs that are gone: `isLive` says whether a claim's run may still be
 * delivering (its lease has not run out, or its process is known to be alive).
 */
export function dropDeadClaims(ledger: AlertLedger, isLive: (claim: LedgerClaim) => boolean): AlertLedger {
  return { ...ledger, claims: ledger.claims.filter(isLive) };
}

/** The alerts to send now: alertable, not delivered, and not claimed by another run. */
export function dueAlerts(ledger: AlertLedger, alertable: readonly KeyedAlert[]): KeyedAlert[] {
  const claimed = new Set(ledger.claims.flatMap((c) => c.keys));
  return alertable.filter((a) => !(a.key in ledger.delivered) && !claimed.has(a.key));
}

/**
 * Removes delivered identities whose finding is gone, so that it alerts again if it comes
 * back. Only what was looked at counts as gone: the identities of repositories in `scanned`
 * (their latest results are `results`) and of repositories no longer configured; a lockfile
 * that could not be read this time keeps its identities.
 */
export function pruneLedger(ledger: AlertLedger, results: readonly ScanResult[], configured: ReadonlySet<string>): AlertLedger {
  const open = new Set<string>();
  const unread = new Set<string>();
  const seen = new Set<string>();
  for (const result of results) {
    const repository = result.repository.name;
    seen.add(repository);
    for (const lockfile of result.lockfiles) {
      if (lockfile.status === 'error') unread.add(`${repository}\u0000${lockfile.path}`);
      for (const finding of lockfile.findings) open.add(findingKey(repository, lockfile.path, finding));
    }
  }
  const delivered: Record<string, LedgerEntry> = {};
  for (const [key, entry] of Object.entries(ledger.delivered)) {
    const looked = seen.has(entry.repository) && !unread.has(`${entry.repository}\u0000${entry.lockfile}`);
    const keep = configured.has(entry.repository) && (!looked || open.has(key));
    if (keep) delivered[key] = entry;
  }
  return { ...ledger, delivered };
}

/** Adds the run's claim on `keys` (replacing an earlier claim of the same run). */
export function claimAlerts(ledger: AlertLedger, claim: LedgerClaim, now: Date): AlertLedger {
  return { ...ledger, updatedAt: now.toISOString(), claims: [...ledger.claims.filter((c) => c.runId !== claim.runId), claim] };
}

/** Records `alerts` as delivered and drops the run's claim. */
export function recordDelivered(ledger: AlertLedger, runId: string, alerts: readonly KeyedAlert[], now: Date): AlertLedger {
  const delivered = { ...ledger.delivered };
  for (const alert of alerts) delivered[alert.key] = ledgerEntry(alert, now);
  return { ...ledger, updatedAt: now.toISOString(), delivered, claims: ledger.claims.filter((c) => c.runId !== runId) };
}

function ledgerEntry(alert: KeyedAlert, now: Date): LedgerEntry {
  const ref = findingRef(alert.lockfile, alert.finding);
  return {
    repository: alert.repository,
    lockfile: alert.lockfile,
    kind: ref.kind,
    id: ref.id,
    crate: ref.package.name,
    version: ref.package.version,
    severity: ref.severity,
    deliveredAt: now.toISOString(),
  };
}

/** The first cratewatch version that keeps an alert ledger. */
export const LEDGER_SINCE = '0.2.0';

/** Whether a result was written by a cratewatch from before the ledger. */
export function writtenBeforeLedger(result: ScanResult): boolean {
  const version = semver.valid(result.tool.version);
  return version !== null && semver.lt(version, LEDGER_SINCE);
}

/**
 * Adds what a cratewatch from before the ledger already alerted: it alerted each finding at
 * or above the threshold when it was new, so every alertable finding of its stored results
 * was delivered by the time of that scan. Results written with a ledger add nothing, so a
 * store whose first ledger-era run died before writing its ledger loses no alert. Returns
 * null when nothing is added.
 */
export function seedLegacyAlerts(ledger: AlertLedger, results: readonly ScanResult[], policy: AlertPolicy, now: Date): AlertLedger | null {
  const delivered = { ...ledger.delivered };
  let added = 0;
  for (const result of results.filter(writtenBeforeLedger)) {
    for (const alert of alertableFindings([result], policy)) {
      if (alert.key in delivered) continue;
      delivered[alert.key] = { ...ledgerEntry(alert, now), deliveredAt: result.scannedAt };
      added++;
    }
  }
  return added === 0 ? null : { ...ledger, updatedAt: now.toISOString(), delivered };
}

/** Parses a stored ledger; returns a problem message when it is not one. */
export function checkLedger(doc: unknown): string | undefined {
  const d = doc as Partial<AlertLedger> | null;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return 'is not a JSON object';
  if (d.ledgerVersion !== LEDGER_VERSION) return `has ledgerVersion ${JSON.stringify(d.ledgerVersion)}, but this cratewatch reads ${LEDGER_VERSION}`;
  if (typeof d.delivered !== 'object' || d.delivered === null || !Array.isArray(d.claims)) return 'has no delivered map or claims list';
  return undefined;
}
