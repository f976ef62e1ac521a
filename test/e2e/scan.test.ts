// `cratewatch scan` as a process against loopback servers that behave like GitHub, the
// crates.io sparse index and the RustSec archive host: several repositories, one of them
// unreachable and one with a malformed lockfile; then a second run that must download
// nothing new and alert on nothing.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanResult, SummaryIndex } from '../../functions/core/result.ts';
import { packAdvisoryArchive } from '../helpers/advisory-archive.ts';
import { startArchiveServer, type ArchiveServer } from '../helpers/archive-server.ts';
import { CLEAN_LOCK, fixtureText } from '../helpers/fixtures.ts';
import { startGithubServer, type GithubServer } from '../helpers/github-server.ts';
import { etagOf, startIndexServer, type IndexServer } from '../helpers/index-server.ts';
import { assertValidResult, assertValidSummary } from '../helpers/result-schema.ts';
import { runCli, type CliRun } from '../helpers/run-cli.ts';

function indexLines(name: string, versions: [string, boolean, string?][]): string {
  return versions
    .map(([vers, yanked, rust]) => JSON.stringify({ name, vers, deps: [], cksum: '0'.repeat(64), features: {}, yanked, ...(rust ? { rust_version: rust } : {}) }))
    .map((line) => `${line}\n`)
    .join('');
}

// Keyed by the paths crates.io uses, written out rather than computed with the code under test,
// so a wrong index path shows as a crate the index does not have. h2 and mio take the
// two- and three-letter forms.
const INDEX: Record<string, string> = {
  'hy/pe/hyper': indexLines('hyper', [['0.14.27', false], ['0.14.28', false], ['0.14.30', false], ['1.0.0', false, '1.63']]),
  're/qw/reqwest': indexLines('reqwest', [['0.11.27', false], ['0.12.0', false, '1.64']]),
  'ma/yb/maybe-uninit': indexLines('maybe-uninit', [['2.0.0', true], ['2.0.1', false]]),
  'to/ki/tokio': indexLines('tokio', [['1.38.0', false], ['1.38.1', false], ['1.45.0', false, '1.80']]),
  '2/h2': indexLines('h2', [['0.3.20', false], ['0.3.26', false]]),
  '3/m/mio': indexLines('mio', [['0.8.10', false], ['0.8.11', false]]),
};

let tmp: string;
let config: string;
let out: string;
let github: GithubServer;
let index: IndexServer;
let archive: ArchiveServer;
let archiveBody: Uint8Array;
let first: CliRun;
let second: CliRun;

const read = async <T>(path: string): Promise<T> => JSON.parse(await readFile(join(out, path), 'utf8')) as T;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cratewatch-e2e-'));
  out = join(tmp, 'out');
  archiveBody = await packAdvisoryArchive();
  archive = await startArchiveServer(archiveBody);
  index = await startIndexServer(INDEX);
  github = await startGithubServer(
    [
      {
        fullName: 'acme/app',
        files: {
          'Cargo.lock': fixtureText('v3.Cargo.lock'),
          'Cargo.toml': '[workspace]\nmembers = ["my-app", "my-lib"]\n[workspace.package]\nrust-version = "1.70"\n',
          'my-app/Cargo.toml': '[package]\nname = "my-app"\nversion = "0.1.0"\n',
          '.cargo/audit.toml': '[advisories]\nignore = ["RUSTSEC-2099-0019"]\n',
          'target/debug/Cargo.lock': 'not a lockfile: build output must not be scanned',
        },
      },
      { fullName: 'acme/clean', defaultBranch: 'trunk', files: { 'Cargo.lock': CLEAN_LOCK, 'Cargo.toml': '[package]\nname = "clean-app"\n' } },
      { fullName: 'acme/secret', private: true, files: { 'Cargo.lock': CLEAN_LOCK } },
    ],
    { token: 'server-side-token' },
  );
  await mkdir(join(tmp, 'local-broken'));
  await writeFile(join(tmp, 'local-broken', 'Cargo.lock'), fixtureText('malformed-syntax.Cargo.lock'));
  config = join(tmp, 'cratewatch.toml');
  await writeFile(
    config,
    `concurrency = 2
timeout_seconds = 5

[sources]
advisory_db = "${archive.url}"
index = "${index.url}"
github_api = "${github.url}"

[alerts]
threshold = "high"

[[repositories]]
name = "app"
github = "acme/app"

[[repositories]]
name = "clean"
github = "acme/clean"

[[repositories]]
name = "secret"
github = "acme/secret"

[[repositories]]
name = "broken"
path = "local-broken"
`,
  );
  first = await runCli(['scan', '--config', config, '--out', out], { cwd: tmp });
  second = await runCli(['scan', '--config', config, '--out', out, '--no-report'], { cwd: tmp });
}, 120_000);

