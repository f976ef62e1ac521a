// GithubRepoSource against a real loopback server that answers like GitHub's REST API.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../functions/adapters/fs-object-store.ts';
import { GithubRepoSource, type GithubRepoSourceOptions } from '../../functions/adapters/github-repo-source.ts';
import { HttpClient } from '../../functions/adapters/http-client.ts';
import { ObjectHttpCache } from '../../functions/app/object-http-cache.ts';
import type { ObjectStore, RepoConfig, RepoSnapshot } from '../../functions/core/ports.ts';
import { fixtureText } from '../helpers/fixtures.ts';
import { startGithubServer, type FakeFile, type GithubServer } from '../helpers/github-server.ts';
import { failure, paths, repoConfig } from '../helpers/repo-config.ts';

const TOKEN = 'ghp_testtoken0123456789abcdefSECRET';
const LOCK = fixtureText('v3.Cargo.lock');
const XTASK_LOCK = fixtureText('v4.Cargo.lock');
const WORKSPACE_TOML = '[workspace]\nmembers = ["crates/*"]\nresolver = "2"\n';
const member = (name: string) => `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n`;
const AUDIT_TOML = '[advisories]\nignore = ["RUSTSEC-2099-0001"]\n';
const DENY_TOML = '[advisories]\nignore = [{ id = "RUSTSEC-2099-0002", reason = "not reachable" }]\n';

/** A workspace with nested members, a separate xtask workspace, build output and a vendored crate. */
const WORKSPACE = {
  'Cargo.toml': WORKSPACE_TOML,
  'Cargo.lock': LOCK,
  'README.md': '# app\n',
  'crates/app/Cargo.toml': member('my-app'),
  'crates/app/src/main.rs': 'fn main() {}\n',
  'crates/lib/Cargo.toml': member('my-lib'),
  'tools/xtask/Cargo.toml': member('xtask'),
  'tools/xtask/Cargo.lock': XTASK_LOCK,
  'target/package/my-app-0.1.0/Cargo.toml': member('my-app'),
  'target/package/my-app-0.1.0/Cargo.lock': LOCK,
  'crates/app/target/debug/build/Cargo.lock': LOCK,
  'vendor/serde/Cargo.toml': member('serde'),
};

const V1_LOCK = fixtureText('v1.Cargo.lock');

const DOCKERFILE = 'FROM rust:1.75-alpine AS build\nFROM postgres:16.0-alpine\n';
const TOOLCHAIN_TOML = '[toolchain]\nchannel = "1.75.0"\n';
/** A workspace with toolchain files where the check reads them, in skipped folders, and one too large to be one. */
const TOOLCHAINS = {
  'Cargo.toml': member('tooled'),
  'Cargo.lock': LOCK,
  'Dockerfile': DOCKERFILE,
  'rust-toolchain.toml': TOOLCHAIN_TOML,
  'docker/api.Dockerfile': DOCKERFILE,
  'deploy/k8s/api.yaml': 'apiVersion: v1\nkind: Pod\n',
  'compose.yaml': 'services:\n  db:\n    image: postgres:16.0\n',
  'Dockerfile.md': '# not a Dockerfile\n',
  '.github/workflows/ci.yaml': 'on: push\n',
  'target/Dockerfile': DOCKERFILE,
  'vendor/x/rust-toolchain': 'nightly\n',
  'huge/Dockerfile': `FROM rust:1.75\n${'#'.repeat(1_000_100)}\n`,
};

/** Symbolic links (git mode 120000) to lockfiles, through a linked folder, and ones that lead nowhere. */
const LINKED: Record<string, FakeFile> = {
  'Cargo.toml': WORKSPACE_TOML,
  'Cargo.lock': LOCK,
  'fuzz/Cargo.toml': member('fuzz'),
  'fuzz/Cargo.lock': { symlink: '../Cargo.lock' },
  'locks/tools.lock': XTASK_LOCK,
  'locks/app.lock': V1_LOCK,
  'tools/Cargo.toml': member('tools'),
  'tools/Cargo.lock': { symlink: '../locks/tools.lock' },
  'shared': { symlink: 'locks' },
  'app/Cargo.lock': { symlink: '../shared/app.lock' },
  'config/deny.toml': DENY_TOML,
  'deny.toml': { symlink: 'config/deny.toml' },
  'broken/Cargo.lock': { symlink: '../missing/Cargo.lock' },
  'escape/Cargo.lock': { symlink: '../../outside/Cargo.lock' },
  'loop/Cargo.lock': { symlink: 'Cargo.lock' },
  'folder/Cargo.lock': { symlink: '../locks' },
  'absolute/Cargo.lock': { symlink: '/etc/Cargo.lock' },
};

