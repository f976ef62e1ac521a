// The manifest-only scan of the `scoped` workspace against the fixture advisory database,
// with index answers written here (and without them), and the offline range test.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { affectedRanges } from '../../../functions/core/advisory-ranges.ts';
import type { AdvisoryDb } from '../../../functions/core/advisory.ts';
import { admitsAffected, auditManifestRequirements, cratesToLookUp, type RequirementCheck } from '../../../functions/core/manifest-audit.ts';
import type { CrateLookup, IndexVersion } from '../../../functions/core/ports.ts';
import { resolveWorkspace } from '../../../functions/core/workspace-members.ts';
import { fixtureDb } from '../../helpers/fixtures.ts';
import { readManifests, WORKSPACES } from '../../helpers/workspace-fixtures.ts';

const workspace = resolveWorkspace('Cargo.toml', readManifests(join(WORKSPACES, 'scoped')));

const found = (...versions: (string | Partial<IndexVersion> & { version: string })[]): CrateLookup => ({
  kind: 'found',
  versions: versions.map((v) => (typeof v === 'string' ? { version: v, yanked: false, rustVersion: null } : { yanked: false, rustVersion: null, ...v })),
});

const INDEX = new Map<string, CrateLookup>([
  ['tokio', found('1.18.3', '1.38.0', '1.38.1', { version: '1.39.0', rustVersion: '1.70' }, { version: '1.40.0', rustVersion: '1.80' })],
  ['hyper', found('0.14.27', '0.14.28', '1.3.1')],
  ['base64', found('0.21.7', '0.22.1')],
  ['serde', found('1.0.203', { version: '1.0.204', yanked: true })],
  ['syn', found('1.0.109')],
  ['log', { kind: 'gone', status: 404 }],
  ['reqwest', { kind: 'failed', message: 'HTTP 503 after 3 attempts' }],
]);

let db: AdvisoryDb;
beforeAll(async () => {
  db = await fixtureDb();
});

const at = (checks: RequirementCheck[], file: string, line: number) => {
  const check = checks.find((c) => c.file === file && c.line === line);
  if (!check) throw new Error(`no requirement at ${file}:${line}`);
  return check;
};
const ids = (check: RequirementCheck) => check.advisories.map((a) => `${a.id} ${a.kind} newest:${a.affectsNewest} ${a.affectedVersions?.join(',') ?? '-'}`);

describe('auditManifestRequirements with the index', () => {
  let checks: RequirementCheck[];
  beforeAll(() => {
    checks = auditManifestRequirements(workspace, db, { index: INDEX });
  });

  it('lists every requirement of every member, by file and line', () => {
    expect(checks.map((c) => `${c.file}:${c.line} ${c.key} ${c.kind}${c.target ? ` ${c.target}` : ''}`)).toEqual([
      'app/Cargo.toml:8 tokio normal',
      'app/Cargo.toml:9 serde normal',
      'app/Cargo.toml:10 log normal',
      'app/Cargo.toml:11 hyper normal',
      'app/Cargo.toml:12 macros normal',
      'app/Cargo.toml:15 tokio dev',
      'app/Cargo.toml:16 proptest dev',
      'app/Cargo.toml:17 chrono dev',
      'app/Cargo.toml:18 testkit dev',
      'app/Cargo.toml:21 cc build',
      'app/Cargo.toml:22 base64 build',
      'app/Cargo.toml:25 winapi-util normal cfg(windows)',
      'macros/Cargo.toml:10 syn normal',
      'macros/Cargo.toml:11 quote normal',
      'macros/Cargo.toml:14 trybuild dev',
      'macros/Cargo.toml:17 autocfg build',
      'testkit/Cargo.toml:7 tokio normal',
      'testkit/Cargo.toml:8 insta normal',
      'testkit/Cargo.toml:9 reqwest normal',
      'testkit/Cargo.toml:12 pretty_assertions dev',
    ]);
  });

  it('reports =0.14.27 of hyper vulnerable (the newest it admits is affected) and outdated (1.3.1 is out)', () => {
    const hyper = at(checks, 'app/Cargo.toml', 11);
    expect(hyper).toMatchObject({ member: 'app', requirement: '=0.14.27', status: 'vulnerable', newest: '0.14.27', latest: '1.3.1', outdated: true, msrvLimited: false, index: { checked: true } });
    expect(ids(hyper)).toEqual(['RUSTSEC-2099-0001 vulnerability newest:true 0.14.27']);
    expect(hyper.advisories[0]!.severity).toBe('critical');
  });

  it('reports tokio "1" maybe vulnerable: its newest within rust-version 1.74 (1.39.0) is patched, 1.18.3 and 1.38.0 are not', () => {
    const tokio = at(checks, 'app/Cargo.toml', 8);
    expect(tokio).toMatchObject({ requirement: '1', inheritedFrom: { file: 'Cargo.toml', line: 12 }, status: 'maybe-vulnerable', newest: '1.39.0', latest: '1.39.0', outdated: false, msrvLimited: true });
    expect(ids(tokio)).toEqual(['RUSTSEC-2099-0003 vulnerability newest:false 1.18.3,1.38.0']);
  });

  it('picks the newest tokio for testkit, which declares no rust-version', () => {
    expect(at(checks, 'testkit/Cargo.toml', 7)).toMatchObject({ status: 'maybe-vulnerable', newest: '1.40.0', latest: '1.40.0', msrvLimited: false });
  });

  it('lists an unmaintained advisory on the newest base64 0.21 without calling it vulnerable, and 0.22.1 as out of reach', () => {
    const base64 = at(checks, 'app/Cargo.toml', 22);
    expect(base64).toMatchObject({ kind: 'build', status: 'ok', newest: '0.21.7', latest: '0.22.1', outdated: true });
    expect(ids(base64)).toEqual(['RUSTSEC-2099-0007 unmaintained newest:true 0.21.7']);
  });

  it('skips a yanked release for the newest version', () => {
    expect(at(checks, 'app/Cargo.toml', 9)).toMatchObject({ requirement: '1.0', status: 'ok', newest: '1.0.203', latest: '1.0.203', outdated: false, advisories: [] });
  });

  it('says no published version matches syn "2" when the index has only 1.0.109', () => {
    expect(at(checks, 'macros/Cargo.toml', 10)).toMatchObject({ status: 'no-matching-version', newest: null, latest: '1.0.109', outdated: false });
  });

  it('does not check newest or outdated for a crate the index does not have or could not give, and judges advisories on ranges', () => {
    expect(at(checks, 'app/Cargo.toml', 10)).toMatchObject({
      status: 'ok',
      newest: null,
      outdated: null,
      index: { checked: false, reason: 'not-in-index', message: '"log" is not in the index (HTTP 404)' },
    });
    const reqwest = at(checks, 'testkit/Cargo.toml', 9);
    expect(reqwest).toMatchObject({ status: 'maybe-vulnerable', newest: null, outdated: null, index: { checked: false, reason: 'index-failed', message: 'the index could not be read: HTTP 503 after 3 attempts' } });
    expect(ids(reqwest)).toEqual(['RUSTSEC-2099-0019 vulnerability newest:null -']);
  });

  it('leaves path dependencies out, saying why', () => {
    expect(at(checks, 'app/Cargo.toml', 12)).toMatchObject({
      status: 'not-covered',
      requirement: null,
      notCovered: { reason: 'path', message: 'a path dependency (macros): built from the repository, not crates.io' },
      advisories: [],
    });
  });

  it('asks the index about each covered crate once', () => {
    expect(cratesToLookUp(workspace)).toEqual(['autocfg', 'base64', 'cc', 'chrono', 'hyper', 'insta', 'log', 'pretty_assertions', 'proptest', 'quote', 'reqwest', 'serde', 'syn', 'tokio', 'trybuild', 'winapi-util']);
  });
});

