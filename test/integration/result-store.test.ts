import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../functions/adapters/fs-object-store.ts';
import { ResultStore } from '../../functions/app/result-store.ts';
import { emptyLedger, type AlertLedger } from '../../functions/core/alert-ledger.ts';
import { PreconditionFailedError, StoreError } from '../../functions/core/errors.ts';
import type { ObjectStore } from '../../functions/core/ports.ts';
import { emptyCounts, SCHEMA_VERSION, type ScanResult, type SummaryIndex } from '../../functions/core/result.ts';
import { fsBackend, S3_ATTEMPTS, s3Backend, type TestStore } from '../helpers/object-store-backends.ts';
import { rejectionOf } from '../helpers/rejection.ts';

const WORKER = new URL('../helpers/result-store-worker.ts', import.meta.url).pathname;
const FS_STORE_MODULE = new URL('../../functions/adapters/fs-object-store.ts', import.meta.url).href;
const RESULT_STORE_MODULE = new URL('../../functions/app/result-store.ts', import.meta.url).href;
const JSON_TYPE = { contentType: 'application/json' };
const decoder = new TextDecoder();

const backends = [fsBackend(), s3Backend()];
const roots: string[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all([...backends.map((b) => b.close()), ...roots.map((root) => rm(root, { recursive: true, force: true }))]);
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

function ledgerWith(...keys: string[]): AlertLedger {
  const ledger = emptyLedger(new Date('2025-06-01T12:00:00.000Z'));
  for (const key of keys) {
    ledger.delivered[key] = { repository: 'ripgrep', lockfile: 'Cargo.lock', kind: 'vulnerability', id: key, crate: 'hyper', version: '0.14.27', severity: 'critical', deliveredAt: ledger.updatedAt };
  }
  return ledger;
}

async function readJsonObject(objects: ObjectStore, key: string): Promise<unknown> {
  const stored = await objects.get(key);
  return stored === undefined ? undefined : JSON.parse(decoder.decode(stored.body));
}

async function historyOf(objects: ObjectStore, name: string): Promise<string[]> {
  const prefix = `results/${name}/history/`;
  return (await objects.list(prefix)).map((key) => key.slice(prefix.length)).sort();
}

/** The `errors[0]` of every history file of `name`, by file name. */
async function historyTags(objects: ObjectStore, name: string): Promise<Record<string, string | undefined>> {
  const files = await historyOf(objects, name);
  const tags = await Promise.all(files.map(async (f) => ((await readJsonObject(objects, `results/${name}/history/${f}`)) as ScanResult).errors[0]));
  return Object.fromEntries(files.map((f, i) => [f, tags[i]]));
}

describe.each(backends)('ResultStore on the $name backend', (backend) => {
  async function newStore(): Promise<{ test: TestStore; store: ResultStore }> {
    const test = await backend.newStore();
    return { test, store: new ResultStore(test.objects) };
  }

  it('reads nothing and lists no repository before the first scan', async () => {
    const { store } = await newStore();
    expect(await store.readLatest('ripgrep')).toBeUndefined();
    expect(await store.readSummary()).toBeUndefined();
    expect(await store.readLedger()).toBeUndefined();
    expect(await store.listRepositories()).toEqual([]);
  });

  it('writes latest, history, summary and ledger in the documented layout as application/json, and reads them back', async () => {
    const { test, store } = await newStore();
    const result = scanResult('ripgrep', '2025-06-01T12:00:00.000Z', ['one problem']);
    const summary: SummaryIndex = { schemaVersion: SCHEMA_VERSION, generatedAt: '2025-06-01T12:01:00.000Z', repositories: [] };
    const historyKey = await store.write(result, null);
    await store.writeSummary(summary);
    const ledgerEtag = await store.writeLedger(ledgerWith('k1'), null);

    const keys = ['results/index.json', 'results/ripgrep/history/2025-06-01T12-00-00.000Z.json', 'results/ripgrep/latest.json', 'state/alert-ledger.json'];
    expect(historyKey).toBe('results/ripgrep/history/2025-06-01T12-00-00.000Z.json');
    expect((await test.raw.list('')).sort()).toEqual(keys);
    for (const key of keys) expect({ key, type: await test.contentTypeOf(key) }).toEqual({ key, type: 'application/json' });

    expect(await store.readLatest('ripgrep')).toEqual({ value: result, etag: (await test.raw.get('results/ripgrep/latest.json'))!.etag });
    expect(await readJsonObject(test.raw, historyKey)).toEqual(result);
    expect(await store.readSummary()).toEqual(summary);
    expect(await store.readLedger()).toEqual({ value: ledgerWith('k1'), etag: ledgerEtag });
  });

  it('keeps every scan in the history and the newest as latest when each run passes the version it read', async () => {
    const { test, store } = await newStore();
    for (const at of ['2025-06-01T00:00:00.000Z', '2025-06-02T00:00:00.000Z', '2025-06-03T00:00:00.000Z']) {
      await store.write(scanResult('bat', at), (await store.readLatest('bat'))?.etag ?? null);
    }
    expect(await historyOf(test.raw, 'bat')).toEqual(['2025-06-01T00-00-00.000Z.json', '2025-06-02T00-00-00.000Z.json', '2025-06-03T00-00-00.000Z.json']);
    expect((await store.readLatest('bat'))?.value.scannedAt).toBe('2025-06-03T00:00:00.000Z');
  });

  it('never overwrites history: the same scannedAt twice gives a "-1" file, keeps both and makes the second latest', async () => {
    const { test, store } = await newStore();
    const at = '2025-06-01T12:00:00.000Z';
    await store.write(scanResult('bat', at, ['first']), null);
    const previous = (await store.readLatest('bat'))!.etag;
    const secondKey = await store.write(scanResult('bat', at, ['second']), previous);

    expect(secondKey).toBe('results/bat/history/2025-06-01T12-00-00.000Z-1.json');
    expect(await historyTags(test.raw, 'bat')).toEqual({ '2025-06-01T12-00-00.000Z-1.json': 'second', '2025-06-01T12-00-00.000Z.json': 'first' });
    expect((await store.readLatest('bat'))?.value.errors).toEqual(['second']);
    // The taken name was refused by the store's create-only condition, not skipped by a read.
    expect(test.objects.putLog().slice(-3)).toEqual([
      'refused results/bat/history/2025-06-01T12-00-00.000Z.json',
      'ok results/bat/history/2025-06-01T12-00-00.000Z-1.json',
      'ok results/bat/latest.json',
    ]);
  });

  it('writes latest.json only after its history, and keeps the old latest, consistently versioned, when that write fails', async () => {
    const { test, store } = await newStore();
    const first = scanResult('bat', '2025-06-01T12:00:00.000Z', ['first']);
    await store.write(first, null);
    const before = (await store.readLatest('bat'))!;

    test.failNextPut('results/bat/latest.json');
    const error = await rejectionOf(store.write(scanResult('bat', '2025-06-02T12:00:00.000Z', ['second']), before.etag));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).key).toBe('results/bat/latest.json');
    expect(test.objects.putLog().slice(-2)).toEqual(['ok results/bat/history/2025-06-02T12-00-00.000Z.json', 'failed results/bat/latest.json']);
    expect(test.requests?.().filter((r) => r.method === 'PUT').map((r) => `${r.status} ${r.key}`).slice(-1 - S3_ATTEMPTS) ?? null).toEqual(
      backend.name === 's3' ? ['200 results/bat/history/2025-06-02T12-00-00.000Z.json', ...Array<string>(S3_ATTEMPTS).fill('500 results/bat/latest.json')] : null,
    );

    expect(await historyTags(test.raw, 'bat')).toEqual({ '2025-06-01T12-00-00.000Z.json': 'first', '2025-06-02T12-00-00.000Z.json': 'second' });
    expect(await store.readLatest('bat')).toEqual(before);
    expect((await test.raw.get('results/bat/latest.json'))?.etag).toBe(before.etag);

    // The next run, having read the same latest, replaces it.
    await store.write(scanResult('bat', '2025-06-03T12:00:00.000Z', ['third']), before.etag);
    expect((await store.readLatest('bat'))?.value.errors).toEqual(['third']);
  });

  it('never touches latest.json when the history write fails', async () => {
    const { test, store } = await newStore();
    await store.write(scanResult('bat', '2025-06-01T12:00:00.000Z', ['first']), null);
    const before = (await store.readLatest('bat'))!;

    test.failNextPut('results/bat/history/2025-06-02T12-00-00.000Z.json');
    const error = await rejectionOf(store.write(scanResult('bat', '2025-06-02T12:00:00.000Z', ['second']), before.etag));
    expect(error).toBeInstanceOf(StoreError);
    expect(test.objects.putLog().slice(-1)).toEqual(['failed results/bat/history/2025-06-02T12-00-00.000Z.json']);
    expect(await historyOf(test.raw, 'bat')).toEqual(['2025-06-01T12-00-00.000Z.json']);
    expect(await store.readLatest('bat')).toEqual(before);
  });

  it('writes nothing when the result cannot be serialised', async () => {
    const { test, store } = await newStore();
    const unserialisable = { ...scanResult('bat', '2025-06-02T12:00:00.000Z'), counts: { findings: 1n } } as unknown as ScanResult;
    await expect(store.write(unserialisable, null)).rejects.toThrow(/BigInt/);
    expect(test.objects.putLog()).toEqual([]);
    expect(await test.raw.list('')).toEqual([]);
  });

  it('lists, sorted, only the repositories that have a latest.json directly under results/', async () => {
    const { test, store } = await newStore();
    for (const name of ['zeta', 'alpha', 'mid.dle_1-x']) await store.write(scanResult(name, '2025-06-01T12:00:00.000Z'), null);
    await store.writeSummary({ schemaVersion: SCHEMA_VERSION, generatedAt: '2025-06-01T12:01:00.000Z', repositories: [] });
    await test.raw.put('results/orphan/history/2025-06-01T12-00-00.000Z.json', '{}', JSON_TYPE);
    await test.raw.put('results/nested/deeper/latest.json', '{}', JSON_TYPE);
    await test.raw.put('results/odd/latest.json.bak', '{}', JSON_TYPE);
    expect(await store.listRepositories()).toEqual(['alpha', 'mid.dle_1-x', 'zeta']);
  });

  it.each([
    ['the result of another repository', JSON.stringify(scanResult('bat', '2025-06-01T12:00:00.000Z')), 'holds the result of repository "bat", not "ripgrep"'],
    ['a result of another schemaVersion', JSON.stringify({ ...scanResult('ripgrep', '2025-06-01T12:00:00.000Z'), schemaVersion: 99 }), 'has schemaVersion 99, but this cratewatch reads 1'],
    ['a result without a repository', JSON.stringify({ ...scanResult('ripgrep', '2025-06-01T12:00:00.000Z'), repository: null }), 'holds the result of repository undefined, not "ripgrep"'],
    ['cut-off JSON', '{"schemaVersion": 1, "repos', 'is not valid JSON'],
    ['a JSON array', '[]', 'is not a JSON object'],
  ])('readLatest rejects %s with a StoreError naming the object', async (_what, text, problem) => {
    const { test, store } = await newStore();
    const key = 'results/ripgrep/latest.json';
    await test.raw.put(key, text, JSON_TYPE);
    const error = await rejectionOf(store.readLatest('ripgrep'));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).key).toBe(key);
    expect((error as StoreError).message).toContain(`${test.addressOf(key)} ${problem}`);
  });

  it('readSummary and readLedger reject documents of the wrong shape with a StoreError naming the object', async () => {
    const { test, store } = await newStore();
    await test.raw.put('results/index.json', JSON.stringify({ schemaVersion: SCHEMA_VERSION, generatedAt: 'x' }), JSON_TYPE);
    await test.raw.put('state/alert-ledger.json', JSON.stringify({ ...ledgerWith(), ledgerVersion: 7 }), JSON_TYPE);
    const summary = await rejectionOf(store.readSummary());
    const ledger = await rejectionOf(store.readLedger());
    expect([summary, ledger].map((e) => [e instanceof StoreError, (e as StoreError).key, (e as StoreError).message])).toEqual([
      [true, 'results/index.json', `${test.addressOf('results/index.json')} has no repositories list; move it away to start afresh`],
      [true, 'state/alert-ledger.json', `${test.addressOf('state/alert-ledger.json')} has ledgerVersion 7, but this cratewatch reads 1; move it away to start afresh`],
    ]);
  });

  it.each(['..', '.', '../outside', 'a/b', 'a\\b', '', 'name with space'])('refuses the repository name %j and writes nothing', async (name) => {
    const { test, store } = await newStore();
    await expect(store.write(scanResult(name, '2025-06-01T12:00:00.000Z'), null)).rejects.toThrow('cannot be a folder name');
    await expect(store.readLatest(name)).rejects.toThrow('cannot be a folder name');
    expect(await test.raw.list('')).toEqual([]);
  });

  it('refuses a scannedAt that cannot be an object name and writes nothing', async () => {
    const { test, store } = await newStore();
    await expect(store.write(scanResult('bat', '../../2025'), null)).rejects.toThrow('scannedAt "../../2025" is not an ISO 8601 time');
    expect(await test.raw.list('')).toEqual([]);
  });

  it.each([
    ['the newer result lands first', ['new', 'old']],
    ['the older result lands first', ['old', 'new']],
  ])('keeps both histories and the newer result as latest when two runs that read the same version race and %s', async (_case, order) => {
    const { test, store } = await newStore();
    await store.write(scanResult('axum', '2025-06-01T00:00:00.000Z', ['base']), null);
    const read = (await store.readLatest('axum'))!.etag;
    const results = { old: scanResult('axum', '2025-06-02T00:00:00.000Z', ['old']), new: scanResult('axum', '2025-06-03T00:00:00.000Z', ['new']) };
    const [firstTag, secondTag] = order as ['old' | 'new', 'old' | 'new'];

    await store.write(results[firstTag], read);
    const before = test.objects.operations.length;
    await store.write(results[secondTag], read);
    const secondPuts = test.objects.operations.slice(before).filter((o) => o.op === 'put').map((o) => `${o.outcome} ${o.key}`);

    expect(await historyTags(test.raw, 'axum')).toEqual({ '2025-06-01T00-00-00.000Z.json': 'base', '2025-06-02T00-00-00.000Z.json': 'old', '2025-06-03T00-00-00.000Z.json': 'new' });
    expect((await store.readLatest('axum'))?.value.errors).toEqual(['new']);
    const history = `results/axum/history/${results[secondTag].scannedAt.replaceAll(':', '-')}.json`;
    // The stale version is refused; only a newer result then replaces what the other run wrote.
    expect(secondPuts).toEqual(secondTag === 'new' ? [`ok ${history}`, 'refused results/axum/latest.json', 'ok results/axum/latest.json'] : [`ok ${history}`, 'refused results/axum/latest.json']);
  });

  it('keeps both histories and the newer result as latest when two runs write at the same time from the same version', async () => {
    const { test, store } = await newStore();
    await store.write(scanResult('axum', '2025-06-01T00:00:00.000Z', ['base']), null);
    const read = (await store.readLatest('axum'))!.etag;
    await Promise.all([store.write(scanResult('axum', '2025-06-03T00:00:00.000Z', ['new']), read), store.write(scanResult('axum', '2025-06-02T00:00:00.000Z', ['old']), read)]);
    expect(Object.values(await historyTags(test.raw, 'axum')).sort()).toEqual(['base', 'new', 'old']);
    expect((await store.readLatest('axum'))?.value.errors).toEqual(['new']);
  });

  it('loses no result when 8 first writes of the same scan time race', async () => {
    const { test, store } = await newStore();
    const at = '2025-06-01T12:00:00.000Z';
    const keys = await Promise.all(Array.from({ length: 8 }, (_, i) => store.write(scanResult('axum', at, [`run ${i}`]), null)));
    expect(new Set(keys).size).toBe(8);
    expect(Object.values(await historyTags(test.raw, 'axum')).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `run ${i}`));
    const latest = (await store.readLatest('axum'))!;
    expect(latest.value.errors[0]).toMatch(/^run [0-7]$/);
    expect(latest.etag).toBe((await test.raw.get('results/axum/latest.json'))!.etag);
  });

  it('writes the ledger only over the version read, refusing a stale or missing version with PreconditionFailedError', async () => {
    const { store } = await newStore();
    const first = await store.writeLedger(ledgerWith('k1'), null);
    const second = await store.writeLedger(ledgerWith('k1', 'k2'), first);
    expect(second).not.toBe(first);

    const stale = await rejectionOf(store.writeLedger(ledgerWith('k3'), first));
    const recreate = await rejectionOf(store.writeLedger(ledgerWith('k3'), null));
    expect([stale, recreate].map((e) => [e instanceof PreconditionFailedError, (e as PreconditionFailedError).key])).toEqual([
      [true, 'state/alert-ledger.json'],
      [true, 'state/alert-ledger.json'],
    ]);
    expect(await store.readLedger()).toEqual({ value: ledgerWith('k1', 'k2'), etag: second });
  });

  it('replaces the summary whole on every write, without a condition', async () => {
    const { test, store } = await newStore();
    await store.writeSummary({ schemaVersion: SCHEMA_VERSION, generatedAt: '2025-06-01T12:00:00.000Z', repositories: [] });
    await store.writeSummary({ schemaVersion: SCHEMA_VERSION, generatedAt: '2025-06-02T12:00:00.000Z', repositories: [] });
    expect((await store.readSummary())?.generatedAt).toBe('2025-06-02T12:00:00.000Z');
    expect(test.objects.operations.filter((o) => o.op === 'put').map((o) => o.condition)).toEqual([undefined, undefined]);
  });
});