let server: GithubServer;

beforeAll(async () => {
  server = await startGithubServer(
    [
      { fullName: 'acme/workspace', files: WORKSPACE },
      {
        fullName: 'acme/policy',
        defaultBranch: 'trunk',
        files: { 'Cargo.toml': member('p'), 'Cargo.lock': LOCK, '.cargo/audit.toml': AUDIT_TOML, 'deny.toml': DENY_TOML, 'crates/x/deny.toml': DENY_TOML },
        refs: { 'release/1.x': { 'crates/app/Cargo.toml': member('my-app'), 'crates/app/Cargo.lock': LOCK, 'deny.toml': DENY_TOML } },
      },
      { fullName: 'acme/secret', private: true, files: { 'Cargo.lock': LOCK, 'Cargo.toml': member('secret') } },
      { fullName: 'acme/links', files: LINKED },
      { fullName: 'acme/tooled', files: TOOLCHAINS },
    ],
    { token: TOKEN },
  );
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.setRateLimit(undefined);
});

/** Not the default name, so a message that names the configuration shows it is the one given. */
const CONFIG_FILE = 'ssm:/ops/cratewatch-config';

function source(options: Partial<GithubRepoSourceOptions> = {}): GithubRepoSource {
  const http = new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 2_000, retries: 1, baseDelayMs: 1 });
  return new GithubRepoSource({ apiBase: server.url, http, maxFileBytes: 1_000_000, rateLimitBudgetMs: 10_000, configFile: CONFIG_FILE, ...options });
}

function repo(name: string, extra: Partial<RepoConfig> = {}): RepoConfig {
  return repoConfig(name, { kind: 'github', repo: name }, extra);
}

