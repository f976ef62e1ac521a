// Audits the nine real Cargo.lock files of the shared data against the real RustSec
// snapshot. Expected findings, fixes, paths and duplicates were checked by hand against
// the lockfiles and the advisory files (see expected.ts for how the lists were made).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalAdvisoryDbSource } from '../../functions/adapters/rustsec-archive.ts';
import { isAffected } from '../../functions/core/advisory-ranges.ts';
import type { AdvisoryDb } from '../../functions/core/advisory.ts';
import { auditLockfile } from '../../functions/core/audit.ts';
import { parseLockfile, type Lockfile } from '../../functions/core/lockfile.ts';
import type { Finding, LockfileResult } from '../../functions/core/result.ts';
import { advisoryTarball, hasSharedData, sharedLockfile } from '../helpers/shared-data.ts';
import { LOCKFILES } from './expected.ts';

const TODAY = '2026-09-01';

const RIPGREP_2018 = 'ripgrep-2018-09-07-8a7db1a918e9.Cargo.lock';
const RIPGREP_2021 = 'ripgrep-2021-06-12-af6b6c543b22.Cargo.lock';
const BAT_2018 = 'bat-2018-05-31-e27bdfc7d66f.Cargo.lock';
const BAT_2025 = 'bat-2025-12-02-979ba22628bc.Cargo.lock';
const MDBOOK_2019 = 'mdBook-2019-01-18-6cbc41d413c8.Cargo.lock';
const MDBOOK_2020 = 'mdBook-2020-06-23-138dc696b735.Cargo.lock';
const MDBOOK_2022 = 'mdBook-2022-12-17-c640294dbf7c.Cargo.lock';
const DEPS_RS = 'deps-rs-2026-05-07-bb162a4a4f6c.Cargo.lock';

const describeShared = describe.skipIf(!hasSharedData);

