import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, type HttpClientOptions } from '../../functions/adapters/http-client.ts';
import { SparseIndexSource } from '../../functions/adapters/sparse-index.ts';
import { TOOL_VERSION } from '../../functions/app/version.ts';
import type { HttpCache } from '../../functions/core/ports.ts';
import { indexPath } from '../../functions/core/sparse-index.ts';
import { etagOf, startIndexServer, type IndexAnswer, type IndexServer } from '../helpers/index-server.ts';
import { MemoryHttpCache } from '../helpers/memory-http-cache.ts';

const FIRST_RUN = new Date('2026-09-01T06:00:00Z');
const USER_AGENT = `cratewatch/${TOOL_VERSION} (integration test)`;

/** Index lines as crates.io writes them; `v: 2` and `features2` on entries that declare an MSRV. */
function indexFile(name: string, versions: { vers: string; yanked?: boolean; rust?: string }[]): string {
  return versions
    .map(({ vers, yanked = false, rust }) => {
      const entry: Record<string, unknown> = {
        name,
        vers,
        deps: [{ name: 'libc', req: '^0.2', features: [], optional: false, default_features: true, target: null, kind: 'normal' }],
        cksum: 'a'.repeat(64),
        features: { default: ['std'], std: [] },
        yanked,
        links: null,
      };
      if (rust !== undefined) Object.assign(entry, { features2: { serde: ['dep:serde'] }, v: 2, rust_version: rust });
      return `${JSON.stringify(entry)}\n`;
    })
    .join('');
}

const simple = (name: string) => indexFile(name, [{ vers: '0.1.0' }, { vers: '0.2.0' }]);

/** The result store's cache, in memory, counting reads and writes. */

const FILES: Record<string, string> = {
  [indexPath('serde')]: indexFile('serde', [
    { vers: '1.0.0' },
    { vers: '1.0.130', yanked: true },
    { vers: '1.0.219', rust: '1.31' },
  ]),
  [indexPath('serde_json')]: indexFile('serde_json', [{ vers: '1.0.140', rust: '1.56' }]),
  [indexPath('only-dates')]: simple('only-dates'),
  [indexPath('changing')]: simple('changing'),
  [indexPath('shared')]: simple('shared'),
  [indexPath('rate-limited')]: simple('rate-limited'),
  [indexPath('flaky')]: simple('flaky'),
  [indexPath('down')]: simple('down'),
  [indexPath('slow')]: simple('slow'),
  [indexPath('cut-once')]: indexFile('cut-once', [{ vers: '1.0.0' }, { vers: '1.1.0' }, { vers: '1.2.0' }]),
  [indexPath('cut-always')]: indexFile('cut-always', [{ vers: '1.0.0' }, { vers: '1.1.0' }, { vers: '1.2.0' }]),
  [indexPath('removed')]: simple('removed'),
  [indexPath('blocked')]: simple('blocked'),
  [indexPath('forbidden')]: simple('forbidden'),
  [indexPath('html')]: '<!doctype html><html><body>Sign in</body></html>\n',
  [indexPath('big')]: indexFile('big', Array.from({ length: 200 }, (_, i) => ({ vers: `0.${i}.0` }))),
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [indexPath(`parallel-${i}`), simple(`parallel-${i}`)])),
};

const ANSWERS: Record<string, IndexAnswer[]> = {
  [indexPath('only-dates')]: [{ kind: 'serve', etag: false }],
  [indexPath('rate-limited')]: [{ kind: 'status', status: 429, headers: { 'retry-after': '1' } }, { kind: 'serve' }],
  [indexPath('flaky')]: [{ kind: 'status', status: 500 }, { kind: 'serve' }],
  [indexPath('down')]: [{ kind: 'status', status: 503 }],
  [indexPath('slow')]: [{ kind: 'serve', delayMs: 1000 }],
  [indexPath('cut-once')]: [{ kind: 'truncate' }, { kind: 'serve' }],
  [indexPath('cut-always')]: [{ kind: 'truncate' }],
  [indexPath('removed')]: [{ kind: 'status', status: 410 }],
  [indexPath('blocked')]: [{ kind: 'status', status: 451 }],
  [indexPath('forbidden')]: [{ kind: 'status', status: 403 }],
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [indexPath(`parallel-${i}`), [{ kind: 'serve', delayMs: 100 }]])),
};

let server: IndexServer;

beforeAll(async () => {
  server = await startIndexServer(FILES, { answers: ANSWERS });
});
afterAll(async () => {
  await server.close();
});