describe('GithubRepoSource', () => {
  it('discovers every Cargo.lock and Cargo.toml of a nested workspace at the default branch, skipping target/ and vendor/', async () => {
    const snapshot = await source().fetchRepository(repo('acme/workspace'));

    const sha = server.commitOf('acme/workspace');
    expect(snapshot.commit).toBe(sha);
    expect(snapshot.ref).toBe('main');
    expect(paths(snapshot.lockfiles)).toEqual(['Cargo.lock', 'tools/xtask/Cargo.lock']);
    expect(paths(snapshot.manifests)).toEqual(['Cargo.toml', 'crates/app/Cargo.toml', 'crates/lib/Cargo.toml', 'tools/xtask/Cargo.toml']);
    expect(snapshot.lockfiles[0]!.text).toBe(LOCK);
    expect(snapshot.lockfiles[1]!.text).toBe(XTASK_LOCK);
    expect(snapshot.manifests[0]!.text).toBe(WORKSPACE_TOML);
    expect(snapshot.policyFiles).toEqual([]);

    const asked = server.requests.map((r) => r.path);
    // The default branch's head, then its name, then the tree at that commit.
    expect(asked.slice(0, 3)).toEqual(['/repos/acme/workspace/commits/HEAD', '/repos/acme/workspace', `/repos/acme/workspace/git/trees/${sha}?recursive=1`]);
    // Files are read at the resolved commit, so a push during the scan cannot mix two trees;
    // policy files absent from the tree are not asked for.
    expect(asked.slice(3)).toEqual(
      ['Cargo.lock', 'tools/xtask/Cargo.lock', 'Cargo.toml', 'crates/app/Cargo.toml', 'crates/lib/Cargo.toml', 'tools/xtask/Cargo.toml'].map(
        (p) => `/repos/acme/workspace/contents/${p}?ref=${sha}`,
      ),
    );
  });

  it('discovers the toolchain files outside skipped folders, leaving out one over the limit without downloading it', async () => {
    const snapshot = await source().fetchRepository(repo('acme/tooled'));
    expect(paths(snapshot.toolchainFiles)).toEqual(['Dockerfile', 'compose.yaml', 'rust-toolchain.toml', 'docker/api.Dockerfile', 'deploy/k8s/api.yaml']);
    expect(snapshot.toolchainFiles[0]!.text).toBe(DOCKERFILE);
    expect(snapshot.toolchainFiles[2]!.text).toBe(TOOLCHAIN_TOML);
    expect(paths(snapshot.manifests)).toEqual(['Cargo.toml']);
    expect(server.requests.some((r) => r.path.includes('huge'))).toBe(false);
  });

  it('reads no toolchain file when lockfiles and manifests are configured (the tree is not listed)', async () => {
    const snapshot = await source().fetchRepository(repo('acme/tooled', { lockfiles: ['Cargo.lock'], manifests: ['Cargo.toml'] }));
    expect(snapshot.toolchainFiles).toEqual([]);
  });

  it('sends the API version, the SHA, JSON or raw media type and the user agent, and no Authorization without a token', async () => {
    await source().fetchRepository(repo('acme/workspace'));
    const media = (path: string) => (path.includes('/contents/') ? 'application/vnd.github.raw' : path.includes('/commits/') ? 'application/vnd.github.sha' : 'application/vnd.github+json');
    expect(server.requests).toHaveLength(9);
    for (const { path, headers } of server.requests) {
      expect(headers['x-github-api-version']).toBe('2022-11-28');
      expect(headers['user-agent']).toBe('cratewatch-test');
      expect(headers.authorization).toBeUndefined();
      expect(headers['if-none-match']).toBeUndefined();
      expect(headers.accept).toBe(media(path));
    }
  });

  it('reads configured paths at a configured ref without asking for the repository or its tree', async () => {
    const snapshot = await source().fetchRepository(repo('acme/policy', { ref: 'release/1.x', lockfiles: ['crates/app/Cargo.lock'], manifests: ['./crates/app/Cargo.toml'] }));

    const sha = server.commitOf('acme/policy', 'release/1.x');
    expect(snapshot).toMatchObject({ commit: sha, ref: 'release/1.x' });
    expect(snapshot.lockfiles).toEqual([{ path: 'crates/app/Cargo.lock', text: LOCK }]);
    expect(paths(snapshot.manifests)).toEqual(['crates/app/Cargo.toml']);
    // Without a tree the policy files are asked for; the one missing at this ref is simply absent.
    expect(snapshot.policyFiles).toEqual([{ path: 'deny.toml', text: DENY_TOML }]);
    const asked = server.requests.map((r) => r.path);
    expect(asked[0]).toBe('/repos/acme/policy/commits/release%2F1.x');
    expect(asked.some((p) => p === '/repos/acme/policy' || p.includes('/git/trees/'))).toBe(false);
  });

  it('fetches .cargo/audit.toml and deny.toml at the root when present, not nested ones', async () => {
    const snapshot = await source().fetchRepository(repo('acme/policy'));
    expect(snapshot.ref).toBe('trunk');
    expect(snapshot.policyFiles).toEqual([
      { path: '.cargo/audit.toml', text: AUDIT_TOML },
      { path: 'deny.toml', text: DENY_TOML },
    ]);
  });

  it('fails naming the path when a configured lockfile is missing', async () => {
    const error = await failure(source().fetchRepository(repo('acme/workspace', { lockfiles: ['app/Cargo.lock'], manifests: [] })));
    expect(error.status).toBe(404);
    expect(error.message).toMatch(/^github acme\/workspace: app\/Cargo\.lock not found at main \([0-9a-f]{12}\) \(404\): fix the `lockfiles` paths/);
    expect(error.message).toContain(`paths of this repository in ${CONFIG_FILE}, or remove them to discover every Cargo.lock`);
  });

  it('refuses a configured path that leaves the repository', async () => {
    const error = await failure(source().fetchRepository(repo('acme/workspace', { lockfiles: ['../other/Cargo.lock'], manifests: [] })));
    expect(error.message).toContain('"../other/Cargo.lock" in `lockfiles` is not a path inside the repository');
  });

  it('fails with the ref when the configured ref does not exist', async () => {
    const error = await failure(source().fetchRepository(repo('acme/workspace', { ref: 'no-such-branch' })));
    expect(error.status).toBe(422);
    expect(error.message).toBe(`github acme/workspace: ref "no-such-branch" not found (422): check the branch, tag or commit in ${CONFIG_FILE}`);
  });

  it('says how to fix a repository that is not found', async () => {
    const error = await failure(source().fetchRepository(repo('acme/missing')));
    expect(error.status).toBe(404);
    expect(error.message).toBe('github acme/missing: not found (404): check the name, or set GITHUB_TOKEN for a private repository');
  });

  it('refuses "." and ".." as owner or name without asking, since a URL would resolve them to another API path', async () => {
    for (const name of ['../workspace', 'acme/..', './x', 'acme/.']) {
      const error = await failure(source().fetchRepository(repo(name)));
      expect(error.message).toBe(`github ${name}: expected "owner/name" (for example "BurntSushi/ripgrep")`);
    }
    expect(server.requests).toEqual([]);
  });

  describe('symbolic links (mode 120000)', () => {
    it('reads a linked lockfile from its target, once when the target is read anyway, and leaves out links to nothing', async () => {
      const snapshot = await source().fetchRepository(repo('acme/links'));
      // fuzz/Cargo.lock is the root lockfile again: reported once, under its target.
      expect(snapshot.lockfiles).toEqual([
        { path: 'Cargo.lock', text: LOCK },
        { path: 'app/Cargo.lock', text: V1_LOCK },
        { path: 'tools/Cargo.lock', text: XTASK_LOCK },
      ]);
      expect(paths(snapshot.manifests)).toEqual(['Cargo.toml', 'fuzz/Cargo.toml', 'tools/Cargo.toml']);
      expect(snapshot.policyFiles).toEqual([{ path: 'deny.toml', text: DENY_TOML }]);

      const contents = server.requests.filter((r) => r.path.includes('/contents/')).map((r) => decodeURIComponent(r.path.split('/contents/')[1]!.split('?')[0]!));
      expect(contents.sort()).toEqual(['Cargo.lock', 'Cargo.toml', 'config/deny.toml', 'fuzz/Cargo.toml', 'locks/app.lock', 'locks/tools.lock', 'tools/Cargo.toml']);
      // Each link's target read once from its blob, the looping one included.
      const blobs = server.requests.filter((r) => r.path.includes('/git/blobs/'));
      expect(blobs).toHaveLength(10);
      expect(new Set(blobs.map((r) => r.path)).size).toBe(10);
      expect(blobs.every((r) => r.headers.accept === 'application/vnd.github.raw' && r.status === 200)).toBe(true);
    });

    it('reads a configured lockfile that is a link as GitHub answers it, with the text of its target', async () => {
      const snapshot = await source().fetchRepository(repo('acme/links', { lockfiles: ['tools/Cargo.lock'], manifests: [] }));
      expect(snapshot.lockfiles).toEqual([{ path: 'tools/Cargo.lock', text: XTASK_LOCK }]);
    });
  });

  describe('private repositories', () => {
    it('are not found without a token, with the hint to set GITHUB_TOKEN', async () => {
      const error = await failure(source().fetchRepository(repo('acme/secret')));
      expect(error.status).toBe(404);
      expect(error.message).toContain('set GITHUB_TOKEN for a private repository');
    });

    it('are read with the token, sent as a Bearer Authorization header on every request', async () => {
      const snapshot = await source({ token: TOKEN }).fetchRepository(repo('acme/secret'));
      expect(paths(snapshot.lockfiles)).toEqual(['Cargo.lock']);
      expect(server.requests.length).toBeGreaterThan(3);
      expect(server.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    });

    it('report a rejected token (401) without ever showing it', async () => {
      const wrong = `${TOKEN}-expired`;
      const adapter = source({ token: wrong });
      const error = await failure(adapter.fetchRepository(repo('acme/secret')));
      expect(error.status).toBe(401);
      expect(error.message).toMatch(/GitHub rejected the token \(401: Bad credentials\): check that the token is valid and not expired/);
      const seen = [error.message, String(error.stack), JSON.stringify(error), String((error.cause as Error | undefined)?.message)].join('\n');
      expect(seen).not.toContain(wrong);
      expect(JSON.stringify(adapter)).not.toContain(wrong);
    });

    it('never show the token in any failure message', async () => {
      const adapter = source({ token: TOKEN, maxFileBytes: 100 });
      const failures = await Promise.all([
        failure(adapter.fetchRepository(repo('acme/missing'))),
        failure(adapter.fetchRepository(repo('acme/secret', { ref: 'nope' }))),
        failure(adapter.fetchRepository(repo('acme/secret'))),
        failure(adapter.fetchRepository(repo('acme/secret', { lockfiles: ['x/Cargo.lock'], manifests: [] }))),
      ]);
      for (const error of failures) expect(`${error.message}\n${error.stack}`).not.toContain(TOKEN);
    });
  });

  describe('rate limits', () => {
    it('waits out a 403 rate limit that resets within the budget, then reads the repository', async () => {
      server.setRateLimit({ mode: 'until-reset', resetInSeconds: 1 });
      const started = Date.now();
      const snapshot = await source({ rateLimitBudgetMs: 5_000 }).fetchRepository(repo('acme/workspace'));
      expect(paths(snapshot.lockfiles)).toEqual(['Cargo.lock', 'tools/xtask/Cargo.lock']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      // One refused request, then the same request again after the reset: no hammering.
      expect(server.requests[0]!.path).toBe('/repos/acme/workspace/commits/HEAD');
      expect(server.requests[1]!.path).toBe('/repos/acme/workspace/commits/HEAD');
    });

    it('reports the rate limit and when it resets when that is past the budget, asking only once', async () => {
      server.setRateLimit({ mode: 'always', resetInSeconds: 3_600 });
      const error = await failure(source({ rateLimitBudgetMs: 10_000 }).fetchRepository(repo('acme/workspace')));
      expect(error.status).toBe(403);
      expect(error.message).toMatch(
        /^github acme\/workspace: rate-limited by GitHub \(403\) until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \(3[56]\d\d s from now\), longer than the 10 s left of the rate-limit wait budget: set GITHUB_TOKEN/,
      );
      expect(server.requests).toHaveLength(1);
    });

    it('spends one budget across the repositories of a source, and honours retry-after', async () => {
      let clock = Date.now();
      const slept: number[] = [];
      const adapter = source({
        rateLimitBudgetMs: 3_500,
        now: () => clock,
        sleep: async (ms) => {
          slept.push(ms);
          clock += ms;
        },
      });
      server.setRateLimit({ mode: 'once', resetInSeconds: 2 });
      await adapter.fetchRepository(repo('acme/workspace'));
      server.setRateLimit({ mode: 'once', resetInSeconds: 3_600, retryAfterSeconds: 1 });
      await adapter.fetchRepository(repo('acme/workspace'));
      expect(slept).toEqual([2_000, 1_000]);

      server.setRateLimit({ mode: 'once', resetInSeconds: 2 });
      const error = await failure(adapter.fetchRepository(repo('acme/workspace')));
      expect(error.message).toContain('longer than the 1 s left of the rate-limit wait budget');
    });

    it('waits out a 429 whose retry-after is longer than the shared client waits', async () => {
      let clock = Date.now();
      const slept: number[] = [];
      const http = new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 2_000, retries: 2, maxRetryWaitMs: 10 });
      const sleep = async (ms: number) => {
        slept.push(ms);
        clock += ms;
      };
      const adapter = source({ http, now: () => clock, sleep });
      server.setRateLimit({ mode: 'once', resetInSeconds: 60, status: 429, retryAfterSeconds: 1 });
      const snapshot = await adapter.fetchRepository(repo('acme/workspace'));
      expect(snapshot.commit).toBe(server.commitOf('acme/workspace'));
      expect(slept).toEqual([1_000]);
      expect(server.requests.slice(0, 2).map((r) => r.path)).toEqual(['/repos/acme/workspace/commits/HEAD', '/repos/acme/workspace/commits/HEAD']);
    });
  });

  describe('rate limits without retry-after', () => {
    it('waits for the x-ratelimit-reset of a 429 instead of letting the shared client retry it at once', async () => {
      let clock = Date.now();
      const slept: number[] = [];
      const http = new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 2_000, retries: 3, baseDelayMs: 1 });
      const adapter = source({ http, now: () => clock, sleep: async (ms: number) => { slept.push(ms); clock += ms; } });
      server.setRateLimit({ mode: 'once', resetInSeconds: 2, status: 429 });
      await adapter.fetchRepository(repo('acme/workspace'));
      expect(http.stats.retries).toBe(0);
      expect(slept).toHaveLength(1);
      expect(slept[0]).toBeGreaterThanOrEqual(1_000);
      expect(server.requests.slice(0, 2).map((r) => r.path)).toEqual(['/repos/acme/workspace/commits/HEAD', '/repos/acme/workspace/commits/HEAD']);
    });
  });

  describe('size limit', () => {
    it('refuses a discovered file over the limit from the tree size, without downloading it', async () => {
      const error = await failure(source({ maxFileBytes: 1_000 }).fetchRepository(repo('acme/workspace')));
      expect(error.message).toBe(`github acme/workspace: Cargo.lock refused: ${Buffer.byteLength(LOCK)} bytes, over the 1000-byte limit per file (raise \`max_file_bytes\` in ${CONFIG_FILE} if the file is genuine)`);
      expect(server.requests.some((r) => r.path.includes('/contents/'))).toBe(false);
    });

    it('refuses a configured file over the limit while reading it', async () => {
      const error = await failure(source({ maxFileBytes: 1_000 }).fetchRepository(repo('acme/workspace', { lockfiles: ['Cargo.lock'], manifests: [] })));
      expect(error.message).toBe(`github acme/workspace: Cargo.lock refused: over the 1000-byte limit per file (raise \`max_file_bytes\` in ${CONFIG_FILE} if the file is genuine)`);
    });
  });

  describe('a truncated tree', () => {
    let big: GithubServer;
    const files: Record<string, string> = { 'Cargo.toml': WORKSPACE_TOML, 'Cargo.lock': LOCK, 'crates/app/Cargo.toml': member('my-app') };
    for (let i = 0; i < 30; i++) files[`vendor/crate${i}/Cargo.toml`] = member(`crate${i}`);

    beforeAll(async () => {
      big = await startGithubServer([{ fullName: 'acme/big', files }], { treeLimit: 10 });
    });
    afterAll(() => big.close());

    const bigSource = (options: Partial<GithubRepoSourceOptions> = {}) =>
      new GithubRepoSource({
        apiBase: big.url,
        http: new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 2_000, retries: 0 }),
        maxFileBytes: 1_000_000,
        rateLimitBudgetMs: 0,
        configFile: CONFIG_FILE,
        ...options,
      });

    it('is walked folder by folder, never entering skipped folders', async () => {
      const snapshot = await bigSource().fetchRepository(repo('acme/big'));
      expect(paths(snapshot.lockfiles)).toEqual(['Cargo.lock']);
      expect(paths(snapshot.manifests)).toEqual(['Cargo.toml', 'crates/app/Cargo.toml']);
      const trees = big.requests.filter((r) => r.path.includes('/git/trees/'));
      // The recursive listing, then the root, crates/ and crates/app/: vendor/ is never listed.
      expect(trees).toHaveLength(4);
    });

    it('fails with what to configure when the walk needs too many listings', async () => {
      const error = await failure(bigSource({ maxTreeRequests: 2 }).fetchRepository(repo('acme/big')));
      expect(error.message).toBe(
        `github acme/big: the repository is too large to discover its Cargo files (GitHub truncated the tree, and more than 2 folders to list one by one): list them in \`lockfiles\` and \`manifests\` in ${CONFIG_FILE}`,
      );
    });
  });
});

