// The crates.io sparse index (or a mirror of it) over HTTP: one conditional GET per crate
// per run, answered from the cache kept in the result store when the file has not changed.
import pLimit, { type LimitFunction } from 'p-limit';
import { RetryableHttpError, errorMessage } from '../core/errors.ts';
import type { CachedResponse, CrateLookup, HttpCache, IndexSource } from '../core/ports.ts';
import { indexPath, parseIndexFile } from '../core/sparse-index.ts';
import type { HttpClient, HttpResponse } from './http-client.ts';

/** The largest index file accepted; serde's, among the biggest, is well under 1 MiB. */
export const MAX_INDEX_FILE_BYTES = 20 * 1024 * 1024;

/** The statuses with which a sparse index says a crate does not exist (any more). */
const GONE = new Set([404, 410, 451]);

const decoder = new TextDecoder();

export interface SparseIndexSourceOptions {
  /** The index root, e.g. `https://index.crates.io/`; a trailing slash and Cargo's `sparse+` prefix are optional. */
  baseUrl: string;
  /** Where index files are kept between runs, for conditional requests. */
  cache: HttpCache;
  http: HttpClient;
  /** Index requests (with their cache reads and writes) at once. */
  concurrency: number;
  /** The clock for `fetchedAt`; the system clock by default. */
  now?: () => Date;
  maxBytes?: number;
  /**
   * ISO time: cached files confirmed current at or after it are used without asking (the
   * run's prepare step has just refreshed them). Absent: every lookup asks conditionally.
   */
  freshAfter?: string;
}

export interface SparseIndexStats {
  /** Index files asked for, one per crate; retries are counted in HttpClient's stats. */
  requests: number;
  /** Answers of 304 Not Modified, read from the cache. */
  notModified: number;
  /** Body bytes received (the cache's bytes are not counted). */
  bytes: number;
  /** Crates the index answered 404, 410 or 451 for. */
  gone: number;
  /** Lookups that ended `failed`. */
  failures: number;
  /** Cache reads or writes that failed; the lookup went on without the cache. */
  cacheErrors: number;
  /** Lookups answered from files refreshed earlier in the run (`freshAfter`), without a request. */
  fresh: number;
}

/**
 * Looks crates up in a sparse index. Each crate is fetched at most once per instance
 * (so make one per run): every caller asking for the same name, in any letter case,
 * shares one lookup. A lookup never rejects; problems come back as `failed`.
 */
export class SparseIndexSource implements IndexSource {
  readonly baseUrl: string;
  readonly stats: SparseIndexStats = { requests: 0, notModified: 0, bytes: 0, gone: 0, failures: 0, cacheErrors: 0, fresh: 0 };
  private readonly cache: HttpCache;
  private readonly http: HttpClient;
  private readonly now: () => Date;
  private readonly maxBytes: number;
  private readonly freshAfter: string | undefined;
  private readonly limit: LimitFunction;
  private readonly lookups = new Map<string, Promise<CrateLookup>>();

  constructor(options: SparseIndexSourceOptions) {
    const base = options.baseUrl.replace(/^sparse\+/, '');
    this.baseUrl = new URL(base.endsWith('/') ? base : `${base}/`).href;
    this.cache = options.cache;
    this.http = options.http;
    this.now = options.now ?? (() => new Date());
    this.maxBytes = options.maxBytes ?? MAX_INDEX_FILE_BYTES;
    this.freshAfter = options.freshAfter;
    this.limit = pLimit(options.concurrency);
  }

  lookup(name: string): Promise<CrateLookup> {
    const key = name.toLowerCase();
    let pending = this.lookups.get(key);
    if (pending === undefined) {
      pending = this.limit(() => this.fetchCrate(name));
      this.lookups.set(key, pending);
    }
    return pending;
  }

  private async fetchCrate(name: string): Promise<CrateLookup> {
    let result: CrateLookup;
    try {
      const path = indexPath(name);
      const url = this.baseUrl + path;
      // The host is part of the key: validators from one registry mean nothing to another.
      result = await this.fetchIndexFile(name, url, `index/${url.replace(/^[a-z]+:\/\//, '')}`, true);
    } catch (error) {
      result = { kind: 'failed', message: `crate "${name}": ${errorMessage(error)}` };
    }
    if (result.kind === 'failed') this.stats.failures++;
    if (result.kind === 'gone') this.stats.gone++;
    return result;
  }

  private async fetchIndexFile(name: string, url: string, key: string, useCache: boolean): Promise<CrateLookup> {
    const cached = useCache ? await this.readCache(key) : undefined;
    if (cached && this.freshAfter !== undefined && cached.fetchedAt >= this.freshAfter) {
      try {
        const versions = parseIndexFile(decoder.decode(cached.body), name);
        this.stats.fresh++;
        return { kind: 'found', versions };
      } catch {
        // Fall through and ask: the cached body no longer parses.
      }
    }
    const headers: Record<string, string> = {};
    if (cached?.etag) headers['if-none-match'] = cached.etag;
    if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified;

    let response: HttpResponse;
    this.stats.requests++;
    try {
      response = await this.http.request(url, { headers, maxBytes: this.maxBytes });
    } catch (error) {
      // RetryableHttpError (429, 5xx, timeouts, broken connections) once retries are spent, or a body over the limit.
      const retried = error instanceof RetryableHttpError ? ', giving up after retries' : '';
      return { kind: 'failed', message: `crate "${name}": ${errorMessage(error)}${retried}` };
    }
    this.stats.bytes += response.body.byteLength;

    if (response.status === 304) {
      if (cached === undefined) {
        return { kind: 'failed', message: `crate "${name}": ${url}: HTTP 304 to a request that was not conditional` };
      }
      this.stats.notModified++;
      try {
        const versions = parseIndexFile(decoder.decode(cached.body), name);
        // Confirmed current now: a later step of the same run may use it without asking.
        await this.writeCache(key, { ...cached, fetchedAt: this.now().toISOString() });
        return { kind: 'found', versions };
      } catch {
        // Only bodies that parsed are stored, so a parser grown stricter since: ask for the file afresh.
        return this.fetchIndexFile(name, url, key, false);
      }
    }
    if (GONE.has(response.status)) return { kind: 'gone', status: response.status };
    if (response.status !== 200) {
      return { kind: 'failed', message: `crate "${name}": ${url}: HTTP ${response.status}, expected 200, 304, 404, 410 or 451` };
    }

    let versions;
    try {
      versions = parseIndexFile(decoder.decode(response.body), name);
    } catch (error) {
      return { kind: 'failed', message: `crate "${name}": ${url}: HTTP 200 with an unreadable body: ${errorMessage(error)}` };
    }
    const etag = response.headers.get('etag');
    const lastModified = response.headers.get('last-modified');
    // Without a validator the next run could not ask conditionally, so there is nothing worth keeping.
    if (etag !== null || lastModified !== null) {
      await this.writeCache(key, { etag, lastModified, fetchedAt: this.now().toISOString(), body: response.body });
    }
    return { kind: 'found', versions };
  }

  private async readCache(key: string): Promise<CachedResponse | undefined> {
    try {
      return await this.cache.get(key);
    } catch {
      this.stats.cacheErrors++;
      return undefined;
    }
  }

  private async writeCache(key: string, value: CachedResponse): Promise<void> {
    try {
      await this.cache.put(key, value);
    } catch {
      this.stats.cacheErrors++;
    }
  }
}
