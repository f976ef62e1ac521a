// What the cloud handlers answer, as `cratewatch invoke` reads it: scan-repo's small outcome
// and finish's summary (also the scan function's and the state machine's output). Parsed
// here, once, with only the fields the command uses.
import type { Counts, LockfileStatus } from '../core/result.ts';

/** scan-repo's answer for one repository. */
export interface RepoOutcome {
  repo: string;
  status: LockfileStatus;
  /** Null when the repository could not be scanned (or the answer carried none). */
  counts: Counts | null;
  /** The S3 key of the stored history object, or null. */
  key: string | null;
  error: string | null;
  /** Findings new and resolved since the previous scan; null when the answer carried none. */
  newFindings: number | null;
  resolvedFindings: number | null;
}

/** finish's answer for a whole run. */
export interface ScanSummary {
  status: 'clean' | 'failing' | 'incomplete';
  repositories: number;
  alertsDelivered: number;
  alertFailure: string | null;
}

/** An answer that is not the shape this cratewatch expects (a handler of another version?). */
export class PayloadError extends Error {
  override name = 'PayloadError';
}

const STATUSES: readonly LockfileStatus[] = ['failing', 'warnings', 'clean', 'scanned-nothing', 'error'];
const SUMMARY_STATUSES: readonly ScanSummary['status'][] = ['clean', 'failing', 'incomplete'];
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'unscored', 'informational'] as const;
const KINDS = ['vulnerability', 'unmaintained', 'unsound', 'notice', 'yanked'] as const;

type Fields = Record<string, unknown>;

function object(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PayloadError(`${what} is not a JSON object`);
  return value as Fields;
}

function optionalString(doc: Fields, field: string, what: string): string | null {
  const value = doc[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new PayloadError(`${what}: field \`${field}\` is not a string`);
  return value;
}

function count(doc: Fields, field: string, what: string): number {
  const value = doc[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new PayloadError(`${what}: field \`${field}\` is not a count`);
  return value;
}

function parseCounts(value: unknown, what: string): Counts | null {
  if (value === undefined || value === null) return null;
  const doc = object(value, `${what}: field \`counts\``);
  const bySeverity = object(doc.bySeverity, `${what}: field \`counts.bySeverity\``);
  const byKind = doc.byKind === undefined ? {} : object(doc.byKind, `${what}: field \`counts.byKind\``);
  return {
    findings: count(doc, 'findings', what),
    ignored: doc.ignored === undefined ? 0 : count(doc, 'ignored', what),
    duplicates: doc.duplicates === undefined ? 0 : count(doc, 'duplicates', what),
    bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, count(bySeverity, s, `${what} (counts.bySeverity)`)])) as Counts['bySeverity'],
    byKind: Object.fromEntries(KINDS.map((k) => [k, byKind[k] === undefined ? 0 : count(byKind, k, `${what} (counts.byKind)`)])) as Counts['byKind'],
  };
}

/** Reads scan-repo's answer; `what` names it in errors ("scan-repo's answer for ripgrep"). */
export function parseRepoOutcome(value: unknown, what: string): RepoOutcome {
  const doc = object(value, what);
  if (typeof doc.repo !== 'string' || doc.repo === '') throw new PayloadError(`${what}: field \`repo\` is not a repository name`);
  if (!STATUSES.includes(doc.status as LockfileStatus)) throw new PayloadError(`${what}: field \`status\` is ${JSON.stringify(doc.status)}, not one of ${STATUSES.join(', ')}`);
  return {
    repo: doc.repo,
    status: doc.status as LockfileStatus,
    counts: parseCounts(doc.counts, what),
    key: optionalString(doc, 'key', what),
    error: optionalString(doc, 'error', what),
    newFindings: doc.newFindings === undefined || doc.newFindings === null ? null : count(doc, 'newFindings', what),
    resolvedFindings: doc.resolvedFindings === undefined || doc.resolvedFindings === null ? null : count(doc, 'resolvedFindings', what),
  };
}

/** Reads finish's answer (the scan function's and the state machine's output). */
export function parseScanSummary(value: unknown, what: string): ScanSummary {
  const doc = object(value, what);
  if (!SUMMARY_STATUSES.includes(doc.status as ScanSummary['status'])) {
    throw new PayloadError(`${what}: field \`status\` is ${JSON.stringify(doc.status)}, not one of ${SUMMARY_STATUSES.join(', ')}`);
  }
  return {
    status: doc.status as ScanSummary['status'],
    repositories: count(doc, 'repositories', what),
    alertsDelivered: count(doc, 'alertsDelivered', what),
    alertFailure: optionalString(doc, 'alertFailure', what),
  };
}
