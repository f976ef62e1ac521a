// GitlabRepoSource against a real loopback server that answers like GitLab's REST API (v4).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GitlabRepoSource, type GitlabRepoSourceOptions } from '../../functions/adapters/gitlab-repo-source.ts';
import { HttpClient } from '../../functions/adapters/http-client.ts';
import type { CachedResponse, HttpCache, RepoConfig } from '../../functions/core/ports.ts';
import { fixtureText } from '../helpers/fixtures.ts';
import { startGitlabServer, type FakeGitlabProject, type GitlabServer } from '../helpers/gitlab-server.ts';
import { failure, paths, repoConfig } from '../helpers/repo-config.ts';

const TOKEN = 'glpat-testtoken0123456789SECRET';
const LOCK = fixtureText('v3.Cargo.lock');
const member = (name: string) => `[package]\nname = "${name}"\nversion = "0.1.0"\n`;
const DENY_TOML = '[advisories]\nignore = ["RUSTSEC-2099-0002"]\n';
const V4_LOCK = fixtureText('v4.Cargo.lock');

const PROJECTS: FakeGitlabProject[] = [
  {
    path: 'acme/platform/workspace',
    files: {
      'Cargo.toml': '[workspace]\nmembers = ["crates/*"]\n',
      'Cargo.lock': LOCK,
      'crates/app/Cargo.toml': member('my-app'),
      'crates/app/src/main.rs': 'fn main() {}\n',
      'crates/lib/Cargo.toml': member('my-lib'),
      'examples/demo/Cargo.toml': member('demo'),
      'examples/demo/Cargo.lock': LOCK,
      'target/release/Cargo.lock': LOCK,
      'deny.toml': DENY_TOML,
    },
    refs: { 'v1.0.0': { 'Cargo.lock': LOCK, 'Cargo.toml': member('old') } },
  },
  { path: 'acme/secret', private: true, files: { 'Cargo.lock': LOCK, 'Cargo.toml': member('secret') } },
  { path: 'acme/empty', defaultBranch: null, files: {} },
  {
    // GitLab serves a symbolic link's raw file as the path it points at: that must never be parsed as TOML.
    path: 'acme/links',
    files: {
      'Cargo.toml': '[workspace]\nmembers = ["fuzz", "tools"]\n',
      'Cargo.lock': LOCK,
      'fuzz/Cargo.toml': member('fuzz'),
      'fuzz/Cargo.lock': { symlink: '../Cargo.lock' },
      'locks/tools.lock': V4_LOCK,
      'tools/Cargo.toml': member('tools'),
      'tools/Cargo.lock': { symlink: '../locks/tools.lock' },
      'broken/Cargo.lock': { symlink: '../missing/Cargo.lock' },
      'config/deny.toml': DENY_TOML,
      'deny.toml': { symlink: 'config/deny.toml' },
    },
  },
];

const DOCKERFILE = 'FROM rust:1.75-alpine AS build\nFROM postgres:16.0-alpine\n';
PROJECTS.push({
  path: 'acme/tooled',
  files: {
    'Cargo.toml': member('tooled'),
    'Cargo.lock': LOCK,
    'Dockerfile': DOCKERFILE,
    'rust-toolchain': '1.75.0\n',
    'k8s/db.yml': 'apiVersion: v1\nkind: Pod\n',
    'target/Dockerfile': DOCKERFILE,
    // GitLab's tree gives no sizes: this one is found too large while it downloads.
    'big/Dockerfile': `FROM rust:1.75\n${'#'.repeat(1_000_100)}\n`,
  },
});

let server: GitlabServer;

