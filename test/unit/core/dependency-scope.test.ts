// Dev and build scoping on the hand-written `scoped` workspace (test/fixtures/workspaces/
// README.md lists how each expected scope follows from the manifests and Cargo.lock).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdvisoryDb } from '../../../functions/core/advisory.ts';
import { auditLockfile } from '../../../functions/core/audit.ts';
import { alertableByScope, scopeOf, withScopes, type PackageScope } from '../../../functions/core/dependency-scope.ts';
import { parseLockfile } from '../../../functions/core/lockfile.ts';
import { resolveWorkspace } from '../../../functions/core/workspace-members.ts';
import { fixtureDb } from '../../helpers/fixtures.ts';
import { readManifests, WORKSPACES } from '../../helpers/workspace-fixtures.ts';

const SCOPED = join(WORKSPACES, 'scoped');
const lockfile = parseLockfile(readFileSync(join(SCOPED, 'Cargo.lock'), 'utf8'), 'Cargo.lock');
const workspace = resolveWorkspace('Cargo.toml', readManifests(SCOPED));
const scopes = scopeOf(lockfile, workspace);
const brief = (s: PackageScope | undefined) => (s ? `${s.scope} ${s.members.join(',')}${s.targets ? ` [${s.targets.join(', ')}]` : ''}` : 'unreached');
const scopeOfPkg = (key: string) => brief(scopes.get(key));

describe('scopeOf on the scoped workspace', () => {
  it('gives every locked package a scope', () => {
    expect(scopes.size).toBe(lockfile.packages.length);
  });

  it.each([
    // members are normal; testkit is a dev-dependency of app but a member of its own
    ['app 0.2.0', 'normal app'],
    ['macros 0.2.0', 'normal app,macros'],
    ['testkit 0.2.0', 'normal testkit'],
    // tokio is both a normal and a dev-dependency of app: normal wins
    ['tokio 1.38.0', 'normal app,testkit'],
    ['mio 0.8.10', 'normal app,testkit'],
    // serde: normal for app and testkit, dev for macros (through trybuild)
    ['serde 1.0.203', 'normal app,testkit'],
    ['hyper 0.14.27', 'normal app'],
    // libc: build through cc → jobserver, dev through proptest/chrono, normal through tokio → mio
    ['libc 0.2.155', 'normal app,testkit'],
    // through the member macros: its normal dependencies stay normal for app
    ['syn 2.0.66', 'normal app,macros'],
    ['unicode-ident 1.0.12', 'normal app,macros'],
    // app's build-dependencies and their subtree
    ['cc 1.0.98', 'build app'],
    ['jobserver 0.1.31', 'build app'],
    ['base64 0.21.7', 'build app'],
    // macros' build-dependency: build for macros and for app through it; dev for app through chrono → num-traits
    ['autocfg 1.3.0', 'build app,macros'],
    // app's dev-dependencies and their subtree
    ['proptest 1.4.0', 'dev app'],
    ['rand_core 0.6.4', 'dev app'],
    ['chrono 0.4.19', 'dev app'],
    ['time 0.1.45', 'dev app'],
    // macros' dev-dependency
    ['trybuild 1.0.96', 'dev macros'],
    ['glob 0.3.1', 'dev macros'],
    // testkit's normal dependencies: normal for testkit itself
    ['insta 1.39.0', 'normal testkit'],
    ['reqwest 0.11.27', 'normal testkit'],
    // testkit's dev-dependency: app uses testkit, but Cargo never builds a dependency's dev-dependencies
    ['pretty_assertions 1.4.0', 'dev testkit'],
    ['diff 0.1.13', 'dev testkit'],
    // a [target.'cfg(windows)'.dependencies] entry: normal, windows only, down its subtree
    ['winapi-util 0.1.8', 'normal app [cfg(windows)]'],
    ['windows-sys 0.52.0', 'normal app [cfg(windows)]'],
  ])('%s is %s', (key, expected) => {
    expect(scopeOfPkg(key)).toBe(expected);
  });

  it('lists every member that reaches a package with the scope it reaches it through', () => {
    expect(scopes.get('serde 1.0.203')!.reachedBy).toEqual([
      { member: 'app', scope: 'normal' },
      { member: 'macros', scope: 'dev' },
      { member: 'testkit', scope: 'normal' },
    ]);
    expect(scopes.get('testkit 0.2.0')!.reachedBy).toEqual([
      { member: 'app', scope: 'dev' },
      { member: 'testkit', scope: 'normal' },
    ]);
    expect(scopes.get('autocfg 1.3.0')!.reachedBy).toEqual([
      { member: 'app', scope: 'build' },
      { member: 'macros', scope: 'build' },
    ]);
  });
});

