// The scan pipeline in-process with real local parts (a folder of repositories, the fixture
// database, the filesystem store): alerts are retried and never silently dropped, and one
// broken repository does not stop the others.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsResultStore } from '../../functions/adapters/fs-result-store.ts';
import { LocalRepoSource } from '../../functions/adapters/local-repo-source.ts';
import { LocalAdvisoryDbSource } from '../../functions/adapters/rustsec-archive.ts';
import { runScan, type ScanSettings } from '../../functions/app/scan-pipeline.ts';
import type { Alert, Alerter, RepoConfig } from '../../functions/core/ports.ts';
import { FIXTURE_DB, fixtureText } from '../helpers/fixtures.ts';

let dir: string;

const repo = (name: string): RepoConfig => ({
  name,
  location: { kind: 'path', path: join(dir, name) },
  ref: null,
  lockfiles: null,
  manifests: null,
  ignores: [],
  deny: [],
});

class FlakyAlerter implements Alerter {
  readonly delivered: Alert[][] = [];
  attempts = 0;
  private readonly failuresBeforeSuccess: number;
  constructor(failuresBeforeSuccess: number) {
    this.failuresBeforeSuccess = failuresBeforeSuccess;
  }
  async send(alerts: readonly Alert[]): Promise<void> {
    this.attempts++;
    if (this.attempts <= this.failuresBeforeSuccess) throw new Error(`topic unavailable (attempt ${this.attempts})`);
    this.delivered.push([...alerts]);
  }
}

function deps(alerter: Alerter) {
  return {
    advisorySource: new LocalAdvisoryDbSource(FIXTURE_DB),
    index: null,
    repoSources: { path: new LocalRepoSource({ maxFileBytes: 1_000_000 }) },
    store: new FsResultStore(join(dir, 'out')),
    alerter,
    now: () => new Date('2099-06-01T00:00:00Z'),
  };
}

const settings = (repositories: RepoConfig[]): ScanSettings => ({ repositories, alerts: { threshold: 'critical', unscored: false }, concurrency: 2 });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-pipeline-'));
  await mkdir(join(dir, 'app'));
  await writeFile(join(dir, 'app', 'Cargo.lock'), fixtureText('v3.Cargo.lock'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runScan', () => {
  it('retries a failed alert and delivers it', async () => {
    const alerter = new FlakyAlerter(2);
    const outcome = await runScan(settings([repo('app')]), deps(alerter));
    expect(alerter.attempts).toBe(3);
    expect(alerter.delivered[0]!.map((a) => `${a.repository} ${a.finding.package.name} ${a.finding.advisory?.id}`)).toEqual(['app hyper RUSTSEC-2099-0001']);
    expect(outcome.alertFailure).toBeNull();
    expect(outcome.exitCode).toBe(1);
  });

  it('reports alerts it could not deliver and exits 3 rather than dropping them', async () => {
    const alerter = new FlakyAlerter(99);
    const outcome = await runScan(settings([repo('app')]), deps(alerter));
    expect(outcome.alertFailure).toContain('1 alert(s) could not be delivered after 3 attempts: topic unavailable');
    expect(outcome.exitCode).toBe(3);
  });

  it('finishes every other repository when one is missing', async () => {
    const outcome = await runScan(settings([repo('gone'), repo('app')]), deps(new FlakyAlerter(0)));
    expect(outcome.results.map((r) => [r.repository.name, r.status])).toEqual([
      ['gone', 'error'],
      ['app', 'failing'],
    ]);
    expect(outcome.summary.repositories.map((r) => r.name).sort()).toEqual(['app', 'gone']);
    expect(outcome.exitCode).toBe(3);
  });

  it('reports a repository without lockfiles as scanned nothing, not clean', async () => {
    await mkdir(join(dir, 'empty'));
    const outcome = await runScan(settings([repo('empty')]), deps(new FlakyAlerter(0)));
    expect(outcome.results[0]!.status).toBe('scanned-nothing');
    expect(outcome.exitCode).toBe(0);
  });

  it('keeps the summary rows of configured repositories it did not scan this time', async () => {
    await mkdir(join(dir, 'other'));
    await writeFile(join(dir, 'other', 'Cargo.lock'), fixtureText('v3.Cargo.lock'));
    await runScan(settings([repo('app'), repo('other')]), deps(new FlakyAlerter(0)));
    const outcome = await runScan({ ...settings([repo('app')]), configuredNames: ['app', 'other'] }, deps(new FlakyAlerter(0)));
    expect(outcome.summary.repositories.map((r) => r.name).sort()).toEqual(['app', 'other']);
    const dropped = await runScan(settings([repo('app')]), deps(new FlakyAlerter(0)));
    expect(dropped.summary.repositories.map((r) => r.name)).toEqual(['app']);
  });
});