/** A lockfile of `count` registry packages, about 200 bytes each, as real portfolios have. */
function lockfileOf(count: number, seed: string): string {
  const packages = Array.from({ length: count }, (_, i) => {
    const checksum = createHash('sha256').update(`${seed}-${i}`).digest('hex');
    return `[[package]]\nname = "${seed}-crate-${i}"\nversion = "1.${i}.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "${checksum}"\n`;
  });
  return `# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 3\n\n${packages.join('\n')}`;
}

/** An object store that counts the requests made of it. */
function counted(inner: ObjectStore): { store: ObjectStore; counts: { get: number; put: number; list: number; delete: number }; reset(): void } {
  const counts = { get: 0, put: 0, list: 0, delete: 0 };
  const store: ObjectStore = {
    location: inner.location,
    get: (key) => (counts.get++, inner.get(key)),
    put: (key, body, options) => (counts.put++, inner.put(key, body, options)),
    list: (prefix) => (counts.list++, inner.list(prefix)),
    delete: (key) => (counts.delete++, inner.delete(key)),
  };
  return { store, counts, reset: () => Object.assign(counts, { get: 0, put: 0, list: 0, delete: 0 }) };
}

describe('GithubRepoSource with a cache, scanning a portfolio again', () => {
  let gh: GithubServer;
  let dir: string;
  let objects: ReturnType<typeof counted>;
  const workspace = (seed: string): Record<string, FakeFile> => ({
    'Cargo.toml': WORKSPACE_TOML,
    'Cargo.lock': lockfileOf(150, seed),
    'crates/app/Cargo.toml': member(`${seed}-app`),
    'crates/lib/Cargo.toml': member(`${seed}-lib`),
    'crates/app/src/main.rs': 'fn main() {}\n',
    'README.md': `# ${seed}\n`,
  });
  const PORTFOLIO = [
    { fullName: 'acme/alpha', files: workspace('alpha') },
    { fullName: 'acme/beta', defaultBranch: 'trunk', files: { ...workspace('beta'), 'deny.toml': DENY_TOML } },
    { fullName: 'acme/gamma', files: {}, refs: { release: { 'Cargo.lock': lockfileOf(120, 'gamma'), 'Cargo.toml': member('gamma') } } },
    { fullName: 'acme/delta', files: { ...workspace('delta'), 'fuzz/Cargo.toml': member('fuzz'), 'fuzz/Cargo.lock': { symlink: '../Cargo.lock' } } },
    { fullName: 'acme/epsilon', files: { 'Cargo.toml': member('epsilon'), 'Cargo.lock': lockfileOf(80, 'epsilon'), '.cargo/audit.toml': AUDIT_TOML } },
  ];
  const configs = (): RepoConfig[] =>
    PORTFOLIO.map((p) => (p.fullName === 'acme/gamma' ? repo(p.fullName, { ref: 'release', lockfiles: ['Cargo.lock'], manifests: ['Cargo.toml'] }) : repo(p.fullName)));

  /** One run as a scan makes it: a fresh HTTP client, source and run cache over the same store. */
  async function run(names: readonly RepoConfig[] = configs()): Promise<RepoSnapshot[]> {
    const http = new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 2_000, retries: 0 });
    const cache = new ObjectHttpCache(objects.store, () => new Date());
    const adapter = new GithubRepoSource({ apiBase: gh.url, http, maxFileBytes: 1_000_000, rateLimitBudgetMs: 0, cache });
    return Promise.all(names.map((r) => adapter.fetchRepository(r)));
  }

  const wireTotal = () => {
    const { read, written } = gh.wireBytes();
    return read + written;
  };

  beforeAll(async () => {
    gh = await startGithubServer(PORTFOLIO);
    dir = await mkdtemp(join(tmpdir(), 'cratewatch-github-cache-'));
    objects = counted(new FsObjectStore(dir));
  });
  afterAll(async () => {
    await gh.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('asks GitHub once per repository (answered 304), moves under 10% of the first run\'s bytes, and returns the same files', async () => {
    const first = await run();
    const firstBytes = wireTotal();
    const firstRequests = gh.requests.length;
    expect(objects.counts).toEqual({ get: 5, put: 5, list: 0, delete: 0 });
    gh.requests.length = 0;
    objects.reset();

    const second = await run();
    const secondBytes = wireTotal() - firstBytes;

    expect(second).toEqual(first);
    expect(paths(second[3]!.lockfiles)).toEqual(['Cargo.lock']);
    const heads = PORTFOLIO.map((p) => `/repos/${p.fullName}/commits/${p.fullName === 'acme/gamma' ? 'release' : 'HEAD'}`);
    expect(gh.requests.map((r) => r.path).sort()).toEqual(heads.sort());
    for (const request of gh.requests) {
      const repoName = request.path.split('/').slice(2, 4).join('/');
      expect(request.headers['if-none-match']).toBe(`"${gh.commitOf(repoName, repoName === 'acme/gamma' ? 'release' : undefined)}"`);
      expect(request.status).toBe(304);
    }
    expect(firstRequests).toBeGreaterThan(30);
    expect(secondBytes / firstBytes).toBeLessThan(0.1);
    // The store: one read per repository, nothing written when nothing changed.
    expect(objects.counts).toEqual({ get: 5, put: 0, list: 0, delete: 0 });
  });

  it('reads only the changed file after a push, and nothing but the head after that', async () => {
    await run();
    const files: Record<string, FakeFile> = { ...workspace('alpha'), 'crates/lib/Cargo.toml': `${member('alpha-lib')}[dependencies]\nserde = "1"\n` };
    const sha = gh.push('acme/alpha', files);
    gh.requests.length = 0;
    objects.reset();

    const [alpha] = await run([repo('acme/alpha')]);
    expect(alpha!.commit).toBe(sha);
    expect(alpha!.manifests.find((m) => m.path === 'crates/lib/Cargo.toml')!.text).toBe(files['crates/lib/Cargo.toml']);
    expect(alpha!.lockfiles[0]!.text).toBe(files['Cargo.lock']);
    // The new head, the default branch's name, the tree at the new commit, and the one changed blob.
    expect(gh.requests.map((r) => `${r.status} ${r.path}`)).toEqual([
      '200 /repos/acme/alpha/commits/HEAD',
      '200 /repos/acme/alpha',
      `200 /repos/acme/alpha/git/trees/${sha}?recursive=1`,
      `200 /repos/acme/alpha/contents/crates/lib/Cargo.toml?ref=${sha}`,
    ]);
    expect(objects.counts).toEqual({ get: 1, put: 1, list: 0, delete: 0 });

    gh.requests.length = 0;
    const [again] = await run([repo('acme/alpha')]);
    expect(again).toEqual(alpha);
    expect(gh.requests.map((r) => `${r.status} ${r.path}`)).toEqual(['304 /repos/acme/alpha/commits/HEAD']);
  });

  it('asks for configured files conditionally after a push, and gets 304 for those that did not change', async () => {
    const gamma = repo('acme/gamma', { ref: 'release', lockfiles: ['Cargo.lock'], manifests: ['Cargo.toml'] });
    await run([gamma]);
    const lock = lockfileOf(120, 'gamma');
    const sha = gh.push('acme/gamma', { 'Cargo.lock': lock, 'Cargo.toml': `${member('gamma')}# bumped\n` }, 'release');
    gh.requests.length = 0;

    const [snapshot] = await run([gamma]);
    expect(snapshot).toMatchObject({ commit: sha, ref: 'release', lockfiles: [{ path: 'Cargo.lock', text: lock }], manifests: [{ path: 'Cargo.toml', text: `${member('gamma')}# bumped\n` }] });
    const asked = gh.requests.map((r) => [r.status, r.path.split('?')[0], r.headers['if-none-match'] ?? null]);
    expect(asked).toEqual([
      [200, '/repos/acme/gamma/commits/release', expect.stringMatching(/^"[0-9a-f]{40}"$/)],
      [304, '/repos/acme/gamma/contents/Cargo.lock', expect.stringMatching(/^"[0-9a-f]{40}"$/)],
      [200, '/repos/acme/gamma/contents/Cargo.toml', expect.stringMatching(/^"[0-9a-f]{40}"$/)],
      // Absent policy files are asked for again at a new commit: they may have been added.
      [404, '/repos/acme/gamma/contents/.cargo/audit.toml', null],
      [404, '/repos/acme/gamma/contents/deny.toml', null],
    ]);
  });

  it('reads everything again when the cached object is damaged, and repairs it', async () => {
    await run([repo('acme/epsilon')]);
    const key = (await objects.store.list('cache/http/')).find((k) => k.endsWith('acme/epsilon'))!;
    await objects.store.put(key, 'not a cached repository', { contentType: 'application/octet-stream' });
    gh.requests.length = 0;
    const [snapshot] = await run([repo('acme/epsilon')]);
    expect(snapshot!.lockfiles[0]!.text).toBe(lockfileOf(80, 'epsilon'));
    expect(gh.requests.map((r) => r.path.split('?')[0])).toEqual([
      '/repos/acme/epsilon/commits/HEAD',
      '/repos/acme/epsilon',
      `/repos/acme/epsilon/git/trees/${gh.commitOf('acme/epsilon')}`,
      '/repos/acme/epsilon/contents/Cargo.lock',
      '/repos/acme/epsilon/contents/Cargo.toml',
      '/repos/acme/epsilon/contents/.cargo/audit.toml',
    ]);
    gh.requests.length = 0;
    await run([repo('acme/epsilon')]);
    expect(gh.requests.map((r) => r.status)).toEqual([304]);
  });
});
