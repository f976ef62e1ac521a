import { beforeAll, describe, expect, it } from 'vitest';
import type { AdvisoryDb } from '../../../functions/core/advisory.ts';
import { auditLockfile } from '../../../functions/core/audit.ts';
import { parseLockfile } from '../../../functions/core/lockfile.ts';
import type { LockfileResult } from '../../../functions/core/result.ts';
import { fixtureDb, fixtureLockfile } from '../../helpers/fixtures.ts';

const TODAY = '2099-06-01';
let db: AdvisoryDb;
let v3: LockfileResult;

const ids = (result: LockfileResult) => result.findings.map((f) => `${f.package.name} ${f.package.version} ${f.advisory?.id}`).sort();

beforeAll(async () => {
  db = await fixtureDb();
  v3 = auditLockfile(fixtureLockfile('v3.Cargo.lock'), db, { today: TODAY });
});

describe('auditLockfile on the fixture workspace', () => {
  it('reports exactly the advisories that affect crates.io packages', () => {
    expect(ids(v3)).toEqual([
      'base64 0.21.7 RUSTSEC-2099-0007',
      'bytes 1.5.0 RUSTSEC-2099-0008',
      'h2 0.3.20 RUSTSEC-2099-0002',
      'hyper 0.14.27 RUSTSEC-2099-0001',
      'mio 0.8.10 RUSTSEC-2099-0006',
      'reqwest 0.11.27 RUSTSEC-2099-0019',
      'smallvec 0.6.13 RUSTSEC-2099-0004',
      'thiserror-impl 1.0.69 RUSTSEC-2099-0010',
      'time 0.1.45 RUSTSEC-2099-0005',
      'tokio 1.38.0 RUSTSEC-2099-0003',
    ]);
  });

  it.each(['v1.Cargo.lock', 'v2.Cargo.lock', 'v4.Cargo.lock'])('finds the same in %s as in v3', (file) => {
    expect(ids(auditLockfile(fixtureLockfile(file), db, { today: TODAY }))).toEqual(ids(v3));
  });

  it('never matches a withdrawn advisory (thiserror), a path member (my-lib), another registry (internal-crate) or git (gix-tool)', () => {
    const names = v3.findings.map((f) => f.package.name);
    for (const name of ['thiserror', 'my-lib', 'internal-crate', 'gix-tool']) expect(names).not.toContain(name);
  });

  it('does not report RUSTSEC-2099-0011 for the prerelease 1.0.0-alpha.1 when ">= 0.9.0" is patched', () => {
    expect(v3.findings.some((f) => f.package.name === 'rustls-pki-types')).toBe(false);
  });

  it('keeps an unknown informational kind out of the findings (libc)', () => {
    expect(v3.findings.some((f) => f.package.name === 'libc')).toBe(false);
  });

  it('reports thiserror-impl 1.0.69 but not 2.0.12 when only "< 1.0.50" and ">= 2.0.0" are unaffected', () => {
    expect(v3.findings.filter((f) => f.package.name === 'thiserror-impl').map((f) => f.package.version)).toEqual(['1.0.69']);
  });

  it('orders findings most severe first and scores them from CVSS v3.0, v3.1 and v4.0', () => {
    expect(v3.findings.map((f) => [f.package.name, f.severity, f.advisory?.cvss?.score ?? null])).toEqual([
      ['hyper', 'critical', 9.8],
      ['h2', 'high', 7.5],
      ['tokio', 'medium', 6.9],
      ['reqwest', 'low', 3.1],
      ['time', 'low', 3.7],
      ['smallvec', 'unscored', null],
      ['thiserror-impl', 'unscored', null],
      ['base64', 'informational', null],
      ['bytes', 'informational', null],
      ['mio', 'informational', null],
    ]);
  });

  it('names the kind of each informational finding', () => {
    const kind = (name: string) => v3.findings.find((f) => f.package.name === name)?.kind;
    expect([kind('base64'), kind('bytes'), kind('mio'), kind('hyper')]).toEqual(['unmaintained', 'notice', 'unsound', 'vulnerability']);
  });

  it('gives the precise cargo update command for hyper 0.14.27 → 0.14.28', () => {
    const hyper = v3.findings.find((f) => f.package.name === 'hyper')!;
    expect(hyper.fix).toMatchObject({ status: 'compatible', version: '0.14.28', command: 'cargo update -p hyper@0.14.27 --precise 0.14.28' });
  });

  it('asks for a manifest bump for time 0.1.45, whose nearest fix is 0.2.0', () => {
    expect(v3.findings.find((f) => f.package.name === 'time')!.fix).toMatchObject({ status: 'manifest-bump', version: '0.2.0', command: null });
  });

  it('says "no fixed version" for base64 when patched is empty', () => {
    expect(v3.findings.find((f) => f.package.name === 'base64')!.fix.status).toBe('none');
  });

  it('shows the shortest path from a workspace member: my-app → reqwest → hyper', () => {
    const hyper = v3.findings.find((f) => f.package.name === 'hyper')!;
    expect(hyper.paths).toEqual([
      [
        { name: 'my-app', version: '0.1.0' },
        { name: 'reqwest', version: '0.11.27' },
        { name: 'hyper', version: '0.14.27' },
      ],
    ]);
    const tokio = v3.findings.find((f) => f.package.name === 'tokio')!;
    expect(tokio.paths).toEqual([[{ name: 'my-lib', version: '0.1.0' }, { name: 'tokio', version: '1.38.0' }]]);
  });

  it('lists thiserror and thiserror-impl as duplicates with who depends on each version', () => {
    expect(v3.duplicates.map((d) => d.name)).toEqual(['thiserror', 'thiserror-impl']);
    expect(v3.duplicates[0]!.versions).toEqual([
      { version: '1.0.69', source: 'registry+https://github.com/rust-lang/crates.io-index', dependents: [{ name: 'my-app', version: '0.1.0' }] },
      { version: '2.0.12', source: 'registry+https://github.com/rust-lang/crates.io-index', dependents: [{ name: 'my-lib', version: '0.1.0' }] },
    ]);
  });

  it('fails the policy because of vulnerabilities, and counts by severity and kind', () => {
    expect(v3.status).toBe('failing');
    expect(v3.counts).toMatchObject({
      findings: 10,
      duplicates: 2,
      bySeverity: { critical: 1, high: 1, medium: 1, low: 2, unscored: 2, informational: 3 },
      byKind: { vulnerability: 7, unmaintained: 1, unsound: 1, notice: 1, yanked: 0 },
    });
  });
});

