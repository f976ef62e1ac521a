// The HTTP client every HTTP adapter shares: a User-Agent naming cratewatch, a timeout per
// request, and retries with exponential backoff and jitter that honour Retry-After, for 429,
// 5xx, timeouts and broken connections — also a body cut off mid-way (the connection closed
// or reset before the Content-Length or the last chunk arrived), which is read inside the
// attempt and so retried like a 5xx. Other statuses come back to the caller to interpret.
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
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
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
  private readonly options: Required<Omit<HttpClientOptions, 'fetch'>> & { fetch: typeof fetch };

  constructor(options: HttpClientOptions) {
    this.options = {
      baseDelayMs: 200,
      maxRetryWaitMs: 60_000,
      fetch: globalThis.fetch,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      random: Math.random,
      ...options,
    };
  }

  /**
   * GETs (or sends) `url` and reads the whole body, retrying retryable failures.
   * Resolves with any non-retryable response (200, 304, 404, …); rejects with
   * RetryableHttpError once retries are spent, or when `maxBytes` is exceeded with an Error.
   */
  async request(url: string, init: RequestInit = {}): Promise<HttpResponse> {
    const { retries, baseDelayMs, maxRetryWaitMs, sleep, random } = this.options;
    for (let attempt = 0; ; attempt++) {
      let failure: RetryableHttpError;
      try {
        const response = await this.once(url, init);
        if (!RETRYABLE(response.status) || (response.status === 429 && init.retryRateLimited === false)) return response;
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'), Date.now());
        failure = new RetryableHttpError(`${url}: HTTP ${response.status}`, response.status, retryAfter);
      } catch (error) {
        if (!(error instanceof RetryableHttpError)) throw error;
        failure = error;
      }
      if (attempt >= retries) throw failure;
      if (failure.retryAfterMs !== null && failure.retryAfterMs > maxRetryWaitMs) throw failure;
      const backoff = random() * baseDelayMs * 2 ** attempt;
      this.stats.retries++;
      await sleep(Math.max(failure.retryAfterMs ?? 0, backoff));
    }
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
