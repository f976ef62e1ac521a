// Scopes for a lockfile from the manifests of its repository, the workspace in a subfolder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockfileScopes } from '../../../functions/app/lockfile-scopes.ts';
import { parseLockfile } from '../../../functions/core/lockfile.ts';
import { readManifests, WORKSPACES } from '../../helpers/workspace-fixtures.ts';

const SCOPED = join(WORKSPACES, 'scoped');
const lockfile = parseLockfile(readFileSync(join(SCOPED, 'Cargo.lock'), 'utf8'), 'rust/Cargo.lock');
const manifests = readManifests(SCOPED).map((m) => ({ path: `rust/${m.path}`, text: m.text }));

describe('lockfileScopes', () => {
  it('resolves the workspace rooted beside the lockfile', () => {
    const scopes = lockfileScopes(lockfile, manifests)!;
    expect([scopes.get('time 0.1.45')?.scope, scopes.get('tokio 1.38.0')?.members]).toEqual(['dev', ['app', 'testkit']]);
  });

  it('gives null when the Cargo.toml beside the lockfile is not among the manifests', () => {
    expect(lockfileScopes(lockfile, manifests.filter((m) => m.path !== 'rust/Cargo.toml'))).toBe(null);
  });

  it('gives null when a member manifest does not parse', () => {
    const broken = manifests.map((m) => (m.path === 'rust/app/Cargo.toml' ? { ...m, text: '[dependencies]\nserde = 1\n' } : m));
    expect(lockfileScopes(lockfile, broken)).toBe(null);
  });
});
