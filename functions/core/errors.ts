// Typed errors for input that cratewatch cannot use. Each names where the problem is
// (file, line, field) so a person can go and fix it.

/** Where a problem sits in an input file; every part is optional but the file. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
  field?: string;
}

export function formatLocation(at: SourceLocation): string {
  let text = at.file;
  if (at.line !== undefined) text += `:${at.line}`;
  if (at.line !== undefined && at.column !== undefined) text += `:${at.column}`;
  if (at.field !== undefined) text += ` (field \`${at.field}\`)`;
  return text;
}

/** A problem in an input file, with where it is; the message starts with that place. */
export class LocatedError extends Error {
  override name = 'LocatedError';
  readonly location: SourceLocation;
  constructor(message: string, location: SourceLocation, options?: { cause?: unknown }) {
    super(`${formatLocation(location)}: ${message}`, options);
    this.location = location;
  }
}

/** A Cargo.lock that cannot be read as a lockfile. */
export class LockfileParseError extends LocatedError {
  override name = 'LockfileParseError';
}

/** One advisory file that does not follow the RustSec format. */
export class AdvisoryParseError extends LocatedError {
  override name = 'AdvisoryParseError';
}

/** A configuration file (cratewatch.toml, .cargo/audit.toml, deny.toml) with a problem. */
export class ConfigError extends LocatedError {
  override name = 'ConfigError';
}

/** A version requirement (`>= 1.2, < 2`) that Cargo would not accept. */
export class VersionReqError extends Error {
  override name = 'VersionReqError';
  readonly requirement: string;
  constructor(requirement: string, reason: string) {
    super(`invalid version requirement "${requirement}": ${reason}`);
    this.requirement = requirement;
  }
}

/** An advisory database that cannot be loaded at all (missing, corrupt, empty). */
export class AdvisoryDbError extends Error {
  override name = 'AdvisoryDbError';
}

/** The message of any thrown value, for logs and diagnostics. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A repository that could not be read: not found, no access, rate-limited past the budget, too large. */
export class RepoFetchError extends Error {
  override name = 'RepoFetchError';
  /** The HTTP status that said so, when there was one. */
  readonly status: number | null;
  constructor(message: string, status: number | null = null, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

/** A 429, a 5xx or a timeout: worth trying again (after `retryAfterMs`, when the server said). */
export class RetryableHttpError extends Error {
  override name = 'RetryableHttpError';
  readonly status: number | null;
  readonly retryAfterMs: number | null;
  constructor(message: string, status: number | null, retryAfterMs: number | null = null, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/** A conditional write refused: the object changed (`ifMatch`) or already exists (`ifNoneMatch: '*'`). */
export class PreconditionFailedError extends Error {
  override name = 'PreconditionFailedError';
  readonly key: string;
  constructor(key: string, options?: { cause?: unknown }) {
    super(`${key}: the object changed or already exists (conditional write refused)`, options);
    this.key = key;
  }
}

/** A store that could not be read or written (after its own retries): the run records it and goes on. */
export class StoreError extends Error {
  override name = 'StoreError';
  readonly key: string;
  constructor(message: string, key: string, options?: { cause?: unknown }) {
    super(message, options);
    this.key = key;
  }
}

/**
 * An alerter that could not deliver every alert. `delivered` are those the service accepted
 * before the failure (a long run goes out as several messages), so they are never sent twice.
 */
export class AlertDeliveryError extends Error {
  override name = 'AlertDeliveryError';
  readonly delivered: readonly { repository: string; lockfile: string; finding: unknown }[];
  constructor(message: string, delivered: readonly { repository: string; lockfile: string; finding: unknown }[], options?: { cause?: unknown }) {
    super(message, options);
    this.delivered = delivered;
  }
}