describe('policy and ignores', () => {
  const infoOnly = () =>
    parseLockfile(
      [
        '[[package]]', 'name = "app"', 'version = "0.1.0"', 'dependencies = ["base64"]', '',
        '[[package]]', 'name = "base64"', 'version = "0.21.7"', 'source = "registry+https://github.com/rust-lang/crates.io-index"', '',
      ].join('\n'),
      'info.Cargo.lock',
    );

  it('passes with warnings when only informational advisories match, and fails when their kind is denied', () => {
    expect(auditLockfile(infoOnly(), db, { today: TODAY }).status).toBe('warnings');
    expect(auditLockfile(infoOnly(), db, { today: TODAY, deny: ['unmaintained'] }).status).toBe('failing');
    expect(auditLockfile(infoOnly(), db, { today: TODAY, deny: ['warnings'] }).status).toBe('failing');
    expect(auditLockfile(infoOnly(), db, { today: TODAY, deny: ['unsound'] }).status).toBe('warnings');
  });

  it('moves an ignored advisory out of the findings, with its reason, matching by id or alias', () => {
    const byId = auditLockfile(fixtureLockfile('v3.Cargo.lock'), db, { today: TODAY, ignores: [{ id: 'RUSTSEC-2099-0001', reason: 'client unused' }] });
    expect(byId.findings.some((f) => f.advisory?.id === 'RUSTSEC-2099-0001')).toBe(false);
    expect(byId.ignored.map((f) => [f.advisory?.id, f.ignoredBy.reason])).toEqual([['RUSTSEC-2099-0001', 'client unused']]);
    const alias = db.byPackage.get('hyper')![0]!.aliases[0]!;
    const byAlias = auditLockfile(fixtureLockfile('v3.Cargo.lock'), db, { today: TODAY, ignores: [{ id: alias, reason: 'same' }] });
    expect(byAlias.ignored.map((f) => f.advisory?.id)).toEqual(['RUSTSEC-2099-0001']);
    expect(byAlias.ignoreProblems).toEqual([]);
  });

  it('stops applying an ignore after its date and reports it as expired', () => {
    const result = auditLockfile(fixtureLockfile('v3.Cargo.lock'), db, {
      today: TODAY,
      ignores: [{ id: 'RUSTSEC-2099-0001', reason: 'waiting for upstream', until: '2099-05-31' }],
    });
    expect(result.findings.some((f) => f.advisory?.id === 'RUSTSEC-2099-0001')).toBe(true);
    expect(result.ignoreProblems).toEqual([{ problem: 'expired', id: 'RUSTSEC-2099-0001', reason: 'waiting for upstream', until: '2099-05-31' }]);
  });

  it('still applies an ignore on the day it ends', () => {
    const result = auditLockfile(fixtureLockfile('v3.Cargo.lock'), db, {
      today: TODAY,
      ignores: [{ id: 'RUSTSEC-2099-0001', reason: 'r', until: TODAY }],
    });
    expect(result.ignored).toHaveLength(1);
    expect(result.ignoreProblems).toEqual([]);
  });

  it('reports an ignore that matched nothing as unused', () => {
    const result = auditLockfile(infoOnly(), db, { today: TODAY, ignores: [{ id: 'RUSTSEC-2000-0000', reason: 'old' }] });
    expect(result.ignoreProblems).toEqual([{ problem: 'unused', id: 'RUSTSEC-2000-0000', reason: 'old', until: null }]);
  });

  it('reports an empty lockfile as "scanned-nothing", not clean', () => {
    const result = auditLockfile(fixtureLockfile('empty.Cargo.lock'), db, { today: TODAY });
    expect(result.status).toBe('scanned-nothing');
    expect(result.packageCount).toBe(0);
  });
});

describe('whether the index was asked', () => {
  it('records the index as not checked, because offline, when no index is given', () => {
    expect(v3.index).toEqual({ checked: false, reason: 'offline' });
  });

  it('records the index as checked when lookups are given, even when a lookup failed', () => {
    const index = new Map([
      ['hyper', { kind: 'found' as const, versions: [{ version: '0.14.27', yanked: false, rustVersion: null }] }],
      ['tokio', { kind: 'failed' as const, message: 'HTTP 503' }],
    ]);
    expect(auditLockfile(fixtureLockfile('v3.Cargo.lock'), db, { today: TODAY, index }).index).toEqual({ checked: true });
  });
});
