import { beforeAll, describe, expect, it } from 'vitest';
import { auditRepository } from '../../../functions/app/audit-lockfile.ts';
import { renderTable } from '../../../functions/cli/render-table.ts';
import type { ScanResult } from '../../../functions/core/result.ts';
import { fixtureDb, fixtureText } from '../../helpers/fixtures.ts';

const ESC = '\u001b[';
const HEADINGS = ['CRITICAL (1)', 'HIGH (1)', 'MEDIUM (1)', 'LOW (2)', 'UNSCORED (2)', 'INFORMATIONAL (3)'];

async function auditFixture(name: string, options: { ignore?: string[] } = {}): Promise<ScanResult> {
  return auditRepository({
    repository: { name: 'fixtures', source: 'local', ref: null, commit: null },
    lockfiles: [{ path: name, text: fixtureText(name) }],
    db: await fixtureDb(),
    dbLocation: 'test/fixtures/advisory-db',
    ignores: (options.ignore ?? []).map((id) => ({ id, reason: 'accepted risk', until: '2100-01-01' })),
    deny: [],
    now: new Date('2099-06-01T00:00:00Z'),
  });
}

/** The same result with each lockfile's findings in reverse order, so grouping cannot lean on the input order. */
function reversed(result: ScanResult): ScanResult {
  return { ...result, lockfiles: result.lockfiles.map((l) => ({ ...l, findings: [...l.findings].reverse() })) };
}

