// An index outage across three runs of the real pipeline (a local repository, the fixture
// database, the filesystem store, a loopback sparse index through the real client and its
// cache): the facts of crates whose lookup fails are carried from the last scan that read
// them, so the outage neither resolves them nor brings them back as new afterwards.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../functions/adapters/fs-object-store.ts';
import { HttpClient } from '../../functions/adapters/http-client.ts';
import { LocalRepoSource } from '../../functions/adapters/local-repo-source.ts';
import { LocalAdvisoryDbSource } from '../../functions/adapters/rustsec-archive.ts';
import { SparseIndexSource } from '../../functions/adapters/sparse-index.ts';
import { ObjectHttpCache } from '../../functions/app/object-http-cache.ts';
import { ResultStore } from '../../functions/app/result-store.ts';
import { runScan, type ScanOutcome } from '../../functions/app/scan-pipeline.ts';
import type { RepoConfig } from '../../functions/core/ports.ts';
import type { SummaryIndex } from '../../functions/core/result.ts';
import { FIXTURE_DB } from '../helpers/fixtures.ts';
import { startIndexServer, type IndexAnswer, type IndexServer } from '../helpers/index-server.ts';
import { assertValidResult, assertValidSummary } from '../helpers/result-schema.ts';
import { lockfileText } from '../helpers/site-fixtures.ts';

/** Index lines as crates.io writes them. */
function indexFile(name: string, versions: { vers: string; yanked?: boolean }[]): string {
  return versions
    .map(({ vers, yanked = false }) => `${JSON.stringify({ name, vers, deps: [], cksum: 'a'.repeat(64), features: {}, yanked })}\n`)
    .join('');
}

// Literal index paths, not the production indexPath(): the test checks that function's output too.
const FILES: Record<string, string> = {
  'ma/yb/maybe-uninit': indexFile('maybe-uninit', [{ vers: '2.0.0', yanked: true }, { vers: '2.0.1' }]),
  're/qw/reqwest': indexFile('reqwest', [{ vers: '0.11.27' }, { vers: '0.12.0' }]),
  'it/oa/itoa': indexFile('itoa', [{ vers: '1.0.11' }]),
};
const DOWN: IndexAnswer[] = [{ kind: 'status', status: 503 }];
const DAY = 86_400_000;

let server: IndexServer;
const answers: Record<string, IndexAnswer[]> = {};
let dir: string;
let clock: number;

beforeAll(async () => {
  server = await startIndexServer(FILES, { answers });
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-index-outage-'));
  clock = Date.parse('2099-06-01T06:00:00Z');
  for (const key of Object.keys(answers)) delete answers[key];
  await mkdir(join(dir, 'app'), { recursive: true });
  await writeFile(join(dir, 'app', 'Cargo.lock'), lockfileText('app', [['maybe-uninit', '2.0.0'], ['reqwest', '0.11.27', ['itoa']], ['itoa', '1.0.11']], ['maybe-uninit', 'reqwest']));
  return () => rm(dir, { recursive: true, force: true });
});

const app: RepoConfig = { name: 'app', location: { kind: 'path', path: '' }, ref: null, lockfiles: null, manifests: null, ignores: [], deny: [] };

/** One run, a day after the last, with a fresh index source (one per run, as production makes them). */
async function scan(): Promise<ScanOutcome> {
  clock += DAY;
  const now = () => new Date(clock);
  const objects = new FsObjectStore(join(dir, 'out'));
  const cache = new ObjectHttpCache(objects, now);
  const index = new SparseIndexSource({ baseUrl: server.url, cache, http: new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 2000, retries: 1, baseDelayMs: 5 }), concurrency: 4, now });
  const repo = { ...app, location: { kind: 'path' as const, path: join(dir, 'app') } };
  return runScan(
    { repositories: [repo], configured: [repo], alerts: { threshold: 'critical', unscored: false }, concurrency: 1 },
    {
      advisorySource: new LocalAdvisoryDbSource(FIXTURE_DB),
      dbLocation: FIXTURE_DB,
      index,
      repoSources: { path: new LocalRepoSource({ maxFileBytes: 1_000_000 }) },
      store: new ResultStore(objects),
      cache,
      alerter: { send: async () => undefined },
      now,
    },
  );
}

