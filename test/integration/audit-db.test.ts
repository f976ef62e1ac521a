// Which advisory database `cratewatch audit` loads (loadAuditDb): --db, $CRATEWATCH_DB, a
// cargo-audit checkout in a temporary CARGO_HOME/HOME, the default archive from a loopback
// server with its ETag, --no-fetch; and the compiled snapshot kept beside the downloads.
import { cp, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../functions/adapters/http-client.ts';
import { compiledDbKey, MAX_COMPILED_SNAPSHOTS } from '../../functions/app/compiled-advisory-db.ts';
import { FsObjectStore } from '../../functions/adapters/fs-object-store.ts';
import { TOOL_VERSION } from '../../functions/app/version.ts';
import { cacheDir, cargoAdvisoryDbDir, loadAuditDb, type AuditDbOptions } from '../../functions/cli/audit-db.ts';
import type { AdvisoryDbSnapshot } from '../../functions/core/advisory-db-snapshot.ts';
import { AdvisoryDbError } from '../../functions/core/errors.ts';
import { FIXTURE_ARCHIVE_COMMIT, packAdvisoryArchive } from '../helpers/advisory-archive.ts';
import { startArchiveServer, type ArchiveServer } from '../helpers/archive-server.ts';
import { FIXTURE_DB } from '../helpers/fixtures.ts';

const CHECKOUT_COMMIT = 'fedcba9876543210fedcba9876543210fedcba98';
const NOW = new Date();
const DAY_MS = 86_400_000;

let server: ArchiveServer;
let root: string;
let home: string;
let cache: string;
let warnings: string[];

beforeAll(async () => {
  server = await startArchiveServer(await packAdvisoryArchive());
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cratewatch-audit-db-'));
  home = join(root, 'home');
  cache = join(root, 'cache');
  await mkdir(home);
  warnings = [];
  server.requests.length = 0;
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const options = (overrides: Partial<AuditDbOptions> = {}, env: NodeJS.ProcessEnv = {}): AuditDbOptions => ({
  noFetch: false,
  offline: false,
  env: { HOME: home, CRATEWATCH_CACHE: cache, CRATEWATCH_DB_URL: server.url, ...env },
  now: () => NOW,
  http: new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 5000, retries: 0, baseDelayMs: 10 }),
  warn: (line) => warnings.push(line),
  ...overrides,
});

/** A cargo-audit clone of the fixture database at `dir`, its git files dated `daysAgo`. */
async function makeCheckout(dir: string, daysAgo = 0): Promise<string> {
  await cp(FIXTURE_DB, dir, { recursive: true });
  await mkdir(join(dir, '.git'));
  await writeFile(join(dir, '.git', 'HEAD'), `${CHECKOUT_COMMIT}\n`);
  const when = new Date(NOW.getTime() - daysAgo * DAY_MS);
  for (const path of [join(dir, '.git', 'HEAD'), join(dir, '.git'), dir]) await utimes(path, when, when);
  return dir;
}

const rejection = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
};

describe('cacheDir and cargoAdvisoryDbDir', () => {
  it.each([
    [{ CRATEWATCH_CACHE: '/c', XDG_CACHE_HOME: '/x', HOME: '/h' }, '/c'],
    [{ XDG_CACHE_HOME: '/x', HOME: '/h' }, '/x/cratewatch'],
    [{ HOME: '/h' }, '/h/.cache/cratewatch'],
  ])('puts the cache in the first of CRATEWATCH_CACHE, XDG_CACHE_HOME, ~/.cache: %j → %s', (env, expected) => {
    expect(cacheDir(env)).toBe(expected);
  });

  it.each([
    [{ CARGO_HOME: '/cargo', HOME: '/h' }, '/cargo/advisory-db'],
    [{ HOME: '/h' }, '/h/.cargo/advisory-db'],
  ])('looks for cargo-audit\'s checkout in CARGO_HOME, else ~/.cargo: %j → %s', (env, expected) => {
    expect(cargoAdvisoryDbDir(env)).toBe(expected);
  });
});

