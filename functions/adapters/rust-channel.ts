// The latest stable Rust, from the official channel manifest (`channel-rust-stable.toml` on
// static.rust-lang.org, or a mirror of it): one conditional GET per run, its two fields kept
// in the HTTP cache so an unchanged manifest costs a 304.
import { errorMessage } from '../core/errors.ts';
import type { CachedResponse, HttpCache } from '../core/ports.ts';
import { parseStableChannel, type StableRelease } from '../core/rust-releases.ts';
import type { RustReleaseSource } from '../core/toolchain-ports.ts';
import type { HttpClient } from './http-client.ts';

export const RUST_STABLE_CHANNEL_URL = 'https://static.rust-lang.org/dist/channel-rust-stable.toml';

/** The manifest is about 1 MiB; far more is not a channel manifest. */
export const MAX_CHANNEL_MANIFEST_BYTES = 32 * 1024 * 1024;

/** The latest stable could not be read. The message names the URL. */
export class RustChannelError extends Error {
  override name = 'RustChannelError';
}

export interface RustChannelSourceOptions {
  /** The manifest's URL; `RUST_STABLE_CHANNEL_URL` by default. */
  url?: string;
  http: HttpClient;
  /** Keeps the manifest's validators and fields between runs; without it every run downloads it. */
  cache?: HttpCache;
  /** The clock for `fetchedAt`; the system clock by default. */
  now?: () => Date;
  maxBytes?: number;
}

export interface RustChannelStats {
  requests: number;
  notModified: number;
  cacheErrors: number;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** What is kept in the cache: the two fields, in the manifest's own form, so the same parser reads both. */
function summary(release: StableRelease): Uint8Array {
  return encoder.encode(`date = "${release.date}"\n\n[pkg.rust]\nversion = "${release.version}"\n`);
}

export class RustChannelSource implements RustReleaseSource {
  readonly location: string;
  readonly stats: RustChannelStats = { requests: 0, notModified: 0, cacheErrors: 0 };
  private readonly http: HttpClient;
  private readonly cache: HttpCache | undefined;
  private readonly now: () => Date;
  private readonly maxBytes: number;
  private pending: Promise<StableRelease> | undefined;

  constructor(options: RustChannelSourceOptions) {
    this.location = new URL(options.url ?? RUST_STABLE_CHANNEL_URL).href;
    this.http = options.http;
    this.cache = options.cache;
    this.now = options.now ?? (() => new Date());
    this.maxBytes = options.maxBytes ?? MAX_CHANNEL_MANIFEST_BYTES;
  }

  /** The latest stable, fetched once per instance (make one per run). Rejects with RustChannelError. */
  latestStable(): Promise<StableRelease> {
    this.pending ??= this.fetchLatest();
    return this.pending;
  }

  private get cacheKey(): string {
    return `rust-channel/${this.location.replace(/^[a-z]+:\/\//, '')}`;
  }

  private async fetchLatest(): Promise<StableRelease> {
    const url = this.location;
    let cached: CachedResponse | undefined;
    try {
      cached = await this.cache?.get(this.cacheKey);
    } catch {
      this.stats.cacheErrors++;
    }
    const headers: Record<string, string> = {};
    if (cached?.etag) headers['if-none-match'] = cached.etag;
    if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified;
    this.stats.requests++;
    let response;
    try {
      response = await this.http.request(url, { headers, maxBytes: this.maxBytes });
    } catch (error) {
      throw new RustChannelError(`the latest stable Rust could not be read: ${errorMessage(error)} (check [sources] rust_channel)`, { cause: error });
    }
    if (response.status === 304 && cached !== undefined) {
      this.stats.notModified++;
      try {
        const release = parseStableChannel(decoder.decode(cached.body), `${url} (cached)`);
        await this.store({ ...cached, fetchedAt: this.now().toISOString() });
        return release;
      } catch (error) {
        throw new RustChannelError(`the cached channel manifest of ${url} is unreadable: ${errorMessage(error)}`, { cause: error });
      }
    }
    if (response.status !== 200) throw new RustChannelError(`${url}: HTTP ${response.status}, expected 200 (check [sources] rust_channel)`);
    let release: StableRelease;
    try {
      release = parseStableChannel(decoder.decode(response.body), url);
    } catch (error) {
      throw new RustChannelError(errorMessage(error), { cause: error });
    }
    await this.store({ etag: response.headers.get('etag'), lastModified: response.headers.get('last-modified'), fetchedAt: this.now().toISOString(), body: summary(release) });
    return release;
  }

  /** A cache that cannot be written costs the next run a download, not this run its answer. */
  private async store(value: CachedResponse): Promise<void> {
    if (this.cache === undefined || (value.etag === null && value.lastModified === null)) return;
    try {
      await this.cache.put(this.cacheKey, value);
    } catch {
      this.stats.cacheErrors++;
    }
  }
}