async function summary(): Promise<SummaryIndex> {
  return JSON.parse(await readFile(join(dir, 'out', 'results', 'index.json'), 'utf8')) as SummaryIndex;
}

const refs = (list: { kind: string; id: string; package: { name: string } }[]) => list.map((r) => `${r.kind} ${r.package.name}`).sort();

describe('an index outage for some crates', () => {
  it('keeps their yanked finding and outdated entries, carried with the first scan’s time, and resolves nothing; the next clean run finds nothing new', async () => {
    const first = (await scan()).results[0]!;
    const [lockfile] = first.lockfiles;
    expect(lockfile!.findings.filter((f) => f.kind === 'yanked').map((f) => [f.package.name, f.carriedFrom])).toEqual([['maybe-uninit', undefined]]);
    expect(lockfile!.outdated.map((o) => [o.name, o.latest])).toEqual([['maybe-uninit', '2.0.1'], ['reqwest', '0.12.0']]);
    expect(refs(first.diff.new)).toContain('yanked maybe-uninit');

    answers['ma/yb/maybe-uninit'] = DOWN;
    answers['re/qw/reqwest'] = DOWN;
    server.reset();
    const second = (await scan()).results[0]!;
    assertValidResult(second);
    // The client retried each failing crate once before giving up.
    expect(server.requests.filter((r) => r.path === 'ma/yb/maybe-uninit')).toHaveLength(2);
    const during = second.lockfiles[0]!;
    expect(during.findings.filter((f) => f.kind === 'yanked').map((f) => [f.package.name, f.carriedFrom])).toEqual([['maybe-uninit', first.scannedAt]]);
    expect(during.outdated.map((o) => [o.name, o.latest, o.carriedFrom])).toEqual([
      ['maybe-uninit', '2.0.1', first.scannedAt],
      ['reqwest', '0.12.0', first.scannedAt],
    ]);
    expect(during.notCovered.map((n) => [n.name, n.reason])).toEqual([['maybe-uninit', 'index-failed'], ['reqwest', 'index-failed']]);
    expect(second.diff).toEqual({ previousScanAt: first.scannedAt, new: [], resolved: [] });
    expect(second.status).toBe(first.status);
    const duringSummary = await summary();
    assertValidSummary(duringSummary);
    expect(duringSummary.repositories[0]).toMatchObject({ name: 'app', notCovered: 2, indexFailed: 2, carriedIndexFacts: 3, resolvedFindings: 0, newFindings: 0 });

    // Still down a day later: the facts keep the time of the scan that read the index.
    const third = (await scan()).results[0]!;
    expect(third.lockfiles[0]!.findings.filter((f) => f.kind === 'yanked').map((f) => f.carriedFrom)).toEqual([first.scannedAt]);
    expect(third.diff.resolved).toEqual([]);

    delete answers['ma/yb/maybe-uninit'];
    delete answers['re/qw/reqwest'];
    const after = (await scan()).results[0]!;
    expect(after.diff).toEqual({ previousScanAt: third.scannedAt, new: [], resolved: [] });
    expect(after.lockfiles[0]!.findings.filter((f) => f.kind === 'yanked').map((f) => [f.package.name, f.carriedFrom])).toEqual([['maybe-uninit', undefined]]);
    expect(after.lockfiles[0]!.notCovered).toEqual([]);
    expect((await summary()).repositories[0]).toMatchObject({ notCovered: 0, indexFailed: 0, carriedIndexFacts: 0 });
  });

  it('resolves the yanked finding when the index answers again that the version is no longer yanked', async () => {
    await scan();
    answers['ma/yb/maybe-uninit'] = DOWN;
    await scan();
    delete answers['ma/yb/maybe-uninit'];
    const yanked = FILES['ma/yb/maybe-uninit']!;
    FILES['ma/yb/maybe-uninit'] = indexFile('maybe-uninit', [{ vers: '2.0.0' }, { vers: '2.0.1' }]);
    try {
      const result = (await scan()).results[0]!;
      expect(refs(result.diff.resolved)).toEqual(['yanked maybe-uninit']);
      expect(result.diff.new).toEqual([]);
    } finally {
      FILES['ma/yb/maybe-uninit'] = yanked;
    }
  });
});