function client(options: Partial<HttpClientOptions> = {}): HttpClient {
  return new HttpClient({ userAgent: USER_AGENT, timeoutMs: 400, retries: 2, baseDelayMs: 20, ...options });
}

function source(options: { cache?: HttpCache; http?: HttpClient; concurrency?: number; maxBytes?: number } = {}): SparseIndexSource {
  return new SparseIndexSource({
    baseUrl: server.url,
    cache: options.cache ?? new MemoryHttpCache(),
    http: options.http ?? client(),
    concurrency: options.concurrency ?? 8,
    now: () => FIRST_RUN,
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
  });
}

const requestsFor = (name: string) => server.requests.filter((r) => r.path === indexPath(name));

describe('SparseIndexSource', () => {
  it('finds the versions of a crate with their yanked flags and MSRVs, asking with a cratewatch User-Agent', async () => {
    const cache = new MemoryHttpCache();
    const index = source({ cache });
    expect(await index.lookup('serde')).toEqual({
      kind: 'found',
      versions: [
        { version: '1.0.0', yanked: false, rustVersion: null },
        { version: '1.0.130', yanked: true, rustVersion: null },
        { version: '1.0.219', yanked: false, rustVersion: '1.31' },
      ],
    });
    const [request, ...more] = requestsFor('serde');
    expect(more).toEqual([]);
    expect(request!.headers['user-agent']).toContain('cratewatch');
    expect(request!.headers['if-none-match']).toBeUndefined();
    expect(request!.headers['if-modified-since']).toBeUndefined();
    expect(index.stats).toMatchObject({ requests: 1, notModified: 0, bytes: Buffer.byteLength(FILES['se/rd/serde']!), failures: 0 });
  });

  it('keeps the body with its ETag, Last-Modified and the injected fetch time, keyed by host and path', async () => {
    const cache = new MemoryHttpCache();
    await source({ cache }).lookup('serde_json');
    const key = `index/${server.url.replace('http://', '')}se/rd/serde_json`;
    expect([...cache.entries.keys()]).toEqual([key]);
    const entry = cache.entries.get(key)!;
    expect(entry).toMatchObject({ etag: etagOf(FILES['se/rd/serde_json']!), lastModified: 'Sun, 01 Mar 2026 12:00:00 GMT', fetchedAt: FIRST_RUN.toISOString() });
    expect(new TextDecoder().decode(entry.body)).toBe(FILES['se/rd/serde_json']);
  });

  it('asks again with If-None-Match on the next run and reads the cache on 304, downloading no body', async () => {
    const cache = new MemoryHttpCache();
    const first = await source({ cache }).lookup('serde');
    const putsAfterFirst = cache.puts;
    server.reset();

    const second = source({ cache });
    expect(await second.lookup('serde')).toEqual(first);
    const [request] = requestsFor('serde');
    expect(request!.headers['if-none-match']).toBe(etagOf(FILES['se/rd/serde']!));
    expect(request!.headers['if-modified-since']).toBe('Sun, 01 Mar 2026 12:00:00 GMT');
    expect(second.stats).toMatchObject({ requests: 1, notModified: 1, bytes: 0, failures: 0 });
    // The 304 confirms the copy: the same body, with the time it was last confirmed current.
    expect(cache.puts).toBe(putsAfterFirst + 1);
    const confirmed = cache.entries.get(`index/${new URL(server.url).host}/se/rd/serde`)!;
    expect(new TextDecoder().decode(confirmed.body)).toBe(FILES['se/rd/serde']);
  });

  it('answers from a copy confirmed since freshAfter without asking, and asks about older copies', async () => {
    const cache = new MemoryHttpCache();
    await source({ cache }).lookup('serde');
    const fetchedAt = [...cache.entries.values()][0]!.fetchedAt;
    server.reset();
    const fresh = new SparseIndexSource({ baseUrl: server.url, cache, http: client(), concurrency: 4, freshAfter: fetchedAt });
    expect((await fresh.lookup('serde')).kind).toBe('found');
    expect(fresh.stats).toMatchObject({ requests: 0, fresh: 1 });
    expect(requestsFor('serde')).toEqual([]);
    const later = new Date(Date.parse(fetchedAt) + 1).toISOString();
    const stale = new SparseIndexSource({ baseUrl: server.url, cache, http: client(), concurrency: 4, freshAfter: later });
    await stale.lookup('serde');
    expect(stale.stats).toMatchObject({ requests: 1, notModified: 1, fresh: 0 });
  });

  it('asks with If-Modified-Since alone when the index gives no ETag, and gets 304', async () => {
    const cache = new MemoryHttpCache();
    await source({ cache }).lookup('only-dates');
    expect([...cache.entries.values()][0]!.etag).toBeNull();
    const second = source({ cache });
    expect(await second.lookup('only-dates')).toMatchObject({ kind: 'found', versions: [{ version: '0.1.0' }, { version: '0.2.0' }] });
    const last = requestsFor('only-dates').at(-1)!;
    expect(last.headers['if-none-match']).toBeUndefined();
    expect(last.headers['if-modified-since']).toBe('Sun, 01 Mar 2026 12:00:00 GMT');
    expect(second.stats.notModified).toBe(1);
  });

  it('asks again without validators when the cached body of a 304 does not parse, and replaces it', async () => {
    const cache = new MemoryHttpCache();
    const key = `index/${server.url.replace('http://', '')}3/s/syn`;
    FILES['3/s/syn'] = simple('syn');
    cache.entries.set(key, { etag: etagOf(FILES['3/s/syn']), lastModified: null, fetchedAt: FIRST_RUN.toISOString(), body: new TextEncoder().encode('{"vers":') });
    const index = source({ cache });
    expect(await index.lookup('syn')).toMatchObject({ kind: 'found', versions: [{ version: '0.1.0' }, { version: '0.2.0' }] });
    const [conditional, fresh] = requestsFor('syn');
    expect(conditional!.headers['if-none-match']).toBe(etagOf(FILES['3/s/syn']));
    expect(fresh!.headers['if-none-match']).toBeUndefined();
    expect(new TextDecoder().decode(cache.entries.get(key)!.body)).toBe(FILES['3/s/syn']);
  });

  it('downloads and caches a file that changed since the last run', async () => {
    const cache = new MemoryHttpCache();
    await source({ cache }).lookup('changing');
    FILES['ch/an/changing'] = indexFile('changing', [{ vers: '0.1.0' }, { vers: '0.2.0' }, { vers: '0.3.0', rust: '1.70' }]);
    const second = source({ cache });
    const result = await second.lookup('changing');
    expect(result.kind === 'found' && result.versions.map((v) => v.version)).toEqual(['0.1.0', '0.2.0', '0.3.0']);
    expect(second.stats).toMatchObject({ notModified: 0, bytes: Buffer.byteLength(FILES['ch/an/changing']) });
    expect([...cache.entries.values()][0]!.etag).toBe(etagOf(FILES['ch/an/changing']));
  });

  it('sends one request for a crate that 20 concurrent lookups ask for, in any letter case', async () => {
    const index = source();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => index.lookup(i % 2 === 0 ? 'shared' : 'Shared')));
    expect(requestsFor('shared')).toHaveLength(1);
    expect(new Set(results).size).toBe(1);
    expect(results[0]).toMatchObject({ kind: 'found' });
    await index.lookup('SHARED');
    expect(requestsFor('shared')).toHaveLength(1);
  });

  it('keeps at most `concurrency` requests in flight, reusing keep-alive connections', async () => {
    const carried = new Set<number>();
    for (let run = 0; run < 2; run++) {
      server.reset();
      const index = source({ concurrency: 3 });
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => index.lookup(`parallel-${i}`)));
      expect(results.every((r) => r.kind === 'found')).toBe(true);
      expect(server.requests).toHaveLength(12);
      expect(server.maxInFlight).toBe(3);
      for (const request of server.requests) carried.add(request.connection);
    }
    // Node's fetch pool may open a spare connection or two while one is being released, never one per request.
    expect(carried.size).toBeLessThanOrEqual(12);
  });

  it('waits as long as Retry-After says after a 429, then finds the crate', async () => {
    const http = client();
    const index = source({ http });
    expect(await index.lookup('rate-limited')).toMatchObject({ kind: 'found' });
    const [first, retry] = requestsFor('rate-limited');
    expect(retry!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(http.stats.retries).toBe(1);
    expect(index.stats).toMatchObject({ requests: 1, failures: 0 });
  });

  it('retries a 500 and finds the crate', async () => {
    expect(await source().lookup('flaky')).toMatchObject({ kind: 'found', versions: [{ version: '0.1.0' }, { version: '0.2.0' }] });
    expect(requestsFor('flaky')).toHaveLength(2);
  });

  it('fails a crate whose index keeps answering 503, naming the crate, the URL and the status', async () => {
    const index = source();
    const result = await index.lookup('down');
    expect(result).toEqual({ kind: 'failed', message: `crate "down": ${server.url}do/wn/down: HTTP 503, giving up after retries` });
    expect(requestsFor('down')).toHaveLength(3);
    expect(index.stats.failures).toBe(1);
  });

  it('retries a response slower than the timeout, then fails it with the timeout in the message', async () => {
    const result = await source({ http: client({ timeoutMs: 300, retries: 1 }) }).lookup('slow');
    expect(result).toEqual({ kind: 'failed', message: `crate "slow": ${server.url}sl/ow/slow: no complete answer within 300 ms, giving up after retries` });
    expect(requestsFor('slow')).toHaveLength(2);
  });

  it('finds a crate whose body was cut off once, on the retry', async () => {
    const cache = new MemoryHttpCache();
    expect(await source({ cache }).lookup('cut-once')).toMatchObject({ kind: 'found', versions: [{ version: '1.0.0' }, { version: '1.1.0' }, { version: '1.2.0' }] });
    expect(requestsFor('cut-once')).toHaveLength(2);
    expect(new TextDecoder().decode([...cache.entries.values()][0]!.body)).toBe(FILES['cu/t-/cut-once']);
  });

  it('fails a crate whose body is always cut off, and caches nothing', async () => {
    const cache = new MemoryHttpCache();
    const result = await source({ cache }).lookup('cut-always');
    expect(result.kind).toBe('failed');
    expect(result.kind === 'failed' && result.message).toMatch(/^crate "cut-always": http:\/\/127\.0\.0\.1:\d+\/cu\/t-\/cut-always: .*giving up after retries$/);
    expect(requestsFor('cut-always')).toHaveLength(3);
    expect(cache.entries.size).toBe(0);
  });

  it.each([
    ['no-such-crate', 404],
    ['removed', 410],
    ['blocked', 451],
  ])('reports %s as gone on %d, without retrying', async (name, status) => {
    const index = source();
    expect(await index.lookup(name)).toEqual({ kind: 'gone', status });
    expect(requestsFor(name)).toHaveLength(1);
    expect(index.stats).toMatchObject({ gone: 1, failures: 0 });
  });

  it('fails on another status, without retrying', async () => {
    expect(await source().lookup('forbidden')).toEqual({
      kind: 'failed',
      message: `crate "forbidden": ${server.url}fo/rb/forbidden: HTTP 403, expected 200, 304, 404, 410 or 451`,
    });
    expect(requestsFor('forbidden')).toHaveLength(1);
  });

  it('fails a 200 whose body is not an index file, naming the line, and caches nothing', async () => {
    const cache = new MemoryHttpCache();
    const result = await source({ cache }).lookup('html');
    expect(result.kind === 'failed' && result.message).toMatch(/^crate "html": http:\/\/127\.0\.0\.1:\d+\/ht\/ml\/html: HTTP 200 with an unreadable body: index file of crate "html", line 1: not valid JSON/);
    expect(cache.entries.size).toBe(0);
  });

  it('fails a body over the size limit', async () => {
    const result = await source({ maxBytes: 1024 }).lookup('big');
    expect(result.kind === 'failed' && result.message).toMatch(/^crate "big": .*\/3\/b\/big: \d+ bytes, over the 1024-byte limit$/);
  });

  it('asks for the lower-case path of a mixed-case name', async () => {
    expect(await source().lookup('Serde_JSON')).toMatchObject({ kind: 'found', versions: [{ version: '1.0.140', rustVersion: '1.56' }] });
    expect(server.requests.at(-1)!.path).toBe('se/rd/serde_json');
  });

  it('fails a name that is not a crate name without asking the index', async () => {
    const before = server.requests.length;
    const result = await source().lookup('../../etc/passwd');
    expect(result).toMatchObject({ kind: 'failed', message: expect.stringContaining('is not a crate name') });
    expect(server.requests).toHaveLength(before);
  });

  it('goes on without the cache when the cache cannot be read or written', async () => {
    const broken: HttpCache = {
      get: () => Promise.reject(new Error('S3 unavailable')),
      put: () => Promise.reject(new Error('S3 unavailable')),
    };
    const index = source({ cache: broken });
    expect(await index.lookup('serde')).toMatchObject({ kind: 'found' });
    expect(index.stats).toMatchObject({ cacheErrors: 2, failures: 0 });
  });

  it('takes a base URL without a trailing slash, or with the sparse+ prefix of Cargo config', async () => {
    for (const baseUrl of [server.url.slice(0, -1), `sparse+${server.url}`]) {
      const index = new SparseIndexSource({ baseUrl, cache: new MemoryHttpCache(), http: client(), concurrency: 1 });
      expect(index.baseUrl).toBe(server.url);
      expect(await index.lookup('serde')).toMatchObject({ kind: 'found' });
    }
  });
});