describeShared('auditing the real lockfiles against the real RustSec snapshot (shared data)', () => {
  let db: AdvisoryDb;
  const lockfiles = new Map<string, Lockfile>();
  const results = new Map<string, LockfileResult>();

  beforeAll(async () => {
    db = await new LocalAdvisoryDbSource(advisoryTarball).load();
    for (const { file } of LOCKFILES) {
      const lockfile = parseLockfile(readFileSync(sharedLockfile(file), 'utf8'), file);
      lockfiles.set(file, lockfile);
      results.set(file, auditLockfile(lockfile, db, { today: TODAY }));
    }
  });

  const lockfileOf = (file: string) => lockfiles.get(file)!;
  const resultOf = (file: string) => results.get(file)!;
  const findingsOf = (file: string, name: string, version: string): Finding[] =>
    resultOf(file).findings.filter((f) => f.package.name === name && f.package.version === version);
  const findingOf = (file: string, name: string, version: string, id: string): Finding => {
    const found = findingsOf(file, name, version).find((f) => f.advisory?.id === id);
    if (!found) throw new Error(`${file}: no finding ${id} for ${name} ${version}`);
    return found;
  };

  describe.each(LOCKFILES)('$file', (expected) => {
    it(`parses as format v${expected.format} with ${expected.packages} packages`, () => {
      const lockfile = lockfileOf(expected.file);
      expect(lockfile.format).toBe(expected.format);
      expect(lockfile.packages).toHaveLength(expected.packages);
      const kinds = lockfile.packages.map((p) => p.source?.kind ?? 'path');
      expect(kinds.filter((k) => k === 'crates-io')).toHaveLength(expected.registry);
      expect(kinds.filter((k) => k === 'path')).toHaveLength(expected.path);
      expect(kinds.filter((k) => k === 'git')).toHaveLength(expected.git);
      expect(lockfile.roots).toHaveLength(expected.path);
    });

    it(`reports ${expected.vulnerabilities.length} vulnerabilities and ${expected.informational} informational advisories`, () => {
      const result = resultOf(expected.file);
      const vulnerabilities = result.findings
        .filter((f) => f.kind === 'vulnerability')
        .map((f) => `${f.package.name} ${f.package.version} ${f.advisory!.id}`)
        .sort();
      expect(vulnerabilities).toEqual(expected.vulnerabilities);
      expect(result.findings.filter((f) => f.kind !== 'vulnerability')).toHaveLength(expected.informational);
      expect(result.counts.byKind.vulnerability).toBe(expected.vulnerabilities.length);
      expect(result.status).toBe('failing');
      expect(result.packageCount).toBe(expected.packages);
    });

    it('reports crates.io packages only, each at the line of its [[package]] header', () => {
      const lockfile = lockfileOf(expected.file);
      const lines = readFileSync(sharedLockfile(expected.file), 'utf8').split('\n');
      for (const f of resultOf(expected.file).findings) {
        expect(f.package.source).toBe('registry+https://github.com/rust-lang/crates.io-index');
        expect(lines[f.line - 1]).toBe('[[package]]');
        expect(lines[f.line]).toBe(`name = "${f.package.name}"`);
        expect(lockfile.packages.some((p) => p.line === f.line && p.name === f.package.name)).toBe(true);
      }
    });
  });

  describe('findings checked by hand against the advisory files', () => {
    it('reports smallvec 0.6.5 in ripgrep 2018 for RUSTSEC-2019-0009, 2019-0012 and 2021-0003 as critical vulnerabilities', () => {
      const vulnerabilities = findingsOf(RIPGREP_2018, 'smallvec', '0.6.5').filter((f) => f.kind === 'vulnerability');
      expect(vulnerabilities.map((f) => f.advisory!.id).sort()).toEqual(['RUSTSEC-2019-0009', 'RUSTSEC-2019-0012', 'RUSTSEC-2021-0003']);
      expect(vulnerabilities.every((f) => f.severity === 'critical')).toBe(true);
    });

    it('fixes smallvec 0.6.5 with 0.6.10 (patched >= 0.6.10) and 0.6.14 (patched >= 0.6.14, < 1.0.0), both in place', () => {
      expect(findingOf(RIPGREP_2018, 'smallvec', '0.6.5', 'RUSTSEC-2019-0009').fix).toMatchObject({
        status: 'compatible',
        version: '0.6.10',
        command: 'cargo update -p smallvec@0.6.5 --precise 0.6.10',
      });
      expect(findingOf(RIPGREP_2018, 'smallvec', '0.6.5', 'RUSTSEC-2021-0003').fix).toMatchObject({
        status: 'compatible',
        version: '0.6.14',
        command: 'cargo update -p smallvec@0.6.5 --precise 0.6.14',
      });
    });

    it('does not report smallvec 0.6.1 (bat 2018) for advisories whose unaffected list covers it (< 0.6.3, < 0.6.5)', () => {
      const ids = findingsOf(BAT_2018, 'smallvec', '0.6.1').map((f) => f.advisory!.id).sort();
      expect(ids).toEqual(['RUSTSEC-2018-0003', 'RUSTSEC-2018-0018']);
      // Its own patched line starts at 0.6.3, but 0.6.3 to 0.6.13 are affected by RUSTSEC-2021-0003
      // (unaffected < 0.6.3, patched >= 0.6.14), which 0.6.1 is not: the fix must not walk into it.
      expect(findingOf(BAT_2018, 'smallvec', '0.6.1', 'RUSTSEC-2018-0003').fix.version).toBe('0.6.14');
    });

    it('reports regex 1.0.5 for RUSTSEC-2022-0013 as high (CVSS 7.5) with a semver-compatible fix to 1.5.5', () => {
      const finding = findingOf(RIPGREP_2018, 'regex', '1.0.5', 'RUSTSEC-2022-0013');
      expect(finding.severity).toBe('high');
      expect(finding.advisory!.cvss).toMatchObject({ score: 7.5 });
      expect(finding.fix).toEqual({
        status: 'compatible',
        version: '1.5.5',
        command: 'cargo update -p regex@1.0.5 --precise 1.5.5',
        summary: expect.stringContaining('semver-compatible'),
      });
    });

    it('asks for a manifest bump for regex 0.2.11 (bat 2018): the only fix, 1.5.5, is a new major', () => {
      expect(findingOf(BAT_2018, 'regex', '0.2.11', 'RUSTSEC-2022-0013').fix).toMatchObject({ status: 'manifest-bump', version: '1.5.5', command: null });
    });

    it('reports both h2 lines in deps.rs for RUSTSEC-2026-0258 (patched >= 0.4.16 only, no CVSS)', () => {
      const old = findingOf(DEPS_RS, 'h2', '0.3.27', 'RUSTSEC-2026-0258');
      const current = findingOf(DEPS_RS, 'h2', '0.4.13', 'RUSTSEC-2026-0258');
      expect([old.severity, current.severity]).toEqual(['unscored', 'unscored']);
      expect(old.fix).toMatchObject({ status: 'manifest-bump', version: '0.4.16', command: null });
      expect(current.fix).toMatchObject({ status: 'compatible', version: '0.4.16', command: 'cargo update -p h2@0.4.13 --precise 0.4.16' });
    });

    it('reports quinn-proto 0.11.14 in deps.rs for RUSTSEC-2026-0185 as high, fixed in place by 0.11.15', () => {
      const finding = findingOf(DEPS_RS, 'quinn-proto', '0.11.14', 'RUSTSEC-2026-0185');
      expect(finding.severity).toBe('high');
      expect(finding.advisory!.aliases).toContain('CVE-2026-25800');
      expect(finding.fix).toMatchObject({ status: 'compatible', version: '0.11.15', command: 'cargo update -p quinn-proto@0.11.14 --precise 0.11.15' });
    });

    it('finds the nearest of several patched lines: tokio 1.23.0 → 1.23.1, tokio 0.2.18 → 1.18.4, not the 1.8.4 another advisory affects (mdBook)', () => {
      // RUSTSEC-2023-0001 patched: >= 1.18.4, < 1.19.0 | >= 1.20.3, < 1.21.0 | >= 1.23.1
      expect(findingOf(MDBOOK_2022, 'tokio', '1.23.0', 'RUSTSEC-2023-0001').fix).toMatchObject({ status: 'compatible', version: '1.23.1' });
      // RUSTSEC-2021-0124 patched: >= 1.8.4, < 1.9.0 | >= 1.13.1; unaffected < 0.1.14. But 1.8.4 lies in
      // RUSTSEC-2023-0001 (unaffected < 1.7.0, first patched line >= 1.18.4), which 0.2.18 is not in: 1.18.4.
      expect(findingOf(MDBOOK_2020, 'tokio', '0.2.18', 'RUSTSEC-2021-0124').fix).toMatchObject({ status: 'manifest-bump', version: '1.18.4' });
    });

    it('reads a bare patched requirement as a caret: hyper 0.13.5 → 0.13.10 ("0.13.10" in RUSTSEC-2021-0020)', () => {
      const finding = findingOf(MDBOOK_2020, 'hyper', '0.13.5', 'RUSTSEC-2021-0020');
      expect(finding.severity).toBe('high');
      expect(finding.fix).toMatchObject({ status: 'compatible', version: '0.13.10' });
    });

    it('takes an unaffected version as the fix: time 0.1.39 → 0.2.0 (unaffected = 0.2.0 in RUSTSEC-2020-0071)', () => {
      const finding = findingOf(BAT_2018, 'time', '0.1.39', 'RUSTSEC-2020-0071');
      expect(finding.severity).toBe('medium');
      expect(finding.fix).toMatchObject({ status: 'manifest-bump', version: '0.2.0' });
    });

    it('fixes rand_core 0.3.0 in place with 0.3.1 but rand_core 0.2.2 only with a bump (patched ^0.3.1, >= 0.4.2)', () => {
      const patch = findingOf(MDBOOK_2019, 'rand_core', '0.3.0', 'RUSTSEC-2019-0035');
      const bump = findingOf(MDBOOK_2019, 'rand_core', '0.2.2', 'RUSTSEC-2019-0035');
      expect([patch.kind, patch.severity]).toEqual(['unsound', 'informational']);
      expect(patch.fix).toMatchObject({ status: 'compatible', version: '0.3.1' });
      expect(bump.fix).toMatchObject({ status: 'manifest-bump', version: '0.3.1' });
    });

    it('says there is no fix for owning_ref 0.3.3 (RUSTSEC-2022-0040 has patched = [])', () => {
      expect(findingOf(RIPGREP_2018, 'owning_ref', '0.3.3', 'RUSTSEC-2022-0040').fix).toMatchObject({ status: 'none', version: null, command: null });
    });

    it('scores a CVSS v4.0 vector: time 0.3.37 (bat 2025) for RUSTSEC-2026-0009', () => {
      const finding = findingOf(BAT_2025, 'time', '0.3.37', 'RUSTSEC-2026-0009');
      expect(finding.advisory!.cvss?.version).toBe('4.0');
      expect(finding.fix).toMatchObject({ status: 'compatible', version: '0.3.47' });
    });
  });

  describe('what must never be reported', () => {
    // Each of these path packages shares its name with a crate that has an advisory
    // affecting its version; a path package is a workspace member, not that crate.
    it.each([
      [RIPGREP_2018, 'grep-cli', '0.1.1', 'RUSTSEC-2021-0071'],
      [BAT_2018, 'bat', '0.4.0', 'RUSTSEC-2021-0106'],
      [MDBOOK_2019, 'mdbook', '0.2.3', 'RUSTSEC-2021-0001'],
      [MDBOOK_2020, 'mdbook', '0.4.0', 'RUSTSEC-2021-0001'],
      [DEPS_RS, 'badge', '0.2.0', 'RUSTSEC-2022-0057'],
    ])('%s: reports nothing for path package %s %s, which %s would match by name', (file, name, version, id) => {
      const pkg = lockfileOf(file).packages.find((p) => p.name === name && p.version === version);
      expect(pkg?.source).toBeUndefined();
      const advisory = db.byPackage.get(name)?.find((a) => a.id === id);
      expect(advisory && isAffected(pkg!.semver, advisory.ranges)).toBe(true);
      expect(resultOf(file).findings.filter((f) => f.package.name === name)).toEqual([]);
    });

    it('parses the git dependency of bat 2018 (syntect) as git and never matches it, even against an advisory for every version', () => {
      const syntect = lockfileOf(BAT_2018).packages.find((p) => p.name === 'syntect')!;
      expect(syntect.source).toMatchObject({
        kind: 'git',
        url: 'https://github.com/trishume/syntect',
        commit: 'c025dad49564e96322df4468fd268b65b91b2eae',
        reference: { kind: 'rev', value: 'c025dad49564e96322df4468fd268b65b91b2eae' },
      });
      expect(syntect.checksum).toBeUndefined();
      const bat = lockfileOf(BAT_2018).packages.find((p) => p.name === 'bat')!;
      expect(bat.dependencies).toContain(syntect.index);
      // The snapshot has no syntect advisory: lend it one that affects every version.
      const template = db.byPackage.get('regex')!.find((a) => a.id === 'RUSTSEC-2022-0013')!;
      const lent = { ...template, id: 'RUSTSEC-0000-0000', package: 'syntect', patched: [], unaffected: [], ranges: [{}] };
      const byPackage = new Map(db.byPackage);
      byPackage.set('syntect', [lent]);
      const result = auditLockfile(lockfileOf(BAT_2018), { ...db, byPackage }, { today: TODAY });
      expect(result.findings.filter((f) => f.package.name === 'syntect')).toEqual([]);
      // The dependencies syntect pulls from crates.io are still reported, through it.
      expect(findingOf(BAT_2018, 'yaml-rust', '0.4.0', 'RUSTSEC-2018-0006').paths[0]!.map((s) => s.name)).toEqual(['bat', 'syntect', 'yaml-rust']);
    });

    it.each([
      [BAT_2018, 'git2', '0.7.1', 'RUSTSEC-2023-0002', '2023-01-13'],
      [BAT_2018, 'xml-rs', '0.7.0', 'RUSTSEC-2022-0048', '2023-05-04'],
      [BAT_2018, 'directories', '0.10.0', 'RUSTSEC-2020-0054', '2021-04-19'],
      [MDBOOK_2022, 'humantime', '2.1.0', 'RUSTSEC-2025-0014', '2025-03-12'],
      [DEPS_RS, 'ring', '0.17.14', 'RUSTSEC-2025-0007', '2025-02-22'],
    ])('%s: does not report %s %s for %s, withdrawn on %s, whose ranges cover it', (file, name, version, id, withdrawn) => {
      const pkg = lockfileOf(file).packages.find((p) => p.name === name && p.version === version)!;
      const advisory = db.byPackage.get(name)!.find((a) => a.id === id)!;
      expect(advisory.withdrawn).toBe(withdrawn);
      expect(isAffected(pkg.semver, advisory.ranges)).toBe(true);
      expect(findingsOf(file, name, version).map((f) => f.advisory!.id)).not.toContain(id);
    });
  });

  describe('dependency paths', () => {
    it('gives quinn-proto in deps.rs its one shortest path: shiny-robots → reqwest → quinn → quinn-proto', () => {
      // Read off the lockfile: quinn-proto's only dependent is quinn 0.11.9, quinn's only
      // dependent is reqwest 0.13.2, which the workspace member shiny-robots depends on.
      const finding = findingOf(DEPS_RS, 'quinn-proto', '0.11.14', 'RUSTSEC-2026-0185');
      expect(finding.paths).toEqual([
        [
          { name: 'shiny-robots', version: '0.1.0' },
          { name: 'reqwest', version: '0.13.2' },
          { name: 'quinn', version: '0.11.9' },
          { name: 'quinn-proto', version: '0.11.14' },
        ],
      ]);
      expect(finding.line).toBe(3680);
    });

    it('starts paths at any workspace member: thread_local 1.1.3 in ripgrep 2021 through grep-regex and ignore', () => {
      const paths = findingOf(RIPGREP_2021, 'thread_local', '1.1.3', 'RUSTSEC-2022-0006').paths;
      expect(paths.map((p) => p.map((s) => `${s.name}@${s.version}`).join(' > ')).sort()).toEqual([
        'grep-regex@0.1.9 > thread_local@1.1.3',
        'ignore@0.4.18 > thread_local@1.1.3',
      ]);
    });
  });

  describe('duplicates', () => {
    it('finds exactly one duplicate in ripgrep 2021: cfg-if 0.1.10 (for packed_simd_2) and 1.0.0', () => {
      expect(resultOf(RIPGREP_2021).duplicates).toEqual([
        {
          name: 'cfg-if',
          versions: [
            {
              version: '0.1.10',
              source: 'registry+https://github.com/rust-lang/crates.io-index',
              dependents: [{ name: 'packed_simd_2', version: '0.3.5' }],
            },
            {
              version: '1.0.0',
              source: 'registry+https://github.com/rust-lang/crates.io-index',
              dependents: [
                { name: 'crossbeam-channel', version: '0.5.1' },
                { name: 'crossbeam-utils', version: '0.8.5' },
                { name: 'encoding_rs', version: '0.8.28' },
                { name: 'log', version: '0.4.14' },
              ],
            },
          ],
        },
      ]);
    });

    it('finds 72 crate names at more than one version in deps.rs, as counted straight from its text', () => {
      const text = readFileSync(sharedLockfile(DEPS_RS), 'utf8');
      const names = [...text.matchAll(/^\[\[package\]\]\nname = "([^"]+)"/gm)].map((m) => m[1]!);
      expect(names).toHaveLength(507);
      const counted = new Map<string, number>();
      for (const name of names) counted.set(name, (counted.get(name) ?? 0) + 1);
      const repeated = [...counted].filter(([, n]) => n > 1).map(([name]) => name).sort();

      const duplicates = resultOf(DEPS_RS).duplicates;
      expect(duplicates).toHaveLength(72);
      expect(duplicates.map((d) => d.name).sort()).toEqual(repeated);
      expect(resultOf(DEPS_RS).counts.duplicates).toBe(72);
      for (const d of duplicates) expect(d.versions).toHaveLength(counted.get(d.name)!);
      expect(duplicates.find((d) => d.name === 'h2')!.versions.map((v) => v.version)).toEqual(['0.3.27', '0.4.13']);
    });
  });
});
