// A scan of local repositories with every check of a repository wired in, through the real
// configuration, source wiring and pipeline: a workspace with a Dockerfile and a
// rust-toolchain.toml (scopes, pinning, toolchains against loopback channel and registry
// servers), a workspace with duplicates (explained from a loopback sparse index, under a
// duplicate policy), a repository with manifests only (the manifest-only scan), the same
// offline (nothing asked: "not checked"), and `[alerts] include_dev = false`.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../functions/adapters/fs-object-store.ts';
import { loadConfig } from '../../functions/app/config.ts';
import { ObjectHttpCache } from '../../functions/app/object-http-cache.ts';
import { ResultStore } from '../../functions/app/result-store.ts';
import { runScan, type ScanOutcome } from '../../functions/app/scan-pipeline.ts';
import { alertableFindings } from '../../functions/core/alert-ledger.ts';
import type { Alert, Alerter } from '../../functions/core/ports.ts';
import type { ScanResult } from '../../functions/core/result.ts';
import { buildScanSources } from '../../functions/wiring/scan-sources.ts';
import { startDockerRegistryServer, type DockerRegistryServer } from '../helpers/docker-registry-server.ts';
import { FIXTURE_DB, FIXTURES, fixtureText } from '../helpers/fixtures.ts';
import { startIndexServer, type IndexServer } from '../helpers/index-server.ts';
import { listenOnLoopback } from '../helpers/listen.ts';
import { assertValidResult } from '../helpers/result-schema.ts';
import { WORKSPACES } from '../helpers/workspace-fixtures.ts';

const DOCKERFILE = 'FROM rust:1.75-alpine AS build\nRUN cargo build --release\n\nFROM postgres:16.0-alpine\n';
const TOOLCHAIN = '[toolchain]\nchannel = "1.75.0"\n';

class RecordingAlerter implements Alerter {
  readonly delivered: Alert[] = [];
  async send(alerts: readonly Alert[]): Promise<void> {
    this.delivered.push(...alerts);
  }
}

let dir: string;
let index: IndexServer;
let registry: DockerRegistryServer;
let channel: Server;
let channelUrl: string;
let channelRequests = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-checks-'));
  // A workspace with a lockfile, a Dockerfile and a toolchain file.
  await cp(join(WORKSPACES, 'scoped'), join(dir, 'work'), { recursive: true });
  await writeFile(join(dir, 'work', 'Dockerfile'), DOCKERFILE);
  await writeFile(join(dir, 'work', 'rust-toolchain.toml'), TOOLCHAIN);
  // A workspace whose lockfile locks duplicates.
  await cp(join(WORKSPACES, 'duplicates'), join(dir, 'dups'), { recursive: true });
  await writeFile(join(dir, 'dups', 'Cargo.lock'), fixtureText('duplicates-workspace.Cargo.lock'));
  // The same workspace as `work`, without its lockfile.
  await cp(join(WORKSPACES, 'scoped'), join(dir, 'bare'), { recursive: true });
  await rm(join(dir, 'bare', 'Cargo.lock'));
  await rm(join(dir, 'bare', 'README.md'));

  const indexFile = (path: string) => readFile(join(FIXTURES, 'duplicates-index', path), 'utf8');
  index = await startIndexServer({
    'ht/tp/http-body': await indexFile('ht/tp/http-body'),
    'to/we/tower-http': await indexFile('to/we/tower-http'),
    'ol/d-/old-client': await indexFile('ol/d-/old-client'),
    // Index lines as crates.io writes them: `=0.14.27` admits only the first.
    'hy/pe/hyper': ['0.14.27', '0.14.28', '1.3.1'].map((vers) => `${JSON.stringify({ name: 'hyper', vers, deps: [], cksum: 'a'.repeat(64), features: {}, yanked: false })}\n`).join(''),
  });
  registry = await startDockerRegistryServer({
    'library/rust': ['1.75-alpine', '1.94-alpine', '1.95-alpine'],
    'library/postgres': ['16.0-alpine', '16.4-alpine', '17.2-alpine'],
  });
  channel = createServer((req, res) => {
    channelRequests++;
    if (req.url === '/dist/channel-rust-stable.toml') res.writeHead(200, { 'content-type': 'application/toml' }).end(fixtureText('../toolchains/channel-rust-stable.toml'));
    else res.writeHead(404).end();
  });
  channelUrl = `${await listenOnLoopback(channel)}/dist/channel-rust-stable.toml`;
});

