// LocalRepoSource on real directories in a temporary folder, with hand-made .git folders.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRepoSource } from '../../functions/adapters/local-repo-source.ts';
import type { RepoConfig } from '../../functions/core/ports.ts';
import { fixtureText } from '../helpers/fixtures.ts';
import { failure, paths, repoConfig } from '../helpers/repo-config.ts';

const LOCK = fixtureText('v3.Cargo.lock');
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const OTHER = 'fedcba9876543210fedcba9876543210fedcba98';
const member = (name: string) => `[package]\nname = "${name}"\nversion = "0.1.0"\n`;
const AUDIT_TOML = '[advisories]\nignore = ["RUSTSEC-2099-0001"]\n';

let dir: string;

async function tree(root: string, files: Record<string, string>): Promise<string> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

const WORKSPACE = {
  'Cargo.toml': '[workspace]\nmembers = ["crates/*"]\n',
  'Cargo.lock': LOCK,
  'crates/app/Cargo.toml': member('my-app'),
  'crates/lib/Cargo.toml': member('my-lib'),
  'fuzz/Cargo.toml': member('fuzz'),
  'fuzz/Cargo.lock': LOCK,
  'target/package/app-0.1.0/Cargo.lock': LOCK,
  'node_modules/some-napi/Cargo.toml': member('napi'),
  'vendor/serde/Cargo.toml': member('serde'),
  '.cargo/audit.toml': AUDIT_TOML,
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cratewatch-local-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function repo(path: string, extra: Partial<RepoConfig> = {}): RepoConfig {
  return repoConfig('local', { kind: 'path', path }, extra);
}

/** Not the default name, so a message that names the configuration shows it is the one given. */
const CONFIG_FILE = 'ops/cratewatch.local.toml';
const source = (maxFileBytes = 1_000_000) => new LocalRepoSource({ maxFileBytes, configFile: CONFIG_FILE });
describe('LocalRepoSource', () => {
  it('discovers Cargo files by walking, skipping target/, node_modules/, vendor/ and .git/, and takes the commit from a loose ref', async () => {
    const root = await tree(join(dir, 'loose'), {
      ...WORKSPACE,
      '.git/HEAD': 'ref: refs/heads/main\n',
      [`.git/refs/heads/main`]: `${COMMIT}\n`,
      '.git/modules/sub/Cargo.lock': LOCK,
    });
    const snapshot = await source().fetchRepository(repo(root));
    expect(snapshot.commit).toBe(COMMIT);
    expect(snapshot.ref).toBe('main');
    expect(paths(snapshot.lockfiles)).toEqual(['Cargo.lock', 'fuzz/Cargo.lock']);
    expect(paths(snapshot.manifests)).toEqual(['Cargo.toml', 'fuzz/Cargo.toml', 'crates/app/Cargo.toml', 'crates/lib/Cargo.toml']);
    expect(snapshot.lockfiles[0]!.text).toBe(LOCK);
    expect(snapshot.policyFiles).toEqual([{ path: '.cargo/audit.toml', text: AUDIT_TOML }]);
  });

  it('discovers toolchain files outside skipped folders, leaving out one over the size limit', async () => {
    const dockerfile = 'FROM rust:1.75-alpine\n';
    const root = await tree(join(dir, 'tooled'), {
      ...WORKSPACE,
      Dockerfile: dockerfile,
      'rust-toolchain.toml': '[toolchain]\nchannel = "1.75.0"\n',
      'deploy/compose.yaml': 'services:\n  db:\n    image: postgres:16.0\n',
      'target/Dockerfile': dockerfile,
      'node_modules/x/Dockerfile': dockerfile,
      'big/Dockerfile': `${dockerfile}${'#'.repeat(20_000)}\n`,
    });
    const snapshot = await source(10_000).fetchRepository(repo(root, { lockfiles: null, manifests: null }));
    expect(snapshot.toolchainFiles).toEqual([
      { path: 'Dockerfile', text: dockerfile },
      { path: 'rust-toolchain.toml', text: '[toolchain]\nchannel = "1.75.0"\n' },
      { path: 'deploy/compose.yaml', text: 'services:\n  db:\n    image: postgres:16.0\n' },
    ]);
  });

  it('finds the commit in packed-refs after git gc, and a detached HEAD without a branch', async () => {
    const packed = await tree(join(dir, 'packed'), {
      'Cargo.lock': LOCK,
      '.git/HEAD': 'ref: refs/heads/release/1.x\n',
      '.git/packed-refs': `# pack-refs with: peeled fully-peeled sorted\n${OTHER} refs/heads/main\n${COMMIT} refs/heads/release/1.x\n`,
    });
    expect(await source().fetchRepository(repo(packed))).toMatchObject({ commit: COMMIT, ref: 'release/1.x' });

    const detached = await tree(join(dir, 'detached'), { 'Cargo.lock': LOCK, '.git/HEAD': `${OTHER}\n` });
    expect(await source().fetchRepository(repo(detached))).toMatchObject({ commit: OTHER, ref: null });
  });

  it('follows a .git file to a worktree git directory whose refs live in the common directory', async () => {
    const main = join(dir, 'main-clone');
    await tree(main, { '.git/HEAD': 'ref: refs/heads/main\n', '.git/refs/heads/feature': `${OTHER}\n`, '.git/worktrees/wt/HEAD': 'ref: refs/heads/feature\n', '.git/worktrees/wt/commondir': '../..\n' });
    const worktree = await tree(join(dir, 'wt'), { 'Cargo.lock': LOCK, '.git': `gitdir: ${join(main, '.git/worktrees/wt')}\n` });
    expect(await source().fetchRepository(repo(worktree))).toMatchObject({ commit: OTHER, ref: 'feature' });
  });

  it('has no commit or ref outside a git checkout', async () => {
    const plain = await tree(join(dir, 'plain'), { 'Cargo.lock': LOCK });
    expect(await source().fetchRepository(repo(plain))).toMatchObject({ commit: null, ref: null, manifests: [], policyFiles: [] });
  });

  it('reads configured paths without walking, and names a missing one', async () => {
    const root = await tree(join(dir, 'configured'), WORKSPACE);
    const snapshot = await source().fetchRepository(repo(root, { lockfiles: ['./fuzz/Cargo.lock'], manifests: ['fuzz/Cargo.toml'] }));
    expect(paths(snapshot.lockfiles)).toEqual(['fuzz/Cargo.lock']);
    expect(paths(snapshot.manifests)).toEqual(['fuzz/Cargo.toml']);

    const error = await failure(source().fetchRepository(repo(root, { lockfiles: ['app/Cargo.lock'], manifests: [] })));
    expect(error.message).toBe(`path ${root}: app/Cargo.lock not found: fix the \`lockfiles\` paths of this repository in ${CONFIG_FILE}, or remove them to discover every Cargo.lock`);
  });

  it('fails with what to check when the directory is missing or is a file', async () => {
    const missing = join(dir, 'no-such-dir');
    const error = await failure(source().fetchRepository(repo(missing)));
    expect(error.message).toBe(`path ${missing}: no such directory (ENOENT): check the \`path\` of repository "local" in ${CONFIG_FILE}`);

    const file = join(await tree(join(dir, 'file'), { 'Cargo.lock': LOCK }), 'Cargo.lock');
    expect((await failure(source().fetchRepository(repo(file)))).message).toContain('not a directory');
  });

  it('names "the cratewatch configuration" when it is not told which file the repository came from', async () => {
    const missing = join(dir, 'no-such-dir');
    const error = await failure(new LocalRepoSource({ maxFileBytes: 1_000 }).fetchRepository(repo(missing)));
    expect(error.message).toBe(`path ${missing}: no such directory (ENOENT): check the \`path\` of repository "local" in the cratewatch configuration`);
  });

  it('refuses a file over the size limit', async () => {
    const root = await tree(join(dir, 'big'), { 'Cargo.lock': LOCK });
    const error = await failure(source(1_000).fetchRepository(repo(root)));
    expect(error.message).toBe(`path ${root}: Cargo.lock refused: ${Buffer.byteLength(LOCK)} bytes, over the 1000-byte limit per file (raise \`max_file_bytes\` in ${CONFIG_FILE} if the file is genuine)`);
  });
});
