import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describePin, duplicateIndexQueries, explainDuplicates, type DependencyIndex, type ExplainedDuplicate } from '../../../functions/core/duplicates-explained.ts';
import { parseLockfile } from '../../../functions/core/lockfile.ts';
import type { DependencyLookup } from '../../../functions/core/ports.ts';
import { indexPath, parseIndexDeps } from '../../../functions/core/sparse-index.ts';
import { resolveWorkspace } from '../../../functions/core/workspace-members.ts';
import { FIXTURES, fixtureLockfile } from '../../helpers/fixtures.ts';
import { readManifests, WORKSPACES } from '../../helpers/workspace-fixtures.ts';

// The fixtures and every value expected here are described in test/fixtures/duplicates-index/README.md.
const LOCK = fixtureLockfile('duplicates-workspace.Cargo.lock');
const WORKSPACE = resolveWorkspace('Cargo.toml', readManifests(join(WORKSPACES, 'duplicates')));
const REGISTRY = 'registry+https://github.com/rust-lang/crates.io-index';

/** Answers from the fixture index files (not asked: a crate without one), recording what was asked. */
function fixtureIndex(asked: string[] = []): DependencyIndex {
  return (crate, on) => {
    asked.push(`${crate} ${on}`);
    const file = join(FIXTURES, 'duplicates-index', indexPath(crate));
    return existsSync(file) ? { kind: 'found', releases: parseIndexDeps(readFileSync(file, 'utf8'), crate, on) } : undefined;
  };
}

function byName(list: ExplainedDuplicate[], name: string): ExplainedDuplicate {
  const found = list.find((d) => d.name === name);
  if (!found) throw new Error(`no duplicate ${name} in ${list.map((d) => d.name).join(', ')}`);
  return found;
}

describe('duplicateIndexQueries', () => {
  it('asks only for the crates.io dependents of the older versions (members need no index)', () => {
    expect(duplicateIndexQueries(LOCK)).toEqual([
      { crate: 'http-body', on: 'http' },
      { crate: 'old-client', on: 'http' },
      { crate: 'tower-http', on: 'http' },
    ]);
  });
});

