// The audit use case: one lockfile's text against a loaded database, as a result document.
// A lockfile that cannot be parsed becomes an error in the result, never a crash.
import type { AdvisoryDb } from '../core/advisory.ts';
import { auditLockfile, type Ignore } from '../core/audit.ts';
import { errorMessage, LockfileParseError } from '../core/errors.ts';
import { parseLockfile } from '../core/lockfile.ts';
import type { DenyKind } from '../core/policy.ts';
import { emptyCounts, SCHEMA_VERSION, sumCounts, worstStatus, type LockfileResult, type ScanResult } from '../core/result.ts';
import { TOOL_VERSION } from './version.ts';

export interface LockfileInput {
  /** The path shown in results and messages. */
  path: string;
  text: string;
}

export interface AuditRequest {
  repository: ScanResult['repository'];
  lockfiles: readonly LockfileInput[];
  db: AdvisoryDb;
  dbLocation: string;
  ignores: readonly Ignore[];
  deny: readonly DenyKind[];
  now: Date;
}

function failedLockfile(path: string, error: unknown): LockfileResult {
  const location = error instanceof LockfileParseError ? error.location : undefined;
  return {
    path,
    format: null,
    packageCount: 0,
    status: 'error',
    findings: [],
    ignored: [],
    ignoreProblems: [],
    duplicates: [],
    errors: [{ message: errorMessage(error), line: location?.line ?? null, field: location?.field ?? null }],
    counts: emptyCounts(),
  };
}

/** Audits every lockfile of one repository and assembles the result document. */
export function auditRepository(request: AuditRequest): ScanResult {
  const today = request.now.toISOString().slice(0, 10);
  const lockfiles = request.lockfiles.map((input) => {
    try {
      return auditLockfile(parseLockfile(input.text, input.path), request.db, { ignores: request.ignores, deny: request.deny, today });
    } catch (error) {
      if (error instanceof LockfileParseError) return failedLockfile(input.path, error);
      throw error;
    }
  });
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'cratewatch', version: TOOL_VERSION },
    repository: request.repository,
    scannedAt: request.now.toISOString(),
    advisoryDb: {
      revision: request.db.revision,
      location: request.dbLocation,
      advisoryCount: request.db.advisoryCount,
      diagnostics: request.db.diagnostics,
    },
    policy: { deny: [...request.deny] },
    status: worstStatus(lockfiles.map((l) => l.status)),
    lockfiles,
    counts: sumCounts(lockfiles.map((l) => l.counts)),
  };
}
