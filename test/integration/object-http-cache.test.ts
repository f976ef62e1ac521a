import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { INDEX_DELTA_PREFIX, INDEX_PACK_KEY, ObjectHttpCache, type CompactStats } from '../../functions/app/object-http-cache.ts';
import type { CachedResponse, ObjectStore } from '../../functions/core/ports.ts';
import { fsBackend, s3Backend, type TestStore } from '../helpers/object-store-backends.ts';

const DAY = 86_400_000;
const START = Date.parse('2025-06-01T00:00:00.000Z');
const GZIP = { contentType: 'application/gzip' };
const decoder = new TextDecoder();
const encoder = new TextEncoder();

const SERDE = 'index/index.crates.io/se/rd/serde';
const LOG = 'index/index.crates.io/3/l/log';
const TOKIO = 'index/index.crates.io/to/ki/tokio';
const HYPER = 'index/index.crates.io/hy/pe/hyper';

const backends = [fsBackend(), s3Backend()];
afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
});

/** A clock stopped `days` after START. */
function dayClock(days: number): () => Date {
  return () => new Date(START + days * DAY);
}

/** An index file as the sparse index caches it: NDJSON text with validators. */
function indexFile(body: string, fetchedAt: string, etag: string | null = `"${body.length}"`): CachedResponse {
  return { etag, lastModified: 'Sun, 01 Jun 2025 12:00:00 GMT', fetchedAt, body: encoder.encode(`{"name":"x","vers":"${body}"}\n`) };
}

/** The `vers` the cached index file holds, or undefined on a miss. */
function versOf(response: CachedResponse | undefined): string | undefined {
  return response === undefined ? undefined : (JSON.parse(decoder.decode(response.body)) as { vers: string }).vers;
}

/** A pack entry as the pack stores it. */
function packEntry(vers: string) {
  return { etag: '"1"', lastModified: null, fetchedAt: '2025-06-01T00:00:00.000Z', usedAt: '2025-06-01T00:00:00.000Z', body: `{"name":"x","vers":"${vers}"}\n` };
}

/** The pack's entries as stored, read around the code under test. */
async function packEntries(objects: ObjectStore): Promise<Record<string, { fetchedAt: string; usedAt: string }>> {
  const stored = await objects.get(INDEX_PACK_KEY);
  if (stored === undefined) throw new Error(`${INDEX_PACK_KEY} is missing`);
  return (JSON.parse(gunzipSync(stored.body).toString('utf8')) as { entries: Record<string, { fetchedAt: string; usedAt: string }> }).entries;
}

/** One finished unit of work: a fresh instance puts the entries, then flushes. */
async function flushUnit(objects: ObjectStore, days: number, unit: string, entries: Record<string, CachedResponse>): Promise<void> {
  const cache = new ObjectHttpCache(objects, dayClock(days));
  for (const [key, value] of Object.entries(entries)) await cache.put(key, value);
  await cache.flush(unit);
}