describe('auditManifestRequirements offline', () => {
  it('never says vulnerable, and says maybe vulnerable where a requirement range meets an affected range', () => {
    const checks = auditManifestRequirements(workspace, db);
    const flagged = checks.filter((c) => c.advisories.length > 0).map((c) => `${c.file}:${c.line} ${c.key} ${c.status} ${c.advisories.map((a) => a.id).join(',')}`);
    expect(flagged).toEqual([
      'app/Cargo.toml:8 tokio maybe-vulnerable RUSTSEC-2099-0003',
      'app/Cargo.toml:11 hyper maybe-vulnerable RUSTSEC-2099-0001',
      'app/Cargo.toml:15 tokio maybe-vulnerable RUSTSEC-2099-0003',
      'app/Cargo.toml:22 base64 ok RUSTSEC-2099-0007',
      'testkit/Cargo.toml:7 tokio maybe-vulnerable RUSTSEC-2099-0003',
      'testkit/Cargo.toml:9 reqwest maybe-vulnerable RUSTSEC-2099-0019',
    ]);
    expect(checks.every((c) => c.newest === null && c.outdated === null)).toBe(true);
    expect(at(checks, 'app/Cargo.toml', 8).index).toEqual({ checked: false, reason: 'offline', message: 'the index was not asked (offline)' });
  });

  it('treats a crate patched by [patch.crates-io] as not covered', () => {
    const ws = resolveWorkspace('Cargo.toml', [
      { path: 'Cargo.toml', text: '[package]\nname = "app"\nversion = "0.1.0"\n[dependencies]\nhyper = "0.14"\n\n[patch.crates-io]\nhyper = { git = "https://github.com/hyperium/hyper", rev = "abc123" }\n' },
    ]);
    expect(auditManifestRequirements(ws, db)[0]).toMatchObject({
      status: 'not-covered',
      notCovered: { reason: 'patched', message: 'replaced by [patch.crates-io] in Cargo.toml:8: the patch is built, not the crates.io release' },
    });
  });
});

describe('admitsAffected', () => {
  it.each([
    ['^1.2', ['>= 1.2.5'], [], true], // 1.2.0 to 1.2.4
    ['1.2.5', ['>= 1.2.5'], [], false],
    ['>= 1.3, < 1.5', ['>= 1.5.0'], ['< 1.4.0'], true], // 1.4.x
    ['~1.3', ['>= 1.5.0'], ['< 1.4.0'], false],
    ['=0.14.27', ['>= 0.14.28'], [], true],
    ['0.11', ['>= 0.11.28'], ['< 0.11'], true],
    ['0.12', ['>= 0.11.28'], ['< 0.11'], false],
    ['*', [], [], true],
    ['> 1.2.3', ['>= 1.2.4'], [], false], // the lowest it admits is 1.2.4
    ['<= 1.2', ['>= 1.2.4'], [], true], // admits 1.2.x up to 1.2.3
    ['>= 1.0.0-rc.1, < 1.0.0', ['>= 1.0.0'], [], true], // a prerelease it names
    ['1', ['>= 2.0.0'], ['<= 1.9.9'], true], // affected from just past 1.9.9: 1.9.10 is admitted
    ['=1.9.9', ['>= 2.0.0'], ['<= 1.9.9'], false],
  ])('%s meets patched %j / unaffected %j: %s', (requirement, patched, unaffected, expected) => {
    expect(admitsAffected(requirement, affectedRanges(patched, unaffected))).toBe(expected);
  });
});
