import { beforeAll, describe, expect, it } from 'vitest';
import type { AdvisoryDb } from '../../../functions/core/advisory.ts';
import { auditLockfile } from '../../../functions/core/audit.ts';
import { parseManifest } from '../../../functions/core/manifest.ts';
import { findOutdated, parseRustVersion } from '../../../functions/core/outdated.ts';
import type { CrateLookup, IndexVersion } from '../../../functions/core/ports.ts';
import { fixtureDb, fixtureLockfile } from '../../helpers/fixtures.ts';

const TODAY = '2099-06-01';
const v = (version: string, extra: Partial<IndexVersion> = {}): IndexVersion => ({ version, yanked: false, rustVersion: null, ...extra });
const found = (...versions: IndexVersion[]): CrateLookup => ({ kind: 'found', versions });

let db: AdvisoryDb;
beforeAll(async () => {
  db = await fixtureDb();
});

describe('findOutdated', () => {
  const lockfile = () => fixtureLockfile('v3.Cargo.lock');

  it('gives the newest compatible and the newest release, skipping yanked versions and prereleases', () => {
    const index = new Map<string, CrateLookup>([
      ['reqwest', found(v('0.11.27'), v('0.11.28'), v('0.11.29', { yanked: true }), v('0.12.0'), v('0.13.0-rc.1'))],
      ['hyper', found(v('0.14.27'))],
    ]);
    expect(findOutdated(lockfile(), index, null)).toEqual([
      { name: 'reqwest', version: '0.11.27', compatible: '0.11.28', latest: '0.12.0', direct: true, msrvLimited: false },
    ]);
  });

  it('marks a transitive package as not direct and has no compatible version when only breaking ones are newer', () => {
    const index = new Map<string, CrateLookup>([['hyper', found(v('0.14.27'), v('1.0.0'))]]);
    expect(findOutdated(lockfile(), index, null)).toEqual([{ name: 'hyper', version: '0.14.27', compatible: null, latest: '1.0.0', direct: false, msrvLimited: false }]);
  });

  it('leaves out releases whose rust_version is above the workspace MSRV, and says so', () => {
    const index = new Map<string, CrateLookup>([
      ['tokio', found(v('1.38.0'), v('1.38.1', { rustVersion: '1.63' }), v('1.39.0', { rustVersion: '1.70' }), v('1.45.0', { rustVersion: '1.80.1' }))],
    ]);
    expect(findOutdated(lockfile(), index, '1.70')).toEqual([
      { name: 'tokio', version: '1.38.0', compatible: '1.39.0', latest: '1.39.0', direct: true, msrvLimited: true },
    ]);
    expect(findOutdated(lockfile(), index, null)[0]).toMatchObject({ compatible: '1.45.0', latest: '1.45.0', msrvLimited: false });
  });

  it('ignores packages from git, other registries and crates the index does not know', () => {
    const index = new Map<string, CrateLookup>([
      ['gix-tool', found(v('9.0.0'))],
      ['internal-crate', found(v('9.0.0'))],
      ['bytes', { kind: 'gone', status: 404 }],
    ]);
    expect(findOutdated(lockfile(), index, null)).toEqual([]);
  });

  it.each([
    ['1.60', '1.60.0'],
    ['1.70.1', '1.70.1'],
    ['1', '1.0.0'],
  ])('reads rust-version %s as %s', (text, expected) => {
    expect(parseRustVersion(text)?.version).toBe(expected);
  });
});

describe('auditLockfile with the index', () => {
  it('reports a yanked locked version, informational, with the nearest non-yanked release as the fix', () => {
    const index = new Map<string, CrateLookup>([['maybe-uninit', found(v('2.0.0', { yanked: true }), v('2.0.1'), v('2.1.0'))]]);
    const result = auditLockfile(fixtureLockfile('v3.Cargo.lock'), db, { today: TODAY, index });
    const yanked = result.findings.filter((f) => f.kind === 'yanked');
    expect(yanked).toHaveLength(1);
    expect(yanked[0]).toMatchObject({ severity: 'informational', package: { name: 'maybe-uninit', version: '2.0.0' }, fix: { status: 'compatible', version: '2.0.1' } });
    expect(yanked[0]!.advisory).toBeUndefined();
    expect(result.counts.byKind.yanked).toBe(1);
  });

  it('fails on a yanked version only when yanked (or warnings) is denied', () => {
    const lockfile = () =>
      fixtureLockfile('v3.Cargo.lock');
    const index = new Map<string, CrateLookup>([['maybe-uninit', found(v('2.0.0', { yanked: true }))]]);
    const ignores = ['0001', '0002', '0003', '0004', '0005', '0010', '0019'].map((n) => ({ id: `RUSTSEC-2099-${n}`, reason: 'test' }));
    expect(auditLockfile(lockfile(), db, { today: TODAY, index, ignores }).status).toBe('warnings');
    expect(auditLockfile(lockfile(), db, { today: TODAY, index, ignores, deny: ['yanked'] }).status).toBe('failing');
  });

  it('takes the advisory fix from published releases when the index knows them', () => {
    const index = new Map<string, CrateLookup>([['hyper', found(v('0.14.27'), v('0.14.28', { yanked: true }), v('0.14.30'))]]);
    const hyper = auditLockfile(fixtureLockfile('v3.Cargo.lock'), db, { today: TODAY, index }).findings.find((f) => f.package.name === 'hyper')!;
    expect(hyper.fix).toMatchObject({ version: '0.14.30', command: 'cargo update -p hyper@0.14.27 --precise 0.14.30' });
  });

  it('lists git, other-registry, gone and unreadable packages as not covered', () => {
    const index = new Map<string, CrateLookup>([
      ['bytes', { kind: 'gone', status: 410 }],
      ['mio', { kind: 'failed', message: 'HTTP 500 after 4 attempts' }],
    ]);
    const result = auditLockfile(fixtureLockfile('v3.Cargo.lock'), db, { today: TODAY, index });
    expect(result.notCovered.map((n) => [n.name, n.reason])).toEqual([
      ['bytes', 'gone-from-index'],
      ['gix-tool', 'git'],
      ['internal-crate', 'other-registry'],
      ['mio', 'index-failed'],
    ]);
    expect(result.notCovered.find((n) => n.name === 'mio')!.message).toContain('HTTP 500');
  });

  it('still lists git and other-registry packages as not covered without the index', () => {
    const result = auditLockfile(fixtureLockfile('v3.Cargo.lock'), db, { today: TODAY });
    expect(result.notCovered.map((n) => n.reason)).toEqual(['git', 'other-registry']);
    expect(result.outdated).toEqual([]);
  });
});

describe('parseManifest', () => {
  it.each([
    ['[package]\nname = "a"\nrust-version = "1.70"\n', '1.70', false],
    ['[workspace]\nmembers = ["a"]\n[workspace.package]\nrust-version = "1.74"\n', '1.74', false],
    ['[package]\nname = "a"\nrust-version.workspace = true\n', null, true],
    ['[package]\nname = "a"\n', null, false],
  ])('reads rust-version from %j', (text, rustVersion, inherits) => {
    expect(parseManifest(text, 'Cargo.toml')).toEqual({ rustVersion, inheritsRustVersion: inherits });
  });

  it('names the file and line of invalid TOML', () => {
    expect(() => parseManifest('[package\n', 'crates/a/Cargo.toml')).toThrow(/^crates\/a\/Cargo\.toml:1:\d+: not valid TOML/);
  });
});
