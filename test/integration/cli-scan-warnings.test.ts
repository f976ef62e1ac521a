// `cratewatch scan` as a process when its sources let it down: the advisory archive cannot
// be downloaded and the cached copy is ten days old, and the index refuses one crate. The
// summary must say so (never a silent pass): a stale-database warning, a clean repository
// shown as warnings, and the packages not covered and index lookups that failed, counted.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../functions/adapters/fs-object-store.ts';
import { ObjectHttpCache } from '../../functions/app/object-http-cache.ts';
import type { ScanResult, SummaryIndex } from '../../functions/core/result.ts';
import { packAdvisoryArchive } from '../helpers/advisory-archive.ts';
import { startArchiveServer, type ArchiveServer } from '../helpers/archive-server.ts';
import { CLEAN_LOCK, fixtureText } from '../helpers/fixtures.ts';
import { startIndexServer, type IndexServer } from '../helpers/index-server.ts';
import { assertValidResult, assertValidSummary } from '../helpers/result-schema.ts';
import { runCli, type CliRun } from '../helpers/run-cli.ts';

const line = (name: string, vers: string, yanked = false) => `${JSON.stringify({ name, vers, deps: [], cksum: '0'.repeat(64), features: {}, yanked })}\n`;
const DAY = 86_400_000;

let tmp: string;
let out: string;
let archive: ArchiveServer;
let index: IndexServer;
let run: CliRun;
let fetchedAt: string;

const read = async <T>(path: string): Promise<T> => JSON.parse(await readFile(join(out, path), 'utf8')) as T;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cratewatch-scan-warnings-'));
  out = join(tmp, 'out');
  const body = await packAdvisoryArchive();
  archive = await startArchiveServer(body);
  // 403 fails at once (no retries), as an index or a host that refuses us would.
  archive.failNext(403, 10);
  // Every crates.io crate of the v3 fixture, at its locked version, by the paths crates.io uses.
  const locked: [string, string, string][] = [
    ['ba/se/base64', 'base64', '0.21.7'], ['by/te/bytes', 'bytes', '1.5.0'], ['2/h2', 'h2', '0.3.20'], ['hy/pe/hyper', 'hyper', '0.14.27'],
    ['li/bc/libc', 'libc', '0.2.150'], ['ma/yb/maybe-uninit', 'maybe-uninit', '2.0.0'], ['3/m/mio', 'mio', '0.8.10'], ['re/qw/reqwest', 'reqwest', '0.11.27'],
    ['ru/st/rustls-pki-types', 'rustls-pki-types', '1.0.0-alpha.1'], ['sm/al/smallvec', 'smallvec', '0.6.13'], ['th/is/thiserror', 'thiserror', '1.0.69'],
    ['th/is/thiserror-impl', 'thiserror-impl', '1.0.69'], ['ti/me/time', 'time', '0.1.45'], ['to/ki/tokio', 'tokio', '1.38.0'],
  ];
  const files = Object.fromEntries(locked.map(([path, name, version]) => [path, line(name, version)]));
  files['th/is/thiserror'] += line('thiserror', '2.0.12');
  files['th/is/thiserror-impl'] += line('thiserror-impl', '2.0.12');
  index = await startIndexServer(files, { answers: { 're/qw/reqwest': [{ kind: 'status', status: 403 }] } });
  // What an earlier run left in the cache: the archive, downloaded ten days (and a minute) ago.
  fetchedAt = new Date(Date.now() - 10 * DAY - 60_000).toISOString();
  await new ObjectHttpCache(new FsObjectStore(out), () => new Date()).put('advisory-db/archive', { etag: '"ten-days-old"', lastModified: null, fetchedAt, body });

  for (const [name, text] of [['app', fixtureText('v3.Cargo.lock')], ['quiet', CLEAN_LOCK]] as const) {
    await mkdir(join(tmp, name));
    await writeFile(join(tmp, name, 'Cargo.lock'), text);
  }
  const config = join(tmp, 'cratewatch.toml');
  await writeFile(
    config,
    `[sources]
advisory_db = "${archive.url}"
index = "${index.url}"

[[repositories]]
name = "app"
path = "app"

[[repositories]]
name = "quiet"
path = "quiet"
`,
  );
  run = await runCli(['scan', '--config', config, '--out', out, '--no-report'], { cwd: tmp });
}, 120_000);

afterAll(async () => {
  await Promise.all([archive?.close(), index?.close()]);
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('cratewatch scan with a stale database and an index that refuses a crate', () => {
  it('warns that the database is stale, naming its age and the limit', () => {
    expect(run.stderr).toContain(`warning: the advisory database download answered HTTP 403; using the copy last known current at ${fetchedAt}`);
    expect(run.stdout).toContain(
      'warning: the advisory database (0123456789ab) was last known current 10 days ago, over the 7-day limit (sources.advisory_db_max_age_days): advisories published since are not checked.',
    );
  });

  it('shows the repository with nothing found as warnings, not clean, and still exits as the findings say', () => {
    const rows = run.stdout.split('\n').filter((l) => /^(app|quiet)\s/.test(l));
    expect(rows.map((r) => r.split(/\s+/).slice(0, 2).join(' '))).toEqual(['app failing', 'quiet warnings']);
    expect(run.stdout).toContain('2 repositories: 1 failing, 1 with warnings, 0 clean, 0 scanned nothing, 0 could not be scanned');
    expect(run.code).toBe(1);
  });

  it('counts the packages not covered and the index lookups that failed, per repository and in total', () => {
    const lines = run.stdout.split('\n');
    const header = lines.find((l) => l.startsWith('repository'))!;
    expect(header.split(/\s+/).slice(-4)).toEqual(['outdated', 'dups', 'uncovered', 'unreached']);
    // app: a git and an other-registry package, and reqwest, which the index refused.
    expect(lines.find((l) => l.startsWith('app '))!.split(/\s+/).slice(-2)).toEqual(['3', '1']);
    expect(lines.find((l) => l.startsWith('quiet '))!.split(/\s+/).slice(-2)).toEqual(['0', '0']);
    expect(run.stdout).toContain('3 packages not covered by the advisory and index checks, 1 of them because the index could not be reached');
    expect(run.stdout).toContain('app: the index could not be read for 1 crate (reqwest): not checked for yanked or newer versions this time');
  });

  it('records the stale database in each result and the counts in the summary index', async () => {
    const quiet = await read<ScanResult>('results/quiet/latest.json');
    assertValidResult(quiet);
    expect(quiet.advisoryDb).toMatchObject({ fetchedAt, stale: { ageDays: 10, maxAgeDays: 7 } });
    expect(quiet.lockfiles.map((l) => l.status)).toEqual(['clean']);
    expect(quiet.status).toBe('warnings');
    const summary = await read<SummaryIndex>('results/index.json');
    assertValidSummary(summary);
    expect(summary.repositories.map((r) => [r.name, r.notCovered, r.indexFailed, r.advisoryDbStale])).toEqual([
      ['app', 3, 1, { ageDays: 10, maxAgeDays: 7 }],
      ['quiet', 0, 0, { ageDays: 10, maxAgeDays: 7 }],
    ]);
  });
});
