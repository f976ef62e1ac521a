// The scan pipeline in-process with real local parts (a folder of repositories, the fixture
// database, the filesystem object store), across runs: the alert ledger delivers every due
// alert exactly once, finding identity ignores the version, a failed store write is recorded
// without stopping the run, and two overlapping runs neither corrupt the store nor alert twice.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../functions/adapters/fs-object-store.ts';
import { LocalRepoSource } from '../../functions/adapters/local-repo-source.ts';
import { LocalAdvisoryDbSource } from '../../functions/adapters/rustsec-archive.ts';
import { ObjectHttpCache } from '../../functions/app/object-http-cache.ts';
import { LEDGER_KEY, ResultStore } from '../../functions/app/result-store.ts';
import { runScan, type LocalRunDeps, type ScanSettings } from '../../functions/app/scan-pipeline.ts';
import type { AlertLedger } from '../../functions/core/alert-ledger.ts';
import { AlertDeliveryError, StoreError } from '../../functions/core/errors.ts';
import type { Alert, Alerter, ObjectStore, PutOptions, RepoConfig, StoredObject } from '../../functions/core/ports.ts';
import type { ScanResult } from '../../functions/core/result.ts';
import { FIXTURE_DB, fixtureText } from '../helpers/fixtures.ts';

let dir: string;
let clock: number;

const repo = (name: string): RepoConfig => ({
  name,
  location: { kind: 'path', path: join(dir, name) },
  ref: null,
  lockfiles: null,
  manifests: null,
  ignores: [],
  deny: [],
});

/** Records what it accepted; fails the first `failures` sends. */
class RecordingAlerter implements Alerter {
  readonly delivered: Alert[][] = [];
  attempts = 0;
  failures: number;
  constructor(failures = 0) {
    this.failures = failures;
  }
  async send(alerts: readonly Alert[]): Promise<void> {
    this.attempts++;
    if (this.attempts <= this.failures) throw new Error(`topic unavailable (attempt ${this.attempts})`);
    this.delivered.push([...alerts]);
  }
  get names(): string[] {
    return this.delivered.flat().map((a) => `${a.repository} ${a.finding.package.name} ${a.finding.advisory?.id}`).sort();
  }
}

/** The real filesystem store, with puts whose key matches `failPut` failing as a broken disk or bucket would. */
class FaultyStore implements ObjectStore {
  readonly inner: FsObjectStore;
  failPut: RegExp | null = null;
  constructor(inner: FsObjectStore) {
    this.inner = inner;
  }
  get location() {
    return this.inner.location;
  }
  get(key: string): Promise<StoredObject | undefined> {
    return this.inner.get(key);
  }
  async put(key: string, body: Uint8Array | string, options: PutOptions): Promise<string> {
    if (this.failPut?.test(key)) throw new StoreError(`${key}: InternalError (injected)`, key);
    return this.inner.put(key, body, options);
  }
  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
}

function deps(alerter: Alerter, objects: ObjectStore = new FsObjectStore(join(dir, 'out'))): LocalRunDeps {
  const now = () => new Date(clock);
  return {
    advisorySource: new LocalAdvisoryDbSource(FIXTURE_DB),
    dbLocation: FIXTURE_DB,
    index: null,
    repoSources: { path: new LocalRepoSource({ maxFileBytes: 1_000_000 }) },
    store: new ResultStore(objects),
    cache: new ObjectHttpCache(objects, now),
    alerter,
    // Every read of the clock moves it on a second, so each run has its own scan times.
    now: () => new Date((clock += 1000)),
  };
}

const settings = (repositories: RepoConfig[], configured = repositories): ScanSettings => ({
  repositories,
  configured,
  alerts: { threshold: 'critical', unscored: false },
  concurrency: 2,
});

async function lockApp(name: string, hyperVersion: string | null): Promise<void> {
  await mkdir(join(dir, name), { recursive: true });
  let text = fixtureText('v3.Cargo.lock');
  if (hyperVersion) text = text.replace('version = "0.14.27"', `version = "${hyperVersion}"`);
  await writeFile(join(dir, name, 'Cargo.lock'), text);
}

async function ledger(): Promise<AlertLedger> {
  return JSON.parse(await readFile(join(dir, 'out', LEDGER_KEY), 'utf8')) as AlertLedger;
}