describe('explainDuplicates with manifests and index', () => {
  const asked: string[] = [];
  const explained = explainDuplicates(LOCK, WORKSPACE, fixtureIndex(asked));

  it('ranks by packages that disappear, then by name', () => {
    expect(explained.map((d) => [d.name, d.disappear])).toEqual([
      ['http', 2],
      ['smallvec', 1],
      ['syn', 1],
    ]);
  });

  it('counts fnv as gone with http 0.2.12 but keeps http-body, which tower-http still uses, and the shared bytes and itoa', () => {
    expect(byName(explained, 'http').disappearing).toEqual([
      { name: 'fnv', version: '1.0.7' },
      { name: 'http', version: '0.2.12' },
    ]);
  });

  it('names the member line that inherits http "0.2" from the workspace table, and the crates holding 0.2.12 with their requirements', () => {
    const http = byName(explained, 'http');
    expect(http.target).toEqual({ version: '1.1.0', source: REGISTRY });
    expect(http.versions[0]!.pinnedBy).toEqual([
      { kind: 'crate', name: 'http-body', version: '0.4.6', source: REGISTRY, requirement: '^0.2' },
      {
        kind: 'member',
        member: 'legacy',
        file: 'crates/legacy/Cargo.toml',
        line: 7,
        requirement: '0.2',
        dependencyKind: 'normal',
        target: null,
        inheritedFrom: { file: 'Cargo.toml', line: 9 },
      },
      { kind: 'crate', name: 'old-client', version: '0.3.1', source: REGISTRY, requirement: '^0.2.9' },
      { kind: 'crate', name: 'tower-http', version: '0.4.4', source: REGISTRY, requirement: '^0.2.7' },
    ]);
    expect(http.versions[1]!.pinnedBy.map((p) => (p.kind === 'member' ? `${p.member} ${p.file}:${p.line} ${p.requirement}` : `${p.name} ${p.version}`))).toEqual([
      'api crates/api/Cargo.toml:7 1',
      'hyper 1.2.0',
    ]);
  });

  it('finds the smallest release of each dependent that allows http 1.1.0, skipping yanked, prerelease and dev-only entries', () => {
    const [step] = byName(explained, 'http').steps;
    expect(step!.relation).toBe('semver-incompatible');
    expect(step!.status).toBe('blocked');
    expect(step!.command).toBeNull();
    expect(step!.pins.map((p) => p.way)).toEqual([
      // http-body 0.4.7 is yanked, 1.0.0-rc.2 a prerelease.
      { kind: 'release', version: '1.0.0', requirement: '^1', compatible: false },
      // The requirement is written in the workspace table: that line is the one to edit.
      { kind: 'edit', file: 'Cargo.toml', line: 9, suggested: '1.1' },
      // old-client 0.4.0 still requires http ^0.2 under the name http02.
      { kind: 'no-release', newest: '0.4.0' },
      // tower-http 0.5.0-alpha.1 is a prerelease; 0.5.0's dev-dependency on http ^0.2 does not count.
      { kind: 'release', version: '0.5.0', requirement: '^1.0.0', compatible: false },
    ]);
    expect(asked).toEqual(expect.arrayContaining(['http-body http', 'old-client http', 'tower-http http']));
  });

  it('gives cargo update -p syn@2.0.10 as ready when the member requirement "2.0.10" admits 2.0.48', () => {
    const syn = byName(explained, 'syn');
    expect(syn.steps).toEqual([
      {
        version: '2.0.10',
        source: REGISTRY,
        relation: 'semver-compatible',
        status: 'ready',
        command: 'cargo update -p syn@2.0.10',
        pins: [
          {
            pin: { kind: 'member', member: 'macros', file: 'crates/macros/Cargo.toml', line: 12, requirement: '2.0.10', dependencyKind: 'normal', target: null, inheritedFrom: null },
            way: { kind: 'admits' },
          },
        ],
        disappear: 1,
      },
    ]);
  });

  it('marks smallvec 1.6.1 blocked by the dev-dependency "~1.6", with the line to change', () => {
    const [step] = byName(explained, 'smallvec').steps;
    expect(step!.relation).toBe('semver-compatible');
    expect(step!.status).toBe('blocked');
    expect(step!.command).toBe('cargo update -p smallvec@1.6.1');
    expect(step!.pins.map((p) => [p.pin.kind === 'member' && p.pin.dependencyKind, p.way])).toEqual([['dev', { kind: 'edit', file: 'crates/macros/Cargo.toml', line: 15, suggested: '1.13' }]]);
  });

  it('says each way out in one sentence', () => {
    const [http, smallvec, syn] = explained;
    expect(http!.steps[0]!.pins.map((p) => describePin('http', '1.1.0', p))).toEqual([
      'http-body 0.4.6 requires http ^0.2; http-body 1.0.0 allows http 1.x',
      'legacy (crates/legacy/Cargo.toml:7) requires http "0.2"; change it to "1.1" at Cargo.toml:9',
      'old-client 0.3.1 requires http ^0.2.9; no release of old-client allows http 1.x yet (newest: 0.4.0)',
      'tower-http 0.4.4 requires http ^0.2.7; tower-http 0.5.0 allows http 1.x',
    ]);
    expect(describePin('smallvec', '1.13.1', smallvec!.steps[0]!.pins[0]!)).toBe('macros (crates/macros/Cargo.toml:15) requires smallvec "~1.6"; change it to "1.13" at crates/macros/Cargo.toml:15');
    expect(describePin('syn', '2.0.48', syn!.steps[0]!.pins[0]!)).toBe('macros (crates/macros/Cargo.toml:12) requires syn "2.0.10", which admits 2.0.48');
  });
});

