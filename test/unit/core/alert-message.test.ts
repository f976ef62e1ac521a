import { beforeAll, describe, expect, it } from 'vitest';
import { composeAlertMessages, type AlertMessage } from '../../../functions/core/alert-message.ts';
import type { Alert } from '../../../functions/core/ports.ts';
import type { Finding } from '../../../functions/core/result.ts';
import { alertName, fixtureFindings, listedAlerts, manyAlerts } from '../../helpers/alert-fixtures.ts';

const SITE = 'https://deps.example.com/';
/** The configuration the messages say to change: not the default name, so the messages show it is the one given. */
const CONFIG_FILE = 's3://ops-bucket/config/portfolio.toml';
const FOOTER = `Each finding is alerted once. To stop alerting one you accept, add an ignore with a reason to its repository in ${CONFIG_FILE}.\n`;

let findings: Map<string, Finding>;
const alert = (repository: string, crate: string): Alert => ({ repository, lockfile: 'Cargo.lock', finding: findings.get(crate)! });

/** What SNS counts against its limit, computed here independently of the code under test. */
function snsBytes(m: AlertMessage): number {
  const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');
  return utf8(m.subject) + utf8(m.body) + utf8('severity') + utf8('String') + utf8(m.severity) + utf8('repositories') + utf8('String.Array') + utf8(JSON.stringify(m.repositories));
}

beforeAll(async () => {
  findings = await fixtureFindings();
});

describe('composeAlertMessages subjects', () => {
  it.each([
    ['one high finding', () => [alert('billing', 'h2')], 'cratewatch: 1 high finding in billing'],
    [
      'mixed severities, counted most severe first, repositories by their worst finding',
      () => [alert('billing', 'reqwest'), alert('api-gateway', 'h2'), alert('billing', 'time'), alert('billing', 'hyper')],
      'cratewatch: 1 critical, 1 high, 2 low findings in billing, api-gateway',
    ],
    [
      'more repositories than fit, the rest counted',
      () => ['data-warehouse-exporter', 'billing', 'customer-notifications-service', 'api-gateway'].map((r) => alert(r, 'hyper')),
      'cratewatch: 4 critical findings in api-gateway, billing, customer-notifications-service (+1 more)',
    ],
    [
      'every severity, too many counts to list with the repository: the total and the worst',
      () => [...findings.keys()].map((crate) => alert('payments-platform-backend-monorepo', crate)),
      'cratewatch: 10 findings (1 critical) in payments-platform-backend-monorepo',
    ],
    [
      'a repository name too long for the subject, cut with dots',
      () => [alert('x'.repeat(150), 'hyper'), alert('web', 'h2')],
      `cratewatch: 2 findings (1 critical) in ${'x'.repeat(47)}... (+1 more)`,
    ],
  ])('says how many and where for %s', (_case, alerts, subject) => {
    const [message] = composeAlertMessages(alerts(), { siteUrl: SITE });
    expect(message!.subject).toBe(subject);
    expect(message!.subject.length).toBeLessThan(100);
  });

  it('replaces characters SNS refuses in subjects (non-ASCII, line breaks) with question marks', () => {
    const [message] = composeAlertMessages([alert('zürich\napp', 'hyper')], { siteUrl: null });
    expect(message!.subject).toBe('cratewatch: 1 critical finding in z?rich?app');
  });
});

