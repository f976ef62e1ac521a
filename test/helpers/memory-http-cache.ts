// An HttpCache kept in memory, for tests of the adapters that cache what they download:
// what was stored can be looked at, and how many times something was stored.
import type { CachedResponse, HttpCache } from '../../functions/core/ports.ts';

export class MemoryHttpCache implements HttpCache {
  readonly entries = new Map<string, CachedResponse>();
  puts = 0;

  async get(key: string): Promise<CachedResponse | undefined> {
    return this.entries.get(key);
  }

  async put(key: string, value: CachedResponse): Promise<void> {
    this.puts++;
    this.entries.set(key, value);
  }
}

/** A cache that keeps nothing: every request goes to the server. */
export const NO_HTTP_CACHE: HttpCache = {
  get: async () => undefined,
  put: async () => undefined,
};