describe('explainDuplicates without manifests or index', () => {
  const explained = explainDuplicates(LOCK, null);

  it('still names the pinning packages, with requirements unknown', () => {
    const [step] = byName(explained, 'http').steps;
    expect(step!.status).toBe('unknown');
    expect(step!.pins.map((p) => p.way)).toEqual([
      { kind: 'unknown', reason: 'index not asked' },
      { kind: 'unknown', reason: 'the Cargo.toml of legacy was not read' },
      { kind: 'unknown', reason: 'index not asked' },
      { kind: 'unknown', reason: 'index not asked' },
    ]);
    expect(describePin('http', '1.1.0', step!.pins[3]!)).toBe('tower-http 0.4.4 depends on http; the way to http 1.1.0 is not known (index not asked)');
  });

  it('keeps the cargo update command of a semver-compatible pair, its status unknown', () => {
    expect(byName(explained, 'syn').steps.map((s) => [s.status, s.command])).toEqual([['unknown', 'cargo update -p syn@2.0.10']]);
  });

  it('counts the same packages that disappear as with full data', () => {
    expect(explained.map((d) => [d.name, d.disappear])).toEqual([
      ['http', 2],
      ['smallvec', 1],
      ['syn', 1],
    ]);
  });
});

describe('explainDuplicates with index answers that are not files', () => {
  it.each<[string, DependencyLookup, string]>([
    ['gone', { kind: 'gone', status: 404 }, 'tower-http is not in the index (HTTP 404)'],
    ['failed', { kind: 'failed', message: 'crate "tower-http": HTTP 503' }, 'the index could not be read: crate "tower-http": HTTP 503'],
  ])('reports the way as unknown when the lookup is %s', (_kind, lookup, reason) => {
    const explained = explainDuplicates(LOCK, WORKSPACE, (crate) => (crate === 'tower-http' ? lookup : undefined));
    const pin = byName(explained, 'http').steps[0]!.pins.find((p) => p.pin.kind === 'crate' && p.pin.name === 'tower-http');
    expect(pin!.way).toEqual({ kind: 'unknown', reason });
    expect(pin!.pin).toMatchObject({ requirement: null });
  });
});

describe('explainDuplicates on a requirement spanning two lines', () => {
  // bridge 1.0.0 requires http ">=0.2, <2": Cargo may pick 0.2.12 for it although 1.1.0 is locked too.
  const text = `version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "bridge",
 "http 1.1.0",
]

[[package]]
name = "bridge"
version = "1.0.0"
source = "${REGISTRY}"
dependencies = [
 "http 0.2.12",
]

[[package]]
name = "http"
version = "0.2.12"
source = "${REGISTRY}"

[[package]]
name = "http"
version = "1.1.0"
source = "${REGISTRY}"
`;
  const bridgeFile = `${JSON.stringify({ name: 'bridge', vers: '1.0.0', deps: [{ name: 'http', req: '>=0.2, <2', features: [], optional: false, default_features: true, target: null, kind: 'normal' }], cksum: 'b'.repeat(64), features: {}, yanked: false })}\n`;

  it('gives cargo update --precise as ready when every pin admits the newer line', () => {
    const explained = explainDuplicates(parseLockfile(text, 'Cargo.lock'), null, (crate, on) => ({ kind: 'found', releases: parseIndexDeps(bridgeFile, crate, on) }));
    expect(explained[0]!.steps.map((s) => [s.relation, s.status, s.command, s.pins.map((p) => p.way.kind)])).toEqual([
      ['semver-incompatible', 'ready', 'cargo update -p http@0.2.12 --precise 1.1.0', ['admits']],
    ]);
  });
});

describe('explainDuplicates on one version from two sources', () => {
  const explained = explainDuplicates(fixtureLockfile('duplicates-sources.Cargo.lock'), null);

  it('marks a registry and a git bytes 1.5.0 as another source, with no command', () => {
    expect(explained).toHaveLength(1);
    const [step] = explained[0]!.steps;
    expect([step!.relation, step!.status, step!.command]).toEqual(['other-source', 'blocked', null]);
    expect(step!.pins[0]!.way).toEqual({
      kind: 'unknown',
      reason:
        'bytes 1.5.0 comes from registry+https://github.com/rust-lang/crates.io-index and 1.5.0 from git+https://github.com/tokio-rs/bytes?branch=faster-buf: point every dependency at one source (or use [patch])',
    });
  });

  it('takes the member app as the pin of the registry copy and wire as the pin of the git one', () => {
    expect(explained[0]!.versions.map((v) => [v.source?.slice(0, 4), v.pinnedBy.map((p) => (p.kind === 'member' ? p.member : p.name))])).toEqual([
      ['regi', ['app']],
      ['git+', ['wire']],
    ]);
  });
});
