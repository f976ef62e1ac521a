// The crates.io sparse index (or a mirror of it) over HTTP: one conditional GET per crate
// per run, answered from the cache kept in the result store when the file has not changed.
import pLimit, { type LimitFunction } from 'p-limit';
import { RetryableHttpError, errorMessage } from '../core/errors.ts';
import type { CachedResponse, CrateLookup, DependencyLookup, HttpCache, IndexDependencySource, IndexSource } from '../core/ports.ts';
import { indexPath, parseIndexDeps, parseIndexFile } from '../core/sparse-index.ts';
import type { HttpClient, HttpResponse } from './http-client.ts';

/** The largest index file accepted; serde's, among the biggest, is well under 1 MiB. */
export const MAX_INDEX_FILE_BYTES = 20 * 1024 * 1024;

/** The statuses with which a sparse index says a crate does not exist (any more). */
const GONE = new Set([404, 410, 451]);

const decoder = new TextDecoder();

/** An index file read, or why not: what both lookups share before they shape their answer. */
type Fetched<T> = { kind: 'found'; value: T } | { kind: 'gone'; status: number } | { kind: 'failed'; message: string };

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
export class SparseIndexSource implements IndexSource, IndexDependencySource {
  readonly baseUrl: string;
  readonly stats: SparseIndexStats = { requests: 0, notModified: 0, bytes: 0, gone: 0, failures: 0, cacheErrors: 0, fresh: 0 };
  private readonly cache: HttpCache;
  private readonly http: HttpClient;
  private readonly now: () => Date;
  private readonly maxBytes: number;
  private readonly freshAfter: string | undefined;
  private readonly limit: LimitFunction;
  private readonly lookups = new Map<string, Promise<CrateLookup>>();
  private readonly dependencyLookups = new Map<string, Promise<DependencyLookup>>();
  /** A cached file confirmed at or after this is current: since `freshAfter`, or since this instance (this run) began. */
  private readonly currentSince: string;

  constructor(options: SparseIndexSourceOptions) {
    const base = options.baseUrl.replace(/^sparse\+/, '');
    this.baseUrl = new URL(base.endsWith('/') ? base : `${base}/`).href;
    this.cache = options.cache;
    this.http = options.http;
    this.now = options.now ?? (() => new Date());
    this.maxBytes = options.maxBytes ?? MAX_INDEX_FILE_BYTES;
    this.freshAfter = options.freshAfter;
    this.limit = pLimit(options.concurrency);
    const startedAt = this.now().toISOString();
    this.currentSince = this.freshAfter !== undefined && this.freshAfter < startedAt ? this.freshAfter : startedAt;
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

  /**
   * What every release of `crate` requires of `on`, read from the crate's index file. The
   * file a lookup of this run fetched (or confirmed) is taken from the cache without asking
   * again; otherwise one conditional request. Asked once per crate and `on`; never rejects.
   */
  dependencyRequirements(crate: string, on: string): Promise<DependencyLookup> {
    const key = `${crate.toLowerCase()} ${on.toLowerCase()}`;
    let pending = this.dependencyLookups.get(key);
    if (pending === undefined) {
      pending = this.limit(() => this.fetchDependencies(crate, on));
      this.dependencyLookups.set(key, pending);
    }
    return pending;
  }

  private async fetchCrate(name: string): Promise<CrateLookup> {
    const result = await this.fetchParsed(name, (text) => parseIndexFile(text, name), this.freshAfter);
    const lookup: CrateLookup = result.kind === 'found' ? { kind: 'found', versions: result.value } : result;
    if (lookup.kind === 'failed') this.stats.failures++;
    if (lookup.kind === 'gone') this.stats.gone++;
    return lookup;
  }

  private async fetchDependencies(crate: string, on: string): Promise<DependencyLookup> {
    // A body is cached only once it parsed as an index file, so both parsers run on a fresh one.
    const read = (text: string) => {
      parseIndexFile(text, crate);
      return parseIndexDeps(text, crate, on);
    };
    const result = await this.fetchParsed(crate, read, this.currentSince);
    if (result.kind === 'failed') this.stats.failures++;
    return result.kind === 'found' ? { kind: 'found', releases: result.value } : result;
  }

  /** The crate's index file read by `read`; a cached copy confirmed at or after `freshAfter` is used without asking. */
  private async fetchParsed<T>(name: string, read: (text: string) => T, freshAfter: string | undefined): Promise<Fetched<T>> {
    try {
      const url = this.baseUrl + indexPath(name);
      // The host is part of the key: validators from one registry mean nothing to another.
      return await this.fetchIndexFile(name, url, `index/${url.replace(/^[a-z]+:\/\//, '')}`, true, read, freshAfter);
    } catch (error) {
      return { kind: 'failed', message: `crate "${name}": ${errorMessage(error)}` };
    }
  }

  private async fetchIndexFile<T>(name: string, url: string, key: string, useCache: boolean, read: (text: string) => T, freshAfter: string | undefined): Promise<Fetched<T>> {
    const cached = useCache ? await this.readCache(key) : undefined;
    if (cached && freshAfter !== undefined && cached.fetchedAt >= freshAfter) {
      try {
        const value = read(decoder.decode(cached.body));
        this.stats.fresh++;
        return { kind: 'found', value };
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
        const value = read(decoder.decode(cached.body));
        // Confirmed current now: a later step of the same run may use it without asking.
        await this.writeCache(key, { ...cached, fetchedAt: this.now().toISOString() });
        return { kind: 'found', value };
      } catch {
        // Only bodies that parsed are stored, so a parser grown stricter since: ask for the file afresh.
        return this.fetchIndexFile(name, url, key, false, read, freshAfter);
      }
    }
    if (GONE.has(response.status)) return { kind: 'gone', status: response.status };
    if (response.status !== 200) {
      return { kind: 'failed', message: `crate "${name}": ${url}: HTTP ${response.status}, expected 200, 304, 404, 410 or 451` };
    }

    let value: T;
    try {
      value = read(decoder.decode(response.body));
    } catch (error) {
      return { kind: 'failed', message: `crate "${name}": ${url}: HTTP 200 with an unreadable body: ${errorMessage(error)}` };
    }
    const etag = response.headers.get('etag');
    const lastModified = response.headers.get('last-modified');
    // Without a validator the next run could not ask conditionally, so there is nothing worth keeping.
    if (etag !== null || lastModified !== null) {
      await this.writeCache(key, { etag, lastModified, fetchedAt: this.now().toISOString(), body: response.body });
    }
    return { kind: 'found', value };
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
