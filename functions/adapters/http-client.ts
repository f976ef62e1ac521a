// The HTTP client every HTTP adapter shares: a User-Agent naming cratewatch, a timeout per
// request, and retries with exponential backoff and jitter that honour Retry-After, for 429,
// 5xx, timeouts and broken connections — also a body cut off mid-way (the connection closed
// or reset before the Content-Length or the last chunk arrived), which is read inside the
// attempt and so retried like a 5xx. Other statuses come back to the caller to interpret.
// A host that cannot be reached at all (its name does not resolve, or it refuses or cannot
// route connections) is asked at most twice per request and then not again for the life of
// the client (one run): later requests to it fail at once with HostUnreachableError.
import { RetryableHttpError, errorMessage } from '../core/errors.ts';

export interface HttpClientOptions {
  userAgent: string;
  /** Per request, including reading the body. */
  timeoutMs: number;
  /** Attempts after the first for retryable failures. */
  retries: number;
  /** The first backoff; it doubles each attempt, with full jitter. */
  baseDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the request fails as retryable. */
  maxRetryWaitMs?: number;
  /**
   * Connection-level failures in a row to one origin (no answer of any kind between them,
   * across all requests) after which it is not asked again this run; 3 by default.
   */
  hostDownAfter?: number;
  /** Called once for each origin when it is marked unreachable: say so once, not per request. */
  onHostDown?: (host: UnreachableHost) => void;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * The error codes that mean a host cannot be reached at all, as opposed to slow (a timeout)
 * or broken mid-way (a reset): its name does not resolve, or nothing accepts or routes a
 * connection to it. Retrying these within a run only multiplies the wait.
 */
export const UNREACHABLE_CODES = ['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN'] as const;
export type UnreachableReason = (typeof UNREACHABLE_CODES)[number];

/** A connection-level failure is retried at most this often per request, whatever `retries` says. */
const UNREACHABLE_RETRIES = 1;

/** An origin this client stopped asking, and what that cost. */
export interface UnreachableHost {
  /** Host name and port as in the URL, the scheme too unless https (`index.crates.io`, `http://127.0.0.1:8080`), for messages. */
  host: string;
  /** The origin the state is kept by (`https://index.crates.io`). */
  origin: string;
  reason: UnreachableReason;
  /** The message of the failure that marked it down. */
  firstError: string;
  /** Requests that failed with the connection failure itself (each asked at most twice). */
  failed: number;
  /** Requests refused at once afterwards, without asking. */
  skipped: number;
}

/**
 * A request to a host that cannot be reached (its name does not resolve, or it refuses or
 * cannot route connections): not worth retrying within the run. Either the failure that
 * marked the host down, or a request refused without asking because it was marked earlier.
 */
export class HostUnreachableError extends Error {
  override name = 'HostUnreachableError';
  readonly host: string;
  readonly origin: string;
  readonly reason: UnreachableReason;
  /** True when this request was not sent at all because the host was marked down earlier. */
  readonly skipped: boolean;
  constructor(url: string, host: UnreachableHost, skipped: boolean, options?: { cause?: unknown }) {
    const detail = host.firstError.includes(host.reason) ? host.firstError : `${host.reason}: ${host.firstError}`;
    super(skipped ? `${url}: not asked: ${host.host} could not be reached earlier in this run (${host.reason})` : `${url}: ${host.host} cannot be reached (${detail}); not asking it again this run`, options);
    this.host = host.host;
    this.origin = host.origin;
    this.reason = host.reason;
    this.skipped = skipped;
  }
}

/**
 * The one line to say when a host is marked down, e.g. `index.crates.io (the index): cannot be
 * reached (ENOTFOUND); not asking it again this run (…)`; `what` names what lives there.
 */
export function describeHostDown(host: UnreachableHost, what?: string): string {
  return `${host.host}${what ? ` (${what})` : ''}: cannot be reached (${host.reason}); not asking it again this run (check the network, the address in the configuration, or HTTPS_PROXY)`;
}

/** The unreachable-host code in a fetch failure (`TypeError: fetch failed` caused by `getaddrinfo ENOTFOUND …`), or null. */
export function unreachableCode(error: unknown, depth = 0): UnreachableReason | null {
  if (typeof error !== 'object' || error === null || depth > 4) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNREACHABLE_CODES as readonly string[]).includes(code)) return code as UnreachableReason;
  // Happy eyeballs tries every address and fails with all their errors in one AggregateError.
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = unreachableCode(inner, depth + 1);
      if (found) return found;
    }
  }
  return unreachableCode((error as { cause?: unknown }).cause, depth + 1);
}

export interface HttpStats {
  requests: number;
  retries: number;
  /** Body bytes read through `readBody`. */
  bytes: number;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  url: string;
  body: Uint8Array;
}

const RETRYABLE = (status: number) => status === 429 || status >= 500;