async function newRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'cratewatch-results-'));
  roots.push(root);
  return root;
}

/** Spawns the Node running the tests; NODE_OPTIONS from the shell or the runner stays out. */
function spawnNode(args: string[], env: Record<string, string> = {}): ChildProcess {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_OPTIONS;
  const child = spawn(process.execPath, args, { env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.on('error', () => undefined);
  children.push(child);
  return child;
}

/** Everything a child printed, once it exited with 0. */
async function outputOf(child: ChildProcess): Promise<string> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`worker exited with ${String(code)}:\n${stderr}${stdout}`);
  return stdout;
}

describe('ResultStore on the filesystem, between processes', () => {
  it('keeps every history and the newest result as latest when 4 processes that read the same version write at once', async () => {
    const root = await newRoot();
    const store = new ResultStore(new FsObjectStore(root));
    await store.write(scanResult('axum', '2025-06-01T00:00:00.000Z', ['base']), null);
    const read = (await store.readLatest('axum'))!.etag;

    const writers = [
      ['2025-06-02T00:00:00.000Z', 'p1'],
      ['2025-06-04T00:00:00.000Z', 'p4'],
      ['2025-06-03T00:00:00.000Z', 'p3a'],
      ['2025-06-03T00:00:00.000Z', 'p3b'],
    ].map(([at, tag]) => spawnNode([WORKER, root, 'axum', at!, read, tag!]));
    const outputs = writers.map((child) => outputOf(child));
    // Each prints "ready" first; the go line reaches them all at about the same moment.
    await Promise.all(writers.map((child) => once(child.stdout!, 'data')));
    for (const child of writers) child.stdin!.write('go\n');
    const keys = (await Promise.all(outputs)).map((out) => (JSON.parse(out.trim().split('\n').at(-1)!) as { historyKey: string }).historyKey);

    const tags = await historyTags(new FsObjectStore(root), 'axum');
    expect(Object.keys(tags)).toEqual([
      '2025-06-01T00-00-00.000Z.json',
      '2025-06-02T00-00-00.000Z.json',
      '2025-06-03T00-00-00.000Z-1.json',
      '2025-06-03T00-00-00.000Z.json',
      '2025-06-04T00-00-00.000Z.json',
    ]);
    expect(Object.values(tags).sort()).toEqual(['base', 'p1', 'p3a', 'p3b', 'p4']);
    expect(keys.map((key) => tags[key.slice('results/axum/history/'.length)])).toEqual(['p1', 'p4', 'p3a', 'p3b']);
    expect((await store.readLatest('axum'))?.value.errors).toEqual(['p4']);
    const leftovers = (await readdir(root, { recursive: true })).filter((f) => /\.(?:tmp|lock|lock-break)$/.test(f));
    expect(leftovers).toEqual([]);
  });

  it('shows readers only whole files, and keeps latest.json whole when the writer is killed', async () => {
    // A real crash: a child process writes 4 MiB results in a loop while this process
    // reads latest.json a set number of times, then the child is SIGKILLed: a different
    // moment each round, counted in reads rather than measured on the clock, so a slow
    // machine kills no earlier; every read, latest.json and every history file parse.
    const script = `
      import { FsObjectStore } from ${JSON.stringify(FS_STORE_MODULE)};
      import { ResultStore } from ${JSON.stringify(RESULT_STORE_MODULE)};
      const store = new ResultStore(new FsObjectStore(process.env.STORE_ROOT));
      const filler = 'x'.repeat(4 << 20);
      for (let i = 1; ; i++) {
        const at = new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString();
        const previous = (await store.readLatest('big'))?.etag ?? null;
        await store.write({ schemaVersion: 1, repository: { name: 'big' }, scannedAt: at, errors: [String(i), filler] }, previous);
        process.stdout.write(i + '\\n');
      }`;
    const root = await newRoot();
    for (const readsBeforeKill of [0, 10, 40, 100]) {
      const dir = join(root, `crash-${readsBeforeKill}`);
      const child = spawnNode(['--input-type=module', '-e', script], { STORE_ROOT: dir });
      const exited = once(child, 'exit');
      const latestFile = join(dir, 'results/big/latest.json');
      let written = 0;
      try {
        await new Promise<void>((resolve, reject) => {
          child.once('error', reject);
          void exited.then(([code]) => reject(new Error(`the writer exited by itself with ${String(code)}`)));
          child.stdout!.on('data', (chunk: Buffer) => {
            written = Math.max(written, ...chunk.toString().trim().split('\n').map(Number));
            if (written >= 2) resolve();
          });
        });
        for (let read = 0; read < readsBeforeKill; read++) {
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
  });
});
