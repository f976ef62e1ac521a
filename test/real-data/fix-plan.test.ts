// The fix plan of the real lockfiles of the shared data against the real RustSec snapshot:
// one command per locked crate version, checked by hand for smallvec in ripgrep 2018
// (advisory-db crates/smallvec/: patched >= 0.6.10, >= 0.6.10, >= 0.6.14 (< 1.0.0), >= 0.6.13).
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalAdvisoryDbSource } from '../../functions/adapters/rustsec-archive.ts';
import { isAffected } from '../../functions/core/advisory-ranges.ts';
import type { AdvisoryDb } from '../../functions/core/advisory.ts';
import { auditLockfile } from '../../functions/core/audit.ts';
import { planLockfileFixes, rankFixes } from '../../functions/core/fix-plan.ts';
import { parseLockfile } from '../../functions/core/lockfile.ts';
import { SCHEMA_VERSION, sumCounts, type LockfileResult, type ScanResult } from '../../functions/core/result.ts';
import { advisoryTarball, hasSharedData, sharedLockfile } from '../helpers/shared-data.ts';
import { LOCKFILES } from './expected.ts';

const TODAY = '2026-09-01';
const RIPGREP_2018 = 'ripgrep-2018-09-07-8a7db1a918e9.Cargo.lock';

describe.skipIf(!hasSharedData)('fix plans of the real lockfiles (shared data)', () => {
  let db: AdvisoryDb;
  const results = new Map<string, LockfileResult>();

  beforeAll(async () => {
    db = await new LocalAdvisoryDbSource(advisoryTarball).load();
    for (const { file } of LOCKFILES) results.set(file, auditLockfile(parseLockfile(readFileSync(sharedLockfile(file), 'utf8'), file), db, { today: TODAY }));
  });

  it('gives smallvec 0.6.5 in ripgrep 2018 one command, --precise 0.6.14, closing its three vulnerabilities and the unsound advisory', () => {
    const ripgrep = results.get(RIPGREP_2018)!;
    // Per finding there are three different commands.
    const perFinding = new Set(ripgrep.findings.filter((f) => f.package.name === 'smallvec').map((f) => f.fix.command));
    expect([...perFinding].sort()).toEqual(['cargo update -p smallvec@0.6.5 --precise 0.6.10', 'cargo update -p smallvec@0.6.5 --precise 0.6.13', 'cargo update -p smallvec@0.6.5 --precise 0.6.14']);
    const smallvec = planLockfileFixes(ripgrep).filter((f) => f.package.name === 'smallvec');
    expect(smallvec).toHaveLength(1);
    expect(smallvec[0]).toMatchObject({ status: 'compatible', command: 'cargo update -p smallvec@0.6.5 --precise 0.6.14', severity: 'critical', remains: [] });
    expect(smallvec[0]!.closes.map((f) => f.id).sort()).toEqual(['RUSTSEC-2018-0018', 'RUSTSEC-2019-0009', 'RUSTSEC-2019-0012', 'RUSTSEC-2021-0003']);
  });

  it.each(LOCKFILES.map((l) => l.file))('%s: one fix per locked package with findings, each version outside every advisory it closes', (file) => {
    const result = results.get(file)!;
    const plan = planLockfileFixes(result);
    const packages = new Set(result.findings.map((f) => `${f.package.name} ${f.package.version}`));
    expect(plan.map((f) => `${f.package.name} ${f.package.version}`).sort()).toEqual([...packages].sort());
    expect(plan.reduce((n, f) => n + f.closes.length + f.remains.length, 0)).toBe(result.findings.length);
    for (const fix of plan) {
      if (fix.version === null) continue;
      const target = semver.parse(fix.version)!;
      for (const closed of fix.closes) {
        if (closed.id === 'yanked') continue;
        const advisory = db.byPackage.get(fix.package.name)!.find((a) => a.id === closed.id)!;
        expect(isAffected(target, advisory.ranges), `${fix.package.name} ${fix.version} ${closed.id}`).toBe(false);
      }
    }
  });

  it('ranks the smallvec 0.6.5 command first across the lockfiles that lock it, with every place it applies to', () => {
    const scans: ScanResult[] = LOCKFILES.map(({ file }) => ({
      schemaVersion: SCHEMA_VERSION,
      tool: { name: 'cratewatch', version: 'test' },
      repository: { name: file.replace(/-\d{4}-.*$/, ''), source: 'local', ref: null, commit: null },
      scannedAt: `${TODAY}T00:00:00.000Z`,
      advisoryDb: { revision: 'bf5c0d245a92', location: advisoryTarball, fetchedAt: null, advisoryCount: 0, diagnostics: [] },
      policy: { deny: [] },
      status: 'failing',
      errors: [],
      carriedFrom: null,
      lockfiles: [results.get(file)!],
      counts: sumCounts([results.get(file)!.counts]),
      diff: { previousScanAt: null, new: [], resolved: [] },
    }));
    const top = rankFixes(scans);
    const lockingSmallvec065 = LOCKFILES.filter(({ file }) => results.get(file)!.findings.some((f) => f.package.name === 'smallvec' && f.package.version === '0.6.5')).map((l) => l.file);
    expect(lockingSmallvec065).toEqual([RIPGREP_2018, 'mdBook-2019-01-18-6cbc41d413c8.Cargo.lock']);
    expect(top[0]).toMatchObject({ command: 'cargo update -p smallvec@0.6.5 --precise 0.6.14', findings: 8 });
    // Three critical vulnerabilities in each of the two lockfiles, more than any other fix closes.
    expect(top[0]!.closes.critical).toBe(6);
    expect(top[0]!.targets.map((t) => t.lockfile)).toEqual(lockingSmallvec065);
    expect(Math.max(...top.slice(1).map((f) => f.closes.critical))).toBeLessThan(6);
  });
});