describe('composeAlertMessages bodies', () => {
  it('lists each finding with repository, lockfile, crate, advisory, score, fix, one path and links, most severe first', () => {
    const messages = composeAlertMessages([alert('api-gateway', 'time'), alert('billing', 'hyper'), alert('api-gateway', 'bytes')], { siteUrl: SITE, configFile: CONFIG_FILE });
    expect(messages).toHaveLength(1);
    expect(messages[0]!.body).toBe(
      [
        'cratewatch: 3 new findings at or above the alert threshold, most severe first.',
        '',
        '1. [critical (CVSS 9.8)] billing Cargo.lock: hyper 0.14.27 RUSTSEC-2099-0001',
        '   Out-of-bounds write in `hyper` client when reading chunked responses',
        '   fix: cargo update -p hyper@0.14.27 --precise 0.14.28',
        '   pulled in by: my-app → reqwest → hyper',
        '   advisory: https://github.com/hyperium/hyper/security/advisories/GHSA-9x9x-7q2v-4m3p',
        '   report: https://deps.example.com/repos/billing/#f-Cargo.lock-RUSTSEC-2099-0001-hyper-0.14.27',
        '',
        '2. [low (CVSS 3.7)] api-gateway Cargo.lock: time 0.1.45 RUSTSEC-2099-0005',
        '   Potential crash when reading the local time offset',
        '   fix: Upgrade time to 0.2.0 (not later: 0.2.7 and up are affected again until a later fix): not semver-compatible with 0.1.45, so the requirement in Cargo.toml (of time or the crate that pulls it in) must be raised.',
        '   pulled in by: my-app → time',
        '   advisory: https://github.com/time-rs/time/issues/99005',
        '   report: https://deps.example.com/repos/api-gateway/#f-Cargo.lock-RUSTSEC-2099-0005-time-0.1.45',
        '',
        '3. [informational (no CVSS score)] api-gateway Cargo.lock: bytes 1.5.0 RUSTSEC-2099-0008',
        '   Notice: `bytes` 1.x changes the default of `BytesMut::reserve`',
        '   fix: No fixed version of bytes is known: remove it or replace it.',
        '   pulled in by: my-app → gix-tool → bytes (and 1 more path)',
        '   advisory: https://github.com/tokio-rs/bytes/discussions/99008',
        '   report: https://deps.example.com/repos/api-gateway/#f-Cargo.lock-RUSTSEC-2099-0008-bytes-1.5.0',
        '',
        FOOTER,
      ].join('\n'),
    );
    expect(messages[0]!.severity).toBe('critical');
    expect(messages[0]!.repositories).toEqual(['billing', 'api-gateway']);
  });

  it('says once that the report site is not configured, and links nowhere, when siteUrl is null', () => {
    const [message] = composeAlertMessages([alert('web', 'smallvec')], { siteUrl: null, configFile: CONFIG_FILE });
    expect(message!.body).toBe(
      [
        'cratewatch: 1 new finding at or above the alert threshold, most severe first.',
        `Report site not configured ([site] url in ${CONFIG_FILE}), so there are no links to it.`,
        '',
        '1. [unscored (no CVSS score)] web Cargo.lock: smallvec 0.6.13 RUSTSEC-2099-0004',
        '   Buffer overflow in `SmallVec::insert_many`',
        '   fix: cargo update -p smallvec@0.6.13 --precise 0.6.14',
        '   pulled in by: my-lib → smallvec',
        '   advisory: https://github.com/servo/rust-smallvec/issues/99004',
        '',
        FOOTER,
      ].join('\n'),
    );
    expect(message!.severity).toBe('unscored');
  });

  it('names "the cratewatch configuration" in the site note and the footer when configFile is not given', () => {
    const [message] = composeAlertMessages([alert('web', 'smallvec')], { siteUrl: null });
    const lines = message!.body.split('\n');
    expect(lines[1]).toBe('Report site not configured ([site] url in the cratewatch configuration), so there are no links to it.');
    expect(lines.at(-2)).toBe('Each finding is alerted once. To stop alerting one you accept, add an ignore with a reason to its repository in the cratewatch configuration.');
  });

  it('links a repository whose name needs escaping by its encoded name, and the RustSec page when the advisory has no http(s) URL', () => {
    const hyper = findings.get('hyper')!;
    const finding: Finding = { ...hyper, advisory: { ...hyper.advisory!, url: 'javascript:alert(1)' } };
    const [message] = composeAlertMessages([{ repository: 'team a/app', lockfile: 'crates/x/Cargo.lock', finding }], { siteUrl: 'https://deps.example.com/portfolio' });
    expect(message!.body).toContain('\n   advisory: https://rustsec.org/advisories/RUSTSEC-2099-0001\n');
    expect(message!.body).toContain('\n   report: https://deps.example.com/portfolio/repos/team%20a%2Fapp/#f-crates_x_Cargo.lock-RUSTSEC-2099-0001-hyper-0.14.27\n');
  });

  it('keeps an untrusted title with line breaks on its one line, so it cannot forge entries', () => {
    const hyper = findings.get('hyper')!;
    const finding: Finding = { ...hyper, advisory: { ...hyper.advisory!, title: 'Bad\n2. [critical (CVSS 10.0)] fake\r\nentry' } };
    const [message] = composeAlertMessages([alert('app', 'h2'), { repository: 'app', lockfile: 'Cargo.lock', finding }], { siteUrl: null });
    expect(message!.body).toContain('\n   Bad 2. [critical (CVSS 10.0)] fake entry\n');
    expect(listedAlerts(message!.body)).toEqual(['app Cargo.lock hyper 0.14.27 RUSTSEC-2099-0001', 'app Cargo.lock h2 0.3.20 RUSTSEC-2099-0002']);
  });

  it('names a yanked version without an advisory line', () => {
    const tokio = findings.get('tokio')!;
    const { advisory: _advisory, ...rest } = tokio;
    const yanked: Finding = { ...rest, kind: 'yanked', severity: 'informational', fix: { status: 'compatible', version: '1.38.1', command: 'cargo update -p tokio@1.38.0 --precise 1.38.1', summary: 'Upgrade tokio to 1.38.1' } };
    const [message] = composeAlertMessages([{ repository: 'web', lockfile: 'Cargo.lock', finding: yanked }], { siteUrl: SITE });
    expect(message!.body.split('\n').slice(2, 8)).toEqual([
      '1. [informational (no CVSS score)] web Cargo.lock: tokio 1.38.0 yanked',
      '   tokio 1.38.0 is yanked from its registry',
      '   fix: cargo update -p tokio@1.38.0 --precise 1.38.1',
      '   pulled in by: my-lib → tokio',
      '   report: https://deps.example.com/repos/web/#f-Cargo.lock-yanked-tokio-1.38.0',
      '',
    ]);
  });

  it('orders by severity, then repository, then crate, whatever the input order', () => {
    const alerts = [alert('web', 'reqwest'), alert('api', 'time'), alert('web', 'hyper'), alert('api', 'hyper'), alert('api', 'h2')];
    const [message] = composeAlertMessages(alerts, { siteUrl: null });
    expect(listedAlerts(message!.body)).toEqual([
      'api Cargo.lock hyper 0.14.27 RUSTSEC-2099-0001',
      'web Cargo.lock hyper 0.14.27 RUSTSEC-2099-0001',
      'api Cargo.lock h2 0.3.20 RUSTSEC-2099-0002',
      'api Cargo.lock time 0.1.45 RUSTSEC-2099-0005',
      'web Cargo.lock reqwest 0.11.27 RUSTSEC-2099-0019',
    ]);
    expect(message!.alerts.map(alertName)).toEqual(listedAlerts(message!.body));
  });

  it('composes nothing for no alerts', () => {
    expect(composeAlertMessages([], { siteUrl: SITE })).toEqual([]);
  });
});

