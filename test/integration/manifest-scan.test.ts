// The manifest-only scan of the `scoped` fixture workspace (no lockfile read) through the
// real sparse-index client against a loopback index, with the fixture advisory database:
// what it reports, and that each crate is asked for once.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../functions/adapters/http-client.ts';
import { SparseIndexSource } from '../../functions/adapters/sparse-index.ts';
import { scanManifests, type ManifestScan } from '../../functions/app/manifest-scan.ts';
import type { AdvisoryDb } from '../../functions/core/advisory.ts';
import type { RepoFile } from '../../functions/core/ports.ts';
import { fixtureDb } from '../helpers/fixtures.ts';
import { startIndexServer, type IndexServer } from '../helpers/index-server.ts';
import { readManifests, WORKSPACES } from '../helpers/workspace-fixtures.ts';
import { NO_HTTP_CACHE } from '../helpers/memory-http-cache.ts';

/** Index lines as crates.io writes them. */
function indexFile(name: string, versions: { vers: string; yanked?: boolean; rust?: string }[]): string {
  return versions
    .map(({ vers, yanked = false, rust }) => `${JSON.stringify({ name, vers, deps: [], cksum: 'a'.repeat(64), features: {}, yanked, ...(rust ? { rust_version: rust } : {}) })}\n`)
    .join('');
}

// Literal index paths, as the sparse index lays them out.
const FILES: Record<string, string> = {
  'to/ki/tokio': indexFile('tokio', [{ vers: '1.18.3' }, { vers: '1.38.0' }, { vers: '1.38.1' }, { vers: '1.39.0', rust: '1.70' }, { vers: '1.40.0', rust: '1.80' }]),
  'hy/pe/hyper': indexFile('hyper', [{ vers: '0.14.27' }, { vers: '0.14.28' }, { vers: '1.3.1' }]),
  'ba/se/base64': indexFile('base64', [{ vers: '0.21.7' }, { vers: '0.22.1' }]),
  'se/rd/serde': indexFile('serde', [{ vers: '1.0.203' }, { vers: '1.0.204', yanked: true }]),
  're/qw/reqwest': indexFile('reqwest', [{ vers: '0.11.27' }]),
};


const MANIFESTS: RepoFile[] = [
  ...readManifests(join(WORKSPACES, 'scoped')),
  // A package outside the workspace's members: a workspace of its own.
  { path: 'tools/lint/Cargo.toml', text: '[package]\nname = "lint"\nversion = "0.1.0"\n\n[dependencies]\nhyper = "0.14.28"\n' },
  { path: 'broken/Cargo.toml', text: '[package]\nname = "broken"\n[dependencies]\nserde = 1\n' },
];

let server: IndexServer;
let db: AdvisoryDb;
beforeAll(async () => {
  server = await startIndexServer(FILES, { answers: { 're/qw/reqwest': [{ kind: 'status', status: 503 }] } });
  db = await fixtureDb();
});
afterAll(async () => {
  await server.close();
});

const index = () =>
  new SparseIndexSource({
    baseUrl: server.url,
    cache: NO_HTTP_CACHE,
    http: new HttpClient({ userAgent: 'cratewatch (integration test)', timeoutMs: 2000, retries: 1, baseDelayMs: 1 }),
    concurrency: 4,
  });
const line = (scan: ManifestScan, file: string, at: number) => scan.requirements.find((r) => r.file === file && r.line === at)!;

describe('scanManifests with a loopback index', () => {
  let scan: ManifestScan;
  beforeAll(async () => {
    server.reset();
    scan = await scanManifests({ manifests: MANIFESTS, db, index: index() });
  });

  it('finds the workspace and the package outside it, and reports the manifest that does not parse', () => {
    expect(scan.workspaces).toEqual([
      { root: 'Cargo.toml', members: ['app', 'macros', 'testkit'], missingMembers: [] },
      { root: 'tools/lint/Cargo.toml', members: ['lint'], missingMembers: [] },
    ]);
    expect(scan.errors).toEqual([{ file: 'broken/Cargo.toml', line: 4, field: 'dependencies.serde', message: 'a dependency must be a version string or a table' }]);
  });

  it('asks the index about each crates.io crate once, never about path dependencies', () => {
    const paths = server.requests.map((r) => r.path);
    const asked = [...new Set(paths)].sort();
    expect(asked).toEqual([
      '2/cc', '3/l/log', '3/s/syn', 'au/to/autocfg', 'ba/se/base64', 'ch/ro/chrono', 'hy/pe/hyper', 'in/st/insta', 'pr/et/pretty_assertions', 'pr/op/proptest', 'qu/ot/quote', 're/qw/reqwest', 'se/rd/serde', 'to/ki/tokio', 'tr/yb/trybuild', 'wi/na/winapi-util',
    ]);
    // One request per crate, reqwest twice (a 503 and its one retry); tokio is named by three requirements.
    expect(paths.filter((p) => p === 'to/ki/tokio')).toHaveLength(1);
    expect(paths.filter((p) => p === 're/qw/reqwest')).toHaveLength(2);
    expect(paths).toHaveLength(asked.length + 1);
  });

  it('reports hyper =0.14.27 vulnerable and outdated, and the lint package\'s hyper 0.14.28 clean but outdated', () => {
    expect(line(scan, 'app/Cargo.toml', 11)).toMatchObject({ status: 'vulnerable', newest: '0.14.27', latest: '1.3.1', outdated: true });
    expect(line(scan, 'tools/lint/Cargo.toml', 6)).toMatchObject({ member: 'lint', requirement: '0.14.28', status: 'ok', newest: '0.14.28', latest: '1.3.1', outdated: true, advisories: [] });
  });

  it('reports tokio maybe vulnerable, newest within rust-version 1.74 for app', () => {
    expect(line(scan, 'app/Cargo.toml', 8)).toMatchObject({ status: 'maybe-vulnerable', newest: '1.39.0', msrvLimited: true });
  });

  it('leaves crates the index does not have, or could not give, not checked', () => {
    expect(line(scan, 'app/Cargo.toml', 17)).toMatchObject({ key: 'chrono', newest: null, outdated: null, index: { checked: false, reason: 'not-in-index' } });
    expect(line(scan, 'testkit/Cargo.toml', 9)).toMatchObject({ key: 'reqwest', status: 'maybe-vulnerable', index: { checked: false, reason: 'index-failed' } });
  });

  it('counts the requirements by outcome', () => {
    expect(scan.index).toEqual({ checked: true });
    // maybe: tokio ×3 and reqwest; outdated: both hypers and base64; checked: tokio ×3, hyper ×2, base64, serde (7 of 19 covered).
    expect(scan.counts).toEqual({ requirements: 21, vulnerable: 1, maybeVulnerable: 4, outdated: 3, noMatchingVersion: 0, notCovered: 2, notChecked: 12 });
  });
});

describe('scanManifests offline', () => {
  it('asks nothing and never reports vulnerable or outdated', async () => {
    server.reset();
    const scan = await scanManifests({ manifests: MANIFESTS, db, index: null });
    expect(server.requests).toHaveLength(0);
    expect(scan.index).toEqual({ checked: false, reason: 'offline' });
    expect(scan.counts).toMatchObject({ vulnerable: 0, maybeVulnerable: 5, outdated: 0, notChecked: 19 });
  });
});