describe('loadAuditDb', () => {
  it('uses --db before $CRATEWATCH_DB and a checkout, and asks no server', async () => {
    await makeCheckout(join(home, '.cargo', 'advisory-db'));
    const result = await loadAuditDb(options({ db: FIXTURE_DB }, { CRATEWATCH_DB: join(root, 'absent') }));
    expect(result.location).toBe(FIXTURE_DB);
    expect(result.db.advisoryCount).toBe(17);
    expect(server.requests).toHaveLength(0);
  });

  it('uses $CRATEWATCH_DB when there is no --db, and fails with its own error when it is not there', async () => {
    const result = await loadAuditDb(options({}, { CRATEWATCH_DB: FIXTURE_DB }));
    expect(result.location).toBe(FIXTURE_DB);
    const missing = join(root, 'absent');
    const error = await rejection(loadAuditDb(options({}, { CRATEWATCH_DB: missing })));
    expect(error).toBeInstanceOf(AdvisoryDbError);
    expect(error.message).toMatch(new RegExp(`^${missing}: no advisory database there \\(ENOENT`));
    expect(server.requests).toHaveLength(0);
  });

  it('downloads a --db URL into the cache, and with --no-fetch reads that copy without a request', async () => {
    const first = await loadAuditDb(options({ db: server.url }));
    expect([first.location, first.db.revision, server.requests.length]).toEqual([server.url, FIXTURE_ARCHIVE_COMMIT, 1]);
    const offline = await loadAuditDb(options({ db: server.url, noFetch: true }));
    expect(offline.db.revision).toBe(FIXTURE_ARCHIVE_COMMIT);
    expect(server.requests).toHaveLength(1);
  });

  it('uses a fresh cargo-audit checkout in $CARGO_HOME without asking the server', async () => {
    const cargoHome = join(root, 'cargo');
    const checkout = await makeCheckout(join(cargoHome, 'advisory-db'), 2);
    const result = await loadAuditDb(options({}, { CARGO_HOME: cargoHome }));
    expect(result).toMatchObject({ location: checkout, tried: [] });
    expect(result.db.revision).toBe(CHECKOUT_COMMIT);
    expect(server.requests).toHaveLength(0);
    expect(warnings).toEqual([]);
  });

  it('passes over a checkout fetched more than 7 days ago for the download, saying why', async () => {
    const checkout = await makeCheckout(join(home, '.cargo', 'advisory-db'), 10);
    const result = await loadAuditDb(options());
    expect(result).toMatchObject({ location: server.url, tried: [`${checkout}: last fetched 10 days ago, more than 7`] });
    expect(result.db.revision).toBe(FIXTURE_ARCHIVE_COMMIT);
    expect(server.requests).toHaveLength(1);
  });

  it('uses an old checkout with --no-fetch when nothing was downloaded, with a warning and no request', async () => {
    const checkout = await makeCheckout(join(home, '.cargo', 'advisory-db'), 10);
    const result = await loadAuditDb(options({ noFetch: true }));
    expect(result.location).toBe(checkout);
    expect(result.db.revision).toBe(CHECKOUT_COMMIT);
    expect(server.requests).toHaveLength(0);
    expect(warnings).toEqual([`using the advisory database in ${checkout}, last fetched 10 days ago: run \`cargo audit\` or \`git -C ${checkout} pull\` to update it`]);
  });

  it('falls back to an old checkout, with a warning, when the download fails', async () => {
    const checkout = await makeCheckout(join(home, '.cargo', 'advisory-db'), 10);
    server.failNext(404);
    const result = await loadAuditDb(options());
    expect(result.location).toBe(checkout);
    expect(result.tried).toEqual([`${checkout}: last fetched 10 days ago, more than 7`, `${server.url}: HTTP 404 for the advisory database; check its address (--db, or sources.advisory_db in cratewatch.toml)`]);
    expect(warnings).toEqual([`using the advisory database in ${checkout}, last fetched 10 days ago: run \`cargo audit\` or \`git -C ${checkout} pull\` to update it (the download failed)`]);
  });

  it('prefers, offline, a cached download newer than an old checkout', async () => {
    await loadAuditDb(options());
    await makeCheckout(join(home, '.cargo', 'advisory-db'), 10);
    const result = await loadAuditDb(options({ offline: true }));
    expect(result.location).toBe(server.url);
    expect(server.requests).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  it('prefers, offline, an old checkout fetched after the cached download, with a warning', async () => {
    await loadAuditDb(options({ now: () => new Date(NOW.getTime() - 20 * DAY_MS) }));
    const checkout = await makeCheckout(join(home, '.cargo', 'advisory-db'), 10);
    const result = await loadAuditDb(options({ offline: true }));
    expect(result.location).toBe(checkout);
    expect(server.requests).toHaveLength(1);
    expect(warnings).toEqual([`using the advisory database in ${checkout}, last fetched 10 days ago: run \`cargo audit\` or \`git -C ${checkout} pull\` to update it`]);
  });

  it('downloads the default database into the cache, then asks with If-None-Match and reuses it on 304, and --no-fetch sends nothing', async () => {
    const first = await loadAuditDb(options());
    expect(first).toMatchObject({ location: server.url, tried: [`${join(home, '.cargo', 'advisory-db')}: no cargo-audit checkout there`] });
    expect(first.db.fetchedAt).toBe(NOW.toISOString());
    expect(server.requests.map((r) => r.headers['if-none-match'])).toEqual([undefined]);
    const etag = JSON.parse((await readFile(join(cache, 'cache', 'http', 'advisory-db', 'archive'), 'utf8')).split('\n', 1)[0]!).etag as string;

    const second = await loadAuditDb(options());
    expect(server.requests.map((r) => r.headers['if-none-match'])).toEqual([undefined, etag]);
    expect(second.db.revision).toBe(FIXTURE_ARCHIVE_COMMIT);
    expect(second.db.advisoryCount).toBe(17);

    const offline = await loadAuditDb(options({ noFetch: true }));
    expect(offline.db.revision).toBe(FIXTURE_ARCHIVE_COMMIT);
    expect(server.requests).toHaveLength(2);
  });

  it('fails, when nothing can be had, with every place tried and why, and what to do', async () => {
    const error = await rejection(loadAuditDb(options({ noFetch: true })));
    expect(error).toBeInstanceOf(AdvisoryDbError);
    expect(error.message).toBe(
      [
        'no advisory database could be loaded; tried:',
        `  - ${join(home, '.cargo', 'advisory-db')}: no cargo-audit checkout there`,
        `  - ${server.url}: offline and no cached copy of the advisory database; run once online first, or pass a local path`,
        'run once without --no-fetch/--offline to download it, or pass --db PATH (a directory or .tar.gz) or set CRATEWATCH_DB',
      ].join('\n'),
    );
    expect(server.requests).toHaveLength(0);
  });

  it('names the failed download among what was tried when the server answers 404', async () => {
    server.failNext(404);
    const error = await rejection(loadAuditDb(options()));
    expect(error.message).toContain(`  - ${server.url}: HTTP 404 for the advisory database; check its address (--db, or sources.advisory_db in cratewatch.toml)`);
    expect(error.message).toMatch(/\npass --db PATH\|URL \(a directory, a \.tar\.gz or its URL\), set CRATEWATCH_DB, or check the network and run again$/);
  });
});

describe('the compiled database kept in the cache folder', () => {
  const snapshotPath = (location: string) => join(cache, ...compiledDbKey(location).split('/'));
  const readSnapshot = async (location: string) => JSON.parse(await readFile(snapshotPath(location), 'utf8')) as AdvisoryDbSnapshot;

  it('is written on the first load, keyed by this version and the archive, and restored on the next instead of parsing', async () => {
    await loadAuditDb(options({ db: server.url }));
    const snapshot = await readSnapshot(server.url);
    expect(snapshot).toMatchObject({ format: 'cratewatch-advisory-db', producer: TOOL_VERSION, revision: FIXTURE_ARCHIVE_COMMIT, advisoryCount: 17 });
    expect(snapshot.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    // A title only the snapshot has: seen on the next load only if the snapshot, not the archive, was read.
    const [name, advisories] = snapshot.packages[0]!;
    advisories[0]!.title = 'from the compiled snapshot';
    await writeFile(snapshotPath(server.url), JSON.stringify(snapshot));
    const again = await loadAuditDb(options({ db: server.url, noFetch: true }));
    expect(again.db.byPackage.get(name)![0]!.title).toBe('from the compiled snapshot');
  });

  it('is compiled again when the directory changes: an edited advisory is read, not the old snapshot', async () => {
    const dir = join(root, 'db');
    await cp(FIXTURE_DB, dir, { recursive: true });
    const first = await loadAuditDb(options({ db: dir }));
    const before = (await readSnapshot(dir)).fingerprint;
    const file = join(dir, 'crates', 'hyper', 'RUSTSEC-2099-0001.md');
    const text = await readFile(file, 'utf8');
    const oldTitle = first.db.byPackage.get('hyper')![0]!.title;
    await writeFile(file, text.replace(`# ${oldTitle}`, '# A new title'));
    const second = await loadAuditDb(options({ db: dir }));
    expect(second.db.byPackage.get('hyper')![0]!.title).toBe('A new title');
    const after = await readSnapshot(dir);
    expect(after.fingerprint).not.toBe(before);
    expect(after.packages.find(([n]) => n === 'hyper')![1][0]!.title).toBe('A new title');
  });

  it('is parsed around when damaged or written by another version, then replaced', async () => {
    const first = await loadAuditDb(options({ db: FIXTURE_DB }));
    await writeFile(snapshotPath(FIXTURE_DB), '{"format":"cratewatch-advisory-db","vers');
    const afterDamage = await loadAuditDb(options({ db: FIXTURE_DB }));
    expect(afterDamage.db).toStrictEqual(first.db);
    const snapshot = await readSnapshot(FIXTURE_DB);
    expect(snapshot.producer).toBe(TOOL_VERSION);
    snapshot.producer = '0.0.0-older';
    snapshot.packages[0]![1][0]!.title = 'stale';
    await writeFile(snapshotPath(FIXTURE_DB), JSON.stringify(snapshot));
    const afterVersion = await loadAuditDb(options({ db: FIXTURE_DB }));
    expect(afterVersion.db).toStrictEqual(first.db);
    expect((await readSnapshot(FIXTURE_DB)).producer).toBe(TOOL_VERSION);
  });

  it(`keeps one snapshot per database location, and only the newest once there are more than ${MAX_COMPILED_SNAPSHOTS}`, async () => {
    const dirs = Array.from({ length: MAX_COMPILED_SNAPSHOTS + 1 }, (_, i) => join(root, `db-${i}`));
    for (const dir of dirs) await cp(FIXTURE_DB, dir, { recursive: true });
    const store = new FsObjectStore(cache);
    for (const dir of dirs.slice(0, -1)) await loadAuditDb(options({ db: dir }));
    await loadAuditDb(options({ db: dirs[0] }));
    expect((await store.list('cache/advisory-db/compiled/')).sort()).toEqual(dirs.slice(0, -1).map(compiledDbKey).sort());
    await loadAuditDb(options({ db: dirs.at(-1) }));
    expect(await store.list('cache/advisory-db/compiled/')).toEqual([compiledDbKey(dirs.at(-1)!)]);
  });

  it('never fails the load when the cache folder cannot be written: a warning says so', async () => {
    await writeFile(join(root, 'not-a-folder'), '');
    const result = await loadAuditDb(options({ db: FIXTURE_DB }, { CRATEWATCH_CACHE: join(root, 'not-a-folder') }));
    expect(result.db.advisoryCount).toBe(17);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^could not keep the compiled advisory database in ${join(root, 'not-a-folder')} \\(.*\\); the next run parses it again$`));
  });
});