describe.each(backends)('ObjectHttpCache on the $name backend', (backend) => {
  const newStore = (): Promise<TestStore> => backend.newStore();

  it('reads index files back in a new instance after put, flush and compact, from one pack object', async () => {
    const test = await newStore();
    const writer = new ObjectHttpCache(test.objects, dayClock(0));
    await writer.put(SERDE, indexFile('1.0.219', '2025-06-01T00:00:00.000Z'));
    await writer.put(LOG, indexFile('0.4.27', '2025-06-01T00:00:01.000Z', null));
    expect(versOf(await writer.get(SERDE))).toBe('1.0.219');
    await writer.flush('ripgrep');

    const deltas = await test.raw.list(INDEX_DELTA_PREFIX);
    expect(deltas).toHaveLength(1);
    expect(deltas[0]).toMatch(/^cache\/index-deltas\/2025-06-01T00-00-00\.000Z-ripgrep-[0-9a-f]{8}\.json\.gz$/);
    // Not merged yet: a new instance reads only the pack.
    expect(await new ObjectHttpCache(test.objects, dayClock(0)).get(SERDE)).toBeUndefined();

    expect(await new ObjectHttpCache(test.objects, dayClock(0)).compact()).toEqual({ entries: 2, deltasMerged: 1, dropped: 0 });
    expect(await test.raw.list('cache/')).toEqual([INDEX_PACK_KEY]);
    expect(await test.contentTypeOf(INDEX_PACK_KEY)).toBe('application/gzip');

    const reader = new ObjectHttpCache(test.objects, dayClock(1));
    expect(await reader.get(SERDE)).toEqual(indexFile('1.0.219', '2025-06-01T00:00:00.000Z'));
    expect(await reader.get(LOG)).toEqual(indexFile('0.4.27', '2025-06-01T00:00:01.000Z', null));
    expect(await reader.get(TOKIO)).toBeUndefined();
    expect((await reader.indexCrates('index/index.crates.io/')).sort()).toEqual(['log', 'serde']);
    expect(await reader.indexCrates('index/index.crates.io/se/rd/')).toEqual(['serde']);
  });

  it('keeps index files put while a flush is being written, for the next flush, and can read them meanwhile', async () => {
    const test = await newStore();
    const cache = new ObjectHttpCache(test.objects, dayClock(0));
    await cache.put(SERDE, indexFile('1.0.219', '2025-06-01T00:00:00.000Z'));
    // Another repository of the same run fetches `log` while the first delta is on its way.
    const firstDelta = new Promise<string>((resolve) => {
      const original = test.objects.put.bind(test.objects);
      test.objects.put = async (key, body, options) => {
        if (key.startsWith(INDEX_DELTA_PREFIX)) {
          test.objects.put = original;
          await cache.put(LOG, indexFile('0.4.27', '2025-06-01T00:00:01.000Z'));
          expect(versOf(await cache.get(SERDE))).toBe('1.0.219');
          resolve(key);
        }
        return original(key, body, options);
      };
    });
    await cache.flush('first');
    await firstDelta;
    await cache.flush('second');
    expect(await test.raw.list(INDEX_DELTA_PREFIX)).toHaveLength(2);
    await new ObjectHttpCache(test.objects, dayClock(0)).compact();
    const reader = new ObjectHttpCache(test.objects, dayClock(1));
    expect([versOf(await reader.get(SERDE)), versOf(await reader.get(LOG))]).toEqual(['1.0.219', '0.4.27']);
  });

  it('merges the deltas of several instances, the newest fetchedAt winning over flush order and the pack, then deletes them', async () => {
    const test = await newStore();
    await flushUnit(test.objects, 0, 'seed', { [SERDE]: indexFile('pack', '2025-06-02T12:00:00.000Z'), [LOG]: indexFile('pack-log', '2025-06-05T00:00:00.000Z') });
    await new ObjectHttpCache(test.objects, dayClock(0)).compact();

    await flushUnit(test.objects, 1, 'a', { [SERDE]: indexFile('a', '2025-06-02T00:00:00.000Z'), [LOG]: indexFile('a-log', '2025-06-04T00:00:00.000Z') });
    await flushUnit(test.objects, 2, 'b', { [SERDE]: indexFile('b', '2025-06-03T00:00:00.000Z') });
    await flushUnit(test.objects, 3, 'c', { [SERDE]: indexFile('c', '2025-06-01T00:00:00.000Z'), [TOKIO]: indexFile('c-tokio', '2025-06-01T00:00:00.000Z') });
    const compactor = new ObjectHttpCache(test.objects, dayClock(4));
    await compactor.put(HYPER, indexFile('own', '2025-06-05T00:00:00.000Z'));

    expect(await compactor.compact()).toEqual({ entries: 4, deltasMerged: 3, dropped: 0 });
    expect(await test.raw.list(INDEX_DELTA_PREFIX)).toEqual([]);
    const reader = new ObjectHttpCache(test.objects, dayClock(4));
    expect(await Promise.all([SERDE, LOG, TOKIO, HYPER].map(async (key) => versOf(await reader.get(key))))).toEqual(['b', 'pack-log', 'c-tokio', 'own']);
  });

  it('drops index files no one used for more than 30 days and keeps those used since, by whoever used them', async () => {
    const test = await newStore();
    const K4 = 'index/index.crates.io/ra/nd/rand';
    await flushUnit(test.objects, 0, 'seed', Object.fromEntries([SERDE, LOG, TOKIO, K4].map((key) => [key, indexFile(key, '2025-06-01T00:00:00.000Z')])));
    await new ObjectHttpCache(test.objects, dayClock(0)).compact();

    // Reads (not fetches) are recorded too: one unit used `log` 29 days before the compaction, another `rand` 31 days before.
    for (const [days, key] of [
      [16, LOG],
      [14, K4],
    ] as const) {
      const unit = new ObjectHttpCache(test.objects, dayClock(days));
      expect(versOf(await unit.get(key))).toBe(key);
      await unit.flush(`day-${days}`);
    }
    const compactor = new ObjectHttpCache(test.objects, dayClock(45));
    expect(versOf(await compactor.get(TOKIO))).toBe(TOKIO);

    expect(await compactor.compact()).toEqual({ entries: 2, deltasMerged: 2, dropped: 2 });
    const entries = await packEntries(test.raw);
    expect(Object.fromEntries(Object.entries(entries).map(([key, e]) => [key, e.usedAt]))).toEqual({
      [LOG]: '2025-06-17T00:00:00.000Z',
      [TOKIO]: '2025-07-16T00:00:00.000Z',
    });
    const reader = new ObjectHttpCache(test.objects, dayClock(45));
    expect(await Promise.all([SERDE, LOG, TOKIO, K4].map(async (key) => versOf(await reader.get(key))))).toEqual([undefined, LOG, TOKIO, undefined]);
  });

  it.each([
    ['no pack exists yet', false],
    ['the pack exists', true],
  ])('lets two compactions racing when %s both succeed, the refused one retrying, without losing an entry', async (_case, packFirst) => {
    const test = await newStore();
    if (packFirst) {
      await flushUnit(test.objects, 0, 'seed', { [HYPER]: indexFile('seed', '2025-06-01T00:00:00.000Z') });
      await new ObjectHttpCache(test.objects, dayClock(0)).compact();
    }
    await flushUnit(test.objects, 1, 'a', { [SERDE]: indexFile('a', '2025-06-02T00:00:00.000Z') });
    await flushUnit(test.objects, 1, 'b', { [LOG]: indexFile('b', '2025-06-02T00:00:00.000Z') });
    const first = new ObjectHttpCache(test.objects, dayClock(2));
    const second = new ObjectHttpCache(test.objects, dayClock(2));
    await first.put(TOKIO, indexFile('first', '2025-06-03T00:00:00.000Z'));
    await second.put('index/index.crates.io/ra/nd/rand', indexFile('second', '2025-06-03T00:00:00.000Z'));

    // The second compaction runs whole between the first one's read and its write of the pack.
    let secondStats: CompactStats | undefined;
    test.objects.beforeNextPut(INDEX_PACK_KEY, async () => {
      secondStats = await second.compact();
    });
    const before = test.objects.operations.length;
    const firstStats = await first.compact();

    const packPuts = test.objects.operations.slice(before).filter((o) => o.op === 'put' && o.key === INDEX_PACK_KEY);
    expect(packPuts.map((o) => `${o.outcome} ${'ifMatch' in (o.condition ?? {}) ? 'ifMatch' : 'ifNoneMatch'}`)).toEqual([
      `ok ${packFirst ? 'ifMatch' : 'ifNoneMatch'}`,
      `refused ${packFirst ? 'ifMatch' : 'ifNoneMatch'}`,
      'ok ifMatch',
    ]);
    const seeded = packFirst ? 1 : 0;
    expect({ first: firstStats, second: secondStats }).toEqual({
      first: { entries: seeded + 4, deltasMerged: 0, dropped: 0 },
      second: { entries: seeded + 3, deltasMerged: 2, dropped: 0 },
    });
    expect(await test.raw.list(INDEX_DELTA_PREFIX)).toEqual([]);
    const reader = new ObjectHttpCache(test.objects, dayClock(2));
    expect((await reader.indexCrates('index/')).sort()).toEqual([...(packFirst ? ['hyper'] : []), 'log', 'rand', 'serde', 'tokio']);
  });

  it('keeps every entry when three compactions run at once', async () => {
    const test = await newStore();
    await flushUnit(test.objects, 1, 'a', { [SERDE]: indexFile('a', '2025-06-02T00:00:00.000Z') });
    const compactors = [LOG, TOKIO, HYPER].map((key) => {
      const cache = new ObjectHttpCache(test.objects, dayClock(2));
      return { cache, key };
    });
    for (const { cache, key } of compactors) await cache.put(key, indexFile(key, '2025-06-03T00:00:00.000Z'));
    await Promise.all(compactors.map(({ cache }) => cache.compact()));
    const reader = new ObjectHttpCache(test.objects, dayClock(2));
    expect(await Promise.all([SERDE, LOG, TOKIO, HYPER].map(async (key) => versOf(await reader.get(key))))).toEqual(['a', LOG, TOKIO, HYPER]);
    expect(await test.raw.list(INDEX_DELTA_PREFIX)).toEqual([]);
  });

  it.each([
    ['bytes that are not gzip', () => encoder.encode('not a gzip stream')],
    ['a cut-off gzip stream', () => gzipSync(JSON.stringify({ packVersion: 1, entries: { [SERDE]: packEntry('cut') } })).subarray(0, 30)],
    ['gzip of cut-off JSON', () => gzipSync('{"packVersion":1,"entries":{')],
    ['another packVersion', () => gzipSync(JSON.stringify({ packVersion: 2, entries: { [SERDE]: packEntry('v2') } }))],
    ['entries that are not entries', () => gzipSync(JSON.stringify({ packVersion: 1, entries: { [SERDE]: null, [LOG]: 'text', [TOKIO]: { etag: null, fetchedAt: 1 } } }))],
    ['an entries list', () => gzipSync(JSON.stringify({ packVersion: 1, entries: [packEntry('listed')] }))],
  ])('reads a pack holding %s as empty, and the next compaction replaces it', async (_what, damaged) => {
    const test = await newStore();
    await test.raw.put(INDEX_PACK_KEY, damaged(), GZIP);
    const cache = new ObjectHttpCache(test.objects, dayClock(0));
    expect(await Promise.all([SERDE, LOG, TOKIO].map((key) => cache.get(key)))).toEqual([undefined, undefined, undefined]);
    expect(await cache.indexCrates('index/')).toEqual([]);

    await cache.put(HYPER, indexFile('fresh', '2025-06-01T00:00:00.000Z'));
    expect(await cache.compact()).toEqual({ entries: 1, deltasMerged: 0, dropped: 0 });
    const reader = new ObjectHttpCache(test.objects, dayClock(0));
    expect(await Promise.all([SERDE, LOG, TOKIO, HYPER].map(async (key) => versOf(await reader.get(key))))).toEqual([undefined, undefined, undefined, 'fresh']);
  });

  it('skips damaged deltas, merges the sound one, and removes them all', async () => {
    const test = await newStore();
    await flushUnit(test.objects, 1, 'sound', { [SERDE]: indexFile('sound', '2025-06-02T00:00:00.000Z') });
    const damaged = {
      'not-gzip.json.gz': encoder.encode('garbage'),
      'cut.json.gz': gzipSync(JSON.stringify({ packVersion: 1, entries: { [LOG]: packEntry('cut') } })).subarray(0, 25),
      'null-entry.json.gz': gzipSync(JSON.stringify({ packVersion: 1, entries: { [TOKIO]: null } })),
      'string-entries.json.gz': gzipSync(JSON.stringify({ packVersion: 1, entries: 'abc', used: 'nope' })),
      'bad-fields.json.gz': gzipSync(JSON.stringify({ packVersion: 1, entries: { [HYPER]: { ...packEntry('bad'), usedAt: 5 } } })),
    };
    for (const [name, body] of Object.entries(damaged)) await test.raw.put(INDEX_DELTA_PREFIX + name, body, GZIP);

    const stats = await new ObjectHttpCache(test.objects, dayClock(2)).compact();
    expect(stats).toMatchObject({ entries: 1, dropped: 0 });
    expect(await test.raw.list(INDEX_DELTA_PREFIX)).toEqual([]);
    expect(Object.keys(await packEntries(test.raw))).toEqual([SERDE]);
  });

  it('keeps the advisory archive as one object with its binary body and validators, outside the pack', async () => {
    const test = await newStore();
    const body = Uint8Array.from({ length: 1024 }, (_, i) => (i * 7 + 10) % 256);
    const archive: CachedResponse = { etag: 'W/"abc"', lastModified: 'Sun, 01 Jun 2025 12:00:00 GMT', fetchedAt: '2025-06-01T12:00:00.000Z', body };
    const cache = new ObjectHttpCache(test.objects, dayClock(0));
    expect(await cache.get('advisory-db/archive')).toBeUndefined();
    await cache.put('advisory-db/archive', archive);
    await cache.flush('nothing-indexed');

    expect(await test.raw.list('cache/')).toEqual(['cache/http/advisory-db/archive']);
    expect(await test.contentTypeOf('cache/http/advisory-db/archive')).toBe('application/octet-stream');
    expect(await new ObjectHttpCache(test.objects, dayClock(1)).get('advisory-db/archive')).toEqual(archive);

    const newer: CachedResponse = { etag: null, lastModified: null, fetchedAt: '2025-06-02T12:00:00.000Z', body: new Uint8Array([0, 10, 255, 10]) };
    await cache.put('advisory-db/archive', newer);
    expect(await new ObjectHttpCache(test.objects, dayClock(1)).get('advisory-db/archive')).toEqual(newer);
  });

  it('names an archive key with a host:port as a portable object', async () => {
    const test = await newStore();
    const archive: CachedResponse = { etag: '"1"', lastModified: null, fetchedAt: '2025-06-01T12:00:00.000Z', body: new Uint8Array([1, 2, 3]) };
    const cache = new ObjectHttpCache(test.objects, dayClock(0));
    await cache.put('advisory-db/127.0.0.1:8080/archive', archive);
    expect(await test.raw.list('cache/')).toEqual(['cache/http/advisory-db/127.0.0.1%3A8080/archive']);
    expect(await cache.get('advisory-db/127.0.0.1:8080/archive')).toEqual(archive);
  });

  it.each([
    ['without the metadata line', () => encoder.encode('just some bytes')],
    ['with a metadata line that is not JSON', () => encoder.encode('{"etag":\nbody')],
    ['with a size that does not match the body', () => encoder.encode(`${JSON.stringify({ etag: null, lastModified: null, fetchedAt: '2025-06-01T12:00:00.000Z', size: 99 })}\nshort`)],
    ['with null metadata', () => encoder.encode('null\nbody')],
  ])('reads an archive object %s as a miss', async (_what, damaged) => {
    const test = await newStore();
    await test.raw.put('cache/http/advisory-db/archive', damaged(), { contentType: 'application/octet-stream' });
    expect(await new ObjectHttpCache(test.objects, dayClock(0)).get('advisory-db/archive')).toBeUndefined();
  });

  it.each(['../escape', 'index/../../escape', '/etc/passwd', '', 'a//b', 'a/./b', 'a/..', 'nul\0byte'])('refuses the key %j and writes nothing', async (key) => {
    const test = await newStore();
    const cache = new ObjectHttpCache(test.objects, dayClock(0));
    const value = indexFile('x', '2025-06-01T00:00:00.000Z');
    await expect(cache.put(key, value)).rejects.toThrow('is not a relative path of plain segments');
    await expect(cache.get(key)).rejects.toThrow('is not a relative path of plain segments');
    await cache.flush('nothing');
    expect(await test.raw.list('')).toEqual([]);
  });

  it('asks the store once for the pack however many index files a unit reads, and flush writes one object per unit', async () => {
    const test = await newStore();
    const keys = Array.from({ length: 500 }, (_, i) => `index/index.crates.io/cr/at/crate-${i}`);
    const opsSince = (from: number) => test.objects.operations.slice(from).map((o) => `${o.op} ${o.key} ${o.outcome}`);
    const requestsSince = (from: number) => test.requests?.().slice(from).map((r) => `${r.method} ${r.key} ${r.status}`) ?? null;

    // A first unit finds no pack: 500 misses, one GET.
    let ops = test.objects.operations.length;
    let requests = test.requests?.().length ?? 0;
    const first = new ObjectHttpCache(test.objects, dayClock(0));
    expect((await Promise.all(keys.map((key) => first.get(key)))).filter((r) => r !== undefined)).toEqual([]);
    for (const key of keys) await first.put(key, indexFile(key, '2025-06-01T00:00:00.000Z'));
    await first.flush('first');
    expect(opsSince(ops)).toEqual([`get ${INDEX_PACK_KEY} ok`, expect.stringMatching(/^put cache\/index-deltas\/\S+-first-[0-9a-f]{8}\.json\.gz ok$/)]);
    expect(requestsSince(requests)).toEqual(backend.name === 's3' ? [`GET ${INDEX_PACK_KEY} 404`, expect.stringMatching(/^PUT cache\/index-deltas\/\S+ 200$/)] : null);

    await new ObjectHttpCache(test.objects, dayClock(0)).compact();

    // Two later units read all 500 from the pack, fetch a few, and each write one delta.
    for (const unit of ['second', 'third']) {
      ops = test.objects.operations.length;
      requests = test.requests?.().length ?? 0;
      const cache = new ObjectHttpCache(test.objects, dayClock(1));
      const concurrent = await Promise.all(keys.map((key) => cache.get(key)));
      const again = [];
      for (const key of keys) again.push(await cache.get(key));
      expect([...concurrent, ...again].map(versOf)).toEqual([...keys, ...keys]);
      for (let i = 0; i < 20; i++) await cache.put(`index/index.crates.io/ne/w-/new-${unit}-${i}`, indexFile('new', '2025-06-02T00:00:00.000Z'));
      await cache.flush(unit);
      expect(opsSince(ops)).toEqual([`get ${INDEX_PACK_KEY} ok`, expect.stringMatching(new RegExp(`^put cache/index-deltas/\\S+-${unit}-[0-9a-f]{8}\\.json\\.gz ok$`))]);
      expect(requestsSince(requests)).toEqual(backend.name === 's3' ? [`GET ${INDEX_PACK_KEY} 200`, expect.stringMatching(/^PUT cache\/index-deltas\/\S+ 200$/)] : null);
    }
  });
});
