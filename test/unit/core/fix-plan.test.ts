import { describe, expect, it } from 'vitest';
import { buildAdvisoryDb } from '../../../functions/core/advisory.ts';
import { auditLockfile } from '../../../functions/core/audit.ts';
import { fixBlockerQueries, planLockfileFixes, rankFixes } from '../../../functions/core/fix-plan.ts';
import { parseLockfile } from '../../../functions/core/lockfile.ts';
import type { CrateLookup } from '../../../functions/core/ports.ts';
import { emptyCounts, SCHEMA_VERSION, sumCounts, type LockfileResult, type ScanResult } from '../../../functions/core/result.ts';

const TODAY = '2026-09-01';
const CRATES_IO = 'registry+https://github.com/rust-lang/crates.io-index';

/** An advisory file as RustSec writes it: TOML front matter in a fence, then the title. */
function advisory(fields: { id: string; crate: string; patched: string[]; unaffected?: string[]; cvss?: string; informational?: string }): { path: string; text: string } {
  const list = (items: readonly string[]) => `[${items.map((i) => JSON.stringify(i)).join(', ')}]`;
  const text = [
    '```toml',
    '[advisory]',
    `id = "${fields.id}"`,
    `package = "${fields.crate}"`,
    'date = "2019-06-06"',
    ...(fields.cvss ? [`cvss = "${fields.cvss}"`] : []),
    ...(fields.informational ? [`informational = "${fields.informational}"`] : []),
    '',
    '[versions]',
    `patched = ${list(fields.patched)}`,
    ...(fields.unaffected ? [`unaffected = ${list(fields.unaffected)}`] : []),
    '```',
    '',
    `# ${fields.id} in ${fields.crate}`,
    '',
    'Text.',
    '',
  ].join('\n');
  return { path: `crates/${fields.crate}/${fields.id}.md`, text };
}

const CRITICAL = 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const HIGH = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H';

// The version ranges of the real smallvec advisories (advisory-db crates/smallvec/).
const SMALLVEC = [
  advisory({ id: 'RUSTSEC-2019-0009', crate: 'smallvec', patched: ['>= 0.6.10'], unaffected: ['< 0.6.5'], cvss: CRITICAL }),
  advisory({ id: 'RUSTSEC-2019-0012', crate: 'smallvec', patched: ['>= 0.6.10'], unaffected: ['< 0.6.3'], cvss: CRITICAL }),
  advisory({ id: 'RUSTSEC-2021-0003', crate: 'smallvec', patched: ['>= 0.6.14, < 1.0.0', '>= 1.6.1'], unaffected: ['< 0.6.3'], cvss: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }),
];

/** A Cargo.lock v3: `app` (the workspace) depends on `deps`; each `[name, version, dependencies]` is a crates.io package. */
function lock(roots: Record<string, string[]>, packages: [string, string, string[]][]): string {
  const entries = [
    ...Object.entries(roots).map(([name, deps]) => `[[package]]\nname = "${name}"\nversion = "0.1.0"\ndependencies = [${deps.map((d) => `"${d}"`).join(', ')}]\n`),
    ...packages.map(([name, version, deps]) => `[[package]]\nname = "${name}"\nversion = "${version}"\nsource = "${CRATES_IO}"\ndependencies = [${deps.map((d) => `"${d}"`).join(', ')}]\n`),
  ];
  return `version = 3\n\n${entries.join('\n')}`;
}

function found(versions: string[]): CrateLookup {
  return { kind: 'found', versions: versions.map((version) => ({ version, yanked: false, rustVersion: null })) };
}

function audit(lockText: string, advisories: { path: string; text: string }[], index?: Record<string, string[]>, path = 'Cargo.lock'): LockfileResult {
  const db = buildAdvisoryDb(advisories, 'rev');
  const options = { today: TODAY, ...(index ? { index: new Map(Object.entries(index).map(([name, versions]) => [name, found(versions)])) } : {}) };
  return auditLockfile(parseLockfile(lockText, path), db, options);
}

const SMALLVEC_VERSIONS = ['0.6.3', '0.6.4', '0.6.5', '0.6.9', '0.6.10', '0.6.13', '0.6.14', '1.0.0', '1.6.0', '1.6.1', '1.13.2'];
const SMALLVEC_LOCK = lock({ app: ['smallvec'] }, [['smallvec', '0.6.5', []]]);

