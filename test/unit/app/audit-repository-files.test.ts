// auditRepositoryFiles: the one audit of a repository's Cargo files that `cratewatch audit`
// and each repository of a scan run — policy files joined, lockfiles parsed once, the index
// asked once per crate.
import { beforeAll, describe, expect, it } from 'vitest';
import { auditRepositoryFiles, type RepositoryFiles } from '../../../functions/app/audit-lockfile.ts';
import type { AdvisoryDb } from '../../../functions/core/advisory.ts';
import { ConfigError } from '../../../functions/core/errors.ts';
import { parseLockfile } from '../../../functions/core/lockfile.ts';
import type { DenyKind, Ignore } from '../../../functions/core/policy.ts';
import type { CrateLookup, IndexSource } from '../../../functions/core/ports.ts';
import { CLEAN_LOCK, fixtureDb, fixtureText } from '../../helpers/fixtures.ts';
import { rejectionOf } from '../../helpers/rejection.ts';

const CRATES_IO = 'registry+https://github.com/rust-lang/crates.io-index';
/** Parses as TOML, but Cargo refuses it (a checksum that is not a string, line 7); its one crate is in no other lockfile. */
const BROKEN_LOCK = `version = 3\n\n[[package]]\nname = "only-in-broken"\nversion = "1.0.0"\nsource = "${CRATES_IO}"\nchecksum = 5\n`;

/** An index that knows hyper (0.14.27 yanked) and records every name it is asked about. */
class RecordingIndex implements IndexSource {
  readonly asked: string[] = [];

  async lookup(name: string): Promise<CrateLookup> {
    this.asked.push(name);
    if (name !== 'hyper') return { kind: 'gone', status: 404 };
    return { kind: 'found', versions: [{ version: '0.14.27', yanked: true, rustVersion: null }, { version: '0.14.28', yanked: false, rustVersion: null }] };
  }
}

let db: AdvisoryDb;
beforeAll(async () => {
  db = await fixtureDb();
});

function audit(files: Partial<RepositoryFiles>, options: { index?: IndexSource | null; ignores?: Ignore[]; deny?: DenyKind[] } = {}) {
  return auditRepositoryFiles({
    repository: { name: 'demo', source: 'path:/demo', ref: null, commit: null },
    files: { lockfiles: [], manifests: [], policyFiles: [], ...files },
    index: options.index ?? null,
    db,
    dbLocation: 'fixture',
    ignores: options.ignores ?? [],
    deny: options.deny ?? [],
    now: new Date('2099-06-01T00:00:00Z'),
  });
}

describe('auditRepositoryFiles', () => {
  it('adds the ignores of .cargo/audit.toml and deny.toml after the given ones, and their denied kinds once each', async () => {
    const result = await audit(
      {
        lockfiles: [{ path: 'Cargo.lock', text: fixtureText('v3.Cargo.lock') }],
        policyFiles: [
          { path: '.cargo/audit.toml', text: '[advisories]\nignore = ["RUSTSEC-2099-0002"]\n\n[output]\ndeny = ["unmaintained", "yanked"]\n' },
          { path: 'deny.toml', text: '[advisories]\nignore = [{ id = "RUSTSEC-2099-0003", reason = "not reachable" }]\n' },
        ],
      },
      { ignores: [{ id: 'RUSTSEC-2099-0001', reason: 'given' }], deny: ['yanked'] },
    );
    expect(result.policy.deny).toEqual(['yanked', 'unmaintained']);
    expect(result.lockfiles[0]!.ignored.map((f) => [f.advisory?.id, f.ignoredBy.reason])).toEqual([
      ['RUSTSEC-2099-0001', 'given'],
      ['RUSTSEC-2099-0002', 'ignored in .cargo/audit.toml'],
      ['RUSTSEC-2099-0003', 'not reachable'],
    ]);
  });

  it('asks the index once about each crates.io crate of the lockfiles that parse, never about those of one that does not', async () => {
    const index = new RecordingIndex();
    const v3 = fixtureText('v3.Cargo.lock');
    const result = await audit(
      {
        lockfiles: [
          { path: 'Cargo.lock', text: v3 },
          { path: 'clean/Cargo.lock', text: CLEAN_LOCK },
          { path: 'broken/Cargo.lock', text: BROKEN_LOCK },
        ],
      },
      { index },
    );
    const cratesIo = (text: string) => parseLockfile(text, 'x').packages.filter((p) => p.source?.kind === 'crates-io').map((p) => p.name);
    expect([...index.asked].sort()).toEqual([...new Set([...cratesIo(v3), ...cratesIo(CLEAN_LOCK)])].sort());
    expect(result.lockfiles.map((l) => l.status)).toEqual(['failing', 'clean', 'error']);
    expect(result.lockfiles[2]!.errors).toEqual([{ message: expect.stringContaining('broken/Cargo.lock:7'), line: 7, field: 'checksum' }]);
    expect(result.lockfiles[0]!.findings.filter((f) => f.kind === 'yanked').map((f) => `${f.package.name} ${f.package.version}`)).toEqual(['hyper 0.14.27']);
  });

  it('reports no yanked or outdated crate when there is no index (offline)', async () => {
    const result = await audit({ lockfiles: [{ path: 'Cargo.lock', text: fixtureText('v3.Cargo.lock') }] });
    expect(result.lockfiles[0]!.findings.filter((f) => f.kind === 'yanked')).toEqual([]);
    expect(result.lockfiles[0]!.outdated).toEqual([]);
  });

  it("takes each lockfile's rust-version from the Cargo.toml in its folder, and none where there is none", async () => {
    const result = await audit({
      lockfiles: [
        { path: 'Cargo.lock', text: CLEAN_LOCK },
        { path: 'tools/Cargo.lock', text: CLEAN_LOCK },
      ],
      manifests: [
        { path: 'Cargo.toml', text: '[package]\nname = "clean-app"\nversion = "0.1.0"\nrust-version = "1.70"\n' },
        { path: 'tools/sub/Cargo.toml', text: '[package]\nname = "sub"\nversion = "0.1.0"\nrust-version = "1.80"\n' },
      ],
    });
    expect(result.lockfiles.map((l) => l.rustVersion)).toEqual(['1.70', null]);
  });

  it('throws ConfigError naming the policy file and line when .cargo/audit.toml has a malformed ignore list', async () => {
    const files = { lockfiles: [{ path: 'Cargo.lock', text: CLEAN_LOCK }], policyFiles: [{ path: '.cargo/audit.toml', text: '[advisories]\nignore = "RUSTSEC-2099-0001"\n' }] };
    const error = await rejectionOf(audit(files));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe('.cargo/audit.toml:2 (field `advisories.ignore`): expected a list of advisory ids');
  });
});