async function historyOf(name: string): Promise<ScanResult[]> {
  const folder = join(dir, 'out', 'results', name, 'history');
  const files = (await readdir(folder)).sort();
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(folder, f), 'utf8')) as ScanResult));
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-pipeline-'));
  clock = Date.parse('2099-06-01T00:00:00Z');
  await lockApp('app', null);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runScan alerts through the ledger', () => {
  it('retries a failed send within the run and delivers the critical hyper finding once', async () => {
    const alerter = new RecordingAlerter(2);
    const outcome = await runScan(settings([repo('app')]), deps(alerter));
    expect(alerter.attempts).toBe(3);
    expect(alerter.names).toEqual(['app hyper RUSTSEC-2099-0001']);
    expect(outcome.alertFailure).toBeNull();
    expect(outcome.status).toBe('failing');
    expect(Object.values((await ledger()).delivered).map((e) => [e.repository, e.crate, e.id, e.version])).toEqual([['app', 'hyper', 'RUSTSEC-2099-0001', '0.14.27']]);
  });

  it('delivers in run 2 exactly the alerts run 1 could not, and nothing in run 3', async () => {
    const down = new RecordingAlerter(99);
    const first = await runScan(settings([repo('app')]), deps(down));
    expect(first.alertFailure).toBe('1 alert(s) could not be delivered after 3 attempts: topic unavailable (attempt 3) (the next run tries again)');
    expect(first.status).toBe('incomplete');
    expect(down.delivered).toEqual([]);
    expect((await ledger()).delivered).toEqual({});
    expect((await ledger()).claims).toEqual([]);

    const up = new RecordingAlerter();
    const second = await runScan(settings([repo('app')]), deps(up));
    expect(up.names).toEqual(['app hyper RUSTSEC-2099-0001']);
    expect(second.status).toBe('failing');

    const quiet = new RecordingAlerter();
    await runScan(settings([repo('app')]), deps(quiet));
    expect(quiet.attempts).toBe(0);
  });

  it('records only the alerts a partly failed delivery got through, and sends the rest next time', async () => {
    await lockApp('other', null);
    let calls = 0;
    const partial: Alerter = {
      async send(alerts) {
        calls++;
        throw new AlertDeliveryError('message 2 of 2 failed', alerts.filter((a) => a.repository === 'app'));
      },
    };
    const first = await runScan({ ...settings([repo('app'), repo('other')]), alerts: { threshold: 'critical', unscored: false } }, { ...deps(partial), alertAttempts: 1 });
    expect(calls).toBe(1);
    expect(first.delivered.map((a) => a.repository)).toEqual(['app']);
    expect(Object.values((await ledger()).delivered).map((e) => e.repository)).toEqual(['app']);
    const next = new RecordingAlerter();
    await runScan(settings([repo('app'), repo('other')]), deps(next));
    expect(next.names).toEqual(['other hyper RUSTSEC-2099-0001']);
  });

  it('neither resolves nor re-alerts hyper when 0.14.27 is bumped to 0.14.26, still inside the affected range', async () => {
    await runScan(settings([repo('app')]), deps(new RecordingAlerter()));
    await lockApp('app', '0.14.26');
    const alerter = new RecordingAlerter();
    const outcome = await runScan(settings([repo('app')]), deps(alerter));
    expect(alerter.attempts).toBe(0);
    const diff = outcome.results[0]!.diff;
    expect(diff.new.filter((r) => r.package.name === 'hyper')).toEqual([]);
    expect(diff.resolved.filter((r) => r.package.name === 'hyper')).toEqual([]);
    const hyper = outcome.results[0]!.lockfiles[0]!.findings.find((f) => f.package.name === 'hyper')!;
    expect(hyper.package.version).toBe('0.14.26');
  });

  it('alerts again when a resolved finding comes back', async () => {
    await runScan(settings([repo('app')]), deps(new RecordingAlerter()));
    await lockApp('app', '0.14.28');
    const fixed = await runScan(settings([repo('app')]), deps(new RecordingAlerter()));
    expect(fixed.results[0]!.diff.resolved.map((r) => `${r.package.name} ${r.id}`)).toContain('hyper RUSTSEC-2099-0001');
    expect(Object.keys((await ledger()).delivered)).toEqual([]);
    await lockApp('app', '0.14.27');
    const back = new RecordingAlerter();
    await runScan(settings([repo('app')]), deps(back));
    expect(back.names).toEqual(['app hyper RUSTSEC-2099-0001']);
  });

  it('keeps the ledger entry of a lockfile that could not be read, so the finding does not alert again when it parses', async () => {
    await runScan(settings([repo('app')]), deps(new RecordingAlerter()));
    await writeFile(join(dir, 'app', 'Cargo.lock'), 'version = 3\n[[package]]\nname = "broken"\n');
    const unreadable = await runScan(settings([repo('app')]), deps(new RecordingAlerter()));
    expect(unreadable.results[0]!.lockfiles.map((l) => [l.path, l.errors.length])).toEqual([['Cargo.lock', 1]]);
    expect(Object.values((await ledger()).delivered).map((e) => e.crate)).toEqual(['hyper']);
    await lockApp('app', null);
    const again = new RecordingAlerter();
    await runScan(settings([repo('app')]), deps(again));
    expect(again.attempts).toBe(0);
  });

  it('carries over what a cratewatch from before the ledger alerted: only findings new since then alert', async () => {
    const first = await runScan(settings([repo('app')]), deps(new RecordingAlerter()));
    await rm(join(dir, 'out', LEDGER_KEY));
    // The stored result as cratewatch 0.1.0 (no ledger; it alerted findings when they were new) left it.
    const latestFile = join(dir, 'out', 'results', 'app', 'latest.json');
    const latest = JSON.parse(await readFile(latestFile, 'utf8')) as ScanResult;
    await writeFile(latestFile, JSON.stringify({ ...latest, tool: { name: 'cratewatch', version: '0.1.0' } }));
    await lockApp('newcomer', null);
    const migrated = new RecordingAlerter();
    await runScan(settings([repo('app'), repo('newcomer')]), deps(migrated));
    expect(migrated.names).toEqual(['newcomer hyper RUSTSEC-2099-0001']);
    expect(Object.values((await ledger()).delivered).map((e) => [e.repository, e.deliveredAt === first.results[0]!.scannedAt])).toEqual([
      ['app', true],
      ['newcomer', false],
    ]);
  });

  it('alerts every open finding when a first run with the ledger died before writing it', async () => {
    await runScan(settings([repo('app')]), deps(new RecordingAlerter()));
    await rm(join(dir, 'out', LEDGER_KEY));
    const next = new RecordingAlerter();
    await runScan(settings([repo('app')]), deps(next));
    expect(next.names).toEqual(['app hyper RUSTSEC-2099-0001']);
  });

  it('leaves alerts claimed by a live run alone, and takes over those of a run known to be dead', async () => {
    const objects = new FsObjectStore(join(dir, 'out'));
    const store = new ResultStore(objects);
    const claimed: AlertLedger = {
      ledgerVersion: 1,
      updatedAt: '2099-06-01T00:00:00.000Z',
      delivered: {},
      claims: [{ runId: 'other-run', owner: 'host:42', claimedAt: '2099-06-01T00:00:00.000Z', keys: ['app\u0000Cargo.lock\u0000vulnerability\u0000RUSTSEC-2099-0001\u0000hyper'] }],
    };
    await store.writeLedger(claimed, null);
    const waiting = new RecordingAlerter();
    await runScan(settings([repo('app')]), { ...deps(waiting, objects), ownerAlive: () => true });
    expect(waiting.attempts).toBe(0);
    const takeover = new RecordingAlerter();
    await runScan(settings([repo('app')]), { ...deps(takeover, objects), ownerAlive: (owner) => (owner === 'host:42' ? false : undefined) });
    expect(takeover.names).toEqual(['app hyper RUSTSEC-2099-0001']);
    expect((await ledger()).claims).toEqual([]);
  });

  it('delivers each alert once when two runs overlap on one store', async () => {
    for (const name of ['a', 'b', 'c', 'd']) await lockApp(name, null);
    const repos = ['a', 'b', 'c', 'd'].map(repo);
    const one = new RecordingAlerter();
    const two = new RecordingAlerter();
    const [x, y] = await Promise.all([runScan(settings(repos), deps(one)), runScan(settings(repos), deps(two))]);
    expect([...one.names, ...two.names].sort()).toEqual(['a', 'b', 'c', 'd'].map((n) => `${n} hyper RUSTSEC-2099-0001`));
    expect([x.status, y.status]).toEqual(['failing', 'failing']);
    for (const name of ['a', 'b', 'c', 'd']) {
      const history = await historyOf(name);
      expect(history).toHaveLength(2);
      const latest = JSON.parse(await readFile(join(dir, 'out', 'results', name, 'latest.json'), 'utf8')) as ScanResult;
      expect(latest.scannedAt).toBe(history.map((h) => h.scannedAt).sort().at(-1));
    }
  });
});