describe('planLockfileFixes', () => {
  it.each([
    ['with the published versions from the index', { smallvec: SMALLVEC_VERSIONS }],
    ['offline, from the advisory ranges alone', undefined],
  ])('gives smallvec 0.6.5 one command, --precise 0.6.14, closing its three advisories (%s)', (_when, index) => {
    const result = audit(SMALLVEC_LOCK, SMALLVEC, index);
    // The findings alone ask for three different commands.
    expect(result.findings.map((f) => f.fix.version).sort()).toEqual(['0.6.10', '0.6.10', '0.6.14']);
    const plan = planLockfileFixes(result);
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({
      package: { name: 'smallvec', version: '0.6.5' },
      lockfile: 'Cargo.lock',
      status: 'compatible',
      version: '0.6.14',
      command: 'cargo update -p smallvec@0.6.5 --precise 0.6.14',
      severity: 'critical',
      remains: [],
    });
    expect(plan[0]!.closes.map((f) => f.id).sort()).toEqual(['RUSTSEC-2019-0009', 'RUSTSEC-2019-0012', 'RUSTSEC-2021-0003']);
    expect(plan[0]!.blockedBy).toBeUndefined();
    expect(plan[0]!.summary).toBe('Upgrade smallvec 0.6.5 to 0.6.14, semver-compatible: cargo update -p smallvec@0.6.5 --precise 0.6.14 closes RUSTSEC-2019-0009, RUSTSEC-2019-0012, RUSTSEC-2021-0003.');
  });

  it('climbs to the end of another advisory\'s range when the largest single fix (1.2.0) lies inside it (up to 1.2.5)', () => {
    const advisories = [
      advisory({ id: 'RUSTSEC-2099-0101', crate: 'gappy', patched: ['>= 1.2.0'], cvss: HIGH }),
      // Affected below 1.1.0 and again in [1.2.0, 1.2.5).
      advisory({ id: 'RUSTSEC-2099-0102', crate: 'gappy', patched: ['>= 1.1.0, < 1.2.0', '>= 1.2.5'], cvss: HIGH }),
    ];
    const result = audit(lock({ app: ['gappy'] }, [['gappy', '1.0.0', []]]), advisories, { gappy: ['1.0.0', '1.1.0', '1.2.0', '1.2.4', '1.2.5', '1.3.0'] });
    expect(result.findings.map((f) => `${f.advisory!.id} ${f.fix.version}`).sort()).toEqual(['RUSTSEC-2099-0101 1.2.0', 'RUSTSEC-2099-0102 1.1.0']);
    const [fix] = planLockfileFixes(result);
    expect(fix!.command).toBe('cargo update -p gappy@1.0.0 --precise 1.2.5');
    expect(fix!.closes.map((f) => f.id).sort()).toEqual(['RUSTSEC-2099-0101', 'RUSTSEC-2099-0102']);
    // 1.2.5 is no finding's own fix: the plan says it is a range end, which may not be a release.
    expect(fix!.summary).toContain('1.2.5 is where the last affected range ends');
  });

  it('names the crate that pulls in the locked version when the fix is not semver-compatible, and what it would have to allow', () => {
    const result = audit(
      lock({ app: ['parent'] }, [
        ['parent', '1.0.0', ['child']],
        ['child', '0.1.0', []],
      ]),
      [advisory({ id: 'RUSTSEC-2099-0103', crate: 'child', patched: ['>= 0.2.0'], cvss: HIGH })],
    );
    const [fix] = planLockfileFixes(result);
    expect(fix).toMatchObject({ status: 'manifest-bump', version: '0.2.0', command: null });
    expect(fix!.blockedBy).toEqual([{ name: 'parent', version: '1.0.0', workspace: false, needs: 'a release of parent that allows child >= 0.2.0' }]);
    expect(fix!.summary).toContain('Blocked by parent 1.0.0: a release of parent that allows child >= 0.2.0.');
  });

  it.each([
    [{ kind: 'release', version: '1.3.0', requirement: '^0.2', compatible: true } as const, { release: '1.3.0', needs: 'parent 1.3.0 allows child >= 0.2.0: update parent to it (or later)' }],
    [{ kind: 'no-release', newest: '1.2.9' } as const, { needs: 'no release of parent allows child >= 0.2.0 yet (the newest is 1.2.9): ask its maintainers, or replace it' }],
    [{ kind: 'unknown', reason: 'index not asked' } as const, { needs: 'a release of parent that allows child >= 0.2.0' }],
  ])('says which release of the blocking crate lets the fix in when the index told (%j)', (way, expected) => {
    const result = audit(
      lock({ app: ['parent'] }, [
        ['parent', '1.0.0', ['child']],
        ['child', '0.1.0', []],
      ]),
      [advisory({ id: 'RUSTSEC-2099-0103', crate: 'child', patched: ['>= 0.2.0'], cvss: HIGH })],
    );
    // What the audit asks the index for, then stores beside the findings.
    expect(fixBlockerQueries(result)).toEqual([{ name: 'parent', version: '1.0.0', on: 'child', target: '0.2.0' }]);
    const [fix] = planLockfileFixes({ ...result, fixBlockers: [{ name: 'parent', version: '1.0.0', on: 'child', target: '0.2.0', way }] });
    expect(fix!.blockedBy).toEqual([{ name: 'parent', version: '1.0.0', workspace: false, ...expected }]);
  });

  it('says to raise the requirement in the workspace crate\'s Cargo.toml when a workspace member depends on it directly', () => {
    const result = audit(lock({ app: ['child'], tool: ['child'] }, [['child', '0.1.0', []]]), [advisory({ id: 'RUSTSEC-2099-0103', crate: 'child', patched: ['>= 0.2.0'], cvss: HIGH })]);
    const [fix] = planLockfileFixes(result);
    expect(fix!.blockedBy).toEqual([
      { name: 'app', version: '0.1.0', workspace: true, needs: 'raise the requirement in app\'s Cargo.toml to child = "0.2.0"' },
      { name: 'tool', version: '0.1.0', workspace: true, needs: 'raise the requirement in tool\'s Cargo.toml to child = "0.2.0"' },
    ]);
  });

  it('closes what an upgrade can and leaves an advisory without a fixed version open', () => {
    const advisories = [
      advisory({ id: 'RUSTSEC-2099-0104', crate: 'old', patched: ['>= 1.0.1'], cvss: HIGH }),
      advisory({ id: 'RUSTSEC-2099-0105', crate: 'old', patched: [], informational: 'unmaintained' }),
    ];
    const [fix] = planLockfileFixes(audit(lock({ app: ['old'] }, [['old', '1.0.0', []]]), advisories));
    expect(fix!.command).toBe('cargo update -p old@1.0.0 --precise 1.0.1');
    expect(fix!.closes.map((f) => f.id)).toEqual(['RUSTSEC-2099-0104']);
    expect(fix!.remains).toEqual([{ id: 'RUSTSEC-2099-0105', kind: 'unmaintained', severity: 'informational' }]);
    expect(fix!.summary).toContain('RUSTSEC-2099-0105 stays open: no version of old closes it together with the others (remove or replace old).');
  });

  it('gives status none, no version and no command when nothing an upgrade does closes the finding', () => {
    const [fix] = planLockfileFixes(audit(lock({ app: ['old'] }, [['old', '1.0.0', []]]), [advisory({ id: 'RUSTSEC-2099-0105', crate: 'old', patched: [], informational: 'unmaintained' })]));
    expect(fix).toMatchObject({ status: 'none', version: null, command: null, closes: [], severity: 'informational' });
    expect(fix!.summary).toBe('No version of old closes RUSTSEC-2099-0105: remove it or replace it.');
  });

  it('keeps the more severe advisory when two cannot be closed by one version (1.x fixes one, only 2.1 the other, 2.x is affected by the first)', () => {
    const advisories = [
      advisory({ id: 'RUSTSEC-2099-0106', crate: 'split', patched: ['>= 1.2.0, < 2.0.0'], cvss: CRITICAL }),
      advisory({ id: 'RUSTSEC-2099-0107', crate: 'split', patched: ['>= 2.1.0'], informational: 'unsound' }),
    ];
    const [fix] = planLockfileFixes(audit(lock({ app: ['split'] }, [['split', '1.0.0', []]]), advisories));
    expect(fix).toMatchObject({ version: '1.2.0', command: 'cargo update -p split@1.0.0 --precise 1.2.0', severity: 'critical' });
    expect(fix!.remains.map((f) => f.id)).toEqual(['RUSTSEC-2099-0107']);
  });

  it('orders the fixes worst first and keeps each lockfile\'s own path', () => {
    const advisories = [...SMALLVEC, advisory({ id: 'RUSTSEC-2099-0108', crate: 'lesser', patched: ['>= 2.0.1'], cvss: HIGH })];
    const result = audit(lock({ app: ['lesser', 'smallvec'] }, [['lesser', '2.0.0', []], ['smallvec', '0.6.5', []]]), advisories, undefined, 'sub/Cargo.lock');
    expect(planLockfileFixes(result).map((f) => [f.lockfile, f.command])).toEqual([
      ['sub/Cargo.lock', 'cargo update -p smallvec@0.6.5 --precise 0.6.14'],
      ['sub/Cargo.lock', 'cargo update -p lesser@2.0.0 --precise 2.0.1'],
    ]);
  });
});