export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  /** Refuse bodies larger than this (BodyTooLargeError). */
  maxBytes?: number;
  /**
   * false: hand a 429 back instead of retrying it, for callers that read the service's own
   * rate-limit headers (GitHub's x-ratelimit-reset) and wait within a budget of their own.
   */
  retryRateLimited?: boolean;
}

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date), or null. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export class HttpClient {
  readonly stats: HttpStats = { requests: 0, retries: 0, bytes: 0 };
  private readonly options: Required<Omit<HttpClientOptions, 'fetch' | 'onHostDown'>> & Pick<HttpClientOptions, 'onHostDown'> & { fetch: typeof fetch };
  /** Origins marked unreachable, in the order they were. */
  private readonly down = new Map<string, UnreachableHost>();
  /** Connection-level failures in a row per origin; an answer of any kind clears it. */
  private readonly failuresInARow = new Map<string, number>();

  constructor(options: HttpClientOptions) {
    this.options = {
      baseDelayMs: 200,
      maxRetryWaitMs: 60_000,
      hostDownAfter: 3,
      fetch: globalThis.fetch,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      random: Math.random,
      ...options,
    };
  }

  /** The origins this client stopped asking, in the order it did, with what was skipped. */
  unreachableHosts(): UnreachableHost[] {
    return [...this.down.values()].map((host) => ({ ...host }));
  }

  /**
   * GETs (or sends) `url` and reads the whole body, retrying retryable failures.
   * Resolves with any non-retryable response (200, 304, 404, …); rejects with
   * RetryableHttpError once retries are spent, HostUnreachableError when the host cannot be
   * reached (now or earlier in the run), or when `maxBytes` is exceeded with an Error.
   */
  async request(url: string, init: RequestInit = {}): Promise<HttpResponse> {
    const { retries, baseDelayMs, maxRetryWaitMs, sleep, random } = this.options;
    const origin = originOf(url);
    let unreachableFailures = 0;
    for (let attempt = 0; ; attempt++) {
      const known = this.down.get(origin);
      if (known) {
        // Not asked at all, or (marked down while this request waited to retry) not again.
        if (attempt === 0) known.skipped++;
        else known.failed++;
        throw new HostUnreachableError(url, known, attempt === 0);
      }
      let failure: RetryableHttpError;
      try {
        const response = await this.once(url, init);
        this.failuresInARow.delete(origin);
        if (!RETRYABLE(response.status) || (response.status === 429 && init.retryRateLimited === false)) return response;
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'), Date.now());
        failure = new RetryableHttpError(`${url}: HTTP ${response.status}`, response.status, retryAfter);
      } catch (error) {
        if (!(error instanceof RetryableHttpError)) throw error;
        failure = error;
      }
      const code = failure.status === null ? unreachableCode(failure.cause) : null;
      if (code !== null) {
        unreachableFailures++;
        const inARow = (this.failuresInARow.get(origin) ?? 0) + 1;
        this.failuresInARow.set(origin, inARow);
        const lastTry = attempt >= retries || unreachableFailures > UNREACHABLE_RETRIES;
        if (lastTry || inARow >= this.options.hostDownAfter || this.down.has(origin)) {
          const host = this.markDown(url, origin, code, failure.cause);
          host.failed++;
          throw new HostUnreachableError(url, host, false, { cause: failure.cause });
        }
      }
      if (attempt >= retries) throw failure;
      if (failure.retryAfterMs !== null && failure.retryAfterMs > maxRetryWaitMs) throw failure;
      const backoff = random() * baseDelayMs * 2 ** attempt;
      this.stats.retries++;
      await sleep(Math.max(failure.retryAfterMs ?? 0, backoff));
    }
  }

  /** Marks `origin` unreachable (once: the first failure is the one kept and announced). */
  private markDown(url: string, origin: string, reason: UnreachableReason, cause: unknown): UnreachableHost {
    let host = this.down.get(origin);
    if (host) return host;
    host = { host: hostOf(url), origin, reason, firstError: describeInnermost(cause), failed: 0, skipped: 0 };
    this.down.set(origin, host);
    this.failuresInARow.delete(origin);
    this.options.onHostDown?.({ ...host });
    return host;
  }

  private async once(url: string, init: RequestInit): Promise<HttpResponse> {
    this.stats.requests++;
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const response = await this.options.fetch(url, {
        method: init.method ?? 'GET',
        headers: { 'user-agent': this.options.userAgent, ...init.headers },
        signal,
      });
      const body = await readLimited(response, init.maxBytes ?? Number.POSITIVE_INFINITY, url);
      this.stats.bytes += body.byteLength;
      return { status: response.status, headers: response.headers, url, body };
    } catch (error) {
      if (error instanceof BodyTooLargeError) throw error;
      if (signal.aborted) throw new RetryableHttpError(`${url}: no complete answer within ${this.options.timeoutMs} ms`, null, null, { cause: error });
      throw new RetryableHttpError(`${url}: ${errorMessage(error)}${causeOf(error)}`, null, null, { cause: error });
    }
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** `index.crates.io` for https, `http://127.0.0.1:8080` for plain http (another origin of the same name). */
function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' ? parsed.host : `${parsed.protocol}//${parsed.host}`;
  } catch {
    return url;
  }
}

/** The deepest cause's message: `getaddrinfo ENOTFOUND index.crates.io` rather than `fetch failed`. */
function describeInnermost(error: unknown): string {
  let current = error;
  for (let depth = 0; depth < 4; depth++) {
    const cause = (current as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === null) break;
    current = cause;
  }
  // Happy eyeballs' AggregateError has no message of its own: its attempts say it.
  if (current instanceof AggregateError && current.message === '') return current.errors.map(errorMessage).join('; ');
  return errorMessage(current);
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause === undefined ? '' : ` (${errorMessage(cause)})`;
}

/** A response body over the size the caller accepts. Not retryable. */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

async function readLimited(response: Response, maxBytes: number, url: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new BodyTooLargeError(`${url}: ${declared} bytes, over the ${maxBytes}-byte limit`);
  }
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      await response.body.cancel().catch(() => undefined);
      throw new BodyTooLargeError(`${url}: more than ${maxBytes} bytes, over the limit`);
    }
    chunks.push(chunk);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