describe('runScan stores every repository or records why not', () => {
  it('records a repository whose result cannot be stored, and still summarises and alerts the others', async () => {
    await lockApp('other', null);
    const objects = new FaultyStore(new FsObjectStore(join(dir, 'out')));
    objects.failPut = /^results\/app\//;
    const alerter = new RecordingAlerter();
    const outcome = await runScan(settings([repo('app'), repo('other')]), deps(alerter, objects));
    expect(outcome.status).toBe('incomplete');
    const app = outcome.outcomes.find((o) => o.repo === 'app')!;
    expect([app.stored, app.status, app.key]).toEqual([false, 'error', null]);
    expect(app.error).toMatch(/^the result could not be stored in .*: results\/app\/history\/2099-06-01T00-00-0\d\.000Z\.json: InternalError \(injected\)$/);
    expect(outcome.summary.repositories.map((r) => [r.name, r.status])).toEqual([
      ['app', 'error'],
      ['other', 'failing'],
    ]);
    expect(alerter.names).toEqual(['other hyper RUSTSEC-2099-0001']);

    // The disk is mended: the next run stores app and alerts it, and nothing twice.
    objects.failPut = null;
    const mended = new RecordingAlerter();
    const next = await runScan(settings([repo('app'), repo('other')]), deps(mended, objects));
    expect(next.status).toBe('failing');
    expect(mended.names).toEqual(['app hyper RUSTSEC-2099-0001']);
  });

  it('keeps the history and a consistent latest when a run dies between the history object and latest.json', async () => {
    const objects = new FaultyStore(new FsObjectStore(join(dir, 'out')));
    const latestFile = join(dir, 'out', 'results', 'app', 'latest.json');
    const first = await runScan(settings([repo('app')]), deps(new RecordingAlerter(), objects));
    objects.failPut = /latest\.json$/;
    const dying = await runScan(settings([repo('app')]), deps(new RecordingAlerter(), objects));
    // The history object was written, latest.json was not: it is still the first run's, whole.
    expect(dying.outcomes.map((o) => [o.repo, o.stored])).toEqual([['app', false]]);
    expect((await historyOf('app')).map((h) => h.scannedAt)).toEqual([first.results[0]!.scannedAt, dying.results[0]!.scannedAt]);
    expect((JSON.parse(await readFile(latestFile, 'utf8')) as ScanResult).scannedAt).toBe(first.results[0]!.scannedAt);
    objects.failPut = null;
    const third = await runScan(settings([repo('app')]), deps(new RecordingAlerter(), objects));
    const history = await historyOf('app');
    expect(history).toHaveLength(3);
    const latest = JSON.parse(await readFile(latestFile, 'utf8')) as ScanResult;
    expect(latest.scannedAt).toBe(third.results[0]!.scannedAt);
    expect(latest.scannedAt).toBe(history.at(-1)!.scannedAt);
  });

  it('finishes every other repository when one is missing', async () => {
    const outcome = await runScan(settings([repo('gone'), repo('app')]), deps(new RecordingAlerter()));
    expect(outcome.outcomes.map((o) => [o.repo, o.status, o.stored])).toEqual([
      ['gone', 'error', true],
      ['app', 'failing', true],
    ]);
    expect(outcome.summary.repositories.map((r) => r.name)).toEqual(['gone', 'app']);
    expect(outcome.status).toBe('incomplete');
  });

  it('reports a repository without lockfiles as scanned nothing, not clean', async () => {
    await mkdir(join(dir, 'empty'));
    const outcome = await runScan(settings([repo('empty')]), deps(new RecordingAlerter()));
    expect(outcome.results[0]!.status).toBe('scanned-nothing');
    expect(outcome.status).toBe('clean');
  });

  it('lists every configured repository in the summary, also those not scanned this time, and no others', async () => {
    await lockApp('other', null);
    await runScan(settings([repo('app'), repo('other')]), deps(new RecordingAlerter()));
    const subset = await runScan(settings([repo('app')], [repo('app'), repo('other')]), deps(new RecordingAlerter()));
    expect(subset.summary.repositories.map((r) => r.name)).toEqual(['app', 'other']);
    const dropped = await runScan(settings([repo('app')]), deps(new RecordingAlerter()));
    expect(dropped.summary.repositories.map((r) => r.name)).toEqual(['app']);
  });
});