function scan(repository: string, lockfiles: LockfileResult[]): ScanResult {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'cratewatch', version: 'test' },
    repository: { name: repository, source: 'local', ref: null, commit: null },
    scannedAt: '2026-09-01T00:00:00.000Z',
    advisoryDb: { revision: 'rev', location: 'db', fetchedAt: null, advisoryCount: 0, diagnostics: [] },
    policy: { deny: [] },
    status: 'failing',
    errors: [],
    carriedFrom: null,
    lockfiles,
    counts: lockfiles.length > 0 ? sumCounts(lockfiles.map((l) => l.counts)) : emptyCounts(),
    diff: { previousScanAt: null, new: [], resolved: [] },
  };
}

describe('rankFixes', () => {
  const highs = [
    advisory({ id: 'RUSTSEC-2099-0110', crate: 'twice', patched: ['>= 1.0.1'], cvss: HIGH }),
    advisory({ id: 'RUSTSEC-2099-0111', crate: 'twice', patched: ['>= 1.0.2'], cvss: HIGH }),
    advisory({ id: 'RUSTSEC-2099-0112', crate: 'widely', patched: ['>= 1.0.1'], cvss: HIGH }),
  ];
  const db = [...SMALLVEC, ...highs];
  const smallvecAndWidely = lock({ app: ['smallvec', 'widely'] }, [['widely', '1.0.0', []], ['smallvec', '0.6.5', []]]);
  const twiceAndWidely = lock({ app: ['twice', 'widely'] }, [['widely', '1.0.0', []], ['twice', '1.0.0', []]]);
  const results = [
    scan('beta', [audit(twiceAndWidely, db)]),
    scan('alpha', [audit(smallvecAndWidely, db), audit(SMALLVEC_LOCK, db, undefined, 'tools/Cargo.lock')]),
    scan('gamma', [audit(smallvecAndWidely, db)]),
  ];

  it('merges the same command in several repositories and lockfiles into one fix listing every place', () => {
    const top = rankFixes(results);
    const smallvec = top.find((f) => f.package.name === 'smallvec')!;
    expect(smallvec.command).toBe('cargo update -p smallvec@0.6.5 --precise 0.6.14');
    expect(smallvec.targets).toEqual([
      { repository: 'alpha', lockfile: 'Cargo.lock' },
      { repository: 'alpha', lockfile: 'tools/Cargo.lock' },
      { repository: 'gamma', lockfile: 'Cargo.lock' },
    ]);
    expect(smallvec.advisories).toEqual(['RUSTSEC-2019-0009', 'RUSTSEC-2019-0012', 'RUSTSEC-2021-0003']);
    expect(smallvec.findings).toBe(9);
    expect(smallvec.closes.critical).toBe(9);
  });

  it('ranks by severity first (criticals), then by how many findings of that severity a fix closes', () => {
    // widely: 3 high findings over three repositories; twice: 2 high findings in one (and first by name).
    expect(rankFixes(results).map((f) => [f.command, f.severity, f.findings])).toEqual([
      ['cargo update -p smallvec@0.6.5 --precise 0.6.14', 'critical', 9],
      ['cargo update -p widely@1.0.0 --precise 1.0.1', 'high', 3],
      ['cargo update -p twice@1.0.0 --precise 1.0.2', 'high', 2],
    ]);
  });

  it('returns no fixes for results without findings', () => {
    expect(rankFixes([scan('clean', [])])).toEqual([]);
  });
});