describe('composeAlertMessages splitting', () => {
  const repositories = ['api-gateway', 'billing', 'search', 'web', 'mobile-backend', 'ledger', 'docs'];

  it('splits 300 alerts into numbered parts, each under maxBytes, every alert in exactly one part, in order', () => {
    const alerts = manyAlerts(findings, 300, repositories);
    const maxBytes = 16 * 1024;
    const messages = composeAlertMessages(alerts, { siteUrl: SITE, maxBytes });

    expect(messages.length).toBeGreaterThan(3);
    for (const m of messages) expect(snsBytes(m)).toBeLessThanOrEqual(maxBytes);

    const carried = messages.flatMap((m) => m.alerts);
    expect(carried).toHaveLength(300);
    expect(new Set(carried).size).toBe(300);
    for (const a of alerts) expect(carried).toContain(a);
    expect(messages.flatMap((m) => listedAlerts(m.body))).toEqual(carried.map(alertName));
    expect(messages.flatMap((m) => m.body.match(/^\d+(?=\. \[)/gm)!.map(Number))).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));

    let first = 1;
    messages.forEach((m, i) => {
      const last = first + m.alerts.length - 1;
      expect(m.subject).toMatch(new RegExp(` \\(part ${i + 1}/${messages.length}\\)$`));
      expect(m.subject.length).toBeLessThan(100);
      expect(m.body.split('\n')[1]).toBe(`Part ${i + 1} of ${messages.length}: findings ${first} to ${last}.`);
      expect(m.severity).toBe(m.alerts[0]!.finding.severity);
      expect(m.repositories).toEqual([...new Set(m.alerts.map((a) => a.repository))]);
      first = last + 1;
    });
    expect(messages.some((m) => m.body.includes('shortened'))).toBe(false);
  });

  it('counts a long configuration name in every part: each stays under maxBytes and ends with the footer naming it', () => {
    const configFile = `s3://ops-bucket/${'ü'.repeat(300)}.toml`;
    const maxBytes = 4096;
    const messages = composeAlertMessages(manyAlerts(findings, 40, repositories), { siteUrl: null, maxBytes, configFile });

    expect(messages.length).toBeGreaterThan(3);
    for (const m of messages) {
      expect(snsBytes(m)).toBeLessThanOrEqual(maxBytes);
      expect(m.body.split('\n')[2]).toBe(`Report site not configured ([site] url in ${configFile}), so there are no links to it.`);
      expect(m.body.endsWith(`add an ignore with a reason to its repository in ${configFile}.\n`)).toBe(true);
    }
    expect(messages.flatMap((m) => m.alerts)).toHaveLength(40);
  });

  it('keeps each message of many alerts under the default of 240 KiB', () => {
    const messages = composeAlertMessages(manyAlerts(findings, 1500, repositories), { siteUrl: SITE });
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(snsBytes(m)).toBeLessThanOrEqual(240 * 1024);
    // Filled close to the limit, not split needlessly.
    for (const m of messages.slice(0, -1)) expect(snsBytes(m)).toBeGreaterThan(230 * 1024);
    expect(messages.flatMap((m) => m.alerts)).toHaveLength(1500);
  });

  it('shortens the long fields of one alert too large on its own, with a marker, and leaves the others whole', () => {
    const hyper = findings.get('hyper')!;
    const huge: Finding = { ...hyper, advisory: { ...hyper.advisory!, title: `Overflow ${'ä'.repeat(20_000)}` } };
    const alerts: Alert[] = [alert('web', 'h2'), { repository: 'web', lockfile: 'Cargo.lock', finding: huge }, alert('web', 'time')];
    const maxBytes = 4096;
    const messages = composeAlertMessages(alerts, { siteUrl: SITE, maxBytes });

    expect(messages.map((m) => m.alerts.map((a) => a.finding.package.name))).toEqual([['hyper'], ['h2', 'time']]);
    for (const m of messages) expect(snsBytes(m)).toBeLessThanOrEqual(maxBytes);
    const shortened = messages[0]!.body;
    expect(shortened).toMatch(/\n {3}Overflow ä+… \(shortened, see the report\)\n/);
    expect(listedAlerts(shortened)).toEqual(['web Cargo.lock hyper 0.14.27 RUSTSEC-2099-0001']);
    expect(shortened).toContain('\n   report: https://deps.example.com/repos/web/#f-Cargo.lock-RUSTSEC-2099-0001-hyper-0.14.27\n');
    expect(messages[1]!.body).not.toContain('shortened');
  });

  it('throws a RangeError naming maxBytes when even a shortened alert cannot fit', () => {
    expect(() => composeAlertMessages([alert('web', 'hyper')], { siteUrl: SITE, maxBytes: 600 })).toThrow(
      /^maxBytes 600 leaves no room for alert 1 \(web Cargo\.lock: hyper\) even with every field cut to 24 characters/,
    );
    expect(() => composeAlertMessages([alert('web', 'hyper')], { siteUrl: SITE, maxBytes: 0 })).toThrow('maxBytes must be a positive whole number of bytes, got 0');
  });
});