afterAll(async () => {
  await Promise.all([github?.close(), index?.close(), archive?.close()]);
  await rm(tmp, { recursive: true, force: true });
});

describe('cratewatch scan, first run', () => {
  it('exits 3 because two repositories could not be scanned completely', () => {
    expect(first.stderr).not.toContain('internal error');
    expect(first.code).toBe(3);
  });

  it('prints alerts for the new findings at or above the threshold only', () => {
    const alerts = first.stdout.slice(first.stdout.indexOf('ALERT'), first.stdout.indexOf('\nrepository'));
    expect(alerts).toContain('ALERT: 2 new findings at or above the threshold');
    expect(alerts).toContain('[critical (CVSS 9.8)] app Cargo.lock: hyper 0.14.27 RUSTSEC-2099-0001');
    expect(alerts).toContain('fix: cargo update -p hyper@0.14.27 --precise 0.14.28');
    expect(alerts).toContain('[high (CVSS 7.5)] app Cargo.lock: h2 0.3.20 RUSTSEC-2099-0002');
    expect(alerts).not.toContain('tokio');
  });

  it('ends with a summary row per repository, worst first, naming why each broken one failed', () => {
    const summary = first.stdout.slice(first.stdout.indexOf('\nrepository'));
    const rows = summary.split('\n').filter((l) => /^(app|clean|secret|broken)\s/.test(l));
    expect(rows.map((r) => r.split(/\s+/).slice(0, 2).join(' '))).toEqual(['broken error', 'secret error', 'app failing', 'clean clean']);
    expect(summary).toContain('secret: github acme/secret: not found (404)');
    expect(summary).toMatch(/broken: Cargo\.lock:9:\d+: not valid TOML/);
    expect(summary).toContain('4 repositories: 1 failing, 0 with warnings, 1 clean, 0 scanned nothing, 2 could not be scanned');
  });

  it('prints plain progress lines when not on a terminal', () => {
    expect(first.stderr).toMatch(/^scan: \[\d\/4\] app: failing/m);
    expect(first.stderr).not.toContain('\u001b[');
  });

  // latest.json is the second run's by the time these run; the first run's is in the history.
  it('writes a valid latest result per repository, with commit, findings, outdated and yanked packages', async () => {
    const app = await read<ScanResult>('results/app/latest.json');
    assertValidResult(app);
    expect(app.repository).toMatchObject({ name: 'app', source: 'github:acme/app', ref: 'main', commit: github.commitOf('acme/app') });
    expect(app.advisoryDb.location).toBe(archive.url);
    expect(app.lockfiles.map((l) => l.path)).toEqual(['Cargo.lock']);
    const lockfile = app.lockfiles[0]!;
    expect(lockfile.rustVersion).toBe('1.70');
    expect(lockfile.ignored.map((f) => [f.advisory?.id, f.ignoredBy.reason])).toEqual([['RUSTSEC-2099-0019', 'ignored in .cargo/audit.toml']]);
    expect(lockfile.findings.find((f) => f.kind === 'yanked')).toMatchObject({ package: { name: 'maybe-uninit', version: '2.0.0' }, fix: { version: '2.0.1' } });
    expect(lockfile.findings.find((f) => f.package.name === 'hyper')!.fix.command).toBe('cargo update -p hyper@0.14.27 --precise 0.14.28');
    expect(lockfile.outdated.find((o) => o.name === 'tokio')).toEqual({ name: 'tokio', version: '1.38.0', compatible: '1.38.1', latest: '1.38.1', direct: true, msrvLimited: true });
    expect(lockfile.outdated.find((o) => o.name === 'hyper')).toMatchObject({ compatible: '0.14.30', latest: '1.0.0', msrvLimited: false });
    expect(lockfile.outdated.filter((o) => o.name === 'h2' || o.name === 'mio').map((o) => [o.name, o.version, o.compatible])).toEqual([
      ['h2', '0.3.20', '0.3.26'],
      ['mio', '0.8.10', '0.8.11'],
    ]);
    expect(lockfile.notCovered.filter((n) => n.reason === 'git').map((n) => n.name)).toEqual(['gix-tool']);
    expect(lockfile.notCovered.find((n) => n.name === 'base64')?.reason).toBe('gone-from-index');
    const history = (await readdir(join(out, 'results', 'app', 'history'))).sort();
    const firstResult = await read<ScanResult>(`results/app/history/${history[0]}`);
    assertValidResult(firstResult);
    expect(firstResult.diff).toMatchObject({ previousScanAt: null });
    expect(firstResult.diff.new).toHaveLength(lockfile.findings.length);
  });

  it('records an unreachable repository and a malformed lockfile as errors in their own results', async () => {
    const secret = await read<ScanResult>('results/secret/latest.json');
    assertValidResult(secret);
    expect(secret.status).toBe('error');
    expect(secret.errors[0]).toContain('GITHUB_TOKEN');
    const broken = await read<ScanResult>('results/broken/latest.json');
    assertValidResult(broken);
    expect(broken.lockfiles[0]!.errors[0]).toMatchObject({ line: 9 });
  });

  it('builds the report site from the results', async () => {
    expect(first.stdout).toContain(`report in ${join(out, 'site', 'index.html')}`);
    expect(await readFile(join(out, 'site', 'index.html'), 'utf8')).toContain('app');
    expect((await readdir(join(out, 'site', 'repos'))).sort()).toEqual(['app', 'broken', 'clean', 'secret']);
  });

  it('writes a valid summary index with one row per repository', async () => {
    const summary = await read<SummaryIndex>('results/index.json');
    assertValidSummary(summary);
    expect(summary.repositories.map((r) => [r.name, r.status]).sort()).toEqual([
      ['app', 'failing'],
      ['broken', 'error'],
      ['clean', 'clean'],
      ['secret', 'error'],
    ]);
  });

  it('asks the index for each crate once, however many repositories lock it, and never scans target/', () => {
    const firstRun = index.requests.slice(0, index.requests.length / 2);
    const hyper = firstRun.filter((r) => r.path === 'hy/pe/hyper');
    expect(hyper).toHaveLength(1);
    expect(firstRun.map((r) => r.path).filter((path) => INDEX[path] !== undefined).sort()).toEqual(Object.keys(INDEX).sort());
    expect(new Set(firstRun.map((r) => r.path)).size).toBe(firstRun.length);
    expect(github.requests.some((r) => r.path.includes('target/debug'))).toBe(false);
  });
});