describe('the fix of one finding', () => {
  it.each([
    ['with the published versions from the index', { smallvec: ['0.6.1', ...SMALLVEC_VERSIONS] }],
    ['offline, from the advisory ranges alone', undefined],
  ])('skips versions another vulnerability affects that the locked one does not: smallvec 0.6.1 → 0.6.14, not 0.6.10 (%s)', (_when, index) => {
    // 0.6.1 is below RUSTSEC-2021-0003 (unaffected < 0.6.3); 0.6.10, RUSTSEC-2019-0100's own fix, is inside it.
    const own = advisory({ id: 'RUSTSEC-2019-0100', crate: 'smallvec', patched: ['>= 0.6.10'], cvss: HIGH });
    const result = audit(lock({ app: ['smallvec'] }, [['smallvec', '0.6.1', []]]), [own, SMALLVEC[2]!], index);
    expect(result.findings.map((f) => `${f.advisory!.id} ${f.fix.version}`)).toEqual(['RUSTSEC-2019-0100 0.6.14']);
  });

  it('keeps its own fix when no version is clear of the other vulnerability', () => {
    const own = advisory({ id: 'RUSTSEC-2019-0100', crate: 'smallvec', patched: ['>= 0.6.10'], cvss: HIGH });
    const unfixed = advisory({ id: 'RUSTSEC-2019-0101', crate: 'smallvec', patched: [], unaffected: ['< 0.6.3'], cvss: HIGH });
    const result = audit(lock({ app: ['smallvec'] }, [['smallvec', '0.6.1', []]]), [own, unfixed]);
    expect(result.findings.map((f) => `${f.advisory!.id} ${f.fix.version}`)).toEqual(['RUSTSEC-2019-0100 0.6.10']);
  });
});
