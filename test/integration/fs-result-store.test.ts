import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsResultStore } from '../../functions/adapters/fs-result-store.ts';
import type { CachedResponse } from '../../functions/core/ports.ts';
import { emptyCounts, SCHEMA_VERSION, type ScanResult, type SummaryIndex } from '../../functions/core/result.ts';

const STORE_MODULE = new URL('../../functions/adapters/fs-result-store.ts', import.meta.url).href;

let root: string;
let store: FsResultStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cratewatch-store-'));
  store = new FsResultStore(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function scanResult(name: string, scannedAt: string, errors: string[] = []): ScanResult {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'cratewatch', version: '0.1.0' },
    repository: { name, source: `github:owner/${name}`, ref: 'main', commit: null },
    scannedAt,
    advisoryDb: { revision: 'abc123', location: 'fixture', fetchedAt: null, advisoryCount: 3, diagnostics: [] },
    carriedFrom: null,
    policy: { deny: [] },
    status: 'clean',
    errors,
    lockfiles: [],
    counts: emptyCounts(),
    diff: { previousScanAt: null, new: [], resolved: [] },
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

async function historyOf(name: string): Promise<string[]> {
  return (await readdir(join(root, 'results', name, 'history'))).sort();
}

describe('FsResultStore results', () => {
  it('reads nothing before the first scan', async () => {
    expect(await store.readLatest('ripgrep')).toBeUndefined();
    expect(await store.readSummary()).toBeUndefined();
  });

  it('reads back the latest result and the summary it wrote, in the documented layout', async () => {
    const result = scanResult('ripgrep', '2025-06-01T12:00:00.000Z', ['one problem']);
    const summary: SummaryIndex = { schemaVersion: SCHEMA_VERSION, generatedAt: '2025-06-01T12:01:00.000Z', repositories: [] };
    await store.write(result);
    await store.writeSummary(summary);

    expect(await store.readLatest('ripgrep')).toEqual(result);
    expect(await store.readSummary()).toEqual(summary);
    expect(await filesUnder(root)).toEqual(['results/index.json', 'results/ripgrep/history/2025-06-01T12-00-00.000Z.json', 'results/ripgrep/latest.json']);
    expect(JSON.parse(await readFile(join(root, 'results/ripgrep/history/2025-06-01T12-00-00.000Z.json'), 'utf8'))).toEqual(result);
  });

  it('keeps every scan in the history and the newest as latest', async () => {
    for (const at of ['2025-06-01T00:00:00.000Z', '2025-06-02T00:00:00.000Z', '2025-06-03T00:00:00.000Z']) await store.write(scanResult('bat', at));
    expect(await historyOf('bat')).toEqual(['2025-06-01T00-00-00.000Z.json', '2025-06-02T00-00-00.000Z.json', '2025-06-03T00-00-00.000Z.json']);
    expect((await store.readLatest('bat'))?.scannedAt).toBe('2025-06-03T00:00:00.000Z');
  });

  it('never overwrites history: the same scan time twice gives a second file', async () => {
    const at = '2025-06-01T12:00:00.000Z';
    await store.write(scanResult('bat', at, ['first']));
    await store.write(scanResult('bat', at, ['second']));
    await store.write(scanResult('bat', at, ['third']));
    const files = await historyOf('bat');
    expect(files).toEqual(['2025-06-01T12-00-00.000Z-1.json', '2025-06-01T12-00-00.000Z-2.json', '2025-06-01T12-00-00.000Z.json']);
    const kept = await Promise.all(files.map(async (f) => (JSON.parse(await readFile(join(root, 'results/bat/history', f), 'utf8')) as ScanResult).errors[0]));
    expect(kept.sort()).toEqual(['first', 'second', 'third']);
    expect((await store.readLatest('bat'))?.errors).toEqual(['third']);
  });

  it('loses no result when writes of the same scan time race', async () => {
    const at = '2025-06-01T12:00:00.000Z';
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.write(scanResult('axum', at, [`run ${i}`]))));
    expect(await historyOf('axum')).toHaveLength(8);
    expect(await store.readLatest('axum')).toBeDefined();
  });

  it('leaves no temp file behind', async () => {
    await store.write(scanResult('axum', '2025-06-01T12:00:00.000Z'));
    await store.write(scanResult('axum', '2025-06-01T12:00:00.000Z'));
    await store.writeSummary({ schemaVersion: SCHEMA_VERSION, generatedAt: '2025-06-01T12:01:00.000Z', repositories: [] });
    await store.cache.put('index/se/rd/serde', { etag: null, lastModified: null, fetchedAt: '2025-06-01T12:00:00.000Z', body: new Uint8Array([1]) });
    const files = await filesUnder(root);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files).toHaveLength(6);
  });

  it('throws naming the file when latest.json is corrupt', async () => {
    await mkdir(join(root, 'results/ripgrep'), { recursive: true });
    const file = join(root, 'results/ripgrep/latest.json');
    await writeFile(file, '{"schemaVersion": 1, "repos');
    await expect(store.readLatest('ripgrep')).rejects.toThrow(`${file} is not valid JSON`);
    await writeFile(file, JSON.stringify({ ...scanResult('ripgrep', '2025-06-01T12:00:00.000Z'), schemaVersion: 99 }));
    await expect(store.readLatest('ripgrep')).rejects.toThrow(`${file} has schemaVersion 99, but this cratewatch reads 1`);
    await writeFile(file, JSON.stringify(scanResult('bat', '2025-06-01T12:00:00.000Z')));
    await expect(store.readLatest('ripgrep')).rejects.toThrow(`${file} holds the result of repository "bat"`);
    await writeFile(join(root, 'results/index.json'), '[]');
    await expect(store.readSummary()).rejects.toThrow(`${join(root, 'results/index.json')} is not a JSON object`);
  });

  it.each(['..', '.', '../outside', 'a/b', 'a\\b', '', 'name with space'])('refuses the repository name %j', async (name) => {
    await expect(store.write(scanResult(name, '2025-06-01T12:00:00.000Z'))).rejects.toThrow('cannot be a folder name');
    await expect(store.readLatest(name)).rejects.toThrow('cannot be a folder name');
    expect(existsSync(join(root, 'results'))).toBe(false);
  });

  it('refuses a scan time that cannot be a file name', async () => {
    await expect(store.write(scanResult('bat', '../../2025'))).rejects.toThrow('is not an ISO 8601 time');
  });

  it('keeps the previous latest when a write fails', async () => {
    const first = scanResult('bat', '2025-06-01T12:00:00.000Z', ['first']);
    await store.write(first);
    // A result that cannot be serialised fails before any file is touched...
    const unserialisable = { ...scanResult('bat', '2025-06-02T12:00:00.000Z'), counts: { findings: 1n } } as unknown as ScanResult;
    await expect(store.write(unserialisable)).rejects.toThrow(/BigInt/);
    // ...and one whose history cannot be written (a file where the folder should be) never reaches latest.
    await rm(join(root, 'results/bat/history'), { recursive: true });
    await writeFile(join(root, 'results/bat/history'), 'not a folder');
    await expect(store.write(scanResult('bat', '2025-06-03T12:00:00.000Z', ['third']))).rejects.toThrow();
    expect(await store.readLatest('bat')).toEqual(first);
    expect((await filesUnder(root)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('shows readers only whole files, and keeps latest.json whole when the writer is killed', async () => {
    // A real crash: a child process writes 4 MiB results in a loop while this process
    // reads latest.json as fast as it can, then the child is SIGKILLed at a different
    // moment each round; every read, latest.json and every history file parse.
    const script = `
      import { FsResultStore } from ${JSON.stringify(STORE_MODULE)};
      const store = new FsResultStore(process.env.STORE_ROOT);
      const filler = 'x'.repeat(4 << 20);
      for (let i = 1; ; i++) {
        const at = new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString();
        await store.write({ schemaVersion: 1, repository: { name: 'big' }, scannedAt: at, errors: [String(i), filler] });
        process.stdout.write(i + '\\n');
      }`;
    let reads = 0;
    for (const readForMs of [0, 100, 250, 400]) {
      const dir = join(root, `crash-${readForMs}`);
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, STORE_ROOT: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const latestFile = join(dir, 'results/big/latest.json');
      let written = 0;
      try {
        await new Promise<void>((resolve, reject) => {
          child.once('error', reject);
          void exited.then((code) => reject(new Error(`the writer exited by itself with ${String(code)}`)));
          child.stdout.on('data', (chunk: Buffer) => {
            written = Math.max(written, ...chunk.toString().trim().split('\n').map(Number));
            if (written >= 2) resolve();
          });
        });
        for (const until = Date.now() + readForMs; Date.now() < until; reads++) {
          expect(JSON.parse(await readFile(latestFile, 'utf8'))).toHaveProperty('errors');
        }
      } finally {
        child.kill('SIGKILL');
        await exited;
      }

      const latest = JSON.parse(await readFile(latestFile, 'utf8')) as ScanResult;
      expect(Number(latest.errors[0])).toBeGreaterThanOrEqual(written);
      expect(latest.errors[1]).toHaveLength(4 << 20);
      const history = (await readdir(join(dir, 'results/big/history'))).filter((f) => f.endsWith('.json'));
      expect(history.length).toBeGreaterThanOrEqual(written);
      for (const f of history) expect(JSON.parse(await readFile(join(dir, 'results/big/history', f), 'utf8'))).toHaveProperty('errors');
    }
    expect(reads).toBeGreaterThan(20);
  });
});

describe('FsResultStore cache', () => {
  const binary = new Uint8Array(Array.from({ length: 512 }, (_, i) => (i * 7) % 256));
  const response: CachedResponse = { etag: 'W/"abc"', lastModified: 'Sun, 01 Jun 2025 12:00:00 GMT', fetchedAt: '2025-06-01T12:00:00.000Z', body: binary };

  it('reads back a binary body and its validators', async () => {
    expect(await store.cache.get('index/se/rd/serde')).toBeUndefined();
    await store.cache.put('index/se/rd/serde', response);
    expect(await store.cache.get('index/se/rd/serde')).toEqual(response);
    expect(new Uint8Array(await readFile(join(root, 'cache/index/se/rd/serde.body')))).toEqual(binary);
    expect(JSON.parse(await readFile(join(root, 'cache/index/se/rd/serde.json'), 'utf8'))).toMatchObject({ etag: 'W/"abc"', size: 512 });
  });

  it('replaces an entry and keeps null validators', async () => {
    await store.cache.put('advisory-db/archive', response);
    const newer: CachedResponse = { etag: null, lastModified: null, fetchedAt: '2025-06-02T12:00:00.000Z', body: new Uint8Array([0, 255, 0]) };
    await store.cache.put('advisory-db/archive', newer);
    expect(await store.cache.get('advisory-db/archive')).toEqual(newer);
    expect(await store.cache.get('advisory-db')).toBeUndefined();
  });

  it('turns a host:port key into a portable file name', async () => {
    await store.cache.put('index/127.0.0.1:8080/3/a/abc', response);
    expect(await store.cache.get('index/127.0.0.1:8080/3/a/abc')).toEqual(response);
    expect(existsSync(join(root, 'cache/index/127.0.0.1%3A8080/3/a/abc.body'))).toBe(true);
  });

  it('reads a damaged or half-replaced entry as a miss', async () => {
    await store.cache.put('index/se/rd/serde', response);
    await writeFile(join(root, 'cache/index/se/rd/serde.body'), 'a body from another write');
    expect(await store.cache.get('index/se/rd/serde')).toBeUndefined();
    await store.cache.put('index/se/rd/serde', response);
    await writeFile(join(root, 'cache/index/se/rd/serde.json'), '{"etag":');
    expect(await store.cache.get('index/se/rd/serde')).toBeUndefined();
  });

  it.each(['../escape', 'index/../../escape', '/etc/passwd', '', 'a//b', 'a/./b', 'a/..', 'nul\0byte'])('refuses the key %j', async (key) => {
    await expect(store.cache.put(key, response)).rejects.toThrow('is not a relative path of plain segments');
    await expect(store.cache.get(key)).rejects.toThrow('is not a relative path of plain segments');
    expect(existsSync(join(root, 'cache'))).toBe(false);
    expect(await readdir(join(root, '..'))).not.toContain('escape');
  });
});
