import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../functions/adapters/http-client.ts';
import { HttpAdvisoryDbSource } from '../../functions/adapters/rustsec-archive.ts';
import type { HttpCache } from '../../functions/core/ports.ts';
import { FIXTURE_ARCHIVE_COMMIT, packAdvisoryArchive } from '../helpers/advisory-archive.ts';
import { startArchiveServer, type ArchiveServer } from '../helpers/archive-server.ts';
import { MemoryHttpCache } from '../helpers/memory-http-cache.ts';


let server: ArchiveServer;
let archive: Uint8Array;
const http = () => new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 2000, retries: 1, baseDelayMs: 10 });
const source = (cache: HttpCache, options: { offline?: boolean; warn?: (m: string) => void } = {}) =>
  new HttpAdvisoryDbSource({ url: server.url, http: http(), cache, now: () => new Date('2099-06-01T00:00:00Z'), ...options });

beforeAll(async () => {
  archive = await packAdvisoryArchive();
  server = await startArchiveServer(archive);
});
afterAll(async () => {
  await server.close();
});

describe('HttpAdvisoryDbSource', () => {
  it('downloads the archive, records the revision and fetch time, and caches it with its ETag', async () => {
    const cache = new MemoryHttpCache();
    const db = await source(cache).load();
    expect(db.revision).toBe(FIXTURE_ARCHIVE_COMMIT);
    expect(db.fetchedAt).toBe('2099-06-01T00:00:00.000Z');
    expect(db.advisoryCount).toBe(17);
    expect(cache.entries.get('advisory-db/archive')?.etag).toMatch(/^"[0-9a-f]+"$/);
    expect(server.requests.at(-1)?.headers['user-agent']).toBe('cratewatch-test');
  });

  it('sends If-None-Match next time and uses the cached copy on 304, downloading nothing, as current from the 304 on', async () => {
    const cache = new MemoryHttpCache();
    await source(cache).load();
    const archive = cache.entries.get('advisory-db/archive')!;
    const client = http();
    const second = new HttpAdvisoryDbSource({ url: server.url, http: client, cache, now: () => new Date('2099-06-02T00:00:00Z') });
    const db = await second.load();
    expect(server.requests.at(-1)?.headers['if-none-match']).toBe(archive.etag);
    expect(client.stats.bytes).toBe(0);
    expect(db.fetchedAt).toBe('2099-06-02T00:00:00.000Z');
    // The archive is not written again; a small entry records the confirmation.
    expect(cache.entries.get('advisory-db/archive')).toBe(archive);
    expect(cache.entries.get('advisory-db/confirmed')).toEqual({ etag: archive.etag, lastModified: null, fetchedAt: '2099-06-02T00:00:00.000Z', body: new Uint8Array(0) });
  });

  it('dates a cached copy standing in for a failed download by its last confirmation, not its download', async () => {
    const cache = new MemoryHttpCache();
    await source(cache).load();
    await new HttpAdvisoryDbSource({ url: server.url, http: http(), cache, now: () => new Date('2099-06-05T00:00:00Z') }).load();
    server.failNext(503, 5);
    const warnings: string[] = [];
    const db = await new HttpAdvisoryDbSource({ url: server.url, http: http(), cache, now: () => new Date('2099-06-20T00:00:00Z'), warn: (m) => warnings.push(m) }).load();
    server.failNext(200, 0);
    expect(db.fetchedAt).toBe('2099-06-05T00:00:00.000Z');
    expect(warnings).toEqual([`could not download the advisory database (${server.url}: HTTP 503); using the copy last known current at 2099-06-05T00:00:00.000Z`]);
    const preferred = await new HttpAdvisoryDbSource({ url: server.url, http: http(), cache, now: () => new Date('2099-06-20T00:00:00Z'), preferCached: true }).load();
    expect(preferred.fetchedAt).toBe('2099-06-05T00:00:00.000Z');
  });

  it('ignores a confirmation of other validators: a newer archive is dated by its own download', async () => {
    const cache = new MemoryHttpCache();
    await source(cache).load();
    cache.entries.set('advisory-db/confirmed', { etag: '"an-older-archive"', lastModified: null, fetchedAt: '2099-07-01T00:00:00.000Z', body: new Uint8Array(0) });
    const db = await source(cache, { offline: true }).load();
    expect(db.fetchedAt).toBe('2099-06-01T00:00:00.000Z');
  });

  it('falls back to the cached copy with a warning when the download fails', async () => {
    const cache = new MemoryHttpCache();
    await source(cache).load();
    server.failNext(503, 5);
    const warnings: string[] = [];
    const db = await source(cache, { warn: (m) => warnings.push(m) }).load();
    expect(db.advisoryCount).toBe(17);
    expect(warnings[0]).toContain('using the copy last known current at 2099-06-01T00:00:00.000Z');
    server.failNext(200, 0);
  });

  it('fails with the URL and status when there is no cached copy', async () => {
    server.failNext(404, 1);
    await expect(source(new MemoryHttpCache()).load()).rejects.toThrow(`${server.url}: HTTP 404`);
  });

  it('refuses a corrupt download and keeps it out of the cache', async () => {
    server.serve(new TextEncoder().encode('<html>maintenance</html>'));
    const cache = new MemoryHttpCache();
    await expect(source(cache).load()).rejects.toThrow('not a readable gzip archive');
    expect(cache.entries.size).toBe(0);
    server.serve(archive);
  });

  it('uses only the cache when offline, and says so when there is none', async () => {
    const cache = new MemoryHttpCache();
    await source(cache).load();
    const before = server.requests.length;
    expect((await source(cache, { offline: true }).load()).advisoryCount).toBe(17);
    expect(server.requests.length).toBe(before);
    await expect(source(new MemoryHttpCache(), { offline: true }).load()).rejects.toThrow('offline and no cached copy');
  });
});