describe('the repository checks besides the lockfiles', () => {
  const WORKSPACE = '[workspace]\nmembers = ["app"]\n';
  const app = (deps: string) => `[package]\nname = "app"\nversion = "0.1.0"\n\n[dependencies]\n${deps}`;
  /** hyper 0.14.27 (affected by RUSTSEC-2099-0001) and 0.14.28 (patched), neither yanked. */
  const HYPER_INDEX: IndexSource = {
    lookup: async (name) => (name === 'hyper' ? { kind: 'found', versions: ['0.14.27', '0.14.28'].map((version) => ({ version, yanked: false, rustVersion: null })) } : { kind: 'gone', status: 404 }),
  };
  const APP_LOCK = `version = 3\n\n[[package]]\nname = "app"\nversion = "0.1.0"\ndependencies = ["hyper"]\n\n[[package]]\nname = "hyper"\nversion = "0.14.28"\nsource = "${CRATES_IO}"\n`;

  it('audits a lone lockfile without pinning, manifest scan or toolchains, as before', async () => {
    const result = await audit({ lockfiles: [{ path: 'Cargo.lock', text: CLEAN_LOCK }] });
    expect([result.pinning, result.manifestScan, result.toolchains]).toEqual([undefined, undefined, undefined]);
    expect(result.status).toBe('clean');
  });

  it('checks the pins of the workspace root beside the lockfile, and warns on a finding', async () => {
    const result = await audit({
      lockfiles: [{ path: 'Cargo.lock', text: APP_LOCK }],
      manifests: [{ path: 'Cargo.toml', text: WORKSPACE }, { path: 'app/Cargo.toml', text: app('hyper = "*"\n') }],
    });
    expect(result.pinning!.map((p) => [p.root, p.lockfile, p.findings.map((f) => `${f.file}:${f.line} ${f.kind}`)])).toEqual([['Cargo.toml', 'Cargo.lock', ['app/Cargo.toml:6 unbounded-requirement']]]);
    expect(result.lockfiles[0]!.status).toBe('clean');
    expect(result.status).toBe('warnings');
  });

  it('fails a repository without Cargo.lock whose requirement admits only an affected version, as the lockfile finding would', async () => {
    const result = await audit({ manifests: [{ path: 'Cargo.toml', text: WORKSPACE }, { path: 'app/Cargo.toml', text: app('hyper = "=0.14.27"\n') }] }, { index: HYPER_INDEX });
    expect(result.manifestScan!.requirements.map((r) => [r.key, r.status])).toEqual([['hyper', 'vulnerable']]);
    expect(result.status).toBe('failing');
  });

  it('warns on a repository without Cargo.lock whose requirement only may let an affected version in', async () => {
    const result = await audit({ manifests: [{ path: 'Cargo.toml', text: WORKSPACE }, { path: 'app/Cargo.toml', text: app('hyper = "0.14"\n') }] }, { index: HYPER_INDEX });
    expect(result.manifestScan!.requirements.map((r) => [r.key, r.status])).toEqual([['hyper', 'maybe-vulnerable']]);
    expect(result.status).toBe('warnings');
  });

  it('reports a workspace root that cannot be resolved as a pinning error with file and line, and warns', async () => {
    const result = await audit({ lockfiles: [{ path: 'Cargo.lock', text: APP_LOCK }], manifests: [{ path: 'Cargo.toml', text: WORKSPACE }, { path: 'app/Cargo.toml', text: app('hyper = 1\n') }] });
    expect(result.pinningErrors).toEqual([{ root: 'Cargo.toml', file: 'app/Cargo.toml', line: 6, field: expect.any(String), message: expect.any(String) }]);
    expect(result.status).toBe('warnings');
  });
});