afterAll(async () => {
  await index.close();
  await registry.close();
  await new Promise<void>((resolve) => channel.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

function configText(extra = ''): string {
  return `[sources]
advisory_db = "${FIXTURE_DB}"
index = "${index.url}"
rust_channel = "${channelUrl}"

[sources.registries]
"docker.io" = "${registry.url}"

[toolchains]
max_releases_behind = 6

[alerts]
threshold = "low"
${extra}

[[repositories]]
name = "work"
path = "work"

[[repositories]]
name = "dups"
path = "dups"

[[repositories.duplicates]]
name = "syn"
reason = "proc macros move on their own schedule"

[[repositories.duplicates]]
name = "nothing-here"
reason = "left over from an old lockfile"

[[repositories]]
name = "bare"
path = "bare"
`;
}

async function scan(out: string, options: { offline?: boolean; extra?: string } = {}): Promise<{ outcome: ScanOutcome; alerter: RecordingAlerter; byName: (name: string) => ScanResult }> {
  const config = loadConfig(configText(options.extra), join(dir, 'cratewatch.toml'));
  const repositories = config.repositories.map((r) => (r.location.kind === 'path' ? { ...r, location: { kind: 'path' as const, path: join(dir, r.location.path) } } : r));
  const objects = new FsObjectStore(join(dir, out));
  const cache = new ObjectHttpCache(objects, () => new Date());
  const sources = buildScanSources(config, { cache, offline: options.offline ?? false, baseDir: dir, warn: () => undefined });
  const alerter = new RecordingAlerter();
  const outcome = await runScan(
    { repositories, configured: repositories, alerts: config.alerts, concurrency: 2 },
    { ...sources, store: new ResultStore(objects), cache, alerter, now: () => new Date('2026-05-01T06:00:00Z') },
  );
  const byName = (name: string) => outcome.results.find((r) => r.repository.name === name)!;
  return { outcome, alerter, byName };
}

describe('a scan with every repository check', () => {
  let run: Awaited<ReturnType<typeof scan>>;
  beforeAll(async () => {
    run = await scan('online');
  });

  it('stores results that match the schema, with pinning and toolchains on every repository that has manifests', () => {
    for (const result of run.outcome.results) assertValidResult(result);
    expect(run.outcome.results.map((r) => [r.repository.name, r.pinning?.map((p) => p.root), r.toolchains !== undefined])).toEqual([
      ['work', ['Cargo.toml'], true],
      ['dups', ['Cargo.toml'], true],
      ['bare', ['Cargo.toml'], true],
    ]);
  });

  it('gives each finding its scope from the workspace beside the lockfile', () => {
    const findings = run.byName('work').lockfiles[0]!.findings;
    const scopeOf = (crate: string) => findings.find((f) => f.package.name === crate)?.scope;
    expect(scopeOf('time')).toEqual({ scope: 'dev', members: ['app'], targets: null });
    expect(scopeOf('hyper')).toEqual({ scope: 'normal', members: ['app'], targets: null });
  });

  it('checks the rust-toolchain.toml, the FROM rust line and rust-version against the channel, and the postgres image against the registry', () => {
    const toolchains = run.byName('work').toolchains!;
    expect(toolchains.latestStable).toEqual({ version: '1.95.0', date: '2026-04-16' });
    expect(toolchains.findings.map(({ kind, file, line, current, flagged, newValue }) => ({ kind, file, line, current, flagged, newValue }))).toEqual(
      expect.arrayContaining([
        { kind: 'rust-toolchain', file: 'rust-toolchain.toml', line: 2, current: '1.75.0', flagged: true, newValue: '1.95.0' },
        { kind: 'rust-image', file: 'Dockerfile', line: 1, current: '1.75-alpine', flagged: true, newValue: '1.95-alpine' },
        { kind: 'base-image', file: 'Dockerfile', line: 4, current: '16.0-alpine', flagged: true, newValue: '17.2-alpine' },
        { kind: 'rust-version', file: 'Cargo.toml', line: expect.any(Number), current: '1.74', flagged: true, newValue: '1.95' },
      ]),
    );
    // Flagged toolchains make a repository warn at least; its critical hyper finding makes it fail.
    expect(run.byName('work').status).toBe('failing');
    // The channel manifest is read once for the whole run.
    expect(channelRequests).toBe(1);
  });

  it('explains the duplicates from the index, applies the configured allowances and flags the one matching nothing', () => {
    const lockfile = run.byName('dups').lockfiles[0]!;
    expect(lockfile.duplicatesExplained!.map((d) => [d.name, d.disappear])).toEqual([
      ['http', 2],
      ['smallvec', 1],
    ]);
    expect(lockfile.duplicates.map((d) => d.name)).toEqual(['http', 'smallvec']);
    expect(lockfile.counts.duplicates).toBe(2);
    const http = lockfile.duplicatesExplained![0]!;
    const towerHttp = http.steps[0]!.pins.find((p) => p.pin.kind === 'crate' && p.pin.name === 'tower-http');
    expect(towerHttp?.way).toEqual({ kind: 'release', version: '0.5.0', requirement: expect.any(String), compatible: false });
    const legacy = http.steps[0]!.pins.find((p) => p.pin.kind === 'member');
    expect(legacy?.way).toMatchObject({ kind: 'edit', file: 'Cargo.toml', line: 9 });
    expect(lockfile.allowedDuplicates!.map((d) => [d.name, d.allowedBy.map((a) => a.reason)])).toEqual([['syn', ['proc macros move on their own schedule']]]);
    expect(lockfile.duplicatePolicyProblems).toEqual([
      { problem: 'unused', name: 'nothing-here', version: null, reason: 'left over from an old lockfile', until: null, from: join(dir, 'cratewatch.toml') },
    ]);
    const asked = index.requests.map((r) => r.path);
    expect(asked.filter((p) => p === 'to/we/tower-http')).toHaveLength(1);
  });

  it('scans the manifests of a repository without Cargo.lock, and fails it for a requirement whose newest version is vulnerable', () => {
    const bare = run.byName('bare');
    expect(bare.lockfiles).toEqual([]);
    const scan = bare.manifestScan!;
    expect(scan.workspaces.map((w) => w.root)).toEqual(['Cargo.toml']);
    const hyper = scan.requirements.find((r) => r.key === 'hyper')!;
    expect([hyper.file, hyper.requirement, hyper.status, hyper.advisories.map((a) => a.id)]).toEqual(['app/Cargo.toml', '=0.14.27', 'vulnerable', ['RUSTSEC-2099-0001']]);
    expect(bare.status).toBe('failing');
    expect(run.byName('work').manifestScan).toBe(undefined);
  });

  it('alerts on dev-only findings when include_dev is left at its default', () => {
    const names = run.alerter.delivered.map((a) => `${a.repository} ${a.finding.package.name}`);
    expect(names).toContain('work time');
    expect(names).toContain('work hyper');
  });
});

describe('include_dev = false', () => {
  it('leaves a dev-only finding out of the alerts, and still alerts on the shipped ones', async () => {
    const { alerter, byName } = await scan('no-dev', { extra: 'include_dev = false' });
    const names = alerter.delivered.map((a) => `${a.repository} ${a.finding.package.name}`);
    expect(names).toContain('work hyper');
    expect(names).not.toContain('work time');
    // The finding is still in the result: only the alert is left out.
    expect(byName('work').lockfiles[0]!.findings.some((f) => f.package.name === 'time' && f.scope?.scope === 'dev')).toBe(true);
    expect(alertableFindings([byName('work')], { threshold: 'low', unscored: false, includeDev: true }).some((a) => a.finding.package.name === 'time')).toBe(true);
  });
});

describe('offline', () => {
  it('asks no channel, registry or index, and says every toolchain item was not checked', async () => {
    const before = { channel: channelRequests, registry: registry.requests.length, index: index.requests.length };
    const { outcome, byName } = await scan('offline', { offline: true });
    for (const result of outcome.results) assertValidResult(result);
    expect({ channel: channelRequests, registry: registry.requests.length, index: index.requests.length }).toEqual(before);
    const toolchains = byName('work').toolchains!;
    expect(toolchains.findings).toEqual([]);
    expect(toolchains.latestStable).toBe(null);
    expect(toolchains.notChecked.length).toBe(4);
    expect(toolchains.notChecked.every((n) => n.reason.includes('offline'))).toBe(true);
    expect(byName('bare').manifestScan!.index).toEqual({ checked: false, reason: 'offline' });
    // Without the index the duplicates are still explained, their crates' ways unknown.
    const http = byName('dups').lockfiles[0]!.duplicatesExplained![0]!;
    expect(http.steps[0]!.pins.find((p) => p.pin.kind === 'crate' && p.pin.name === 'tower-http')?.way.kind).toBe('unknown');
  });
});

describe('the stored result', () => {
  it('is what the store wrote, and reads back valid', async () => {
    const stored = JSON.parse(await readFile(join(dir, 'online', 'results', 'work', 'latest.json'), 'utf8')) as ScanResult;
    assertValidResult(stored);
    expect(stored.pinning?.[0]?.plan.patches.every((p) => Object.keys(p).sort().join() === 'diff,file')).toBe(true);
  });
});