describe('renderTable', () => {
  let v3: ScanResult;

  beforeAll(async () => {
    v3 = await auditFixture('v3.Cargo.lock');
  });

  it('prints no ANSI escape codes when color is false', () => {
    const text = renderTable(v3, { color: false });
    expect(text).toContain('CRITICAL (1)');
    expect(text).not.toContain('\u001b');
  });

  it('paints each severity heading in its colour and resets after it when color is true', () => {
    const text = renderTable(v3, { color: true });
    expect(text).toContain(`${ESC}35mCRITICAL${ESC}0m (1)`);
    expect(text).toContain(`${ESC}31mHIGH${ESC}0m (1)`);
    expect(text).toContain(`${ESC}33mMEDIUM${ESC}0m (1)`);
    expect(text).toContain(`${ESC}34mLOW${ESC}0m (2)`);
    expect(text).toContain(`${ESC}36mUNSCORED${ESC}0m (2)`);
    expect(text).toContain(`${ESC}90mINFORMATIONAL${ESC}0m (3)`);
    expect(text).toContain(`${ESC}31mFAIL${ESC}0m: 10 findings`);
  });

  it('differs from the plain text only by escape codes', () => {
    const strip = (s: string) => s.replace(new RegExp(`${ESC.replace('[', '\\[')}\\d+m`, 'g'), '');
    expect(strip(renderTable(v3, { color: true }))).toBe(renderTable(v3, { color: false }));
  });

  it('groups findings by severity in the order critical, high, medium, low, unscored, informational', () => {
    const lines = renderTable(reversed(v3), { color: false }).split('\n');
    const at = HEADINGS.map((h) => lines.indexOf(`  ${h}`));
    expect(at.every((i) => i >= 0), `headings at ${at.join(', ')}`).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // Every finding sits under the heading of its own severity.
    const headingBefore = (i: number) => HEADINGS[at.filter((h) => h < i).length - 1];
    for (const f of v3.lockfiles[0]!.findings) {
      const line = lines.findIndex((l) => l.startsWith(`  ${f.package.name} ${f.package.version}  ${f.advisory!.id}`));
      expect(line, f.advisory!.id).toBeGreaterThan(-1);
      expect(headingBefore(line), f.advisory!.id).toMatch(new RegExp(`^${f.severity.toUpperCase()} `));
    }
  });

  it('skips the heading of a severity that has no findings', async () => {
    const ignored = await auditFixture('v3.Cargo.lock', { ignore: ['RUSTSEC-2099-0001'] });
    const text = renderTable(ignored, { color: false });
    expect(text).not.toContain('CRITICAL');
    expect(text).toContain('  HIGH (1)\n');
  });

  it('lists ignored findings with the reason and date of the ignore', async () => {
    const ignored = await auditFixture('v3.Cargo.lock', { ignore: ['RUSTSEC-2099-0001'] });
    const text = renderTable(ignored, { color: false });
    expect(text).toContain('  ignored (1)\n  hyper 0.14.27  RUSTSEC-2099-0001: accepted risk until 2100-01-01\n');
  });

  it('shows fix, platforms, aliases, CVSS score and dependency path under a finding', () => {
    const text = renderTable(v3, { color: false });
    expect(text).toContain(
      [
        '  hyper 0.14.27  RUSTSEC-2099-0001  vulnerability CVSS 9.8',
        '    Out-of-bounds write in `hyper` client when reading chunked responses',
        '    date: 2099-01-10  https://rustsec.org/advisories/RUSTSEC-2099-0001',
        '    platforms: Linux on x86_64 only',
        '    aliases: CVE-2099-10001, GHSA-9x9x-7q2v-4m3p',
        '    fix: cargo update -p hyper@0.14.27 --precise 0.14.28',
        '    via: my-app → reqwest 0.11.27 → hyper 0.14.27',
      ].join('\n'),
    );
  });

  it('shows no platforms line for an advisory that affects every platform', () => {
    const text = renderTable(v3, { color: false });
    const h2 = text.slice(text.indexOf('  h2 0.3.20  RUSTSEC-2099-0002'), text.indexOf('  MEDIUM'));
    expect(h2).toContain('    date: 2099-01-12');
    expect(h2).not.toContain('platforms:');
  });

  it('lists one fix per locked package before the findings, worst first, with what each closes and what blocks a manifest bump', () => {
    const text = renderTable(reversed(v3), { color: false });
    const block = text.slice(text.indexOf('  fix first'), text.indexOf('  CRITICAL (1)'));
    expect(block).toBe(
      [
        '  fix first (10): one upgrade per locked package',
        '  cargo update -p hyper@0.14.27 --precise 0.14.28  closes RUSTSEC-2099-0001 (critical)',
        '  cargo update -p h2@0.3.20 --precise 0.3.26  closes RUSTSEC-2099-0002 (high)',
        '  cargo update -p tokio@1.38.0 --precise 1.38.1  closes RUSTSEC-2099-0003 (medium)',
        '  cargo update -p reqwest@0.11.27 --precise 0.11.28  closes RUSTSEC-2099-0019 (low)',
        '  time 0.1.45 → 0.2.0 (not semver-compatible: raise the requirement)  closes RUSTSEC-2099-0005 (low)',
        '    blocked by my-app: raise the requirement in my-app\'s Cargo.toml to time = ">= 0.2.0, < 0.2.7"',
        '  cargo update -p smallvec@0.6.13 --precise 0.6.14  closes RUSTSEC-2099-0004 (unscored)',
        '  thiserror-impl 1.0.69 → 2.0.0 (not semver-compatible: raise the requirement)  closes RUSTSEC-2099-0010 (unscored)',
        '    blocked by thiserror 1.0.69: needs a release of thiserror that allows thiserror-impl >= 2.0.0',
        '  cargo update -p mio@0.8.10 --precise 0.8.11  closes RUSTSEC-2099-0006 (informational)',
        '  base64 0.21.7: no fixed version, remove or replace it  leaves RUSTSEC-2099-0007 open (informational)',
        '  bytes 1.5.0: no fixed version, remove or replace it  leaves RUSTSEC-2099-0008 open (informational)',
        '',
        '',
      ].join('\n'),
    );
  });

  it('says outdated and yanked were not checked when the index was not asked (offline)', () => {
    expect(renderTable(v3, { color: false })).toContain('\n  outdated, yanked: not checked (offline: the crates.io index was not asked)\n');
  });

  it('says nothing of an unchecked index when the index was asked, or when a result predates the field', () => {
    const asked = { ...v3, lockfiles: v3.lockfiles.map((l) => ({ ...l, index: { checked: true as const } })) };
    const older = { ...v3, lockfiles: v3.lockfiles.map(({ index: _index, ...l }) => l) };
    expect(renderTable(asked, { color: false })).not.toContain('not checked');
    expect(renderTable(older, { color: false })).not.toContain('not checked');
  });

  it('shows an error, not a pass, when the lockfile has no packages', async () => {
    const text = renderTable(await auditFixture('empty.Cargo.lock'), { color: false });
    expect(text).toContain('empty.Cargo.lock (0 packages)\n  error: empty.Cargo.lock: lists no packages, so nothing could be audited');
    expect(text).toMatch(/^ERROR: 0 findings/m);
  });

  it('prints the error with file and line for a malformed lockfile', async () => {
    const text = renderTable(await auditFixture('malformed-field.Cargo.lock'), { color: false });
    expect(text).toContain('  error: malformed-field.Cargo.lock:14 (field `version`)');
    expect(text).toMatch(/^ERROR: 0 findings/m);
  });

  it('says how many advisories of the database were skipped', () => {
    expect(renderTable(v3, { color: false })).toContain('2 advisories could not be read and were skipped');
  });
});
