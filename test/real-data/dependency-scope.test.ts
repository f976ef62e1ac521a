// Dev and build scoping of ripgrep 15.0.0 (shared data: root + 9 members and its Cargo.lock),
// checked by hand against the manifests' [dev-dependencies] and target tables: crossbeam-channel
// (ignore), glob (globset) and regex (matcher, searcher) are dev-only; walkdir is a dev-dependency
// of the root and of grep but a normal one of ignore; tikv-jemallocator is the root's only
// target-specific dependency; crossbeam-epoch 0.9.18 (RUSTSEC-2026-0204) ships through ignore.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scopeOf } from '../../functions/core/dependency-scope.ts';
import { parseLockfile } from '../../functions/core/lockfile.ts';
import { resolveWorkspace } from '../../functions/core/workspace-members.ts';
import { sharedDataDir } from '../helpers/shared-data.ts';
import { readManifests } from '../helpers/workspace-fixtures.ts';

const RIPGREP = join(sharedDataDir, 'manifests', 'ripgrep');

describe.skipIf(!existsSync(RIPGREP))('scopeOf on ripgrep 15.0.0 (shared data)', () => {
  // A skipped describe still runs its body to collect the tests: read the files only when they are there.
  const present = existsSync(RIPGREP);
  const lockfile = present ? parseLockfile(readFileSync(join(RIPGREP, 'Cargo.lock'), 'utf8'), 'Cargo.lock') : null!;
  const scopes = present ? scopeOf(lockfile, resolveWorkspace('Cargo.toml', readManifests(RIPGREP))) : new Map();

  it('scopes all 61 locked packages; exactly three are dev-only and none build-only', () => {
    expect(scopes.size).toBe(61);
    const dev = [...scopes].filter(([, s]) => s.scope === 'dev').map(([key, s]) => `${key} ${s.members.join(',')}`);
    expect(dev).toEqual(['crossbeam-channel 0.5.15 ignore', 'glob 0.3.3 globset', 'regex 1.12.2 grep-matcher,grep-searcher']);
    expect([...scopes.values()].filter((s) => s.scope === 'build')).toEqual([]);
  });

  it('keeps walkdir normal through ignore although the root and grep list it as a dev-dependency', () => {
    expect(scopes.get('walkdir 2.5.0')).toEqual({
      scope: 'normal',
      members: ['ignore', 'ripgrep'],
      reachedBy: [
        { member: 'grep', scope: 'dev' },
        { member: 'ignore', scope: 'normal' },
        { member: 'ripgrep', scope: 'normal' },
      ],
      targets: null,
    });
  });

  it('marks jemalloc as needed only on 64-bit musl', () => {
    const musl = ['cfg(all(target_env = "musl", target_pointer_width = "64"))'];
    expect(scopes.get('tikv-jemallocator 0.6.0')).toMatchObject({ scope: 'normal', members: ['ripgrep'], targets: musl });
    expect(scopes.get('tikv-jemalloc-sys 0.6.0+5.3.0-1-ge13ca993e8ccb9ba9847cc330696e02839f328f7')!.targets).toEqual(musl);
  });

  it('puts crossbeam-epoch 0.9.18 in the shipped tree of ignore and ripgrep', () => {
    expect(scopes.get('crossbeam-epoch 0.9.18')).toMatchObject({ scope: 'normal', members: ['ignore', 'ripgrep'], targets: null });
  });
});
