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

  it('shows fix, aliases, CVSS score and dependency path under a finding', () => {
    const text = renderTable(v3, { color: false });
    expect(text).toContain(
      [
        '  hyper 0.14.27  RUSTSEC-2099-0001  vulnerability CVSS 9.8',
        '    Out-of-bounds write in `hyper` client when reading chunked responses',
        '    date: 2099-01-10  https://rustsec.org/advisories/RUSTSEC-2099-0001',
        '    aliases: CVE-2099-10001, GHSA-9x9x-7q2v-4m3p',
        '    fix: cargo update -p hyper@0.14.27 --precise 0.14.28',
        '    via: my-app → reqwest 0.11.27 → hyper 0.14.27',
      ].join('\n'),
    );
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
