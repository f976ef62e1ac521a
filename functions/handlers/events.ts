// The events the handlers take, parsed at the boundary: only the fields used, and a clear
// error naming the field when one is wrong. Scheduler and EventBridge events carry no input
// of their own: they mean "scan everything".
import type { RepoOutcome } from '../app/scan-pipeline.ts';
import { emptyCounts, type Counts, type LockfileStatus } from '../core/result.ts';

/** An event that is not what the handler takes; the message names the field. */
export class EventError extends Error {
  override name = 'EventError';
}

type Fields = Record<string, unknown>;

function fields(event: unknown, what: string): Fields {
  if (event === null || event === undefined) return {};
  if (typeof event !== 'object' || Array.isArray(event)) throw new EventError(`${what}: expected a JSON object, got ${Array.isArray(event) ? 'an array' : typeof event}`);
  return event as Fields;
}

function text(doc: Fields, field: string, what: string): string | null {
  const value = doc[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value === '') throw new EventError(`${what}: field \`${field}\` must be a non-empty string`);
  return value;
}

/** `{}` or a scheduled event: every repository; `{ "repos": ["a", "b"] }`: those. */
export function parseScanRequest(event: unknown): { repos: string[] } {
  const doc = fields(event, 'scan request');
  const repos = doc.repos;
  if (repos === undefined) return { repos: [] };
  if (!Array.isArray(repos) || repos.some((r) => typeof r !== 'string' || r === '')) throw new EventError('scan request: field `repos` must be a list of repository names');
  return { repos: repos as string[] };
}

export interface RepoItem {
  repo: string;
  /** Set inside a run (a Map item): the prepare step refreshed the caches at `startedAt`. */
  runId: string | null;
  startedAt: string | null;
}

/** A Map item `{ "repo": "name", "runId": "…", "startedAt": "…" }`, or a direct `{ "repo": "name" }`. */
export function parseRepoItem(event: unknown): RepoItem {
  const doc = fields(event, 'scan-repo input');
  const repo = text(doc, 'repo', 'scan-repo input');
  if (repo === null) throw new EventError('scan-repo input: field `repo` is required (the name of a configured repository)');
  const startedAt = text(doc, 'startedAt', 'scan-repo input');
  if (startedAt !== null && Number.isNaN(Date.parse(startedAt))) throw new EventError('scan-repo input: field `startedAt` must be an ISO 8601 time');
  return { repo, runId: text(doc, 'runId', 'scan-repo input'), startedAt };
}

/**
 * Step Functions records a caught Lambda failure as `Error: Cause`, the cause being the
 * Lambda error JSON with its stack trace: keep `errorType: errorMessage` of it.
 */
function lambdaErrorLine(text: string | null): string | null {
  if (text === null) return null;
  const start = text.indexOf('{');
  if (start === -1) return text;
  try {
    const doc = JSON.parse(text.slice(start)) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof doc.errorMessage !== 'string') return text;
    return `${typeof doc.errorType === 'string' ? `${doc.errorType}: ` : ''}${doc.errorMessage}`;
  } catch {
    return text;
  }
}

const STATUSES: readonly LockfileStatus[] = ['failing', 'warnings', 'clean', 'scanned-nothing', 'error'];

/** One Map result: scan-repo's outcome, or what the Map's Catch made of a failed item. */
function parseOutcome(value: unknown, i: number): RepoOutcome {
  const what = `finish input: outcomes[${i}]`;
  const doc = fields(value, what);
  const repo = text(doc, 'repo', what);
  if (repo === null) throw new EventError(`${what}: field \`repo\` is required`);
  const status = STATUSES.includes(doc.status as LockfileStatus) ? (doc.status as LockfileStatus) : 'error';
  const caught = doc.stored !== true;
  // A caught failure carries Step Functions' error and cause; say what happened in one line.
  const cause = typeof doc.cause === 'string' ? doc.cause : typeof doc.Cause === 'string' ? doc.Cause : null;
  const error = lambdaErrorLine(text(doc, 'error', what)) ?? (cause ? `scan-repo failed: ${lambdaErrorLine(cause)}` : caught ? 'scan-repo failed without saying why' : null);
  return {
    repo,
    status: caught ? 'error' : status,
    counts: typeof doc.counts === 'object' && doc.counts !== null ? (doc.counts as Counts) : emptyCounts(),
    key: typeof doc.key === 'string' ? doc.key : null,
    error,
    stored: !caught,
    newFindings: typeof doc.newFindings === 'number' ? doc.newFindings : 0,
    resolvedFindings: typeof doc.resolvedFindings === 'number' ? doc.resolvedFindings : 0,
  };
}

/** `{ runId, startedAt, outcomes: [...] }`: the Map's results after prepare. */
export function parseFinishInput(event: unknown): { runId: string; outcomes: RepoOutcome[] } {
  const doc = fields(event, 'finish input');
  const runId = text(doc, 'runId', 'finish input') ?? `finish-${Date.now()}`;
  const outcomes = doc.outcomes ?? [];
  if (!Array.isArray(outcomes)) throw new EventError('finish input: field `outcomes` must be the list of scan-repo results');
  return { runId, outcomes: outcomes.map(parseOutcome) };
}