describe('scopeOf rules on small workspaces', () => {
  const lock = (packages: [string, string, string[]][]) =>
    parseLockfile(
      `version = 4\n${packages
        .map(([name, version, deps]) => {
          const source = /^(app|lib|tool)$/.test(name) ? '' : 'source = "registry+https://github.com/rust-lang/crates.io-index"\n';
          return `\n[[package]]\nname = "${name}"\nversion = "${version}"\n${source}${deps.length > 0 ? `dependencies = [${deps.map((d) => `"${d}"`).join(', ')}]\n` : ''}`;
        })
        .join('')}`,
      'Cargo.lock',
    );

  it('tells two versions of one crate apart by the requirement each entry admits', () => {
    const ws = resolveWorkspace('Cargo.toml', [
      { path: 'Cargo.toml', text: '[package]\nname = "app"\nversion = "0.1.0"\n[dependencies]\nrand = "0.8"\n[dev-dependencies]\nrand07 = { package = "rand", version = "0.7" }\n' },
    ]);
    const result = scopeOf(lock([['app', '0.1.0', ['rand 0.7.3', 'rand 0.8.5']], ['rand', '0.7.3', []], ['rand', '0.8.5', []]]), ws);
    expect([brief(result.get('rand 0.8.5')), brief(result.get('rand 0.7.3'))]).toEqual(['normal app', 'dev app']);
  });

  it('counts an edge the manifests do not declare as normal, and a path root without a manifest as a member', () => {
    const ws = resolveWorkspace('Cargo.toml', [{ path: 'Cargo.toml', text: '[package]\nname = "app"\nversion = "0.1.0"\n[dev-dependencies]\nserde = "1"\n' }]);
    const result = scopeOf(lock([['app', '0.1.0', ['serde', 'log']], ['log', '0.4.21', []], ['serde', '1.0.203', []], ['tool', '0.1.0', ['itoa']], ['itoa', '1.0.11', []]]), ws);
    expect([brief(result.get('serde 1.0.203')), brief(result.get('log 0.4.21')), brief(result.get('itoa 1.0.11'))]).toEqual(['dev app', 'normal app', 'normal tool']);
  });

  it('keeps a dependency of a build-dependency in the build scope and a build-dependency of a dev-dependency in the dev scope', () => {
    const ws = resolveWorkspace('Cargo.toml', [
      { path: 'Cargo.toml', text: '[workspace]\nmembers = ["app", "lib"]\n' },
      { path: 'app/Cargo.toml', text: '[package]\nname = "app"\nversion = "0.1.0"\n[build-dependencies]\ncc = "1"\n[dev-dependencies]\nlib = { path = "../lib" }\n' },
      { path: 'lib/Cargo.toml', text: '[package]\nname = "lib"\nversion = "0.1.0"\n[build-dependencies]\nautocfg = "1"\n' },
    ]);
    const result = scopeOf(lock([['app', '0.1.0', ['cc', 'lib']], ['cc', '1.0.98', ['jobserver']], ['jobserver', '0.1.31', []], ['lib', '0.1.0', ['autocfg']], ['autocfg', '1.3.0', []]]), ws);
    expect(result.get('jobserver 0.1.31')!.scope).toBe('build');
    expect(result.get('autocfg 1.3.0')!.reachedBy).toEqual([
      { member: 'app', scope: 'dev' },
      { member: 'lib', scope: 'build' },
    ]);
  });
});

describe('withScopes and alertableByScope', () => {
  let db: AdvisoryDb;
  beforeAll(async () => {
    db = await fixtureDb();
  });

  it('adds each finding its scope, members and targets', () => {
    const result = auditLockfile(lockfile, db, { today: '2099-06-01' });
    const scoped = withScopes(result.findings, scopes).map((f) => `${f.package.name} ${f.advisory?.id} ${f.scope?.scope} ${f.scope?.members.join(',')}`);
    expect(scoped.sort()).toEqual([
      'base64 RUSTSEC-2099-0007 build app',
      'bytes RUSTSEC-2099-0008 normal app,testkit',
      'hyper RUSTSEC-2099-0001 normal app',
      'mio RUSTSEC-2099-0006 normal app,testkit',
      'reqwest RUSTSEC-2099-0019 normal testkit',
      'time RUSTSEC-2099-0005 dev app',
      'tokio RUSTSEC-2099-0003 normal app,testkit',
    ]);
  });

  it('gives null to a finding whose package the scopes do not know', () => {
    expect(withScopes([{ package: { name: 'ghost', version: '1.0.0' } }], scopes)).toEqual([{ package: { name: 'ghost', version: '1.0.0' }, scope: null }]);
  });

  it.each([
    ['dev', false, false],
    ['dev', true, true],
    ['build', false, true],
    ['normal', false, true],
    [null, false, true],
  ] as const)('alerts on a %s finding with includeDev %s: %s', (scope, includeDev, expected) => {
    expect(alertableByScope(scope === null ? null : { scope, members: ['app'], targets: null }, { includeDev })).toBe(expected);
  });
});