beforeAll(async () => {
  // Two entries a page, so the tree of the workspace takes several pages.
  server = await startGitlabServer(PROJECTS, { token: TOKEN, maxPerPage: 2 });
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

/** Not the default name, so a message that names the configuration shows it is the one given. */
const CONFIG_FILE = 'deploy/gitlab-portfolio.toml';

function source(options: Partial<GitlabRepoSourceOptions> = {}, apiBase = server.url): GitlabRepoSource {
  const http = new HttpClient({ userAgent: 'cratewatch-test', timeoutMs: 2_000, retries: 0 });
  return new GitlabRepoSource({ apiBase, http, maxFileBytes: 1_000_000, configFile: CONFIG_FILE, ...options });
}

function repo(project: string, extra: Partial<RepoConfig> = {}): RepoConfig {
  return repoConfig(project, { kind: 'gitlab', project }, extra);
}

describe('GitlabRepoSource', () => {
  it('discovers Cargo files across every keyset page of the tree, skipping target/, at the default branch commit', async () => {
    const snapshot = await source().fetchRepository(repo('acme/platform/workspace'));

    const sha = server.commitOf('acme/platform/workspace');
    expect(snapshot).toMatchObject({ commit: sha, ref: 'main' });
    expect(paths(snapshot.lockfiles)).toEqual(['Cargo.lock', 'examples/demo/Cargo.lock']);
    expect(paths(snapshot.manifests)).toEqual(['Cargo.toml', 'crates/app/Cargo.toml', 'crates/lib/Cargo.toml', 'examples/demo/Cargo.toml']);
    expect(snapshot.lockfiles[0]!.text).toBe(LOCK);
    expect(snapshot.policyFiles).toEqual([{ path: 'deny.toml', text: DENY_TOML }]);

    const asked = server.requests.map((r) => r.path);
    const id = 'acme%2Fplatform%2Fworkspace';
    expect(asked[0]).toBe(`/api/v4/projects/${id}`);
    expect(asked[1]).toBe(`/api/v4/projects/${id}/repository/commits/main`);
    expect(asked[2]).toBe(`/api/v4/projects/${id}/repository/tree?recursive=true&ref=${sha}&per_page=100&pagination=keyset`);
    const pages = asked.filter((p) => p.includes('/repository/tree'));
    // 17 entries (folders and files), two a page; later pages follow the Link header's page_token.
    expect(pages).toHaveLength(9);
    expect(pages.slice(1).every((p) => p.includes('page_token='))).toBe(true);
    expect(asked).toContain(`/api/v4/projects/${id}/repository/files/examples%2Fdemo%2FCargo.lock/raw?ref=${sha}`);
    expect(server.requests.every((r) => r.headers['private-token'] === undefined)).toBe(true);
  });

  it('discovers the toolchain files outside skipped folders and leaves out one too large to be one', async () => {
    const snapshot = await source().fetchRepository(repo('acme/tooled'));
    expect(snapshot.toolchainFiles).toEqual([
      { path: 'Dockerfile', text: DOCKERFILE },
      { path: 'rust-toolchain', text: '1.75.0\n' },
      { path: 'k8s/db.yml', text: 'apiVersion: v1\nkind: Pod\n' },
    ]);
    expect(paths(snapshot.lockfiles)).toEqual(['Cargo.lock']);
  });

  it('follows X-Next-Page when the server pages by number', async () => {
    const offset = await startGitlabServer(PROJECTS, { maxPerPage: 4, pagination: 'offset' });
    try {
      const snapshot = await source({}, offset.url).fetchRepository(repo('acme/platform/workspace'));
      expect(paths(snapshot.lockfiles)).toEqual(['Cargo.lock', 'examples/demo/Cargo.lock']);
      const pages = offset.requests.map((r) => r.path).filter((p) => p.includes('/repository/tree'));
      expect(pages).toHaveLength(5);
      expect(pages[4]).toContain('page=5');
    } finally {
      await offset.close();
    }
  });

  it('reads configured paths at a configured tag without listing the tree', async () => {
    const snapshot = await source().fetchRepository(repo('acme/platform/workspace', { ref: 'v1.0.0', lockfiles: ['Cargo.lock'], manifests: ['Cargo.toml'] }));
    expect(snapshot).toMatchObject({ commit: server.commitOf('acme/platform/workspace', 'v1.0.0'), ref: 'v1.0.0', policyFiles: [] });
    expect(snapshot.manifests).toEqual([{ path: 'Cargo.toml', text: member('old') }]);
    expect(server.requests.some((r) => r.path.includes('/repository/tree') || r.path === '/api/v4/projects/acme%2Fplatform%2Fworkspace')).toBe(false);
  });

  it('fails naming the path when a configured manifest is missing', async () => {
    const error = await failure(source().fetchRepository(repo('acme/platform/workspace', { lockfiles: [], manifests: ['app/Cargo.toml'] })));
    expect(error.status).toBe(404);
    expect(error.message).toMatch(/^gitlab acme\/platform\/workspace: app\/Cargo\.toml not found at main \([0-9a-f]{12}\) \(404\): fix the `manifests` paths/);
    expect(error.message).toContain(`paths of this repository in ${CONFIG_FILE}, or remove them to discover every Cargo.toml`);
  });

  it('fails with the ref when it does not exist, and says what to do with an empty project', async () => {
    const missingRef = await failure(source().fetchRepository(repo('acme/platform/workspace', { ref: 'nope' })));
    expect(missingRef.message).toBe(`gitlab acme/platform/workspace: ref "nope" not found (404): check the branch, tag or commit in ${CONFIG_FILE}`);
    const empty = await failure(source().fetchRepository(repo('acme/empty')));
    expect(empty.message).toBe(`gitlab acme/empty: the project has no default branch (is it empty?): push a commit, or set its branch in ${CONFIG_FILE}`);
  });

  it('hides a private project without a token, reads it with PRIVATE-TOKEN, and never shows the token', async () => {
    const hidden = await failure(source().fetchRepository(repo('acme/secret', { ref: 'main' })));
    expect(hidden.status).toBe(404);
    expect(hidden.message).toBe('gitlab acme/secret: not found (404): check the project path, or set GITLAB_TOKEN for a private project');

    const snapshot = await source({ token: TOKEN }).fetchRepository(repo('acme/secret'));
    expect(paths(snapshot.lockfiles)).toEqual(['Cargo.lock']);
    expect(server.requests.filter((r) => r.headers['private-token'] === TOKEN).length).toBeGreaterThan(3);
    expect(server.requests.some((r) => r.headers.authorization !== undefined || r.path.includes(TOKEN))).toBe(false);

    const wrong = `${TOKEN}-revoked`;
    const rejected = await failure(source({ token: wrong }).fetchRepository(repo('acme/secret')));
    expect(rejected.status).toBe(401);
    expect(rejected.message).toBe('gitlab acme/secret: GitLab rejected the token (401: 401 Unauthorized): check that the token is valid, not expired and has read_api');
    expect(`${rejected.message}\n${rejected.stack}`).not.toContain(wrong);
  });

  it('refuses a file over the size limit', async () => {
    const error = await failure(source({ maxFileBytes: 1_000 }).fetchRepository(repo('acme/platform/workspace')));
    expect(error.message).toBe(`gitlab acme/platform/workspace: Cargo.lock refused: over the 1000-byte limit per file (raise \`max_file_bytes\` in ${CONFIG_FILE} if the file is genuine)`);
  });

  it('refuses a project path without a group, or with "." or ".." parts', async () => {
    for (const project of ['workspace', 'acme/..', '../acme/x', 'acme/./x']) {
      const error = await failure(source().fetchRepository(repo(project)));
      expect(error.message).toBe(`gitlab ${project}: expected the project path "group/project" (subgroups allowed: "group/sub/project")`);
    }
    expect(server.requests).toHaveLength(0);
  });

  it('follows symbolic links to the files they point at, reports a lockfile read anyway once, and leaves out links to nothing', async () => {
    const snapshot = await source().fetchRepository(repo('acme/links'));
    expect(snapshot.lockfiles).toEqual([
      { path: 'Cargo.lock', text: LOCK },
      { path: 'tools/Cargo.lock', text: V4_LOCK },
    ]);
    expect(paths(snapshot.manifests)).toEqual(['Cargo.toml', 'fuzz/Cargo.toml', 'tools/Cargo.toml']);
    expect(snapshot.policyFiles).toEqual([{ path: 'deny.toml', text: DENY_TOML }]);
    const raw = server.requests.filter((r) => r.path.includes('/repository/files/')).map((r) => decodeURIComponent(r.path.split('/repository/files/')[1]!.split('/raw')[0]!));
    expect(raw.sort()).toEqual(['Cargo.lock', 'Cargo.toml', 'config/deny.toml', 'fuzz/Cargo.toml', 'locks/tools.lock', 'tools/Cargo.toml']);
    expect(server.requests.filter((r) => r.path.includes('/repository/blobs/'))).toHaveLength(4);
  });

  it('with a cache, reads no tree and no file again at the same commit, and writes the cache only when it changed', async () => {
    const stored = new Map<string, CachedResponse>();
    const writes: string[] = [];
    const cache: HttpCache = {
      get: async (key) => stored.get(key),
      put: async (key, value) => {
        writes.push(key);
        stored.set(key, value);
      },
    };
    const first = await source({ cache }).fetchRepository(repo('acme/links'));
    expect(writes).toEqual([`repo-files/gitlab/${encodeURIComponent(server.url.replace('http://', ''))}/acme/links`]);
    server.requests.length = 0;

    const second = await source({ cache }).fetchRepository(repo('acme/links'));
    expect(second).toEqual(first);
    // The project (for its default branch) and the branch's commit: nothing else.
    expect(server.requests.map((r) => r.path)).toEqual(['/api/v4/projects/acme%2Flinks', '/api/v4/projects/acme%2Flinks/repository/commits/main']);
    expect(writes).toHaveLength(1);
  });
});
