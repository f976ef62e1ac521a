import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsHttpCache } from '../../functions/adapters/fs-http-cache.ts';
import type { CachedResponse } from '../../functions/core/ports.ts';

let root: string;
let dir: string;
let cache: FsHttpCache;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cratewatch-http-cache-'));
  dir = join(root, 'cache');
  cache = new FsHttpCache(dir);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('FsHttpCache', () => {
  const binary = new Uint8Array(Array.from({ length: 512 }, (_, i) => (i * 7) % 256));
  const response: CachedResponse = { etag: 'W/"abc"', lastModified: 'Sun, 01 Jun 2025 12:00:00 GMT', fetchedAt: '2025-06-01T12:00:00.000Z', body: binary };

  it('reads back a binary body and its validators from <key>.body and <key>.json', async () => {
    expect(await cache.get('index/se/rd/serde')).toBeUndefined();
    await cache.put('index/se/rd/serde', response);
    expect(await cache.get('index/se/rd/serde')).toEqual(response);
    expect(new Uint8Array(await readFile(join(dir, 'index/se/rd/serde.body')))).toEqual(binary);
    expect(JSON.parse(await readFile(join(dir, 'index/se/rd/serde.json'), 'utf8'))).toMatchObject({ etag: 'W/"abc"', size: 512 });
  });

  it('replaces an entry and keeps null validators', async () => {
    await cache.put('advisory-db/archive', response);
    const newer: CachedResponse = { etag: null, lastModified: null, fetchedAt: '2025-06-02T12:00:00.000Z', body: new Uint8Array([0, 255, 0]) };
    await cache.put('advisory-db/archive', newer);
    expect(await cache.get('advisory-db/archive')).toEqual(newer);
    expect(await cache.get('advisory-db')).toBeUndefined();
  });

  it('turns a host:port key into a portable file name', async () => {
    await cache.put('index/127.0.0.1:8080/3/a/abc', response);
    expect(await cache.get('index/127.0.0.1:8080/3/a/abc')).toEqual(response);
    expect(existsSync(join(dir, 'index/127.0.0.1%3A8080/3/a/abc.body'))).toBe(true);
  });

  it('reads a damaged or half-replaced entry as a miss', async () => {
    await cache.put('index/se/rd/serde', response);
    await writeFile(join(dir, 'index/se/rd/serde.body'), 'a body from another write');
    expect(await cache.get('index/se/rd/serde')).toBeUndefined();
    await cache.put('index/se/rd/serde', response);
    // Same size, other bytes: only the digest tells them apart.
    await writeFile(join(dir, 'index/se/rd/serde.body'), new Uint8Array(512));
    expect(await cache.get('index/se/rd/serde')).toBeUndefined();
    await cache.put('index/se/rd/serde', response);
    await writeFile(join(dir, 'index/se/rd/serde.json'), '{"etag":');
    expect(await cache.get('index/se/rd/serde')).toBeUndefined();
  });

  it('leaves no temp file behind', async () => {
    await cache.put('index/se/rd/serde', response);
    await cache.put('index/se/rd/serde', response);
    await cache.put('advisory-db/archive', response);
    const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    expect(files.sort()).toEqual(['archive.body', 'archive.json', 'serde.body', 'serde.json']);
  });

  it.each(['../escape', 'index/../../escape', '/etc/passwd', '', 'a//b', 'a/./b', 'a/..', 'nul\0byte'])('refuses the key %j', async (key) => {
    await expect(cache.put(key, response)).rejects.toThrow('is not a relative path of plain segments');
    await expect(cache.get(key)).rejects.toThrow('is not a relative path of plain segments');
    expect(existsSync(dir)).toBe(false);
    expect(await readdir(root)).toEqual([]);
  });
});