describe('cratewatch scan, second run', () => {
  it('alerts on nothing, since nothing is new', () => {
    expect(second.code).toBe(3);
    expect(second.stdout).not.toContain('ALERT');
  });

  it('revalidates the database and index files instead of downloading them again', () => {
    expect(archive.requests).toHaveLength(2);
    // The ETag the archive server gave its body on the first run.
    expect(archive.requests[1]!.headers['if-none-match']).toBe(`"${createHash('sha256').update(archiveBody).digest('hex').slice(0, 16)}"`);
    const secondRun = index.requests.slice(index.requests.length / 2);
    const revalidated = secondRun.filter((r) => INDEX[r.path] !== undefined).map((r) => [r.path, r.headers['if-none-match']]);
    expect(revalidated.sort()).toEqual(Object.keys(INDEX).sort().map((path) => [path, etagOf(INDEX[path]!)]));
  });

  it('keeps both results in the history and nothing new in the diff', async () => {
    expect(await readdir(join(out, 'results', 'app', 'history'))).toHaveLength(2);
    const app = await read<ScanResult>('results/app/latest.json');
    expect(app.diff.new).toEqual([]);
    const firstScan = (await readdir(join(out, 'results', 'app', 'history'))).sort()[0]!;
    expect(app.diff.previousScanAt).toBe((await read<ScanResult>(`results/app/history/${firstScan}`)).scannedAt);
  });

  it('never writes the token anywhere', async () => {
    const files = await readdir(out, { recursive: true });
    for (const file of files.filter((f) => f.endsWith('.json'))) {
      expect(await readFile(join(out, file), 'utf8'), file).not.toContain('server-side-token');
    }
  });
});

describe('cratewatch scan, when it cannot start', () => {
  it('exits 3 naming the archive when the advisory database cannot be downloaded and none is cached', async () => {
    archive.failNext(503, 20);
    const run = await runCli(['scan', '--config', config, '--out', join(tmp, 'fresh-out')], { cwd: tmp });
    archive.failNext(503, 0);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`cannot download the advisory database: ${archive.url}: HTTP 503`);
  });

  it('exits 2 listing every problem of the configuration with its line and field', async () => {
    const bad = join(tmp, 'bad.toml');
    await writeFile(bad, '[[repositories]]\nname = "a"\ngithub = "not-a-repo"\nbrnach = "main"\n');
    const run = await runCli(['scan', '--config', bad, '--out', join(tmp, 'bad-out')], { cwd: tmp });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${bad}:3 (field \`repositories[0].github\`)`);
    expect(run.stderr).toContain(`${bad}:4 (field \`repositories[0].brnach\`)`);
    expect(run.stderr).toContain('branch');
  });

  it('exits 2 when --repo names a repository the configuration does not have', async () => {
    const run = await runCli(['scan', '--config', config, '--out', join(tmp, 'x-out'), '--repo', 'nope'], { cwd: tmp });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('nope');
  });
});
